"""Model constraints that protect the data whatever the route or command."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from planbuilder.extensions import db
from planbuilder.models import FrozenVersionError, Membership, PlanVersion
from planbuilder.services.people import accounts
from planbuilder.services.plans import plans


@pytest.fixture
def municipality(app):
    return accounts.create_municipality("Testby kommun", "SE")


@pytest.fixture
def plan(municipality):
    return plans.create_plan(municipality, "se-vbe", "Testplan", None)


def test_membership_role_must_be_known(municipality):
    user = accounts.create_user("anna@testby.example", "Anna", "long-enough-pw", municipality, "editor")
    other = accounts.create_municipality("Annanby kommun", "SE")
    db.session.add(Membership(user_id=user.id, municipality_id=other.id, role="owner"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_one_membership_per_user_and_municipality(municipality):
    user = accounts.create_user("anna@testby.example", "Anna", "long-enough-pw", municipality, "editor")
    db.session.add(Membership(user_id=user.id, municipality_id=municipality.id, role="reviewer"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_only_one_working_version_per_plan(plan):
    draft = plan.versions[0]
    db.session.add(PlanVersion(plan_id=plan.id, label="2026 rev. 2", status="draft", content={},
                               template_id=draft.template_id, template_revision=draft.template_revision))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_version_status_must_be_known(plan):
    version = plan.versions[0]
    version.status = "published"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_concurrent_write_is_refused_not_overwritten(app, plan):
    """Two processes read the same version; the second one to write is refused, never overwriting."""
    from sqlalchemy.orm import Session

    version_id = plan.versions[0].id
    first_tab = Session(db.engine)
    slow = first_tab.get(PlanVersion, version_id)
    other = db.session.get(PlanVersion, version_id)
    other.content = {"ansvar": {"samordnare": "Trygghetssamordnare"}}
    db.session.commit()
    slow.content = {"ansvar": {"samordnare": "Någon annan"}}
    with pytest.raises(StaleDataError):
        first_tab.commit()
    first_tab.close()
    db.session.expire_all()
    assert db.session.get(PlanVersion, version_id).content["ansvar"]["samordnare"] == "Trygghetssamordnare"


def test_adopted_content_cannot_change(plan):
    version = plan.versions[0]
    version.status = "adopted"
    db.session.commit()
    version.content = {"ansvar": {"samordnare": "Ändrad i efterhand"}}
    with pytest.raises(FrozenVersionError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(PlanVersion, version.id).content == {}


def test_adopted_version_may_become_superseded(plan):
    version = plan.versions[0]
    version.status = "adopted"
    db.session.commit()
    version.status = "superseded"
    db.session.commit()
    assert db.session.get(PlanVersion, version.id).status == "superseded"


def test_user_email_is_stored_lower_case(municipality):
    user = accounts.create_user("  Anna@Testby.Example ", "Anna", "long-enough-pw", municipality, "editor")
    assert user.email == "anna@testby.example"
    assert accounts.find_user("ANNA@testby.example") == user
