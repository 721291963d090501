"""Who else has a section open: shown on the page and refreshed by the page's own poll, which keeps no session
alive."""
from __future__ import annotations

from datetime import timedelta

from flask import url_for

from planbuilder.extensions import db
from planbuilder.models import SignInSession, utcnow
from planbuilder.services.people import sessions
from tests.conftest import page_text, sign_in_as
from tests.wizard_helpers import HTMX, demo_plan, section_url


def _signed_in(app, email):
    client = app.test_client()
    sign_in_as(client, email)
    return client


def _presence(client, plan_id, section_id):
    response = client.get(url_for("wizard.presence", plan_id=plan_id, section_id=section_id), headers=HTMX)
    assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
    return page_text(response)


def test_a_section_shows_who_else_has_it_open(app, seeded, monkeypatch):
    plan_id = demo_plan().id
    editor, admin = _signed_in(app, "editor@demo.example"), _signed_in(app, "admin@demo.example")
    editor.get(section_url(plan_id, "ansvar"))
    assert "Also on this page now: Demo editor" in page_text(admin.get(section_url(plan_id, "ansvar")))
    assert "Also on this page now: Demo admin" in _presence(editor, plan_id, "ansvar")
    admin.get(section_url(plan_id, "samverkan"))  # the admin moves on: no longer here for the editor
    assert "Also on this page" not in _presence(editor, plan_id, "ansvar")
    start = utcnow()
    admin.get(section_url(plan_id, "ansvar"))
    monkeypatch.setattr(sessions, "utcnow", lambda: start + sessions.PRESENT_FOR + timedelta(seconds=5))
    assert "Demo admin" not in _presence(editor, plan_id, "ansvar")  # a page not heard of for a minute has gone


def test_the_presence_poll_keeps_no_session_alive_and_is_scoped(app, seeded, monkeypatch):
    plan_id = demo_plan().id
    editor = _signed_in(app, "editor@demo.example")
    session_row = db.session.scalars(db.select(SignInSession).order_by(SignInSession.created_at.desc())).first()
    earlier = utcnow() - timedelta(minutes=5)
    session_row.last_seen_at = earlier
    db.session.commit()
    _presence(editor, plan_id, "ansvar")
    db.session.refresh(session_row)
    assert session_row.last_seen_at == earlier and session_row.viewing == f"{plan_id}/ansvar"
    # Without htmx the address leads to the section page; a plan of another municipality is not found.
    plain = editor.get(url_for("wizard.presence", plan_id=plan_id, section_id="ansvar"))
    assert plain.status_code == 303 and plain.headers["Location"].endswith(section_url(plan_id, "ansvar"))
    danish = _signed_in(app, "editor@soendervig.example")
    assert danish.get(url_for("wizard.presence", plan_id=plan_id, section_id="ansvar"),
                      headers=HTMX).status_code == 404
