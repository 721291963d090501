"""decision corrections: an adopted version's recorded decision put right, its documents frozen again and the
earlier ones kept as replaced

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 23:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

CURRENT = sa.text("replaced_by_id IS NULL")


def upgrade():
    op.create_table('decision_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('corrected_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['corrected_by_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_decision_correction_version_id', 'decision_correction', ['version_id'])
    with op.batch_alter_table('frozen_document') as batch_op:
        batch_op.add_column(sa.Column('replaced_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_frozen_document_replaced_by_id_decision_correction', 'decision_correction',
                                    ['replaced_by_id'], ['id'])
        batch_op.drop_constraint('uq_frozen_document_edition', type_='unique')
    op.create_index('uq_frozen_document_current', 'frozen_document', ['version_id', 'edition'], unique=True,
                    sqlite_where=CURRENT, postgresql_where=CURRENT)


def downgrade():
    op.drop_index('uq_frozen_document_current', table_name='frozen_document')
    op.execute("DELETE FROM frozen_document WHERE replaced_by_id IS NOT NULL")
    with op.batch_alter_table('frozen_document') as batch_op:
        batch_op.create_unique_constraint('uq_frozen_document_edition', ['version_id', 'edition'])
        batch_op.drop_constraint('fk_frozen_document_replaced_by_id_decision_correction', type_='foreignkey')
        batch_op.drop_column('replaced_by_id')
    op.drop_index('ix_decision_correction_version_id', table_name='decision_correction')
    op.drop_table('decision_correction')
