"""A new country, and a new plan language, are data only: a template file for a made-up country (and one for a
Swedish-speaking municipality in Finland) passes the check, municipalities can be created for them, and a plan
is created, filled and printed, with no change to the code."""
from __future__ import annotations

import io
import shutil

import pytest
import yaml
from flask import url_for
from pypdf import PdfReader

from planbuilder import clock
from planbuilder.config import REPO_ROOT
from planbuilder.extensions import db
from planbuilder.models import Municipality
from planbuilder.services.documents import rendering as documents
from planbuilder.services.people import accounts
from planbuilder.services.plans import plans
from tests.conftest import sign_in_as
from tests.wizard_helpers import post_section, working_version


def _template(template_id: str, country: str, language: str, title: str, **extra) -> dict:
    return {
        "id": template_id, "revision": 1, "country": country, "language": language, "title": title, **extra,
        "sections": [{"id": "vastuu", "title": "Vastuu", "fields": [
            {"id": "vastuuhenkilo", "type": "short_text", "label": "Vastuuhenkilö", "required": True},
            {"id": "hyvaksytty", "type": "date", "label": "Hyväksytty"},
        ]}],
    }


MADE_UP = _template("xq-vbe", "XQ", "fi", "Toimintasuunnitelma väkivaltaisen ekstremismin ehkäisemiseksi",
                    timezone="Europe/Helsinki")
FINLAND_SWEDISH = _template("fi-sv-vbe", "FI", "sv", "Handlingsplan mot våldsbejakande extremism")


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("templates")
    for path in (REPO_ROOT / "plan_templates").glob("*.yaml"):
        shutil.copy(path, folder)
    for data in (MADE_UP, FINLAND_SWEDISH):
        (folder / f"{data['id']}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture
def app_config(template_dir):
    return {"PLAN_TEMPLATES_DIR": str(template_dir)}


def test_the_new_templates_pass_the_check(runner, template_dir):
    result = runner.invoke(args=["templates", "check"])
    assert result.exit_code == 0, result.output
    assert "ok  xq-vbe (revision 1, XQ, fi)" in result.output
    assert "ok  fi-sv-vbe (revision 1, FI, sv)" in result.output


def test_a_country_the_time_zone_database_does_not_know_must_name_its_clock(runner, tmp_path):
    data = {key: value for key, value in MADE_UP.items() if key != "timezone"}
    path = tmp_path / "xq.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["templates", "check", str(path)])
    assert result.exit_code == 1
    assert "the time zone database does not know 'XQ': give the template a 'timezone'" in result.output


def test_municipalities_are_created_for_the_new_countries(runner, app):
    made_up = runner.invoke(args=["municipalities", "create", "Testkunta", "--country", "XQ"])
    finland = runner.invoke(args=["municipalities", "create", "Närpes stad", "--country", "FI", "--language", "sv"])
    assert made_up.exit_code == 0 and finland.exit_code == 0, made_up.output + finland.output
    testkunta = db.session.scalars(db.select(Municipality).where(Municipality.name == "Testkunta")).one()
    narpes = db.session.scalars(db.select(Municipality).where(Municipality.name == "Närpes stad")).one()
    # Finnish has no interface catalogue, so the interface is English; Swedish in Finland is Swedish.
    assert (testkunta.language, narpes.language) == ("en", "sv")
    assert clock.country_timezone("XQ") == "Europe/Helsinki" and clock.country_timezone("FI") == "Europe/Helsinki"
    assert [t.id for t in plans.templates_for_country("XQ")] == ["xq-vbe"]


def test_a_country_without_a_template_is_refused_with_the_ones_there_are(runner):
    result = runner.invoke(args=["municipalities", "create", "Nowhere", "--country", "ZZ"])
    assert result.exit_code == 1
    assert "no plan template for the country ZZ" in result.output and "DK, FI, NO, SE, XQ" in result.output


@pytest.mark.parametrize("template_id, country, language, printed", [
    ("xq-vbe", "XQ", "en", "15. maaliskuuta 2027"),
    ("fi-sv-vbe", "FI", "sv", "15 mars 2027"),
])
def test_a_plan_is_created_filled_and_printed(app, client, template_id, country, language, printed):
    municipality = accounts.create_municipality(f"Kunta {country}", country, language)
    accounts.create_user(f"editor@{country.lower()}.example", "Editor", "a-long-password", municipality, "editor")
    sign_in_as(client, f"editor@{country.lower()}.example", "a-long-password")
    response = client.post(url_for("plans.create"), data={"title": "Suunnitelma 2027", "template_id": template_id})
    assert response.status_code == 303
    plan = plans.all_plans()[0]
    saved = post_section(client, plan.id, "vastuu", {"vastuuhenkilo": "Turvallisuuskoordinaattori",
                                                     "hyvaksytty": "2027-03-15"})
    assert saved.status_code == 303
    pdf = PdfReader(io.BytesIO(documents.render_pdf(working_version(plan.id), "internal")))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "Turvallisuuskoordinaattori" in text and printed in text  # dates in the plan's own language
