"""Builders for violations: a kind (with its default notice templates), a violation recorded by someone, and the
fine's one-off charge."""

from domain.accounts.models import Actor
from domain.violations import kinds, services
from domain.violations.models import Stage
from extensions import db
from tests import builders


def act(user):
    """A signed-in user as a domain actor."""
    return Actor.for_user(user, "127.0.0.1")


def create_kind(prop, name="楼道堆放杂物", *, fine_charge=None, **values):
    """A kind of violation (reminder 1 day, notice 3, order 7 by default), committed."""
    fields = {
        "name": name,
        "rule": "《管理规约》第十二条：不得占用公共通道堆放物品",
        "first_stage": Stage.REMINDED.value,
        "reminder_days": 1,
        "notice_days": 3,
        "order_days": 7,
        "authority": "fire",
        "fine_allowed": False,
        "fine_max_fen": None,
        "fine_charge_type_id": fine_charge.id if fine_charge else None,
        **values,
    }
    kind = kinds.create_kind(Actor.system(), property_id=prop.id, **fields)
    db.session.commit()
    return kind


def create_fine_charge(prop):
    """The fee schedule's one-off charge fines are billed under (¥200 by default)."""
    return builders.create_charge(prop, code="FINE", name="违章罚款", basis="one_off", rate_fen=20000)


def record(user, kind, *, unit=None, place="", seen="楼道内堆放纸箱、旧家具", **values):
    """A violation recorded by `user` now, committed (at `unit` when given, else at `place`)."""
    violation = services.record_violation(
        act(user),
        kind_id=kind.id,
        unit_label=f"{unit.building.code}-{unit.number}" if unit else "",
        place=place or ("" if unit else "3号楼12层走廊"),
        seen=seen,
        property_id=kind.property_id,
        **values,
    )
    db.session.commit()
    return violation
