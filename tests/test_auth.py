"""Signing in and out."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.models import AuditEvent
from tests.conftest import DEMO_PASSWORD, page_text


def test_dashboard_requires_sign_in(client, seeded):
    response = client.get(url_for("plans.dashboard"))
    assert response.status_code == 302
    assert url_for("auth.sign_in") in response.headers["Location"]


def test_sign_in_shows_the_demo_plan(client, seeded):
    response = client.post(url_for("auth.sign_in"),
                           data={"email": "editor@demo.example", "password": DEMO_PASSWORD})
    assert response.status_code == 303
    dashboard = client.get(response.headers["Location"])
    text = page_text(dashboard)
    assert "Ekdala kommun" in text
    assert "Handlingsplan mot våldsbejakande extremism" in text
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "auth.sign_in" in actions


def test_wrong_password_is_refused_with_a_message_and_audited(client, seeded):
    response = client.post(url_for("auth.sign_in"),
                           data={"email": "editor@demo.example", "password": "not the password"})
    assert response.status_code == 422
    text = page_text(response)
    assert "The e-mail address or password is not right." in text
    assert 'value="editor@demo.example"' in response.get_data(as_text=True)  # the e-mail is kept
    assert client.get(url_for("plans.dashboard")).status_code == 302
    failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.sign_in_failed")).all()
    assert len(failed) == 1 and failed[0].detail["reason"] == "password"


def test_unknown_email_gets_the_same_message(client, seeded):
    response = client.post(url_for("auth.sign_in"), data={"email": "nobody@demo.example", "password": "x"})
    assert response.status_code == 422
    assert "The e-mail address or password is not right." in page_text(response)


def test_empty_form_names_each_missing_field(client, seeded):
    response = client.post(url_for("auth.sign_in"), data={"email": "", "password": ""})
    text = page_text(response)
    assert "Enter your e-mail address." in text and "Enter your password." in text


def test_sign_in_does_not_redirect_off_site(client, seeded):
    response = client.post(url_for("auth.sign_in", next="https://evil.example/"),
                           data={"email": "editor@demo.example", "password": DEMO_PASSWORD})
    assert response.headers["Location"] == url_for("plans.dashboard")


def test_sign_out(editor_client):
    response = editor_client.post(url_for("auth.sign_out"))
    assert response.status_code == 303
    assert editor_client.get(url_for("plans.dashboard")).status_code == 302


def test_sign_in_form_needs_csrf_token(app, seeded):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.post(url_for("auth.sign_in"),
                           data={"email": "editor@demo.example", "password": DEMO_PASSWORD})
    assert response.status_code == 400
    assert "The form has expired" in page_text(response)


def test_deactivated_user_cannot_sign_in(client, seeded):
    from planbuilder.services.accounts import find_user
    find_user("editor@demo.example").active = False
    db.session.commit()
    response = client.post(url_for("auth.sign_in"),
                           data={"email": "editor@demo.example", "password": DEMO_PASSWORD})
    assert response.status_code == 422
