"""How long the plan document takes: prints figures, asserts nothing.

    /work/venv/bin/python bench/bench_pdf.py [--runs 5] [--no-chromium]

For the demo plan and a plan three times its size (every group's rows and every long text tripled), both
editions: a version's first render in a running server, the very first render in a fresh process, the peak
memory, a cached fetch from the database, and headless Chromium printing the same HTML as the reference. Each
run measures WeasyPrint and Chromium back to back, so a busy machine slows both alike. Runs on a throw-away
SQLite database; never touches your data.
"""
from __future__ import annotations

import argparse
import io
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

from bench_diff import tripled  # noqa: E402  (the same three-times plan as the comparison's)
from report import Row, percentile  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile: with a handful of runs it is the slowest but one or the slowest."""
    return percentile(values, 0.95)


def add_tripled_plan(version):
    """A second plan of the same municipality holding the tripled content (stored as is, unchecked)."""
    from planbuilder.extensions import db
    from planbuilder.services.plans import plans

    plan = plans.create_plan(version.plan.municipality, version.template_id, f"{version.plan.title} ×3", None)
    bigger = plans.latest_version(plan)
    bigger.content = tripled(version.content)
    db.session.commit()
    return bigger


def _status_kib(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak() -> None:
    """Start the peak (VmHWM) afresh, so argon2's 64 MiB at import does not hide what the render uses."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _app(uri: str, translations: str):
    from planbuilder import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "AUTO_MIGRATE": False,
                       "BABEL_TRANSLATION_DIRECTORIES": translations})


def _warm_up_like_a_running_server(version) -> str:
    """What a server has done before someone asks for this version: printed another municipality's plan (in
    another language, so nothing of this version's text is remembered: fonts, stylesheet and renderer set-up
    only), and loaded the hyphenation dictionary of this plan's language, as after any earlier plan in it."""
    import pyphen
    from sqlalchemy import select

    from planbuilder.extensions import db
    from planbuilder.models import Plan
    from planbuilder.services.documents import rendering as documents
    from planbuilder.services.plans import plans

    other = db.session.scalars(select(Plan).where(Plan.municipality_id != version.plan.municipality_id)
                               .order_by(Plan.id)).first()
    warm_up = plans.latest_version(other)
    documents.render_pdf(warm_up, "internal")
    language = documents.template_of(version).language
    pyphen.Pyphen(lang=language)  # pyphen keeps a loaded dictionary for the whole process
    return f"{warm_up.plan.title} ({documents.template_of(warm_up).language}) and the {language} dictionary"


def child(mode: str, uri: str, translations: str, version_id: int, edition: str) -> None:
    """One render in this fresh process, printed as JSON for the parent.

    mode "first": after _warm_up_like_a_running_server, the version's first render (what a person waits for);
    mode "cold": the very first render in the process (as right after a deploy), and its peak memory."""
    from planbuilder.extensions import db
    from planbuilder.models import PlanVersion
    from planbuilder.services.documents import rendering as documents

    app = _app(uri, translations)
    with app.app_context():
        version = db.session.get(PlanVersion, version_id)
        version.plan.municipality  # load everything the cover needs before measuring
        warm_up = _warm_up_like_a_running_server(version) if mode == "first" else None
        before = _status_kib("VmRSS")
        _reset_peak()
        started = time.perf_counter()
        pdf = documents.render_pdf(version, edition)
        seconds = time.perf_counter() - started
        peak = _status_kib("VmHWM")
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(json.dumps({"seconds": seconds, "peak_kib": peak, "render_kib": peak - before, "bytes": len(pdf),
                      "pages": pages, "warm_up": warm_up}))


def child_render(app, version, edition: str, mode: str) -> dict:
    uri, translations = app.config["SQLALCHEMY_DATABASE_URI"], app.config["BABEL_TRANSLATION_DIRECTORIES"]
    started = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--child", mode, uri, translations, str(version.id), edition],
                         check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - started
    return result


def cached_fetches(version, edition: str, runs: int) -> list[float]:
    from planbuilder.services.documents import rendering as documents

    documents.cached_document(version, edition, "pdf")  # store it once
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        documents.cached_document(version, edition, "pdf")
        times.append(time.perf_counter() - started)
    return times


def chromium_print(version, edition: str, folder: Path, number: int) -> float:
    """`chromium --headless --print-to-pdf` of the same HTML (print.css inlined), timed as a whole command."""
    from planbuilder.services.documents import rendering as documents

    html = folder / f"plan-{version.id}-{edition}.html"
    if not html.exists():
        html.write_text(documents.standalone_html(version, edition), encoding="utf-8")
    target = folder / f"chromium-{version.id}-{edition}-{number}.pdf"
    started = time.perf_counter()
    subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={folder / 'profile'}",
                    f"--print-to-pdf={target}", html.as_uri()], check=True, capture_output=True, timeout=180)
    seconds = time.perf_counter() - started
    if not target.exists():
        raise RuntimeError("Chromium wrote no PDF")
    return seconds


def report(rows: list[dict]) -> None:
    header = (f"{'document':<14}{'edition':<10}{'pages':>6}{'KiB':>6}{'render med':>12}{'render p95':>12}"
              f"{'cold med':>10}{'process med':>13}{'peak MiB':>10}{'render MiB':>12}{'cached med':>12}{'cached p95':>12}"
              f"{'chromium med':>14}{'chromium p95':>14}{'ratio':>8}")
    print(header)
    print("-" * len(header))
    for row in rows:
        ratio = f"{row['render_med'] / row['chromium_med']:.2f}" if row["chromium_med"] else "-"
        chromium = (f"{row['chromium_med']:>13.2f}s{row['chromium_p95']:>13.2f}s" if row["chromium_med"]
                    else f"{'-':>14}{'-':>14}")
        print(f"{row['document']:<14}{row['edition']:<10}{row['pages']:>6}{row['kib']:>6.0f}{row['render_med']:>11.2f}s"
              f"{row['render_p95']:>11.2f}s{row['cold_med']:>9.2f}s{row['wall_med']:>12.2f}s{row['peak_mib']:>10.0f}{row['render_mib']:>12.0f}"
              f"{row['cached_med'] * 1000:>10.1f}ms{row['cached_p95'] * 1000:>10.1f}ms{chromium}{ratio:>8}")
    warm_up = next((row["warm_up"] for row in rows if row.get("warm_up")), "another plan")
    print("\nrender = a version's first render_pdf() in a running server, what a person waits for: a fresh process"
          "\nthat has first printed another municipality's plan in another language, so fonts and stylesheet are"
          "\nloaded but nothing of this version's text (here: " + warm_up + ");"
          "\ncold = the very first render in a fresh process; process = that whole process including Python, app"
          "\nstart-up and imports; peak = the processes' peak resident memory during the render; render MiB = that"
          "\npeak less the resident memory just before it; cached = a repeat download read from the database;"
          "\nchromium = `chromium --headless --print-to-pdf` of the same HTML as a whole command (start-up included),"
          "\nrun right after each WeasyPrint run; ratio = render / chromium (medians; target <= 1.0)."
          "\nMedians and nearest-rank p95 over the runs.")


def measure(runs: int, chromium: bool = True) -> list[dict]:
    from scripts.pdf_pages import demo_app, demo_version

    rows = []
    with demo_app() as app, tempfile.TemporaryDirectory(prefix="bench-pdf-") as folder:
        demo = demo_version()
        for name, version in (("demo", demo), ("demo ×3", add_tripled_plan(demo))):
            for edition in ("internal", "public"):
                first, cold, printed = [], [], []
                for number in range(runs):
                    first.append(child_render(app, version, edition, "first"))
                    if chromium:
                        printed.append(chromium_print(version, edition, Path(folder), number))
                    cold.append(child_render(app, version, edition, "cold"))
                cached = cached_fetches(version, edition, max(20, runs))
                renders = [r["seconds"] for r in first]
                rows.append({
                    "document": name, "edition": edition, "kib": first[0]["bytes"] / 1024, "pages": first[0]["pages"],
                    "render_med": statistics.median(renders), "render_p95": p95(renders),
                    "wall_med": statistics.median(r["wall"] for r in cold),
                    "cold_med": statistics.median(r["seconds"] for r in cold),
                    "peak_mib": max(r["peak_kib"] for r in first + cold) / 1024,
                    "render_mib": max(r["render_kib"] for r in first + cold) / 1024,
                    "cached_med": statistics.median(cached), "cached_p95": p95(cached),
                    "chromium_med": statistics.median(printed) if printed else 0,
                    "chromium_p95": p95(printed) if printed else 0,
                    "warm_up": first[0]["warm_up"],
                })
                print(f"… {name} {edition} done", file=sys.stderr)
    return rows


def collect(runs: int = 3) -> list[Row]:
    """The figures bench/run.py reports: first render against Chromium, cached fetch, peak memory."""
    rows = []
    for row in measure(runs):
        name = f"{row['document']} {row['edition']} ({row['pages']} p.)"
        # The ratio target is the demo plan's; the plan three times its size is measured beside it.
        target = "ratio <= 1.0 (Chromium print)" if row["document"] == "demo" else "(reference: Chromium print)"
        rows.append(Row("pdf", f"{name} first render", row["render_med"], row["render_p95"], "s", target,
                        row["chromium_med"] or None))
        rows.append(Row("pdf", f"{name} cached fetch", row["cached_med"] * 1000, row["cached_p95"] * 1000,
                        "ms", "< 20 ms"))
        rows.append(Row("pdf", f"{name} peak memory", row["peak_mib"], row["peak_mib"], "MiB", "< 300 MiB"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-chromium", action="store_true")
    parser.add_argument("--child", nargs=5, metavar=("MODE", "URI", "TRANSLATIONS", "VERSION", "EDITION"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, uri, translations, version_id, edition = args.child
        child(mode, uri, translations, int(version_id), edition)
        return
    report(measure(args.runs, not args.no_chromium))


if __name__ == "__main__":
    main()
