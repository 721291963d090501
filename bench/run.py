"""Every benchmark, one table: python bench/run.py [--quick]

Runs, in turn: the wizard (autosave and section page on SQLite and PostgreSQL, 1,000 municipalities), the plan
document (first render against Chromium's print, cached fetch, peak memory), the comparison of two versions, the
25-editor autosave load against gunicorn on PostgreSQL, the lists that scale (1× and 10× data, SQLite and
PostgreSQL), and documents made in the background (submission, download, adoption and autosave against gunicorn,
PostgreSQL with RQ and SQLite with the embedded worker). Takes about twenty-five minutes on the 2-core reference
machine (--quick: shorter load, fewer PDF runs and review cycles). Record the results in docs/performance.md.
"""
from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from report import print_table  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description="Run every benchmark and print one table")
    parser.add_argument("--quick", action="store_true", help="a 20 s load, one PDF run per document, 3 review cycles")
    args = parser.parse_args()
    import bench_diff
    import bench_jobs
    import bench_pdf
    import bench_wizard
    import load_autosave
    import scale
    from harness import DEFAULT_POSTGRES

    rows = bench_wizard.collect()
    rows += bench_pdf.collect(runs=1 if args.quick else 3)
    rows += bench_diff.collect()
    rows += load_autosave.collect(seconds=20 if args.quick else 60)
    rows += scale.collect(postgres=DEFAULT_POSTGRES)
    # The first render against Chromium is bench_pdf's row above, not measured twice.
    rows += bench_jobs.collect(cycles=3 if args.quick else 8, seconds=10 if args.quick else 30, pdf_runs=0)
    print(f"\nmachine: {platform.node()}, {platform.machine()}, Python {platform.python_version()}")
    print_table(rows)


if __name__ == "__main__":
    main()
