"""A unit's status history: every change of status writes a row through the one function, whoever makes it, and
the vacancy fee reads the vacant days of a month from it for many units in one statement."""

from datetime import timedelta

import pytest

from domain import clock
from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.billing.schedule import month_after, month_before
from domain.property import importing, occupancies, units
from domain.property.models import Building, Unit, UnitStatus
from extensions import db
from tests import builders

OCCUPIED, VACANT, RENOVATING = UnitStatus.OCCUPIED, UnitStatus.VACANT, UnitStatus.RENOVATING


def desk():
    """A front-desk clerk as an actor."""
    return Actor.for_user(builders.create_staff(Role.FRONTDESK), "10.0.0.9")


def history(unit_id):
    """(from, to, effective day) of a unit's changes, oldest first."""
    return [(c.from_status, c.to_status, c.effective_on) for c in reversed(units.status_history(unit_id))]


@pytest.fixture
def last_month():
    """The first day of the month before the frozen today's."""
    return month_before(clock.today().replace(day=1))


def test_a_new_unit_starts_its_history_with_its_status_today(prop):
    actor = desk()
    building = db.session.query(Building).one()
    unit = units.create_unit(actor, building_id=building.id, number="0101", floor=1, area_x100=8950, status="vacant")
    db.session.commit()
    assert history(unit.id) == [(None, VACANT, clock.today())]
    assert units.status_history(unit.id)[0].recorded_by_id == actor.user_id


def test_editing_a_units_status_writes_a_row_and_an_unchanged_status_writes_none(prop):
    actor = desk()
    unit = builders.create_unit(status=OCCUPIED)
    units.update_unit(actor, unit, number=unit.number, floor=12, area_x100=9000, status="occupied")
    units.update_unit(actor, unit, number=unit.number, floor=12, area_x100=9000, status="vacant")
    db.session.commit()
    assert history(unit.id)[1:] == [(OCCUPIED, VACANT, clock.today())]


def test_a_status_change_can_take_effect_on_another_day_than_it_is_recorded(prop):
    unit = builders.create_unit(status=OCCUPIED)
    day = clock.today() - timedelta(days=10)
    units.update_unit(desk(), unit, number=unit.number, floor=12, area_x100=8950, status="vacant", status_from=day)
    db.session.commit()
    change = units.status_history(unit.id)[0]
    assert (change.effective_on, change.recorded_at) == (day, clock.utcnow())


def test_moving_in_and_out_write_the_history_from_the_occupancys_dates(prop):
    actor = desk()
    unit = builders.create_unit(status=VACANT)
    resident = builders.create_resident(prop, account=False)
    start = clock.today() - timedelta(days=60)
    occupancy = occupancies.add_occupancy(actor, unit=unit, resident=resident, relation="owner", start_date=start)
    last_day = clock.today() - timedelta(days=5)
    occupancies.end_occupancy(actor, occupancy, end_date=last_day, today=clock.today())
    db.session.commit()
    assert history(unit.id)[1:] == [(VACANT, OCCUPIED, start), (OCCUPIED, VACANT, last_day + timedelta(days=1))]


def test_the_csv_imports_write_the_history(prop):
    actor = desk()
    result = importing.import_units(actor, b"building,number,floor,area_m2,status\n1,0101,1,89.50,vacant\n")
    db.session.commit()
    assert result.ok
    unit = db.session.query(Unit).filter_by(number="0101").one()
    assert history(unit.id) == [(None, VACANT, clock.today())]
    start = clock.today() + timedelta(days=3)  # a move-in booked ahead
    data = f"building,unit,name,phone,relation,start_date\n1,0101,张三,13800138000,owner,{start}\n".encode()
    assert importing.import_residents(actor, data, today=clock.today()).ok
    db.session.commit()
    assert history(unit.id)[1:] == [(VACANT, OCCUPIED, start)]


# Vacant days of a month ---------------------------------------------------------------------------


def test_vacant_days_of_a_month_for_a_unit_vacant_all_of_it_part_of_it_and_not_at_all(prop, last_month):
    actor = desk()
    days = units.days_in_month(last_month)
    all_month = builders.create_unit(status=VACANT)
    never = builders.create_unit(status=OCCUPIED)
    moved_out = builders.create_unit(status=OCCUPIED)
    moved_in = builders.create_unit(status=VACANT)
    tenth = last_month + timedelta(days=9)
    units.update_unit(
        actor, moved_out, number=moved_out.number, floor=12, area_x100=8950, status="vacant", status_from=tenth
    )
    units.update_unit(
        actor, moved_in, number=moved_in.number, floor=12, area_x100=8950, status="occupied", status_from=tenth
    )
    db.session.commit()
    found = units.vacant_days([all_month.id, never.id, moved_out.id, moved_in.id], last_month)
    assert found == {all_month.id: days, moved_out.id: days - 9, moved_in.id: 9}


def test_vacant_days_count_a_vacancy_between_two_changes_and_ignore_changes_after_the_month(prop, last_month):
    actor = desk()
    unit = builders.create_unit(status=OCCUPIED)
    for status, day in (("vacant", 3), ("renovating", 8), ("vacant", 20)):
        units.update_unit(
            actor,
            unit,
            number=unit.number,
            floor=12,
            area_x100=8950,
            status=status,
            status_from=last_month + timedelta(days=day - 1),
        )
    units.update_unit(
        actor,
        unit,
        number=unit.number,
        floor=12,
        area_x100=8950,
        status="occupied",
        status_from=month_after(last_month) + timedelta(days=1),
    )
    db.session.commit()
    assert units.vacant_days([unit.id], last_month) == {unit.id: 5 + units.days_in_month(last_month) - 19}


def test_of_two_changes_on_one_day_the_later_one_holds(prop, last_month):
    actor = desk()
    unit = builders.create_unit(status=OCCUPIED)
    for status in ("vacant", "occupied"):
        units.update_unit(
            actor, unit, number=unit.number, floor=12, area_x100=8950, status=status, status_from=last_month
        )
    db.session.commit()
    assert units.vacant_days([unit.id], last_month) == {}


def test_a_unit_vacant_only_after_the_month_or_until_before_it_has_no_vacant_days(prop, last_month):
    actor = desk()
    later = builders.create_unit(status=OCCUPIED)
    earlier = builders.create_unit(status=VACANT)
    units.update_unit(
        actor,
        later,
        number=later.number,
        floor=12,
        area_x100=8950,
        status="vacant",
        status_from=month_after(last_month),
    )
    units.update_unit(
        actor, earlier, number=earlier.number, floor=12, area_x100=8950, status="occupied", status_from=last_month
    )
    db.session.commit()
    assert units.vacant_days([later.id, earlier.id], last_month) == {}


def test_vacant_days_of_many_units_take_one_statement(prop, last_month, count_queries):
    ids = [builders.create_unit(status=VACANT if n % 2 else OCCUPIED).id for n in range(30)]
    with count_queries() as counter:
        found = units.vacant_days(ids, last_month)
    assert counter.count == 1 and len(found) == 15


def test_a_move_in_dated_before_the_register_knew_the_unit_starts_where_its_history_does(prop, last_month):
    """A unit registered vacant this month, whose owner has lived there for years: the move-in holds from the
    register's first day, so the history's last row is the unit's status and no month before is billed as vacant."""
    unit = builders.create_unit(status=VACANT, status_since=clock.today())
    resident = builders.create_resident(prop, account=False)
    occupancies.add_occupancy(
        desk(), unit=unit, resident=resident, relation="owner", start_date=clock.today() - timedelta(days=900)
    )
    db.session.commit()
    assert history(unit.id)[-1] == (VACANT, OCCUPIED, clock.today())
    assert units.vacant_days([unit.id], month_after(last_month)) == {}
