"""Clocks: every moment is stored in UTC and read on the clock of the municipality it concerns.

A country's clock comes from the time zone database (zone.tab), so a new country needs no code here.
"""
from __future__ import annotations

import functools
import zoneinfo
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import get_timezone


def municipality_clock(municipality) -> ZoneInfo:
    """The time zone a municipality lives by, whoever asks (a document shows the same date to every reader)."""
    return ZoneInfo(country_timezone(municipality.country) or current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_today() -> date:
    """Today on the reader's clock (the municipality's, see select_timezone): not the server's, which runs on
    UTC, so that between midnight and one o'clock a new revision is not labelled with yesterday's year."""
    return datetime.now(get_timezone()).date()


def local_date(moment: datetime, clock: ZoneInfo) -> date:
    """The date of a stored moment on that clock."""
    return moment.astimezone(clock).date()


def country_timezone(country: str) -> str | None:
    """A country's time zone: the one its plan templates name, else the time zone database's; None for a
    country neither knows."""
    country = country.upper()
    named = next((t.timezone for t in _templates().values() if t.country == country and t.timezone), None)
    return named or zone_of_country(country)


def zone_of_country(country: str) -> str | None:
    """A country's principal time zone from the time zone database's own table (zone.tab: one line per zone,
    the country's principal zone first), so a new country needs no code here."""
    return _principal_zones().get(country.upper())


def _templates() -> dict:
    return current_app.extensions.get("plan_templates", {}) if has_app_context() else {}


@functools.cache
def _principal_zones() -> dict[str, str]:
    for folder in zoneinfo.TZPATH:
        table = Path(folder) / "zone.tab"
        if table.is_file():
            zones: dict[str, str] = {}
            for line in table.read_text(encoding="utf-8").splitlines():
                columns = line.split("\t")
                if len(columns) >= 3 and not line.startswith("#"):
                    zones.setdefault(columns[0], columns[2])
            return zones
    return {}
