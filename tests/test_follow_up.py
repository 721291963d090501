"""Follow-up of the adopted plan between revisions: the measures with their entries, the late ones flagged,
recording a follow-up (and refusing a wrong one next to what caused it), and the next revision starting from it."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from planbuilder.clock import local_today
from planbuilder.extensions import db
from planbuilder.models import AuditEvent, FollowUpEntry, PlanVersion
from planbuilder.services.plans import follow_up, versions
from tests.conftest import page_text, sign_in_as
from tests.test_plan_templates import minimal_template, problems_of, write
from tests.test_versions import revised_plan
from tests.wizard_helpers import HTMX

LATE_MEASURE = "Ta fram en gemensam rutin för hur oro hanteras i skola och fritid"


def adopted():
    return versions.adopted_version(revised_plan())


def measure_titled(title: str) -> follow_up.Measure:
    return next(m for m in follow_up.measures_of(adopted()) if m.title == title)


def entry_data(measure, **changes) -> dict:
    prefix = f"m-{measure.row_id}-"
    data = {"entry_date": local_today().isoformat(), "status": "ongoing", "comment": "", "indicator_value": ""}
    data.update(changes)
    return {prefix + key: value for key, value in data.items()}


def record_url(version, measure) -> str:
    return url_for("follow_up.record", version_id=version.id, row_id=measure.row_id)


def test_the_follow_up_page_lists_the_measures_and_flags_the_late_one(editor_client):
    page = page_text(editor_client.get(url_for("follow_up.plan", plan_id=revised_plan().id)))
    assert "Follow-up of the adopted plan" in page
    assert "1 measure is late: its deadline has passed and it is not done." in page
    late_notice = page.split("not done.")[1].split("Utse en nyckelperson")[0]  # up to the first measure
    assert late_notice.strip() == LATE_MEASURE
    # the demo's entries, newest first, with the indicator value in the reader's way
    assert "142 av ungefär 200 medarbetare" in page and "142" in page
    assert "Not followed up yet." in page  # a measure nobody has followed up


def test_recording_a_follow_up_shows_it_and_ends_the_lateness(editor_client):
    version, measure = adopted(), measure_titled(LATE_MEASURE)
    response = editor_client.post(record_url(version, measure),
                                  data=entry_data(measure, status="done", comment="Rutinen beslutades i november.",
                                                  indicator_value="3,5"))
    assert response.status_code == 303
    page = page_text(editor_client.get(response.headers["Location"]))
    assert f"The follow-up of “{LATE_MEASURE}” is recorded." in page
    assert "Rutinen beslutades i november." in page and "3.5" in page
    assert "No measure is late." in page
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "follow_up.record")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.detail["status"] == "done" and event.object_type == "FollowUpEntry"
    # the adopted version itself is unchanged
    assert measure_titled(LATE_MEASURE).planned_status == "not_started"


def test_an_htmx_follow_up_answers_with_the_measure_alone(editor_client):
    version, measure = adopted(), measure_titled(LATE_MEASURE)
    response = editor_client.post(record_url(version, measure), headers=HTMX,
                                  data=entry_data(measure, comment="Ett första möte är bokat."))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<article") and "Recorded." in html and "Ett första möte är bokat." in html
    assert "<html" not in html


@pytest.mark.parametrize("changes, field, message", [
    ({"entry_date": (date.today() + timedelta(days=3)).isoformat()}, "entry_date",
     "The follow-up date cannot be in the future"),
    ({"entry_date": "2025-01-02"}, "entry_date", "cannot be before the plan was adopted"),
    ({"entry_date": "the 3rd"}, "entry_date", "Enter the date as year-month-day"),
    ({"indicator_value": "tolv"}, "indicator_value", "Not a valid decimal value."),
    ({"status": ""}, "status", "Choose the measure's status."),
    ({"comment": "x" * 2001}, "comment", "at most 2000 characters"),
])
def test_a_wrong_follow_up_is_refused_next_to_the_field_and_keeps_the_rest(editor_client, changes, field,
                                                                             message):
    version, measure = adopted(), measure_titled(LATE_MEASURE)
    before = db.session.scalar(select(db.func.count()).select_from(FollowUpEntry))
    response = editor_client.post(record_url(version, measure),
                                  data=entry_data(measure, **{"comment": "Texten som skrevs", **changes}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = html.split(f'id="m-{measure.row_id}-{field}-error"')[1].split("</p>")[0]
    assert message in error
    if field != "comment":
        assert "Texten som skrevs" in html
    assert db.session.scalar(select(db.func.count()).select_from(FollowUpEntry)) == before


def test_readers_and_other_municipalities_cannot_record(client, seeded):
    version, measure = adopted(), measure_titled(LATE_MEASURE)
    sign_in_as(client, "reviewer@demo.example")
    assert client.get(url_for("follow_up.plan", plan_id=version.plan_id)).status_code == 200
    assert client.post(record_url(version, measure), data=entry_data(measure)).status_code == 403
    client.post(url_for("auth.sign_out"))
    sign_in_as(client, "editor@fjellvik.example")
    assert client.get(url_for("follow_up.plan", plan_id=version.plan_id)).status_code == 404
    assert client.post(record_url(version, measure), data=entry_data(measure)).status_code == 404


def test_a_follow_up_on_a_replaced_version_is_refused_and_the_text_is_offered_on_the_new_one(editor_client):
    old, measure = adopted(), measure_titled("Genomföra grundutbildning för lärare och elevhälsa i årskurs 7–9 "
                                             "och på gymnasiet")
    draft = versions.working_version(revised_plan())
    db.session.execute(db.update(PlanVersion).where(PlanVersion.id == old.id).values(status="superseded"))
    db.session.execute(db.update(PlanVersion).where(PlanVersion.id == draft.id)
                       .values(status="adopted", decision_date=date(2026, 11, 2)))
    db.session.commit()
    response = editor_client.post(record_url(old, measure), data=entry_data(measure, comment="Skrivet i en gammal flik"))
    assert response.status_code == 409
    page = page_text(response)
    assert "Only the plan's adopted version is followed up" in page
    assert "Skrivet i en gammal flik" in page
    assert f'action="{record_url(draft, measure)}"' in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(FollowUpEntry)
                             .where(FollowUpEntry.version_id == old.id, FollowUpEntry.comment.like("Skrivet%"))) == 0


def test_the_next_revision_starts_from_each_measures_latest_follow_up(editor_client):
    draft = versions.working_version(revised_plan())
    rows = {row["title"]: row for row in draft.content["uppfoljning"]["atgarder"]}
    assert rows[LATE_MEASURE]["status"] == "not_started"
    carried = follow_up.carried_notes(draft, follow_up.template_for(draft.template_id))["uppfoljning"]
    assert {note["title"] for note in carried} >= {LATE_MEASURE}
    page = page_text(editor_client.get(url_for("wizard.section", plan_id=draft.plan_id, section_id="uppfoljning")))
    assert "carried in from the follow-up of the adopted version" in page
    assert f"{LATE_MEASURE}: Ej påbörjad (followed up" in page


def test_a_follow_up_group_needs_its_measure_cells(tmp_path):
    data = minimal_template()
    data["sections"][0]["fields"].append({"id": "atgarder", "type": "group", "label": "Åtgärder", "follow_up": True,
                                          "fields": [{"id": "title", "type": "short_text", "label": "Åtgärd"}]})
    problems = " ".join(problems_of(write(tmp_path, data)))
    assert "a follow-up group needs a sub-field 'deadline' of type date" in problems
    assert "a follow-up group needs a sub-field 'status' of type single_choice" in problems


def test_late_counts_name_only_plans_with_late_measures(app, seeded):
    from tests.wizard_helpers import demo_plan

    assert follow_up.late_counts([revised_plan(), demo_plan()]) == {revised_plan().id: 1}  # the other: not adopted


def test_late_measures_are_flagged_on_the_dashboard_the_plans_page_and_the_overview(editor_client):
    plan = revised_plan()
    for page in (url_for("plans.dashboard"), url_for("plans.overview")):
        html = editor_client.get(page).get_data(as_text=True)
        assert f'href="{url_for("follow_up.plan", plan_id=plan.id)}">1 late measure</a>' in html, page
    task_list = page_text(editor_client.get(url_for("wizard.overview", plan_id=plan.id)))
    assert "1 measure of the adopted plan is late: its deadline has passed and it is not done." in task_list
    measure = measure_titled(LATE_MEASURE)
    editor_client.post(record_url(adopted(), measure), data=entry_data(measure, status="dropped"))
    assert "late measure" not in page_text(editor_client.get(url_for("plans.dashboard")))
