"""The flask commands other tools and checks rely on."""
from __future__ import annotations

import click.testing
from sqlalchemy import func, select

from planbuilder.extensions import db
from planbuilder.models import AuditEvent, Membership, Municipality, Plan, User
from planbuilder.services.people import accounts
from tests.conftest import sign_in_as


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_demo_twice_creates_nothing_twice(runner):
    first = runner.invoke(args=["seed-demo", "--password", "demo-password-1"])
    assert first.exit_code == 0, first.output
    assert "created user editor@demo.example" in first.output
    counts = (count(Municipality), count(User), count(Membership), count(Plan))
    # SE, NO and DK: three users each; one plan each, Fjellvik a second (domestic violence), Ekdala one under revision
    assert counts == (3, 9, 9, 5)
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


def make_municipality(runner, name: str, country: str = "SE") -> Municipality:
    made = runner.invoke(args=["municipalities", "create", name, "--country", country])
    assert made.exit_code == 0, made.output
    return accounts.find_municipality(name)


def create_user(runner, *args: str, **kwargs):
    return runner.invoke(args=["users", "create", *args], **kwargs)


def test_users_create_without_password_in_a_script_says_how_to_give_one(runner):
    make_municipality(runner, "Testby")
    result = create_user(runner, "--email", "x@y.example", "--municipality", "Testby", "--role", "admin")
    assert result.exit_code == 1
    assert "no password given for the new account x@y.example: pass --password PW, or run this in a terminal" \
        in result.output
    assert "Aborted" not in result.output and "Warning" not in result.output
    assert count(User) == 0 and count(Membership) == 0


def test_users_create_asks_for_the_password_in_a_terminal(runner, monkeypatch):
    make_municipality(runner, "Testby")
    # The runner's stdin stands in for a terminal.
    monkeypatch.setattr(click.testing._NamedTextIOWrapper, "isatty", lambda self: True)
    result = create_user(runner, "--email", "x@y.example", "--municipality", "Testby", "--role", "admin",
                         input="long-enough-pw\nlong-enough-pw\n")
    assert result.exit_code == 0, result.output
    assert "long-enough-pw" not in result.output  # hidden
    assert accounts.authenticate("x@y.example", "long-enough-pw") is not None


def test_users_create_finds_the_municipality_by_name_in_any_case_or_by_id(runner):
    first = make_municipality(runner, "Östby kommun")
    second = make_municipality(runner, "Fjordby kommune", "NO")
    by_name = create_user(runner, "--email", "a@y.example", "--municipality", "  östby KOMMUN ", "--role", "admin",
                          "--password", "long-enough-pw")
    assert by_name.exit_code == 0, by_name.output
    assert "(admin in Östby kommun)" in by_name.output
    by_id = create_user(runner, "--email", "b@y.example", "--municipality", str(second.id), "--role", "editor",
                        "--password", "long-enough-pw")
    assert by_id.exit_code == 0, by_id.output
    assert "(editor in Fjordby kommune)" in by_id.output
    placed = {(m.user.email, m.municipality_id, m.role) for m in db.session.scalars(select(Membership))}
    assert placed == {("a@y.example", first.id, "admin"), ("b@y.example", second.id, "editor")}


def test_users_create_with_an_unknown_municipality_lists_the_ones_there_are(runner):
    none_yet = create_user(runner, "--email", "x@y.example", "--municipality", "Testby", "--role", "admin",
                           "--password", "long-enough-pw")
    assert none_yet.exit_code == 1
    assert "there are none yet" in none_yet.output
    assert "flask --app app municipalities create NAME --country CC" in none_yet.output
    testby = make_municipality(runner, "Testby")
    fjordby = make_municipality(runner, "Fjordby kommune", "NO")
    unknown = create_user(runner, "--email", "x@y.example", "--municipality", "Nowhere", "--role", "admin",
                          "--password", "long-enough-pw")
    assert unknown.exit_code == 1
    assert "no municipality 'Nowhere'" in unknown.output
    assert f"  Fjordby kommune (id {fjordby.id})\n  Testby (id {testby.id})\n" in unknown.output
    assert count(User) == 0


def test_users_create_gives_an_existing_account_a_role_in_another_municipality(runner, client):
    first = make_municipality(runner, "Testby")
    second = make_municipality(runner, "Fjordby kommune", "NO")
    made = create_user(runner, "--email", "coordinator@y.example", "--municipality", "Testby", "--role", "editor",
                       "--name", "Cora", "--password", "the-first-password")
    assert made.exit_code == 0, made.output
    added = create_user(runner, "--email", "Coordinator@Y.example", "--municipality", "fjordby kommune", "--role",
                        "admin", "--name", "Someone Else", "--password", "another-password")
    assert added.exit_code == 0, added.output
    assert "added existing user" in added.output and "(admin in Fjordby kommune)" in added.output
    assert "the existing password is kept" in added.output
    assert "the existing name 'Cora' is kept" in added.output
    user = accounts.find_user("coordinator@y.example")
    assert count(User) == 1 and user.display_name == "Cora"
    assert {(m.municipality_id, m.role) for m in user.memberships} == {(first.id, "editor"), (second.id, "admin")}
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.municipality_id, event.user_id, event.object_id) == \
        ("membership.create", second.id, None, user.id)
    assert event.detail == {"role": "admin"}
    sign_in_as(client, "coordinator@y.example", "the-first-password")
    assert accounts.authenticate("coordinator@y.example", "another-password") is None


def test_users_create_refuses_a_second_role_in_the_same_municipality(runner):
    make_municipality(runner, "Testby")
    made = create_user(runner, "--email", "x@y.example", "--municipality", "Testby", "--role", "editor",
                       "--password", "long-enough-pw")
    assert made.exit_code == 0, made.output
    before = (count(User), count(Membership), count(AuditEvent))
    again = create_user(runner, "--email", "x@y.example", "--municipality", "testby", "--role", "admin",
                        "--password", "another-password")
    assert again.exit_code == 1
    assert "x@y.example already has the role editor in Testby; nothing was changed" in again.output
    assert (count(User), count(Membership), count(AuditEvent)) == before
    assert db.session.scalar(select(Membership.role)) == "editor"
    assert accounts.authenticate("x@y.example", "long-enough-pw") is not None
