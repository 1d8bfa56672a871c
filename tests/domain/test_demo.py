"""The demo loader: the property, accounts per role, idempotent, refused in production."""

from domain.accounts.models import Actor, User
from domain.demo import DEMO_STAFF, load_demo
from domain.property.models import Building, Resident, Unit, UnitStatus
from extensions import db


def test_demo_loads_the_property_with_staff_per_role_and_is_idempotent():
    first = load_demo("demo1234", Actor.system())
    db.session.commit()
    assert first["property"] and len(first["staff"]) == len(DEMO_STAFF)
    units = db.session.query(Unit).count()
    residents = db.session.query(Resident).count()
    assert db.session.query(Building).count() >= 2 and units >= 200
    assert db.session.query(Unit).filter_by(status=UnitStatus.VACANT).count() > 0
    assert residents > units / 2
    second = load_demo("demo1234", Actor.system())
    db.session.commit()
    assert second == {"property": False, "staff": [], "residents": []}
    assert db.session.query(Unit).count() == units and db.session.query(Resident).count() == residents
    assert {u.username for u in db.session.query(User)} >= {"manager", "frontdesk", "assistant", "engineer", "security", "finance", "cleaner", "resident1"}


def test_demo_is_refused_in_production(app, runner):
    app.config["PRODUCTION"] = True
    try:
        result = runner.invoke(args=["demo", "load"])
    finally:
        app.config["PRODUCTION"] = False
    assert result.exit_code != 0 and "production" in result.output
    assert db.session.query(Unit).count() == 0


def test_demo_cli_prints_the_logins(runner):
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "resident1" in result.output and "manager" in result.output and "demo1234" in result.output
