"""Demo data: a fictional municipality, its three users and a complete plan. Safe to run again."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select

from ..extensions import db
from ..plan_templates import SafeLoader
from ..models import Plan
from . import accounts, plans
from .accounts import find_municipality, find_user

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
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
    DemoPlanSpec("Søndervig Kommune", "DK", "da", "soendervig.example", "dk-ekstremisme",
                 "Handlingsplan for forebyggelse af ekstremisme", "dk_demo_content.yaml"),
)


@dataclass
class SeedResult:
    password: str | None
    created: list[str]


def with_row_ids(content: dict) -> dict:
    """Give every row of every group a stable identity, as the wizard does when a row is added."""
    result = {}
    for section_id, values in content.items():
        result[section_id] = {
            field_id: [{"_id": plans.new_row_id(), **row} for row in value]
            if isinstance(value, list) and value and isinstance(value[0], dict) else value
            for field_id, value in values.items()
        }
    return result


def load_demo_content(filename: str) -> dict:
    raw = yaml.load((DEMO_DIR / filename).read_text(encoding="utf-8"), Loader=SafeLoader) or {}
    # YAML reads 2026-03-15 as a date; the content stores ISO strings.
    return with_row_ids(_dates_as_text(raw))


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
        has_plan = db.session.scalar(select(Plan).where(Plan.municipality_id == municipality.id,
                                                        Plan.template_id == spec.template_id))
        if has_plan is None:
            plans.create_plan(municipality, spec.template_id, spec.title, editor,
                              content=load_demo_content(spec.content_file))
            created.append(f"plan {spec.title}")
    any_user_created = any(item.startswith("user ") for item in created)
    return SeedResult(password if (generated and any_user_created) else None, created)


