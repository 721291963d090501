"""/healthz reports whether the database answers."""
from __future__ import annotations

import pytest
from flask import url_for

from tests.conftest import make_app


def test_healthz_up(client):
    response = client.get(url_for("health.healthz"))
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "storage": "ok", "documents": "ok"}


def test_healthz_says_so_when_the_disk_is_nearly_full(client, monkeypatch):
    from planbuilder.views import health

    monkeypatch.setattr(health, "free_megabytes", lambda folder: 12)
    response = client.get(url_for("health.healthz"))
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "ok", "storage": "full", "free_mb": 12}


def test_healthz_down_when_database_unreachable(translations_dir, tmp_path):
    # Nothing listens on port 1: the database is "down".
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1", translations_dir)
    with app.test_request_context():
        response = app.test_client().get(url_for("health.healthz"))
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_pages_say_unavailable_when_database_is_down(translations_dir):
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1", translations_dir)
    client = app.test_client()
    with app.test_request_context():
        response = client.post(url_for("auth.sign_in"), data={"email": "a@b.example", "password": "x"})
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "briefly unavailable" in body and "Traceback" not in body


@pytest.mark.parametrize("url", ["mysql://x@localhost/db", "not a url at all"])
def test_malformed_database_url_stops_start_up_clearly(monkeypatch, url):
    from planbuilder import create_app
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(SystemExit) as caught:
        create_app({"TESTING": True})
    assert "DATABASE_URL" in str(caught.value.code)


def test_database_failing_after_sign_in_still_gets_the_friendly_page(app, editor_client, monkeypatch):
    """The connection dies mid-session: loading the signed-in user fails too, and the page must still render."""
    from sqlalchemy.exc import OperationalError

    from planbuilder.extensions import login_manager

    def database_gone(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(login_manager, "_user_callback", database_gone)
    response = editor_client.get(url_for("plans.dashboard"))
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "briefly unavailable" in body and "Traceback" not in body


def test_healthz_reports_an_unreachable_document_queue_without_failing(client, app):
    app.config.update(JOB_QUEUE="redis", QUEUE_URL="redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 200  # the wizard works without it: no reason to take the app out
    assert response.get_json()["documents"] == "queue unreachable"
