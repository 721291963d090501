"""section presence: each signed-in browser keeps which section it has open and when it last said so, so a
section page can show who else has it open

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 15:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sign_in_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('viewing', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('viewing_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_sign_in_session_viewing'), ['viewing'], unique=False)


def downgrade():
    with op.batch_alter_table('sign_in_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_session_viewing'))
        batch_op.drop_column('viewing_at')
        batch_op.drop_column('viewing')
