"""What the plan export and the municipality backup share: a JSON document that names its format and format
version, so a file of another kind or another release is refused before anything is read from it, and that
carries a seal of its own content: a plain checksum (plan exports) catches a file damaged or carelessly edited,
the backup's keyed MAC (backup_mac.py) also one edited on purpose."""
from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def format_problem(document: Any, *, format_name: str, readable_versions: tuple[int, ...], kind: str) -> str | None:
    """Why the document is not a file of this format in a version this release reads, or None. kind names the
    format for people ("Planbuilder plan export")."""
    if not isinstance(document, dict) or document.get("format") != format_name:
        return f"The file is not a {kind} (its \"format\" is not \"{format_name}\")."
    if document.get("format_version") not in readable_versions:
        versions = " and ".join(map(str, readable_versions))
        return (f"The file has format version {document.get('format_version')!r}; this Planbuilder reads format "
                f"version{'s' if len(readable_versions) > 1 else ''} {versions}.")
    return None


def checksum_problem(document: dict, checksum: Callable[[dict], str], made: str) -> str | None:
    """Why the document's plain checksum does not match its content, or None. made says how such a file comes
    about ("exported"). Anyone can recompute a checksum: it catches damage and careless edits, not forgery."""
    if document.get("checksum") != checksum(document):
        return (f"The file was changed after it was {made}: its checksum does not match its content. "
                f"Make a new one instead of editing the file.")
    return None


def envelope_problem(document: Any, *, format_name: str, format_version: int, checksum: Callable[[dict], str],
                     kind: str, made: str) -> str | None:
    """Why the document is not an intact file of this format and version, or None."""
    return (format_problem(document, format_name=format_name, readable_versions=(format_version,), kind=kind)
            or checksum_problem(document, checksum, made))


def canonical_json(value: Any) -> bytes:
    """The one byte form of a JSON value that a checksum or MAC is computed over: keys sorted, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_of_json(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


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


# A file read whole into memory is held several times over as Python objects: refuse anything larger than this
# (a municipality's backup with its frozen PDFs is a few megabytes), and anything nested deeper than any file of
# ours, before it can exhaust the machine.
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 32


class UnreadableFile(ValueError):
    """The file cannot be read as one of our JSON files; the message says why, in one line."""


def read_limited(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes, unpacked when gzipped, and never more than `limit` of them: a small gzip file can
    unpack to gigabytes, so it is unpacked as a stream and refused as soon as it passes the limit."""
    limit = limit or MAX_FILE_BYTES
    try:
        with path.open("rb") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            stream = gzip.GzipFile(fileobj=raw) if gzipped else raw
            data = stream.read(limit + 1)
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise UnreadableFile(f"{path} cannot be read: {exc}") from exc
    if len(data) > limit:
        raise UnreadableFile(f"{path} is larger than {limit // (1024 * 1024)} MB{' unpacked' if gzipped else ''}; "
                             "it is not a file Planbuilder wrote.")
    return data


def parse_json(data: bytes | str) -> Any:
    """JSON that the database can store: strict UTF-8, at most MAX_DEPTH levels deep, and no text holding a
    null character or half of a surrogate pair (neither can be stored, nor is ever written by us)."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        document = json.loads(text)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"The file is not UTF-8 text (byte {exc.start}).") from exc
    except json.JSONDecodeError as exc:
        raise UnreadableFile(f"The file is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") \
            from exc
    except RecursionError as exc:
        raise UnreadableFile(f"The file is nested more than {MAX_DEPTH} levels deep.") from exc
    _check_values(document)
    return document


def _check_values(document: Any) -> None:
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise UnreadableFile(f"The file is nested more than {MAX_DEPTH} levels deep.")
        if isinstance(value, dict):
            pending.extend((item, depth + 1) for pair in value.items() for item in pair)
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            if "\x00" in value:
                raise UnreadableFile("The file holds text with a null character, which cannot be stored.")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise UnreadableFile("The file holds text with half of a surrogate pair, which cannot be "
                                     "stored.") from exc
