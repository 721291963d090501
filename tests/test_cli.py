"""The flask commands other tools and checks rely on."""
from __future__ import annotations

from sqlalchemy import func, select

from planbuilder.extensions import db
from planbuilder.models import Membership, Municipality, Plan, User
from planbuilder.services import accounts


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_demo_twice_creates_nothing_twice(runner):
    first = runner.invoke(args=["seed-demo", "--password", "demo-password-1"])
    assert first.exit_code == 0, first.output
    assert "created user editor@demo.example" in first.output
    counts = (count(Municipality), count(User), count(Membership), count(Plan))
    assert counts == (3, 9, 9, 4)  # SE, NO and DK: three users and one plan each; Ekdala also one under revision
    second = runner.invoke(args=["seed-demo", "--password", "demo-password-1"])
    assert second.exit_code == 0
    assert "nothing created" in second.output
    assert (count(Municipality), count(User), count(Membership), count(Plan)) == counts


def test_seed_demo_generates_and_prints_a_password(runner, client):
    result = runner.invoke(args=["seed-demo"])
    password = result.output.split("password for the demo users: ")[1].strip()
    assert accounts.authenticate("admin@demo.example", password) is not None


def test_seed_demo_refuses_a_short_password(runner):
    result = runner.invoke(args=["seed-demo", "--password", "short"])
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output
    assert count(User) == 0


def test_templates_check_ok(runner):
    result = runner.invoke(args=["templates", "check"])
    assert result.exit_code == 0, result.output
    assert "ok  se-vbe" in result.output


def test_templates_check_names_the_problem(runner, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: xx\nrevision: 1\ncountry: SE\nlanguage: sv\ntitle: T\nsections:\n"
                      "  - id: a\n    title: A\n    fields:\n      - {id: f, type: tabel, label: F}\n")
    result = runner.invoke(args=["templates", "check", str(broken)])
    assert result.exit_code == 1
    assert "sections[0] (a) › fields[0] (f): unknown field type 'tabel'" in result.output


def test_plans_list_and_versions(runner, seeded):
    listing = runner.invoke(args=["plans", "list"])
    assert listing.exit_code == 0
    line = listing.output.strip().splitlines()[0].split("\t")
    assert line[1:4] == ["Ekdala kommun", "se-vbe", "Handlingsplan mot våldsbejakande extremism"]
    assert line[5] == "draft"
    versions = runner.invoke(args=["plans", "versions", line[0]])
    assert versions.exit_code == 0
    assert "\tdraft\t" in versions.output
    missing = runner.invoke(args=["plans", "versions", "9999"])
    assert missing.exit_code == 1 and "no plan with id 9999" in missing.output


def test_municipalities_and_users_create(runner):
    made = runner.invoke(args=["municipalities", "create", "Fjordby kommune", "--country", "NO"])
    assert made.exit_code == 0, made.output
    assert "(NO, nb)" in made.output
    dup = runner.invoke(args=["municipalities", "create", "Fjordby kommune", "--country", "NO"])
    assert dup.exit_code == 1 and "already exists" in dup.output
    user = runner.invoke(args=["users", "create", "--email", "Admin@Fjordby.example", "--municipality",
                               "Fjordby kommune", "--role", "admin", "--password", "long-enough-pw"])
    assert user.exit_code == 0, user.output
    assert accounts.authenticate("admin@fjordby.example", "long-enough-pw") is not None
    unknown = runner.invoke(args=["users", "create", "--email", "x@y.example", "--municipality", "Nowhere",
                                  "--role", "admin", "--password", "long-enough-pw"])
    assert unknown.exit_code == 1 and "no municipality 'Nowhere'" in unknown.output


def test_users_create_refuses_bad_role(runner):
    runner.invoke(args=["municipalities", "create", "Testby", "--country", "SE"])
    result = runner.invoke(args=["users", "create", "--email", "x@y.example", "--municipality", "Testby",
                                 "--role", "owner", "--password", "long-enough-pw"])
    assert result.exit_code != 0 and count(User) == 0
