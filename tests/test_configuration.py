"""Settings decided once every configuration layer is read (defaults, instance/config.py, the test mapping)."""
from __future__ import annotations

import pytest

from planbuilder import create_app


@pytest.mark.parametrize("database, migrates", [
    ("sqlite:////tmp/planbuilder-config-test.sqlite3", True),
    ("postgresql+psycopg://planbuilder@127.0.0.1:1/planbuilder", False),
])
def test_only_the_embedded_database_migrates_itself(tmp_path, database, migrates):
    """The database named by the last layer decides, not DATABASE_URL alone: a PostgreSQL URL in
    instance/config.py must not make every process migrate."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database,
                      "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path)})
    assert app.config["AUTO_MIGRATE"] is migrates


def test_an_explicit_choice_is_kept(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "AUTO_MIGRATE": False, "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path)})
    assert app.config["AUTO_MIGRATE"] is False
