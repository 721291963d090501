"""Made documents are sent from file copies in the instance folder (services/documents/document_files.py).

The database decides what is sent: a copy only spares reading half a megabyte out of it, is never sent unless its
bytes hash to what the database holds for the document asked for, and goes once the database no longer has it.
"""
from __future__ import annotations

import hashlib
import logging
import os
import time
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.models import FrozenDocument, RenderedDocument
from planbuilder.services.documents import document_files
from planbuilder.services.jobs import runner
from tests.conftest import counted_queries
from tests.test_versions import adopted_demo_plan
from tests.wizard_helpers import demo_plan, working_version


@pytest.fixture
def files(app, tmp_path) -> Path:
    app.config["DOCUMENT_FILES_DIR"] = str(tmp_path / "documents")
    return tmp_path / "documents"


def copies(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.glob("*/*")} if folder.is_dir() else {}


def copy_of(folder: Path, body: bytes) -> Path:
    sha256 = hashlib.sha256(body).hexdigest()
    return folder / sha256[:2] / sha256


def draft_pdf_url(**args) -> str:
    return url_for("documents.pdf", version_id=working_version(demo_plan().id).id, **args)


def test_a_made_document_is_sent_from_its_copy_without_reading_it_from_the_database(editor_client, fake_pdfs,
                                                                                   files):
    first = editor_client.get(draft_pdf_url())  # made in the request by the tests' inline queue
    assert first.status_code == 200
    assert copies(files) == {hashlib.sha256(first.data).hexdigest(): first.data}

    with counted_queries() as sent:
        again = editor_client.get(draft_pdf_url())
    assert again.status_code == 200 and again.data == first.data
    assert again.headers["Content-Length"] == str(len(first.data))
    assert again.headers["Content-Disposition"].startswith("attachment;")
    assert again.headers["Cache-Control"] == "private, no-store"
    assert any("rendered_document.sha256" in statement for statement in sent)
    assert not any("rendered_document.content" in statement for statement in sent)
    assert len(fake_pdfs) == 1


def test_an_altered_copy_of_an_adopted_plan_is_never_sent(editor_client, fake_pdfs, files):
    _, version = adopted_demo_plan(editor_client)
    frozen = db.session.scalar(select(FrozenDocument).where(
        FrozenDocument.version_id == version.id, FrozenDocument.edition == "internal"))
    copy = copy_of(files, frozen.content)
    assert copy.read_bytes() == frozen.content  # kept when it was frozen
    for altered in (frozen.content[:-5], frozen.content.replace(b"fake", b"FAKE")):  # cut short; same size
        copy.write_bytes(altered)
        response = editor_client.get(url_for("documents.pdf", version_id=version.id, edition="internal"))
        assert response.status_code == 200 and response.data == frozen.content
        assert copy.read_bytes() == frozen.content  # and the copy is whole again


def test_copies_the_database_no_longer_holds_go_on_the_sweep(editor_client, fake_pdfs, files, app):
    body = editor_client.get(draft_pdf_url()).data
    old_copy = copy_of(files, body)
    db.session.execute(RenderedDocument.__table__.delete())  # as when the plan's content changed or it was deleted
    db.session.commit()
    runner.sweep()
    assert old_copy.exists()  # a copy this young may belong to a document a worker has not committed yet

    long_ago = time.time() - 2 * 3600
    os.utime(old_copy, (long_ago, long_ago))
    half_written = old_copy.with_name(document_files.WRITING + "abc")
    half_written.write_bytes(b"%PDF")
    os.utime(half_written, (long_ago, long_ago))
    runner.sweep()
    assert copies(files) == {}


def test_the_oldest_copies_go_when_the_folder_is_over_its_size(editor_client, app, files):
    app.config["DOCUMENT_FILES_MB"] = 1
    version = working_version(demo_plan().id)
    bodies = [bytes([number]) * 400_000 for number in range(3)]
    for number, body in enumerate(bodies):
        sha256 = hashlib.sha256(body).hexdigest()
        db.session.add(RenderedDocument(cache_key=f"key-{number}", version_id=version.id, edition="internal",
                                        format="pdf", content=body, sha256=sha256))
        document_files.keep(sha256, body)
        os.utime(copy_of(files, body), (time.time() - 1000 + number, time.time() - 1000 + number))
    db.session.commit()
    document_files.prune()
    assert set(copies(files)) == {hashlib.sha256(body).hexdigest() for body in bodies[1:]}


@pytest.mark.parametrize("setting", ["not a folder", "turned off"])
def test_without_copies_documents_are_sent_from_the_database(editor_client, fake_pdfs, app, tmp_path, setting,
                                                              caplog):
    if setting == "turned off":
        app.config.update(DOCUMENT_FILES_DIR=str(tmp_path / "documents"), DOCUMENT_FILES_MB=0)
    else:
        (tmp_path / "a-file").write_text("")  # the folder's place is taken: nothing can be written there
        app.config["DOCUMENT_FILES_DIR"] = str(tmp_path / "a-file")
    with caplog.at_level(logging.WARNING, logger=document_files.__name__):
        first = editor_client.get(draft_pdf_url())
        again = editor_client.get(draft_pdf_url())
    assert first.status_code == again.status_code == 200 and again.data == first.data
    assert not (tmp_path / "documents").exists()
    assert ("no file copy of document" in caplog.text) == (setting == "not a folder")


def _gone(path: Path, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not path.exists()


def test_with_the_queue_on_redis_each_app_process_prunes_its_machines_copies_on_a_timer(editor_client, fake_pdfs,
                                                                                     files, app):
    """No worker sweeps an app machine's copies when the worker is RQ's (perhaps on another machine): the app
    process prunes them itself, at its first request and then every few minutes without any request."""
    made = editor_client.get(draft_pdf_url()).data
    long_ago = time.time() - 2 * 3600
    deleted = files / "ab" / ("ab" + "0" * 62)  # a copy of a document the database no longer holds
    deleted.parent.mkdir(parents=True, exist_ok=True)
    deleted.write_bytes(b"%PDF a deleted plan")
    os.utime(deleted, (long_ago, long_ago))
    os.utime(copy_of(files, made), (long_ago, long_ago))
    # Redis is never reached: pruning needs only the database and the folder.
    app.config.update(JOB_QUEUE="redis", QUEUE_URL="redis://127.0.0.1:1/0", DOCUMENT_FILES_PRUNE_SECONDS=0.2)
    try:
        editor_client.get(url_for("plans.dashboard"))
        assert _gone(deleted)
        assert copy_of(files, made).read_bytes() == made  # the database still names it

        db.session.execute(RenderedDocument.__table__.delete())  # the plan's content changed: its PDF goes
        db.session.commit()
        assert _gone(copy_of(files, made))  # with no request in between
    finally:
        app.config["DOCUMENT_FILES_PRUNE_SECONDS"] = 0  # the thread ends at its next round
