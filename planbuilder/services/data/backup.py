"""Backup and restore of one municipality: every row that is its own, as one JSON document sealed with a MAC
made with the operator's backup key (backup_mac.py).

The backup is a table dump, not a re-interpretation: each row keeps its id, so the audit trail's references,
the links people bookmarked and the frozen PDFs stay exactly what they were. That is why a restore goes into an
instance that holds none of those rows yet (a new server, or one holding other municipalities); it refuses
anything else before writing a single row. docs/backup.md describes the format and the commands.
"""
from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from ...extensions import db
from ...models import (
    AuditEvent,
    Comment,
    DecisionCorrection,
    FollowUpEntry,
    FrozenDocument,
    Membership,
    Municipality,
    Plan,
    PlanVersion,
    Publication,
    ReviewSignoff,
    ShareLink,
    User,
    utcnow,
)
from ..people import audit
from ..plans.plans import UnknownTemplateError, template_for
from . import backup_mac
from .backup_rows import from_json, shape_problem, to_json
from .file_format import (
    UnreadableFile,
    checksum_problem,
    format_problem,
    is_pdf,
    parse_json,
    read_limited,
    sha256_of_json,
    write_private,
)

FORMAT = "planbuilder.municipality-backup"
KIND = "Planbuilder municipality backup"
FORMAT_VERSION = 2
# Backups of the first format carry a plain checksum, no MAC: read only when the operator says so (--accept-unsigned,
# audited), as is a backup whose key this server does not have.
UNSIGNED_FORMAT_VERSION = 1
# Audit actions of the backup commands themselves: a verify right after a backup or restore is not disturbed
# by the event that records it.
OWN_ACTIONS = ("backup.export", "backup.restore")

# In the order a restore inserts them (every reference points to a table earlier in the list, or to an earlier
# row of the same table: rows are dumped by id). Not backed up: the rendered-document cache (rebuilt on the
# first download), one-time sign-in links (an admin sends a new one) and failed sign-ins without a municipality.
TABLES: tuple[type[db.Model], ...] = (Municipality, User, Membership, Plan, PlanVersion, DecisionCorrection,
                                      FrozenDocument, Publication, Comment, ShareLink, ReviewSignoff, FollowUpEntry,
                                      AuditEvent)


class BackupRefused(ValueError):
    """A backup that cannot be restored here; .problems names every reason. Nothing was written."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Restored:
    municipality: Municipality
    rows: dict[str, int]
    reused_users: list[str]
    accepted_unsigned: bool  # read without a MAC checked by this server's key, as the operator said


def _dump(table: Table, where) -> list[dict[str, Any]]:
    rows = db.session.execute(select(table).where(where).order_by(table.c.id)).mappings()
    return [{column.name: to_json(column, row[column.name]) for column in table.columns} for row in rows]


def _user_references(tables: dict[str, list[dict]]) -> set[int]:
    """Ids of every user a dumped row points to (authors, adopters, the audit trail's actors)."""
    found = set()
    for model in TABLES:
        table = model.__table__
        columns = [c.name for c in table.columns if any(fk.column.table.name == User.__tablename__
                                                         for fk in c.foreign_keys)]
        for row in tables.get(table.name, []):
            found.update(row[name] for name in columns if row[name] is not None)
    return found


# --- export -----------------------------------------------------------------------------------------------------

def dump_municipality(municipality_id: int) -> dict[str, list[dict]]:
    """Every row of the municipality, table by table, as JSON values."""
    plan_ids = select(Plan.id).where(Plan.municipality_id == municipality_id)
    version_ids = select(PlanVersion.id).where(PlanVersion.plan_id.in_(plan_ids))
    scopes = {
        Municipality: Municipality.id == municipality_id,
        Membership: Membership.municipality_id == municipality_id,
        Plan: Plan.municipality_id == municipality_id,
        PlanVersion: PlanVersion.plan_id.in_(plan_ids),
        DecisionCorrection: DecisionCorrection.version_id.in_(version_ids),
        FrozenDocument: FrozenDocument.version_id.in_(version_ids),
        Publication: Publication.municipality_id == municipality_id,
        Comment: Comment.version_id.in_(version_ids),
        ShareLink: ShareLink.version_id.in_(version_ids),
        ReviewSignoff: ReviewSignoff.version_id.in_(version_ids),
        FollowUpEntry: FollowUpEntry.version_id.in_(version_ids),
        AuditEvent: AuditEvent.municipality_id == municipality_id,
    }
    tables = {model.__tablename__: _dump(model.__table__, where) for model, where in scopes.items()}
    members = {row["user_id"] for row in tables[Membership.__tablename__]}
    tables[User.__tablename__] = _dump(User.__table__, User.id.in_(members | _user_references(tables)))
    return {model.__tablename__: tables[model.__tablename__] for model in TABLES}


def schema_revision() -> str | None:
    try:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        db.session.rollback()
        return None


def checksum(document: dict) -> str:
    """The plain checksum of a format-1 backup (without a MAC)."""
    return sha256_of_json({key: value for key, value in document.items() if key not in ("exported_at", "checksum")})


def is_unsigned(document: dict) -> bool:
    """A backup of the first format, with a plain checksum and no MAC (whatever else the file holds)."""
    return document["format_version"] == UNSIGNED_FORMAT_VERSION


def seal_of(document: dict) -> dict[str, str]:
    """What names this file in the audit trail: its MAC and key id, or an unsigned file's checksum."""
    if is_unsigned(document):
        return {"checksum": document["checksum"]}
    return {"mac": document["mac"]["value"], "key_id": document["mac"]["key_id"]}


def export_municipality(municipality: Municipality, key: backup_mac.BackupKey) -> dict[str, Any]:
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_revision": schema_revision(),
        "exported_at": utcnow().isoformat(),
        "municipality": {"id": municipality.id, "name": municipality.name},
        "tables": dump_municipality(municipality.id),
    }
    document["mac"] = backup_mac.seal(document, key)
    return document


def save_export(municipality: Municipality, document: dict, path: Path) -> None:
    """Write the backup, then record it in the municipality's audit log: a file that could not be written is
    no backup, and leaves no line saying it was made (OSError names why)."""
    write_file(document, path)
    audit.record("backup.export", user_id=None, municipality_id=municipality.id, obj=municipality,
                 **seal_of(document), rows=row_counts(document))
    db.session.commit()


def row_counts(document: dict) -> dict[str, int]:
    return {name: len(rows) for name, rows in document["tables"].items()}


def write_file(document: dict, path: Path) -> None:
    """JSON, gzipped when the name ends in .gz; readable by its owner only (it holds password hashes)."""
    data = (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    if path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    write_private(path, data)


# --- reading and checking ---------------------------------------------------------------------------------------

def read_file(path: Path, *, accept_unsigned: bool = False) -> dict:
    """The backup in the file, once its MAC verifies with this server's backup key. accept_unsigned: a backup whose
    MAC this server cannot check is read too: one of format version 1 (a plain checksum, no MAC), or one made with
    a key this server does not have."""
    try:
        document = parse_json(read_limited(path))
    except UnreadableFile as exc:
        raise BackupRefused([f"{path} cannot be read as a backup: {exc}"]) from exc
    problem = (format_problem(document, format_name=FORMAT, kind=KIND,
                              readable_versions=(UNSIGNED_FORMAT_VERSION, FORMAT_VERSION))
               or _seal_problem(document, accept_unsigned))
    if problem:
        raise BackupRefused([f"{path}: {problem}"])
    if not isinstance(document.get("tables"), dict) or not document["tables"].get(Municipality.__tablename__):
        raise BackupRefused([f"{path} holds no municipality."])
    return document


def _seal_problem(document: dict, accept_unsigned: bool) -> str | None:
    if not is_unsigned(document):
        secret = backup_mac.configured_key()
        if accept_unsigned and backup_mac.made_with_a_key_not_here(document, secret):
            return None  # the key is lost, or was never given here: the operator vouches for the file
        return backup_mac.mac_problem(document, secret)
    if not accept_unsigned:
        return (f"The file has no keyed MAC (format version {UNSIGNED_FORMAT_VERSION}, a plain checksum only), so "
                "nothing shows that it was not edited. Restore it only if you know where it has been, with "
                "--accept-unsigned.")
    # Damage is still worth catching, even though the checksum proves nothing about who wrote the file.
    return checksum_problem(document, checksum, "written")


def is_verified(document: dict) -> bool:
    """Whether the backup's MAC verifies with this server's key (else it was read by the operator's leave)."""
    return not is_unsigned(document) and backup_mac.mac_problem(document, backup_mac.configured_key()) is None


def _taken_ids(model: type[db.Model], ids: list[int]) -> set[int]:
    return set(db.session.scalars(select(model.id).where(model.id.in_(ids)))) if ids else set()


def _check_users(rows: list[dict], problems: list[str]) -> set[int]:
    """Ids of users the instance already has (the same account restored from another municipality's backup)."""
    reused = set()
    for row in rows:
        existing = db.session.get(User, row["id"])
        by_email = db.session.scalar(select(User).where(User.email == row["email"]))
        if existing is not None and by_email is existing:
            reused.add(row["id"])
        elif existing is not None or by_email is not None:
            problems.append(f"user {row['email']} (id {row['id']}): this instance has another account with that "
                            "id or e-mail address")
    return reused


def _row_outside(tables: dict[str, list[dict]]) -> str | None:
    """The first row that points at anything but a row of this same backup, or None.

    A file edited by hand (an unsigned one accepted with --accept-unsigned, or one resealed by someone who holds
    the backup key) could otherwise write into other municipalities: a membership there, a share link to their
    plan, a line in their audit log.
    """
    if len(tables.get(Municipality.__tablename__, [])) != 1:
        return "the file must hold exactly one municipality"
    ids = {model.__tablename__: {row["id"] for row in tables.get(model.__tablename__, [])} for model in TABLES}
    for model in TABLES:
        for column in model.__table__.columns:
            targets = {fk.column.table.name for fk in column.foreign_keys}
            if column.name == "municipality_id":
                targets = {Municipality.__tablename__}
            for target in targets & ids.keys():
                for row in tables.get(model.__tablename__, []):
                    value = row.get(column.name)
                    if value is not None and value not in ids[target]:
                        return (f"{model.__tablename__} {row.get('id')}: {column.name} {value} is not a row of "
                                "this backup")
    return None


def check_restore(document: dict) -> set[int]:
    """Every reason the backup cannot be restored here (BackupRefused), or the ids of users to reuse."""
    problems = []
    here = schema_revision()
    if document.get("schema_revision") != here:
        problems.append(f"The backup was written by database schema {document.get('schema_revision')!r}; this "
                        f"instance has {here!r}. Restore it on the same Planbuilder release, then upgrade.")
        raise BackupRefused(problems)
    tables = document["tables"]
    misshapen = shape_problem(tables, {model.__tablename__: model.__table__ for model in TABLES})
    if misshapen:
        raise BackupRefused([f"The file holds what this release never writes ({misshapen}); it was edited or "
                             "damaged."])
    outside = _row_outside(tables)
    if outside:
        raise BackupRefused([f"The file points outside its own municipality ({outside}). A backup restores "
                             "one municipality and nothing else."])
    municipality = tables[Municipality.__tablename__][0]
    if db.session.scalar(select(Municipality.id).where(Municipality.name == municipality["name"])):
        problems.append(f"This instance already has a municipality named {municipality['name']!r}.")
    for model in TABLES:
        if model is User:
            continue
        taken = _taken_ids(model, [row["id"] for row in tables.get(model.__tablename__, [])])
        if taken:
            shown = ", ".join(map(str, sorted(taken)[:10])) + (" …" if len(taken) > 10 else "")
            problems.append(f"{model.__tablename__}: rows with the ids {shown} already exist here; restore into an "
                            "instance that does not hold this municipality's rows.")
    reused = _check_users(tables.get(User.__tablename__, []), problems)
    for template_id in sorted({row["template_id"] for row in tables.get(Plan.__tablename__, [])}):
        try:
            template_for(template_id)
        except UnknownTemplateError:
            problems.append(f"There is no plan template {template_id!r} here; add its file to plan_templates/.")
    for row in tables.get(FrozenDocument.__tablename__, []):
        try:
            body = base64.b64decode(row["content"], validate=True)
        except (binascii.Error, TypeError, ValueError):
            body = b""
        if hashlib.sha256(body).hexdigest() != row["sha256"]:
            problems.append(f"frozen document {row['id']}: its content does not match its sha256")
        elif not is_pdf(body):
            problems.append(f"frozen document {row['id']}: its content is not a PDF")
    if problems:
        raise BackupRefused(problems)
    return reused


# --- restore ----------------------------------------------------------------------------------------------------

def _insert(model: type[db.Model], rows: Iterable[dict]) -> int:
    table = model.__table__
    values = [{column.name: from_json(column, row.get(column.name)) for column in table.columns} for row in rows]
    if values:
        db.session.execute(insert(table), values)
    return len(values)


def _advance_sequences() -> None:
    """PostgreSQL hands out ids from sequences; after rows came in with their own ids, move each past them."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in TABLES:
        name = model.__tablename__
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {name}), (SELECT COUNT(*) > 0 FROM {name}))"))


def restore(document: dict) -> Restored:
    """Insert every row of the backup (as read_file gives it) in one transaction, or nothing (BackupRefused names
    every reason). A backup whose MAC this server cannot check came through read_file only by the operator's
    --accept-unsigned, and the audit trail says so."""
    reused = check_restore(document)
    tables = document["tables"]
    counts = {}
    try:
        for model in TABLES:
            rows = tables.get(model.__tablename__, [])
            if model is User:
                rows = [row for row in rows if row["id"] not in reused]
            counts[model.__tablename__] = _insert(model, rows)
        _advance_sequences()
        municipality = db.session.get(Municipality, tables[Municipality.__tablename__][0]["id"])
        accepted_unsigned = not is_verified(document)
        unsigned = {"accepted_unsigned": True} if accepted_unsigned else {}
        audit.record("backup.restore", user_id=None, municipality_id=municipality.id, obj=municipality,
                     **seal_of(document), **unsigned, rows=counts)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    emails = [row["email"] for row in tables.get(User.__tablename__, []) if row["id"] in reused]
    return Restored(municipality, counts, emails, accepted_unsigned)


# --- verify -----------------------------------------------------------------------------------------------------

def _is_own_event(table_name: str, row: dict, document: dict) -> bool:
    if table_name != AuditEvent.__tablename__ or row["action"] not in OWN_ACTIONS:
        return False
    detail = row.get("detail") or {}
    return all(detail.get(name) == value for name, value in seal_of(document).items())


def differences(document: dict) -> list[str]:
    """How this instance's rows of the backed-up municipality differ from the backup; [] when equal."""
    found = []
    current = dump_municipality(document["municipality"]["id"])
    for name, expected_rows in document["tables"].items():
        expected = {row["id"]: row for row in expected_rows}
        actual = {row["id"]: row for row in current.get(name, []) if not _is_own_event(name, row, document)}
        for row_id in sorted(expected.keys() - actual.keys()):
            found.append(f"{name} {row_id}: missing")
        for row_id in sorted(actual.keys() - expected.keys()):
            found.append(f"{name} {row_id}: not in the backup")
        for row_id in sorted(expected.keys() & actual.keys()):
            changed = [column for column in expected[row_id] if expected[row_id][column] != actual[row_id].get(column)]
            if changed:
                found.append(f"{name} {row_id}: {', '.join(changed)} differ")
    return found
