"""Benchmark: server time of an autosave and of a section page, in a database of 1,000 municipalities
with 10 plan versions each. Prints median and p95 per database; not a test (targets: autosave p95 < 30 ms,
section page p95 < 50 ms on the 2-core reference machine).

    python bench/bench_wizard.py                      # SQLite (temporary file) and, if reachable, PostgreSQL
    python bench/bench_wizard.py --postgres URL       # PostgreSQL server URL; a database 'planbuilder_bench' is made
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flask import url_for  # noqa: E402
from report import Row, print_table, summarise  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402

from planbuilder import create_app  # noqa: E402
from planbuilder.extensions import db  # noqa: E402
from planbuilder.models import Municipality, Plan, PlanVersion  # noqa: E402
from planbuilder.services.data import demo  # noqa: E402
from planbuilder.services.people import accounts

MUNICIPALITIES = 1000
VERSIONS_PER_MUNICIPALITY = 10  # two plans, five versions each
REQUESTS = 250
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
STATUSES = ["superseded", "superseded", "superseded", "adopted", "draft"]


def build_app(url: str):
    from flask_migrate import upgrade
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "SECRET_KEY": "bench", "BABEL_TRANSLATION_DIRECTORIES": tempfile.mkdtemp()})
    with app.app_context():
        upgrade()
    return app


def populate(municipalities: int = MUNICIPALITIES) -> list[int]:
    """Bulk rows through SQLAlchemy core: per municipality two plans of five versions each (1,000 municipalities:
    2,000 plans, 10,000 versions). The municipalities' ids."""
    content = demo.load_demo_content("se_demo_content.yaml")
    db.session.execute(insert(Municipality), [
        {"name": f"Benchby {i:04d} kommun", "country": "SE", "language": "sv"} for i in range(municipalities)])
    municipality_ids = db.session.scalars(db.select(Municipality.id).where(Municipality.name.like("Benchby %"))
                                          .order_by(Municipality.id)).all()
    db.session.execute(insert(Plan), [
        {"municipality_id": m, "template_id": "se-vbe", "title": f"Handlingsplan {p}"}
        for m in municipality_ids for p in range(2)])
    plan_ids = db.session.scalars(db.select(Plan.id).where(Plan.municipality_id.in_(municipality_ids))
                                  .order_by(Plan.id)).all()
    db.session.execute(insert(PlanVersion), [
        {"plan_id": p, "label": f"{2022 + v}", "status": STATUSES[v], "content": content, "template_id": "se-vbe",
         "template_revision": 1, "lock_version": 1}
        for p in plan_ids for v in range(VERSIONS_PER_MUNICIPALITY // 2)])
    db.session.commit()
    return municipality_ids


def measure(app) -> dict[str, list[float]]:
    with app.app_context():
        populate()
        municipality = accounts.find_municipality("Benchby 0500 kommun")
        accounts.create_user("bench@example.org", "Bench", "benchmark-password", municipality, "editor")
        plan_id = db.session.scalar(db.select(Plan.id).where(Plan.municipality_id == municipality.id))
    client = app.test_client()
    with app.test_request_context():
        sign_in_url = url_for("auth.sign_in")
        section_url = url_for("wizard.section", plan_id=plan_id, section_id="ansvar")
    client.post(sign_in_url, data={"email": "bench@example.org", "password": "benchmark-password"})
    page = client.get(section_url).get_data(as_text=True)
    lock = re.search(r'name="lock" id="lock" value="(\d+)"', page).group(1)
    timings: dict[str, list[float]] = {"autosave": [], "section page": []}
    for i in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(section_url)
        timings["section page"].append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        started = time.perf_counter()
        response = client.post(section_url, headers={"HX-Request": "true"},
                               data={"lock": lock, "editor_token": "bench", "_autosave": "samordnare",
                                     "samordnare": f"Samordnare {i}"})
        timings["autosave"].append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        lock = re.search(r'id="lock" value="(\d+)"', response.get_data(as_text=True)).group(1)
    return timings


def postgres_url(server: str) -> str | None:
    base = server.rsplit("/", 1)[0]
    try:
        engine = create_engine(f"{base}/postgres".replace("postgresql://", "postgresql+psycopg://"),
                               isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS planbuilder_bench"))
            connection.execute(text("CREATE DATABASE planbuilder_bench"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - a benchmark reports and goes on
        print(f"PostgreSQL not measured: {exc.__class__.__name__}: {exc}".splitlines()[0])
        return None
    return f"{base}/planbuilder_bench".replace("postgresql://", "postgresql+psycopg://")


def collect(postgres: str = DEFAULT_SERVER) -> list[Row]:
    databases = {"SQLite": f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"}
    pg = postgres_url(postgres)
    if pg:
        databases["PostgreSQL"] = pg
    targets = {"autosave": "p95 < 30 ms", "section page": "p95 < 50 ms"}
    rows = []
    for name, url in databases.items():
        for request, values in measure(build_app(url)).items():
            rows.append(summarise("wizard", f"{request} ({name}, {REQUESTS} requests)", values,
                                  target=targets[request]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=DEFAULT_SERVER)
    args = parser.parse_args()
    print(f"{MUNICIPALITIES} municipalities × {VERSIONS_PER_MUNICIPALITY} versions each")
    print_table(collect(args.postgres))


if __name__ == "__main__":
    main()
