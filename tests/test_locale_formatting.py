"""What a reader notices of their language beyond the catalogues: answers' dates and numbers written their way,
a revision's notes and a comparison's summary in their language whoever wrote them, WTForms' own messages
translated, the language chosen only by user, municipality and browser, and times on the municipality's clock.
"""
from __future__ import annotations

import dataclasses
import html

import pytest
from conftest import _empty_all_tables, make_app, page_text, sign_in_as
from flask import url_for
from flask_babel import force_locale
from sqlalchemy import select
from wizard_helpers import demo_plan, post_section

from planbuilder import clock, form_base
from planbuilder.extensions import db
from planbuilder.fields import field_type
from planbuilder.models import Plan, PlanVersion, User
from planbuilder.plan_templates import Field
from planbuilder.services.compare import diff, diff_text
from planbuilder.services.data import demo
from planbuilder.services.plans import plans, revisions, versions, wizard

EDITOR = "editor@demo.example"
DECISION = {"decision_body": "Kommunfullmäktige", "decision_date": "2026-03-02",
            "decision_paragraph": "KF § 12", "case_number": "KS 2026/12"}


def readable(response, status: int = 200) -> str:
    assert response.status_code == status, response.status_code
    return html.unescape(page_text(response)).replace("\u00a0", " ").replace("\u202f", " ")


def set_language(email: str, language: str | None) -> None:
    db.session.scalar(select(User).where(User.email == email)).language = language
    db.session.commit()


def with_number_field(app, monkeypatch):
    """se-vbe with a number field in the situational picture; the demo templates have none."""
    template = plans.template_for("se-vbe")
    section = template.section("lagesbild")
    meetings = Field(id="moten_per_ar", type="number", kind=field_type("number"), label="Möten med polisen per år")
    newer = dataclasses.replace(template, revision=template.revision + 1, sections=tuple(
        dataclasses.replace(s, fields=s.fields + (meetings,)) if s.id == "lagesbild" else s
        for s in template.sections))
    monkeypatch.setitem(app.extensions["plan_templates"], "se-vbe", newer)
    return newer, section


def answer_date_and_number(plan: Plan) -> PlanVersion:
    version = plans.latest_version(plan)
    content = dict(version.content)
    content["lagesbild"] = {**content.get("lagesbild", {}), "uppdaterad": "2027-03-15", "moten_per_ar": 2.5}
    version.content = content
    db.session.commit()
    return version


# ---- answers: dates and numbers the reader's way ----------------------------------------------------------------

@pytest.mark.parametrize(("language", "day", "number"), [
    ("sv", "15 mars 2027", "2,5"), ("nb", "15. mars 2027", "2,5"), ("da", "15. marts 2027", "2,5"),
    ("en", "15 March 2027", "2.5"),
])
def test_check_your_answers_writes_dates_and_numbers_the_readers_way(app, client, seeded, monkeypatch,
                                                                     language, day, number):
    with_number_field(app, monkeypatch)
    plan = demo_plan()
    answer_date_and_number(plan)
    set_language(EDITOR, language)
    sign_in_as(client, EDITOR)
    text = readable(client.get(url_for("wizard.check", plan_id=plan.id)))
    assert day in text and "2027-03-15" not in text
    assert f"Möten med polisen per år {number}" in text


def test_the_review_page_writes_them_the_reviewers_way(app, client, seeded, monkeypatch):
    with_number_field(app, monkeypatch)
    version = answer_date_and_number(demo_plan())
    set_language("reviewer@demo.example", "nb")
    sign_in_as(client, "reviewer@demo.example")
    text = readable(client.get(url_for("review.section", version_id=version.id, section_id="lagesbild")))
    assert "15. mars 2027" in text
    assert "Möten med polisen per år 2,5" in text


def test_a_comparison_writes_a_changed_date_the_readers_way(client, seeded):
    plan = db.session.scalar(select(Plan).where(Plan.title.like("%2025–2026")))
    adopted, draft = plans.versions_of(plan)
    content = dict(draft.content)
    content["lagesbild"] = {**content["lagesbild"], "uppdaterad": "2026-09-01"}
    draft.content = content
    db.session.commit()
    set_language(EDITOR, "da")
    sign_in_as(client, EDITOR)
    text = readable(client.get(url_for("versions.compare", a=adopted.id, b=draft.id)))
    assert "1. september 2026" in text and "2026-09-01" not in text


# ---- a revision's notes, in each reader's language ----------------------------------------------------------------

def revision_on_a_stricter_template(app, monkeypatch) -> tuple[Plan, PlanVersion]:
    """The demo plan adopted, then revised on a template revision whose purpose may have only 50 characters."""
    plan, user = demo_plan(), db.session.scalar(select(User).where(User.email == EDITOR))
    template = plans.template_for(plan.template_id)
    version = plans.latest_version(plan)
    wizard.submit_for_review(template, version, user)
    versions.adopt(version, user, DECISION, renderer=lambda _version, edition: f"%PDF-{edition}".encode())
    stricter = dataclasses.replace(template, revision=template.revision + 1, sections=tuple(
        dataclasses.replace(s, fields=tuple(dataclasses.replace(f, max_length=50) if f.id == "syfte" else f
                                            for f in s.fields)) if s.id == "bakgrund" else s
        for s in template.sections))
    monkeypatch.setitem(app.extensions["plan_templates"], plan.template_id, stricter)
    return plan, revisions.start_revision(plan, user)


@pytest.mark.parametrize(("language", "note"), [
    ("nb", "Planens syfte: er lengre enn 50 tegn"), ("sv", "Planens syfte: är längre än 50 tecken"),
    ("da", "Planens syfte: er længere end 50 tegn"), ("en", "Planens syfte: is longer than 50 characters"),
])
def test_a_revision_note_reads_in_each_readers_language(app, client, seeded, monkeypatch, language, note):
    plan, draft = revision_on_a_stricter_template(app, monkeypatch)
    # Kept as a key with its parameters, not as a sentence in the language of whoever started the revision.
    assert draft.section_state["bakgrund"]["dropped"] == [
        {"problem": "too_long", "params": {"limit": 50}, "field": "Planens syfte"}]
    set_language(EDITOR, language)
    sign_in_as(client, EDITOR)
    assert note in readable(client.get(url_for("wizard.overview", plan_id=plan.id)))
    assert note in readable(client.get(url_for("wizard.section", plan_id=plan.id, section_id="bakgrund")))


def test_notes_of_rows_and_of_a_dropped_section_read_in_norwegian(app):
    notes = {"bakgrund": [{"problem": "section_gone"}],
             "samverkan": [{"problem": "field_gone", "field": "Samverkansaktörer", "row": 2, "cell": "kontakt"},
                           {"problem": "rows_over_limit", "params": {"limit": 10}, "field": "Samverkansaktörer"},
                           {"problem": "not_an_option", "params": {"value": "skola"}, "field": "Miljöer"}]}
    version = PlanVersion(section_state={sid: {"dropped": found} for sid, found in notes.items()})
    with force_locale("nb"):
        shown = revisions.dropped_notes(version)
    assert shown == {"bakgrund": ["Delen er ikke lenger med i malen."],
                     "samverkan": ["Samverkansaktörer › rad 2 › kontakt: er ikke lenger med i malen",
                                   "Samverkansaktörer: radene etter nummer 10 (malens grense) ble utelatt",
                                   "Miljöer: «skola» er ikke ett av alternativene"]}


def test_notes_stored_as_sentences_by_an_earlier_release_are_shown_as_written(client, seeded):
    plan = db.session.scalar(select(Plan).where(Plan.title.like("%2025–2026")))
    draft = plans.versions_of(plan)[-1]
    draft.section_state = {**draft.section_state, "bakgrund": {**draft.section_state.get("bakgrund", {}),
                                                               "dropped": ["Planens syfte: ingår inte längre i mallen"]}}
    db.session.commit()
    set_language(EDITOR, "da")
    sign_in_as(client, EDITOR)
    assert "Planens syfte: ingår inte längre i mallen" in readable(
        client.get(url_for("wizard.overview", plan_id=plan.id)))


# ---- the summary of a comparison: singular and plural -------------------------------------------------------------

def summary_of(changed_sections: int, **counts) -> tuple[str, ...]:
    sections = tuple(diff.SectionChanges(f"s{n}", n, f"S{n}", diff.CHANGED) for n in range(changed_sections))
    return diff_text.summary(diff.Comparison(sections, (diff.RowCounts("aktör", **counts),)))


@pytest.mark.parametrize(("language", "one", "two"), [
    ("sv", ("1 avsnitt ändrat", "aktör: 1 tillagd", "aktör: 1 borttagen"),
     ("2 avsnitt ändrade", "aktör: 2 tillagda", "aktör: 2 borttagna")),
    ("nb", ("1 del endret", "aktör: 1 lagt til", "aktör: 1 fjernet"),
     ("2 deler endret", "aktör: 2 lagt til", "aktör: 2 fjernet")),
    ("da", ("1 afsnit ændret", "aktör: 1 tilføjet", "aktör: 1 fjernet"),
     ("2 afsnit ændret", "aktör: 2 tilføjet", "aktör: 2 fjernet")),
    ("en", ("1 section changed", "1 aktör added", "1 aktör removed"),
     ("2 sections changed", "2 aktör added", "2 aktör removed")),
])
def test_the_summary_agrees_with_its_numbers(app, language, one, two):
    with force_locale(language):
        assert summary_of(1, added=1, removed=1) == one
        assert summary_of(2, added=2, removed=2) == two


# ---- WTForms' own messages -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("language, message", [("sv", "Inte ett giltigt datum."), ("nb", "Ikke en gyldig dato."),
                                               ("da", "Ikke en gyldig dato."), ("en", "Not a valid date value.")])
def test_a_date_that_does_not_parse_is_refused_in_the_readers_language(client, seeded, language, message):
    """WTForms' own message, through the section form a coordinator posts (WTForms has no Danish catalogue)."""
    set_language(EDITOR, language)
    sign_in_as(client, EDITOR)
    response = post_section(client, demo_plan().id, "lagesbild", {"uppdaterad": "den femtonde"})
    text = readable(response, 422)
    assert message in text
    if language != "en":
        assert "Not a valid date" not in text


@pytest.mark.parametrize("language", ["sv", "nb", "da"])
def test_form_translations_give_wtforms_messages_in_every_nordic_language(app, language):
    """WTForms ships no Danish catalogue; ours translate the messages our forms can show, in every language."""
    with force_locale(language):
        for message in form_base.FORM_MESSAGES:
            assert form_base.form_translations.gettext(message) != message, (language, message)
        assert form_base.form_translations.gettext("Not a valid date value.") == {
            "sv": "Inte ett giltigt datum.", "nb": "Ikke en gyldig dato.", "da": "Ikke en gyldig dato."}[language]


def test_form_messages_are_wtforms_own():
    """If a WTForms upgrade rewords one, our translation would silently stop applying."""
    from pathlib import Path

    import wtforms

    pot = (Path(wtforms.__file__).parent / "locale" / "wtforms.pot").read_text(encoding="utf-8")
    assert [m for m in form_base.FORM_MESSAGES if f'msgid "{m}"' not in pot] == []


# ---- which language: user, municipality, browser — nothing else --------------------------------------------------

def test_a_signed_out_page_follows_the_browser_even_with_a_language_left_in_the_session(client):
    with client.session_transaction() as session:
        session["language"] = "da"
    response = client.get(url_for("auth.sign_in"), headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    assert '<html lang="sv">' in response.get_data(as_text=True)


def test_a_command_in_a_terminal_writes_the_plans_language_or_the_one_asked_for(database_url, translations_dir,
                                                                               migrated_schema):
    """No request, no user, no browser: `flask plans diff` used to fail choosing a language. It writes the plan's
    own language, or the one given with --language."""
    app = make_app(database_url, translations_dir)
    with app.app_context():
        _empty_all_tables()
        try:
            demo.seed("demo-password-1")
            plan = db.session.scalar(select(Plan).where(Plan.title.like("%2025–2026")))
            adopted, draft = plans.versions_of(plan)
            arguments = ["plans", "diff", str(adopted.id), str(draft.id)]
            result = app.test_cli_runner().invoke(args=arguments)
            assert result.exit_code == 0, result.output
            assert "5 avsnitt ändrade" in result.output
            english = app.test_cli_runner().invoke(args=[*arguments, "--language", "en"])
            assert "5 sections changed · 1 aktör added" in english.output
        finally:
            db.session.remove()
            _empty_all_tables()


# ---- times on the municipality's clock ---------------------------------------------------------------------------

def audit_event_at(moment, municipality_id: int) -> None:
    from planbuilder.models import AuditEvent

    db.session.add(AuditEvent(at=moment, municipality_id=municipality_id, action="clock.check", detail={}))
    db.session.commit()


@pytest.mark.parametrize(("country", "utc_time", "local_time"), [
    ("SE", (2026, 1, 15, 11, 5), "12:05"),  # winter: Swedish normal time, UTC+1
    ("SE", (2026, 7, 15, 11, 5), "13:05"),  # summer time, UTC+2
    ("FI", (2026, 1, 15, 11, 5), "13:05"),  # a country an hour further east: its own clock, not the default's
])
def test_the_audit_log_shows_times_on_the_municipalitys_clock(client, seeded, country, utc_time, local_time):
    from datetime import datetime, timezone

    municipality = demo_plan().municipality
    municipality.country = country
    audit_event_at(datetime(*utc_time, tzinfo=timezone.utc), municipality.id)
    sign_in_as(client, "admin@demo.example")
    set_language("admin@demo.example", "sv")
    text = readable(client.get(url_for("admin.audit", action="clock.check")))
    assert local_time in text and f"{utc_time[3]:02d}:05" not in text


def test_the_audit_logs_dates_filter_by_the_municipalitys_days(client, seeded):
    from datetime import datetime, timezone

    audit_event_at(datetime(2026, 1, 15, 23, 30, tzinfo=timezone.utc), demo_plan().municipality.id)  # 16th, 00:30
    sign_in_as(client, "admin@demo.example")

    def shown(**dates) -> bool:
        page = client.get(url_for("admin.audit", action="clock.check", **dates)).get_data(as_text=True)
        return "<code>clock.check</code>" in page  # a row of the results, not the filter's own list of actions

    assert shown(date_from="2026-01-16", date_to="2026-01-16")
    assert not shown(date_to="2026-01-15")


def test_an_autosave_reports_the_time_on_the_coordinators_clock(client, seeded):
    from zoneinfo import ZoneInfo

    from wizard_helpers import HTMX

    from planbuilder.models import Municipality

    set_language("editor@fjellvik.example", "nb")
    sign_in_as(client, "editor@fjellvik.example")
    plan = db.session.scalar(select(Plan).join(Municipality).where(Municipality.country == "NO").order_by(Plan.id))
    section = plans.template_for(plans.latest_version(plan).template_id).numbered_sections[0]
    field = next(f for f in section.fields if f.type == "short_text")
    reply = readable(post_section(client, plan.id, section.id, {field.id: "Kommunedirektøren"}, headers=HTMX,
                                  _autosave=field.id))
    saved = plans.latest_version(plan).updated_at
    oslo = saved.replace(tzinfo=saved.tzinfo or ZoneInfo("UTC")).astimezone(ZoneInfo("Europe/Oslo"))
    assert f"Lagret {oslo:%H:%M}" in reply


def test_each_country_gets_its_own_time_zone_from_the_time_zone_database():
    assert [clock.country_timezone(code) for code in ("SE", "no", "DK", "FI")] == [
        "Europe/Stockholm", "Europe/Oslo", "Europe/Copenhagen", "Europe/Helsinki"]
    assert clock.country_timezone("XX") is None


def test_a_time_zone_that_does_not_exist_stops_start_up(monkeypatch):
    from planbuilder.config import ConfigurationError, defaults

    monkeypatch.setenv("PLANBUILDER_TIMEZONE", "Europe/Atlantis")
    with pytest.raises(ConfigurationError, match="PLANBUILDER_TIMEZONE must name a time zone"):
        defaults("/tmp")


def test_the_cover_dates_a_draft_by_the_municipalitys_calendar(app, seeded):
    from datetime import date, datetime, timezone

    from planbuilder.services.documents import rendering as documents

    version = plans.latest_version(demo_plan())
    version.updated_at = datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)  # already New Year's Day in Sweden
    assert documents.cover_of(version).date == date(2027, 1, 1)


def test_today_is_the_municipalitys_day(app, monkeypatch):
    from datetime import date, datetime, timezone

    late_evening_utc = datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return late_evening_utc.astimezone(tz)

    monkeypatch.setattr(clock, "datetime", Clock)
    with app.test_request_context():
        assert clock.local_today() == date(2027, 1, 1)
