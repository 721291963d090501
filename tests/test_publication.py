"""Publication of an adopted plan: a public address per municipality, for anyone, without JavaScript or cookies;
only the public edition is reachable there (a crawl finds no sensitive value); publishing and withdrawing are an
admin's, audited, and refused with a clear message when they cannot be done."""
from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import pytest
from flask import url_for
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.models import AuditEvent, FrozenDocument, Publication
from planbuilder.services.documents import preparation
from planbuilder.services.people import accounts
from planbuilder.services.plans import plans, versions
from tests.conftest import page_text, sign_in_as
from tests.document_helpers import pdf_text, squash
from tests.test_access import adopt_directly
from tests.test_versions import revised_plan

EKDALA = "/public/ekdala-kommun/"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found += [value for name, value in attrs if name in ("href", "src") and value]


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.found


def crawl(client, start: str) -> dict[str, object]:
    """Every page and file reachable from `start` without signing in: address -> response."""
    seen, waiting = {}, [start]
    while waiting:
        address = waiting.pop()
        if address in seen:
            continue
        response = client.get(address)
        seen[address] = response
        if response.mimetype == "text/html":
            for link in links_of(response.get_data(as_text=True)):
                target = urlparse(urljoin(address, link))
                if target.netloc in ("", "localhost") and target.path.startswith("/public/"):
                    waiting.append(target.path)
    return seen


def texts(value) -> list[str]:
    """The free texts in an answer: several words (a single word is a choice's stored value, such as "annan",
    which ordinary text may hold too)."""
    if isinstance(value, str):
        return [value] if len(value.split()) > 1 else []
    if isinstance(value, dict):
        return [text for item in value.values() for text in texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in texts(item)]
    return []


def sensitive_values(version) -> list[str]:
    """Every text of the version that the template marks sensitive: sections, fields and group columns."""
    found = []
    for section in plans.template_for(version.template_id).sections:
        answers = version.content.get(section.id, {})
        for field in section.fields:
            if section.sensitive or field.sensitive:
                found += texts(answers.get(field.id))
            for column in field.fields if field.sensitive is False and not section.sensitive else ():
                if column.sensitive:
                    found += [text for row in answers.get(field.id) or [] for text in texts(row.get(column.id))]
    return found


def ekdala_admin(app):
    client = app.test_client()
    sign_in_as(client, "admin@demo.example")
    return client


def test_the_demo_plan_is_published_for_anyone_in_its_language_without_cookies(client, seeded):
    plan = revised_plan()
    index = client.get(EKDALA)
    assert index.status_code == 200 and "Set-Cookie" not in index.headers
    assert index.headers["Cache-Control"] == "public, max-age=300"
    assert '<html lang="sv">' in index.get_data(as_text=True)
    assert f"{plan.title} Version 2025, antagen av Kommunfullmäktige" in page_text(index)
    page = client.get(f"{EKDALA}{plan.id}/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Set-Cookie" not in page.headers and "<script" not in html
    assert re.search(r'<meta name="description" content="[^"]*Kommunfullmäktige', html)
    assert "KF § 42" in page_text(page)  # the decision as corrected
    adopted = versions.adopted_version(plan)
    pdf = client.get(f"{EKDALA}{plan.id}/plan.pdf")
    assert pdf.mimetype == "application/pdf" and "Set-Cookie" not in pdf.headers
    assert pdf.data == db.session.scalar(select(FrozenDocument.content).where(
        FrozenDocument.version_id == adopted.id, FrozenDocument.edition == "public",
        FrozenDocument.replaced_by_id.is_(None)))


def test_a_crawl_of_the_public_pages_finds_no_sensitive_value(client, seeded):
    adopted = versions.adopted_version(revised_plan())
    secrets = sensitive_values(adopted)
    assert len(secrets) >= 5  # so finding none below means something
    internal = squash(pdf_text(db.session.scalar(select(FrozenDocument.content).where(
        FrozenDocument.version_id == adopted.id, FrozenDocument.edition == "internal",
        FrozenDocument.replaced_by_id.is_(None)))))
    assert all(squash(secret) in internal for secret in secrets[:5])  # the internal edition has them
    pages = crawl(client, EKDALA)
    assert len(pages) == 3 and all(response.status_code == 200 for response in pages.values())
    shown = " ".join(squash(pdf_text(r.data)) if r.mimetype == "application/pdf" else squash(page_text(r))
                     for r in pages.values())
    leaked = [secret for secret in secrets if squash(secret) in shown]
    assert leaked == []


@pytest.mark.parametrize("address", ["/public/fjellvik-kommune/", "/public/no-such-place/",
                                     f"{EKDALA}999999/", f"{EKDALA}999999/plan.pdf"])
def test_an_address_with_nothing_published_is_a_friendly_404_without_cookies(client, seeded, address):
    response = client.get(address)
    assert response.status_code == 404 and "Set-Cookie" not in response.headers
    assert "There is no published plan at this address." in page_text(response)


def test_admins_publish_and_withdraw_audited_and_refusals_say_why(app, editor_client, fake_pdfs):
    plan = revised_plan()
    adopted = versions.adopted_version(plan)
    show = url_for("versions.show", version_id=adopted.id)
    assert editor_client.post(url_for("versions.publish", version_id=adopted.id)).status_code == 403
    assert editor_client.post(url_for("versions.withdraw_publication", plan_id=plan.id)).status_code == 403
    admin = ekdala_admin(app)
    again = admin.post(url_for("versions.publish", version_id=adopted.id))
    assert "This version is published already." in page_text(admin.get(again.headers["Location"]))

    draft = versions.working_version(plan)
    refused = admin.post(url_for("versions.publish", version_id=draft.id))
    assert "Only the adopted version of a plan can be published." in page_text(admin.get(refused.headers["Location"]))

    withdrawn = admin.post(url_for("versions.withdraw_publication", plan_id=plan.id), data={"version": adopted.id})
    assert withdrawn.headers["Location"] == show
    assert "The plan is withdrawn from the public site." in page_text(admin.get(show))
    assert app.test_client().get(f"{EKDALA}{plan.id}/").status_code == 404
    assert app.test_client().get(EKDALA).status_code == 404  # nothing published any more
    twice = admin.post(url_for("versions.withdraw_publication", plan_id=plan.id), data={"version": adopted.id})
    assert "Nothing of this plan is published." in page_text(admin.get(twice.headers["Location"]))

    published = admin.post(url_for("versions.publish", version_id=adopted.id))
    assert "Version 2025 is published on the public site." in page_text(admin.get(published.headers["Location"]))
    actions = [event.action for event in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.like("plan.%publi%")).order_by(AuditEvent.id))]
    assert actions == ["plan.publish", "plan.withdraw_publication", "plan.publish"]  # the demo's, then ours
    log = page_text(admin.get(url_for("admin.audit", action="plan.withdraw_publication")))
    assert f"Demo admin withdrew {plan.title} from the public site." in log


def test_publishing_the_next_adopted_version_replaces_the_published_one(app, seeded, fake_pdfs):
    plan = revised_plan()
    first = versions.adopted_version(plan)
    second = versions.working_version(plan)
    adopt_directly(second, date.today() + timedelta(days=300))
    preparation.freeze(second)
    db.session.commit()
    admin = ekdala_admin(app)
    assert admin.post(url_for("versions.publish", version_id=second.id)).status_code == 303
    rows = db.session.scalars(select(Publication).where(Publication.plan_id == plan.id)
                              .order_by(Publication.id)).all()
    assert [(row.version_id, row.end_reason) for row in rows] == [(first.id, "replaced"), (second.id, None)]
    index = page_text(app.test_client().get(EKDALA))
    assert f"{plan.title} Version {second.label}," in index and "Version 2025," not in index
    assert accounts.find_user("admin@demo.example").id == rows[1].published_by_id
