"""Correcting the recorded decision of an adopted version: a typo in the minute paragraph, the wrong date.

The council's decision stands; what the documents say of it is put right. Never silently: a reason is required,
the correction is audited with what it changed, the documents are frozen again with new checksums, and the
earlier documents stay downloadable, listed as replaced by this correction. The plan's text itself cannot be
corrected this way (a changed plan is a new version, adopted anew).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import defer
from werkzeug.datastructures import MultiDict

from ...extensions import db
from ...forms import CorrectionForm
from ...models import CORRECTING_DECISION, DecisionCorrection, FrozenDocument, PlanVersion, User
from ..people import audit
from .plans import template_for
from .versions import (
    ADOPTED,
    DECISION_FIELDS,
    Decision,
    InvalidDecision,
    Renderer,
    VersionError,
    commit_version,
    freeze_documents,
    frozen_hashes,
    parse_decision,
)


class NothingToCorrect(VersionError):
    """The decision as typed is the one recorded."""


def _as_text(values: dict[str, Any]) -> dict[str, str]:
    return {name: value.isoformat() if isinstance(value, date) else (value or "") for name, value in values.items()}


def recorded(version: PlanVersion) -> dict[str, str]:
    """The decision as recorded on the version, each field as text (what a correction keeps as before/after)."""
    return _as_text({name: getattr(version, name) for name in DECISION_FIELDS})


def correction_defaults(version: PlanVersion) -> dict[str, Any]:
    """The correction form starts from the decision as recorded."""
    return {name: getattr(version, name) for name in DECISION_FIELDS}


def check_correctable(version: PlanVersion) -> None:
    if version.status != ADOPTED:
        raise VersionError(_("Only the adopted version's decision can be corrected."))
    if not frozen_hashes([version]).get(version.id):
        raise VersionError(_("Its documents are still being frozen; correct the decision once they are there."))


def correct_decision(version: PlanVersion, user: User, form: CorrectionForm | Mapping[str, str],
                     today: date | None = None, renderer: Renderer | None = None) -> DecisionCorrection:
    """Record the corrected decision with its reason and freeze the documents again (by a worker, or now with
    `renderer`); the documents frozen so far are kept, replaced. One transaction: on a refusal nothing changes.
    A plain dict of texts (the demo, a script) is read through the same form as the page's."""
    if not isinstance(form, CorrectionForm):
        form = CorrectionForm(formdata=MultiDict(form), meta={"csrf": False})
    check_correctable(version)
    decision, problems = parse_decision(template_for(version.template_id), form, today)  # the reason too
    if problems:
        raise InvalidDecision(problems)
    before = recorded(version)
    after = _as_text({"decision_body": decision.body, "decision_date": decision.decided_on,
                      "decision_paragraph": decision.paragraph, "case_number": decision.case_number,
                      "review_by": decision.review_by})
    if after == before:
        raise NothingToCorrect(_("The decision as typed is the one recorded: change what is wrong, or go back."))
    db.session.info[CORRECTING_DECISION] = version.id
    try:
        correction = _record(version, user, form.reason.data, decision, before, after)
        commit_version(version)
    finally:
        db.session.info.pop(CORRECTING_DECISION, None)
    freeze_documents(version, renderer)
    return correction


def _record(version: PlanVersion, user: User, reason: str, decision: Decision, before: dict[str, str],
            after: dict[str, str]) -> DecisionCorrection:
    """The corrected decision on the version, the correction with its reason, the documents so far replaced."""
    version.decision_body, version.decision_date = decision.body, decision.decided_on
    version.decision_paragraph, version.case_number = decision.paragraph, decision.case_number
    version.review_by = decision.review_by
    correction = DecisionCorrection(version_id=version.id, corrected_by_id=user.id, reason=reason, before=before,
                                    after=after)
    db.session.add(correction)
    db.session.flush()
    db.session.execute(update(FrozenDocument).where(FrozenDocument.version_id == version.id,
                                                    FrozenDocument.replaced_by_id.is_(None))
                       .values(replaced_by_id=correction.id))
    audit.record("version.correct_decision", user_id=user.id, municipality_id=version.plan.municipality_id,
                 obj=version, reason=reason,
                 changed={name: [before[name], after[name]] for name in DECISION_FIELDS if before[name] != after[name]})
    return correction


def history(version: PlanVersion) -> list[DecisionCorrection]:
    """The version's corrections, newest first."""
    return list(db.session.scalars(select(DecisionCorrection).where(DecisionCorrection.version_id == version.id)
                                   .order_by(DecisionCorrection.id.desc())))


def replaced_documents(version: PlanVersion) -> dict[int, list[FrozenDocument]]:
    """{correction id: the documents it replaced}, without their bytes (only a download needs those)."""
    found: dict[int, list[FrozenDocument]] = {}
    replaced = FrozenDocument.replaced_by_id.is_not(None)
    rows = db.session.scalars(select(FrozenDocument).options(defer(FrozenDocument.content))
                              .where(FrozenDocument.version_id == version.id, replaced)
                              .order_by(FrozenDocument.edition))
    for document in rows:
        found.setdefault(document.replaced_by_id, []).append(document)
    return found


def replaced_document(version: PlanVersion, document_id: int) -> FrozenDocument | None:
    """One replaced document of this version (any other id, or a current document, is nobody's here)."""
    document = db.session.get(FrozenDocument, document_id)
    if document is None or document.version_id != version.id or document.replaced_by_id is None:
        return None
    return document
