"""follow-up entries: dated status, comment and indicator value per measure of an adopted version

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 11:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('follow_up_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.String(length=100), nullable=False),
    sa.Column('field_id', sa.String(length=100), nullable=False),
    sa.Column('row_id', sa.String(length=40), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=40), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('indicator_value', sa.Float(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_follow_up_entry_version_row', 'follow_up_entry', ['version_id', 'row_id', 'entry_date'],
                    unique=False)


def downgrade():
    op.drop_index('ix_follow_up_entry_version_row', table_name='follow_up_entry')
    op.drop_table('follow_up_entry')
