"""Reading a plan template's YAML with every problem named by its place ("sections[2] (samverkan) › fields[1]
(aktorer): …"), so one run of `templates check` reports them all. Field types read their own settings with it."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class Problems:
    """Collects problems, each prefixed with the file and the place inside it."""

    def __init__(self, source: str):
        self.source = source
        self.items: list[str] = []

    def add(self, place: str, message: str) -> None:
        self.items.append(f"{self.source}: {place + ': ' if place else ''}{message}")


def place_of(parent: str, key: str, index: int, raw: Any) -> str:
    name = raw.get("id") if isinstance(raw, dict) else None
    here = f"{key}[{index}]" + (f" ({name})" if isinstance(name, str) else "")
    return f"{parent} › {here}" if parent else here


@dataclass
class Reader:
    """One mapping of the YAML (a template, a section, a field, an option) and where it stands."""
    raw: dict
    place: str
    problems: Problems

    def problem(self, message: str) -> None:
        self.problems.add(self.place, message)

    def text(self, key: str, required: bool = False) -> str:
        value = self.raw.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.problem(f"'{key}' must be text")
            return ""
        if required and not str(value).strip():
            self.problem(f"'{key}' is missing")
        return str(value).strip()

    def flag(self, key: str) -> bool:
        value = self.raw.get(key, False)
        if not isinstance(value, bool):
            self.problem(f"'{key}' must be true or false")
            return False
        return value

    def whole_number(self, key: str, default: int | None) -> int | None:
        value = self.raw.get(key, default)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            self.problem(f"'{key}' must be a whole number")
            return default
        return value

    def number(self, key: str) -> float | None:
        value = self.raw.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            self.problem(f"'{key}' must be a number")
            return None
        return value

    def unique_id(self, value: str, what: str, seen: set[str]) -> str:
        """An option value or catalogue entry id: a well-formed id, not used twice in its list."""
        if not ID_PATTERN.match(value):
            self.problem(f"{what} '{value}' must be lowercase letters, digits, '_' or '-'")
        if value in seen:
            self.problem(f"duplicate {what} '{value}'")
        seen.add(value)
        return value


@dataclass
class Declaration(Reader):
    """A field's declaration, with what a field type may need to check it: the template's catalogues, whether
    the field stands inside a repeating group, and a way to read sub-fields."""
    catalogues: dict | None = None
    in_group: bool = False
    read_fields: Callable[[Any, str], tuple] | None = None
