"""Which countries and languages this installation serves, derived from what is present, never listed:

- a country is served when plan_templates/ holds a template for it (its clock comes from the time zone
  database, planbuilder/clock.py);
- a UI language is English (the source language) plus every catalogue in planbuilder/translations/;
- a plan's own language is its template's; a municipality may use any UI language, in any country.

So adding a country is adding a YAML file, and adding a language is adding a catalogue.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

from babel.core import Locale, UnknownLocaleError

from .template_model import PlanTemplate

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
SOURCE_LANGUAGE = "en"


@functools.cache
def ui_languages() -> tuple[str, ...]:
    """The interface languages: the source language first, then every catalogue present, alphabetically."""
    found = sorted(po.parts[-3] for po in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po"))
    return (SOURCE_LANGUAGE, *(code for code in found if code != SOURCE_LANGUAGE))


# How dates are written for a language whose default region writes them ambiguously: English means the
# British order here (2 Dec 2026, 02/12/2026), never the American "12/2/26" a Nordic reader takes for 12 February.
DATE_REGIONS = {"en": "GB"}


def date_locale(locale: Locale) -> Locale:
    """The locale dates are written in for a reader of `locale`."""
    region = DATE_REGIONS.get(locale.language) if not locale.territory else None
    return Locale(locale.language, region) if region else locale


def language_name(code: str) -> str:
    """A language's name in that language ("svenska", "norsk bokmål", "English"), capitalised for a list."""
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


def countries(templates: Mapping[str, PlanTemplate]) -> tuple[str, ...]:
    """Every country some plan template is for, alphabetically."""
    return tuple(sorted({t.country for t in templates.values()}))


def default_language(templates: Mapping[str, PlanTemplate], country: str) -> str:
    """A new municipality's interface language: its country's plan language when the interface speaks it
    (the first template by id decides), else the source language."""
    for template in sorted(templates.values(), key=lambda t: t.id):
        if template.country == country and template.language in ui_languages():
            return template.language
    return SOURCE_LANGUAGE


def word_language(language: str, country: str) -> str:
    """The language tag Word's proofing wants, with a region: the plan's language as spoken in its country
    ("sv-SE", "sv-FI", "nb-NO")."""
    return f"{language}-{country}" if country else language
