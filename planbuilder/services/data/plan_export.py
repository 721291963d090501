"""A plan with all its versions as one JSON document, and back (docs/export-format.md describes the format).

Import is all or nothing: every check runs before anything is written, every problem is named, and the plan
is created in one transaction. A file damaged or changed by hand after export is refused by its checksum. That
is no proof of origin (anyone can recompute it), so a file with a correct checksum, from another tool or edited
on purpose, still has to pass every rule the app itself keeps.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import select

from ...extensions import db
from ...models import (
    FROZEN_STATUSES,
    STATUSES,
    WORKING_STATUSES,
    FrozenDocument,
    Municipality,
    Plan,
    PlanVersion,
    User,
    utcnow,
)
from ..documents.document_model import EDITIONS
from ..people import audit
from ..plans.content import content_problems
from ..plans.plans import TITLE_MAX_LENGTH, UnknownTemplateError, template_for, versions_of
from .file_format import UnreadableFile, envelope_problem, is_pdf, parse_json, sha256_of_json

FORMAT = "planbuilder.plan"
FORMAT_VERSION = 1
# Differ between an export and the export of its import; left out of the checksum.
VOLATILE = ("exported_at", "checksum")
LABEL_MAX_LENGTH = 100
DECISION_MAX_LENGTH = 200


class ImportRefused(ValueError):
    """The file cannot be imported; .problems names every reason, one line each. Nothing was written."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


# --- export ---------------------------------------------------------------------------------------------------

def _iso(moment: datetime | date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment.astimezone(timezone.utc).isoformat()
    return moment.isoformat()


def _email(user: User | None) -> str | None:
    return user.email if user else None


def _documents(version: PlanVersion) -> list[dict]:
    frozen = db.session.scalars(select(FrozenDocument).where(FrozenDocument.version_id == version.id,
                                                             FrozenDocument.replaced_by_id.is_(None))
                                .order_by(FrozenDocument.edition)).all()
    return [{"edition": d.edition, "sha256": d.sha256, "bytes": len(d.content),
             "content_base64": base64.b64encode(d.content).decode("ascii")} for d in frozen]


def _version(version: PlanVersion, labels: dict[int, str]) -> dict[str, Any]:
    decided = version.decision_body is not None or version.decision_date is not None
    return {
        "id": version.id,
        "label": version.label,
        "status": version.status,
        "based_on": labels.get(version.based_on_id) if version.based_on_id else None,
        "template_id": version.template_id,
        "template_revision": version.template_revision,
        "created_at": _iso(version.created_at),
        "created_by": _email(version.created_by),
        "updated_at": _iso(version.updated_at),
        "updated_by": _email(version.updated_by),
        "submitted_at": _iso(version.submitted_at),
        "decision": {"body": version.decision_body, "date": _iso(version.decision_date),
                     "paragraph": version.decision_paragraph, "case_number": version.case_number,
                     "reference": version.decision_reference} if decided else None,
        "adopted_at": _iso(version.adopted_at),
        "adopted_by": _email(version.adopted_by),
        "review_by": _iso(version.review_by),
        "content": version.content or {},
        "section_state": version.section_state,
        "documents": _documents(version),
    }


def checksum(document: dict) -> str:
    """sha256 of the canonical JSON of everything but the volatile keys and the ids (which import renews)."""
    stable = {k: v for k, v in document.items() if k not in VOLATILE}
    stable["plan"] = {k: v for k, v in (stable.get("plan") or {}).items() if k not in ("id", "municipality")} \
        if isinstance(stable.get("plan"), dict) else stable.get("plan")
    if isinstance(stable.get("versions"), list):
        stable["versions"] = [{k: v for k, v in item.items() if k != "id"} if isinstance(item, dict) else item
                              for item in stable["versions"]]
    return sha256_of_json(stable)


def export_plan(plan: Plan) -> dict[str, Any]:
    versions = versions_of(plan)
    labels = {v.id: v.label for v in versions}
    creator = db.session.get(User, plan.created_by_id) if plan.created_by_id else None
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": _iso(utcnow()),
        "plan": {
            "id": plan.id,
            "title": plan.title,
            "template_id": plan.template_id,
            "municipality": {"name": plan.municipality.name, "country": plan.municipality.country},
            "created_at": _iso(plan.created_at),
            "created_by": _email(creator),
        },
        "versions": [_version(v, labels) for v in versions],
    }
    document["checksum"] = checksum(document)
    return document


def export_json(plan: Plan) -> str:
    return json.dumps(export_plan(plan), ensure_ascii=False, indent=2) + "\n"


# --- import: checks -------------------------------------------------------------------------------------------

class _Check:
    def __init__(self):
        self.problems: list[str] = []

    def add(self, message: str) -> None:
        self.problems.append(message)

    def text(self, where: str, value: Any, *, required: bool = True, limit: int | None = None) -> str | None:
        if value is None and not required:
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            self.add(f"{where}: must be {'a non-empty ' if required else ''}text")
            return None
        if limit and len(value) > limit:
            self.add(f"{where}: has more than {limit} characters")
        return value

    def moment(self, where: str, value: Any, *, required: bool = False) -> datetime | None:
        if value is None and not required:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            self.add(f"{where}: must be a date and time (ISO 8601)")
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)

    def day(self, where: str, value: Any, *, required: bool = False) -> date | None:
        if value is None and not required:
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            self.add(f"{where}: must be a date (YYYY-MM-DD)")
            return None


def parse_file(text: str | bytes) -> dict:
    try:
        document = parse_json(text)
    except UnreadableFile as exc:
        raise ImportRefused([str(exc)]) from exc
    problem = envelope_problem(document, format_name=FORMAT, format_version=FORMAT_VERSION, checksum=checksum,
                               kind="Planbuilder plan export", made="exported")
    if problem:
        raise ImportRefused([problem])
    return document


def _decision(check: _Check, where: str, status: str, raw: Any) -> dict | None:
    if status not in FROZEN_STATUSES:
        if raw is not None:
            check.add(f"{where}: a {status} version cannot carry a decision")
        return None
    if not isinstance(raw, dict):
        check.add(f"{where}: an {status} version needs its decision (body, date, paragraph, case number)")
        return None
    return {"body": check.text(f"{where} › decision › body", raw.get("body"), limit=DECISION_MAX_LENGTH),
            "date": check.day(f"{where} › decision › date", raw.get("date"), required=True),
            **{key: check.text(f"{where} › decision › {key}", raw.get(key), required=False,
                               limit=DECISION_MAX_LENGTH) for key in ("paragraph", "case_number", "reference")}}


def _document_rows(check: _Check, where: str, status: str, raw: Any) -> list[tuple[str, bytes, str]]:
    if raw in (None, []):
        return []
    if status not in FROZEN_STATUSES:
        check.add(f"{where}: only an adopted or superseded version has frozen documents")
        return []
    if not isinstance(raw, list):
        check.add(f"{where} › documents: must be a list")
        return []
    found, editions = [], set()
    for item in raw:
        edition = item.get("edition") if isinstance(item, dict) else None
        if edition not in EDITIONS or edition in editions:
            check.add(f"{where} › documents: unknown or repeated edition {edition!r}")
            continue
        editions.add(edition)
        try:
            body = base64.b64decode(item.get("content_base64") or "", validate=True)
        except (binascii.Error, ValueError, TypeError):
            check.add(f"{where} › documents › {edition}: the content is not valid base64")
            continue
        digest = hashlib.sha256(body).hexdigest()
        if not body or digest != item.get("sha256"):
            check.add(f"{where} › documents › {edition}: the content does not match its sha256")
            continue
        if not is_pdf(body):
            check.add(f"{where} › documents › {edition}: the content is not a PDF")
            continue
        found.append((edition, body, digest))
    return found


def _check_version(check: _Check, raw: Any, number: int, template, earlier_labels: set[str]) -> dict | None:
    where = f"versions[{number}]"
    if not isinstance(raw, dict):
        check.add(f"{where}: must be an object")
        return None
    label = check.text(f"{where} › label", raw.get("label"), limit=LABEL_MAX_LENGTH)
    where = f"version {label!r}" if label else where
    status = raw.get("status")
    if status not in STATUSES:
        check.add(f"{where}: unknown status {status!r} (one of: {', '.join(STATUSES)})")
        return None
    if label in earlier_labels:
        check.add(f"{where}: the label is used twice")
    if raw.get("template_id") != template.id:
        check.add(f"{where}: template {raw.get('template_id')!r} is not the plan's template {template.id!r}")
    revision = raw.get("template_revision")
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
        check.add(f"{where} › template_revision: must be a whole number")
    based_on = raw.get("based_on")
    if based_on is not None and based_on not in earlier_labels:
        check.add(f"{where} › based_on: {based_on!r} is not an earlier version in the file")
    content = raw.get("content")
    for problem in content_problems(template, content):
        check.add(f"{where} › content › {problem}")
    state = raw.get("section_state")
    if state is not None and not isinstance(state, dict):
        check.add(f"{where} › section_state: must be an object or null")
    adopted_at = check.moment(f"{where} › adopted_at", raw.get("adopted_at"),
                              required=status in FROZEN_STATUSES)
    if status not in FROZEN_STATUSES and (raw.get("adopted_at") or raw.get("adopted_by")):
        check.add(f"{where}: a {status} version cannot have been adopted")
    return {
        "label": label, "status": status, "based_on": based_on, "revision": revision,
        "content": content if isinstance(content, dict) else {}, "section_state": state,
        "created_at": check.moment(f"{where} › created_at", raw.get("created_at"), required=True),
        "updated_at": check.moment(f"{where} › updated_at", raw.get("updated_at")),
        "submitted_at": check.moment(f"{where} › submitted_at", raw.get("submitted_at")),
        "adopted_at": adopted_at,
        "review_by": check.day(f"{where} › review_by", raw.get("review_by")),
        "decision": _decision(check, where, status, raw.get("decision")),
        "documents": _document_rows(check, where, status, raw.get("documents")),
        "people": {key: raw.get(key) for key in ("created_by", "updated_by", "adopted_by")},
    }


def _check_statuses(check: _Check, versions: list[dict]) -> None:
    statuses = [v["status"] for v in versions]
    if sum(s in WORKING_STATUSES for s in statuses) > 1:
        check.add("The plan has more than one version in work (draft or in review); at most one is allowed.")
    if statuses.count("adopted") > 1:
        check.add("The plan has more than one adopted version; at most one is in force.")
    if "superseded" in statuses and "adopted" not in statuses:
        check.add("A version is superseded, but no version is adopted to supersede it.")


def check_import(document: dict, municipality: Municipality) -> tuple[Any, dict, list[dict]]:
    """(template, plan fields, version fields) of a parsed export, or ImportRefused naming every problem."""
    check = _Check()
    plan = document.get("plan")
    if not isinstance(plan, dict):
        raise ImportRefused(["The file has no \"plan\" object."])
    title = check.text("plan › title", plan.get("title"), limit=TITLE_MAX_LENGTH)
    try:
        template = template_for(str(plan.get("template_id")))
    except UnknownTemplateError:
        raise ImportRefused([f"plan › template_id: there is no plan template {plan.get('template_id')!r} "
                             "here."]) from None
    raw_versions = document.get("versions")
    if not isinstance(raw_versions, list) or not raw_versions:
        raise ImportRefused(["The file has no versions; a plan has at least one."])
    versions, labels = [], set()
    for number, raw in enumerate(raw_versions):
        checked = _check_version(check, raw, number, template, labels)
        if checked is not None:
            versions.append(checked)
            labels.add(checked["label"])
    _check_statuses(check, versions)
    if title and db.session.scalar(select(Plan.id).where(Plan.municipality_id == municipality.id,
                                                         Plan.title == title.strip(), Plan.template_id == template.id)):
        check.add(f"{municipality.name} already has a plan titled {title!r} on template {template.id}.")
    fields = {"title": title, "created_at": check.moment("plan › created_at", plan.get("created_at")),
              "created_by": plan.get("created_by")}
    if check.problems:
        raise ImportRefused(check.problems)
    return template, fields, versions


# --- import: writing ------------------------------------------------------------------------------------------

def _user_id(email: Any, unknown: set[str]) -> int | None:
    if not isinstance(email, str) or not email:
        return None
    found = db.session.scalar(select(User.id).where(User.email == email.strip().lower()))
    if found is None:
        unknown.add(email)
    return found


def import_plan(text: str | bytes, municipality: Municipality) -> Plan:
    """Recreate an exported plan in the municipality (new ids); ImportRefused if anything is wrong."""
    document = parse_file(text)
    template, fields, versions = check_import(document, municipality)
    unknown: set[str] = set()
    try:
        plan = Plan(municipality_id=municipality.id, template_id=template.id, title=fields["title"].strip(),
                    created_by_id=_user_id(fields["created_by"], unknown))
        if fields["created_at"]:
            plan.created_at = fields["created_at"]
        db.session.add(plan)
        db.session.flush()
        ids: dict[str, int] = {}
        for item in versions:
            version = _new_version(plan, item, ids, unknown)
            ids[item["label"]] = version.id
        audit.record("plan.import", user_id=None, municipality_id=municipality.id, obj=plan,
                     checksum=document["checksum"], versions=len(versions), unknown_people=sorted(unknown))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return plan


def _new_version(plan: Plan, item: dict, ids: dict[str, int], unknown: set[str]) -> PlanVersion:
    decision = item["decision"] or {}
    people = item["people"]
    version = PlanVersion(
        plan_id=plan.id, label=item["label"], status=item["status"], content=item["content"],
        section_state=item["section_state"], template_id=plan.template_id, template_revision=item["revision"],
        based_on_id=ids.get(item["based_on"]) if item["based_on"] else None,
        created_at=item["created_at"], updated_at=item["updated_at"] or item["created_at"],
        submitted_at=item["submitted_at"], adopted_at=item["adopted_at"], review_by=item["review_by"],
        decision_body=decision.get("body"), decision_date=decision.get("date"),
        decision_reference=decision.get("reference"), decision_paragraph=decision.get("paragraph"),
        case_number=decision.get("case_number"),
        created_by_id=_user_id(people["created_by"], unknown), updated_by_id=_user_id(people["updated_by"], unknown),
        adopted_by_id=_user_id(people["adopted_by"], unknown),
    )
    db.session.add(version)
    db.session.flush()
    for edition, body, digest in item["documents"]:
        db.session.add(FrozenDocument(version_id=version.id, edition=edition, content=body, sha256=digest))
    return version
