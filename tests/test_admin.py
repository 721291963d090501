"""Administration of a municipality: users, roles, one-time sign-in links, deactivation and the audit log."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from flask import url_for
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.models import AuditEvent, Invitation, Membership, SignInLink, utcnow
from planbuilder.services.people import accounts, audit
from planbuilder.services.people import admin as admin_service
from tests.conftest import DEMO_PASSWORD, page_text, sign_in_as
from tests.test_access import separate_requests  # noqa: F401  (autouse fixture)
from tests.wizard_helpers import HTMX


@pytest.fixture
def admin(app, seeded):
    client = app.test_client()
    sign_in_as(client, "admin@demo.example")
    return client


def client_as(app, email, password=DEMO_PASSWORD):
    client = app.test_client()
    sign_in_as(client, email, password)
    return client


def user(email):
    db.session.expire_all()
    return accounts.find_user(email)


def ekdala():
    return accounts.find_municipality("Ekdala kommun")


def last_action() -> AuditEvent:
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()


NEW = {"email": "Anna.Berg@Ekdala.example", "display_name": "Anna Berg", "role": "editor", "method": "password",
       "password": "a-long-first-password"}


# --- who may administer -------------------------------------------------------------------------------------------

def test_admin_lists_the_users_with_their_roles(admin):
    text = page_text(admin.get(url_for("admin.users")))
    for who, role in (("Demo admin", "Admin"), ("Demo editor", "Editor"), ("Demo reviewer", "Reviewer")):
        assert re.search(rf"{who} .*?@demo.example {role} Active", text)
    assert "fjellvik" not in text


@pytest.mark.parametrize("email", ["editor@demo.example", "reviewer@demo.example"])
def test_only_admins_administer(app, seeded, email):
    client = client_as(app, email)
    for url in (url_for("admin.users"), url_for("admin.new_user"), url_for("admin.audit"),
                url_for("admin.member", user_id=user("editor@demo.example").id)):
        assert client.get(url).status_code == 403, url
    assert client.post(url_for("admin.new_user"), data=NEW).status_code == 403
    assert user("anna.berg@ekdala.example") is None


def test_the_header_links_to_administration_for_admins_only(app, admin):
    assert url_for("admin.users") in admin.get(url_for("plans.dashboard")).get_data(as_text=True)
    editor = client_as(app, "editor@demo.example")
    assert url_for("admin.users") not in editor.get(url_for("plans.dashboard")).get_data(as_text=True)


# --- creating users -----------------------------------------------------------------------------------------------

LINK_SHOWN = re.compile(r'id="sign-in-link-url" type="text" readonly value="([^"]+)"')


def invite(admin, **changes):
    """Add someone through the form; the answer, the list it leads to (with the link shown once, if any)."""
    response = admin.post(url_for("admin.new_user"), data={**NEW, **changes})
    assert response.status_code == 303 and response.headers["Location"] == url_for("admin.users")
    listing = admin.get(response.headers["Location"])
    found = LINK_SHOWN.search(listing.get_data(as_text=True))
    return page_text(listing), found.group(1) if found else None


def answer_the_invitation(client, answer="accept"):
    page = client.get(url_for("plans.dashboard"))
    invitation_id = re.search(r'/invitations/(\d+)"', page.get_data(as_text=True)).group(1)
    return client.post(url_for("plans.answer_invitation", invitation_id=invitation_id), data={"answer": answer})


def test_admin_invites_a_new_person_with_a_first_password(app, admin):
    listing, link = invite(admin)
    assert link is None
    assert "anna.berg@ekdala.example is invited to work here as Editor." in listing
    assert "Invited, waiting for an answer anna.berg@ekdala.example – Editor" in listing
    anna = user("anna.berg@ekdala.example")
    assert anna.display_name == "Anna Berg" and anna.memberships == []  # a member only once she accepts
    event = last_action()
    assert (event.action, event.user_id, event.municipality_id, event.object_id, event.detail) == (
        "membership.invite", user("admin@demo.example").id, ekdala().id, anna.id, {"role": "editor", "link": False})
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.create",
                                                          AuditEvent.object_id == anna.id)).one()
    assert created.municipality_id is None  # for operators: the municipality's log says "invited", as for anyone

    newcomer = client_as(app, "anna.berg@ekdala.example", "a-long-first-password")
    first_page = newcomer.get(url_for("plans.dashboard"))
    assert first_page.status_code == 200
    assert "Welcome to Planbuilder" in page_text(first_page)
    assert "Ekdala kommun invites you to work there as Editor." in page_text(first_page)
    assert answer_the_invitation(newcomer).status_code == 303
    assert [(m.municipality.name, m.role) for m in user("anna.berg@ekdala.example").memberships] == [
        ("Ekdala kommun", "editor")]
    assert "Anna Berg" in page_text(admin.get(url_for("admin.users")))


def test_admin_invites_a_new_person_with_a_one_time_sign_in_link(app, admin):
    listing, link = invite(admin, method="link", password="")
    assert link and "shown only this once" in listing
    token = link.rsplit("/", 1)[1]
    assert token not in repr(db.session.execute(select(SignInLink.__table__)).all())  # only its hash is stored
    assert LINK_SHOWN.search(admin.get(url_for("admin.users")).get_data(as_text=True)) is None  # shown once
    newcomer = app.test_client()
    form = newcomer.get(link)
    assert form.status_code == 200 and "Choose your password" in page_text(form)
    refused = newcomer.post(link, data={"new_password": "short", "confirm_password": "short"})
    assert refused.status_code == 422 and "at least 10 characters" in page_text(refused)
    mismatch = newcomer.post(link, data={"new_password": "a-long-password", "confirm_password": "another-one"})
    assert "The two new passwords are not the same." in page_text(mismatch)
    done = newcomer.post(link, data={"new_password": "my-own-password", "confirm_password": "my-own-password"})
    assert done.status_code == 303 and done.headers["Location"] == url_for("plans.dashboard")
    assert last_action().action == "user.password_set"
    assert answer_the_invitation(newcomer).status_code == 303
    assert newcomer.get(url_for("plans.dashboard")).status_code == 200
    assert "Ekdala kommun" in [m.municipality.name for m in user("anna.berg@ekdala.example").memberships]
    # The link works once.
    assert app.test_client().get(link).status_code == 404
    client_as(app, "anna.berg@ekdala.example", "my-own-password")


def test_sign_in_link_expires(app, admin):
    _, link = invite(admin, method="link", password="")
    stored = db.session.scalars(select(SignInLink)).one()
    stored.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = app.test_client().get(link)
    assert response.status_code == 404 and "This link does not work" in page_text(response)


def municipality_log_after(event_id: int) -> list[tuple]:
    return [(event.action, event.detail) for event in db.session.scalars(
        select(AuditEvent).where(AuditEvent.id > event_id, AuditEvent.municipality_id == ekdala().id)
        .order_by(AuditEvent.id))]


@pytest.mark.parametrize("method", ["link", "password"])
def test_the_form_answers_alike_whether_or_not_the_address_has_an_account(admin, method):
    """Nothing an admin sees tells a new address from one with an account elsewhere: the answer, the list, the
    link's shape and the municipality's log are the same (apart from the address itself)."""
    seen = []
    for email in ("nobody.yet@elsewhere.example", "editor@fjellvik.example"):
        before = last_action().id
        listing, link = invite(admin, email=email, method=method)
        link_shape = re.sub(r"/welcome/[A-Za-z0-9_-]{43}$", "/welcome/TOKEN", link) if link else None
        above, waiting = listing.replace(email, "EMAIL").split("Invited, waiting for an answer")
        assert "EMAIL – Editor" in waiting
        seen.append((above, link_shape, municipality_log_after(before)))
    assert seen[0] == seen[1]
    assert seen[0][2] == [("membership.invite", {"role": "editor", "link": method == "link"})]
    # A password too short is refused for both alike, though an existing account would not use it.
    for email in ("someone.else@elsewhere.example", "admin@fjellvik.example"):
        refused = admin.post(url_for("admin.new_user"), data={**NEW, "email": email, "password": "short"})
        assert refused.status_code == 422 and "at least 10 characters" in page_text(refused)


def test_an_existing_account_keeps_its_password_and_name_and_its_link_only_leads_to_signing_in(app, admin):
    _, link = invite(admin, email="editor@fjellvik.example", method="link", display_name="Someone Else")
    page = app.test_client().get(link)
    assert page.status_code == 200
    assert "You are invited to work in Ekdala kommun as Editor." in page_text(page)
    assert 'name="new_password"' not in page.get_data(as_text=True)
    app.test_client().post(link, data={"new_password": "taken-over-pw", "confirm_password": "taken-over-pw"})
    person = user("editor@fjellvik.example")
    assert person.display_name != "Someone Else"
    invited = client_as(app, "editor@fjellvik.example")  # their own password still works
    assert invited.get(link).headers["Location"] == url_for("plans.dashboard")
    assert answer_the_invitation(invited).status_code == 303
    assert app.test_client().get(link).status_code == 404  # answered: the link is spent


def test_another_municipality_cannot_give_a_password_to_an_account_made_elsewhere(app, admin):
    """Until its person first signs in, only the municipality that made an account gives it a password."""
    _, ekdala_link = invite(admin, method="link", password="")
    fjellvik = client_as(app, "admin@fjellvik.example")
    fjellvik.post(url_for("admin.new_user"), data={**NEW, "password": "fjellvik-chose-this"})
    fjellvik.post(url_for("admin.new_user"), data={**NEW, "method": "link", "password": ""})
    fjellvik_link = LINK_SHOWN.search(fjellvik.get(url_for("admin.users")).get_data(as_text=True)).group(1)
    assert 'name="new_password"' not in app.test_client().get(fjellvik_link).get_data(as_text=True)
    assert "Choose your password" in page_text(app.test_client().get(ekdala_link))  # still the one that works
    refused = app.test_client().post(url_for("auth.sign_in"), data={"email": NEW["email"],
                                                                    "password": "fjellvik-chose-this"})
    assert refused.status_code == 422


@pytest.mark.parametrize("changes, field, message", [
    ({"email": "not-an-address"}, "email", "Enter a valid e-mail address."),
    ({"email": ""}, "email", "Enter the person's e-mail address."),
    ({"password": "short"}, "password", "The password must have at least 10 characters."),
    ({"role": "owner"}, "role", "Not a valid choice"),
    ({"email": "editor@demo.example"}, "email", "editor@demo.example is already a member of Ekdala kommun."),
])
def test_bad_new_user_is_refused_next_to_the_field_and_input_kept(admin, changes, field, message):
    response = admin.post(url_for("admin.new_user"), data={**NEW, **changes})
    assert response.status_code == 422
    assert message in page_text(response)
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and "There is a problem" in html
    if field != "email":
        assert 'value="Anna.Berg@Ekdala.example"' in html
    assert user("anna.berg@ekdala.example") is None


def test_adding_someone_from_another_municipality_invites_them_and_they_decide(app, admin):
    """An account belongs to its person: Ekdala's admin cannot pull Fjellvik's editor in; the editor accepts."""
    response = admin.post(url_for("admin.new_user"), data={**NEW, "email": "editor@fjellvik.example",
                                                          "role": "reviewer", "password": "not-their-password"})
    assert response.status_code == 303 and response.headers["Location"] == url_for("admin.users")
    person = user("editor@fjellvik.example")
    assert [(m.municipality.name, m.role) for m in person.memberships] == [("Fjellvik kommune", "editor")]
    assert last_action().action == "membership.invite"
    listing = page_text(admin.get(response.headers["Location"]))
    assert "editor@fjellvik.example is invited to work here as Reviewer." in listing
    assert "Invited, waiting for an answer" in listing
    assert admin.get(url_for("admin.member", user_id=person.id)).status_code == 404  # not a member yet

    invited = client_as(app, "editor@fjellvik.example")  # their password is unchanged
    dashboard = invited.get(url_for("plans.dashboard"))
    assert "Ekdala kommun invites you to work there as Reviewer." in page_text(dashboard)
    invitation_id = db.session.scalar(select(Invitation.id))
    accepted = invited.post(url_for("plans.answer_invitation", invitation_id=invitation_id), data={"answer": "accept"})
    assert accepted.status_code == 303
    assert sorted((m.municipality.name, m.role) for m in user("editor@fjellvik.example").memberships) == [
        ("Ekdala kommun", "reviewer"), ("Fjellvik kommune", "editor")]
    assert "You now work in Ekdala kommun too." in page_text(invited.get(url_for("plans.dashboard")))


def test_an_invitation_can_be_declined_and_is_nobody_elses_to_answer(app, admin):
    admin.post(url_for("admin.new_user"), data={**NEW, "email": "editor@fjellvik.example", "role": "editor"})
    invitation_id = db.session.scalar(select(Invitation.id))
    stranger = client_as(app, "reviewer@fjellvik.example")
    assert stranger.post(url_for("plans.answer_invitation", invitation_id=invitation_id),
                         data={"answer": "accept"}).status_code == 404
    invited = client_as(app, "editor@fjellvik.example")
    assert invited.post(url_for("plans.answer_invitation", invitation_id=invitation_id),
                        data={"answer": "decline"}).status_code == 303
    assert [m.municipality.name for m in user("editor@fjellvik.example").memberships] == ["Fjellvik kommune"]
    assert db.session.scalars(select(Invitation)).all() == []
    assert last_action().action == "membership.decline"


# --- roles ----------------------------------------------------------------------------------------------------------

def test_admin_changes_a_role(app, admin):
    reviewer = user("reviewer@demo.example")
    response = admin.post(url_for("admin.change_role", user_id=reviewer.id), data={"role": "editor"})
    assert response.status_code == 303
    assert accounts.access_to(user("reviewer@demo.example"), ekdala().id).role == "editor"
    event = last_action()
    assert (event.action, event.detail) == ("user.role_change", {"old": "reviewer", "new": "editor"})


def test_the_last_admin_cannot_stop_being_admin(app, admin):
    me = user("admin@demo.example")
    response = admin.post(url_for("admin.change_role", user_id=me.id), data={"role": "editor"})
    assert response.status_code == 422
    assert "Ekdala kommun needs at least one admin" in page_text(response)
    assert accounts.access_to(user("admin@demo.example"), ekdala().id).role == "admin"
    # With a second admin it is allowed.
    admin.post(url_for("admin.change_role", user_id=user("editor@demo.example").id), data={"role": "admin"})
    assert admin.post(url_for("admin.change_role", user_id=me.id), data={"role": "editor"}).status_code == 303


def test_role_of_someone_outside_the_municipality_is_404(admin):
    outsider = user("editor@fjellvik.example")
    assert admin.get(url_for("admin.member", user_id=outsider.id)).status_code == 404
    assert admin.post(url_for("admin.change_role", user_id=outsider.id), data={"role": "reviewer"}).status_code == 404
    assert admin.post(url_for("admin.deactivate", user_id=outsider.id)).status_code == 404
    assert user("editor@fjellvik.example").memberships[0].role == "editor"


# --- deactivation ---------------------------------------------------------------------------------------------------

def test_deactivation_ends_the_sessions_at_once(app, admin):
    editor_session = client_as(app, "editor@demo.example")
    generation = user("editor@demo.example").session_generation
    response = admin.post(url_for("admin.deactivate", user_id=user("editor@demo.example").id))
    assert response.status_code == 303
    editor = user("editor@demo.example")
    assert not editor.active and editor.session_generation == generation + 1
    assert last_action().action == "user.deactivate"
    assert editor_session.get(url_for("plans.dashboard")).status_code == 302  # signed out
    assert app.test_client().post(url_for("auth.sign_in"), data={"email": editor.email, "password": DEMO_PASSWORD}
                                  ).status_code == 422
    text = page_text(admin.get(url_for("admin.users")))
    assert re.search(r"Demo editor .*? Editor Deactivated", text)
    # ...and back.
    assert admin.post(url_for("admin.reactivate", user_id=editor.id)).status_code == 303
    assert user("editor@demo.example").active and last_action().action == "user.reactivate"
    client_as(app, "editor@demo.example")


def test_admin_cannot_deactivate_themselves(admin):
    me = user("admin@demo.example")
    response = admin.post(url_for("admin.deactivate", user_id=me.id))
    assert response.status_code == 422 and "You cannot deactivate yourself" in page_text(response)
    assert user("admin@demo.example").active


def test_someone_who_also_works_elsewhere_loses_only_this_municipality(app, admin):
    coordinator = user("editor@fjellvik.example")
    db.session.add(Membership(user_id=coordinator.id, municipality_id=ekdala().id, role="reviewer"))
    db.session.commit()
    page = page_text(admin.get(url_for("admin.member", user_id=coordinator.id)))
    assert "Remove from Ekdala kommun" in page and "Make a sign-in link" not in page
    response = admin.post(url_for("admin.deactivate", user_id=coordinator.id))
    assert response.status_code == 303 and response.headers["Location"] == url_for("admin.users")
    coordinator = user("editor@fjellvik.example")
    assert coordinator.active and [m.municipality.name for m in coordinator.memberships] == ["Fjellvik kommune"]
    assert last_action().action == "membership.remove"
    # Nor can this admin hand out a link that would set their password.
    db.session.add(Membership(user_id=coordinator.id, municipality_id=ekdala().id, role="reviewer"))
    db.session.commit()
    response = admin.post(url_for("admin.sign_in_link", user_id=coordinator.id))
    assert response.status_code == 422 and "only they can change their password" in page_text(response)
    assert db.session.scalars(select(SignInLink)).all() == []


def test_admin_makes_a_new_sign_in_link_for_a_locked_out_user(app, admin):
    editor = user("editor@demo.example")
    response = admin.post(url_for("admin.sign_in_link", user_id=editor.id))
    assert response.status_code == 303
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    link = re.search(r'id="sign-in-link-url" type="text" readonly value="([^"]+)"', page).group(1)
    second = admin.post(url_for("admin.sign_in_link", user_id=editor.id))
    admin.get(second.headers["Location"])
    assert app.test_client().get(link).status_code == 404  # an older link stops working
    assert last_action().action == "user.sign_in_link"


# --- the audit log --------------------------------------------------------------------------------------------------

def _events(count: int, action: str, municipality_id: int, user_id=None, days_ago: int = 0):
    for _ in range(count):
        event = audit.record(action, user_id=user_id, municipality_id=municipality_id)
        event.at = utcnow() - timedelta(days=days_ago)
    db.session.commit()


def test_audit_log_shows_this_municipality_only_newest_first(admin):
    fjellvik = accounts.find_municipality("Fjellvik kommune")
    _events(1, "secret.elsewhere", fjellvik.id)
    _events(1, "older.event", ekdala().id, days_ago=2)
    _events(1, "newer.event", ekdala().id)
    text = page_text(admin.get(url_for("admin.audit")))
    assert "secret.elsewhere" not in text
    assert text.index("newer.event") < text.index("older.event")  # newest first


def test_the_log_reads_as_sentences_with_sign_ins_under_a_filter_of_their_own(admin, editor_client):
    from planbuilder.services.plans import plans

    plan = plans.create_plan(ekdala(), "se-vbe", "Handlingsplan <2027>", user("editor@demo.example"))
    html = admin.get(url_for("admin.audit")).get_data(as_text=True)
    text = re.sub(r"\s+\.", ".", page_text(admin.get(url_for("admin.audit"))))  # page_text spaces links apart
    assert "Demo editor created the plan Handlingsplan <2027>." in text
    assert f'<a href="{url_for("wizard.overview", plan_id=plan.id)}">Handlingsplan &lt;2027&gt;</a>' in html
    assert "signed in" not in text  # the sign-ins of admin and editor: under their own filter
    signed_in = re.sub(r"\s+\.", ".", page_text(admin.get(url_for("admin.audit", action="sign-ins"))))
    assert "Demo admin signed in." in signed_in and "Demo editor signed in." in signed_in
    assert "Demo editor created the plan" not in signed_in
    choices = page_text(admin.get(url_for("admin.audit"))).split("Action", 1)[1].split("Person", 1)[0]
    assert "Plan created" in choices and "Sign-ins (successful and failed)" in choices
    assert "plan.create" not in choices and "auth.sign_in" not in choices


def test_the_log_filters_by_plan_with_what_belongs_to_its_versions(admin):
    from tests.test_versions import revised_plan
    from tests.wizard_helpers import demo_plan

    revised, other = revised_plan(), demo_plan()
    found = page_text(admin.get(url_for("admin.audit", plan=revised.id))).split("What happened", 1)[1]
    assert "recorded a follow-up of" in found  # an event on a follow-up entry, whose detail names the version
    assert "started the revision" in found and revised.title in found
    results = admin.get(url_for("admin.audit", plan=revised.id)).get_data(as_text=True).split('id="audit-results"')[1]
    assert f'href="{url_for("wizard.overview", plan_id=other.id)}"' not in results
    assert f'href="{url_for("wizard.overview", plan_id=revised.id)}"' in results
    assert "100 events" not in page_text(admin.get(url_for("admin.audit", plan="99999999999999999999")))


def _sign_ins_seen(admin_client, person, action="auth.sign_in") -> str:
    """How many such events of the person the admin's audit log shows ("0 events", "1 event")."""
    found = page_text(admin_client.get(url_for("admin.audit", action=action, user=person.id)))
    return re.search(r"\b\d+ events?\b", found).group()


def test_a_sign_in_is_in_the_log_of_the_municipality_signed_into_and_no_other(app, admin):
    coordinator = user("editor@fjellvik.example")
    db.session.add(Membership(user_id=coordinator.id, municipality_id=ekdala().id, role="reviewer"))
    db.session.commit()
    signed_in = client_as(app, coordinator.email)
    with signed_in.session_transaction() as session:
        assert session["municipality_id"] == ekdala().id  # the first of theirs by name
    fjellvik_admin = client_as(app, "admin@fjellvik.example")
    assert _sign_ins_seen(fjellvik_admin, coordinator) == "0 events"
    assert _sign_ins_seen(admin, coordinator) == "1 event"
    # A wrong password signs in nowhere: one line, of no municipality, seen by neither admin.
    assert app.test_client().post(url_for("auth.sign_in"), data={"email": coordinator.email, "password": "wrong"}
                                  ).status_code == 422
    failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.sign_in_failed")).all()
    assert [event.municipality_id for event in failed] == [None]
    for admin_client in (admin, fjellvik_admin):
        assert _sign_ins_seen(admin_client, coordinator, "auth.sign_in_failed") == "0 events"


def test_audit_log_filters_by_action_user_and_dates(admin):
    editor = user("editor@demo.example")
    _events(2, "test.older", ekdala().id, editor.id, days_ago=10)
    _events(3, "test.newer", ekdala().id, editor.id, days_ago=1)
    text = page_text(admin.get(url_for("admin.audit", action="test.newer")))
    assert "3 events" in text
    found = page_text(admin.get(url_for("admin.audit", user=editor.id))).split("Details", 1)[1]
    assert "Demo editor" in found and "Demo admin" not in found
    since = (date.today() - timedelta(days=5)).isoformat()
    found = page_text(admin.get(url_for("admin.audit", user=editor.id, date_from=since))).split("Details", 1)[1]
    assert "test.newer" in found and "test.older" not in found
    text = page_text(admin.get(url_for("admin.audit", date_to=since)))
    assert "2 events" in text


def test_a_bad_date_is_reported_and_the_other_filters_still_apply(admin):
    _events(3, "test.event", ekdala().id)
    response = admin.get(url_for("admin.audit", action="test.event", date_from="31.12.2026"))
    assert response.status_code == 422
    text = page_text(response)
    assert "Enter a date like" in text and "3 events" in text
    assert 'value="31.12.2026"' in response.get_data(as_text=True)
    response = admin.get(url_for("admin.audit", date_from="2026-05-01", date_to="2026-04-01"))
    assert "The end date is before the start date." in page_text(response)


def numbered_events(count: int, action: str = "test.event") -> list[int]:
    """Events numbered 0 to count-1, their times ten to a minute and their ids in another order, so that a page
    only comes out right if the log is ordered by time and then id. Their numbers, newest first."""
    base = utcnow() - timedelta(days=1)
    for number in sorted(range(count), key=lambda n: (n * 37) % count):  # ids in a shuffled order
        event = audit.record(action, user_id=None, municipality_id=ekdala().id, number=number)
        event.at = base + timedelta(minutes=number // 10)
    db.session.commit()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    return [event.detail["number"] for event in events]


def numbers_shown(response) -> list[int]:
    return [int(n) for n in re.findall(r"<li>number: (\d+)</li>", response.get_data(as_text=True))]


def pager_links(response) -> dict[str, str]:
    """The audit log's Newest / Newer / Older links, by their words."""
    nav = re.search(r'<nav class="pager".*?</nav>', response.get_data(as_text=True), re.S)
    found = re.findall(r'href="([^"]+)">(?:← )?(\w+)', nav.group(0)) if nav else []
    return {words: href.replace("&amp;", "&") for href, words in found}


def test_audit_log_pages_go_on_from_the_event_at_their_edge_both_ways_and_keep_the_filters(admin):
    size = admin_service.AUDIT_PAGE_SIZE
    newest_first = numbered_events(2 * size + 5)
    numbered_events(7, action="test.other")  # filtered out, with times among them
    first = admin.get(url_for("admin.audit", action="test.event"))
    assert numbers_shown(first) == newest_first[:size] and f"{2 * size + 5} events" in page_text(first)
    assert list(pager_links(first)) == ["Older"]
    second = admin.get(pager_links(first)["Older"])
    assert numbers_shown(second) == newest_first[size:2 * size]
    assert list(pager_links(second)) == ["Newest", "Newer", "Older"]
    last = admin.get(pager_links(second)["Older"])
    assert numbers_shown(last) == newest_first[2 * size:] and list(pager_links(last)) == ["Newest", "Newer"]
    back = admin.get(pager_links(last)["Newer"])
    assert numbers_shown(back) == numbers_shown(second) and pager_links(back) == pager_links(second)
    assert numbers_shown(admin.get(pager_links(back)["Newer"])) == numbers_shown(first)
    for link in pager_links(second).values():
        assert "action=test.event" in link


def test_a_later_page_of_a_filtered_log_keeps_every_filter(admin):
    numbered_events(admin_service.AUDIT_PAGE_SIZE + 1)
    since = (date.today() - timedelta(days=3)).isoformat()
    first = admin.get(url_for("admin.audit", action="test.event", date_from=since))
    older = pager_links(first)["Older"]
    assert f"date_from={since}" in older and "action=test.event" in older
    assert len(numbers_shown(admin.get(older))) == 1


@pytest.mark.parametrize("cursor", ["abc", "", "0", "-3", "1.5", "9" * 30, "99999999", "1\x00"])
def test_a_cursor_that_names_no_event_gives_the_newest_page(admin, cursor):
    newest_first = numbered_events(admin_service.AUDIT_PAGE_SIZE + 5)
    for direction in ("older_than", "newer_than"):
        response = admin.get(url_for("admin.audit", action="test.event", **{direction: cursor}))
        assert response.status_code == 200
        assert numbers_shown(response) == newest_first[:admin_service.AUDIT_PAGE_SIZE]


def test_another_municipalitys_event_is_no_cursor_here(admin):
    newest_first = numbered_events(admin_service.AUDIT_PAGE_SIZE + 5)
    elsewhere = audit.record("secret.elsewhere", user_id=None,
                             municipality_id=accounts.find_municipality("Fjellvik kommune").id)
    db.session.commit()
    response = admin.get(url_for("admin.audit", action="test.event", older_than=elsewhere.id))
    assert numbers_shown(response) == newest_first[:admin_service.AUDIT_PAGE_SIZE]
    assert "secret.elsewhere" not in page_text(response)


def test_audit_filter_with_htmx_returns_the_results_only(admin):
    response = admin.get(url_for("admin.audit", action="sign-ins"), headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and 'id="audit-results"' in html
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("password", ["password12", "qwertyuiop", "Ekdala2026"])  # the last: the name and a year
def test_a_password_that_is_easy_to_guess_is_refused_with_the_reason(admin, password):
    response = admin.post(url_for("admin.new_user"), data={
        "email": "kim@ekdala.example", "display_name": "Kim Ekdala", "role": "editor", "method": "password",
        "password": password})
    assert response.status_code == 422
    assert "This password is easy to guess" in page_text(response)
    assert 'value="Kim Ekdala"' in response.get_data(as_text=True)
    assert accounts.find_user("kim@ekdala.example") is None


def test_an_admin_sees_nothing_of_the_other_municipalities_a_member_works_in(admin):
    """The Danish municipality's name is theirs to know, not Ekdala's admin's."""
    person = accounts.find_user("editor@demo.example")
    danish = accounts.find_municipality("Søndervig Kommune")
    db.session.add(Membership(user_id=person.id, municipality_id=danish.id, role="reviewer"))
    db.session.commit()
    person.last_sign_in_at = datetime(2026, 12, 1, 9, 41, tzinfo=timezone.utc)  # perhaps for Søndervig
    db.session.commit()
    page = page_text(admin.get(url_for("admin.member", user_id=person.id)))
    assert "Søndervig" not in page and "Demo editor" in page
    assert "Not shown (also works for another municipality)" in page and "09:41" not in page and "10:41" not in page
    listed = page_text(admin.get(url_for("admin.users")))
    assert listed.count("Not shown (also works for another municipality)") == 1  # the others are Ekdala's alone
    # Someone who works for Ekdala alone: their last sign-in is Ekdala's to see.
    reviewer = accounts.find_user("reviewer@demo.example")
    reviewer.last_sign_in_at = datetime(2026, 12, 2, 8, 15, tzinfo=timezone.utc)
    db.session.commit()
    assert "09:15" in page_text(admin.get(url_for("admin.member", user_id=reviewer.id)))  # 08:15 UTC, Stockholm


def test_every_action_the_app_records_reads_as_a_sentence_with_a_name():
    """An action recorded anywhere in the code has its sentence and its name in the filter (else the log would
    show its technical name)."""
    from pathlib import Path

    from planbuilder.services.people import audit_log

    source = "\n".join(path.read_text(encoding="utf-8") for path in Path("planbuilder").rglob("*.py"))
    recorded = set(re.findall(r'(?:audit\.record|record_for_user)\(\s*"([a-z_]+\.[a-z_]+)"', source))
    recorded |= {"comment.reopen"}  # recorded through a conditional expression
    assert len(recorded) > 30
    assert recorded - audit_log.SENTENCES.keys() == set()
    assert recorded - audit_log.ACTION_NAMES.keys() == set()


def test_the_log_names_an_invited_person_by_the_address_typed_not_by_their_own_name(app, admin):
    person = user("editor@fjellvik.example")
    person.display_name = "Their Own Name"
    db.session.commit()
    invite(admin, email="editor@fjellvik.example")
    log = page_text(admin.get(url_for("admin.audit")))
    assert "Demo admin invited editor@fjellvik.example to work here." in log
    assert "Their Own Name" not in log
