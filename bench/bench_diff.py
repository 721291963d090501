"""How long comparing two versions takes: prints figures, asserts nothing.

    /work/venv/bin/python bench/bench_diff.py [--runs 60]

The demo's plan under revision (version 2025 adopted, version 2026 with its changes) and the same pair three times
the size (every group's rows three times, every long text three times, so the changes are three times as many
too), and a worst case of that size where every long text and every row has changed. For each: diffing the two contents (services/diff.compare; target < 100 ms for ×3) and the comparison page
as a signed-in editor gets it over HTTP — fetch, diff and render (target < 300 ms for ×3); and the template render
alone. Medians and nearest-rank p95 over the runs. Runs on a throw-away SQLite database; never touches your data.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

from report import Row, percentile, summarise  # noqa: E402

PASSWORD = "bench-password-1"
TARGETS_MS = {"diff": 100, "page": 300}


def p95(values: list[float]) -> float:
    return percentile(values, 0.95)


def tripled(content: dict) -> dict:
    """Three times the content. Row ids are derived from the original ones, so the rows of two tripled versions
    still match each other as the originals did (and a changed row is changed three times, not added)."""
    result = copy.deepcopy(content)
    for values in result.values():
        for field_id, value in values.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                values[field_id] = [{**row, "_id": hashlib.sha256(f"{copy_number}:{row['_id']}".encode())
                                     .hexdigest()[:32]} for copy_number in range(3) for row in value]
            elif isinstance(value, str) and len(value) > 200:
                values[field_id] = "\n\n".join([value] * 3)
    return result


def edited_everywhere(content: dict) -> dict:
    """A worst case: every long text has a word changed in every sentence, every row one cell changed."""
    result = copy.deepcopy(content)
    for values in result.values():
        for field_id, value in values.items():
            if isinstance(value, str) and len(value) > 200:
                values[field_id] = value.replace(". ", ". Numera ").replace(" och ", " samt ")
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for row in value:
                    key = next((k for k, v in row.items() if not k.startswith("_") and isinstance(v, str)), None)
                    if key:
                        row[key] = row[key] + " (reviderad)"
    return result


def timed(action, runs: int) -> list[float]:
    action()  # warm up (imports, template compilation, caches)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def add_pair(plan, content_a: dict, content_b: dict, title: str):
    """A plan holding the two contents as its superseded and draft versions (stored as is, unchecked)."""
    from planbuilder.extensions import db
    from planbuilder.models import PlanVersion
    from planbuilder.services.plans import plans

    copy_plan = plans.create_plan(plan.municipality, plan.template_id, f"{plan.title} {title}", None)
    draft = plans.latest_version(copy_plan)
    older = PlanVersion(plan_id=copy_plan.id, label="2025", status="superseded", content=content_a,
                        template_id=draft.template_id, template_revision=draft.template_revision)
    db.session.add(older)
    draft.content, draft.label = content_b, "2026"
    db.session.commit()
    return older, draft


def measure(app, name: str, version_a, version_b, runs: int, client) -> dict:
    from flask import render_template, url_for

    from planbuilder.services.compare import diff, diff_text
    from planbuilder.services.plans import plans

    template = plans.template_for(version_a.template_id)
    content_a, content_b = version_a.content, version_b.content
    diffs = timed(lambda: diff.compare(template, content_a, template, content_b), runs)
    with app.test_request_context():
        url = url_for("versions.compare", a=version_a.id, b=version_b.id)
    pages = timed(lambda: client.get(url).get_data(), runs)
    comparison = diff.compare(template, content_a, template, content_b)
    context = {"plan": version_b.plan, "access": None, "version_a": version_a, "version_b": version_b,
               "comparison": comparison, "summary": diff_text.summary(comparison), "edition": "internal",
               "editions": ("internal", "public"), "expanded": set(), "listings": {}, "section": None}
    with app.test_request_context(url):
        renders = timed(lambda: render_template("versions/compare.html", **context), runs)
    page_bytes = len(client.get(url).get_data())
    return {"name": name, "size": len(json.dumps(content_b, ensure_ascii=False)), "page_kib": page_bytes / 1024,
            "summary": " · ".join(diff_text.summary(comparison)), "diff": diffs, "page": pages, "render": renders}


def report(rows: list[dict], runs: int) -> None:
    print(f"{runs} runs each; times in ms (median / nearest-rank p95)\n")
    header = (f"{'pair':<10}{'content KiB':>12}{'page KiB':>10}{'diff med':>10}{'diff p95':>10}{'target':>8}"
              f"{'page med':>10}{'page p95':>10}{'target':>8}{'render med':>12}{'render p95':>12}")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(f"{row['name']:<10}{row['size'] / 1024:>12.0f}{row['page_kib']:>10.0f}"
              f"{statistics.median(row['diff']):>10.1f}{p95(row['diff']):>10.1f}{TARGETS_MS['diff']:>8}"
              f"{statistics.median(row['page']):>10.1f}{p95(row['page']):>10.1f}{TARGETS_MS['page']:>8}"
              f"{statistics.median(row['render']):>12.1f}{p95(row['render']):>12.1f}")
    print()
    for row in rows:
        print(f"{row['name']}: {row['summary']}")
    print("\ndiff = services.diff.compare on the two stored contents; page = GET of the comparison page by a signed-in"
          "\neditor through the test client (session, two version look-ups, diff, summary, render); render = the"
          "\npage template alone with the comparison already made. Targets are for the ×3 pair; ×3 worst has a"
          "\nword changed in every sentence of every long text and a cell changed in every row.")


def measure_pairs(runs: int) -> list[dict]:
    """The three pairs (demo, ×3, ×3 worst) on a throw-away SQLite database seeded with the demo."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from planbuilder import create_app
    from planbuilder.extensions import db
    from planbuilder.models import Plan, User
    from planbuilder.services.data import demo
    from planbuilder.services.plans import plans

    with tempfile.TemporaryDirectory(prefix="bench-diff-") as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "SECRET_KEY": "bench",
                          "AUTO_MIGRATE": False, "TESTING": True, "WTF_CSRF_ENABLED": False,
                          "BABEL_TRANSLATION_DIRECTORIES": f"{folder}/translations"})
        with app.app_context():
            upgrade()
            print("seeding the demo (renders the adopted version's PDFs once) …", file=sys.stderr)
            demo.seed(PASSWORD)
            for user in db.session.scalars(select(User)):
                user.language = "en"
            db.session.commit()
            plan = db.session.scalar(select(Plan).where(Plan.title == demo.REVISED_TITLE))
            adopted, draft = plans.versions_of(plan)
            bigger = add_pair(plan, tripled(adopted.content), tripled(draft.content), "×3")
            worst = add_pair(plan, tripled(adopted.content), edited_everywhere(tripled(draft.content)), "×3 worst")
            client = app.test_client()
            client.post("/auth/sign-in", data={"email": "editor@demo.example", "password": PASSWORD})
            rows = [measure(app, "demo", adopted, draft, runs, client),
                    measure(app, "demo ×3", *bigger, runs, client),
                    measure(app, "×3 worst", *worst, runs, client)]
            db.session.remove()
    return rows


def collect(runs: int = 60) -> list[Row]:
    """The figures bench/run.py reports: the diff and the comparison page of each pair."""
    rows = []
    for pair in measure_pairs(runs):
        targeted = pair["name"] == "demo ×3"
        rows.append(summarise("diff", f"{pair['name']}: diff", pair["diff"],
                              target=f"< {TARGETS_MS['diff']} ms" if targeted else ""))
        rows.append(summarise("diff", f"{pair['name']}: comparison page", pair["page"],
                              target=f"< {TARGETS_MS['page']} ms" if targeted else ""))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    if args.runs < 50:
        parser.error("use at least 50 runs")
    report(measure_pairs(args.runs), args.runs)


if __name__ == "__main__":
    main()
