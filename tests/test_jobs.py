"""Documents made in the background: nobody's request renders, everyone sees progress, nothing is lost.

Most tests use the "manual" queue, where a job runs only when the test says so, so each step of the wait can be
looked at. The last tests run the real workers: the embedded thread and RQ on Redis.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import missing_tool, page_text, sign_in_as
from flask import url_for
from sqlalchemy import func, select

from planbuilder.extensions import db
from planbuilder.models import DocumentJob, JobKind, JobState, Plan, PlanVersion, RenderedDocument, utcnow
from planbuilder.services.data import demo
from planbuilder.services.documents import preparation
from planbuilder.services.documents import rendering as documents
from planbuilder.services.jobs import queue, runner
from tests.document_helpers import pdf_text, squash
from tests.wizard_helpers import demo_plan, post_section, working_version

HTMX = {"HX-Request": "true"}
FAKE_PDF = b"%PDF-1.7 made by a fake renderer"


@pytest.fixture
def app_config():
    return {"JOB_QUEUE": "manual"}


@pytest.fixture
def renders(monkeypatch):
    """Every PDF and DOCX render, counted; fast fake bytes instead of WeasyPrint (the pipeline is tested elsewhere)."""
    made = []
    monkeypatch.setattr(documents, "render_pdf", lambda v, edition: made.append(("pdf", v.id, edition)) or FAKE_PDF)
    monkeypatch.setattr(documents, "render_docx", lambda v, edition: made.append(("docx", v.id, edition)) or b"PK")
    return made


def jobs() -> list[DocumentJob]:
    db.session.expire_all()
    return list(db.session.scalars(select(DocumentJob).order_by(DocumentJob.id)))


def draft() -> PlanVersion:
    return working_version(demo_plan().id)


def pdf_url(version: PlanVersion, **args) -> str:
    return url_for("documents.pdf", version_id=version.id, **args)


def test_a_document_not_made_yet_shows_progress_and_then_downloads(editor_client, renders):
    version = draft()
    waiting = editor_client.get(pdf_url(version))
    assert waiting.status_code == 202
    html = waiting.get_data(as_text=True)
    assert "Preparing the PDF document…" in page_text(waiting)
    (job,) = jobs()
    # Without JavaScript the page asks again by itself; with htmx the status region polls the same address.
    # No document was made before, so no estimate: it asks again in 3 s.
    assert f'http-equiv="refresh" content="3;url=/versions/{version.id}/document.pdf?job={job.id}"' in html
    assert 'hx-trigger="every 3s"' in html and 'role="status"' in html
    assert renders == []  # the request itself rendered nothing

    assert runner.run_due() == 1
    done = editor_client.get(pdf_url(version, job=job.id))
    assert done.status_code == 200 and done.data == FAKE_PDF
    assert done.headers["Content-Disposition"].startswith("attachment;")


def _jobs_done_before(version: PlanVersion, seconds: float, count: int = 3) -> None:
    for _ in range(count):
        finished = utcnow() - timedelta(minutes=5)
        db.session.add(DocumentJob(key=os.urandom(8).hex(), kind="plan", version_id=version.id,
                                   edition="internal", format="pdf", state="done", requested_at=finished,
                                   started_at=finished - timedelta(seconds=seconds), finished_at=finished))
    db.session.commit()


@pytest.mark.parametrize(("recent_render_seconds", "asks_again_in"), [(4, 4), (1, 2), (40, 5)])
def test_the_waiting_page_asks_again_when_the_document_is_expected(editor_client, renders, recent_render_seconds,
                                                                   asks_again_in):
    # Every refresh is a request to a server people are typing into: asked again when the estimate says the
    # document is made, but never sooner than 2 s nor later than 5 s.
    version = draft()
    _jobs_done_before(version, recent_render_seconds)
    html = editor_client.get(pdf_url(version)).get_data(as_text=True)
    assert f'http-equiv="refresh" content="{asks_again_in};url=' in html
    assert f'hx-trigger="every {asks_again_in}s"' in html


def test_a_document_finished_while_its_poll_is_answered_is_handed_over(editor_client, renders, monkeypatch):
    # The worker finishes between the poll's first look for the document and its look at the job: the person
    # gets the document, not an error for a job that is done.
    from planbuilder.services.documents import preparation

    version = draft()
    editor_client.get(pdf_url(version))
    (job,) = jobs()
    real_progress = preparation.progress

    def worker_finishes_meanwhile(job):
        runner.run_due()
        return real_progress(job)

    monkeypatch.setattr(preparation, "progress", worker_finishes_meanwhile)
    poll = editor_client.get(pdf_url(version, job=job.id))
    assert poll.status_code == 200 and poll.data == FAKE_PDF


def test_a_finished_document_gone_from_the_cache_is_made_again(editor_client, renders):
    version = draft()
    editor_client.get(pdf_url(version))
    runner.run_due()
    db.session.execute(RenderedDocument.__table__.delete())
    db.session.commit()
    again = editor_client.get(pdf_url(version))
    assert again.status_code == 202 and "Preparing the PDF document…" in page_text(again)
    assert runner.run_due() == 1
    assert editor_client.get(pdf_url(version)).data == FAKE_PDF


def test_a_document_made_just_before_its_job_is_asked_for_is_not_queued_again(editor_client, renders):
    # A request looked for the document just before the render's commit and asks for its job just after: the job
    # is done and the document there, so nothing is queued to make it again (the job stays as it ended).
    from planbuilder.services.documents import preparation

    version = draft()
    editor_client.get(pdf_url(version))
    runner.run_due()
    preparation.ask_for_plan_document(version, jobs()[0].edition, "pdf")
    assert [(job.state, job.attempts) for job in jobs()] == [("done", 1)]
    assert runner.run_due() == 0 and len(renders) == 1


def test_the_poll_gets_a_fragment_and_a_download_event_once_ready(editor_client, renders):
    version = draft()
    editor_client.get(pdf_url(version))
    (job,) = jobs()
    poll = editor_client.get(pdf_url(version, job=job.id), headers=HTMX)
    assert poll.status_code == 200 and "<html" not in poll.get_data(as_text=True)
    assert 'id="document-progress"' in poll.get_data(as_text=True)
    # A poll whose page already shows the current state gets nothing to swap (no repeated announcement).
    assert editor_client.get(pdf_url(version, job=job.id, shown="queued"), headers=HTMX).status_code == 204
    runner.run_due()
    ready = editor_client.get(pdf_url(version, job=job.id), headers=HTMX)
    assert "can be downloaded" in page_text(ready)
    assert f'"url": "/versions/{version.id}/document.pdf"' in ready.headers["HX-Trigger"]
    assert "hx-trigger" not in ready.get_data(as_text=True)  # the polling stops


def test_two_people_asking_at_once_share_one_job(client, seeded, renders, app):
    version = draft()
    sign_in_as(client, "editor@demo.example")
    other = app.test_client()
    sign_in_as(other, "reviewer@demo.example")
    assert client.get(pdf_url(version)).status_code == 202
    assert other.get(pdf_url(version)).status_code == 202
    assert len(jobs()) == 1
    runner.run_due()
    assert renders == [("pdf", version.id, "internal")]
    assert other.get(pdf_url(version)).data == FAKE_PDF


def test_submitting_for_review_makes_the_reviewers_documents_ahead(editor_client, renders, app):
    plan = demo_plan()
    version = working_version(plan.id)
    response = editor_client.post(url_for("wizard.submit", plan_id=plan.id))
    assert response.status_code == 303
    wanted = {(job.kind, job.edition, job.format) for job in jobs()}
    assert wanted == {("plan", edition, fmt) for edition in ("internal", "public") for fmt in ("pdf", "docx")}
    runner.run_due()
    assert sorted(renders) == sorted((fmt, version.id, edition) for edition in ("internal", "public")
                                     for fmt in ("pdf", "docx"))
    renders.clear()
    reviewer = app.test_client()
    sign_in_as(reviewer, "reviewer@demo.example")
    for edition in ("internal", "public"):
        assert reviewer.get(pdf_url(version, edition=edition)).status_code == 200
    assert renders == []  # already there: nobody waits


def test_a_draft_is_rendered_again_once_its_edits_settle(editor_client, renders, app):
    plan = demo_plan()
    for text in ("Första", "Andra"):
        response = post_section(editor_client, plan.id, "ansvar", {"samordnare": text}, headers=HTMX,
                                _autosave="samordnare")
        assert response.status_code == 200
    (job,) = jobs()  # one job however often the draft is saved
    assert job.kind == "settle" and job.run_after > utcnow() + timedelta(seconds=50)
    assert runner.run_due() == 0  # not before the edits have settled
    job.run_after = utcnow() - timedelta(seconds=1)
    db.session.commit()
    runner.run_due()
    version = working_version(plan.id)
    assert sorted(renders) == [("pdf", version.id, "internal"), ("pdf", version.id, "public")]
    assert editor_client.get(pdf_url(version)).data == FAKE_PDF


def test_typing_without_a_pause_moves_the_render_on_once_a_quarter_minute_and_it_never_starts(seeded, monkeypatch):
    """Most saves leave the draft's render alone (on PostgreSQL a move is a transaction of its own while the person
    waits), yet however long people type, it is never due before they stop, and it starts within the settle
    minute after the last save."""
    version, start = draft(), utcnow()
    moved_to, previous = set(), None
    for second in range(0, 120, 3):  # a save every three seconds for two minutes
        now = start + timedelta(seconds=second)
        monkeypatch.setattr(preparation, "utcnow", lambda now=now: now)
        preparation.settle_later(version, previous_save=previous)
        (job,) = jobs()
        assert job.run_after > now + timedelta(seconds=44)  # never due while they type
        moved_to.add(job.run_after)
        previous = now
        db.session.expire_all()
    assert 8 <= len(moved_to) <= 9  # once in each quarter-minute the saves touched, not forty times
    assert now + timedelta(seconds=45) <= job.run_after <= now + timedelta(seconds=60)


def test_adoption_answers_at_once_and_the_version_shows_its_documents_being_frozen(editor_client, renders):
    from tests.test_versions import DECISION

    plan = demo_plan()
    version = working_version(plan.id)
    editor_client.post(url_for("wizard.submit", plan_id=plan.id))
    response = editor_client.post(url_for("versions.adopt", version_id=version.id),
                                  data={**DECISION, "step": "confirm"})
    assert response.status_code == 303 and not [r for r in renders if r[0] == "pdf"]
    page = page_text(editor_client.get(url_for("versions.show", version_id=version.id)))
    assert "its PDF documents are being frozen" in page
    waiting = editor_client.get(pdf_url(version))
    assert waiting.status_code == 202 and "Preparing the PDF document" in page_text(waiting)
    runner.run_due()
    page = page_text(editor_client.get(url_for("versions.show", version_id=version.id)))
    assert "SHA-256" in page and "being frozen" not in page
    assert editor_client.get(pdf_url(version)).data == FAKE_PDF


def test_the_changes_annex_is_made_once_and_then_served_from_the_cache(editor_client, monkeypatch):
    from planbuilder.services.plans import versions

    made = []
    monkeypatch.setattr(versions, "changes_pdf", lambda a, b, edition: made.append((a.id, b.id)) or FAKE_PDF)
    revised = db.session.scalar(select(Plan).where(Plan.title == demo.REVISED_TITLE))  # adopted, under revision
    first, second = sorted(revised.versions, key=lambda v: v.id)[:2]
    url = url_for("versions.changes_pdf", a=first.id, b=second.id)
    assert editor_client.get(url).status_code == 202
    runner.run_due()
    for _ in range(2):
        assert editor_client.get(url).data == FAKE_PDF
    assert made == [(first.id, second.id)]


def test_a_worker_that_died_mid_job_has_its_job_handed_out_again(editor_client, renders, app):
    version = draft()
    editor_client.get(pdf_url(version))
    (job,) = jobs()
    # A worker claimed it and was killed: running, with a heartbeat that stopped long ago, nothing stored.
    job.state, job.attempts, job.heartbeat_at = "running", 1, utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert runner.sweep() == 1
    assert jobs()[0].state == "queued"
    runner.run_due()
    assert editor_client.get(pdf_url(version)).data == FAKE_PDF
    assert db.session.scalar(select(func.count()).select_from(RenderedDocument)) == 1


def test_a_job_whose_version_was_deleted_meanwhile_ends_quietly(editor_client, renders):
    version = draft()
    editor_client.get(pdf_url(version))
    db.session.delete(db.session.get(PlanVersion, version.id))
    db.session.commit()
    assert jobs() == [] and runner.run_due() == 0 and renders == []


def test_a_job_nobody_starts_says_the_document_service_is_late(editor_client, renders, app):
    app.config["JOB_STALL_SECONDS"] = 0
    response = editor_client.get(pdf_url(draft()))
    assert response.status_code == 202
    assert "The document service has not started on the PDF document yet" in page_text(response)
    # Nothing will happen sooner: the page asks again less often than while a document is being made.
    assert 'http-equiv="refresh" content="10;url=' in response.get_data(as_text=True)


def test_a_render_that_keeps_failing_is_a_clear_error_and_try_again_retries(editor_client, monkeypatch, caplog):
    version = draft()

    def broken(version, edition):
        raise RuntimeError("font missing")

    monkeypatch.setattr(documents, "render_pdf", broken)
    editor_client.get(pdf_url(version))
    runner.run_due()
    (job,) = jobs()
    assert job.state == "failed" and job.attempts == runner.MAX_ATTEMPTS and "font missing" in job.error
    assert f"version {version.id}" in caplog.text  # logged with the version for the administrator
    page = editor_client.get(pdf_url(version, job=job.id))
    assert page.status_code == 500 and "Could not make the PDF document" in page_text(page)
    assert "http-equiv" not in page.get_data(as_text=True)  # no endless refreshing of a failure
    monkeypatch.setattr(documents, "render_pdf", lambda v, edition: FAKE_PDF)
    again = editor_client.get(pdf_url(version))  # "Try again"
    assert again.status_code == 202
    runner.run_due()
    assert editor_client.get(pdf_url(version)).data == FAKE_PDF


def test_with_redis_down_documents_are_delayed_and_the_wizard_keeps_working(editor_client, renders, app):
    app.config.update(JOB_QUEUE="redis", QUEUE_URL="redis://127.0.0.1:1/0")
    plan = demo_plan()
    waiting = editor_client.get(pdf_url(working_version(plan.id)))
    assert waiting.status_code == 202 and "Documents are delayed" in page_text(waiting)
    saved = post_section(editor_client, plan.id, "ansvar", {"samordnare": "Skrivet medan Redis är nere"},
                         headers=HTMX, _autosave="samordnare")
    assert saved.status_code == 200 and "Saved" in page_text(saved)
    assert working_version(plan.id).content["ansvar"]["samordnare"] == "Skrivet medan Redis är nere"


def _wait_for_download(client, url: str, seconds: float = 60) -> bytes:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = client.get(url)
        if response.status_code == 200:
            return response.data
        assert response.status_code == 202, response.status_code
        time.sleep(0.2)
    raise AssertionError(f"{url} was not ready within {seconds} s")


@pytest.fixture
def embedded(app, tmp_path):
    """The embedded worker with a deployment's priorities, sweeping every second, stopped at the test's end."""
    app.config.update(JOB_QUEUE="embedded", JOB_SWEEP_SECONDS=1, JOB_HEARTBEAT_SECONDS=0.5, JOB_STALE_SECONDS=3,
                      **production_defaults(tmp_path))
    yield app
    queue.stop_embedded_workers()


def test_the_embedded_worker_renders_in_a_process_of_its_own_behind_the_requests(editor_client, embedded):
    version = draft()
    assert editor_client.get(pdf_url(version)).status_code == 202
    pdf = _wait_for_download(editor_client, pdf_url(version))
    assert squash(version.plan.municipality.name) in pdf_text(pdf)  # a real render, made by the child process
    worker = queue.embedded_worker(embedded)
    child = worker.renders._child
    assert child.poll() is None and child.pid != os.getpid()  # it stays for the next render
    if sys.platform == "linux":
        # People typing come first: the render process only on a core nothing else wants, at the lowest priority,
        # and the worker's own thread (sweeps, mail) at the lowest priority too.
        assert os.sched_getscheduler(child.pid) == os.SCHED_IDLE
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == 19
        assert os.getpriority(os.PRIO_PROCESS, worker._thread.native_id) == 19
        # Linux shares the CPU between sessions first: the render process's own session goes last too, and the
        # app's session (gunicorn's, the terminal's) keeps its share.
        assert session_nice(child.pid) == ("19" if AUTOGROUPS else None)
        assert session_nice() != "19"


def test_a_render_process_killed_mid_render_loses_no_document(editor_client, embedded):
    version = draft()
    assert editor_client.get(pdf_url(version)).status_code == 202
    (job,) = jobs()
    deadline = time.monotonic() + 60
    while jobs()[0].state != "running":
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.05)
    killed = queue.embedded_worker(embedded).renders._child
    killed.kill()
    # The job's heartbeat stops; the sweep hands it out again and a new render process makes it.
    pdf = _wait_for_download(editor_client, pdf_url(version, job=job.id), seconds=90)
    assert squash(version.plan.municipality.name) in pdf_text(pdf)
    assert queue.embedded_worker(embedded).renders._child.pid != killed.pid
    (finished,) = jobs()
    assert finished.state == "done" and finished.attempts == 2


def production_defaults(folder) -> dict:
    """The worker settings a deployment gets unless it sets them (the tests' own config turns them off)."""
    from planbuilder.config import defaults

    deployment = defaults(str(folder))
    return {key: deployment[key] for key in ("JOB_WORKER_NICE", "JOB_WORKER_IDLE")}


WORKER_START = """
import json, os, sys
from flask import Flask
from planbuilder.services.jobs import queue
app = Flask("worker")
app.config.update(json.loads(sys.argv[1]))
queue.yield_to_requests(app, own_process=True)
words = open("/proc/self/autogroup").read().split() if os.path.exists("/proc/self/autogroup") else []
print(json.dumps({"policy": os.sched_getscheduler(0), "nice": os.getpriority(os.PRIO_PROCESS, 0),
                  "session": words[-1] if words else None}))
"""


# A kernel with autogroups gives each new session one; a process whose session was never started afresh since
# boot (a container's first process and all it starts, as on CI) is in none, and its file is empty.
AUTOGROUPS = os.path.exists("/proc/self/autogroup")


def session_nice(pid: int | str = "self") -> str | None:
    """The CPU weight Linux gives the process's whole session (its autogroup), as a nice value; None without."""
    try:
        with open(f"/proc/{pid}/autogroup") as group:
            words = group.read().split()
    except OSError:
        return None
    return words[-1] if words else None


def start_a_worker(config: dict, own_session: bool) -> dict:
    """What `flask --app app worker` does to itself at start, in a process started as systemd or a terminal
    would start it: leading a session of its own, or inside the session of whatever started it."""
    done = subprocess.run([sys.executable, "-c", WORKER_START, json.dumps(config)], capture_output=True, text=True,
                          check=True, start_new_session=own_session, cwd=Path(__file__).resolve().parents[1])
    return json.loads(done.stdout)


@pytest.mark.skipif(sys.platform != "linux", reason="thread priorities are Linux's")
def test_a_worker_process_of_its_own_runs_only_on_an_idle_core_and_at_the_lowest_priority(tmp_path):
    config = production_defaults(tmp_path)
    alone = start_a_worker(config, own_session=True)
    assert (alone["policy"], alone["nice"]) == (os.SCHED_IDLE, 19)
    # Linux shares the CPU between sessions before priorities count: its own session goes last as well.
    assert alone["session"] == ("19" if AUTOGROUPS else None)
    # Started inside someone else's session (a terminal, a script that starts gunicorn too): that session
    # keeps its share, or gunicorn beside it would go last as well.
    shared = start_a_worker(config, own_session=False)
    assert (shared["policy"], shared["nice"]) == (os.SCHED_IDLE, 19)
    assert shared["session"] == session_nice()


@pytest.fixture
def on_redis(app):
    """The app's jobs on the local Redis (a database of its own, emptied before and after)."""
    from redis import Redis
    from redis.exceptions import RedisError

    url = "redis://127.0.0.1:6379/15"
    try:
        Redis.from_url(url).flushdb()
    except RedisError:
        missing_tool("Redis is not running on 127.0.0.1:6379")
    app.config.update(JOB_QUEUE="redis", QUEUE_URL=url)
    yield queue.rq_queue(app)
    Redis.from_url(url).flushdb()


def test_an_rq_worker_on_redis_makes_the_document(editor_client, renders, app, on_redis):
    version = draft()
    assert editor_client.get(pdf_url(version)).status_code == 202
    assert len(on_redis) == 1
    queue.work_on_redis(app, burst=True)
    assert editor_client.get(pdf_url(version)).data == FAKE_PDF


TRANSACTIONS_OPEN: list[bool] = []


def note_whether_a_transaction_is_open() -> None:
    """A job for the test below: whether the worker's database session still holds a transaction as it starts."""
    TRANSACTIONS_OPEN.append(db.session().in_transaction())


def test_an_rq_worker_holds_no_transaction_open_between_jobs(editor_client, renders, app, on_redis):
    # A draft's re-render handed over before its time (a later save moved its start on) only reads when it is
    # due, and is put back. The worker then waits for the next job: a transaction left open meanwhile would keep
    # PostgreSQL from cleaning up after everyone's saves, and a migration's lock waiting behind it.
    preparation.settle_later(draft())
    settle = db.session.scalar(select(DocumentJob).where(DocumentJob.kind == JobKind.SETTLE))
    on_redis.enqueue(f"{queue.RUNNER}.run", settle.id)
    on_redis.enqueue(f"{__name__}.note_whether_a_transaction_is_open")
    TRANSACTIONS_OPEN.clear()
    queue.work_on_redis(app, burst=True)
    assert TRANSACTIONS_OPEN == [False]
    assert [(job.kind, job.state) for job in jobs()] == [(JobKind.SETTLE, JobState.QUEUED)]  # not made early


def test_the_waiting_page_is_translated(client, seeded, renders):
    from planbuilder.models import User

    editor = db.session.scalar(select(User).where(User.email == "editor@demo.example"))
    editor.language = "sv"
    db.session.commit()
    sign_in_as(client, "editor@demo.example")
    response = client.get(pdf_url(draft()))
    assert "Förbereder PDF-dokumentet" in page_text(response)
