"""Who else has a section open: shown on the page and refreshed by the page's own poll, which keeps no session
alive."""
from __future__ import annotations

import re
from datetime import timedelta

from flask import url_for

from planbuilder.extensions import db
from planbuilder.models import SignInSession, utcnow
from planbuilder.services.people import sessions
from planbuilder.services.plans import plans
from tests.conftest import page_text, sign_in_as
from tests.wizard_helpers import HTMX, demo_plan, form_fields, post_section, section_url


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


def _poll(client, plan_id, section_id, bases):
    """The presence poll as the page's script sends it: each field's base (a group's without its rows)."""
    params = {f"_base-{field_id}": base.split("|")[0] for field_id, base in bases.items()}
    response = client.get(url_for("wizard.presence", plan_id=plan_id, section_id=section_id, **params),
                          headers=HTMX)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _bases_on(client, plan_id, section_id):
    html = client.get(section_url(plan_id, section_id)).get_data(as_text=True)
    return {name[len("_base-"):]: values[0] for name, values in form_fields(html).items()
            if name.startswith("_base-")}


def test_the_poll_brings_an_answer_a_colleague_changed_drawn_as_on_the_page(app, seeded):
    plan_id = demo_plan().id
    editor, admin = _signed_in(app, "editor@demo.example"), _signed_in(app, "admin@demo.example")
    loaded = _bases_on(editor, plan_id, "ansvar")
    assert "<template" not in _poll(editor, plan_id, "ansvar", loaded)  # nothing changed: nothing sent
    assert post_section(admin, plan_id, "ansvar", {"samordnare": "Kollegans text"}, headers=HTMX,
                        _autosave="samordnare").status_code == 200
    html = _poll(editor, plan_id, "ansvar", loaded)
    assert html.count("<template data-refresh=") == 1  # only the answer that changed
    fresh = re.search(r'<template data-refresh="samordnare"[^>]*>(.*?)</template>', html, re.S)
    assert fresh and "Kollegans text" in fresh.group(1)
    assert 'id="samordnare-wrapper"' in fresh.group(1) and 'hx-post=' in fresh.group(1)
    now = _bases_on(editor, plan_id, "ansvar")
    assert f'data-base="{now["samordnare"]}"' in html and f'data-was="{loaded["samordnare"]}"' in html
    assert "Updated: Samordnarens roll och uppdrag – changed by a colleague" in html
    # The page drew the field the same way: the refresh is the wrapper of section.html, character for character.
    page = editor.get(section_url(plan_id, "ansvar")).get_data(as_text=True)
    wrapper = re.search(r'<div class="autosave" id="samordnare-wrapper".*?\n</div>', fresh.group(1), re.S)
    assert wrapper and wrapper.group(0) in page
    assert "<template" not in _poll(editor, plan_id, "ansvar", now)  # bases as stored: nothing to refresh
    # Another municipality's plan is not found, bases or not.
    danish = _signed_in(app, "editor@soendervig.example")
    assert danish.get(url_for("wizard.presence", plan_id=plan_id, section_id="ansvar",
                              **{"_base-samordnare": "0" * 16}), headers=HTMX).status_code == 404


def test_the_poll_brings_a_group_a_colleague_changed_as_the_page_draws_it(app, seeded):
    plan_id = demo_plan().id
    editor, admin = _signed_in(app, "editor@demo.example"), _signed_in(app, "admin@demo.example")
    section_id = _section_of("aktorer")
    loaded = _bases_on(editor, plan_id, section_id)
    assert post_section(admin, plan_id, section_id, {}, headers=HTMX, _action="add:aktorer").status_code == 200
    html = _poll(editor, plan_id, section_id, loaded)
    fresh = re.search(r'<template data-refresh="aktorer"[^>]*>(.*?)</template>', html, re.S)
    assert fresh and 'id="aktorer-group"' in fresh.group(1) and "hx-post=" in fresh.group(1)
    assert html.count("<template data-refresh=") == 1
    assert "<template" not in _poll(editor, plan_id, section_id, _bases_on(editor, plan_id, section_id))


def _section_of(field_id):
    template = plans.template_for("se-vbe")
    return next(section.id for section in template.sections if section.field(field_id) is not None)
