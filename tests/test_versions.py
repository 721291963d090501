"""Versions: labels, review-by dates, the lifecycle (submit, withdraw, adopt, supersede), frozen documents,
annual revision, history and comparison — through the routes as a user meets them, and through the services."""
from __future__ import annotations

import dataclasses
import hashlib
import io
import re
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from flask import url_for
from flask_babel import force_locale, gettext, ngettext
from pypdf import PdfReader
from sqlalchemy import func, select

from planbuilder.extensions import db
from planbuilder.models import AuditEvent, FrozenDocument, FrozenVersionError, Plan, PlanVersion, User
from planbuilder.services.documents import preparation
from planbuilder.services.documents import rendering as documents
from planbuilder.services.people import accounts
from planbuilder.services.plans import labels, plans, revisions, versions, wizard
from tests.conftest import html_text, page_text, sign_in_as
from tests.wizard_helpers import HTMX, demo_plan, post_section, section_url, working_version

DECIDED_ON = date.today() - timedelta(days=7)
DECISION = {"decision_body": "Kommunfullmäktige", "decision_date": DECIDED_ON.isoformat(),
            "decision_paragraph": "KF § 42", "case_number": "KS 2026/118"}


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audited(action: str) -> list[AuditEvent]:
    """In the order they were recorded (PostgreSQL returns rows in no set order without ORDER BY)."""
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def editor() -> User:
    return accounts.find_user("editor@demo.example")


def revised_plan() -> Plan:
    """The demo's second Ekdala plan: adopted version 2025 and a revision draft with changes."""
    return db.session.scalar(select(Plan).where(Plan.title.like("%2025–2026")))


def submit(client, plan):
    response = client.post(url_for("wizard.submit", plan_id=plan.id))
    assert response.status_code == 303
    return working_version(plan.id)


def adopt(client, version, **changes):
    return client.post(url_for("versions.adopt", version_id=version.id),
                       data={**DECISION, **changes, "step": "confirm"})


def adopted_demo_plan(client):
    plan = demo_plan()
    version = submit(client, plan)
    response = adopt(client, version)
    assert response.status_code == 303, page_text(response)[:800]
    db.session.expire_all()
    return plan, db.session.get(PlanVersion, version.id)


# --- labels and review-by dates ------------------------------------------------------------------------------

def test_labels_follow_the_plans_period_in_its_language(app):
    yearly, four_years = plans.template_for("se-vbe"), plans.template_for("no-vnr")
    november, spring = date(2026, 11, 20), date(2026, 4, 1)
    assert labels.first_label(yearly, november) == "2026"
    assert labels.next_label(yearly, ["2026"], november) == "2027"  # next year's plan, not "2026 rev. 2"
    assert labels.next_label(yearly, ["2024"], spring) == "2026"  # never a year gone by
    assert labels.next_label(yearly, ["Utkast"], spring) == "2026"
    assert labels.next_label(yearly, ["2026", "2027"], november) == "2028"
    assert labels.first_label(four_years, spring) == "2026–2029"
    assert labels.next_label(four_years, ["2026–2029"], november) == "2026–2029, revisjon 1"  # Norwegian plan
    assert labels.next_label(four_years, ["2026–2029", "2026–2029, revisjon 1"], november) == "2026–2029, revisjon 2"
    assert labels.next_label(four_years, ["2026–2029"], date(2030, 2, 1)) == "2030–2033"
    # A label an editor chose is never given twice.
    assert labels.next_label(four_years, ["2022–2025", "2026–2029"], date(2025, 12, 1)) == "2022–2025, revisjon 1"


def test_review_by_defaults_to_the_interval_and_respects_the_statutory_maximum(app):
    template = plans.template_for("se-vbe")
    assert versions.default_review_by(template, date(2026, 3, 17)) == date(2027, 3, 17)
    assert versions.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert versions.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    strict = dataclasses.replace(template, revision_interval_months=24, statutory_max_months=18)
    assert versions.default_review_by(strict, date(2026, 3, 17)) == date(2027, 9, 17)
    today = date(2026, 6, 1)
    _, problems = versions.parse_decision(strict, {**DECISION, "decision_date": "2026-03-17",
                                                   "review_by": "2027-12-01"}, today)
    assert "at most 18 months" in problems["review_by"] and "2027-09-17" in problems["review_by"]
    decision, problems = versions.parse_decision(strict, {**DECISION, "decision_date": "2026-03-17"}, today)
    assert not problems and decision.review_by == date(2027, 9, 17)
    _, problems = versions.parse_decision(template, {**DECISION, "decision_date": "2026-03-17",
                                                     "review_by": "2026-03-01"}, today)
    assert problems == {"review_by": "The review-by date must be after the decision date."}


def test_review_status_for_the_dashboard(editor_client, fake_pdfs):
    plan = revised_plan()  # adopted 2025-03-17, review by 2026-03-17
    assert versions.review_status(plan, date(2026, 1, 1)) == ("ok", date(2026, 3, 17))
    assert versions.review_status(plan, date(2026, 1, 16)) == ("due_soon", date(2026, 3, 17))
    assert versions.review_status(plan, date(2026, 3, 17)) == ("due_soon", date(2026, 3, 17))
    assert versions.review_status(plan, date(2026, 3, 18)) == ("overdue", date(2026, 3, 17))
    assert versions.review_status(demo_plan()) == (None, None)  # never adopted


# --- the lifecycle --------------------------------------------------------------------------------------------

def test_withdraw_returns_a_version_in_review_to_draft(editor_client):
    plan = demo_plan()
    version = submit(editor_client, plan)
    assert version.status == "in_review" and version.submitted_at is not None
    page = page_text(editor_client.get(url_for("wizard.overview", plan_id=plan.id)))
    assert "Editing is closed until the version is withdrawn or adopted." in page
    response = editor_client.post(url_for("versions.withdraw", version_id=version.id))
    assert response.status_code == 303 and response.headers["Location"] == url_for("wizard.overview",
                                                                                    plan_id=plan.id)
    version = working_version(plan.id)
    assert version.status == "draft" and version.submitted_at is None
    assert audited("version.withdraw")[0].object_id == version.id
    saved = post_section(editor_client, plan.id, "ansvar", {"samordnare": "Trygghetssamordnare"})
    assert saved.status_code == 303 and working_version(plan.id).content["ansvar"]["samordnare"] == "Trygghetssamordnare"


def test_only_a_version_in_review_can_be_withdrawn(editor_client):
    version = working_version(demo_plan().id)
    response = editor_client.post(url_for("versions.withdraw", version_id=version.id), follow_redirects=True)
    assert "Only a version in review can be withdrawn; this one is draft." in page_text(response)
    assert working_version(version.plan_id).status == "draft" and not audited("version.withdraw")


def test_adoption_records_the_decision_and_freezes_both_editions(editor_client, fake_pdfs):
    plan, version = adopted_demo_plan(editor_client)
    assert version.status == "adopted"
    assert (version.decision_body, version.decision_date, version.decision_paragraph, version.case_number) == (
        "Kommunfullmäktige", DECIDED_ON, "KF § 42", "KS 2026/118")
    assert version.adopted_by_id == editor().id and version.adopted_at is not None
    assert version.review_by == versions.add_months(DECIDED_ON, 12)
    # Rendered once per edition, as an adopted version (no draft marking), and stored with their hashes.
    assert fake_pdfs == [(version.id, "internal", "adopted"), (version.id, "public", "adopted")]
    frozen = db.session.scalars(select(FrozenDocument).where(FrozenDocument.version_id == version.id)).all()
    assert {f.edition for f in frozen} == {"internal", "public"}
    assert all(f.sha256 == hashlib.sha256(f.content).hexdigest() for f in frozen)
    event = audited("version.adopt")[-1]
    assert event.object_id == version.id
    frozen_event = audited("version.freeze")[-1]
    assert frozen_event.object_id == version.id
    assert frozen_event.detail["sha256"] == {f.edition: f.sha256 for f in frozen}
    page = page_text(editor_client.get(url_for("versions.show", version_id=version.id)))
    assert all(f.sha256 in page for f in frozen)
    assert "Kommunfullmäktige" in page and "Start revision" in page
    # The template by its title, as people know it, not by its id.
    assert f"Template {plans.template_for('se-vbe').title}, revision" in page and "se-vbe" not in page


def test_adopting_supersedes_the_previously_adopted_version(editor_client, fake_pdfs):
    plan = revised_plan()
    first, draft = plans.versions_of(plan)
    template = plans.template_for("se-vbe")
    for section in wizard.sections_to_review(template, draft):
        editor_client.post(url_for("wizard.confirm_section", plan_id=plan.id, section_id=section.id))
    draft = submit(editor_client, plan)
    assert draft.status == "in_review"
    # A revision checks its support-line numbers again before the council adopts it.
    assert adopt(editor_client, draft).status_code == 422
    assert "cannot be adopted until every number marked to verify is checked" in page_text(adopt(editor_client,
                                                                                                  draft))
    editor_client.post(url_for("versions.withdraw", version_id=draft.id))
    lines = [dict(row, _verified=True) for row in draft.content["anhoriga"]["stodlinjer"]]
    wizard.save_section(template, draft, template.section("anhoriga"), {"stodlinjer": lines}, draft.lock_version,
                        editor())
    draft = submit(editor_client, plan)
    assert adopt(editor_client, draft).status_code == 303
    db.session.expire_all()
    assert [(v.label, v.status) for v in plans.versions_of(plan)] == [("2025", "superseded"),
                                                                     (draft.label, "adopted")]
    assert audited("version.supersede")[-1].object_id == first.id
    assert versions.review_status(plan)[0] == "ok"
    # The superseded version keeps its decision and its frozen documents.
    assert first.decision_body == "Kommunfullmäktige" and versions.frozen_hashes([first])[first.id]


def test_adoption_without_the_decision_fields_names_each_and_changes_nothing(editor_client, fake_pdfs):
    version = submit(editor_client, demo_plan())
    response = editor_client.post(url_for("versions.adopt", version_id=version.id),
                                  data={"decision_body": "Kommunstyrelsen", "decision_date": "",
                                        "decision_paragraph": "", "case_number": "", "review_by": ""})
    assert response.status_code == 422
    html, text = response.get_data(as_text=True), page_text(response)
    assert "There is a problem" in text
    assert "Enter the date of the decision." in text
    assert "Enter the paragraph of the minutes that records the decision." in text
    assert "Enter the case number the decision was made under." in text
    for name in ("decision_date", "decision_paragraph", "case_number"):
        assert f'id="{name}-error"' in html
    assert 'value="Kommunstyrelsen"' in html  # what was typed is kept
    assert working_version(version.plan_id).status == "in_review"
    assert count(FrozenDocument, FrozenDocument.version_id == version.id) == 0 and not fake_pdfs


@pytest.mark.parametrize("changes, field, message", [
    ({"decision_body": ""}, "decision_body", "Enter the body that adopted the plan"),
    ({"decision_date": "17/03/2026"}, "decision_date", "Enter the date as year-month-day"),
    ({"decision_date": (date.today() + timedelta(days=3)).isoformat()}, "decision_date", "cannot be in the future"),
    ({"review_by": (DECIDED_ON - timedelta(days=1)).isoformat()}, "review_by", "must be after the decision date"),
    ({"decision_body": "x" * 201}, "decision_body", "at most 200 characters"),
    ({"case_number": "x" * 101}, "case_number", "at most 100 characters"),
])
def test_wrong_decision_details_are_refused_next_to_the_field(editor_client, fake_pdfs, changes, field, message):
    version = submit(editor_client, demo_plan())
    response = adopt(editor_client, version, **changes)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True).split(f'id="{field}-error"')[1].split("</p>")[0]
    assert working_version(version.plan_id).status == "in_review" and not fake_pdfs


def test_a_wrong_date_is_refused_next_to_it_and_everything_typed_is_kept(editor_client, fake_pdfs):
    """DecisionForm: the message in the date's error slot, with the "Error:" prefix; every input kept as typed."""
    version = submit(editor_client, demo_plan())
    page = editor_client.get(url_for("versions.show", version_id=version.id)).get_data(as_text=True)
    # The form starts from the plan's own document details: the proposed body and the case number.
    assert 'value="Kommunfullmäktige"' in page and 'value="KS 2026/0142"' in page
    review_by = (DECIDED_ON + timedelta(days=300)).isoformat()
    response = adopt(editor_client, version, decision_date="17/03/2026", review_by=review_by)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    slot = html.split('id="decision_date-error"')[1].split("</p>")[0]
    assert "Error:" in slot and "Enter the date as year-month-day, for example 2027-03-15." in slot
    assert 'href="#decision_date"' in html
    for typed in ("17/03/2026", review_by, "Kommunfullmäktige", "KF § 42", "KS 2026/118"):
        assert f'value="{typed}"' in html, typed
    assert working_version(version.plan_id).status == "in_review" and not fake_pdfs


def test_parse_decision_reads_a_dict_through_the_form(app):
    """Scripts and the demo pass a dict of texts: parsed and checked as the form's input is."""
    template, today = plans.template_for("se-vbe"), date(2026, 6, 1)
    decision, problems = versions.parse_decision(template, {"decision_body": "  KF ", "decision_date": " 2026-03-17 ",
                                                            "decision_paragraph": "§ 42", "case_number": " 7 ",
                                                            "review_by": ""}, today)
    assert not problems
    assert (decision.body, decision.decided_on, decision.paragraph, decision.case_number) == (
        "KF", date(2026, 3, 17), "§ 42", "7")
    assert decision.review_by == date(2027, 3, 17)
    _, problems = versions.parse_decision(template, {}, today)
    assert problems == {"decision_body": "Enter the body that adopted the plan, for example the municipal council.",
                        "decision_date": "Enter the date of the decision.",
                        "decision_paragraph": "Enter the paragraph of the minutes that records the decision.",
                        "case_number": "Enter the case number the decision was made under."}
    _, problems = versions.parse_decision(template, {**DECISION, "decision_date": "2026-02-30",
                                                     "review_by": "soon"}, today)
    assert problems == {"decision_date": "Enter the date as year-month-day, for example 2027-03-15.",
                        "review_by": "Enter the date as year-month-day, for example 2027-03-15."}


def test_a_version_with_missing_answers_cannot_be_adopted(editor_client, fake_pdfs):
    plan = plans.create_plan(demo_plan().municipality, "se-vbe", "Ofullständig plan", editor())
    version = plans.latest_version(plan)
    version.status = "in_review"  # e.g. the template gained a required field after submission
    db.session.commit()
    page = page_text(editor_client.get(url_for("versions.show", version_id=version.id)))
    assert "answers are still missing" in page and "Record the adoption" not in page
    response = adopt(editor_client, version)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This version cannot be adopted: some required answers are missing." in page_text(response)
    assert url_for("wizard.section", plan_id=plan.id, section_id="bakgrund", _anchor="definition") in html
    assert working_version(plan.id).status == "in_review" and not fake_pdfs


def test_only_a_version_in_review_can_be_adopted(editor_client, fake_pdfs):
    version = working_version(demo_plan().id)
    response = adopt(editor_client, version)
    assert response.status_code == 303
    assert "Only a version in review can be adopted; this one is draft." in page_text(
        editor_client.get(response.headers["Location"]))
    plan = revised_plan()
    adopted = plans.versions_of(plan)[0]
    adopt(editor_client, adopted, decision_body="Kommunstyrelsen")
    db.session.expire_all()
    assert adopted.decision_body == "Kommunfullmäktige" and not fake_pdfs


def test_a_failed_freeze_keeps_the_adoption_says_so_and_is_tried_again(editor_client, app, monkeypatch):
    from planbuilder.services.jobs import runner

    version = submit(editor_client, demo_plan())
    working = documents.render_pdf

    def broken(version, edition):
        if edition == "public":
            raise RuntimeError("font missing")
        return b"%PDF-internal"

    monkeypatch.setattr(documents, "render_pdf", broken)
    response = adopt(editor_client, version)
    assert response.status_code == 303  # the decision is recorded; the documents follow
    stored = db.session.get(PlanVersion, version.id)
    assert stored.status == "adopted" and stored.decision_body == "Kommunfullmäktige"
    assert not preparation.frozen_hashes(stored)  # nothing half-frozen: neither edition is there
    page = page_text(editor_client.get(url_for("versions.show", version_id=version.id)))
    assert "freezing its PDF documents has failed so far. It is tried again automatically" in page
    waiting = editor_client.get(url_for("documents.pdf", version_id=version.id, edition="public"))
    assert waiting.status_code == 500 and "Could not make the PDF document" in page_text(waiting)

    monkeypatch.setattr(documents, "render_pdf", working)
    app.config["JOB_RESUBMIT_SECONDS"] = 0  # the pause before a failed freeze is tried again has passed
    runner.sweep()
    assert set(preparation.frozen_hashes(db.session.get(PlanVersion, version.id))) == {"internal", "public"}
    assert editor_client.get(url_for("documents.pdf", version_id=version.id)).data.startswith(b"%PDF-")


def test_reviewers_cannot_change_the_lifecycle(client, seeded, fake_pdfs):
    plan = revised_plan()
    adopted, draft = plans.versions_of(plan)
    sign_in_as(client, "reviewer@demo.example")
    assert client.post(url_for("versions.withdraw", version_id=draft.id)).status_code == 403
    assert client.post(url_for("versions.adopt", version_id=draft.id), data=DECISION).status_code == 403
    assert client.post(url_for("versions.start_revision", plan_id=plan.id)).status_code == 403
    assert client.post(url_for("wizard.confirm_section", plan_id=plan.id, section_id="dokument")).status_code == 403
    page = page_text(client.get(url_for("versions.show", version_id=adopted.id)))
    assert "Start revision" not in page and adopted.case_number in page
    assert client.get(url_for("versions.history", plan_id=plan.id)).status_code == 200


# --- immutability ---------------------------------------------------------------------------------------------

def test_an_adopted_version_cannot_be_changed_through_any_wizard_route(editor_client, fake_pdfs):
    plan, version = adopted_demo_plan(editor_client)
    before = dict(version.content)
    response = post_section(editor_client, plan.id, "ansvar", {"samordnare": "Ändrad"})
    assert response.status_code == 409  # without JavaScript: the page, with what was typed handed back to copy
    said = page_text(response)
    assert "This version can no longer be changed (status: Adopted)." in said
    assert "What you typed is not saved. Copy it from here if you need it:" in said and "Ändrad" in said
    autosave = post_section(editor_client, plan.id, "ansvar", {"samordnare": "Ändrad"}, headers=HTMX,
                            _autosave="samordnare")
    assert autosave.status_code == 409 and "can no longer be changed" in autosave.get_data(as_text=True)
    row = post_section(editor_client, plan.id, "samverkan", {}, _action="add:aktorer")
    assert row.status_code == 409
    confirm = editor_client.post(url_for("wizard.confirm_section", plan_id=plan.id, section_id="ansvar"))
    assert confirm.status_code == 303
    submit_again = editor_client.post(url_for("wizard.submit", plan_id=plan.id), follow_redirects=True)
    assert "not a draft" in page_text(submit_again)
    db.session.expire_all()
    stored = db.session.get(PlanVersion, version.id)
    assert stored.content == before and stored.status == "adopted"
    html = editor_client.get(section_url(plan.id, "ansvar")).get_data(as_text=True)
    assert "This version is adopted and cannot be changed." in page_text(editor_client.get(section_url(plan.id, "ansvar")))
    assert "hx-post" not in html


def test_an_adopted_version_cannot_be_changed_through_the_services(editor_client, fake_pdfs):
    plan, version = adopted_demo_plan(editor_client)
    template = plans.template_for("se-vbe")
    with pytest.raises(wizard.NotEditable):
        wizard.save_section(template, version, template.section("ansvar"), {"samordnare": "X"},
                            version.lock_version, editor())
    with pytest.raises(versions.VersionError):
        versions.withdraw(version, editor())
    version.content = {**version.content, "ansvar": {"samordnare": "X"}}
    with pytest.raises(FrozenVersionError):
        db.session.commit()
    db.session.rollback()
    version.case_number = "Ändrad"
    with pytest.raises(FrozenVersionError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(PlanVersion, version.id).case_number == "KS 2026/118"


def test_frozen_pdfs_stay_byte_identical_after_the_template_and_renderer_change(editor_client, app, monkeypatch):
    """The seed adopted the second plan's version 2025 with real renders; change what decides the layout."""
    adopted = plans.versions_of(revised_plan())[0]
    frozen = {f.edition: f for f in db.session.scalars(
        select(FrozenDocument).where(FrozenDocument.version_id == adopted.id))}
    first = editor_client.get(url_for("documents.pdf", version_id=adopted.id, edition="internal")).data
    assert first == frozen["internal"].content and first.startswith(b"%PDF")
    assert "Kommunfullmäktige" in PdfReader(io.BytesIO(first)).pages[0].extract_text()

    template = app.extensions["plan_templates"]["se-vbe"]
    monkeypatch.setitem(app.extensions["plan_templates"], "se-vbe",
                        dataclasses.replace(template, title="Ny mall", revision=template.revision + 1))
    monkeypatch.setattr(documents, "RENDERER_REVISION", documents.RENDERER_REVISION + 1)

    def must_not_render(version, edition):
        raise AssertionError("an adopted version's PDF must never be rendered again")

    monkeypatch.setattr(documents, "render_pdf", must_not_render)
    for edition in ("internal", "public"):
        again = editor_client.get(url_for("documents.pdf", version_id=adopted.id, edition=edition)).data
        assert again == frozen[edition].content
        assert hashlib.sha256(again).hexdigest() == frozen[edition].sha256
    assert frozen["public"].sha256 in page_text(editor_client.get(url_for("versions.show", version_id=adopted.id)))


# --- annual revision ------------------------------------------------------------------------------------------

def without_checked_ticks(content: dict) -> dict:
    """The content with the editor's "I have checked this number" ticks taken out of every row."""
    return {section_id: {field_id: [{k: v for k, v in row.items() if k != "_verified"} for row in value]
                         if isinstance(value, list) and value and isinstance(value[0], dict) else value
                         for field_id, value in values.items()} for section_id, values in content.items()}


def test_start_revision_copies_the_adopted_version_and_asks_to_review_each_section(editor_client, fake_pdfs):
    plan, adopted = adopted_demo_plan(editor_client)
    overview = page_text(editor_client.get(url_for("wizard.overview", plan_id=plan.id)))
    assert "Start revision" in overview
    response = editor_client.post(url_for("versions.start_revision", plan_id=plan.id))
    assert response.status_code == 303 and response.headers["Location"] == url_for("wizard.overview",
                                                                                    plan_id=plan.id)
    draft = working_version(plan.id)
    template = plans.template_for("se-vbe")
    assert (draft.status, draft.based_on_id, draft.label) == ("draft", adopted.id, str(date.today().year + 1))
    assert (draft.template_id, draft.template_revision) == (template.id, template.revision)
    # Copied as adopted, but for the support lines' "checked" ticks: a revision checks its numbers again.
    assert draft.content == without_checked_ticks(adopted.content) != adopted.content
    assert audited("version.revision_start")[-1].detail["based_on"] == adopted.id
    text = page_text(editor_client.get(url_for("wizard.overview", plan_id=plan.id)))
    assert text.count("To review") == len(template.sections)
    assert "This is a revision of version" in text

    # Confirming a section as still valid, and changing another.
    section_page = editor_client.get(section_url(plan.id, "ansvar")).get_data(as_text=True)
    assert url_for("wizard.confirm_section", plan_id=plan.id, section_id="ansvar") in section_page
    confirmed = editor_client.post(url_for("wizard.confirm_section", plan_id=plan.id, section_id="ansvar"))
    assert confirmed.status_code == 303
    post_section(editor_client, plan.id, "bakgrund", {"syfte": "Ett nytt syfte för året."})
    draft = working_version(plan.id)
    assert draft.section_state["ansvar"]["review"] == "confirmed"
    assert draft.section_state["bakgrund"]["review"] == "changed"
    assert wizard.section_status(template, draft, template.section("ansvar")) == "completed"
    assert wizard.section_status(template, draft, template.section("samverkan")) == "to_review"
    assert audited("section.confirm")[-1].detail["section"] == "ansvar"
    # The adopted version is untouched by the draft's changes.
    db.session.expire_all()
    assert db.session.get(PlanVersion, adopted.id).content["bakgrund"]["syfte"] != "Ett nytt syfte för året."

    # It cannot be submitted while sections are still to review.
    refused = editor_client.post(url_for("wizard.submit", plan_id=plan.id), follow_redirects=True)
    assert "still to review" in page_text(refused) and working_version(plan.id).status == "draft"
    for section in wizard.sections_to_review(template, working_version(plan.id)):
        editor_client.post(url_for("wizard.confirm_section", plan_id=plan.id, section_id=section.id))
    assert submit(editor_client, plan).status == "in_review"


def test_measures_carry_their_follow_up_status_into_the_revision(editor_client, fake_pdfs):
    plan = revised_plan()
    adopted, draft = plans.versions_of(plan)
    status_before = {r["_id"]: r.get("status") for r in adopted.content["uppfoljning"]["atgarder"]}
    status_now = {r["_id"]: r.get("status") for r in draft.content["uppfoljning"]["atgarder"]}
    assert {"done", "ongoing", "not_started"} <= set(status_now.values())
    changed = {row_id for row_id in status_now if status_now[row_id] != status_before[row_id]}
    assert len(changed) == 1  # the demo marked one measure done; the others kept their status
    assert set(status_before) - set(status_now)  # and removed the dropped one


def test_a_second_working_version_is_refused(editor_client, fake_pdfs):
    plan = revised_plan()
    before = count(PlanVersion, PlanVersion.plan_id == plan.id)
    response = editor_client.post(url_for("versions.start_revision", plan_id=plan.id), follow_redirects=True)
    assert "This plan already has a version in work (2026, draft)." in page_text(response)
    assert count(PlanVersion, PlanVersion.plan_id == plan.id) == before
    with pytest.raises(versions.VersionError, match="no adopted version yet"):
        revisions.start_revision(plans.create_plan(demo_plan().municipality, "se-vbe", "Ny plan", editor()),
                                editor())


def test_a_revision_on_a_new_template_revision_keeps_what_fits_and_notes_the_rest(editor_client, app, fake_pdfs,
                                                                                   monkeypatch):
    plan, adopted = adopted_demo_plan(editor_client)
    old = plans.template_for("se-vbe")
    ansvar = old.section("ansvar")
    bakgrund = old.section("bakgrund")
    new_bakgrund = dataclasses.replace(bakgrund, fields=tuple(
        dataclasses.replace(f, max_length=50) if f.id == "syfte" else
        dataclasses.replace(f, options=f.options[:1]) if f.id == "relevanta_miljoer" else f
        for f in bakgrund.fields))
    new_ansvar = dataclasses.replace(ansvar, fields=tuple(f for f in ansvar.fields if f.id != "omvarldsbevakning"))
    newer = dataclasses.replace(old, revision=old.revision + 1, sections=tuple(
        new_bakgrund if s.id == "bakgrund" else new_ansvar if s.id == "ansvar" else s for s in old.sections))
    monkeypatch.setitem(app.extensions["plan_templates"], "se-vbe", newer)

    editor_client.post(url_for("versions.start_revision", plan_id=plan.id))
    draft = working_version(plan.id)
    assert draft.template_revision == old.revision + 1
    assert "omvarldsbevakning" not in draft.content["ansvar"] and "syfte" not in draft.content["bakgrund"]
    assert "relevanta_miljoer" not in draft.content["bakgrund"]  # an option it held is gone
    assert draft.content["samverkan"] == adopted.content["samverkan"]  # what fits is kept as it was
    notes = revisions.dropped_notes(draft)
    assert any("no longer part of the template" in n for n in notes["ansvar"])
    assert any("Planens syfte" in n and "longer than 50" in n for n in notes["bakgrund"])
    overview = page_text(editor_client.get(url_for("wizard.overview", plan_id=plan.id)))
    assert "no longer fit it and were not copied" in overview and "omvarldsbevakning" in overview
    assert "Planens syfte" in page_text(editor_client.get(section_url(plan.id, "bakgrund")))
    comparison = versions.comparison(adopted, draft)
    removed = {c.id for s in comparison.sections for c in s.changes if c.kind == "removed"}
    assert {"omvarldsbevakning", "syfte", "relevanta_miljoer"} <= removed


# --- history and comparing ------------------------------------------------------------------------------------

def test_history_lists_every_version_with_its_dates_and_links(editor_client):
    plan = revised_plan()
    adopted, draft = plans.versions_of(plan)
    overview = editor_client.get(url_for("wizard.overview", plan_id=plan.id)).get_data(as_text=True)
    assert url_for("versions.history", plan_id=plan.id) in overview
    response = editor_client.get(url_for("versions.history", plan_id=plan.id))
    html, text = response.get_data(as_text=True), page_text(response)
    assert text.index("Version 2026") < text.index("Version 2025")  # newest first
    assert "Kommunfullmäktige" in text and "KF § 42, KS 2025/118" in text and "Review by" in text
    assert "Demo editor" in text and "Adoption recorded" in text
    assert "The adopted plan was due for review on" in text  # review-by 2026-03-17 has passed
    for sha256 in versions.frozen_hashes([adopted])[adopted.id].values():
        assert sha256 in text
    assert url_for("versions.compare", a=adopted.id, b=draft.id) in html
    assert url_for("documents.pdf", version_id=adopted.id, edition="public") in html
    assert url_for("versions.show", version_id=draft.id) in html


def test_the_comparison_page_has_a_summary_word_changes_and_collapsed_sections(editor_client):
    adopted, draft = plans.versions_of(revised_plan())
    response = editor_client.get(url_for("versions.compare", a=adopted.id, b=draft.id))
    html, text = response.get_data(as_text=True), page_text(response)
    assert ("5 sections changed · 1 aktör added · 1 aktör changed · 1 åtgärd removed · 1 åtgärd changed" in text)
    assert "<ins><span class=\"visually-hidden\">added: </span>och aktuell " in html
    assert "Ekdala församling" in text and "Månadsvis → Varannan vecka" in text.replace("before: ", "").replace(
        "now: ", "")
    assert "Pågår → Genomförd" in text.replace("before: ", "").replace("now: ", "")
    expand = url_for("versions.compare", a=adopted.id, b=draft.id, expand="ansvar")
    assert f'href="{expand}#compare-section-ansvar"' in html.replace("&amp;", "&")
    assert f'hx-get="{expand}"' in html.replace("&amp;", "&")
    assert "Kommunledningsförvaltningen" not in text  # an unchanged section is collapsed


def test_an_unchanged_section_expands_with_and_without_htmx(editor_client):
    adopted, draft = plans.versions_of(revised_plan())
    url = url_for("versions.compare", a=adopted.id, b=draft.id, expand="ansvar")
    plain = editor_client.get(url)
    assert plain.status_code == 200 and "<html" in plain.get_data(as_text=True)
    assert "Kommunledningsförvaltningen" in page_text(plain)
    fragment = editor_client.get(url, headers=HTMX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<section class="compare-section') and 'id="compare-section-ansvar"' in body
    assert "Kommunledningsförvaltningen" in body and "HX-Request" in fragment.headers["Vary"]
    assert editor_client.get(url_for("versions.compare", a=adopted.id, b=draft.id, expand="nope")).status_code == 404


def test_versions_of_two_different_plans_cannot_be_compared(editor_client):
    adopted = plans.versions_of(revised_plan())[0]
    other = working_version(demo_plan().id)
    for url in (url_for("versions.compare", a=adopted.id, b=other.id),
                url_for("versions.changes_pdf", a=adopted.id, b=other.id)):
        response = editor_client.get(url)
        assert response.status_code == 404
        assert "Only two different versions of the same plan can be compared." in page_text(response)
    chosen = editor_client.get(url_for("versions.choose_comparison", plan_id=adopted.plan_id, a=adopted.id,
                                       b=other.id), follow_redirects=True)
    assert "Choose two versions of this plan to compare." in page_text(chosen)


def test_a_version_is_not_compared_with_itself_and_a_reversed_pair_is_turned_round(editor_client):
    older, newer = plans.versions_of(revised_plan())[:2]
    same = editor_client.get(url_for("versions.choose_comparison", plan_id=older.plan_id, a=older.id, b=older.id),
                             follow_redirects=True)
    assert "Choose two different versions" in page_text(same)
    assert editor_client.get(url_for("versions.compare", a=older.id, b=older.id)).status_code == 404
    chosen = editor_client.get(url_for("versions.choose_comparison", plan_id=older.plan_id, a=newer.id, b=older.id))
    assert chosen.headers["Location"].endswith(url_for("versions.compare", a=older.id, b=newer.id))
    reversed_pair = editor_client.get(url_for("versions.compare", a=newer.id, b=older.id, edition="public"))
    assert reversed_pair.status_code == 303
    assert reversed_pair.headers["Location"].endswith(
        url_for("versions.compare", a=older.id, b=newer.id, edition="public"))
    shown = editor_client.get(reversed_pair.headers["Location"])
    assert "Shown from the older version to the newer one" in page_text(shown)
    # The council's changes annex follows the same rule.
    assert editor_client.get(url_for("versions.changes_pdf", a=older.id, b=older.id)).status_code == 404
    annex = editor_client.get(url_for("versions.changes_pdf", a=newer.id, b=older.id, edition="public"))
    assert annex.status_code == 303 and annex.headers["Location"].endswith(
        url_for("versions.changes_pdf", a=older.id, b=newer.id, edition="public"))


def test_the_compare_form_leads_to_the_comparison(editor_client):
    adopted, draft = plans.versions_of(revised_plan())
    response = editor_client.get(url_for("versions.choose_comparison", plan_id=adopted.plan_id, a=draft.id,
                                         b=adopted.id))
    assert response.status_code == 303  # older first, whichever way round they were chosen
    assert response.headers["Location"] == url_for("versions.compare", a=adopted.id, b=draft.id)


def test_other_municipalities_see_nothing(client, seeded):
    adopted, draft = plans.versions_of(revised_plan())
    elsewhere = accounts.create_municipality("Norrby kommun", "SE")
    accounts.create_user("editor@norrby.example", "Nora", "long-enough-pw", elsewhere, "editor")
    sign_in_as(client, "editor@norrby.example", "long-enough-pw")
    for url in (url_for("versions.show", version_id=adopted.id), url_for("versions.history", plan_id=adopted.plan_id),
                url_for("versions.compare", a=adopted.id, b=draft.id),
                url_for("versions.changes_pdf", a=adopted.id, b=draft.id)):
        assert client.get(url).status_code == 404
    assert client.post(url_for("versions.start_revision", plan_id=adopted.plan_id)).status_code == 404


def test_user_text_in_a_comparison_is_shown_as_text(editor_client):
    plan = revised_plan()
    adopted, draft = plans.versions_of(plan)
    post_section(editor_client, plan.id, "ansvar", {"samordnare": "<script>alert(1)</script> & <b>fet</b>"})
    html = editor_client.get(url_for("versions.compare", a=adopted.id, b=draft.id)).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<b>fet</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_public_comparison_leaves_out_the_sensitive_situational_picture(editor_client):
    adopted, draft = plans.versions_of(revised_plan())
    internal = page_text(editor_client.get(url_for("versions.compare", a=adopted.id, b=draft.id)))
    public = page_text(editor_client.get(url_for("versions.compare", a=adopted.id, b=draft.id, edition="public")))
    assert "Lokal lägesbild" in internal and "Lokal lägesbild" not in public
    assert "4 sections changed" in public
    assert editor_client.get(url_for("versions.compare", a=adopted.id, b=draft.id, edition="x")).status_code == 400


def test_the_changes_annex_is_a_pdf_the_council_can_read(editor_client):
    adopted, draft = plans.versions_of(revised_plan())
    response = editor_client.get(url_for("versions.changes_pdf", a=adopted.id, b=draft.id))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="handlingsplan-mot-valdsbejakande-extremism-')
    assert disposition.endswith('-2026-andringar-sedan-version-2025-intern-utgava.pdf"')
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    with force_locale("sv"):  # the annex speaks the plan's language, like the plan document
        heading = gettext("Changes since version %(label)s", label="2025")
        summary = ngettext("%(num)s section changed", "%(num)s sections changed", 5)
    assert heading in text and summary in text
    assert "aktuell" in text and "Ekdala församling" in text


def test_cli_diff_as_text_html_and_pdf(runner, seeded, tmp_path):
    adopted, draft = plans.versions_of(revised_plan())
    text = runner.invoke(args=["plans", "diff", str(adopted.id), str(draft.id)])
    assert text.exit_code == 0, text.output
    # In the plan's language, the revision work told apart: changed, confirmed still valid (by whom), not reviewed.
    assert "ändringar från version 2025 till version 2026" in text.output and "changes" not in text.output
    assert "5 avsnitt ändrade" in text.output and "{+och aktuell +}" in text.output
    assert re.search(r": inga ändringar, bekräftat som fortfarande giltigt av Demo editor, \d", text.output)
    english = runner.invoke(args=["plans", "diff", str(adopted.id), str(draft.id), "--language", "en"])
    assert "changes from version 2025 to version 2026" in english.output and "5 sections changed" in english.output
    assert ": no changes, confirmed still valid by Demo editor" in english.output
    unknown = runner.invoke(args=["plans", "diff", str(adopted.id), str(draft.id), "--language", "xx"])
    assert unknown.exit_code == 1 and "there is no language 'xx'" in unknown.output
    html_file = tmp_path / "changes.html"
    html = runner.invoke(args=["plans", "diff", str(adopted.id), str(draft.id), "--format", "html",
                               "-o", str(html_file)])
    assert html.exit_code == 0 and "<ins>" in html_file.read_text(encoding="utf-8")
    pdf_file = tmp_path / "changes.pdf"
    pdf = runner.invoke(args=["plans", "diff", str(adopted.id), str(draft.id), "--format", "pdf", "--edition",
                              "public", "-o", str(pdf_file)])
    assert pdf.exit_code == 0 and pdf_file.read_bytes().startswith(b"%PDF")
    assert "Lokal lägesbild" not in PdfReader(str(pdf_file)).pages[0].extract_text()
    other = working_version(demo_plan().id)
    refused = runner.invoke(args=["plans", "diff", str(adopted.id), str(other.id)])
    assert refused.exit_code == 1 and "belong to different plans" in refused.output
    assert runner.invoke(args=["plans", "diff", str(adopted.id), "99999"]).exit_code == 1
    needs_file = runner.invoke(args=["plans", "diff", str(adopted.id), str(draft.id), "--format", "pdf"])
    assert needs_file.exit_code == 1 and "-o FILE" in needs_file.output


def test_a_null_byte_in_the_decision_is_refused_next_to_the_field(editor_client, fake_pdfs):
    """PostgreSQL cannot store it: a message next to the field, what was typed kept, nothing frozen."""
    version = submit(editor_client, demo_plan())
    response = editor_client.post(url_for("versions.adopt", version_id=version.id),
                                  data={**DECISION, "decision_body": "Kommun\x00fullmäktige"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="decision_body-error"' in html and "cannot be stored (a null byte)" in page_text(response)
    assert 'value="KF § 42"' in html
    assert working_version(version.plan_id).status == "in_review" and not fake_pdfs


def test_with_the_disk_full_adoption_says_nothing_could_be_stored_and_changes_nothing(editor_client, fake_pdfs,
                                                                                       monkeypatch):
    from sqlalchemy.exc import OperationalError

    version = submit(editor_client, demo_plan())

    def refused(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    monkeypatch.setattr(db.session, "commit", refused)
    response = adopt(editor_client, version)
    monkeypatch.undo()
    assert response.status_code == 507
    assert "the server's storage is full. Nothing was changed" in page_text(response)
    assert 'value="KF § 42"' in response.get_data(as_text=True)  # kept, to send again
    assert working_version(version.plan_id).status == "in_review"
    assert count(FrozenDocument, FrozenDocument.version_id == version.id) == 0


def test_the_task_list_of_a_version_past_drafting_shows_its_status_not_section_progress(editor_client, fake_pdfs):
    plan, version = adopted_demo_plan(editor_client)
    text = page_text(editor_client.get(url_for("wizard.overview", plan_id=plan.id)))
    assert "Adopted: this version is the plan in force and can no longer be changed." in text
    assert "sections completed" not in text and "In progress" not in text


def test_adoption_is_checked_on_a_confirmation_page_before_anything_is_recorded(editor_client, fake_pdfs):
    version = submit(editor_client, demo_plan())
    check = editor_client.post(url_for("versions.adopt", version_id=version.id),
                               data={**DECISION, "review_by": ""})
    assert check.status_code == 200 and working_version(version.plan_id).status == "in_review" and not fake_pdfs
    text = page_text(check)
    assert "Check the adoption before it is recorded" in text
    for shown in ("Kommunfullmäktige", "KF § 42", "KS 2026/118", "Public edition (PDF)", "Internal edition (PDF)",
                  version.label):
        assert shown in text
    # Review-by, left empty, is proposed from the decision date (not from today) and shown before recording.
    assert format_date(versions.add_months(DECIDED_ON, 12), "medium", locale="en_GB") in text
    html = check.get_data(as_text=True)
    assert 'name="step" value="confirm"' in html and 'data-submit-once' in html

    change = editor_client.post(url_for("versions.adopt", version_id=version.id), data={**DECISION, "step": "change"})
    assert change.status_code == 200 and 'value="KS 2026/118"' in change.get_data(as_text=True)
    assert working_version(version.plan_id).status == "in_review"

    assert adopt(editor_client, version).status_code == 303
    again = adopt(editor_client, version)  # the button pressed twice: the second is refused, nothing doubles
    assert again.status_code == 303
    assert "Only a version in review can be adopted; this one is adopted." in page_text(
        editor_client.get(again.headers["Location"]))
    assert len(audited("version.adopt")) == 2  # the seed's and this one


def test_the_comparison_and_the_annex_tell_confirmed_changed_and_not_reviewed_apart(editor_client):
    adopted, draft = plans.versions_of(revised_plan())[:2]
    states = draft.section_state or {}
    confirmed = [sid for sid, state in states.items() if state.get("review") == "confirmed"]
    pending = [sid for sid, state in states.items() if state.get("review") == "pending"]
    assert confirmed and pending  # the demo revision has both
    page = editor_client.get(url_for("versions.compare", a=adopted.id, b=draft.id)).get_data(as_text=True)
    template = plans.template_for(draft.template_id)
    for sid in confirmed + pending:
        block = page[page.index(f'id="compare-section-{sid}"'):].split("</h2>", 1)[0]
        assert ("Confirmed still valid" in block) == (sid in confirmed), sid
        assert ("Not reviewed" in block) == (sid in pending), sid

    # A section confirmed now says by whom and when, on screen and in the council's annex (in Swedish).
    section = pending[0]
    editor_client.post(url_for("wizard.confirm_section", plan_id=draft.plan_id, section_id=section))
    page = editor_client.get(url_for("versions.compare", a=adopted.id, b=draft.id)).get_data(as_text=True)
    block = page[page.index(f'id="compare-section-{section}"'):].split("</h2>", 1)[0]
    assert "Confirmed still valid" in block and "by Demo editor" in block
    with force_locale("sv"):
        annex = versions.changes_html(adopted, db.session.get(PlanVersion, draft.id))
    text = html_text(annex)
    assert "Avsnitt som bekräftats som fortfarande giltiga" in text
    assert f"{template.section(section).title} av Demo editor" in text
    if pending[1:]:
        assert "Avsnitt som inte granskats" in text


def test_an_editor_changes_a_label_until_adoption_and_is_told_what_is_wrong(editor_client, fake_pdfs):
    plan, adopted = adopted_demo_plan(editor_client)
    editor_client.post(url_for("versions.start_revision", plan_id=plan.id))
    draft = working_version(plan.id)
    first_label = draft.label
    page = page_text(editor_client.get(url_for("versions.show", version_id=draft.id)))
    assert "Change the label" in page
    url = url_for("versions.relabel", version_id=draft.id)
    refused = editor_client.post(url, data={"label": adopted.label})
    assert refused.status_code == 422
    assert f"Another version of this plan is already called “{adopted.label}”." in page_text(refused)
    assert f'value="{adopted.label}"' in refused.get_data(as_text=True)  # what was typed stays
    assert "Give the version a label" in page_text(editor_client.post(url, data={"label": "  "}))
    nul = editor_client.post(url, data={"label": "2027\x00"})
    assert nul.status_code == 422 and working_version(plan.id).label == first_label
    assert "cannot be stored (a null byte)" in page_text(nul)
    done = editor_client.post(url, data={"label": "  2027   (förslag) "})
    assert done.status_code == 303
    assert "The version is now called “2027 (förslag)”." in page_text(editor_client.get(done.headers["Location"]))
    assert working_version(plan.id).label == "2027 (förslag)"
    assert audited("version.relabel")[-1].detail == {"old": first_label, "new": "2027 (förslag)"}
    # The adopted version keeps the label the council's decision names.
    kept = editor_client.post(url_for("versions.relabel", version_id=adopted.id), data={"label": "Annan"})
    assert kept.status_code == 422 and "An adopted version keeps its label" in page_text(kept)
    assert "Change the label" not in page_text(editor_client.get(url_for("versions.show", version_id=adopted.id)))
