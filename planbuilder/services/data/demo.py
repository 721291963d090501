"""Demo data: fictional municipalities, their three users and a complete plan each; for Ekdala also an adopted
plan under annual revision, so a new user sees a comparison straight away. Safe to run again."""
from __future__ import annotations

import copy
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache, partial
from pathlib import Path

import yaml
from sqlalchemy import select

from ...clock import local_today
from ...extensions import db
from ...fields.group import new_row_id
from ...models import Municipality, Plan, PlanVersion, User
from ...plan_templates import SafeLoader
from ..documents import rendering as documents
from ..people import accounts
from ..people.accounts import find_municipality, find_user
from ..plans import corrections, follow_up, plans, publication, revisions, versions, wizard

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
DEMO_ROLES = ("admin", "editor", "reviewer")


@dataclass(frozen=True)
class DemoPlanSpec:
    municipality: str
    country: str
    language: str
    email_domain: str
    template_id: str
    title: str
    content_file: str


DEMO_PLANS = (
    DemoPlanSpec("Ekdala kommun", "SE", "sv", "demo.example", "se-vbe",
                 "Handlingsplan mot våldsbejakande extremism", "se_demo_content.yaml"),
    DemoPlanSpec("Fjellvik kommune", "NO", "nb", "fjellvik.example", "no-vbe",
                 "Handlingsplan mot radikalisering og voldelig ekstremisme", "no_vbe_demo_content.yaml"),
    DemoPlanSpec("Fjellvik kommune", "NO", "nb", "fjellvik.example", "no-vnr",
                 "Handlingsplan mot vold i nære relasjoner 2027–2030", "no_vnr_demo_content.yaml"),
    DemoPlanSpec("Søndervig Kommune", "DK", "da", "soendervig.example", "dk-ekstremisme",
                 "Handlingsplan for forebyggelse af ekstremisme", "dk_demo_content.yaml"),
)


@dataclass
class SeedResult:
    password: str | None
    created: list[str]


def with_row_ids(content: dict, make_id: Callable[[str, str, int], str] | None = None) -> dict:
    """Give every row of every group a stable identity, as the wizard does when a row is added."""
    make_id = make_id or (lambda _section, _field, _index: new_row_id())
    result = {}
    for section_id, values in content.items():
        result[section_id] = {
            field_id: [{"_id": make_id(section_id, field_id, i), **row} for i, row in enumerate(value)]
            if isinstance(value, list) and value and isinstance(value[0], dict) else value
            for field_id, value in values.items()
        }
    return result


def fixed_row_id(*parts) -> str:
    """The same row id on every run, so the seeded adopted version renders to the same documents."""
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:32]


def load_demo_content(filename: str, make_id: Callable[[str, str, int], str] | None = None) -> dict:
    return with_row_ids(copy.deepcopy(_demo_file(filename)), make_id)


@cache
def _demo_file(filename: str) -> dict:
    """A demo content file as parsed once per process (the test suite seeds the demo hundreds of times)."""
    raw = yaml.load((DEMO_DIR / filename).read_text(encoding="utf-8"), Loader=SafeLoader) or {}
    # YAML reads 2026-03-15 as a date; the content stores ISO strings.
    return _dates_as_text(raw)


def _dates_as_text(value):
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def seed(password: str | None = None) -> SeedResult:
    """Create whatever of the demo is missing; existing users keep their passwords."""
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    created: list[str] = []
    for spec in DEMO_PLANS:
        municipality = find_municipality(spec.municipality)
        if municipality is None:
            municipality = accounts.create_municipality(spec.municipality, spec.country, spec.language)
            created.append(f"municipality {municipality.name}")
        for role in DEMO_ROLES:
            email = f"{role}@{spec.email_domain}"
            if find_user(email) is None:
                accounts.create_user(email, f"Demo {role}", password, municipality, role)
                created.append(f"user {email}")
        editor = find_user(f"editor@{spec.email_domain}")
        if _find_plan(municipality, spec.template_id, spec.title) is None:
            plans.create_plan(municipality, spec.template_id, spec.title, editor,
                              content=load_demo_content(spec.content_file,
                                                        partial(fixed_row_id, spec.content_file)))
            created.append(f"plan {spec.title}")
    created += _seed_plan_under_revision()
    any_user_created = any(item.startswith("user ") for item in created)
    return SeedResult(password if (generated and any_user_created) else None, created)




def _find_plan(municipality: Municipality, template_id: str, title: str) -> Plan | None:
    return db.session.scalar(select(Plan).where(Plan.municipality_id == municipality.id,
                                                Plan.template_id == template_id, Plan.title == title))


# --- Ekdala's second plan: adopted in 2025, now under annual revision ------------------------------------------

REVISED = DEMO_PLANS[0]
REVISED_TITLE = "Handlingsplan mot våldsbejakande extremism 2025–2026"
REVISED_DECISION = {"decision_body": "Kommunfullmäktige", "decision_date": "2025-03-17",
                    "decision_paragraph": "KF § 42", "case_number": "KS 2025/118"}
# The adoption as first recorded, with the paragraph's digits swapped, and its correction (the demo's one
# corrected decision: the version page lists the documents it replaced).
MISRECORDED_DECISION = {**REVISED_DECISION, "decision_paragraph": "KF § 24"}
CORRECTION = {**REVISED_DECISION, "reason": "Protokollet anger § 42; § 24 var ett skrivfel när antagandet "
                                           "registrerades."}
# What the plan said when the council adopted it in March 2025: its own case number and a situational picture
# from before the decision (the demo content is this year's draft).
AS_ADOPTED_IN_2025 = {("dokument", "diarienummer"): "KS 2025/118", ("lagesbild", "uppdaterad"): "2025-02-10"}


def _as_adopted_in_2025(content: dict) -> None:
    for (section_id, field_id), value in AS_ADOPTED_IN_2025.items():
        content[section_id][field_id] = value
    for row in content["dokument"]["remiss"]:  # the bodies consulted before that decision
        row["received"] = row["received"].replace("2026-", "2025-")


def _seed_plan_under_revision() -> list[str]:
    municipality = find_municipality(REVISED.municipality)
    editor = find_user(f"editor@{REVISED.email_domain}")
    if municipality is None or editor is None or _find_plan(municipality, REVISED.template_id, REVISED_TITLE):
        return []
    content = load_demo_content(REVISED.content_file, lambda *where: fixed_row_id("revised", *where))
    _as_adopted_in_2025(content)
    plan = plans.create_plan(municipality, REVISED.template_id, REVISED_TITLE, editor, content=content)
    template = plans.template_for(REVISED.template_id)
    first = plans.latest_version(plan)
    first.label = "2025"  # the year the council adopted it
    db.session.commit()
    wizard.submit_for_review(template, first, editor, notify=False)  # last year's round: nobody to tell now
    # Rendering both editions takes seconds, and the test suite seeds hundreds of times the same version.
    render = documents.remembered(documents.render_pdf)
    versions.adopt(first, editor, MISRECORDED_DECISION, renderer=render, notify=False)
    corrections.correct_decision(first, editor, CORRECTION, renderer=render)
    publication.publish(first, find_user(f"admin@{REVISED.email_domain}") or editor)  # the demo's published plan
    _follow_up(first, editor)
    draft = revisions.start_revision(plan, editor)
    _revise(template, draft, editor)
    return [f"plan {REVISED_TITLE} (adopted {first.label}, revision {draft.label} in progress)"]


# The year's follow-up of the 2025 plan's measures (by their place in the list): the routine for concerns in
# school and leisure, due 2026-10-30, has not started, so the demo shows a late measure.
FOLLOW_UP_2026 = (
    (1, "2026-06-12", "ongoing", "Lägesbilden uppdaterades i maj tillsammans med kommunpolisen. Nästa genomgång "
                                 "görs i november.", 1),
    (2, "2026-09-21", "ongoing", "142 av ungefär 200 medarbetare har gått grundutbildningen. Resten utbildas "
                                 "under hösten.", 142),
    (4, "2026-09-21", "not_started", "Arbetet har inte kommit i gång: förvaltningarna har ännu inte utsett någon "
                                     "som leder det. Tas upp i kommunens ledningsgrupp i oktober.", None),
)


def _follow_up(adopted: PlanVersion, editor: User) -> None:
    measures = follow_up.measures_of(adopted)
    for index, day, status, comment, value in FOLLOW_UP_2026:
        entry_date = date.fromisoformat(day)
        follow_up.record(adopted, measures[index].row_id, editor, entry_date=entry_date, status=status,
                         comment=comment, indicator_value=value, today=max(entry_date, local_today()))


def _revise(template, draft: PlanVersion, editor: User) -> None:
    """This year's changes: a reworded purpose, a new situational picture date, one actor edited and one
    added, one measure done and one that was dropped last year removed; two sections confirmed as still valid."""
    content = draft.content

    def save(section_id: str, values: dict) -> None:
        wizard.save_section(template, draft, template.section(section_id), values, draft.lock_version, editor)

    syfte = content["bakgrund"]["syfte"].replace(
        "en gemensam bild av vad våldsbejakande extremism är",
        "en gemensam och aktuell bild av vad våldsbejakande extremism är, också på nätet,")
    save("bakgrund", {"syfte": syfte})
    save("lagesbild", {"uppdaterad": "2026-09-15"})
    save("dokument", {"diarienummer": "KS 2026/0142"})  # the revision is a new case
    actors = [dict(row) for row in content["samverkan"]["aktorer"]]
    actors[0]["meeting_cadence"] = "varannan_vecka"
    actors[0]["description"] = (actors[0]["description"] +
                                " Från 2026 deltar kommunpolisen också i skolornas trygghetsgrupper.")
    church = template.catalogue_entry("aktorer", "trossamfund")
    actors.append({"_id": fixed_row_id("revised", "samverkan", "aktorer", "new"), "_ref": church.id,
                   "name": "Ekdala församling", "description": church.description, "meeting_cadence": "halvarsvis"})
    save("samverkan", {"aktorer": actors})
    measures = [dict(row) for row in content["uppfoljning"]["atgarder"]]
    measures[1]["status"] = "done"
    measures = [row for row in measures if row.get("status") != "dropped"]
    save("uppfoljning", {"atgarder": measures})
    for section_id in ("ansvar", "anhoriga"):
        wizard.confirm_still_valid(draft, template.section(section_id), editor)
