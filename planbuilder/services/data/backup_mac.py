"""The keyed MAC that seals a municipality backup: HMAC-SHA256 with a key the operator holds.

A plain checksum is recomputed by whoever edits the file; a MAC can only be made with the key. So a backup
that verifies was written by a server holding this key, and not changed since. It says nothing about which
backup it is (an older genuine one verifies as well) and nothing against someone who holds the key: the
row-by-row checks of the restore stay. docs/backup.md says how to keep the key.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from ... import config
from .file_format import canonical_json

ALGORITHM = "HMAC-SHA256"
# A key an operator chose by hand must still be out of reach of guessing: the MAC of any backup lets a guesser
# test candidate keys offline, as fast as their machine allows. A generated key has 64 characters.
MIN_KEY_LENGTH = 32


class BackupKeyError(ValueError):
    """The configured backup key cannot seal a backup; the message says why and what to do."""


@dataclass(frozen=True)
class BackupKey:
    secret: str
    made_now: Path | None = None  # the key file, when this export made it

    @property
    def id(self) -> str:
        return key_id(self.secret)


def key_id(secret: str) -> str:
    """Names a key without revealing it, so a refusal can say which key a backup was made with."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:8]


def configured_key() -> str | None:
    """BACKUP_KEY from instance/config.py, else from the environment, else instance/backup.key; None if none."""
    return current_app.config.get("BACKUP_KEY") or config.backup_key(current_app.instance_path)


def key_for_writing() -> BackupKey:
    """The key to seal a backup with; the first export on a server without one makes instance/backup.key."""
    secret = configured_key()
    if secret is None:
        made = config.new_backup_key(current_app.instance_path)
        return BackupKey(config.backup_key(current_app.instance_path), made)
    if len(secret) < MIN_KEY_LENGTH:
        raise BackupKeyError(f"the backup key is shorter than {MIN_KEY_LENGTH} characters; set BACKUP_KEY to a "
                             "random one, e.g. the output of: python -c 'import secrets; print(secrets.token_hex(32))'")
    return BackupKey(secret)


def _value(document: dict, secret: str) -> str:
    # Everything but the MAC itself, exported_at included: the date a restored backup claims is the date it was made.
    content = {name: value for name, value in document.items() if name != "mac"}
    return hmac.new(secret.encode("utf-8"), canonical_json(content), hashlib.sha256).hexdigest()


def seal(document: dict, key: BackupKey) -> dict[str, str]:
    """The document's "mac" entry."""
    return {"algorithm": ALGORITHM, "key_id": key.id, "value": _value(document, key.secret)}


def _mac_entry(document: dict) -> dict | None:
    """The document's "mac" entry when it has the shape this release writes, else None."""
    mac = document.get("mac")
    if (isinstance(mac, dict) and mac.get("algorithm") == ALGORITHM and isinstance(mac.get("value"), str)
            and re.fullmatch(r"[0-9a-f]{8}", str(mac.get("key_id")))):
        return mac
    return None


def made_with_a_key_not_here(document: dict, secret: str | None) -> bool:
    """A MAC this server cannot check: made with a key it does not have (lost, or never given to it)."""
    mac = _mac_entry(document)
    return mac is not None and (secret is None or mac["key_id"] != key_id(secret))


# What an operator whose key is lost can still do; the refusals of a key that is not here say so.
LOST_KEY = "If that key is lost, --accept-unsigned reads the file unchecked."


def mac_problem(document: dict, secret: str | None) -> str | None:
    """Why the document's MAC does not show that it was made with this key and not changed since, or None."""
    mac = _mac_entry(document)
    if mac is None:
        return f"The file carries no {ALGORITHM} MAC, so nothing shows that a Planbuilder server wrote it."
    if secret is None:
        return (f"There is no backup key here to check the file with (it was made with key id {mac['key_id']}): "
                f"set BACKUP_KEY, or put that key in instance/backup.key. {LOST_KEY}")
    if mac["key_id"] != key_id(secret):
        return (f"The file was made with another backup key (key id {mac['key_id']}); this server's backup key has "
                f"key id {key_id(secret)}. {LOST_KEY}")
    # Compared in constant time, as bytes: compare_digest refuses str with characters beyond ASCII.
    if not hmac.compare_digest(mac["value"].encode("utf-8"), _value(document, secret).encode("ascii")):
        return ("The file's MAC does not verify with this server's backup key: it was changed after it was written, "
                "or forged. Make a new backup instead of editing the file.")
    return None
