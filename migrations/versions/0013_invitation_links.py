"""invitation links: every addition by an admin is an invitation, with a link for a person who has an account

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 23:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitation') as batch_op:
        batch_op.add_column(sa.Column('link_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_invitation_link_hash', ['link_hash'])


def downgrade():
    with op.batch_alter_table('invitation') as batch_op:
        batch_op.drop_constraint('uq_invitation_link_hash', type_='unique')
        batch_op.drop_column('link_hash')
