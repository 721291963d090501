"""documents found by their hash: an index on the SHA-256 of rendered and frozen documents

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 23:50:00

Made documents are served from file copies named by their hash (services/documents/document_files.py), and the
copies the database no longer names are pruned. Listing the hashes without an index reads every row, and on
SQLite every half megabyte of document stored before the hash column: tens of milliseconds for a few hundred
documents. The indexes answer it alone.
"""
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

DOCUMENT_TABLES = ("rendered_document", "frozen_document")


def upgrade():
    for table in DOCUMENT_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_sha256"), ["sha256"], unique=False)


def downgrade():
    for table in DOCUMENT_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_sha256"))
