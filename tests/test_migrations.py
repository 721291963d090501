"""The schema comes from Alembic migrations: from empty to head, and the latest one down and up again."""
from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from planbuilder.extensions import db

EXPECTED_TABLES = {"municipality", "user_account", "membership", "plan", "plan_version", "audit_event",
                   "rendered_document", "frozen_document", "comment", "share_link", "sign_in_link",
                   "sign_in_session", "invitation", "alembic_version"}
# What the latest migration (0003, sign-in sessions and invitations) adds; downgrading it must remove these.
LATEST_TABLES = {"sign_in_session", "invitation"}


def test_schema_is_at_head_after_migrating_an_empty_database(app):
    # The session fixture built this database from empty by `upgrade()`.
    assert EXPECTED_TABLES <= set(inspect(db.engine).get_table_names())


def test_latest_migration_downgrades_and_upgrades_again(app):
    db.session.remove()
    downgrade(revision="-1")
    with db.engine.connect() as connection:
        now_at = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if now_at == "0002":  # while 0003 is the latest migration
        assert not LATEST_TABLES & set(inspect(db.engine).get_table_names())
    upgrade()
    assert EXPECTED_TABLES <= set(inspect(db.engine).get_table_names())


def test_documents_are_stored_uncompressed_on_postgresql(app):
    """PDFs and DOCX files are compressed already: PostgreSQL must not spend a core compressing them again."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL storage setting; SQLite has none")
    with db.engine.connect() as connection:
        storage = dict(connection.execute(text(
            "SELECT attrelid::regclass::text, attstorage FROM pg_attribute "
            "WHERE attname = 'content' AND attrelid IN ('rendered_document'::regclass, 'frozen_document'::regclass)"
        )).all())
    assert storage == {"rendered_document": "e", "frozen_document": "e"}
