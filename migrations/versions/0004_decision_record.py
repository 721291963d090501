"""the decision record: the minute paragraph and the case number are separate fields, so the cover and the body
of an adopted plan print one decision with correctly labelled parts

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 17:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_paragraph', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('case_number', sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_column('case_number')
        batch_op.drop_column('decision_paragraph')
