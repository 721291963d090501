"""Signing in and out."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.models import AuditEvent, User
from tests.conftest import DEMO_PASSWORD, page_text
from tests.wizard_helpers import HTMX, demo_plan, section_url, working_version


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
    from planbuilder.services.people.accounts import find_user
    find_user("editor@demo.example").active = False
    db.session.commit()
    response = client.post(url_for("auth.sign_in"),
                           data={"email": "editor@demo.example", "password": DEMO_PASSWORD})
    assert response.status_code == 422


# --- sessions, the account page, passwords ---------------------------------------------------------------------------

import uuid  # noqa: E402
from datetime import timedelta  # noqa: E402

import pytest  # noqa: E402
from argon2 import extract_parameters  # noqa: E402
from flask import g  # noqa: E402

from planbuilder.config import defaults  # noqa: E402
from planbuilder.services.people import accounts  # noqa: E402
from tests.conftest import make_app, missing_tool, sign_in_as  # noqa: E402


@pytest.fixture(autouse=True)
def separate_requests(app):
    """Each request its own `g`, as in production (see tests/test_access.py)."""
    @app.before_request
    def _forget_the_previous_request():
        for name in list(g):
            g.pop(name)


def _client(app, email="editor@demo.example", password=DEMO_PASSWORD):
    client = app.test_client()
    sign_in_as(client, email, password)
    return client


def test_session_cookie_is_httponly_and_lax(client, seeded):
    response = client.post(url_for("auth.sign_in"), data={"email": "editor@demo.example", "password": DEMO_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_cookies_are_secure_over_https(monkeypatch, tmp_path):
    monkeypatch.setenv("PLANBUILDER_HTTPS", "1")
    config = defaults(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]


def test_sign_in_starts_a_new_session(client, seeded):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in_as(client, "editor@demo.example")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_account_page_changes_name_and_language(app, seeded):
    client = _client(app)
    page = client.get(url_for("auth.account"))
    assert page.status_code == 200 and "Follow the municipality" in page_text(page)
    response = client.post(url_for("auth.account"), data={"display_name": "Eva Editor", "language": "sv"})
    assert response.status_code == 303
    editor = accounts.find_user("editor@demo.example")
    assert (editor.display_name, editor.language) == ("Eva Editor", "sv")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.update")).one()
    assert event.detail == {"fields": ["display_name", "language"]}
    assert 'lang="sv"' in client.get(url_for("plans.dashboard")).get_data(as_text=True)
    client.post(url_for("auth.account"), data={"display_name": "Eva Editor", "language": ""})
    assert accounts.find_user("editor@demo.example").language is None  # follows the municipality


def test_account_page_refuses_a_bad_setting_and_keeps_the_rest(app, seeded):
    client = _client(app)
    response = client.post(url_for("auth.account"), data={"display_name": "", "language": "fi"})
    assert response.status_code == 422
    text = page_text(response)
    assert "Enter your name." in text and "Not a valid choice" in text
    assert accounts.find_user("editor@demo.example").display_name == "Demo editor"


PASSWORDS = {"current_password": DEMO_PASSWORD, "new_password": "a-brand-new-password",
             "confirm_password": "a-brand-new-password"}


def test_password_change_ends_every_other_session(app, seeded):
    here, elsewhere = _client(app), _client(app)
    response = here.post(url_for("auth.change_password"), data=PASSWORDS)
    assert response.status_code == 303
    assert "signed out everywhere else" in page_text(here.get(response.headers["Location"]))
    assert here.get(url_for("plans.dashboard")).status_code == 200  # this session goes on
    assert elsewhere.get(url_for("plans.dashboard")).status_code == 302  # the other one has ended
    _client(app, password="a-brand-new-password")
    assert app.test_client().post(url_for("auth.sign_in"), data={"email": "editor@demo.example",
                                                                 "password": DEMO_PASSWORD}).status_code == 422
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.password_change")) is not None


@pytest.mark.parametrize("changes, field, message", [
    ({"current_password": "wrong password"}, "current_password", "The current password is not right."),
    ({"new_password": "short", "confirm_password": "short"}, "new_password", "at least 10 characters"),
    ({"confirm_password": "something else"}, "confirm_password", "The two new passwords are not the same."),
    ({"current_password": ""}, "current_password", "Enter your current password."),
])
def test_password_change_refused_next_to_its_field(app, seeded, changes, field, message):
    client = _client(app)
    generation = accounts.find_user("editor@demo.example").session_generation
    response = client.post(url_for("auth.change_password"), data={**PASSWORDS, **changes})
    assert response.status_code == 422
    assert message in page_text(response)
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert accounts.find_user("editor@demo.example").session_generation == generation
    assert client.get(url_for("plans.dashboard")).status_code == 200


# --- rate limiting -----------------------------------------------------------------------------------------------

def _limited_app(app, **config):
    """A second app on the same database with the rate limiter on (the test default keeps it off)."""
    return make_app(app.config["SQLALCHEMY_DATABASE_URI"], app.config["BABEL_TRANSLATION_DIRECTORIES"],
                    RATELIMIT_ENABLED=True, **config)


def _attempt(client, email, password="not the password", **headers):
    return client.post(url_for("auth.sign_in"), data={"email": email, "password": password}, headers=headers)


def test_repeated_wrong_passwords_get_429_with_the_friendly_page(app, seeded):
    limited = _limited_app(app, RATELIMIT_STORAGE_URI="memory://")
    client = limited.test_client()
    statuses = [_attempt(client, "editor@demo.example").status_code for _ in range(6)]
    assert statuses == [422] * 5 + [429]
    blocked = _attempt(client, "editor@demo.example", DEMO_PASSWORD)  # even the right password waits
    assert blocked.status_code == 429
    assert "Too many attempts" in page_text(blocked) and "Please wait a minute" in page_text(blocked)
    with limited.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.sign_in_limited")
                                    .order_by(AuditEvent.id)).all()
        assert len(events) == 2 and events[0].detail["email"] == "editor@demo.example"
        assert events[0].municipality_id is not None
    # Another account from the same address may still try (the per-address limit is higher).
    assert _attempt(client, "reviewer@demo.example").status_code == 422
    # GET is never limited.
    assert client.get(url_for("auth.sign_in")).status_code == 200


def test_one_address_trying_many_accounts_is_limited_too(app, seeded):
    limited = _limited_app(app, RATELIMIT_STORAGE_URI="memory://", SIGN_IN_LIMIT_PER_IP="8 per minute")
    client = limited.test_client()
    statuses = [_attempt(client, f"person{i}@demo.example").status_code for i in range(9)]
    assert statuses == [422] * 8 + [429]


def test_behind_a_proxy_each_visitor_has_their_own_limit(app, seeded):
    limited = _limited_app(app, RATELIMIT_STORAGE_URI="memory://", PROXY_HOPS=1, SIGN_IN_LIMIT_PER_IP="2 per minute")
    client = limited.test_client()
    one, other = {"X-Forwarded-For": "192.0.2.1"}, {"X-Forwarded-For": "192.0.2.2"}
    assert [_attempt(client, f"p{i}@demo.example", **one).status_code for i in range(3)] == [422, 422, 429]
    assert _attempt(client, "p9@demo.example", **other).status_code == 422


def test_proxy_hops_must_be_a_number(monkeypatch, tmp_path):
    from planbuilder.config import ConfigurationError

    monkeypatch.setenv("PLANBUILDER_PROXY_HOPS", "two")
    with pytest.raises(ConfigurationError, match="PLANBUILDER_PROXY_HOPS"):
        defaults(str(tmp_path))


def test_memory_storage_is_per_process(app, seeded):
    email = f"nobody-{uuid.uuid4().hex}@demo.example"
    first = _limited_app(app, RATELIMIT_STORAGE_URI="memory://").test_client()
    assert [_attempt(first, email).status_code for _ in range(5)] == [422] * 5
    second = _limited_app(app, RATELIMIT_STORAGE_URI="memory://").test_client()  # another process
    assert _attempt(second, email).status_code == 422


REDIS = "redis://127.0.0.1:6379/0"


def test_redis_storage_shares_the_limit_between_processes(app, seeded):
    import redis

    try:
        connection = redis.Redis.from_url(REDIS, socket_connect_timeout=1)
        connection.ping()
    except redis.exceptions.RedisError:
        missing_tool(f"no Redis at {REDIS} (CI's .ci/run starts it)")
    email = f"nobody-{uuid.uuid4().hex}@demo.example"
    settings = {"RATELIMIT_STORAGE_URI": REDIS, "SIGN_IN_LIMIT_PER_IP": "1000 per minute"}
    try:
        first = _limited_app(app, **settings).test_client()
        assert [_attempt(first, email).status_code for _ in range(3)] == [422] * 3
        second = _limited_app(app, **settings).test_client()  # another process: new storage client, same Redis
        assert [_attempt(second, email).status_code for _ in range(3)] == [422, 422, 429]
        assert any(email in key.decode() for key in connection.scan_iter("*nobody-*"))
    finally:
        for key in connection.scan_iter(f"*{email}*"):
            connection.delete(key)


# ---- a page left open while its person was signed out --------------------------------------------------------

def test_an_autosave_after_signing_out_is_refused_in_place_and_saves_nothing(client, seeded):
    plan = demo_plan()
    before = working_version(plan.id).content
    response = client.post(section_url(plan.id, "ansvar"), data={"samordnare": "x", "_autosave": "samordnare"},
                           headers=HTMX)
    assert response.status_code == 401 and response.headers["X-Planbuilder-Session"] == "signed-out"
    assert "Location" not in response.headers  # no redirect: the page, and what was typed on it, stays
    assert working_version(plan.id).content == before
    page = client.get(section_url(plan.id, "ansvar"))  # a page itself still goes to sign-in, and back after
    assert page.status_code == 302 and page.headers["Location"].startswith(url_for("auth.sign_in") + "?next=")


def test_an_autosave_whose_form_token_is_stale_is_marked_expired(app, client, seeded):
    sign_in_as(client, "editor@demo.example")
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(section_url(demo_plan().id, "ansvar"), data={"samordnare": "x",
                                                                        "_autosave": "samordnare"},
                           headers={**HTMX, "X-CSRFToken": "a token of a session that is gone"})
    assert response.status_code == 400 and response.headers["X-Planbuilder-Session"] == "expired"
    plain = client.post(section_url(demo_plan().id, "ansvar"), data={"samordnare": "x"})
    assert plain.status_code == 400 and "X-Planbuilder-Session" not in plain.headers
    assert "The form has expired" in page_text(plain)


def test_the_session_state_gives_a_working_form_token_only_to_a_signed_in_browser(app, client, seeded):
    signed_out = client.get(url_for("auth.session_state"))
    assert signed_out.status_code == 401 and signed_out.get_json() == {"signed_in": False}
    sign_in_as(client, "editor@demo.example")
    app.config["WTF_CSRF_ENABLED"] = True
    state = client.get(url_for("auth.session_state"))
    assert state.status_code == 200 and state.headers["Cache-Control"] == "no-store"
    plan = demo_plan()
    saved = client.post(section_url(plan.id, "ansvar"), data={"samordnare": "Efter ny inloggning",
                                                               "_autosave": "samordnare",
                                                               "lock": working_version(plan.id).lock_version},
                        headers={**HTMX, "X-CSRFToken": state.get_json()["csrf_token"]})
    assert saved.status_code == 200
    assert working_version(plan.id).content["ansvar"]["samordnare"] == "Efter ny inloggning"


def test_a_password_hashed_with_older_parameters_is_rehashed_at_sign_in(database_url, translations_dir, app,
                                                                          seeded):
    """Raising the Argon2 cost takes effect for each person at their next sign-in, the only moment the
    password is at hand; the password itself keeps working."""
    email = "editor@demo.example"
    old_hash = db.session.scalar(select(User.password_hash).where(User.email == email))
    stronger = make_app(database_url, translations_dir, ARGON2_TIME_COST=2, ARGON2_MEMORY_COST=2048)
    with stronger.app_context():
        client = stronger.test_client()
        assert client.post("/auth/sign-in", data={"email": email, "password": DEMO_PASSWORD}).status_code == 303
    db.session.expire_all()
    new_hash = db.session.scalar(select(User.password_hash).where(User.email == email))
    assert new_hash != old_hash
    assert (extract_parameters(new_hash).time_cost, extract_parameters(new_hash).memory_cost) == (2, 2048)
    assert extract_parameters(old_hash).time_cost == 1
    with stronger.app_context():
        again = stronger.test_client()
        assert again.post("/auth/sign-in", data={"email": email, "password": DEMO_PASSWORD}).status_code == 303


# ---- sessions that end -----------------------------------------------------------------------------------------

def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_copied_session_cookie_opens_nothing_after_sign_out(app, seeded):
    client = _client(app)
    copied = _session_cookie(client)
    assert client.post(url_for("auth.sign_out")).status_code == 303
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get(url_for("plans.dashboard")).status_code == 302  # to sign-in
    autosave = thief.post(url_for("auth.account"), data={"display_name": "Taken over"}, headers=HTMX)
    assert autosave.status_code == 401
    assert accounts.find_user("editor@demo.example").display_name == "Demo editor"


def _moved_clock(monkeypatch, **later):
    """The sessions' clock, this long after now (the real now, however often it was moved before)."""
    from planbuilder.models import utcnow
    from planbuilder.services.people import sessions

    start = utcnow()
    monkeypatch.setattr(sessions, "utcnow", lambda: start + timedelta(**later))


def test_a_session_left_idle_ends(app, seeded, monkeypatch):
    client = _client(app)
    assert client.get(url_for("plans.dashboard")).status_code == 200
    _moved_clock(monkeypatch, minutes=31)
    assert client.get(url_for("plans.dashboard")).status_code == 302
    _moved_clock(monkeypatch, minutes=1)  # coming back does not revive it
    assert client.get(url_for("plans.dashboard")).status_code == 302


def test_requests_keep_a_session_alive_until_its_absolute_limit(app, seeded, monkeypatch):
    client = _client(app)
    for minutes in range(25, 12 * 60, 25):  # an autosave every 25 minutes, all day
        _moved_clock(monkeypatch, minutes=minutes)
        assert client.get(url_for("plans.dashboard")).status_code == 200, minutes
    _moved_clock(monkeypatch, hours=12, minutes=1)
    assert client.get(url_for("plans.dashboard")).status_code == 302


def test_signed_in_pages_are_not_kept_in_caches_but_our_css_is(app, seeded):
    client = _client(app)
    assert client.get(url_for("plans.dashboard")).headers["Cache-Control"] == "private, no-store"
    css = client.get(url_for("static", filename="screen.css"))
    assert "no-store" not in css.headers.get("Cache-Control", "")
    css.close()


def test_the_session_cookie_has_the_host_prefix_over_https(monkeypatch, tmp_path):
    monkeypatch.setenv("PLANBUILDER_HTTPS", "1")
    assert defaults(str(tmp_path))["SESSION_COOKIE_NAME"] == "__Host-session"


def test_a_deactivated_account_is_refused_after_the_same_password_check(app, seeded, monkeypatch):
    """The refusal must take as long as a wrong password's, or its timing would tell who was deactivated: the
    password is checked (Argon2, the slow part) in each case."""
    checked = []
    real = accounts.password_matches
    monkeypatch.setattr(accounts, "password_matches", lambda *args: checked.append(1) or real(*args))
    user = accounts.find_user("reviewer@demo.example")
    user.active = False
    db.session.commit()
    for email, password in (("reviewer@demo.example", DEMO_PASSWORD), ("editor@demo.example", "wrong-password")):
        assert accounts.authenticate(email, password) is None
    assert len(checked) == 2
