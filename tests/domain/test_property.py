"""The register: units, residents, occupancies, search and households."""

from datetime import date

import pytest

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.audit.models import AuditEntry
from domain.errors import Conflict, DomainError, NotAllowed
from domain.property import occupancies, residents, search, units
from domain.property.models import Building, Relation, UnitStatus
from extensions import db
from tests import builders

TODAY = date(2026, 11, 28)


def desk_actor():
    return Actor.for_user(builders.create_staff(Role.FRONTDESK), "10.0.0.9")


def test_unit_numbers_are_unique_within_a_building(prop):
    actor = desk_actor()
    building = db.session.query(Building).one()
    units.create_unit(actor, building_id=building.id, number="1203", floor=12, area_x100=8950, status="vacant")
    with pytest.raises(Conflict) as error:
        units.create_unit(actor, building_id=building.id, number="1203", floor=12, area_x100=8950, status="vacant")
    assert error.value.field == "number"


def test_engineering_cannot_edit_the_register(prop):
    engineer = Actor.for_user(builders.create_staff(Role.ENGINEERING), "x")
    building = db.session.query(Building).one()
    with pytest.raises(NotAllowed):
        units.create_unit(engineer, building_id=building.id, number="1", floor=1, area_x100=100, status="vacant")


def test_unit_update_records_old_and_new_values(prop):
    actor = desk_actor()
    unit = builders.create_unit(number="0501", floor=5, area_x100=8950)
    units.update_unit(actor, unit, number="0501", floor=5, area_x100=9000, status="renovating", note="")
    db.session.commit()
    entry = db.session.query(AuditEntry).filter_by(action="unit.update").one()
    assert entry.changes["area_x100"] == [8950, 9000]
    assert entry.changes["status"] == ["occupied", "renovating"]


def test_moving_in_makes_a_vacant_unit_occupied_and_moving_out_makes_it_vacant(prop):
    actor = desk_actor()
    unit = builders.create_unit(status=UnitStatus.VACANT)
    resident = builders.create_resident(prop, account=False)
    occupancy = occupancies.add_occupancy(
        actor, unit=unit, resident=resident, relation="owner", start_date=date(2024, 1, 1)
    )
    assert unit.status == UnitStatus.OCCUPIED
    occupancies.end_occupancy(actor, occupancy, end_date=date(2026, 1, 31), today=TODAY)
    db.session.commit()
    assert unit.status == UnitStatus.VACANT
    assert not occupancy.is_current(TODAY)


def test_occupancy_cannot_end_before_it_starts_or_twice(prop):
    actor = desk_actor()
    unit = builders.create_unit()
    resident = builders.create_resident(prop, account=False)
    with pytest.raises(DomainError):
        occupancies.add_occupancy(
            actor,
            unit=unit,
            resident=resident,
            relation="owner",
            start_date=date(2024, 1, 1),
            end_date=date(2023, 1, 1),
        )
    occupancy = occupancies.add_occupancy(
        actor, unit=unit, resident=resident, relation="owner", start_date=date(2024, 1, 1)
    )
    with pytest.raises(DomainError):
        occupancies.end_occupancy(actor, occupancy, end_date=date(2023, 12, 31), today=TODAY)
    occupancies.end_occupancy(actor, occupancy, end_date=date(2025, 1, 1), today=TODAY)
    with pytest.raises(DomainError):
        occupancies.end_occupancy(actor, occupancy, end_date=date(2025, 1, 2), today=TODAY)


def test_the_same_person_cannot_be_registered_twice_in_a_unit_for_overlapping_dates(prop):
    actor = desk_actor()
    unit = builders.create_unit()
    resident = builders.create_resident(prop, account=False)
    occupancies.add_occupancy(actor, unit=unit, resident=resident, relation="owner", start_date=date(2024, 1, 1))
    with pytest.raises(Conflict):
        occupancies.add_occupancy(actor, unit=unit, resident=resident, relation="family", start_date=date(2025, 1, 1))


def test_unit_search_by_label_number_and_resident(prop):
    unit = builders.create_unit(number="1203", floor=12)
    builders.create_unit(number="0301", floor=3)
    builders.create_resident(prop, unit=unit, name="陈一", phone="13911112222")
    assert [u.id for u in search.search_units(today=TODAY, q="1-1203").units] == [unit.id]
    assert [u.id for u in search.search_units(today=TODAY, q="12").units] == [unit.id]
    assert [u.id for u in search.search_units(today=TODAY, q="陈一", with_occupants=True).units] == [unit.id]
    # Roles that may not see residents cannot find units by a resident's name either.
    assert search.search_units(today=TODAY, q="陈一", with_occupants=False).units == []


def test_unit_search_pages_by_key_without_gaps_or_repeats(prop):
    for floor in range(1, 8):
        for n in range(1, 4):
            builders.create_unit(number=f"{floor:02d}{n:02d}", floor=floor)
    seen, after = [], None
    while True:
        page = search.search_units(today=TODAY, after=after, limit=5)
        seen.extend(u.id for u in page.units)
        assert page.total == 21
        if not page.next_after:
            break
        after = page.next_after
    assert len(seen) == 21 == len(set(seen))


def test_household_lists_current_members_only(prop):
    actor = desk_actor()
    unit = builders.create_unit()
    spouse = builders.create_resident(prop, unit=unit, name="家属甲", relation=Relation.FAMILY, account=False)
    owner = builders.create_resident(prop, unit=unit, name="户主")
    former = builders.create_resident(prop, unit=unit, name="前租户", relation=Relation.TENANT, account=False)
    occupancies.end_occupancy(actor, former.occupancies[0], end_date=date(2021, 1, 1), today=TODAY)
    db.session.commit()
    households = occupancies.households_for(owner.id, TODAY)
    assert [h.unit.id for h in households] == [unit.id]
    assert households[0].relation == Relation.OWNER
    assert [m.name for m in households[0].members] == ["户主", spouse.name]  # owner first


def test_the_resident_home_reads_the_same_households_in_one_statement(prop, count_queries):
    actor = desk_actor()
    home, shop, neighbours = (
        builders.create_unit(number="0101"),
        builders.create_unit(number="0102"),
        builders.create_unit(number="0103"),
    )
    owner = builders.create_resident(prop, unit=home, name="户主")
    builders.create_resident(prop, unit=home, name="家属甲", relation=Relation.FAMILY, account=False)
    former = builders.create_resident(prop, unit=home, name="前租户", relation=Relation.TENANT, account=False)
    occupancies.end_occupancy(actor, former.occupancies[0], end_date=date(2021, 1, 1), today=TODAY)
    occupancies.add_occupancy(actor, unit=shop, resident=owner, relation=Relation.TENANT, start_date=date(2020, 1, 1))
    builders.create_resident(prop, unit=neighbours, name="邻居", account=False)
    db.session.commit()
    expected, user = occupancies.households_for(owner.id, TODAY), owner.user
    with count_queries() as counter:
        page = occupancies.resident_home(user, TODAY)
    assert counter.count == 1
    assert page.resident.name == "户主" and page.property.property_name == prop.name
    assert [(h.unit, h.relation, [(m.name, m.relation) for m in h.members]) for h in page.households] == [
        (h.unit, h.relation, [(m.name, m.relation) for m in h.members]) for h in expected
    ]
    assert [h.unit.number for h in page.households] == ["0101", "0102"]
    assert [m.name for m in page.households[0].members] == ["户主", "家属甲"]
    alone = builders.create_resident(prop, name="无房住户")
    assert occupancies.resident_home(alone.user, TODAY).households == []


def test_resident_account_creation_is_once_only(prop):
    actor = desk_actor()
    resident = builders.create_resident(prop, account=False)
    residents.create_resident_account(actor, resident, username="zhang3", password="long-enough-1")
    with pytest.raises(Conflict):
        residents.create_resident_account(actor, resident, username="zhang4", password="long-enough-1")


def test_find_unit_by_label_explains_the_format(prop):
    builders.create_unit(number="1203")
    assert units.find_unit("1-1203").number == "1203"
    with pytest.raises(DomainError) as error:
        units.find_unit("1203")
    assert error.value.field == "unit_label"
