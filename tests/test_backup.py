"""Backup and restore of a whole municipality: the restored instance is equal row by row, frozen PDFs byte for
byte, people sign in with their passwords and old share links still open; a file not sealed with this server's
backup key, and anything else, is refused untouched."""
from __future__ import annotations

import json

import pytest
from conftest import _empty_all_tables, page_text, sign_in_as
from sqlalchemy import func, select

from planbuilder.extensions import db
from planbuilder.models import AuditEvent, Comment, FrozenDocument, Municipality, Plan, PlanVersion, ShareLink, User
from planbuilder.services.data import backup, backup_mac
from planbuilder.services.data.file_format import read_limited
from planbuilder.services.people import accounts, sharing
from planbuilder.services.plans import review

BACKUP_KEY = "the-operators-backup-key-0123456789abcdef"


@pytest.fixture
def app_config() -> dict:
    return {"BACKUP_KEY": BACKUP_KEY}


def ekdala() -> Municipality:
    return db.session.scalar(select(Municipality).where(Municipality.name == "Ekdala kommun"))


def adopted_version() -> PlanVersion:
    return db.session.scalar(select(PlanVersion).join(Plan).where(
        Plan.municipality_id == ekdala().id, PlanVersion.status == "adopted"))


def row_count() -> int:
    return sum(db.session.scalar(select(func.count()).select_from(model)) for model in backup.TABLES)


@pytest.fixture
def reviewed(seeded):
    """Ekdala's demo data plus a comment thread with a resolved reply and a share link (its token returned)."""
    reviewer = db.session.scalar(select(User).where(User.email == "reviewer@demo.example"))
    editor = db.session.scalar(select(User).where(User.email == "editor@demo.example"))
    draft = db.session.scalar(select(PlanVersion).join(Plan).where(
        Plan.municipality_id == ekdala().id, PlanVersion.status == "draft", Plan.title.like("%2025–2026")))
    section = next(iter(draft.content))
    draft.status = "in_review"  # submitted for review: reviewers comment now
    db.session.commit()
    first = review.add_comment(accounts.access_to(reviewer, ekdala().id), draft, section,
                               "Nämn socialtjänstens kontaktperson <b>vid namn</b>.", reviewer)
    review.reply(accounts.access_to(editor, ekdala().id), first, "Tillagt – se listan.", editor)
    review.set_resolved(accounts.access_to(editor, ekdala().id), first, True, editor)
    _, token = sharing.create_link(adopted_version(), "public", 30, editor)
    return {"token": token, "comments_page": f"/review/versions/{draft.id}/sections/{section}"}


@pytest.fixture
def backup_file(runner, reviewed, tmp_path):
    path = tmp_path / "ekdala.json.gz"
    result = runner.invoke(args=["backup", "export", "Ekdala kommun", "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path


def read_backup(path) -> dict:
    return json.loads(read_limited(path))  # gzipped or not


def write_backup(document: dict, path):
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def resealed(document: dict, key: str = BACKUP_KEY) -> dict:
    """The document with a MAC made anew: what someone holding that key can do after editing it."""
    document["mac"] = backup_mac.seal(document, backup_mac.BackupKey(key))
    return document


def as_format_1(document: dict) -> dict:
    """The document as the first backup format had it: a plain checksum, no MAC."""
    del document["mac"]
    document["format_version"] = backup.UNSIGNED_FORMAT_VERSION
    document["checksum"] = backup.checksum(document)
    return document


def test_the_backup_holds_the_municipality_and_nothing_of_the_others(backup_file):
    document = read_backup(backup_file)
    tables = document["tables"]
    assert [row["name"] for row in tables["municipality"]] == ["Ekdala kommun"]
    assert {row["municipality_id"] for row in tables["plan"]} == {ekdala().id}
    assert {row["email"] for row in tables["user_account"]} == {
        "admin@demo.example", "editor@demo.example", "reviewer@demo.example"}
    assert [row["body"] for row in tables["comment"]] == [
        "Nämn socialtjänstens kontaktperson <b>vid namn</b>.", "Tillagt – se listan."]
    # The adopted version's two frozen PDFs, and the two its decision's correction replaced (kept, too).
    assert len(tables["share_link"]) == 1 and len(tables["frozen_document"]) == 4
    assert len(tables["decision_correction"]) == 1 and len(tables["publication"]) == 1
    assert {row["action"] for row in tables["audit_event"]} >= {"comment.create", "share.create"}
    assert "Fjellvik" not in json.dumps(tables, ensure_ascii=False)
    # It holds password hashes: only its owner may read it.
    assert backup_file.stat().st_mode & 0o077 == 0
    # Sealed with the operator's key, which the file names but does not hold.
    assert document["mac"]["algorithm"] == "HMAC-SHA256" and "checksum" not in document
    assert document["mac"]["key_id"] == backup_mac.key_id(BACKUP_KEY)
    assert BACKUP_KEY not in json.dumps(document)


def test_restore_into_an_empty_instance_gives_everything_back(app, client, runner, reviewed, backup_file):
    every_frozen = {d.id: (d.version_id, d.edition, d.replaced_by_id, d.content)
                    for d in db.session.scalars(select(FrozenDocument))}
    frozen = {(version_id, edition): content for version_id, edition, replaced_by, content in every_frozen.values()
              if replaced_by is None}  # what downloads give
    adopted_id = adopted_version().id
    _empty_all_tables()
    assert row_count() == 0

    restored = runner.invoke(args=["backup", "restore", str(backup_file)])
    assert restored.exit_code == 0, restored.output
    assert "restored Ekdala kommun" in restored.output
    verified = runner.invoke(args=["backup", "verify", str(backup_file)])
    assert verified.exit_code == 0, verified.output
    assert "4 frozen PDFs byte for byte" in verified.output

    db.session.expire_all()
    assert {d.id: (d.version_id, d.edition, d.replaced_by_id, d.content)
            for d in db.session.scalars(select(FrozenDocument))} == every_frozen
    # The people and their passwords, the adopted PDF as the council decided it, and the link handed out before.
    sign_in_as(client, "editor@demo.example")
    download = client.get(f"/versions/{adopted_id}/document.pdf?edition=internal")
    assert download.status_code == 200 and download.data == frozen[(adopted_id, "internal")]
    assert client.get(f"/shared/{reviewed['token']}").data == frozen[(adopted_id, "public")]
    comments = client.get(reviewed["comments_page"])
    thread = page_text(comments)
    # Still inert text: the reader sees the tags as typed, and the page holds them escaped.
    assert "Nämn socialtjänstens kontaktperson <b>vid namn</b>." in thread
    assert "&lt;b&gt;vid namn&lt;/b&gt;" in comments.get_data(as_text=True)
    assert "Tillagt – se listan." in thread
    # New rows after a restore get new ids (PostgreSQL's sequences were moved past the restored rows).
    made = runner.invoke(args=["municipalities", "create", "Norrby kommun", "--country", "SE"])
    assert made.exit_code == 0, made.output
    restore_events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "backup.restore")).all()
    assert [event.detail["key_id"] for event in restore_events] == [backup_mac.key_id(BACKUP_KEY)]
    assert "accepted_unsigned" not in restore_events[0].detail


def test_restore_refuses_an_instance_that_already_holds_the_rows_and_writes_nothing(runner, backup_file):
    before = row_count()
    result = runner.invoke(args=["backup", "restore", str(backup_file)])
    assert result.exit_code == 1
    assert "nothing was restored" in result.output
    assert "already has a municipality named 'Ekdala kommun'" in result.output
    assert "plan_version: rows with the ids" in result.output
    assert row_count() == before


def _keep_the_mac(document):
    return document


@pytest.mark.parametrize("forge, refusal", [
    (_keep_the_mac, "MAC does not verify with this server's backup key"),
    (as_format_1, "has no keyed MAC (format version 1, a plain checksum only)"),
])
def test_a_hand_edited_file_with_its_checksum_recomputed_is_refused_and_nothing_written(runner, backup_file,
                                                                                       tmp_path, forge, refusal):
    document = read_backup(backup_file)
    document["tables"]["comment"][0]["body"] = "rewritten"
    document["checksum"] = backup.checksum(document)  # all that was needed before the MAC
    edited = write_backup(forge(document), tmp_path / "edited.json")
    _empty_all_tables()
    for command in ("restore", "verify"):
        result = runner.invoke(args=["backup", command, str(edited)])
        assert result.exit_code == 1 and "not a usable backup" in result.output
        assert refusal in result.output and len(result.output.strip().splitlines()) == 2  # one line of reason
    assert row_count() == 0


def test_a_file_sealed_with_another_backup_key_is_refused_naming_that_key(runner, backup_file, tmp_path):
    other_key = "another-servers-backup-key-fedcba9876543210"
    elsewhere = write_backup(resealed(read_backup(backup_file), other_key), tmp_path / "elsewhere.json")
    _empty_all_tables()
    result = runner.invoke(args=["backup", "restore", str(elsewhere)])
    assert result.exit_code == 1
    assert (f"made with another backup key (key id {backup_mac.key_id(other_key)}); this server's backup key has "
            f"key id {backup_mac.key_id(BACKUP_KEY)}") in result.output
    assert row_count() == 0


LOST_KEY = "the-key-nobody-wrote-down-0123456789abcdef"


def _sealed_with_a_lost_key(document):
    return resealed(document, LOST_KEY)


@pytest.mark.parametrize("unchecked, named_by", [
    (as_format_1, "checksum"),
    (_sealed_with_a_lost_key, "key_id"),
])
def test_a_backup_whose_mac_cannot_be_checked_restores_only_when_the_operator_accepts_it_audited(
        runner, backup_file, tmp_path, unchecked, named_by):
    document = unchecked(read_backup(backup_file))
    path = write_backup(document, tmp_path / "unchecked.json")
    _empty_all_tables()
    refused = runner.invoke(args=["backup", "restore", str(path)])
    assert refused.exit_code == 1 and "--accept-unsigned" in refused.output
    assert row_count() == 0

    result = runner.invoke(args=["backup", "restore", "--accept-unsigned", str(path)])
    assert result.exit_code == 0, result.output
    assert "the file's MAC was not checked; the audit trail records that you accepted it" in result.output
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "backup.restore"))
    assert event.detail["accepted_unsigned"] is True
    assert event.detail[named_by] == backup.seal_of(document)[named_by]
    verified = runner.invoke(args=["backup", "verify", "--accept-unsigned", str(path)])
    assert verified.exit_code == 0, verified.output


@pytest.mark.parametrize("sealed, refusal", [
    (_keep_the_mac, "MAC does not verify with this server's backup key"),
    (as_format_1, "checksum does not match"),
])
def test_the_flag_never_accepts_a_file_shown_to_be_changed_after_it_was_written(runner, backup_file, tmp_path,
                                                                                sealed, refusal):
    document = sealed(read_backup(backup_file))
    document["tables"]["comment"][0]["body"] = "rewritten"
    changed = write_backup(document, tmp_path / "changed.json")
    _empty_all_tables()
    result = runner.invoke(args=["backup", "restore", "--accept-unsigned", str(changed)])
    assert result.exit_code == 1 and refusal in result.output
    assert row_count() == 0


def test_the_first_export_without_a_key_makes_one_only_its_owner_can_read(app, runner, reviewed, tmp_path,
                                                                          monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_KEY", None)
    monkeypatch.delenv("BACKUP_KEY", raising=False)
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    key_file = tmp_path / "instance" / "backup.key"
    first = runner.invoke(args=["backup", "export", "Ekdala kommun", "-o", str(tmp_path / "first.json")])
    assert first.exit_code == 0, first.output
    key = key_file.read_text().strip()
    assert f"made a new backup key in {key_file} (key id {backup_mac.key_id(key)})" in first.output
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert read_backup(tmp_path / "first.json")["mac"]["key_id"] == backup_mac.key_id(key)
    second = runner.invoke(args=["backup", "export", "Ekdala kommun", "-o", str(tmp_path / "second.json")])
    assert second.exit_code == 0 and "made a new backup key" not in second.output
    assert key_file.read_text().strip() == key
    # A server without the key cannot check the file, and says what to do.
    key_file.unlink()
    refused = runner.invoke(args=["backup", "verify", str(tmp_path / "second.json")])
    assert refused.exit_code == 1 and "There is no backup key here" in refused.output
    assert not key_file.exists()  # reading never makes a key


def test_a_backup_key_too_short_to_resist_guessing_is_refused(app, runner, reviewed, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_KEY", "secret")
    result = runner.invoke(args=["backup", "export", "Ekdala kommun", "-o", str(tmp_path / "b.json")])
    assert result.exit_code == 1 and "the backup key is shorter than 32 characters" in result.output
    assert not (tmp_path / "b.json").exists()


def test_restore_refuses_a_file_that_is_not_a_backup(runner, reviewed, tmp_path):
    other = write_backup({"format": "planbuilder.plan"}, tmp_path / "other.json")
    assert "is not a Planbuilder municipality backup" in runner.invoke(args=["backup", "restore", str(other)]).output


def test_restore_refuses_a_plan_template_this_instance_lacks(runner, backup_file, tmp_path):
    document = read_backup(backup_file)
    for row in document["tables"]["plan"]:
        row["template_id"] = "xx-unknown"
    edited = write_backup(resealed(document), tmp_path / "resealed.json")
    _empty_all_tables()
    result = runner.invoke(args=["backup", "restore", str(edited)])
    assert result.exit_code == 1 and "no plan template 'xx-unknown'" in result.output
    assert row_count() == 0


def test_verify_names_every_row_that_differs_from_the_backup(runner, backup_file):
    comment = db.session.scalar(select(Comment).order_by(Comment.id))
    comment.body = "changed after the backup"
    link = db.session.scalar(select(ShareLink))
    db.session.delete(link)
    db.session.commit()
    result = runner.invoke(args=["backup", "verify", str(backup_file)])
    assert result.exit_code == 1
    assert f"comment {comment.id}: body differ" in result.output
    assert f"share_link {link.id}: missing" in result.output


def test_an_export_that_cannot_be_written_says_why_and_is_not_logged(runner, reviewed, tmp_path):
    target = tmp_path / "no-such-folder" / "ekdala.json.gz"
    result = runner.invoke(args=["backup", "export", "Ekdala kommun", "-o", str(target)])
    assert result.exit_code == 1
    assert f"cannot write {target}: No such file or directory" in result.output
    assert not db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "backup.export"))


def _point_a_share_link_elsewhere(document, others):
    document["tables"]["share_link"][0]["version_id"] = others["version"]


def _add_a_membership_elsewhere(document, others):
    row = dict(document["tables"]["membership"][0], id=90001, municipality_id=others["municipality"])
    document["tables"]["membership"].append(row)


def _forge_an_audit_line_elsewhere(document, others):
    row = dict(document["tables"]["audit_event"][0], id=90002, municipality_id=others["municipality"],
               action="plan.delete")
    document["tables"]["audit_event"].append(row)


def _comment_on_another_plan(document, others):
    document["tables"]["comment"][0]["version_id"] = others["version"]


def _move_a_plan_elsewhere(document, others):
    document["tables"]["plan"][0]["municipality_id"] = others["municipality"]


def _add_a_version_to_their_plan(document, others):
    row = dict(document["tables"]["plan_version"][0], id=90003, plan_id=others["plan"])
    document["tables"]["plan_version"].append(row)


def _sign_off_their_version(document, others):
    row = {"id": 90004, "version_id": others["version"], "reviewer_id": document["tables"]["user_account"][0]["id"],
           "verdict": "no_comments", "signed_at": "2026-12-01T10:00:00+00:00", "submitted_at": None}
    document["tables"]["review_signoff"].append(row)


@pytest.mark.parametrize("change, named", [
    (_point_a_share_link_elsewhere, "share_link"),
    (_move_a_plan_elsewhere, "municipality_id"),
    (_add_a_version_to_their_plan, "plan_version 90003: plan_id"),
    (_sign_off_their_version, "review_signoff 90004: version_id"),
    (_add_a_membership_elsewhere, "membership 90001: municipality_id"),
    (_forge_an_audit_line_elsewhere, "audit_event 90002: municipality_id"),
    (_comment_on_another_plan, "comment"),
])
def test_a_resealed_backup_that_reaches_into_another_municipality_is_refused_whole(runner, backup_file, tmp_path,
                                                                                  change, named):
    """Edited by someone who holds the backup key and resealed, restored where the other municipalities live."""
    document = read_backup(backup_file)
    danish = db.session.scalar(select(Municipality).where(Municipality.name == "Søndervig Kommune"))
    their_version = db.session.scalar(select(PlanVersion).join(Plan).where(Plan.municipality_id == danish.id))
    change(document, {"municipality": danish.id, "version": their_version.id, "plan": their_version.plan_id})
    edited = write_backup(resealed(document), tmp_path / "resealed.json")
    # Make room for Ekdala's rows, keeping the other municipalities the file reaches into.
    db.session.execute(db.delete(Municipality).where(Municipality.name == "Ekdala kommun"))
    db.session.commit()
    before = row_count()
    result = runner.invoke(args=["backup", "restore", str(edited)])
    assert result.exit_code == 1, result.output
    assert "points outside its own municipality" in result.output and named in result.output
    assert row_count() == before


def _a_row_that_is_a_list(document):
    document["tables"]["comment"][0] = ["not", "a", "row"]


def _a_column_this_release_has_not(document):
    document["tables"]["plan"][0]["owner_password"] = "x"


def _a_date_that_is_no_date(document):
    document["tables"]["plan_version"][0]["created_at"] = "yesterday"


def _an_id_that_is_text(document):
    document["tables"]["comment"][0]["id"] = "1; DROP TABLE comment"


def _a_title_too_long_for_its_column(document):
    document["tables"]["plan"][0]["title"] = "x" * 100_000


def _a_table_nobody_backs_up(document):
    document["tables"]["sign_in_link"] = []


@pytest.mark.parametrize("change, named", [
    (_a_row_that_is_a_list, "comment #1: not a row"),
    (_a_column_this_release_has_not, "there is no column 'owner_password'"),
    (_a_date_that_is_no_date, "created_at cannot be read"),
    (_an_id_that_is_text, "id should be int, not str"),
    (_a_title_too_long_for_its_column, "title is longer than its column allows"),
    (_a_table_nobody_backs_up, "'sign_in_link' is not a table a backup holds"),
])
def test_a_resealed_backup_with_rows_this_release_never_writes_is_refused_in_one_line(runner, backup_file,
                                                                                     tmp_path, change, named):
    """Rows edited by hand into shapes the database would refuse halfway (or Python would trip over): refused
    before anything is written, in a line naming the row, on either database."""
    document = read_backup(backup_file)
    change(document)
    edited = write_backup(resealed(document), tmp_path / "misshapen.json")
    _empty_all_tables()
    result = runner.invoke(args=["backup", "restore", str(edited)])
    assert result.exit_code == 1, result.output
    assert "never writes" in result.output and named in result.output, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 2
    assert row_count() == 0
