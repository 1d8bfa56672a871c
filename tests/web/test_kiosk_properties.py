"""A kiosk serves its own property only: another property's units are refused at the kiosk exactly as a unit that
does not exist is (pickup by unit and code, paying by phone, reporting a unit's repair)."""

import re

import pytest
from sqlalchemy import select

from domain.current_property import working_for
from domain.kiosk.models import KioskPickup, KioskSession
from domain.property.models import Building
from domain.tickets.models import Ticket
from extensions import db
from tests import builders


@pytest.fixture
def other_property():
    """Another property of the company whose 1-1203 (same label as could be in any property) has a resident,
    a parcel with its live pickup code and a bill; returns the pickup code."""
    from domain.parcels import arrivals

    other = builders.create_property("锦绣园")
    with working_for(other.id):
        building = db.session.scalars(select(Building).where(Building.property_id == other.id)).one()
        unit = builders.create_unit(building, number="1203")
        builders.create_resident(other, unit=unit, name="隐私姓名", phone="13987654321")
        builders.create_parcel(unit, "SF1111111111", shelf="A1")
        builders.create_bill(unit, total_fen=22375)
        code, _expires = arrivals.issue_pickup_code(unit.id)
        db.session.commit()
    return code


@pytest.fixture
def kiosk(client, prop):
    """`client` as a kiosk enrolled in the first property, which has no 1-1203."""
    builders.create_kiosk(prop, name="1号楼大堂", client=client)
    return client


def refusal(response):
    """(status, the refusal's text) of a kiosk answer."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    match = re.search(r'role="alert"[^>]*>(.*?)</', response.get_data(as_text=True), re.S)
    return response.status_code, (match.group(1).strip() if match else text)


def test_pickup_with_another_propertys_unit_and_code_is_the_unknown_unit_refusal(kiosk, other_property, clock):
    theirs = refusal(kiosk.post("/kiosk/pickup", data={"unit": "1-1203", "code": other_property}))
    clock.advance(seconds=60)  # past the kiosk's growing delay
    unknown = refusal(kiosk.post("/kiosk/pickup", data={"unit": "1-7777", "code": other_property}))
    assert theirs == unknown and theirs[0] == 422
    clock.advance(seconds=60)
    scanned = kiosk.post("/kiosk/pickup", data={"unit": f"P:1-1203:{other_property}", "code": ""})
    shown = re.sub(r"<[^>]+>", " ", scanned.get_data(as_text=True))  # what the screen says (no random token)
    assert scanned.status_code == 422 and "A1" not in shown and "SF1111111111" not in shown
    assert db.session.scalar(select(KioskPickup.id)) is None


def test_paying_for_another_propertys_unit_is_the_unknown_unit_refusal(kiosk, other_property, clock):
    theirs = kiosk.post("/kiosk/pay", data={"unit": "1-1203", "last4": "4321"})
    clock.advance(seconds=60)
    unknown = kiosk.post("/kiosk/pay", data={"unit": "1-7777", "last4": "4321"})
    assert refusal(theirs) == refusal(unknown) and theirs.status_code == 422
    assert "¥" not in theirs.get_data(as_text=True)
    assert db.session.scalar(select(KioskSession.id)) is None


def test_a_repair_for_another_propertys_unit_is_the_unknown_unit_refusal(kiosk, other_property, clock):
    typed = {"where": "unit", "last4": "4321", "description": "水龙头漏水"}
    theirs = kiosk.post("/kiosk/repair", data={**typed, "unit": "1-1203"})
    clock.advance(seconds=60)
    unknown = kiosk.post("/kiosk/repair", data={**typed, "unit": "1-7777"})
    assert refusal(theirs) == refusal(unknown) and theirs.status_code == 422
    assert "隐私姓名" not in theirs.get_data(as_text=True)
    assert db.session.scalar(select(Ticket.id)) is None


def test_the_kiosk_of_the_other_property_serves_that_unit(client, other_property):
    from domain.property.models import Property

    other = db.session.scalar(select(Property).where(Property.name == "锦绣园"))
    builders.create_kiosk(other, name="锦绣园大堂", client=client)
    response = client.post("/kiosk/pickup", data={"unit": "1-1203", "code": other_property})
    assert response.status_code == 200 and "A1" in response.get_data(as_text=True)
