"""Share links: a read-only link to one version's PDF for people without an account."""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.models import AuditEvent, ShareLink, utcnow
from planbuilder.services.documents import rendering as documents
from planbuilder.services.people import sharing
from planbuilder.services.plans import plans
from tests.conftest import page_text, sign_in_as
from tests.test_access import separate_requests  # noqa: F401  (autouse fixture)
from tests.wizard_helpers import demo_plan

FAKE_PDF = b"%PDF-1.7\n% a stand-in: rendering is tested in test_documents.py\n"


@pytest.fixture(autouse=True)
def quick_pdf(monkeypatch):
    """Rendering takes seconds; these tests are about who gets the bytes. Counts the renders too."""
    calls = []

    def render(version, edition):
        calls.append((version.id, edition))
        return FAKE_PDF + edition.encode()
    monkeypatch.setattr(documents, "render_pdf", render)
    return calls


@pytest.fixture
def version(seeded):
    return plans.current_version(demo_plan())


@pytest.fixture
def editor(app, seeded):
    client = app.test_client()
    sign_in_as(client, "editor@demo.example")
    return client


def make_link(editor, version, **form):
    response = editor.post(url_for("review.shares", version_id=version.id), data=form)
    assert response.status_code == 303, page_text(response)
    page = editor.get(response.headers["Location"])
    found = re.search(r'id="new-link-url" type="text" readonly value="([^"]+)"', page.get_data(as_text=True))
    assert found, "the new link is shown after making it"
    return found.group(1), page


def links() -> list[ShareLink]:
    db.session.expire_all()
    return db.session.scalars(select(ShareLink).order_by(ShareLink.id)).all()


def test_editor_makes_a_link_public_and_30_days_by_default(editor, version):
    url, page = make_link(editor, version)
    [link] = links()
    token = url.rsplit("/", 1)[1]
    assert url.endswith(url_for("shared.pdf", token=token))
    assert link.edition == "public" and sharing.well_formed(token)
    assert abs(link.expires_at - (utcnow() + timedelta(days=30))) < timedelta(minutes=1)
    # Only the hash is stored; the token itself is nowhere in the database.
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    rows = db.session.execute(select(ShareLink.__table__)).all()
    assert token not in repr(rows)
    assert "it is shown only this once" in page_text(page)
    # ...and only once.
    again = editor.get(url_for("review.shares", version_id=version.id)).get_data(as_text=True)
    assert token not in again and "Works" in page_text(editor.get(url_for("review.shares", version_id=version.id)))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "share.create"))
    assert event.detail == {"version": version.id, "edition": "public", "days": 30}


def test_anyone_with_the_link_gets_the_pdf_and_nothing_else(app, editor, version, quick_pdf):
    url, _page = make_link(editor, version, edition="internal", days="7")
    stranger = app.test_client()
    response = stranger.get(url)
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF") and response.data.endswith(b"internal")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith('inline; filename="')
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    # The link opens nothing else: not the plan, not the preview.
    assert stranger.get(url_for("wizard.overview", plan_id=version.plan_id)).status_code == 302
    assert stranger.get(url + "/document").status_code == 404
    stranger.get(url)
    [link] = links()
    assert link.use_count == 2 and link.last_used_at is not None
    used = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "share.used")).all()
    assert len(used) == 2 and used[0].user_id is None and used[0].detail["edition"] == "internal"
    assert used[0].municipality_id == demo_plan().municipality_id


def test_the_link_serves_its_edition_rendered_once(app, editor, version, monkeypatch):
    url, _page = make_link(editor, version)
    seen = []
    monkeypatch.setattr(documents, "render_pdf", lambda v, edition: seen.append((v.id, edition)) or FAKE_PDF)
    assert app.test_client().get(url).data == FAKE_PDF
    assert app.test_client().get(url).data == FAKE_PDF
    assert seen == [(version.id, "public")]


def test_revoked_expired_and_tampered_links_show_a_page_without_the_plan(app, editor, version):
    url, _page = make_link(editor, version)
    stranger = app.test_client()
    tampered = url[:-1] + ("A" if url[-1] != "A" else "B")
    for bad, status in ((tampered, 404), (url + "x", 404), (url[:-5], 404)):
        response = stranger.get(bad)
        assert response.status_code == status, bad
        _assert_plain(response)
    [link] = links()
    link.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    _assert_plain(stranger.get(url), 410)
    link.expires_at = utcnow() + timedelta(days=1)
    db.session.commit()
    assert stranger.get(url).status_code == 200
    response = editor.post(url_for("review.revoke_share", link_id=link.id))
    assert response.status_code == 303
    _assert_plain(stranger.get(url), 410)
    assert [e for e in db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)) if e.startswith("share.")] == [
        "share.create", "share.used", "share.revoke"]


def _assert_plain(response, status=None):
    if status:
        assert response.status_code == status
    html = response.get_data(as_text=True)
    # Styled like the app's signed-out pages, but nothing of the plan and no navigation. A link that existed
    # (410) names its municipality, in the plan's language; an unknown one (404) names nobody.
    gone = response.status_code == 410
    assert ("Länken fungerar inte" if gone else "This link does not work") in html
    assert ("Ekdala kommun" in html) == gone
    for leak in ("Handlingsplan", "site-header__nav"):
        assert leak not in html, leak
    assert response.headers["Cache-Control"] == "private, no-store"


def test_revoking_twice_records_once(editor, version):
    make_link(editor, version)
    [link] = links()
    editor.post(url_for("review.revoke_share", link_id=link.id))
    editor.post(url_for("review.revoke_share", link_id=link.id))
    revokes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "share.revoke")).all()
    assert len(revokes) == 1 and links()[0].revoked_at is not None


@pytest.mark.parametrize("form, field, message", [
    ({"edition": "public", "days": "0"}, "days", "Choose a number of days from 1 to 365."),
    ({"edition": "public", "days": "366"}, "days", "Choose a number of days from 1 to 365."),
    ({"edition": "public", "days": "ten"}, "days", "Choose a number of days from 1 to 365."),
    ({"edition": "secret", "days": "5"}, "edition", "Choose the internal or the public edition."),
])
def test_bad_link_settings_are_refused_with_a_message(editor, version, form, field, message):
    response = editor.post(url_for("review.shares", version_id=version.id), data=form)
    assert response.status_code == 422
    assert message in page_text(response)
    html = response.get_data(as_text=True)
    assert f'href="#share-{field}"' in html  # the error summary points at the input
    assert f'value="{form["days"]}"' in html  # what was typed is kept
    assert links() == []


def error_slot(html: str, field_id: str) -> str:
    return html.split(f'id="{field_id}-error"')[1].split("</p>")[0]


@pytest.mark.parametrize("form, field, message", [
    ({"edition": "internal", "days": "ten"}, "share-days", "Choose a number of days from 1 to 365."),  # the form
    ({"edition": "internal", "days": "400"}, "share-days", "Choose a number of days from 1 to 365."),  # the rule
    ({"edition": "secret", "days": "12"}, "share-edition", "Choose the internal or the public edition."),
])
def test_a_refused_link_says_why_next_to_the_field_and_keeps_the_rest(editor, version, form, field, message):
    """ShareLinkForm: each message in its field's error slot (the edition's had no id before), the rest kept."""
    response = editor.post(url_for("review.shares", version_id=version.id), data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    slot = error_slot(html, field)
    assert message in slot and "Error:" in slot
    other = "share-edition" if field == "share-days" else "share-days"
    assert message not in error_slot(html, other)
    assert f'value="{form["days"]}"' in html
    if form["edition"] == "internal":
        assert 'value="internal" checked' in html and 'value="public" checked' not in html
    assert links() == []


def test_an_empty_form_makes_a_public_link_for_the_default_days(editor, version):
    make_link(editor, version, edition="", days=" ")
    [link] = links()
    assert link.edition == "public"
    assert abs(link.expires_at - (utcnow() + timedelta(days=sharing.DEFAULT_DAYS))) < timedelta(minutes=1)


def test_link_lasts_up_to_a_year(editor, version):
    make_link(editor, version, edition="public", days="365")
    assert links()[0].expires_at > utcnow() + timedelta(days=364)


def test_reviewers_cannot_make_see_or_revoke_links(app, editor, version):
    make_link(editor, version)
    reviewer = app.test_client()
    sign_in_as(reviewer, "reviewer@demo.example")
    assert reviewer.get(url_for("review.shares", version_id=version.id)).status_code == 403
    assert reviewer.post(url_for("review.shares", version_id=version.id), data={"edition": "public"}).status_code == 403
    assert reviewer.post(url_for("review.revoke_share", link_id=links()[0].id)).status_code == 403
    assert len(links()) == 1 and links()[0].revoked_at is None


def test_status_of_a_link():
    now = utcnow()
    link = ShareLink(expires_at=now + timedelta(days=1))
    assert sharing.status(link, now) == sharing.ACTIVE
    assert sharing.status(link, now + timedelta(days=2)) == sharing.EXPIRED
    link.revoked_at = now
    assert sharing.status(link, now) == sharing.REVOKED


def test_tokens_are_random_and_well_formed():
    tokens = {sharing.new_token()[0] for _ in range(50)}
    assert len(tokens) == 50 and all(sharing.well_formed(t) for t in tokens)
    assert not sharing.well_formed("short") and not sharing.well_formed("a" * 42 + "/")
