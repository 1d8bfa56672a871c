"""The resident's parcels page: what waits at the desk for their own units only, the pickup code with its QR code,
authorised collectors, and their loans and items left at the desk; never a neighbour's."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.clock import utcnow
from domain.parcels import lending, storage
from domain.parcels.models import Parcel, ParcelStatus, PickupAuthorisation, PickupCode
from domain.property.models import Occupancy, Relation
from extensions import db
from tests import builders
from tests.conftest import AuthActions

SYSTEM = Actor.system("test")


def count(model, *where):
    """Rows of `model` matching `where`."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def shown_code(html):
    """The pickup code on the page ("123 456" -> "123456"), or None."""
    match = re.search(r'<p class="big-code">(\d{3}) (\d{3})</p>', html)
    return match.expand(r"\1\2") if match else None


@pytest.fixture
def unit(prop):
    """Unit 1-1203."""
    return builders.create_unit(number="1203")


@pytest.fixture
def their_unit(prop):
    """The neighbour's unit 1-0901."""
    return builders.create_unit(number="0901", floor=9)


@pytest.fixture
def me(client, auth, prop, unit):
    """王芳 of 1-1203, signed in, reading the portal in English."""
    resident = builders.create_resident(prop, unit=unit, name="王芳", phone="13800138000")
    resident.user.locale = "en"
    db.session.commit()
    auth.login_resident(resident.user)
    return resident


@pytest.fixture
def neighbour(prop, their_unit):
    """赵邻居 of 1-0901."""
    return builders.create_resident(prop, unit=their_unit, name="赵邻居", phone="13900139000")


@pytest.fixture
def neighbour_client(app, neighbour):
    """A second browser, signed in as the neighbour."""
    other = app.test_client()
    AuthActions(other).login_resident(neighbour.user)
    return other


@pytest.fixture
def parcels(unit, their_unit):
    """Two parcels waiting for 1-1203, one for 1-0901, and one of 1-1203's already collected."""
    return {
        "mine": [
            builders.create_parcel(unit, "SF1000111111", shelf="A1"),
            builders.create_parcel(unit, "JD2000222222", carrier="jd", shelf="B2"),
        ],
        "theirs": [builders.create_parcel(their_unit, "YT3000333333", carrier="yto", shelf="C3")],
        "collected": builders.create_parcel(unit, "ZT4000444444", carrier="zto", status="picked_up"),
    }


# What waits ------------------------------------------------------------------------------------------


def test_the_resident_sees_their_units_waiting_parcels_and_not_a_neighbours(client, me, neighbour_client, parcels):
    response = client.get("/portal/parcels")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "111111" in html and "222222" in html and "1-1203" in html
    assert "333333" not in html and "1-0901" not in html
    assert "SF1000111111" not in html  # only the end of the number is shown
    assert "Show my pickup code" in html and "2 parcels" in html

    theirs = neighbour_client.get("/portal/parcels").get_data(as_text=True)
    assert "333333" in theirs and "111111" not in theirs and "222222" not in theirs and "1-1203" not in theirs


def test_the_page_is_never_cached(client, me, parcels):
    response = client.get("/portal/parcels")
    assert response.headers["Cache-Control"] == "no-store"
    response = client.post("/portal/parcels/code", data={"unit_id": str(parcels["mine"][0].unit_id)})
    assert response.headers["Cache-Control"] == "no-store"


def test_nothing_waiting_says_so(client, me):
    html = client.get("/portal/parcels").get_data(as_text=True)
    assert "Nothing is waiting for you." in html and "Show my pickup code" not in html


def test_a_resident_of_two_units_sees_both(client, prop, me, their_unit, parcels):
    db.session.add(
        Occupancy(unit_id=their_unit.id, resident_id=me.id, relation=Relation.TENANT, start_date=date(2020, 1, 1))
    )
    db.session.commit()
    html = client.get("/portal/parcels").get_data(as_text=True)
    assert "111111" in html and "333333" in html and html.count("Show my pickup code") == 2


def test_someone_who_moved_out_no_longer_sees_the_units_parcels(client, me, parcels):
    occupancy = db.session.scalars(select(Occupancy).where(Occupancy.resident_id == me.id)).one()
    occupancy.end_date = (utcnow() - timedelta(days=2)).date()
    db.session.commit()
    html = client.get("/portal/parcels").get_data(as_text=True)
    assert "111111" not in html
    assert client.post("/portal/parcels/code", data={"unit_id": str(occupancy.unit_id)}).status_code == 404
    assert count(PickupCode) == 0


# The pickup code -------------------------------------------------------------------------------------


def test_showing_my_pickup_code_gives_six_digits_and_a_qr_code(client, me, unit, parcels):
    response = client.post("/portal/parcels/code", data={"unit_id": str(unit.id)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    code = shown_code(html)
    assert code and re.fullmatch(r"\d{6}", code)
    assert '<svg class="qr"' in html
    assert "Pickup code for 1-1203" in html
    row = db.session.scalars(select(PickupCode)).one()
    assert row.unit_id == unit.id and row.used_at is None and row.revoked_at is None
    assert code not in row.code_hash


def test_asking_again_gives_a_new_code_and_the_old_one_stops_working(client, me, unit, parcels):
    first = shown_code(client.post("/portal/parcels/code", data={"unit_id": str(unit.id)}).get_data(as_text=True))
    second = shown_code(client.post("/portal/parcels/code", data={"unit_id": str(unit.id)}).get_data(as_text=True))
    rows = db.session.scalars(select(PickupCode).order_by(PickupCode.id)).all()
    assert len(rows) == 2 and rows[0].revoked_at is not None and rows[1].revoked_at is None
    assert first and second


def test_a_code_for_a_neighbours_unit_is_refused(client, me, their_unit, parcels):
    response = client.post("/portal/parcels/code", data={"unit_id": str(their_unit.id)})
    assert response.status_code == 404
    assert shown_code(response.get_data(as_text=True)) is None
    assert client.post("/portal/parcels/code", data={"unit_id": "not-a-number"}).status_code == 404
    assert client.post("/portal/parcels/code", data={}).status_code == 404
    assert count(PickupCode) == 0


def test_asking_for_a_code_when_nothing_waits_explains_and_gives_none(client, me, unit):
    builders.create_parcel(unit, "ZT4000444444", status="picked_up")
    response = client.post("/portal/parcels/code", data={"unit_id": str(unit.id)})
    assert response.status_code == 303 and response.headers["Location"] == "/portal/parcels"
    html = client.get("/portal/parcels").get_data(as_text=True)
    assert "No parcel is waiting for this unit." in html
    assert shown_code(html) is None
    assert count(PickupCode) == 0


def test_the_code_from_the_portal_works_at_the_desk(app, client, me, unit, parcels):
    code = shown_code(client.post("/portal/parcels/code", data={"unit_id": str(unit.id)}).get_data(as_text=True))
    desk = app.test_client()
    AuthActions(desk).login_staff(builders.create_staff(Role.FRONTDESK))
    found = desk.post("/staff/parcels/pickup", data={"unit_label": "1-1203", "code": code})
    html = found.get_data(as_text=True)
    assert found.status_code == 200 and "SF1000111111" in html and "JD2000222222" in html and "YT3000333333" not in html
    scanned = desk.post("/staff/parcels/pickup", data={"unit_label": f"P:1-1203:{code}"})
    assert scanned.status_code == 200 and "SF1000111111" in scanned.get_data(as_text=True)
    handed = desk.post(
        "/staff/parcels/hand-over",
        data={
            "unit_label": "1-1203",
            "code": code,
            "parcel_ids": [str(p.id) for p in parcels["mine"]],
            "recipient": "resident",
            "name": "王芳",
            "id_last4": "1234",
        },
    )
    assert handed.status_code == 303
    assert {p.status for p in db.session.scalars(select(Parcel).where(Parcel.unit_id == unit.id))} == {
        ParcelStatus.PICKED_UP
    }
    html = client.get("/portal/parcels").get_data(as_text=True)
    assert "Nothing is waiting for you." in html


def test_the_qr_code_carries_the_unit_and_the_code(client, me, unit, parcels, monkeypatch):
    seen = []
    import web.qr

    real = web.qr.qr_svg

    def spy(text, label=""):
        seen.append(text)
        return real(text, label)

    monkeypatch.setattr(web.qr, "qr_svg", spy)
    monkeypatch.setitem(client.application.jinja_env.globals, "qr_svg", spy)
    code = shown_code(client.post("/portal/parcels/code", data={"unit_id": str(unit.id)}).get_data(as_text=True))
    assert seen == [f"P:1-1203:{code}"]


# Authorised collectors -------------------------------------------------------------------------------------


def test_authorising_a_collector(client, me, unit):
    response = client.post(
        "/portal/parcels/collectors", data={"unit_id": str(unit.id), "name": "快递代取张", "phone": "139 0000 1111"}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/portal/parcels"
    authorisation = db.session.scalars(select(PickupAuthorisation)).one()
    assert (authorisation.unit_id, authorisation.resident_id, authorisation.name, authorisation.phone) == (
        unit.id,
        me.id,
        "快递代取张",
        "13900001111",
    )
    html = client.get("/portal/parcels").get_data(as_text=True)
    assert "快递代取张 may now collect your parcels." in html and "13900001111" in html
    assert f'action="/portal/parcels/collectors/{authorisation.id}/revoke"' in html


@pytest.mark.parametrize(
    "changes", [{"name": ""}, {"phone": "12345"}, {"phone": ""}], ids=["no-name", "bad-phone", "no-phone"]
)
def test_a_bad_collector_is_refused_and_keeps_what_was_typed(client, me, unit, changes):
    data = {"unit_id": str(unit.id), "name": "快递代取张", "phone": "13900001111", **changes}
    response = client.post("/portal/parcels/collectors", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="error"' in html
    assert count(PickupAuthorisation) == 0
    for name in ("name", "phone"):
        if data[name]:
            assert re.search(rf'<input[^>]*name="{name}"[^>]*value="{data[name]}"', html), name


def test_a_collector_cannot_be_authorised_for_a_neighbours_unit(client, me, their_unit, neighbour):
    response = client.post(
        "/portal/parcels/collectors", data={"unit_id": str(their_unit.id), "name": "某人", "phone": "13900001111"}
    )
    assert response.status_code == 422
    assert count(PickupAuthorisation) == 0


def test_withdrawing_a_collector(client, me, unit):
    client.post(
        "/portal/parcels/collectors", data={"unit_id": str(unit.id), "name": "快递代取张", "phone": "13900001111"}
    )
    authorisation = db.session.scalars(select(PickupAuthorisation)).one()
    response = client.post(f"/portal/parcels/collectors/{authorisation.id}/revoke")
    assert response.status_code == 303
    assert db.session.get(PickupAuthorisation, authorisation.id).revoked_at is not None
    html = client.get("/portal/parcels").get_data(as_text=True)
    assert "快递代取张 may no longer collect your parcels." in html
    assert f"/portal/parcels/collectors/{authorisation.id}/revoke" not in html
    assert client.post(f"/portal/parcels/collectors/{authorisation.id}/revoke").status_code == 404


def test_a_neighbour_cannot_withdraw_my_collector_or_see_them(client, me, unit, neighbour_client):
    client.post(
        "/portal/parcels/collectors", data={"unit_id": str(unit.id), "name": "快递代取张", "phone": "13900001111"}
    )
    authorisation = db.session.scalars(select(PickupAuthorisation)).one()
    assert neighbour_client.post(f"/portal/parcels/collectors/{authorisation.id}/revoke").status_code == 404
    assert db.session.get(PickupAuthorisation, authorisation.id).revoked_at is None
    assert "快递代取张" not in neighbour_client.get("/portal/parcels").get_data(as_text=True)


# Loans and items left at the desk -----------------------------------------------------------------------------


def test_the_residents_loans_and_stored_items_are_listed_and_not_a_neighbours(
    client, prop, me, unit, their_unit, neighbour_client
):
    ladder = builders.create_lendable(prop, name="折叠梯", quantity=2, deposit_fen=10000)
    cart = builders.create_lendable(prop, name="手推车", quantity=2)
    now = utcnow()
    builders.create_loan(
        ladder,
        unit,
        borrower_name="王芳",
        lent_at=now - timedelta(days=2),
        due_at=now - timedelta(hours=1),
        deposit_fen=10000,
    )
    builders.create_loan(cart, their_unit, borrower_name="赵邻居")
    storage.store_item(
        SYSTEM, unit_label="1-1203", description="一袋水果给王芳", depositor_name="李女士", by_visitor=True
    )
    storage.store_item(SYSTEM, unit_label="1-0901", description="邻居的钥匙", depositor_name="赵邻居")
    db.session.commit()

    html = client.get("/portal/parcels").get_data(as_text=True)
    assert "折叠梯" in html and "overdue" in html and "一袋水果给王芳" in html and "李女士" in html
    assert "手推车" not in html and "邻居的钥匙" not in html

    theirs = neighbour_client.get("/portal/parcels").get_data(as_text=True)
    assert "手推车" in theirs and "邻居的钥匙" in theirs
    assert "折叠梯" not in theirs and "一袋水果给王芳" not in theirs


def test_a_voided_loan_is_not_shown(client, prop, me, unit):
    ladder = builders.create_lendable(prop, name="折叠梯")
    loan = builders.create_loan(ladder, unit)
    lending.void_loan(SYSTEM, loan.id, "登记错了")
    db.session.commit()
    assert "折叠梯" not in client.get("/portal/parcels").get_data(as_text=True)


# Who may see the page --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.FRONTDESK, Role.MANAGER], ids=lambda r: r.value)
def test_staff_get_403_on_the_residents_parcels(client, auth, role, unit, parcels):
    auth.login_staff(builders.create_staff(role))
    assert client.get("/portal/parcels").status_code == 403
    assert client.post("/portal/parcels/code", data={"unit_id": str(unit.id)}).status_code == 403
    assert count(PickupCode) == 0


def test_signed_out_visitors_are_sent_to_the_login(client, unit, parcels):
    response = client.get("/portal/parcels")
    assert response.status_code == 303 and response.headers["Location"].startswith("/portal/login")
    assert client.post("/portal/parcels/code", data={"unit_id": str(unit.id)}).status_code == 303
    assert count(PickupCode) == 0
