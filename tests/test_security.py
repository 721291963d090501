"""Security headers on every response, and CSRF protection on every state-changing route."""
from __future__ import annotations

import re

from flask import url_for

from tests.conftest import DEMO_PASSWORD, sign_in_as
from tests.wizard_helpers import HTMX, demo_plan, section_url, working_version


def assert_strict_headers(response):
    csp = response.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_pages_files_and_errors_carry_the_headers(editor_client):
    plan = demo_plan()
    for url in (url_for("plans.dashboard"), url_for("wizard.overview", plan_id=plan.id),
                section_url(plan.id, "ansvar"), url_for("static", filename="screen.css"),
                url_for("assets.packaged", name="htmx.min.js"), url_for("health.healthz"), "/no-such-page"):
        with editor_client.get(url) as response:  # closes the streamed static file
            assert_strict_headers(response)


def test_no_inline_script_in_pages(editor_client):
    html = editor_client.get(section_url(demo_plan().id, "ansvar")).get_data(as_text=True)
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers either


def test_hsts_only_when_https_is_configured(app, client):
    assert "Strict-Transport-Security" not in client.get(url_for("auth.sign_in")).headers
    app.config["HTTPS"] = True
    assert "max-age" in client.get(url_for("auth.sign_in")).headers["Strict-Transport-Security"]


def _url_for_rule(rule) -> str:
    values = {name: (1 if rule._converters[name].__class__.__name__ == "IntegerConverter" else "x")
              for name in rule.arguments}
    return url_for(rule.endpoint, **values)


def test_every_state_changing_route_refuses_a_request_without_csrf_token(app, client, seeded):
    sign_in_as(client, "editor@demo.example")  # signed in: the refusal is the token's, not the login's
    app.config["WTF_CSRF_ENABLED"] = True
    changing = [rule for rule in app.url_map.iter_rules() if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}]
    assert len(changing) >= 5
    for rule in changing:
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            response = client.open(_url_for_rule(rule), method=method, data={"x": "1"}, headers=HTMX)
            assert response.status_code == 400, f"{method} {rule.rule} answered {response.status_code}"


def test_htmx_requests_carry_the_token_in_a_header(app, client, seeded):
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(url_for("auth.sign_in")).get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    response = client.post(url_for("auth.sign_in"), data={"email": "editor@demo.example",
                                                           "password": DEMO_PASSWORD},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 303
    plan = demo_plan()
    before = working_version(plan.id).content
    refused = client.post(section_url(plan.id, "ansvar"), data={"samordnare": "x", "_autosave": "samordnare"},
                          headers=HTMX)
    assert refused.status_code == 400 and working_version(plan.id).content == before
