"""The register's words, each written once: a unit's label, reading a typed label, who lives there today, a
resident's units, and the property's local time."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from domain.clock import (
    from_local_input,
    local,
    local_date,
    local_day_bounds,
    local_text,
    start_of_local_day,
    to_local_input,
    today,
)
from domain.errors import DomainError
from domain.property.models import Occupancy, Relation, Unit
from domain.property.occupancies import resident_unit_ids
from domain.property.search import search_residents
from domain.property.units import UNIT_LABEL, find_unit, split_label, unit_ids_by_label, unit_label, unit_labels
from extensions import db
from tests import builders

# Labels -----------------------------------------------------------------------------------------------


def test_a_label_reads_the_same_in_python_and_in_sql(prop):
    unit = builders.create_unit(number="1203")
    in_sql = db.session.scalar(select(UNIT_LABEL).select_from(Unit).join(Unit.building).where(Unit.id == unit.id))
    assert unit.label == Unit.label_of("1", "1203") == in_sql == "1-1203"


def test_unit_labels_name_each_unit_once_and_skip_nothing_to_name(prop):
    first = builders.create_unit(number="0101")
    second = builders.create_unit(number="0102")
    assert unit_labels([first.id, second.id, first.id, None]) == {first.id: "1-0101", second.id: "1-0102"}
    assert unit_labels([]) == {} and unit_labels([None]) == {}
    assert unit_label(second.id) == "1-0102"
    assert unit_label(None) == ""


# Reading a typed label ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "parts"),
    [("1-1203", ("1", "1203")), (" 1 - 1203 ", ("1", "1203")), ("A-0101", ("A", "0101")), ("1203", None)],
)
def test_a_label_splits_into_building_and_number(typed, parts):
    assert split_label(typed) == parts


@pytest.mark.parametrize("typed", ["", None, "-1203", "1-", "-"])
def test_a_half_label_is_no_label(typed):
    assert split_label(typed) is None


def test_find_unit_reads_building_number(prop):
    unit = builders.create_unit(number="1203")
    found = find_unit(" 1-1203 ")
    assert (found.id, found.property_id, found.number, found.label) == (unit.id, prop.id, "1203", "1-1203")


def test_find_unit_wants_the_building_unless_the_number_alone_is_allowed(prop):
    unit = builders.create_unit(number="1203")
    with pytest.raises(DomainError) as refused:
        find_unit("1203")
    assert refused.value.field == "unit_label"
    with force_locale("en"):
        assert "building-number" in str(refused.value.message)
    assert find_unit("1203", number_alone=True).id == unit.id


def test_a_number_two_buildings_have_needs_its_building(prop):
    builders.create_unit(number="0505")
    builders.create_unit(builders.create_building(prop, code="2"), number="0505")
    with pytest.raises(DomainError) as refused:
        find_unit("0505", number_alone=True)
    assert refused.value.field == "unit_label"
    with force_locale("en"):
        assert "Several buildings" in str(refused.value.message)
    assert find_unit("2-0505").label == "2-0505"


@pytest.mark.parametrize("typed", ["9-9999", "", "1-", "1-1203-1"])
def test_find_unit_refuses_what_is_not_in_the_register(prop, typed):
    builders.create_unit(number="1203")
    with pytest.raises(DomainError) as refused:
        find_unit(typed, number_alone=True)
    assert refused.value.field == "unit_label"


def test_unit_ids_by_label_returns_only_the_units_found(prop):
    unit = builders.create_unit(number="1203")
    assert unit_ids_by_label(["1-1203", "9-9999", "1203", " 1 - 1203"]) == {"1-1203": unit.id, " 1 - 1203": unit.id}
    assert unit_ids_by_label([]) == {}


# Current occupancy ---------------------------------------------------------------------------------------


DAY = date(2026, 5, 10)


OCCUPANCY_EDGES = [
    (DAY, None, True),  # moves in today, open end
    (DAY - timedelta(days=400), None, True),
    (DAY + timedelta(days=1), None, False),  # moves in tomorrow
    (DAY - timedelta(days=30), DAY, True),  # today is the last day
    (DAY - timedelta(days=30), DAY - timedelta(days=1), False),  # left yesterday
    (DAY, DAY, True),  # a one-day stay
    (DAY - timedelta(days=30), DAY + timedelta(days=30), True),  # moves out next month
]


@pytest.mark.parametrize(("start", "end", "current"), OCCUPANCY_EDGES)
def test_an_occupancy_is_current_from_its_first_day_to_its_last(prop, start, end, current):
    unit = builders.create_unit()
    resident = builders.create_resident(prop)
    occupancy = Occupancy(unit=unit, resident=resident, relation=Relation.OWNER, start_date=start, end_date=end)
    db.session.add(occupancy)
    db.session.flush()
    in_sql = db.session.scalar(select(Occupancy.id).where(Occupancy.id == occupancy.id, Occupancy.is_current(DAY)))
    assert occupancy.is_current(DAY) is current
    assert (in_sql is not None) is current
    assert (unit.id in resident_unit_ids(resident.id, DAY)) is current


@pytest.mark.parametrize(("start", "end", "current"), OCCUPANCY_EDGES)
def test_the_resident_search_lists_the_units_lived_in_on_the_day(prop, start, end, current):
    unit = builders.create_unit()
    resident = builders.create_resident(prop, account=False, name="边界住户")
    db.session.add(Occupancy(unit=unit, resident=resident, relation=Relation.TENANT, start_date=start, end_date=end))
    db.session.flush()
    page = search_residents(today=DAY, q="边界住户")
    assert (unit.label in [label for label, _relation in page.units.get(resident.id, [])]) is current


def test_resident_unit_ids_are_the_units_lived_in_today(prop):
    home = builders.create_unit()
    resident = builders.create_resident(prop, unit=home)
    builders.create_resident(prop, unit=builders.create_unit())  # a neighbour's unit
    assert resident_unit_ids(resident.id, today()) == {home.id}


# Local time ----------------------------------------------------------------------------------------------


def test_local_time_is_the_propertys_side_of_midnight(clock):
    clock.set(datetime(2026, 5, 10, 16, 30, tzinfo=UTC))  # 00:30 on 11 May in Shanghai
    assert local(clock()).hour == 0
    assert local_date(clock()) == today() == date(2026, 5, 11)
    assert local_text(clock()) == "2026-05-11 00:30"
    assert local_text(clock(), "%Y-%m-%d") == "2026-05-11"
    clock.set(datetime(2026, 5, 10, 15, 59, tzinfo=UTC))  # a minute before midnight there
    assert local_date(clock()) == today() == date(2026, 5, 10)


def test_a_local_day_starts_at_the_propertys_midnight():
    start = start_of_local_day(date(2026, 5, 11))
    assert start == datetime(2026, 5, 10, 16, 0, tzinfo=UTC) and start.tzinfo == UTC
    begins, ends = local_day_bounds(date(2026, 5, 11))
    assert (begins, ends) == (start, datetime(2026, 5, 11, 16, 0, tzinfo=UTC))
    assert local_date(begins) == date(2026, 5, 11) and local_date(ends - timedelta(microseconds=1)) == date(2026, 5, 11)
    assert local_date(ends) == date(2026, 5, 12)


def test_a_typed_local_time_round_trips_through_a_datetime_local_field():
    typed = datetime.combine(date(2026, 5, 11), time(0, 15))
    moment = from_local_input(typed)
    assert moment.astimezone(UTC) == datetime(2026, 5, 10, 16, 15, tzinfo=UTC)
    assert to_local_input(moment.astimezone(UTC) + timedelta(seconds=42)) == typed
