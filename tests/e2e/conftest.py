"""Browser tests: the app served on a local port, driven by Playwright in Debian's Chromium.

Playwright's own browser download does not work here, so the tests use /usr/bin/chromium (package
"chromium"). Without it they are skipped, unless REQUIRE_TOOLS is set (CI sets it): then they fail (tests/conftest.require_tool).
"""
from __future__ import annotations

import os
import threading
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


@pytest.fixture
def live_server(app):
    """The test's app on a free local port, in a thread; gives its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def new_page(browser):
    """Opens a page in a fresh browser context (its own cookies); JavaScript on unless told otherwise."""
    contexts = []

    def open_page(javascript: bool = True):
        context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900},
                                      locale="en-GB")
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    """Saved for a person to look at (test-artifacts/ is not in git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
