"""What the plan export and the municipality backup share: a JSON document that names its format and format
version and carries a checksum of its own content, so a file of another kind, another release or edited by hand
is refused before anything is read from it."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
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


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read: plan exports, backups and rendered documents hold the internal
    edition (and backups password hashes). Made 0600 before anything is written to it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def is_pdf(body: bytes) -> bool:
    """A frozen document must be a PDF (it is served as one): not HTML or anything else under its name."""
    return body.startswith(b"%PDF-")
