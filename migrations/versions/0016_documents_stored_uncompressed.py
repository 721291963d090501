"""documents stored as they are on PostgreSQL: PDFs and DOCX files are compressed already

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 03:50:00

PostgreSQL tries to compress every large value it stores (pglz), at the database server's normal CPU priority:
for half a megabyte of PDF that is milliseconds of a core taken from people's saves, for no gain. EXTERNAL keeps
the values out of line and uncompressed. Rows already stored keep their form until they are written again.
SQLite has no such setting.
"""
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

DOCUMENT_TABLES = ("rendered_document", "frozen_document")


def _set_storage(storage: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in DOCUMENT_TABLES:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN content SET STORAGE {storage}")


def upgrade():
    _set_storage("EXTERNAL")


def downgrade():
    _set_storage("EXTENDED")
