"""Builders for vacant units: a registered vacant unit, a key set, a past check, written straight to the tables."""

from datetime import timedelta

from domain.clock import start_of_local_day, today
from domain.facilities.models import CheckResult
from domain.property.models import UnitStatus
from domain.vacant.checklist import DEFAULT_ITEMS, split_items
from domain.vacant.models import Supply, VacancyReason, VacantCheck, VacantKey, VacantUnit
from extensions import db
from tests import builders


def create_vacant(prop, unit=None, *, registered_on=None, interval_days=7, reason=VacancyReason.OWNER_AWAY):
    """A vacant unit of `prop` (a new unit the register marks vacant by default), registered on `registered_on`
    (today by default)."""
    unit = unit or builders.create_unit(status=UnitStatus.VACANT)
    vacant = VacantUnit(
        property_id=prop.id,
        unit_id=unit.id,
        reason=reason,
        vacant_since=(registered_on or today()) - timedelta(days=30),
        interval_days=interval_days,
        water=Supply.OFF,
        power=Supply.ON,
        registered_on=registered_on or today(),
    )
    db.session.add(vacant)
    db.session.commit()
    return vacant


def create_key(vacant, tag="K-1", count=2):
    """A key set the office keeps for `vacant`."""
    key = VacantKey(vacant_unit_id=vacant.id, tag=tag, count=count)
    db.session.add(key)
    db.session.commit()
    return key


def create_vacant_check(vacant, day, *, result=CheckResult.PASSED):
    """A check of `vacant` recorded on the local `day` at 10:00, every default item OK."""
    items, meters = split_items(DEFAULT_ITEMS)
    check = VacantCheck(
        vacant_unit_id=vacant.id,
        checked_at=start_of_local_day(day) + timedelta(hours=10),
        checked_on=day,
        answers={item: "ok" for item in items},
        readings={meter: "100" for meter in meters},
        water=vacant.water,
        power=vacant.power,
        result=result,
    )
    db.session.add(check)
    db.session.commit()
    return check


def all_ok(extra=None):
    """Answers and readings for the default checklist: every item OK (`extra` overrides some)."""
    items, meters = split_items(DEFAULT_ITEMS)
    answers = {item: "ok" for item in items}
    answers.update(extra or {})
    return answers, {meter: "1234.5" for meter in meters}
