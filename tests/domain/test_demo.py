"""The demo loader's command: refused in production, and the logins it prints (what it loads: test_demo_contents.py)."""

from domain.movein.demo import DEMO_INVITATION_CODE, DEMO_INVITATION_UNIT
from domain.property.models import Unit
from extensions import db


def test_demo_is_refused_in_production(app, runner):
    app.config["PRODUCTION"] = True
    try:
        result = runner.invoke(args=["demo", "load"])
    finally:
        app.config["PRODUCTION"] = False
    assert result.exit_code != 0 and "production" in result.output
    assert db.session.query(Unit).count() == 0


def test_demo_cli_prints_the_logins(runner, prop):
    # With a property already there, --if-empty skips loading (what it loads: test_demo_contents.py).
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "not loaded" in result.output
    assert "resident1" in result.output and "manager" in result.output and "demo1234" in result.output
    new_logins = ("resident3", "area", "tech2", "admin", "gm", "frontdesk2", "亿丰花园")
    assert all(name in result.output for name in new_logins)
    assert DEMO_INVITATION_CODE in result.output and DEMO_INVITATION_UNIT in result.output
