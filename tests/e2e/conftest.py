"""Browser tests: the app served on a local port, driven by Playwright in Debian's Chromium.

Playwright's own browser download does not work here, so the tests use /usr/bin/chromium (package
"chromium"). Without it they are skipped, unless REQUIRE_TOOLS is set (CI sets it): then they fail
(tests/conftest.require_tool).
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import require_tool

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Chromium must not try to reach the internet (there is none here); these flags stop its background traffic.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    require_tool(CHROMIUM, "chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def app_config():
    # The browser sends real CSRF tokens, as in production.
    return {"WTF_CSRF_ENABLED": True}


class InFlight:
    """WSGI middleware counting the requests being served, so teardown can wait until none is.

    A request counts from the call until its response has been sent and closed. (The server's shutdown() only
    stops accepting connections: its request threads are daemons that nothing waits for.)
    """

    def __init__(self, app):
        self.app = app
        self.count = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            self.count += 1
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return _ClosingBody(body, self._done)

    def _done(self) -> None:
        with self.changed:
            self.count -= 1
            self.changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.count == 0, timeout=timeout)


class _ClosingBody:
    def __init__(self, body, done):
        self.body, self.done, self.closed = body, done, False

    def __iter__(self):
        # Done once the body is sent, even when the server never calls close(): werkzeug skips it when the
        # browser drops the connection while the server drains what it sent (a reset during the final read).
        try:
            yield from self.body
        finally:
            self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.done()


IN_FLIGHT_TIMEOUT = 180  # seconds; a request in flight may be rendering both PDF editions on a busy machine


@pytest.fixture
def live_server(app):
    """The test's app on a free local port, in a thread; gives its base URL.

    Teardown stops accepting requests and then waits until those in flight are done, so the app fixture's
    teardown never empties the tables under a request that is still writing to them.
    """
    in_flight = InFlight(app)
    server = make_server("127.0.0.1", 0, in_flight, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    idle = in_flight.wait_idle(IN_FLIGHT_TIMEOUT)
    server.server_close()
    assert idle, f"{in_flight.count} request(s) still in flight after {IN_FLIGHT_TIMEOUT} s"


@pytest.fixture
def new_page(browser):
    """Opens a page in a fresh browser context (its own cookies); JavaScript on unless told otherwise."""
    contexts = []

    def open_page(javascript: bool = True):
        context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900},
                                      locale="en-GB")
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        _log_traffic(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


def _log_traffic(page) -> None:
    """What the page sent and heard, printed as it happens: pytest shows it only for a failed test, where it tells
    a lost request from a slow server."""
    started = time.monotonic()

    def say(what: str) -> None:
        print(f"{time.monotonic() - started:8.3f} {what}")

    def posted(request) -> str:
        data = request.post_data or ""
        marks = [part for part in data.split("&") if part.startswith(("_autosave=", "_action="))]
        return f"{request.method} {request.url.split('/', 3)[-1]} {' '.join(marks)}"

    page.on("request", lambda request: say("-> " + posted(request)))
    page.on("response", lambda response: say(f"<- {response.status} {posted(response.request)}"))
    page.on("requestfailed", lambda request: say(f"!! {request.failure} {posted(request)}"))
    page.on("console", lambda message: say(f"console {message.type}: {message.text}"))
    page.on("pageerror", lambda error: say(f"page error: {error}"))


def screenshot(page, name: str) -> None:
    """Saved for a person to look at (test-artifacts/ is not in git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
