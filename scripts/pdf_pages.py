"""Look at the plan document: render the demo plan's PDF and write PNGs of its first pages to test-artifacts/.

    /work/venv/bin/python scripts/pdf_pages.py [--edition internal|public] [--pages 3] [--adopted]

Works on a throw-away SQLite database seeded with the demo, so it never touches your own data. Needs
pdftoppm (Debian package poppler-utils).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "test-artifacts"
sys.path.insert(0, str(REPO_ROOT))


@contextmanager
def demo_app():
    """An app on a fresh SQLite file holding the seeded demo, inside an app context."""
    from flask_migrate import upgrade

    from planbuilder import create_app
    from planbuilder.services.data import demo

    with tempfile.TemporaryDirectory(prefix="planbuilder-demo-") as folder:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/demo.sqlite3",
            "SECRET_KEY": "demo-only",
            "AUTO_MIGRATE": False,
            "BABEL_TRANSLATION_DIRECTORIES": f"{folder}/translations",
        })
        with app.app_context():
            upgrade()
            demo.seed("demo-password-1")
            yield app


def demo_version():
    """The demo plan's latest version."""
    from planbuilder.extensions import db
    from planbuilder.models import Plan
    from planbuilder.services.plans import plans

    plan = db.session.query(Plan).order_by(Plan.id).first()
    return plans.latest_version(plan)


def write_pngs(pdf: bytes, stem: str, pages: int) -> list[Path]:
    ARTIFACTS.mkdir(exist_ok=True)
    pdf_path = ARTIFACTS / f"{stem}.pdf"
    pdf_path.write_bytes(pdf)
    for old in ARTIFACTS.glob(f"{stem}-page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", str(pages), str(pdf_path),
                    str(ARTIFACTS / f"{stem}-page")], check=True)
    return sorted(ARTIFACTS.glob(f"{stem}-page-*.png"))


def _as_adopted(version) -> None:
    from datetime import date

    version.status = "adopted"
    version.decision_body = "Kommunfullmäktige"
    version.decision_date = date(2026, 3, 12)
    version.decision_paragraph, version.case_number = "KF § 42", "KS 2026/0142"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edition", default="internal", choices=("internal", "public"))
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--adopted", action="store_true",
                        help="print the version as if it had been adopted (decision on the cover, no DRAFT)")
    args = parser.parse_args()
    from planbuilder.services.documents import rendering as documents

    with demo_app():
        version = demo_version()
        if args.adopted:
            _as_adopted(version)  # only on this throw-away database
        pdf = documents.render_pdf(version, args.edition)
    stem = f"demo-{args.edition}" + ("-adopted" if args.adopted else "")
    for path in write_pngs(pdf, stem, args.pages):
        print(path.relative_to(REPO_ROOT))


if __name__ == "__main__":
    main()
