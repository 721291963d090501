"""The council's decision as a plan document prints it: one record, for the cover and for the body.

A template names the fields that hold the parts of the decision (its `decision` key). In a draft those fields say
what is proposed, and the cover shows them. Once the plan is adopted, the adoption form is the only source: the
cover prints what it recorded, and the body prints the same record in place of the draft's proposals, so no date
or number in an adopted document can disagree with another.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ...fields.blocks import clean_text
from ...template_model import PlanTemplate


@dataclass(frozen=True)
class DecisionRecord:
    adopted: bool = False
    body: str = ""  # the body that adopted the plan, or (in a draft) the one proposed to
    decided_on: date | None = None
    paragraph: str = ""
    case_number: str = ""
    reference: str = ""  # the one citation of a version adopted before paragraph and case number were separate
    review_by: date | None = None
    validity: str = ""
    valid_from: date | None = None
    valid_until: date | None = None
    reviser: str = ""


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def role_text(template: PlanTemplate, content: Mapping[str, Any], role: str) -> str:
    """The answer to a decision field as one line of text (an option's label, not its stored value)."""
    field = template.decision_field(role)
    value = template.decision.raw_value(content, role)
    if field is None or value in (None, "", []):
        return ""
    return clean_text(" ".join(field.kind.texts(field, value, template)))


def proposed(template: PlanTemplate, content: Mapping[str, Any]) -> DecisionRecord:
    """What a draft says about its decision: the proposed body, the case number, the validity and so on."""
    def text(role: str) -> str:
        return role_text(template, content, role)

    def day(role: str) -> date | None:
        return _day(template.decision.raw_value(content, role))

    return DecisionRecord(
        body=text("proposed_body") or template.decision.body, decided_on=day("decision_date"),
        paragraph=text("paragraph"), case_number=text("case_number"), review_by=day("review_by"),
        validity=text("validity"), valid_from=day("valid_from"), valid_until=day("valid_until"),
        reviser=text("reviser"))


def recorded(template: PlanTemplate, content: Mapping[str, Any], version: Any) -> DecisionRecord:
    """An adopted version's decision: what its adoption recorded; the plan period and who revises it stay the
    plan's own text (the adoption form does not ask for them, so nothing can contradict them)."""
    draft = proposed(template, content)
    return DecisionRecord(
        adopted=True, body=clean_text(version.decision_body or ""), decided_on=version.decision_date,
        paragraph=clean_text(version.decision_paragraph or ""), case_number=clean_text(version.case_number or ""),
        reference=clean_text(version.decision_reference or ""), review_by=version.review_by,
        validity=draft.validity, valid_from=draft.valid_from, valid_until=draft.valid_until, reviser=draft.reviser)


def adoption_defaults(template: PlanTemplate, content: Mapping[str, Any]) -> dict[str, Any]:
    """What the adoption form starts from: the draft's proposals (the body, the paragraph, the case number, the
    dates it already names), so the decision is typed once and checked, not typed again."""
    draft = proposed(template, content)
    values = {"decision_body": draft.body, "decision_date": draft.decided_on, "decision_paragraph": draft.paragraph,
              "case_number": draft.case_number, "review_by": draft.review_by}
    return {name: value for name, value in values.items() if value}
