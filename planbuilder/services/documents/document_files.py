"""Made documents kept as files in this machine's instance folder, so that a download is sent by the operating
system (gunicorn's sendfile) instead of being read out of the database and through Python by a web process.

The database stays the only source of truth: a file is a copy named by its SHA-256, served only while the
database names that hash for the document asked for and only if the file's bytes still hash to it (an adopted
plan's PDF is exactly the bytes frozen at adoption, or it is not served from a file). Any copy may go at any
time (pruned, lost with a machine, never written because the disk was full): the next download reads the database
and writes it again. Each machine keeps its own copies; nothing is shared between machines.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import Flask, current_app
from sqlalchemy import select

from ...extensions import db
from ...models import FrozenDocument, PlanVersion, RenderedDocument

log = logging.getLogger(__name__)

WRITING = ".writing-"        # a copy being written; renamed to its hash once whole
ABANDONED_SECONDS = 3600     # a copy still being written after this long was left by a process that died
# A worker keeps its copy before it commits the document: a copy this young is spared even if no row names it yet.
UNCOMMITTED_SECONDS = 120


@dataclass(frozen=True)
class MadeFile:
    """A made document as an open file, ready to be handed to the WSGI server (which closes it once sent)."""

    file: BinaryIO
    size: int

    def close(self) -> None:
        """For an answer that does not send the document after all (the progress page's poll)."""
        self.file.close()


Made = MadeFile | bytes


def folder() -> Path | None:
    """Where this machine keeps its copies; None when copies are turned off (DOCUMENT_FILES_MB = 0)."""
    if current_app.config["DOCUMENT_FILES_MB"] <= 0:
        return None
    return Path(current_app.config["DOCUMENT_FILES_DIR"])


def _path(base: Path, sha256: str) -> Path:
    return base / sha256[:2] / sha256


def made_render(cache_key: str) -> Made | None:
    """A document of the render cache, if it is made."""
    return _made(RenderedDocument, (RenderedDocument.cache_key == cache_key,))


def made_frozen(version: PlanVersion, edition: str) -> Made | None:
    """The PDF frozen when the version was adopted (the current one, if a correction froze it again)."""
    return _made(FrozenDocument, (FrozenDocument.version_id == version.id, FrozenDocument.edition == edition,
                                  FrozenDocument.replaced_by_id.is_(None)))


def _made(model, where: tuple) -> Made | None:
    sha256 = db.session.scalar(select(model.sha256).where(*where))
    if sha256 is None:
        return None
    return served(sha256, lambda: db.session.scalar(select(model.content).where(*where)))


def served(sha256: str, load: Callable[[], bytes | None]) -> Made | None:
    """The copy of the document with this hash if this machine has it, else its bytes from `load` (the database),
    kept as a copy for the next download."""
    base = folder()
    if base is not None:
        opened = _open_copy(_path(base, sha256), sha256)
        if opened is not None:
            return opened
    body = load()
    if body is not None and base is not None:
        keep(sha256, body)
    return body


def _open_copy(path: Path, sha256: str) -> MadeFile | None:
    """The copy, opened at its start, if its bytes are still the ones the database names (hashing half a
    megabyte from the page cache takes about a millisecond, and a copy cut short or altered is never sent)."""
    try:
        file = open(path, "rb")  # noqa: SIM115 - closed by the WSGI server once sent
    except OSError:
        return None
    try:
        matches = hashlib.file_digest(file, "sha256").hexdigest() == sha256
        size = file.tell()
        file.seek(0)
    except OSError:
        matches = False
    if not matches:
        file.close()
        log.warning("file copy of document %s does not match the database; served from the database", sha256[:12])
        return None
    return MadeFile(file=file, size=size)


def keep(sha256: str, body: bytes) -> None:
    """Keep a copy of `body` named by its hash, but never one whose bytes are not those the database vouches for.
    A copy that cannot be written (disk full, folder read-only) is only a missed shortcut: logged, and downloads
    are served from the database."""
    base = folder()
    if base is None or hashlib.sha256(body).hexdigest() != sha256:
        return
    target = _path(base, sha256)
    try:
        _write_whole(target, body)
    except OSError as exc:
        log.warning("no file copy of document %s kept: %s", sha256[:12], exc)
        return
    prune(base)


def _write_whole(target: Path, body: bytes) -> None:
    """Written to a temporary file beside `target`, then renamed: a reader finds the whole copy or none."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=WRITING, delete=False) as temporary:
        try:
            temporary.write(body)
            temporary.close()
            os.replace(temporary.name, target)
        except OSError:
            _remove(temporary.name)
            raise


def prune(base: Path | None = None) -> int:
    """Remove the copies the database no longer names (an earlier render of changed content, a deleted plan:
    what was deleted must not live on as a file), what a crash left half-written, and then, oldest first, what
    is over DOCUMENT_FILES_MB. Run after each new copy and on the job sweep. Returns how many files went."""
    base = base or folder()
    if base is None or not base.is_dir():
        return 0
    named = set(db.session.scalars(select(RenderedDocument.sha256))) | set(
        db.session.scalars(select(FrozenDocument.sha256)))
    now = time.time()
    removed, kept = 0, []
    for entry in _files(base):
        age = now - entry.stat().st_mtime
        if entry.name.startswith(WRITING):
            removed += _remove(entry.path) if age > ABANDONED_SECONDS else 0
        elif entry.name not in named and age > UNCOMMITTED_SECONDS:
            removed += _remove(entry.path)
        else:
            kept.append(entry)
    over = sum(entry.stat().st_size for entry in kept) - current_app.config["DOCUMENT_FILES_MB"] * 1024 * 1024
    for entry in sorted(kept, key=lambda entry: entry.stat().st_mtime):
        if over <= 0:
            break
        over -= entry.stat().st_size
        removed += _remove(entry.path)
    return removed


_pruning: set[tuple[int, int]] = set()  # (process, app) with a pruning thread
_pruning_lock = threading.Lock()


def keep_pruning(app: Flask) -> None:
    """Where no worker sweeps this machine's copies (the queue on Redis: the worker may be on another machine),
    a thread of this process prunes them every DOCUMENT_FILES_PRUNE_SECONDS, at once the first time: what was
    deleted does not live on as a file on a machine that once sent it, even one nobody downloads from any more.
    Called on every request (a set lookup); the thread starts once per process, after gunicorn's fork."""
    if (app.config["JOB_QUEUE"] != "redis" or app.config["DOCUMENT_FILES_MB"] <= 0
            or app.config["DOCUMENT_FILES_PRUNE_SECONDS"] <= 0):
        return
    key = (os.getpid(), id(app))
    with _pruning_lock:
        if key in _pruning:
            return
        _pruning.add(key)
    threading.Thread(target=_prune_regularly, args=(weakref.ref(app),), name="planbuilder-prune-copies",
                     daemon=True).start()


def _prune_regularly(app_ref: weakref.ref) -> None:
    """Until the app is gone or the setting turned off; the app is not held while the thread sleeps."""
    while (app := app_ref()) is not None and (every := app.config["DOCUMENT_FILES_PRUNE_SECONDS"]) > 0:
        try:
            with app.app_context():
                prune()
        except Exception:  # a database down for a moment: the next round tries again
            log.exception("pruning this machine's copies of made documents failed")
        del app
        time.sleep(every)


def _files(base: Path) -> list[os.DirEntry]:
    return [entry for sub in os.scandir(base) if sub.is_dir() for entry in os.scandir(sub.path) if entry.is_file()]


def _remove(path: str) -> int:
    try:
        os.unlink(path)
        return 1
    except OSError:  # another process removed it first
        return 0
