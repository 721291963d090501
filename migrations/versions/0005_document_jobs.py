"""document jobs: the documents someone wants made, rendered in the background by a worker

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 20:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'document_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('other_version_id', sa.Integer(), nullable=True),
        sa.Column('edition', sa.String(length=20), nullable=True),
        sa.Column('format', sa.String(length=10), nullable=True),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('run_after', sa.DateTime(timezone=True), nullable=True),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['version_id'], ['plan_version.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['other_version_id'], ['plan_version.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    with op.batch_alter_table('document_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_job_version_id'), ['version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_job_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('document_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_job_state'))
        batch_op.drop_index(batch_op.f('ix_document_job_version_id'))
    op.drop_table('document_job')
