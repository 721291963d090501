"""Helpers for driving the wizard through the test client as a browser would."""
from __future__ import annotations

import re

from flask import url_for

from planbuilder.extensions import db
from planbuilder.models import Plan, PlanVersion

HTMX = {"HX-Request": "true"}


def demo_plan() -> Plan:
    return db.session.scalars(db.select(Plan).order_by(Plan.id)).first()


def working_version(plan_id: int) -> PlanVersion:
    db.session.expire_all()
    return db.session.scalars(db.select(PlanVersion).where(PlanVersion.plan_id == plan_id)
                              .order_by(PlanVersion.id.desc())).first()


def section_url(plan_id: int, section_id: str) -> str:
    return url_for("wizard.section", plan_id=plan_id, section_id=section_id)


def form_fields(html: str) -> dict[str, list[str]]:
    """The values a browser would submit from the page's section form (inputs, textareas, checked boxes)."""
    form = html[html.index('id="section-form"'):html.index("</form>", html.index('id="section-form"'))]
    values: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = _attr(tag, "name")
        kind = _attr(tag, "type") or "text"
        if not name or " disabled" in tag or kind in ("submit", "button"):
            continue
        if kind in ("checkbox", "radio") and " checked" not in tag:
            continue
        values.setdefault(name, []).append(_unescape(_attr(tag, "value") or ""))
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        # As a browser does: the one line break right after <textarea> is not part of the value.
        values.setdefault(name, []).append(_unescape(re.sub(r"^\r?\n", "", body)))
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.findall(r'<option[^>]*value="([^"]*)"[^>]*selected', body) or re.findall(
            r'<option[^>]*value="([^"]*)"', body)[:1]
        values.setdefault(name, []).extend(chosen)
    return values


def _attr(tag: str, name: str) -> str | None:
    found = re.search(rf'\s{name}="([^"]*)"', tag)
    return found.group(1) if found else None


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"').replace("&quot;", '"')
            .replace("&#39;", "'").replace("&amp;", "&"))


def post_section(client, plan_id: int, section_id: str, changes: dict, headers=None, **extra):
    """Load the section page, apply changes to its form values, and post it back like a browser."""
    page = client.get(section_url(plan_id, section_id))
    data = form_fields(page.get_data(as_text=True))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value if isinstance(value, list) else [value]
    data.update({k: [v] for k, v in extra.items()})
    return client.post(section_url(plan_id, section_id), data=data, headers=headers or {})
