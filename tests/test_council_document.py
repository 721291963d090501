"""A council document adopted without corrections: every shipped demo plan read as a council secretary reads it,
draft and adopted, internal and public, PDF (through pdftotext) and DOCX.

One test per demo plan renders its eight documents once and checks them together, so the slow part (the PDF
renderer) runs as few times as possible.
"""
from __future__ import annotations

import html
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import require_tool
from document_helpers import docx_text, pdftotext
from flask_babel import force_locale, format_date, gettext
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.models import FrozenDocument, Plan, User
from planbuilder.services.data.demo import DEMO_PLANS
from planbuilder.services.documents import rendering as documents
from planbuilder.services.plans import plans, versions, wizard

DECIDED_ON = date.today() - timedelta(days=10)
EDITIONS = ("internal", "public")
# A phone number printed twice in a row ("Polisen 114 14 114 14"): digits and spaces, then the same again.
NUMBER_TWICE = re.compile(r"(?<![\d-])(\d[\d ]{1,13}\d)[ ,–-]+\1(?![\d])")


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00ad", "")).strip()


def _notes(template) -> list[str]:
    found = [e.note for entries in template.catalogues.values() for e in entries if e.note]
    for section in template.sections:
        found += [f.note for field in section.fields for f in (field, *field.fields) if f.note]
    return found


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _keep_cover_image(body: bytes, name: str) -> None:
    """The cover as a PNG in test-artifacts/ (ignored by git), for a person to look at after a run."""
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", "-", str(ARTIFACTS / name)],
                   input=body, check=True, capture_output=True)


def _render_all(version) -> dict[tuple[str, str], str]:
    """(format, edition) -> the whole text, with the PDF's pages kept apart as pdftotext gives them."""
    texts = {}
    for edition in EDITIONS:
        body = documents.pdf_for_download(version, edition)
        _keep_cover_image(body, f"council-{version.template_id}-{version.status}-{edition}-cover")
        pages = pdftotext(body)
        texts[("pdf", edition)] = "\f".join(pages)
        texts[("docx", edition)] = docx_text(documents.document_for_download(version, edition, "docx"))
    return texts


def _adopt(version, template):
    editor = db.session.get(User, version.created_by_id)
    wizard.submit_for_review(template, version, editor)
    decision = {**{k: str(v) for k, v in versions.decision_defaults(template, version).items()},
                "decision_date": DECIDED_ON.isoformat(), "decision_paragraph": "§ 12"}
    decision.setdefault("case_number", "2026/77")
    decision.setdefault("decision_body", "Kommunfullmäktige")
    decision.pop("review_by", None)  # proposed from the decision date and the template's interval
    return versions.adopt(version, editor, decision, renderer=documents.remembered(documents.render_pdf))


@pytest.mark.parametrize("spec", DEMO_PLANS, ids=lambda spec: spec.template_id)
def test_every_demo_plan_prints_one_decision_no_editor_note_and_the_same_numbers(app, seeded, shared_renders,
                                                                                   spec):
    require_tool("pdftotext", "poppler-utils")
    plan = db.session.scalar(select(Plan).where(Plan.title == spec.title))
    template = plans.template_for(spec.template_id)
    version = plans.latest_version(plan)
    page = _normal(html.unescape(re.sub(r"<[^>]+>", " ", documents.standalone_html(version, "internal"))))
    numbered = [f"{template.section_number(s.id)} {s.title}" for s in template.numbered_sections]
    assert [heading for heading in numbered if heading not in page] == [], "the HTML lacks a section"
    draft = _render_all(version)
    adopted_version = _adopt(version, template)
    adopted = _render_all(adopted_version)
    notes = [_normal(note) for note in _notes(template)]
    assert notes, "every shipped template has notes for the editor"

    for (fmt, edition), text in [*draft.items(), *adopted.items()]:
        where = f"{spec.template_id} {fmt} {edition}"
        flat = _normal(text)
        for note in notes:
            assert note[:60] not in flat, f"{where}: an editor note is printed: {note[:60]}"
        twice = NUMBER_TWICE.search(flat)
        assert twice is None, f"{where}: a number is printed twice: {twice.group(0) if twice else ''}"

    with force_locale(template.language):
        decided = format_date(DECIDED_ON, "long")
        review_by = format_date(adopted_version.review_by, "long")
        draft_word = gettext("DRAFT")
    assert draft_word in draft[("pdf", "internal")] and draft_word in draft[("docx", "public")]
    assert not any(draft_word in text for text in adopted.values())
    cover, body = adopted[("pdf", "internal")].split("\f", 1)
    case_number = adopted_version.case_number
    # The cover says what a council looks for, from the one decision record ...
    for value in (adopted_version.decision_body, decided, "§ 12", case_number, review_by):
        assert value in _normal(cover), f"{spec.template_id}: the cover lacks {value}"
    # ... and the body, where it names the decision, says the same (never the draft's proposal).
    if template.decision.roles.get("case_number"):
        assert case_number in _normal(body)
    if template.decision.roles.get("decision_date"):
        assert decided in _normal(body)
    if template.decision.roles.get("review_by"):
        assert review_by in _normal(body)
    # The draft's cover shows what is proposed: the body that is to adopt it and the case number.
    draft_cover = _normal(draft[("pdf", "internal")].split("\f", 1)[0])
    proposed = versions.decision_defaults(template, version)
    for value in (proposed.get("decision_body"), proposed.get("case_number")):
        if value:
            assert value in draft_cover
    # The frozen documents are the ones read here, and every edition numbers every section alike.
    assert db.session.scalar(select(FrozenDocument).where(FrozenDocument.version_id == adopted_version.id))
    for text in [*draft.values(), *adopted.values()]:
        flat = _normal(text)
        assert [heading for heading in numbered if heading not in flat] == [], spec.template_id


def test_the_adopted_demo_plan_agrees_with_its_decision_and_cites_no_later_date(app, seeded):
    """Ekdala's 2025 plan: what its document details say is what the council decided, and no fact in it is
    dated after the decision (measures' deadlines are plans, not facts, and may lie ahead)."""
    plan = db.session.scalar(select(Plan).where(Plan.title.like("%2025–2026")))
    adopted = plans.versions_of(plan)[0]
    template = plans.template_for(adopted.template_id)
    details = adopted.content["dokument"]
    assert details["diarienummer"] == adopted.case_number
    assert template.decision_field("proposed_body").option_label(details["beslutsinstans"]) == adopted.decision_body
    facts = [adopted.content["lagesbild"]["uppdaterad"], *(row["received"] for row in details["remiss"])]
    assert all(date.fromisoformat(day) <= adopted.decision_date for day in facts), facts


def test_a_revision_prints_the_plans_revision_history(app, seeded, shared_renders):
    """The council sees each earlier decision and what every version changed, in the plan's language."""
    require_tool("pdftotext", "poppler-utils")
    plan = db.session.scalar(select(Plan).where(Plan.title.like("%2025–2026")))
    adopted, draft = plans.versions_of(plan)
    pages = [page for page in pdftotext(documents.pdf_for_download(draft, "internal")) if page.strip()]
    history = _normal(pages[-1])
    assert history.startswith("Revideringshistorik") or "Revideringshistorik Version Beslut Ändringar" in history
    assert "Kommunfullmäktige, 17 mars 2025 (KF § 42, KS 2025/118)" in history
    assert "Första antagna versionen." in history and "Inte antagen ännu" in history
    assert "Ändrade avsnitt: Bakgrund och inriktning" in history
    assert "Revideringshistorik" in _normal(pages[2])  # listed in the contents
    docx = docx_text(documents.document_for_download(draft, "internal", "docx"))
    assert "Revideringshistorik" in docx and "Första antagna versionen." in docx
