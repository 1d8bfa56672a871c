"""Builders for special incidents: the staff each test needs and an incident reported by one of them."""

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.incidents import services
from extensions import db
from tests import builders


def act(user):
    """A signed-in user as a domain actor."""
    return Actor.for_user(user, "127.0.0.1")


def create_team():
    """One active staff member of every role, by role."""
    return {role: builders.create_staff(role) for role in Role}


def report(user, *, kind="water_leak", place="2号楼地下车库", description="B2 水管爆裂，地面积水", **values):
    """An incident reported by `user` now, committed."""
    incident = services.report_incident(
        act(user), kind=kind, occurred_at=None, place=place, description=description, **values
    )
    db.session.commit()
    return incident


def close_ready(manager, incident):
    """Write the outcome, cause and measures (the manager), committed."""
    services.record_outcome(
        act(manager), incident, outcome="已修复，积水清理完毕", cause="管道老化", measures="更换同批次管道，每月巡查"
    )
    db.session.commit()
    return incident
