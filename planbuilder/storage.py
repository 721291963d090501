"""Whether the server can still store things: a database write refused because the disk is full is told apart
from a database that cannot be reached, so people hear "could not be stored", not "cannot reach"."""
from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy.exc import OperationalError

# PostgreSQL's SQLSTATE for disk_full; SQLite says it in words.
DISK_FULL_STATE = "53100"
DISK_FULL_WORDS = ("database or disk is full", "no space left on device")


def is_storage_full(exc: BaseException) -> bool:
    if not isinstance(exc, OperationalError):
        return False
    if getattr(exc.orig, "sqlstate", None) == DISK_FULL_STATE:
        return True
    return any(words in str(exc).lower() for words in DISK_FULL_WORDS)


def free_megabytes(folder: str | Path) -> int:
    return shutil.disk_usage(folder).free // (1024 * 1024)
