"""Export a plan with all its versions as JSON, and import it again: round trips and refusals."""
from __future__ import annotations

import base64
import copy
import hashlib
import json
import stat

import pytest
from sqlalchemy import func, select

from planbuilder.extensions import db
from planbuilder.models import AuditEvent, FrozenDocument, Plan, PlanVersion
from planbuilder.services.data import plan_export
from planbuilder.services.people import accounts
from planbuilder.services.plans import plans

# Differ between an export and the export of its import (docs/export-format.md).
VOLATILE_TOP = ("exported_at",)


def revised_plan() -> Plan:
    return db.session.scalar(select(Plan).where(Plan.title.like("%2025–2026")))


def counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Plan, PlanVersion, FrozenDocument, AuditEvent))


def without_ids(document: dict) -> dict:
    stable = {k: v for k, v in document.items() if k not in VOLATILE_TOP}
    stable["plan"] = {k: v for k, v in document["plan"].items() if k not in ("id", "municipality")}
    stable["versions"] = [{k: v for k, v in item.items() if k != "id"} for item in document["versions"]]
    return stable


@pytest.fixture
def exported(seeded) -> dict:
    return plan_export.export_plan(revised_plan())


@pytest.fixture
def norrby(seeded):
    return accounts.create_municipality("Norrby kommun", "SE")


def resealed(document: dict) -> str:
    """A hand-edited file whose editor also recomputed the checksum: only the content rules can catch it."""
    document = copy.deepcopy(document)
    document["checksum"] = plan_export.checksum(document)
    return json.dumps(document, ensure_ascii=False)


def test_export_holds_every_version_its_status_adoption_data_and_document_hashes(exported):
    plan = revised_plan()
    assert exported["format"] == "planbuilder.plan" and exported["format_version"] == 1
    assert exported["plan"]["title"] == plan.title and exported["plan"]["template_id"] == "se-vbe"
    adopted, draft = exported["versions"]
    assert (adopted["label"], adopted["status"], draft["label"], draft["status"]) == ("2025", "adopted",
                                                                                    "2026", "draft")
    assert adopted["decision"] == {"body": "Kommunfullmäktige", "date": "2025-03-17", "paragraph": "KF § 42",
                                   "case_number": "KS 2025/118", "reference": None}
    assert adopted["review_by"] == "2026-03-17" and adopted["adopted_by"] == "editor@demo.example"
    assert draft["based_on"] == "2025" and draft["decision"] is None and draft["documents"] == []
    stored = {f.edition: f.sha256 for f in db.session.scalars(select(FrozenDocument))}
    assert {d["edition"]: d["sha256"] for d in adopted["documents"]} == stored
    assert draft["content"] == plans.versions_of(plan)[1].content
    assert exported["checksum"] == plan_export.checksum(exported)


def test_export_import_export_gives_the_same_json_apart_from_ids_and_time(runner, exported, norrby, tmp_path):
    source = tmp_path / "plan.json"
    out = runner.invoke(args=["plans", "export", str(revised_plan().id), "-o", str(source)])
    assert out.exit_code == 0, out.output
    result = runner.invoke(args=["plans", "import", str(source), "--municipality", "Norrby kommun"])
    assert result.exit_code == 0, result.output
    assert "into Norrby kommun" in result.output
    imported = db.session.scalar(select(Plan).where(Plan.municipality_id == norrby.id))
    again = plan_export.export_plan(imported)
    first = json.loads(source.read_text(encoding="utf-8"))
    assert without_ids(again) == without_ids(first)
    assert again["checksum"] == first["checksum"]
    assert again["plan"]["id"] != first["plan"]["id"]
    assert {v["id"] for v in again["versions"]}.isdisjoint({v["id"] for v in first["versions"]})
    # The frozen PDFs came along byte for byte, and the revision still points at its adopted version.
    old_adopted, new_adopted = plans.versions_of(revised_plan())[0], plans.versions_of(imported)[0]
    old_docs = {f.edition: f.content for f in db.session.scalars(
        select(FrozenDocument).where(FrozenDocument.version_id == old_adopted.id))}
    new_docs = {f.edition: f.content for f in db.session.scalars(
        select(FrozenDocument).where(FrozenDocument.version_id == new_adopted.id))}
    assert new_docs == old_docs
    assert plans.versions_of(imported)[1].based_on_id == new_adopted.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.import"))
    assert event.municipality_id == norrby.id and event.detail["versions"] == 2


def test_export_to_standard_output(runner, seeded):
    result = runner.invoke(args=["plans", "export", str(revised_plan().id)])
    assert result.exit_code == 0 and json.loads(result.output)["plan"]["title"].endswith("2025–2026")
    assert runner.invoke(args=["plans", "export", "9999"]).exit_code == 1


def _edit(document: dict, change) -> dict:
    document = copy.deepcopy(document)
    change(document)
    return document


def _two_drafts(d):
    d["versions"][0].update(status="draft", decision=None, adopted_at=None, adopted_by=None, documents=[])


def _bad_status(d):
    d["versions"][1]["status"] = "approved"


def _adopted_without_decision(d):
    d["versions"][0]["decision"] = None


def _bad_content(d):
    d["versions"][1]["content"]["ansvar"]["politiskt_ansvar"] = "x" * 500


def _unknown_field(d):
    d["versions"][1]["content"]["bakgrund"]["hemligt"] = "?"


def _unknown_template(d):
    d["plan"]["template_id"] = "se-okand"


def _version_on_another_template(d):
    d["versions"][1]["template_id"] = "no-vbe"


def _tampered_document(d):
    d["versions"][0]["documents"][0]["content_base64"] = "JVBERi0xLjcK"


def _html_as_a_frozen_pdf(d):
    body = b"<html><script>alert(1)</script></html>"
    d["versions"][0]["documents"][0].update(content_base64=base64.b64encode(body).decode(),
                                            sha256=hashlib.sha256(body).hexdigest())


def _two_adopted(d):
    d["versions"][1].update(status="adopted", decision=d["versions"][0]["decision"],
                            adopted_at=d["versions"][0]["adopted_at"])


def _dangling_based_on(d):
    d["versions"][1]["based_on"] = "1999"


@pytest.mark.parametrize("change, message", [
    (_two_drafts, "more than one version in work"),
    (_bad_status, "unknown status 'approved'"),
    (_adopted_without_decision, "needs its decision"),
    (_bad_content, "politiskt_ansvar: is longer than 200 characters"),
    (_unknown_field, "bakgrund › hemligt: unknown field"),
    (_unknown_template, "there is no plan template 'se-okand'"),
    (_version_on_another_template, "is not the plan's template"),
    (_tampered_document, "does not match its sha256"),
    (_html_as_a_frozen_pdf, "the content is not a PDF"),
    (_two_adopted, "more than one adopted version"),
    (_dangling_based_on, "'1999' is not an earlier version"),
])
def test_import_refuses_files_that_break_the_rules_and_changes_nothing(runner, exported, norrby, tmp_path,
                                                                       change, message):
    source = tmp_path / "plan.json"
    source.write_text(resealed(_edit(exported, change)), encoding="utf-8")
    before = counts()
    result = runner.invoke(args=["plans", "import", str(source), "--municipality", "Norrby kommun"])
    assert result.exit_code == 1
    assert "nothing was imported" in result.output and message in result.output, result.output
    assert counts() == before


@pytest.mark.parametrize("text, message", [
    ('{"format": "planbuilder.plan", "versions": [', "not valid JSON"),
    ("[1, 2, 3]", "not a Planbuilder plan export"),
    ('{"format": "planbuilder.plan", "format_version": 7}', "format version 7"),
])
def test_import_refuses_malformed_files(runner, norrby, tmp_path, text, message):
    source = tmp_path / "plan.json"
    source.write_text(text, encoding="utf-8")
    before = counts()
    result = runner.invoke(args=["plans", "import", str(source), "--municipality", "Norrby kommun"])
    assert result.exit_code == 1 and message in result.output, result.output
    assert counts() == before


def test_import_refuses_a_hand_edited_file_by_its_checksum(runner, exported, norrby, tmp_path):
    edited = copy.deepcopy(exported)
    edited["versions"][0]["content"]["ansvar"]["politiskt_ansvar"] = "Kommunstyrelsen (ändrad i efterhand)"
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(edited, ensure_ascii=False), encoding="utf-8")
    before = counts()
    result = runner.invoke(args=["plans", "import", str(source), "--municipality", "Norrby kommun"])
    assert result.exit_code == 1 and "changed after it was exported" in result.output
    assert counts() == before


def test_import_refuses_a_duplicate_plan_and_an_unknown_municipality(runner, exported, tmp_path):
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    before = counts()
    duplicate = runner.invoke(args=["plans", "import", str(source), "--municipality", "Ekdala kommun"])
    assert duplicate.exit_code == 1 and "Ekdala kommun already has a plan titled" in duplicate.output
    unknown = runner.invoke(args=["plans", "import", str(source), "--municipality", "Ingenstans"])
    assert unknown.exit_code == 1 and "no municipality 'Ingenstans'" in unknown.output
    assert counts() == before


def test_imported_people_are_matched_by_email_or_left_empty(exported, norrby):
    edited = _edit(exported, lambda d: d["versions"][0].update(adopted_by="someone@elsewhere.example"))
    plan = plan_export.import_plan(resealed(edited), norrby)
    adopted = plans.versions_of(plan)[0]
    assert adopted.adopted_by_id is None and adopted.created_by.email == "editor@demo.example"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.import"))
    assert event.detail["unknown_people"] == ["someone@elsewhere.example"]


def test_an_export_file_is_readable_by_its_owner_only(runner, seeded, tmp_path):
    """It holds the internal edition's frozen PDF."""
    target = tmp_path / "plan.json"
    target.write_text("an older file, readable by all", encoding="utf-8")
    target.chmod(0o644)
    result = runner.invoke(args=["plans", "export", str(revised_plan().id), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text(encoding="utf-8"))["format"] == "planbuilder.plan"
