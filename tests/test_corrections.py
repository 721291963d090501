"""Correcting the recorded decision of an adopted version: a reason required, audited, the documents frozen again
with new checksums and the earlier ones kept, listed as replaced; bad input refused with nothing written."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.models import DecisionCorrection, FrozenDocument, FrozenVersionError, PlanVersion
from tests.conftest import page_text, sign_in_as
from tests.document_helpers import pdf_text, squash
from tests.test_versions import DECISION, adopted_demo_plan, audited

REASON = "The minutes give § 24, not § 42."


def correct(client, version, **changes):
    review_by = version.review_by.isoformat() if version.review_by else ""
    data = {**DECISION, "review_by": review_by, "reason": REASON, **changes}
    return client.post(url_for("versions.correct_decision", version_id=version.id), data=data)


def corrections_of(version):
    return db.session.scalars(select(DecisionCorrection).where(DecisionCorrection.version_id == version.id))


def documents_of(version) -> dict[tuple[str, bool], FrozenDocument]:
    db.session.expire_all()
    rows = db.session.scalars(select(FrozenDocument).where(FrozenDocument.version_id == version.id))
    return {(row.edition, row.replaced_by_id is None): row for row in rows}


def test_a_correction_is_recorded_with_its_reason_and_the_documents_are_frozen_again(editor_client, fake_pdfs):
    _, version = adopted_demo_plan(editor_client)
    before = documents_of(version)
    form = editor_client.get(url_for("versions.correct_decision", version_id=version.id))
    assert form.status_code == 200 and 'value="KF § 42"' in form.get_data(as_text=True)

    response = correct(editor_client, version, decision_paragraph="KF § 24")
    assert response.status_code == 303 and response.headers["Location"] == url_for("versions.show",
                                                                                   version_id=version.id)
    version = db.session.get(PlanVersion, version.id)
    assert (version.status, version.decision_paragraph, version.case_number) == ("adopted", "KF § 24", "KS 2026/118")
    after = documents_of(version)
    correction = corrections_of(version).one()
    for edition in ("internal", "public"):
        old, new = after[(edition, False)], after[(edition, True)]
        assert old.sha256 == before[(edition, True)].sha256 and old.replaced_by_id == correction.id
        assert new.sha256 != old.sha256  # rendered again, as an adopted version
    assert fake_pdfs[-2:] == [(version.id, "internal", "adopted"), (version.id, "public", "adopted")]
    event = audited("version.correct_decision")[-1]
    assert event.detail == {"reason": REASON, "changed": {"decision_paragraph": ["KF § 42", "KF § 24"]}}
    assert audited("version.freeze")[-1].detail["sha256"]["public"] == after[("public", True)].sha256

    page = page_text(editor_client.get(response.headers["Location"]))
    assert "The decision is corrected." in page
    assert f"Reason: {REASON}" in page and "Minute paragraph: was KF § 42, now KF § 24" in page
    assert all(document.sha256 in page for document in after.values())  # old and new checksums
    current = editor_client.get(url_for("documents.pdf", version_id=version.id, edition="public"))
    assert current.data == after[("public", True)].content
    replaced_url = url_for("documents.replaced_pdf", version_id=version.id, document_id=after[("public", False)].id)
    assert replaced_url in editor_client.get(response.headers["Location"]).get_data(as_text=True)
    replaced = editor_client.get(replaced_url)
    assert replaced.data == before[("public", True)].content
    assert "replaced" in replaced.headers["Content-Disposition"]


@pytest.mark.parametrize("changes, field, message", [
    ({"reason": ""}, "reason", "Say why the decision is corrected"),
    ({"decision_date": (date.today() + timedelta(days=3)).isoformat()}, "decision_date", "cannot be in the future"),
    ({"decision_paragraph": ""}, "decision_paragraph", "Enter the paragraph of the minutes"),
    ({"decision_paragraph": "KF § 42"}, None, "The decision as typed is the one recorded"),
])
def test_a_bad_correction_is_refused_next_to_its_field_with_nothing_written(editor_client, fake_pdfs, changes,
                                                                            field, message):
    _, version = adopted_demo_plan(editor_client)
    before = documents_of(version)
    response = correct(editor_client, version, **{"decision_paragraph": "KF § 24", **changes})
    assert response.status_code == 422 and message in page_text(response)
    html = response.get_data(as_text=True)
    if field:
        assert f'id="{field}-error"' in html
    assert 'value="KS 2026/118"' in html  # what was typed is kept
    assert corrections_of(version).all() == []
    assert documents_of(version).keys() == before.keys()
    assert db.session.get(PlanVersion, version.id).decision_paragraph == "KF § 42"


def test_only_editors_correct_and_only_an_adopted_version(app, editor_client, fake_pdfs):
    plan, version = adopted_demo_plan(editor_client)
    reviewer = app.test_client()
    sign_in_as(reviewer, "reviewer@demo.example")
    assert correct(reviewer, version).status_code == 403
    stranger = app.test_client()
    sign_in_as(stranger, "editor@fjellvik.example")
    assert correct(stranger, version).status_code == 404
    draft = editor_client.post(url_for("versions.start_revision", plan_id=plan.id))
    assert draft.status_code == 303
    working = db.session.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id)
                                 .order_by(PlanVersion.id.desc())).first()
    refused = correct(editor_client, working)
    assert refused.status_code == 303
    assert "Only the adopted version's decision can be corrected." in page_text(editor_client.get(
        refused.headers["Location"]))
    assert corrections_of(working).all() == []


def test_a_replaced_document_is_only_reachable_through_its_own_version(editor_client, fake_pdfs):
    _, version = adopted_demo_plan(editor_client)
    current = documents_of(version)[("internal", True)]
    assert editor_client.get(url_for("documents.replaced_pdf", version_id=version.id,
                                     document_id=current.id)).status_code == 404  # not replaced
    assert editor_client.get(url_for("documents.replaced_pdf", version_id=version.id,
                                     document_id=current.id + 1000)).status_code == 404


def test_outside_a_correction_the_recorded_decision_still_cannot_change(editor_client, fake_pdfs):
    _, version = adopted_demo_plan(editor_client)
    version.decision_paragraph = "KF § 99"
    with pytest.raises(FrozenVersionError):
        db.session.commit()
    db.session.rollback()


def test_the_demo_has_one_corrected_decision_and_its_documents_say_what_was_corrected(editor_client):
    corrected = db.session.scalars(select(DecisionCorrection)).one()  # the demo's only one
    version = corrected.version
    assert (version.label, version.decision_paragraph, corrected.before["decision_paragraph"]) == (
        "2025", "KF § 42", "KF § 24")
    documents = documents_of(version)
    current, replaced = (squash(pdf_text(documents[("public", state)].content)) for state in (True, False))
    assert "KF§42" in current and "KF§24" not in current
    assert "KF§24" in replaced and "KF§42" not in replaced
    page = page_text(editor_client.get(url_for("versions.show", version_id=version.id)))
    assert "Minute paragraph: was KF § 24, now KF § 42" in page and corrected.reason in page


def test_a_corrected_earlier_decision_is_a_new_document_for_the_revision_draft(editor_client, fake_pdfs,
                                                                               monkeypatch):
    # The draft's revision history prints the earlier decision: corrected, the draft's made document is stale.
    from planbuilder.services.compare import diff
    from planbuilder.services.documents import rendering
    from tests.test_versions import revised_plan

    adopted, draft = sorted(revised_plan().versions, key=lambda v: v.id)[:2]
    before = rendering.cache_key(draft, "internal", "pdf")
    # Computed on every download and progress page, the key compares no versions (the history's costly part).
    monkeypatch.setattr(diff, "compare", lambda *args, **kwargs: pytest.fail("the cache key compared versions"))
    assert rendering.cache_key(draft, "internal", "pdf") == before
    monkeypatch.undo()
    recorded = {"decision_body": adopted.decision_body, "decision_date": adopted.decision_date.isoformat(),
                "case_number": adopted.case_number}
    response = correct(editor_client, adopted, **recorded, decision_paragraph="KF § 7")
    assert response.status_code == 303, page_text(response)[:600]
    draft = db.session.get(PlanVersion, draft.id)
    assert rendering.cache_key(draft, "internal", "pdf") != before
