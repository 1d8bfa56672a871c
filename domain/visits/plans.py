"""Recurring visit plans (走访计划, SOP 13): the manager's rules (every household of an area once a year, VIP
households every quarter...) and, computed on read from the last visit made to each household, which visits are due
and how much of each rule's households was visited within its period. A household is a unit somebody lives in today;
a VIP household one where a VIP resident lives."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from domain.accounts.roles import Permission, require
from domain.areas.lookup import areas_of_user, scope_takes_in_unit, unit_ids_in_area
from domain.areas.models import Area, AreaScope
from domain.audit.services import record
from domain.clock import local_date
from domain.dates import months_later
from domain.errors import DomainError, NotFound
from domain.property.models import Building, Occupancy, Resident, Unit
from domain.property.units import UNIT_LABEL
from domain.routine_checks import last_check_days
from domain.tickets.models import ResidentVisit, VisitRule, VisitScope
from extensions import db

#: A visit shows in the due list this many days before it falls due, so that it can be planned.
DUE_AHEAD_DAYS = 14
MAX_INTERVAL_MONTHS = 60


@dataclass(frozen=True)
class DueVisit:
    """A household's next visit under a rule: its unit, the day of its last visit and the day the next is due."""

    rule: VisitRule
    unit_id: int
    label: str
    last_visit_day: date | None
    due_on: date
    #: Days past `due_on` on the day asked about; 0 when due that day, negative when not yet due.
    days_overdue: int

    @property
    def is_overdue(self):
        """Whether the visit was due before the day asked about."""
        return self.days_overdue > 0


@dataclass(frozen=True)
class Coverage:
    """A rule's households and how many were visited within its period (the last `interval_months` months)."""

    rule: VisitRule
    households: int
    visited: int

    @property
    def percent(self):
        """Visited households in whole percent (None without a household)."""
        return round(self.visited * 100 / self.households) if self.households else None


def create_rule(actor, property_id, *, scope, interval_months, area_id=None, starts_on):
    """A visit rule: the households of `scope` ("all", "area" with `area_id`, "vip"), each visited once every
    `interval_months` (1-60); a household never visited is due from `starts_on`."""
    require(actor, Permission.MANAGE_CALLBACKS)
    try:
        scope = VisitScope(scope)
    except ValueError:
        raise DomainError(_l("Choose which households."), field="scope") from None
    if not isinstance(interval_months, int) or not 1 <= interval_months <= MAX_INTERVAL_MONTHS:
        raise DomainError(
            _l("Give a number of months from 1 to %(count)s.", count=MAX_INTERVAL_MONTHS), field="interval_months"
        )
    if scope == VisitScope.AREA:
        area = db.session.get(Area, area_id) if area_id else None
        if area is None or area.property_id != property_id:
            raise DomainError(_l("Choose the area."), field="area_id")
    else:
        area_id = None
    rule = VisitRule(
        property_id=property_id,
        scope=scope,
        area_id=area_id,
        interval_months=interval_months,
        starts_on=starts_on,
        created_by_id=actor.user_id,
    )
    db.session.add(rule)
    db.session.flush()
    record(actor, "visit_rule.create", rule, summary=f"{scope.value} every {interval_months} months")
    return rule


def get_rule(rule_id, property_id):
    """A rule of the property, or NotFound."""
    rule = db.session.get(VisitRule, rule_id)
    if rule is None or rule.property_id != property_id:
        raise NotFound()
    return rule


def end_rule(actor, rule):
    """Stop a rule: its households are no longer due under it (the visits made stay)."""
    require(actor, Permission.MANAGE_CALLBACKS)
    if rule.is_active:
        rule.is_active = False
        record(actor, "visit_rule.end", rule, summary=rule.scope.value)
    return rule


def active_rules(property_id):
    """The property's rules in force, with their areas (one statement)."""
    return db.session.scalars(
        select(VisitRule)
        .where(VisitRule.property_id == property_id, VisitRule.is_active.is_(True))
        .options(joinedload(VisitRule.area))
        .order_by(VisitRule.scope, VisitRule.interval_months, VisitRule.id)
    ).all()


def households(rule, day):
    """[(unit id, label)] of the rule's households on `day`, by label (one statement)."""
    query = (
        select(Unit.id, UNIT_LABEL)
        .join(Building, Unit.building_id == Building.id)
        .join(Occupancy, Occupancy.unit_id == Unit.id)
        .where(Building.property_id == rule.property_id, Occupancy.is_current(day))
        .group_by(Unit.id, Building.code, Unit.floor, Unit.number)
        .order_by(Building.code, Unit.floor, Unit.number)
    )
    if rule.scope == VisitScope.AREA:
        query = query.join(AreaScope, scope_takes_in_unit()).where(AreaScope.area_id == rule.area_id)
    elif rule.scope == VisitScope.VIP:
        query = query.join(Resident, Occupancy.resident_id == Resident.id).where(Resident.is_vip.is_(True))
    return db.session.execute(query).all()


def last_visit_days(unit_ids):
    """{unit id: the local day of its last visit made} for the units visited at all (one statement)."""
    return {
        unit_id: local_date(at)
        for unit_id, at in last_check_days(ResidentVisit.unit_id, ResidentVisit.done_at, unit_ids).items()
        if at is not None
    }


def next_due(rule, last_visit_day):
    """The day a household's next visit is due under `rule`: the rule's first day when never visited, else the last
    visit's day plus the rule's interval (never before the rule's first day)."""
    if last_visit_day is None:
        return rule.starts_on
    return max(rule.starts_on, months_later(last_visit_day, rule.interval_months))


def _schedules(property_id, day):
    """[(rule, [(unit id, label)])] of the active rules, and the last visit day of every household in them."""
    rules = [(rule, households(rule, day)) for rule in active_rules(property_id)]
    unit_ids = {unit_id for _rule, rows in rules for unit_id, _label in rows}
    return rules, last_visit_days(unit_ids)


def due_visits(property_id, day, *, unit_ids=None, ahead_days=DUE_AHEAD_DAYS):
    """The households whose visit is due by `day` + `ahead_days` under any rule (under the rule that wants them
    soonest when several do), the most overdue first; of `unit_ids` only when given (an assistant's area)."""
    rules, last = _schedules(property_id, day)
    soonest = {}
    for rule, rows in rules:
        for unit_id, label in rows:
            if unit_ids is not None and unit_id not in unit_ids:
                continue
            due_on = next_due(rule, last.get(unit_id))
            if unit_id not in soonest or due_on < soonest[unit_id].due_on:
                soonest[unit_id] = DueVisit(rule, unit_id, label, last.get(unit_id), due_on, (day - due_on).days)
    limit = day + timedelta(days=ahead_days)
    return sorted((d for d in soonest.values() if d.due_on <= limit), key=lambda d: (d.due_on, d.label))


def coverage(property_id, day):
    """A Coverage for each active rule on `day`: of its households, those visited within its last interval."""
    rules, last = _schedules(property_id, day)
    out = []
    for rule, rows in rules:
        since = months_later(day, -rule.interval_months)
        visited = sum(1 for unit_id, _label in rows if last.get(unit_id) is not None and last[unit_id] > since)
        out.append(Coverage(rule, len(rows), visited))
    return out


def area_unit_ids(user_id, day):
    """The ids of the units in the areas `user_id` looks after on `day` (None when they look after no area)."""
    areas = areas_of_user(user_id, day)
    if not areas:
        return None
    return {unit_id for area in areas for unit_id in unit_ids_in_area(area)}
