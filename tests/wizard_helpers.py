"""Helpers for driving the wizard through the test client as a browser would."""
from __future__ import annotations

import re
from html.parser import HTMLParser

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


class _FormReader(HTMLParser):
    """The values a browser would submit from one form: named inputs (checked ones for boxes and radios),
    textareas and the selected options of selects; disabled controls and buttons send nothing."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.depth, self.values = form_id, 0, {}
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and attributes.get("id") == self.form_id:
            self.depth = 1
            return
        if not self.depth:
            return
        name = attributes.get("name")
        if tag == "input" and name and "disabled" not in attributes:
            kind = attributes.get("type") or "text"
            if kind in ("submit", "button") or (kind in ("checkbox", "radio") and "checked" not in attributes):
                return
            self.values.setdefault(name, []).append(attributes.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((attributes.get("value") or "", "selected" in attributes))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.depth:
            self.depth = 0
        elif tag == "textarea" and self._textarea is not None:
            # As a browser does: the one line break right after <textarea> is not part of the value.
            self.values.setdefault(self._textarea, []).append(re.sub(r"^\r?\n", "", "".join(self._text)))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected] or [v for v, _ in self._options[:1]]
            self.values.setdefault(self._select, []).extend(chosen)
            self._select = None


def form_fields(html: str, form_id: str = "section-form") -> dict[str, list[str]]:
    """The values a browser would submit from the page's section form."""
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader.values


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


def new_plan(client, title: str, template_id: str = "se-vbe"):
    """A new, empty plan created through the dashboard, as an editor does."""
    response = client.post(url_for("plans.create"), data={"title": title, "template_id": template_id})
    assert response.status_code == 303
    return db.session.scalars(db.select(Plan).where(Plan.title == title)).one()
