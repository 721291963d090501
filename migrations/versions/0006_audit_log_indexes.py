"""audit log indexes: the log is read one municipality at a time, newest first, whole or by action or person;
an index per way of reading lets a page start at its place (keyset pagination) and the filter's choices be read
from the index, instead of sorting all of a municipality's events for every page

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 10:00:00

"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_audit_event_log': ['municipality_id', 'at', 'id'],
    'ix_audit_event_action_log': ['municipality_id', 'action', 'at', 'id'],
    'ix_audit_event_person_log': ['municipality_id', 'user_id', 'at', 'id'],
}


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
        # Every new index starts with municipality_id, so this one has nothing left to do.
        batch_op.drop_index('ix_audit_event_municipality_id')


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_municipality_id', ['municipality_id'], unique=False)
        for name in INDEXES:
            batch_op.drop_index(name)
