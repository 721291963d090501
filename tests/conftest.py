"""Fixtures in the style of flaskr: an app per test on a clean database, and small action helpers.

The database is PostgreSQL when TEST_DATABASE_URL is set, else a SQLite file. The schema is built once per run
by the real Alembic migrations (so every run also tests them); each test then starts from empty tables.
"""
from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.policy import default as default_policy
from html.parser import HTMLParser
from typing import NoReturn

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text

from planbuilder import create_app
from planbuilder.config import normalise_database_url
from planbuilder.extensions import db
from planbuilder.services.data import demo
from planbuilder.services.documents import rendering

DEMO_PASSWORD = "demo-password-1"


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, leave out the tests marked one_database: browser journeys and page checks whose database
    work the rest of the suite does on both databases, so the second run would only repeat the browser's time
    (CI runs the suite on SQLite, then on PostgreSQL, in one time budget). Journeys where people's saves meet
    (the wizard's, colleagues') stay on both."""
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        return
    left_out = [item for item in items if item.get_closest_marker("one_database")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("one_database")]


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        url = normalise_database_url(configured)
        _reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def translations_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("translations"))


_apps_made: list = []


def make_app(database_url: str, translations_dir: str, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "BABEL_TRANSLATION_DIRECTORIES": translations_dir,
        "RATELIMIT_ENABLED": False,
        # Cheap password hashing for speed; the hashing itself is the same Argon2id code as in production.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        # Documents someone waits for are made in the request; pre-renders wait until a test runs them
        # (planbuilder/services/jobs/queue.py). Tests of the queue itself choose "manual", "embedded" or "redis".
        "JOB_QUEUE": "inline",
        # A test that runs the RQ worker in its own thread must not lower the whole test run's CPU priority.
        "JOB_WORKER_NICE": 0,
        "JOB_WORKER_IDLE": False,
        # Mail delivered without MAIL_URL is written to this run's temporary folder, never to instance/outbox.
        "MAIL_OUTBOX_DIR": os.path.join(os.path.dirname(translations_dir), "outbox"),
        # The same for the file copies of made documents (never instance/documents).
        "DOCUMENT_FILES_DIR": os.path.join(os.path.dirname(translations_dir), "documents"),
        "DOCUMENT_FILES_PRUNE_SECONDS": 0,
        **overrides,
    }
    made = create_app(config)
    _apps_made.append(made)
    return made


@pytest.fixture(autouse=True)
def _close_database_pools():
    """Every app a test made gives back its database connections when the test ends (PostgreSQL counts them)."""
    yield
    while _apps_made:
        made = _apps_made.pop()
        with made.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_schema(database_url, translations_dir):
    from flask_migrate import upgrade

    app = make_app(database_url, translations_dir)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return True


def _empty_all_tables() -> None:
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def app_config() -> dict:
    """Override in a test module to change the configuration of its app."""
    return {}


class IsolatedClient(FlaskClient):
    """Each request in an app context of its own, as in production: fresh `g` and a fresh database session.

    Without this, requests made while a test holds a request context (for url_for) would reuse the test's app
    context, so one request's loaded user or cached objects would leak into the next. Each answer is read whole
    and its body closed, as a WSGI server does once it has sent it (a download sent from a file closes the file).
    """

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # What the test itself reads next must come from the database, not from its own stale session.
        db.session.expire_all()
        return response


@pytest.fixture
def app(database_url, translations_dir, migrated_schema, app_config):
    app = make_app(database_url, translations_dir, **app_config)
    app.test_client_class = IsolatedClient
    # A request context, so tests can build links with url_for as templates do.
    with app.test_request_context():
        _empty_all_tables()
        yield app
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def seeded(app):
    """The demo municipality, its admin, editor and reviewer, and its complete demo plan.

    The demo users read the UI in English here, so assertions do not depend on which catalogues exist;
    the language tests choose their languages explicitly.
    """
    from planbuilder.models import User

    demo.seed(DEMO_PASSWORD)
    for user in db.session.scalars(db.select(User)):
        user.language = "en"
    db.session.commit()
    return True


@pytest.fixture
def shared_renders(monkeypatch):
    """A PDF rendered once per test run for identical input, for tests that only read the document.

    Remembered by the production cache key (content, template revision, edition, cover, renderer revision), so
    a test that changes the content gets its own render. A test that changes how documents are made (static
    files, fonts) must not use this fixture.
    """
    from planbuilder.services.documents import rendering

    monkeypatch.setattr(rendering, "render_pdf", rendering.remembered(rendering.render_pdf))


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    """The SQL statements the app sends while this is open, in order."""
    found: list[str] = []

    def count(_connection, _cursor, statement, *_):
        found.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield found
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def sign_in_as(client, email: str, password: str = DEMO_PASSWORD):
    response = client.post("/auth/sign-in", data={"email": email, "password": password})
    assert response.status_code == 303, f"sign-in as {email} failed: {response.status_code}"
    return response


@pytest.fixture
def editor_client(client, seeded):
    sign_in_as(client, "editor@demo.example")
    return client


@pytest.fixture
def empty_plan(editor_client):
    """A new, empty Swedish plan the demo editor has just created through the dashboard."""
    from tests.wizard_helpers import new_plan

    return new_plan(editor_client, "Ny plan")


@pytest.fixture
def in_review(seeded):
    """The demo plan's complete draft, submitted for review."""
    from planbuilder.services.plans import plans
    from tests.test_access import submit_directly
    from tests.wizard_helpers import demo_plan

    version = plans.current_version(demo_plan())
    submit_directly(version)
    return version


@pytest.fixture
def reviewer_client(client, seeded):
    sign_in_as(client, "reviewer@demo.example")
    return client


def missing_tool(message: str) -> NoReturn:
    """A tool or service a test needs is absent: skipped on a developer's machine, failed where REQUIRE_TOOLS is set."""
    __tracebackhide__ = True  # reported at the test's line, not here
    if os.environ.get("REQUIRE_TOOLS"):
        pytest.fail(message)
    pytest.skip(message)


def require_tool(command: str, package: str) -> str:
    """The path of an external program a test drives. Missing, the test is skipped on a developer's machine, but
    fails where REQUIRE_TOOLS is set (CI sets it), so a missing install step cannot hide behind a skip."""
    import shutil

    found = shutil.which(command)
    if found is None:
        missing_tool(f"{command} is not installed (Debian package {package}; sh scripts/system-packages.sh --tests)")
    return found


class _VisibleText(HTMLParser):
    """The text a person reads: everything but scripts and styles, entities resolved."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1
        self.parts.append(" ")

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def page_text(response) -> str:
    """The visible text of an HTML response, whitespace folded, for assertions about what a user reads."""
    return html_text(response.get_data(as_text=True))


def html_text(html: str) -> str:
    reader = _VisibleText()
    reader.feed(html)
    return re.sub(r"\s+", " ", "".join(reader.parts)).strip()


# --- mail: a real SMTP server in-process (aiosmtpd) -------------------------------------------------------------

SENDER = "Planbuilder <planbuilder@demo.example>"


class Inbox:
    """An SMTP server's handler keeping what it is sent; `refuse` makes it answer RCPT with that reply."""

    def __init__(self):
        self.messages = []
        self.refuse: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=default_policy)
        self.messages.extend((address, message) for address in envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [message for rcpt, message in self.messages if rcpt == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free local port: its inbox and the MAIL_URL that reaches it."""
    from aiosmtpd.controller import Controller

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, f"smtp://127.0.0.1:{controller.port}?timeout=5"
    controller.stop()


@pytest.fixture
def inbox(app, smtp_server):
    """The app sends its mail to the SMTP server; what arrives is in the returned inbox."""
    handler, url = smtp_server
    app.config.update(MAIL_URL=url, MAIL_FROM=SENDER)
    return handler


@pytest.fixture
def reviewers(seeded):
    """Ekdala's reviewers: the demo one (no language of their own: the municipality's Swedish), one reading
    Norwegian, and one deactivated (no mail)."""
    from planbuilder.services.people import accounts

    ekdala = accounts.find_municipality("Ekdala kommun")
    accounts.find_user("reviewer@demo.example").language = None
    accounts.create_user("granskare2@demo.example", "Kari Nordmann", "another-long-password", ekdala, "reviewer")
    accounts.find_user("granskare2@demo.example").language = "nb"
    accounts.create_user("former@demo.example", "Former Reviewer", "another-long-password", ekdala, "reviewer")
    accounts.find_user("former@demo.example").active = False
    db.session.commit()
    return ("reviewer@demo.example", "granskare2@demo.example")


@pytest.fixture
def fake_pdfs(monkeypatch):
    """Quick stand-in for WeasyPrint: distinct bytes per call, and a record of what was rendered."""
    calls = []

    def render(version, edition):
        calls.append((version.id, edition, version.status))
        return f"%PDF-fake version {version.id} {edition} call {len(calls)}".encode()

    monkeypatch.setattr(rendering, "render_pdf", render)
    return calls
