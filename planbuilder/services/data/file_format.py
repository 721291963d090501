"""What the plan export and the municipality backup share: a JSON document that names its format and format
version and carries a checksum of its own content, so a file of another kind, another release or edited by hand
is refused before anything is read from it."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any


def envelope_problem(document: Any, *, format_name: str, format_version: int, checksum: Callable[[dict], str],
                     kind: str, made: str) -> str | None:
    """Why the document is not a usable file of this format, or None. kind names the format for people
    ("Planbuilder plan export"); made says how such a file comes about ("exported")."""
    if not isinstance(document, dict) or document.get("format") != format_name:
        return f"The file is not a {kind} (its \"format\" is not \"{format_name}\")."
    if document.get("format_version") != format_version:
        return (f"The file has format version {document.get('format_version')!r}; this Planbuilder reads format "
                f"version {format_version}.")
    if document.get("checksum") != checksum(document):
        return (f"The file was changed after it was {made}: its checksum does not match its content. "
                f"Make a new one instead of editing the file.")
    return None
