"""What people wait for now that documents are made in the background: prints figures, asserts nothing.

    python bench/bench_jobs.py [--cycles 8] [--seconds 30] [--rounds 1] [--pdf-runs 2] [--samples FILE]
                               [--only postgres-rq postgres-embedded sqlite-rq sqlite-embedded]
                               [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
                               [--redis redis://127.0.0.1:6379/14]

Side by side in one run, each against a real gunicorn started as the README's Production section starts it (4
workers of one thread each) on a free loopback port, both databases with and without Redis:
  "… + RQ"            QUEUE_URL on the local Redis (that database flushed first) and one `flask --app app worker`
                      started here (README, Production);
  "…, embedded"       no QUEUE_URL: each gunicorn process makes the documents in a worker thread of its own, as in
                      the Quick start;
on a scratch PostgreSQL database ('planbuilder_jobs_rq' / '_embedded') or a SQLite file in a temporary instance
folder.
For each, plans holding the demo plan's content go through review one after another (one more before them warms
the worker up and is not counted):
  1. "submit for review" → both PDF editions in the render cache (and with the DOCX: all four), polled in the
     database every 50 ms;
  2. a reviewer opening the internal PDF right after the submission: the first answer (a progress page, 202),
     and, once pre-rendered, five downloads of each edition (the whole file read);
  3. adoption: the form sent for its confirmation page, then the confirmation page's button (the request that
     records it: its 303, not the page it leads to), and the time from that button until both frozen PDFs exist;
  4. autosave by 2 editors (each in a section of their own, pausing 0.2–0.6 s) for `seconds` with nobody
     downloading, then as long again while 5 people download PDFs of 15 other plans, none made yet (each waits on
     the progress page as its meta refresh does, downloads, takes the next 1–3 s later): the server's time per
     autosave from gunicorn's access log, and what the editors' client saw. "Unchanged within noise" is taken to
     mean: the p95 with downloads at most 20 % (and at least 3 ms) above the p95 without. With `--rounds N` the
     phases take turns N times, each round in another order (the documents are forgotten before each phase with
     downloads: cache rows and jobs deleted; the renders it started end before the next phase), the autosaves of
     all rounds are pooled, each round's p95 pair is shown beside them, and how far the pooled ratio could move
     with other rounds like these (the rounds drawn again with replacement, 2,000 times: its 5th and 95th
     percentile), and how often the ratio is as high when the phases are split into two groups at random (all
     splits of the quiet phases and those with downloads: if the downloads changed nothing, which phases had
     them is chance; a share under 5 % says they did). `--samples FILE` keeps every autosave's server time.
     Each round also measures the machine's floor: autosave as long again beside one process that only spins
     at the lowest priority Linux has (nice 19, SCHED_IDLE; no I/O, no lock, no app code) and nobody
     downloading. On a 2-vCPU machine any work on the second core costs autosave something (the two share the
     host's core, caches and memory bandwidth) however little priority it has; renders run at that same
     priority, so the p95 with downloads is shown against this floor as well as against the quiet phase.
Last, 5. the first render against Chromium's print, measured by bench_pdf.py's own code.
Times from the client (1–3) include loopback HTTP; the client shares the machine's cores with the servers.
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import (  # noqa: E402
    DEFAULT_POSTGRES,
    PASSWORD,
    EditorClient,
    Gunicorn,
    Worker,
    flush_redis,
    scratch_database,
    seed,
    server_times,
)
from report import Row, percentile, print_table, summarise  # noqa: E402
from sqlalchemy import bindparam, create_engine, text  # noqa: E402

DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
EDITIONS = ("internal", "public")
AUTOSAVING, DOWNLOADING, DOWNLOAD_PLANS = 2, 5, 15  # load00–01 autosave, load02–06 download
SETTINGS = ("DATABASE_URL", "QUEUE_URL", "RATELIMIT_STORAGE_URI", "PLANBUILDER_INSTANCE_PATH", "SECRET_KEY")


@dataclass
class Setup:
    """One way of running the app: its environment, and where its database is for polling it from here."""

    name: str
    env: dict
    database_url: str
    worker: bool
    autosave_target: str
    autosave_limit: float | None  # ms, the p95 the server's autosave must stay under (None: only "unchanged")


@dataclass
class Seeded:
    autosave_plan: int
    sections: list[tuple[str, list[str]]]
    review: list[tuple[int, int]] = field(default_factory=list)   # (plan id, version id), one per cycle
    download: list[int] = field(default_factory=list)             # version ids nobody has rendered


SETUPS = ("postgres-rq", "postgres-embedded", "sqlite-rq", "sqlite-embedded")


def setups(only: list[str] | None, postgres: str, redis: str, folder: Path) -> list[Setup]:
    """Both databases, each with Redis (RQ and its own worker) and without (the embedded worker threads)."""
    base = {key: value for key, value in os.environ.items() if key not in SETTINGS} | {"SECRET_KEY": "bench"}
    chosen = []
    for key in only or SETUPS:
        database, queue = key.split("-")
        instance = folder / key
        env = base | {"PLANBUILDER_INSTANCE_PATH": str(instance)}
        if database == "postgres":
            url = env["DATABASE_URL"] = scratch_database(postgres, f"planbuilder_jobs_{queue}")
            name = "PostgreSQL"
        else:
            url, name = f"sqlite:///{instance}/planbuilder.sqlite3", "SQLite"
        if queue == "rq":
            env["QUEUE_URL"] = redis
        # The 30 ms target is SQLite's (the embedded default); PostgreSQL's commits cost more, so there the
        # target is only that autosave stays as it was.
        limit = 30 if database == "sqlite" else None
        target = "p95 < 30 ms, unchanged" if limit else "unchanged within noise"
        chosen.append(Setup(f"{name} + RQ" if queue == "rq" else f"{name}, embedded", env, url, queue == "rq",
                            target, limit))
    return chosen


def add_plans(setup: Setup, cycles: int) -> Seeded:
    """The seeded demo, and plans of Ekdala kommun holding the demo plan's content: one per review cycle, and
    DOWNLOAD_PLANS more for the downloaders. Made here, in-process; the server only ever sees them over HTTP."""
    from load_autosave import text_fields
    from sqlalchemy import delete, select

    from planbuilder import create_app
    from planbuilder.extensions import db
    from planbuilder.models import DocumentJob, Plan
    from planbuilder.services.data import demo
    from planbuilder.services.people.accounts import find_municipality, find_user
    from planbuilder.services.plans import plans

    app = create_app({"SQLALCHEMY_DATABASE_URI": setup.database_url, "SECRET_KEY": "bench", "AUTO_MIGRATE": False,
                      "JOB_QUEUE": "manual", "BABEL_TRANSLATION_DIRECTORIES":
                      str(Path(setup.env["PLANBUILDER_INSTANCE_PATH"]) / "translations")})
    spec = demo.DEMO_PLANS[0]
    with app.app_context():
        municipality, editor = find_municipality(spec.municipality), find_user(f"editor@{spec.email_domain}")
        first = db.session.scalar(select(Plan).where(Plan.municipality_id == municipality.id,
                                                     Plan.title == spec.title))
        # The seed's revision queued a re-render of its draft for a minute later: not in the middle of a figure.
        db.session.execute(delete(DocumentJob))
        template = app.extensions["plan_templates"][spec.template_id]
        sections = [(s.id, text_fields(s)) for s in template.sections if text_fields(s)][:AUTOSAVING]
        seeded = Seeded(first.id, sections)
        for number in range(cycles + DOWNLOAD_PLANS):
            plan = plans.create_plan(municipality, spec.template_id, f"{spec.title} (bench {number})", editor,
                                     content=demo.load_demo_content(spec.content_file))
            version = plans.latest_version(plan)
            if number < cycles:
                seeded.review.append((plan.id, version.id))
            else:
                seeded.download.append(version.id)
        db.session.remove()
        db.engine.dispose()
    return seeded


class Database:
    """Polls the app's database from the benchmark, as an operator's query would."""

    def __init__(self, url: str):
        self.engine = create_engine(url)

    def count(self, sql: str, **params) -> int:
        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).scalar_one()

    def forget_documents(self, version_ids: list[int]) -> None:
        """The render cache of these versions emptied, and their jobs with it, as if never asked for."""
        with self.engine.begin() as connection:
            for table in ("rendered_document", "document_job"):
                connection.execute(text(f"DELETE FROM {table} WHERE version_id IN :v").bindparams(
                    bindparam("v", expanding=True)), {"v": list(version_ids)})

    def wait_for(self, sql: str, expected: int, started: float, timeout: float = 300, **params) -> float:
        """Seconds from `started` (perf_counter) until the count is `expected`."""
        deadline = time.monotonic() + timeout
        while self.count(sql, **params) != expected:
            if time.monotonic() > deadline:
                raise RuntimeError(f"still not {expected} after {timeout} s: {sql} {params}")
            time.sleep(0.05)
        return time.perf_counter() - started


PDFS = "SELECT count(*) FROM rendered_document WHERE version_id = :v AND format = 'pdf'"
DOCUMENTS = "SELECT count(*) FROM rendered_document WHERE version_id = :v"
FROZEN = "SELECT count(*) FROM frozen_document WHERE version_id = :v"
UNFINISHED = "SELECT count(*) FROM document_job WHERE state IN ('queued', 'running')"
# The same, leaving out the autosaved draft's re-render, queued for a minute after its last save.
UNFINISHED_NOW = "SELECT count(*) FROM document_job WHERE state = 'running' OR (state = 'queued' AND run_after IS NULL)"


def signed_in(base: str, email: str) -> EditorClient:
    client = EditorClient(base)
    if client.sign_in(email, PASSWORD) != 200:
        raise RuntimeError(f"could not sign in as {email}")
    return client


def review_cycle(database: Database, editor: EditorClient, reviewer: EditorClient, plan_id: int, version_id: int,
                 figures: dict[str, list[float]]) -> None:
    """One plan submitted, opened by a reviewer at once, downloaded once made, adopted, frozen."""
    token = editor.csrf_token()
    started = time.perf_counter()
    status, _, _ = editor.fetch(f"/plans/{plan_id}/submit", {"csrf_token": token}, follow=False)
    figures["submit"].append((time.perf_counter() - started) * 1000)
    if status != 303:
        raise RuntimeError(f"submitting plan {plan_id} answered {status}")
    asked = time.perf_counter()
    status, _, _ = reviewer.fetch(f"/versions/{version_id}/document.pdf?edition=internal")
    figures["first answer"].append((time.perf_counter() - asked) * 1000)
    figures["answered 202"].append(status == 202)
    figures["both PDFs"].append(database.wait_for(PDFS, 2, started, v=version_id))
    figures["all four"].append(database.wait_for(DOCUMENTS, 4, started, v=version_id))
    for _ in range(5):
        for edition in EDITIONS:
            asked = time.perf_counter()
            status, body, _ = reviewer.fetch(f"/versions/{version_id}/document.pdf?edition={edition}")
            figures["download"].append((time.perf_counter() - asked) * 1000)
            if status != 200 or not body.startswith(b"%PDF"):
                raise RuntimeError(f"the pre-rendered {edition} PDF of version {version_id} answered {status}")
    started = time.perf_counter()
    status = editor.adopt(version_id, token, step="check")
    figures["adoption check"].append((time.perf_counter() - started) * 1000)
    if status != 200:
        raise RuntimeError(f"checking the adoption of version {version_id} answered {status}")
    started = time.perf_counter()
    status = editor.adopt(version_id, token)
    figures["adopt"].append((time.perf_counter() - started) * 1000)
    if status != 303:
        raise RuntimeError(f"adopting version {version_id} answered {status}")
    figures["frozen"].append(database.wait_for(FROZEN, 2, started, v=version_id))


class Downloader(threading.Thread):
    """A person downloading PDFs one after another: a progress page is followed as its meta refresh does."""

    def __init__(self, client: EditorClient, documents: list[tuple[int, str]], until: float):
        super().__init__(daemon=True)
        self.client, self.documents, self.until = client, documents, until
        self.downloads = self.progress_pages = 0

    def run(self) -> None:
        while time.monotonic() < self.until:
            for version_id, edition in self.documents:
                status, _, pages = self.client.download(f"/versions/{version_id}/document.pdf?edition={edition}",
                                                        self.until)
                self.downloads += status == 200
                self.progress_pages += pages
                time.sleep(random.uniform(1, 3))  # opens the file, glances at it, clicks the next
                if time.monotonic() >= self.until:
                    return


def autosaving(server: Gunicorn, access_log: Path, seeded: Seeded, seconds: float,
               downloaders: list[EditorClient]) -> tuple[list[float], list[float], str]:
    """Server and client milliseconds of the editors' autosaves for `seconds`, while `downloaders` download."""
    from load_autosave import Editor

    until = time.monotonic() + seconds
    editors = [Editor(number, server.base, seeded.autosave_plan, section, fields, until)
               for number, (section, fields) in enumerate(seeded.sections)]
    documents = [(version_id, edition) for version_id in seeded.download for edition in EDITIONS]
    people = [Downloader(client, documents[number::len(downloaders)], until)
              for number, client in enumerate(downloaders)]
    start = access_log.stat().st_size
    for thread in editors + people:
        thread.start()
    for thread in editors + people:
        thread.join(seconds + 120)
    time.sleep(0.5)  # the last lines reach the log
    served = server_times(access_log, "POST", rf"/plans/{seeded.autosave_plan}/sections/[^ ]+", start)
    client = [ms for editor in editors for ms in editor.latencies]
    note = (f"{sum(p.downloads for p in people)} downloads, {sum(p.progress_pages for p in people)} progress pages"
            if people else "")
    return served, client, note


# Each round measures the three phases in another order, so that none is always first or always last (a round's
# first phase follows the last round's renders and clean-up; its last runs on the fullest database).
PHASE_ORDERS = (("without", "floor", "with"), ("with", "without", "floor"), ("floor", "with", "without"))

PRODUCTION_WORKERS = 4  # README, Production: `gunicorn --workers 4`

# The lowest priority Linux has, in a session of its own put last (Linux shares a busy CPU between sessions
# first), then a loop that only spins: what a render at idle priority takes from the machine, without the render.
# A render process of the app asks for the same (queue.yield_to_requests with JOB_WORKER_IDLE).
SPIN = ("import os\nos.nice(19)\ntry:\n    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))\n"
        "except (OSError, AttributeError):\n    pass\ntry:\n    open('/proc/self/autogroup', 'w').write('19')\n"
        "except OSError:\n    pass\nwhile True:\n    pass\n")


@contextmanager
def idle_spinner():
    """One process busy on a core nothing else wants, for as long as the block runs."""
    spinner = subprocess.Popen([sys.executable, "-c", SPIN], start_new_session=True)
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def measure(setup: Setup, cycles: int, seconds: float, rounds: int = 1, samples: dict | None = None) -> list[Row]:
    if setup.worker:
        flush_redis(setup.env["QUEUE_URL"])  # what an earlier setup left queued, and its sign-in counts
    seed(setup.env, editors=AUTOSAVING + DOWNLOADING)
    seeded = add_plans(setup, cycles + 1)
    database = Database(setup.database_url)
    access_log = Path(setup.env["PLANBUILDER_INSTANCE_PATH"]) / "access.log"
    # As production runs it: threads in one process would share its interpreter lock, so a download's few
    # milliseconds of Python could hold up an autosave beside it (3 workers × 4 threads: the tail of the autosaves
    # with only made documents downloaded went up 15–40 %; with 4 workers of one thread it stayed as it was).
    server = Gunicorn(setup.env, workers=PRODUCTION_WORKERS, threads=1, access_log=access_log)
    worker = Worker(setup.env, access_log.with_name("worker.log")) if setup.worker else None
    figures: dict[str, list] = {key: [] for key in
                                ("submit", "first answer", "answered 202", "both PDFs", "all four", "download",
                                 "adoption check", "adopt", "frozen")}
    try:
        editor = signed_in(server.base, "editor@demo.example")
        reviewer = signed_in(server.base, "reviewer@demo.example")
        review_cycle(database, editor, reviewer, *seeded.review[0], {key: [] for key in figures})  # warm-up
        for plan_id, version_id in seeded.review[1:]:
            review_cycle(database, editor, reviewer, plan_id, version_id, figures)
            print(f"… {setup.name}: version {version_id} submitted, downloaded, adopted, frozen", file=sys.stderr)
        database.wait_for(UNFINISHED, 0, time.perf_counter())
        people = [signed_in(server.base, f"load{AUTOSAVING + i:02d}@demo.example") for i in range(DOWNLOADING)]
        quiet, floor, quiet_client, busy, busy_client, notes, made = [], [], [], [], [], [], 0
        for round_number in range(rounds):
            for phase in PHASE_ORDERS[round_number % len(PHASE_ORDERS)]:
                if phase == "without":
                    served, client, _ = autosaving(server, access_log, seeded, seconds, [])
                    quiet.append(served)
                    quiet_client += client
                elif phase == "floor":
                    with idle_spinner():
                        floor.append(autosaving(server, access_log, seeded, seconds, [])[0])
                else:
                    # The same documents to be made each time: what an earlier phase made is forgotten first.
                    database.forget_documents(seeded.download)
                    before = database.count("SELECT count(*) FROM rendered_document")
                    served, client, during_note = autosaving(server, access_log, seeded, seconds, people)
                    made += database.count("SELECT count(*) FROM rendered_document") - before
                    busy.append(served)
                    busy_client += client
                    notes.append(during_note)
                    # Renders the downloaders asked for and left running end before the next phase begins.
                    database.wait_for(UNFINISHED_NOW, 0, time.perf_counter())
            print(f"… {setup.name}: autosave round {round_number + 1} of {rounds} measured", file=sys.stderr)
        if samples is not None:
            samples[setup.name] = {"without": quiet, "floor": floor, "with": busy}
        note = f"{' / '.join(notes)}, {made} documents made"
        now_made = database.count("SELECT count(*) FROM rendered_document")
        # The same people downloading the same documents, now made: what serving them costs autosave, apart
        # from what making them does.
        database.wait_for(UNFINISHED_NOW, 0, time.perf_counter())
        served, _, served_note = autosaving(server, access_log, seeded, seconds, people)
        served_note += f", {database.count('SELECT count(*) FROM rendered_document') - now_made} made"
    finally:
        if worker:
            worker.stop()
        server.stop()
        database.engine.dispose()
    pooled_quiet, pooled_busy = pooled(quiet), pooled(busy)
    return rows(setup, figures, pooled_quiet, pooled_busy, quiet_client, busy_client, note) + [
        summarise(f"jobs {setup.name}", f"autosave, server: 5 downloading made documents ({len(served)}; "
                  f"{served_note})", served, reference=pooled_quiet),
    ] + against_the_floor(setup, pooled_quiet, pooled(floor), pooled_busy) + (
        [per_round(setup, quiet, busy, "without → with"), per_round(setup, floor, busy, "floor → with"),
         spread(setup, quiet, busy), by_chance(setup, quiet, busy)] if rounds > 1 else [])


def pooled(phases: list[list[float]]) -> list[float]:
    return [ms for phase in phases for ms in phase]


def against_the_floor(setup: Setup, quiet: list[float], floor: list[float], busy: list[float]) -> list[Row]:
    """The machine's floor beside the quiet phase, and the phase with downloads against that floor: how much
    of what autosave loses while documents are made is the render's work rather than any work on the other
    core."""
    name = f"jobs {setup.name}"
    return [
        summarise(name, f"autosave, server: beside an idle busy loop ({len(floor)})", floor, reference=quiet),
        summarise(name, "autosave, server: 5 downloading, against the floor", busy, reference=floor,
                  target="within noise of the floor", met=unchanged(floor, busy)),
    ]


def per_round(setup: Setup, before: list[list[float]], busy: list[list[float]], label: str) -> Row:
    """How far one round's comparison can be trusted: each round's p95 with downloads ÷ `before` (the quiet
    phase or the floor), median and highest, and each round's pair in the measure's name."""
    pairs = [(percentile(without, 0.95), percentile(during, 0.95)) for without, during in zip(before, busy)]
    ratios = sorted(during / without for without, during in pairs)
    return Row(f"jobs {setup.name}", f"autosave p95, each round {label}: "
               + ", ".join(f"{without:.0f} → {during:.0f}" for without, during in pairs),
               statistics.median(ratios), ratios[-1], "×")


def spread(setup: Setup, before: list[list[float]], busy: list[list[float]], draws: int = 2000) -> Row:
    """How much the pooled p95 ratio could move with other rounds like these: rounds drawn again with
    replacement (each round's pair of phases kept together), the ratio's 5th and 95th percentile of `draws`."""
    chance = random.Random(17)
    ratios = []
    for _ in range(draws):
        drawn = [chance.randrange(len(before)) for _ in before]
        ratios.append(percentile(pooled([busy[i] for i in drawn]), 0.95)
                      / percentile(pooled([before[i] for i in drawn]), 0.95))
    return Row(f"jobs {setup.name}", "autosave p95 with ÷ without, rounds redrawn: 5th, 95th percentile",
               percentile(ratios, 0.05), percentile(ratios, 0.95), "×")


def by_chance(setup: Setup, before: list[list[float]], busy: list[list[float]]) -> Row:
    share = as_by_chance(before, busy)
    return Row(f"jobs {setup.name}", "autosave p95 with ÷ without: share of phase splits as high (as by chance)",
               share, share, "share", "under 0.05 would say they changed it")


def as_by_chance(before: list[list[float]], busy: list[list[float]], limit: int = 5000) -> float:
    """The share of all ways to split these phases (the quiet ones and those with downloads) into two groups of
    their sizes whose pooled p95 ratio is as high as the one measured or higher: if the downloads changed nothing,
    which phases had them is chance, and such a share under 5 % says they did. Every split up to `limit` splits,
    else `limit` random ones."""
    phases, size = before + busy, len(busy)
    measured = percentile(pooled(busy), 0.95) / percentile(pooled(before), 0.95)
    if math.comb(len(phases), size) <= limit:
        splits = list(itertools.combinations(range(len(phases)), size))
    else:  # 10 rounds make 184,756 splits, 20 rounds 10^11: a random sample of them instead
        chance = random.Random(17)
        splits = [chance.sample(range(len(phases)), size) for _ in range(limit)]
    higher = 0
    for chosen in splits:
        group = set(chosen)
        ratio = (percentile(pooled([phases[i] for i in group]), 0.95)
                 / percentile(pooled([phases[i] for i in range(len(phases)) if i not in group]), 0.95))
        higher += ratio >= measured - 1e-9
    return higher / len(splits)


def unchanged(before: list[float], during: list[float]) -> bool:
    """Within noise: the p95 during the downloads at most 20 % (and at least 3 ms) above the p95 before."""
    limit = percentile(before, 0.95)
    return percentile(during, 0.95) <= max(limit * 1.2, limit + 3)


def rows(setup: Setup, figures: dict, quiet: list[float], busy: list[float], quiet_client: list[float],
         busy_client: list[float], note: str) -> list[Row]:
    name, p95 = f"jobs {setup.name}", lambda values: percentile(values, 0.95)
    answered = f"{sum(figures['answered 202'])}/{len(figures['answered 202'])} 202"
    server_met = unchanged(quiet, busy) and (setup.autosave_limit is None or p95(busy) < setup.autosave_limit)
    return [
        summarise(name, "submit for review: the request", figures["submit"]),
        summarise(name, "submit → both PDFs made", figures["both PDFs"], "s"),
        summarise(name, "submit → PDFs and DOCX made", figures["all four"], "s"),
        summarise(name, f"PDF at once: first answer ({answered})", figures["first answer"],
                  target="progress page < 100 ms",
                  met=p95(figures["first answer"]) < 100 and all(figures["answered 202"])),
        summarise(name, "PDF once made: download", figures["download"], target="p95 < 100 ms",
                  met=p95(figures["download"]) < 100),
        summarise(name, "adoption: the confirmation page", figures["adoption check"]),
        summarise(name, "adoption: confirmed, recorded (303)", figures["adopt"], target="p95 < 1 s",
                  met=p95(figures["adopt"]) < 1000),
        summarise(name, "adoption → both frozen PDFs", figures["frozen"], "s"),
        summarise(name, f"autosave, server: nobody downloads ({len(quiet)})", quiet,
                  target=setup.autosave_target.split(",")[0] if setup.autosave_limit else "",
                  met=p95(quiet) < setup.autosave_limit if setup.autosave_limit else None),
        summarise(name, f"autosave, server: 5 downloading ({len(busy)}; {note})", busy, target=setup.autosave_target,
                  reference=quiet, met=server_met),
        summarise(name, f"autosave, client: nobody downloads ({len(quiet_client)})", quiet_client),
        summarise(name, "autosave, client: 5 downloading", busy_client, reference=quiet_client),
    ]


def first_render_ratio(runs: int) -> list[Row]:
    """bench_pdf.py's first render against Chromium's print, its rows as they are, with the verdict."""
    import bench_pdf

    found = [row for row in bench_pdf.collect(runs) if row.measure.endswith("first render")]
    return [replace(row, met=row.ratio <= 1.0) if row.target.startswith("ratio") else row for row in found]


def collect(cycles: int = 8, seconds: float = 30, pdf_runs: int = 2, only: list[str] | None = None,
            postgres: str = DEFAULT_POSTGRES, redis: str = DEFAULT_REDIS, rounds: int = 1,
            samples: dict | None = None) -> list[Row]:
    """Every figure above; bench/run.py passes pdf_runs=0, as it runs bench_pdf.py itself."""
    found = []
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as folder:
        for setup in setups(only, postgres, redis, Path(folder)):
            found += measure(setup, cycles, seconds, rounds, samples)
    if pdf_runs:
        found += first_render_ratio(pdf_runs)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=8, help="plans submitted and adopted per setup")
    parser.add_argument("--seconds", type=float, default=30,
                        help="each autosave phase: without, beside the busy loop, with downloads")
    parser.add_argument("--rounds", type=int, default=1,
                        help="the three autosave phases this many times, each round in another order")
    parser.add_argument("--pdf-runs", type=int, default=2, help="bench_pdf.py runs for the ratio (0: none)")
    parser.add_argument("--only", nargs="+", choices=SETUPS, help="some of the setups (default: all four)")
    parser.add_argument("--samples", type=Path, help="write every autosave's server time here (JSON), by setup, "
                        "phase and round")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--redis", default=DEFAULT_REDIS)
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be 1 or more: each round is one phase quiet, one beside the busy loop and one "
                     "with downloads")
    started = time.monotonic()
    samples = {} if args.samples else None
    found = collect(args.cycles, args.seconds, args.pdf_runs, args.only, args.postgres, args.redis, args.rounds,
                    samples)
    if args.samples:
        args.samples.write_text(json.dumps(samples))
    print_table(found)
    print(f"\n{(time.monotonic() - started) / 60:.1f} minutes; times in ms unless the unit says s")


if __name__ == "__main__":
    main()
