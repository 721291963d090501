"""Tenant isolation and roles, for EVERY route of the app, found by walking app.url_map.

For each rule that takes an object id, the walker builds URLs from objects of municipality A (Ekdala) and
proves that a signed-in admin of municipality B (Fjellvik) gets 403/404 — GET and POST — and that a reviewer of
A cannot change anything with any POST route: the answer is a refusal (4xx) and no table row changes.

An argument name the walker does not know fails the test, so a new route is never silently left out: add the
name to OBJECT_ARGUMENTS (with the objects to try) or to NON_OBJECT_ARGUMENTS (with a reason).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import g, url_for
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.models import AuditEvent, FrozenDocument, Plan, PlanVersion, User
from planbuilder.services.data.demo import load_demo_content
from planbuilder.services.people import accounts, invitations, sharing
from planbuilder.services.plans import plans, review
from tests.conftest import sign_in_as

OUTSIDER = "admin@fjellvik.example"  # the most powerful role, in another municipality
REVIEWER = "reviewer@demo.example"
# Tables whose rows may change on a refused request: the audit trail (a refusal may be worth a line) and the
# shared render cache (reading a document fills it).
IGNORED_TABLES = {"audit_event", "rendered_document"}
# Arguments that are not object ids; rules with only these are tested elsewhere (see the reason).
NON_OBJECT_ARGUMENTS = {
    "filename": "static files, public by design",
    "name": "packaged browser assets (htmx), public by design",
    "token": "share links and one-time sign-in links: the token is the key; see test_unknown_tokens_are_404",
    "row_id": "a measure within the version the route names, whose scope is checked; see tests/test_follow_up.py",
}
PLACEHOLDERS = {"filename": ["screen.css"], "name": ["htmx.min.js"], "token": [sharing.new_token()[0]],
                "row_id": ["0123456789abcdef"]}
# POST routes a reviewer may use: their own session and account, commenting (tested in test_review.py), signing
# off a version and sharing it.
REVIEWER_MAY_POST = {"auth.sign_in", "auth.sign_out", "auth.account", "auth.change_password", "auth.mail_preferences",
                     "plans.switch_municipality", "review.section", "review.reply", "auth.welcome",
                     "plans.answer_invitation",  # their own invitations, whatever their role
                     "review.sign_off", "review.shares",  # their sign-off and share links: tests/test_signoffs.py
                     "auth.forgot_password", "auth.reset_password"}  # anyone's: tests/test_password_reset.py


@pytest.fixture(autouse=True)
def separate_requests(app):
    """Each test request gets its own `g`, as in production (the fixture's request context is shared, so
    Flask-Login's cached user, our cached access and Flask-Babel's locale would otherwise leak from one
    client to the next)."""
    @app.before_request
    def _forget_the_previous_request():
        for name in list(g):
            g.pop(name)


@dataclass
class World:
    """Objects of municipality A (Ekdala): a plan in review with comments and a share link, an adopted plan."""

    plan: Plan
    in_review: PlanVersion
    adopted_plan: Plan
    adopted: PlanVersion
    comment: int
    reply: int
    link: int
    editor: User
    token: str
    invitation: int  # Ekdala's editor invited to Fjellvik: theirs alone to answer
    replaced: FrozenDocument  # a document of the demo's corrected decision, kept as replaced


def adopt_directly(version: PlanVersion, review_by: date) -> None:
    """Mark a version adopted without the versions service (another area), for tests of what follows."""
    db.session.refresh(version)  # the frozen-version guard reads the stored status, so load it first
    version.status = "adopted"
    version.decision_body, version.decision_date = "Kommunfullmäktige", date.today() - timedelta(days=300)
    version.decision_paragraph, version.case_number = "KF 2026 § 1", "KS 2026/1"
    version.adopted_at = accounts.utcnow()
    version.review_by = review_by
    db.session.commit()


def submit_directly(version: PlanVersion) -> None:
    version.status = "in_review"
    version.submitted_at = accounts.utcnow()
    db.session.commit()


def build_world() -> World:
    ekdala = accounts.find_municipality("Ekdala kommun")
    editor = accounts.find_user("editor@demo.example")
    reviewer = accounts.find_user(REVIEWER)
    plan = db.session.scalars(select(Plan).where(Plan.municipality_id == ekdala.id).order_by(Plan.id)).first()
    in_review = plans.current_version(plan)
    submit_directly(in_review)
    reviewer_access = accounts.access_to(reviewer, ekdala.id)
    comment = review.add_comment(reviewer_access, in_review, "ansvar", "Who owns this?", reviewer)
    answer = review.reply(accounts.access_to(editor, ekdala.id), comment, "The board does.", editor)
    link, token = sharing.create_link(in_review, "public", 30, editor)
    adopted_plan = plans.create_plan(ekdala, "se-vbe", "Antagen plan", editor,
                                     content=load_demo_content("se_demo_content.yaml"))
    adopted = plans.latest_version(adopted_plan)
    adopt_directly(adopted, date.today() + timedelta(days=200))
    fjellvik = accounts.find_municipality("Fjellvik kommune")
    invitations.invite(fjellvik, accounts.find_user("admin@fjellvik.example"), editor, "reviewer", link=False)
    db.session.commit()
    return World(plan, in_review, adopted_plan, adopted, comment.id, answer.id, link.id, editor, token,
                 invitations.open_invitations(editor)[0].id,
                 db.session.scalars(select(FrozenDocument).where(FrozenDocument.replaced_by_id.is_not(None))).first())


@pytest.fixture
def world(seeded) -> World:
    return build_world()


def object_arguments(world: World) -> dict[str, list]:
    """Every object-id argument a route may take, with municipality A's objects to try for it."""
    versions = [world.in_review.id, world.adopted.id, world.replaced.version_id]
    return {
        "plan_id": [world.plan.id, world.adopted_plan.id],
        "version_id": versions,
        "a": versions,  # versions.compare: /versions/<a>/compare/<b>
        "b": versions,
        "section_id": ["ansvar"],
        "comment_id": [world.comment, world.reply],
        "link_id": [world.link],
        "user_id": [world.editor.id],
        "invitation_id": [world.invitation],
        "document_id": [world.replaced.id],
    }


def all_rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)


def urls_for(rule, values: dict[str, list]) -> list[str]:
    unknown = set(rule.arguments) - set(values) - set(NON_OBJECT_ARGUMENTS)
    if unknown:
        pytest.fail(f"route {rule.endpoint} ({rule.rule}) takes {sorted(unknown)}, which the access walker "
                    f"does not know: add it to OBJECT_ARGUMENTS or NON_OBJECT_ARGUMENTS in tests/test_access.py")
    names = sorted(rule.arguments)
    values = {**PLACEHOLDERS, **values}
    return [url_for(rule.endpoint, **dict(zip(names, combination)))
            for combination in itertools.product(*(values[name] for name in names))]


def object_rules(app):
    """Rules taking at least one object id (the ones an outsider could aim at another municipality)."""
    return [rule for rule in all_rules(app) if set(rule.arguments) - set(NON_OBJECT_ARGUMENTS)]


def snapshot() -> dict[str, list]:
    db.session.expire_all()
    return {table.name: [tuple(row) for row in db.session.execute(select(table).order_by(*table.primary_key))]
            for table in db.metadata.sorted_tables if table.name not in IGNORED_TABLES}


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def payload(world: World) -> dict[str, str]:
    """A form that would pass validation on most routes, so a refusal shows the role check, not bad input."""
    return {"title": "Changed title", "template_id": "se-vbe", "body": "A comment", "role": "admin",
            "email": "newcomer@demo.example", "display_name": "Newcomer", "method": "password",
            "password": "long-enough-password", "current_password": "demo-password-1",
            "new_password": "another-long-password", "confirm_password": "another-long-password",
            "edition": "public", "days": "30", "decision_body": "Kommunfullmäktige", "decision_date": "2026-01-01",
            "decision_paragraph": "KF 1", "case_number": "KS 1", "review_by": "2027-01-01", "label": "2099", "completed": "yes",
            "politiskt_ansvar": "Changed", "lock": str(world.in_review.lock_version), "_nav": "stay",
            "language": "en", "confirm": "yes"}


# --- the walker itself ------------------------------------------------------------------------------------------

def test_walker_knows_every_argument_and_covers_the_routes_that_matter(app, world):
    values = object_arguments(world)
    endpoints = set()
    for rule in all_rules(app):
        urls_for(rule, values)  # fails loudly on an unknown argument name
        endpoints.add(rule.endpoint)
    # The walker reaches this area's routes and the wizard's, whatever else is added later.
    covered = {rule.endpoint for rule in object_rules(app)}
    assert {"wizard.overview", "wizard.section", "wizard.submit", "documents.pdf", "review.section",
            "review.reply", "review.resolve", "review.reopen", "review.summary", "review.shares",
            "review.revoke_share", "admin.member", "admin.change_role", "admin.deactivate"} <= covered


# --- another municipality: 404 (or 403), GET and POST, and nothing changes -----------------------------------------

def test_another_municipality_gets_nothing_of_ours_by_id(app, world):
    client = app.test_client()
    sign_in_as(client, OUTSIDER)
    values, form = object_arguments(world), payload(world)
    before = snapshot()
    problems = []
    for rule in object_rules(app):
        for url in urls_for(rule, values):
            got = client.get(url).status_code
            if got not in (403, 404, 405):
                problems.append(f"GET {url} ({rule.endpoint}): {got}")
            got = client.post(url, data=form).status_code
            if got not in (403, 404, 405):
                problems.append(f"POST {url} ({rule.endpoint}): {got}")
    assert not problems, "another municipality's user reached our objects:\n" + "\n".join(problems)
    assert changed_tables(before, snapshot()) == []


def test_outsider_is_refused_for_each_route_separately(app, world):
    """The same walk, checking the database after every single request, so a failure names its route."""
    client = app.test_client()
    sign_in_as(client, OUTSIDER)
    values, form = object_arguments(world), payload(world)
    for rule in object_rules(app):
        if "POST" not in rule.methods:
            continue
        for url in urls_for(rule, values):
            before = snapshot()
            client.post(url, data=form)
            assert changed_tables(before, snapshot()) == [], f"POST {url} ({rule.endpoint}) changed data"


# --- a reviewer of the same municipality changes nothing ---------------------------------------------------------

def test_reviewer_cannot_change_anything_through_any_post_route(app, world):
    client = app.test_client()
    sign_in_as(client, REVIEWER)
    values, form = object_arguments(world), payload(world)
    problems = []
    tried = 0
    for rule in all_rules(app):
        if "POST" not in rule.methods or rule.endpoint in REVIEWER_MAY_POST:
            continue
        for url in urls_for(rule, values):
            before = snapshot()
            got = client.post(url, data=form).status_code
            tried += 1
            if not 400 <= got < 500:
                problems.append(f"POST {url} ({rule.endpoint}): {got}")
            changed = changed_tables(before, snapshot())
            if changed:
                problems.append(f"POST {url} ({rule.endpoint}) changed {changed}")
    assert tried >= 15
    assert not problems, "a reviewer changed something:\n" + "\n".join(problems)


def test_reviewer_gets_403_for_an_edit_and_nothing_changes(app, world):
    client = app.test_client()
    sign_in_as(client, REVIEWER)
    section_url = url_for("wizard.section", plan_id=world.plan.id, section_id="ansvar")
    before = snapshot()
    response = client.post(section_url, data=payload(world))
    assert response.status_code == 403
    assert "Your role in this municipality does not allow this." in response.get_data(as_text=True)
    assert changed_tables(before, snapshot()) == []


def test_reviewer_may_read_every_page_of_the_plan(app, world):
    client = app.test_client()
    sign_in_as(client, REVIEWER)
    for url in (url_for("wizard.overview", plan_id=world.plan.id), url_for("wizard.check", plan_id=world.plan.id),
                url_for("wizard.section", plan_id=world.plan.id, section_id="ansvar"),
                url_for("review.summary", version_id=world.in_review.id),
                url_for("review.section", version_id=world.in_review.id, section_id="ansvar")):
        assert client.get(url).status_code == 200, url


# --- tokens ---------------------------------------------------------------------------------------------------------

def test_unknown_tokens_are_404_for_everyone(app, world):
    client = app.test_client()
    token_rules = [rule for rule in all_rules(app) if "token" in rule.arguments]
    assert {rule.endpoint for rule in token_rules} >= {"shared.pdf", "auth.welcome"}
    guesses = [sharing.new_token()[0], world.token[:-1] + ("A" if world.token[-1] != "A" else "B"), "x", "../admin"]
    for rule in token_rules:
        for guess in guesses:
            url = url_for(rule.endpoint, token=guess)
            assert client.get(url).status_code == 404, url
            assert client.post(url, data={"new_password": "x" * 12, "confirm_password": "x" * 12}).status_code in (
                404, 405), url


def test_a_signed_out_visitor_is_sent_to_sign_in_from_every_private_page(app, world):
    client = app.test_client()
    values = object_arguments(world)
    # auth.session_state answers a signed-out browser with {"signed_in": false} and nothing else (test_auth).
    public = {"static", "assets.packaged", "health.healthz", "auth.sign_in", "auth.welcome", "shared.pdf",
              "auth.session_state",
              # a forgotten password, for a signed-out person by design (tests/test_password_reset.py)
              "auth.forgot_password", "auth.reset_link_sent", "auth.reset_password",
              # the published plans, for anyone (tests/test_publication.py)
              "public.index", "public.plan", "public.pdf"}
    for rule in all_rules(app):
        if rule.endpoint in public or "GET" not in rule.methods:
            continue
        for url in urls_for(rule, values)[:1]:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response.headers["Location"].startswith(url_for("auth.sign_in")), url
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "share.used")) is None
