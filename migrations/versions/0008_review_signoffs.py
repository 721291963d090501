"""review sign-offs: each reviewer records "reviewed, no further comments" or "reviewed, with comments" on a
version in review, once per version, changeable while it is in review

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_signoff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.String(length=20), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("verdict IN ('no_comments', 'with_comments')", name='ck_review_signoff_verdict'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version_id', 'reviewer_id', name='uq_review_signoff_version_reviewer')
    )
    with op.batch_alter_table('review_signoff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_signoff_version_id'), ['version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_signoff_reviewer_id'), ['reviewer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('review_signoff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_signoff_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_review_signoff_version_id'))
    op.drop_table('review_signoff')
