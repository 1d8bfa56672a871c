"""The owner's online move-in: the invitation code becomes a signed-in portal account; the status page, the
registration form with the household, the copies of the papers and the appointment slot, only for the owner's own
case and only while it is open to them; a neighbour gets 404 everywhere."""

import io
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from domain.accounts.models import Actor, SignIn, User
from domain.accounts.roles import Role
from domain.archives.models import ArchiveDocument
from domain.clock import from_local_input, today, utcnow
from domain.movein.appointments import CASES_PER_SLOT, book_appointment
from domain.movein.cases import cancel, create_case, receive
from domain.movein.invitations import issue_invitation
from domain.movein.models import CaseStatus, MoveInCase, MoveInPerson, PersonRole
from domain.property.models import UnitStatus
from extensions import db
from tests import builders
from tests.conftest import AuthActions

SYSTEM = Actor.system("test")
HX = {"HX-Request": "true"}
#: A valid resident ID number (GB 11643 check character) and one with a wrong check character.
GOOD_ID = "110101199003074514"
BAD_ID = "110101199003074515"


def household(case):
    """The conditions for the household members (not the owner) on `case`'s form."""
    return (MoveInPerson.case_id == case.id, MoveInPerson.role == PersonRole.FAMILY)


def count(model, *where):
    """Rows of `model` matching `where`."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def invited_case(prop, *, name="王业主", phone="13900000001", number=None):
    """A vacant unit's move-in case with an invitation; returns (case, code)."""
    unit = builders.create_unit(number=number, status=UnitStatus.VACANT)
    case = create_case(SYSTEM, unit_id=unit.id, owner_name=name, owner_phone=phone)
    code = issue_invitation(SYSTEM, case)
    db.session.commit()
    return case, code


def redeem(client, code, *, username="wang", password="Move-in-2026!"):
    """Both steps of the invitation page; returns the second step's response."""
    client.post("/portal/move-in/invitation", data={"code": code})
    return client.post(
        "/portal/move-in/invitation",
        data={"code": code, "username": username, "password": password, "confirm": password},
    )


@pytest.fixture
def case_and_code(prop):
    """王业主's invited case for a new unit, and its one-time code."""
    return invited_case(prop, number="1801")


@pytest.fixture
def owner_case(client, case_and_code):
    """王业主 has redeemed the invitation and is signed in."""
    case, code = case_and_code
    response = redeem(client, code)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return db.session.get(MoveInCase, case.id)


@pytest.fixture
def neighbour(app, prop):
    """Another owner with a case of their own, signed in in a second browser: (client, their case)."""
    case, code = invited_case(prop, name="赵邻居", phone="13900000002", number="1802")
    other = app.test_client()
    assert redeem(other, code, username="zhao").status_code == 303
    return other, db.session.get(MoveInCase, case.id)


# The invitation ----------------------------------------------------------------------------------------------------


def test_good_code_shows_unit_and_name_then_makes_a_signed_in_account(client, case_and_code):
    case, code = case_and_code
    first = client.post("/portal/move-in/invitation", data={"code": code})
    html = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "王业主" in html and "1801" in html
    assert 'value="13900000001"' in html  # the phone is the suggested username
    response = redeem(client, code)
    assert response.status_code == 303 and response.headers["Location"].endswith("/portal/move-in")
    user = db.session.scalar(select(User).where(User.username == "wang"))
    assert user is not None and db.session.get(MoveInCase, case.id).owner.user_id == user.id
    assert count(SignIn, SignIn.user_id == user.id) == 1  # a real, tracked sign-in
    page = client.get("/portal/move-in")
    assert page.status_code == 200 and "1801" in page.get_data(as_text=True)


def test_invitation_page_needs_no_sign_in(client):
    response = client.get("/portal/move-in/invitation")
    assert response.status_code == 200 and 'name="code"' in response.get_data(as_text=True)


def test_wrong_code_is_refused_and_kept(client, case_and_code):
    response = client.post("/portal/move-in/invitation", data={"code": "NOT-A-CODE"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="NOT-A-CODE"' in html and 'name="username"' not in html


def test_used_code_is_refused(client, app, case_and_code):
    _case, code = case_and_code
    assert redeem(client, code).status_code == 303
    again = app.test_client().post("/portal/move-in/invitation", data={"code": code})
    assert again.status_code == 422 and f'value="{code}"' in again.get_data(as_text=True)
    assert count(User, User.username == "wang2") == 0


def test_expired_code_is_refused(client, clock, case_and_code):
    _case, code = case_and_code
    clock.advance(days=400)
    response = client.post("/portal/move-in/invitation", data={"code": code})
    assert response.status_code == 422 and f'value="{code}"' in response.get_data(as_text=True)


def test_bad_account_keeps_what_was_typed_and_makes_nothing(client, case_and_code):
    _case, code = case_and_code
    response = client.post(
        "/portal/move-in/invitation",
        data={"code": code, "username": "wang", "password": "short", "confirm": "short"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="wang"' in html and "王业主" in html
    assert count(User, User.username == "wang") == 0
    differing = client.post(
        "/portal/move-in/invitation",
        data={"code": code, "username": "wang", "password": "Move-in-2026!", "confirm": "Move-in-2026?"},
    )
    assert differing.status_code == 422 and count(User, User.username == "wang") == 0


def test_code_guessing_is_throttled(client, case_and_code):
    _case, code = case_and_code
    for _ in range(5):
        assert client.post("/portal/move-in/invitation", data={"code": "WRONG"}).status_code == 422
    locked = client.post("/portal/move-in/invitation", data={"code": code})
    assert locked.status_code == 429


# The status page and the home card ---------------------------------------------------------------------------------


def test_home_shows_the_move_in_card_and_tab_to_an_owner_without_a_unit(client, owner_case):
    html = client.get("/portal/").get_data(as_text=True)
    assert "/portal/move-in#case-" in html
    assert 'href="/portal/move-in"' in html  # the tab


def test_resident_without_a_case_has_no_tab_and_no_move_in_page(client, auth, prop):
    resident = builders.create_resident(prop, unit=builders.create_unit())
    auth.login_resident(resident.user)
    assert 'href="/portal/move-in"' not in client.get("/portal/").get_data(as_text=True)
    page = client.get("/portal/move-in")
    assert page.status_code == 200 and "move-in-case" not in page.get_data(as_text=True)


def test_invited_owner_can_open_every_portal_page(client, app, owner_case):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("portal.") and "GET" in rule.methods and not rule.arguments:
            assert client.get(rule.rule).status_code in (200, 302, 303), rule.rule


# The registration form ---------------------------------------------------------------------------------------------


def test_owner_fills_the_form_with_household(client, owner_case):
    case = owner_case
    page = client.get(f"/portal/move-in/{case.id}/owner")
    assert page.status_code == 200 and "王业主" in page.get_data(as_text=True)
    response = client.post(
        f"/portal/move-in/{case.id}/owner",
        data={
            "name": "王业主",
            "phone": "13900000001",
            "gender": "male",
            "birth_date": "1990-03-07",
            "ethnicity": "汉族",
            "id_number": GOOD_ID,
        },
    )
    assert response.status_code == 303
    response = client.post(
        f"/portal/move-in/{case.id}/people/new", data={"kinship": "配偶", "name": "李家属", "phone": ""}
    )
    assert response.status_code == 303
    people = db.session.scalars(select(MoveInPerson).where(MoveInPerson.case_id == case.id)).all()
    assert sorted(p.name for p in people) == ["李家属", "王业主"]
    owner = next(p for p in people if p.name == "王业主")
    assert owner.id_number_masked.endswith("4514") and GOOD_ID not in owner.id_number_cipher
    html = client.get(f"/portal/move-in/{case.id}/registration").get_data(as_text=True)
    assert "李家属" in html and owner.id_number_masked in html and GOOD_ID not in html
    assert "encrypted" in html or "加密" in html  # the privacy notice


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "phone": "13900000001"}, "name"),
        ({"name": "王业主", "phone": "13900000001", "id_number": BAD_ID}, "id_number"),
        ({"name": "王业主", "phone": "12345"}, "phone"),
        ({"name": "王业主", "phone": ""}, "phone"),
    ],
)
def test_bad_owner_line_keeps_what_was_typed_and_saves_nothing(client, owner_case, data, field):
    typed = {"ethnicity": "回族", "employer": "某某公司", **data}
    response = client.post(f"/portal/move-in/{owner_case.id}/owner", data=typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html
    assert 'value="某某公司"' in html and 'value="回族"' in html
    if data.get("id_number"):
        assert f'value="{BAD_ID}"' in html
    assert count(MoveInPerson, MoveInPerson.case_id == owner_case.id, MoveInPerson.employer == "某某公司") == 0


def test_household_member_can_be_changed_and_removed_with_and_without_htmx(client, owner_case):
    case = owner_case
    for name in ("甲", "乙"):
        client.post(f"/portal/move-in/{case.id}/people/new", data={"name": name})
    first, second = db.session.scalars(select(MoveInPerson).where(*household(case)).order_by(MoveInPerson.id)).all()
    assert client.post(f"/portal/move-in/{case.id}/people/{first.id}", data={"name": "甲甲"}).status_code == 303
    fragment = client.post(f"/portal/move-in/{case.id}/people/{first.id}/remove", headers=HX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html and 'id="move-in-people"' in html
    assert "乙" in html and "甲甲" not in html and fragment.headers.get("HX-Trigger")
    plain = client.post(f"/portal/move-in/{case.id}/people/{second.id}/remove")
    assert plain.status_code == 303
    assert count(MoveInPerson, *household(case)) == 0
    owner = db.session.scalar(select(MoveInPerson).where(MoveInPerson.case_id == case.id))
    assert client.post(f"/portal/move-in/{case.id}/people/{owner.id}/remove").status_code == 404


def test_registration_list_is_a_page_or_a_fragment(client, owner_case):
    url = f"/portal/move-in/{owner_case.id}/registration"
    page, fragment = client.get(url), client.get(url, headers=HX)
    assert "<html" in page.get_data(as_text=True) and "<html" not in fragment.get_data(as_text=True)
    assert 'id="move-in-people"' in fragment.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]


# The copies --------------------------------------------------------------------------------------------------------


def test_owner_uploads_a_photo_of_the_contract(client, owner_case):
    response = client.post(
        f"/portal/move-in/{owner_case.id}/papers",
        data={"type_code": "purchase_contract", "upload": (io.BytesIO(_png()), "contract.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    doc = db.session.scalar(select(ArchiveDocument).where(ArchiveDocument.source_id == owner_case.id))
    assert doc is not None and doc.type.code == "purchase_contract" and doc.unit_id == owner_case.unit_id
    html = client.get(f"/portal/move-in/{owner_case.id}/papers").get_data(as_text=True)
    assert 'accept="image/*,application/pdf"' in html and doc.type.name in html
    with client.get(f"/portal/documents/{doc.id}") as opened:
        assert opened.status_code == 200  # the owner opens their own copy


def test_upload_that_is_not_a_pdf_or_picture_is_refused(client, owner_case):
    response = client.post(
        f"/portal/move-in/{owner_case.id}/papers",
        data={"type_code": "owner_id", "upload": (io.BytesIO(b"MZ\x90\x00 not a picture"), "id.exe")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert 'id="upload-error"' in response.get_data(as_text=True) or "alert-error" in response.get_data(as_text=True)
    assert count(ArchiveDocument) == 0


def _png():
    """A real 2x2 PNG picture."""
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, "PNG")
    return buffer.getvalue()


# The appointment ---------------------------------------------------------------------------------------------------


def test_slot_picker_is_a_page_or_a_fragment(client, owner_case):
    url = f"/portal/move-in/{owner_case.id}/appointment"
    day = (utcnow() + timedelta(days=2)).date().isoformat()
    page, fragment = client.get(f"{url}?day={day}"), client.get(f"{url}?day={day}", headers=HX)
    assert page.status_code == fragment.status_code == 200
    assert "<html" in page.get_data(as_text=True) and "<html" not in fragment.get_data(as_text=True)
    assert 'id="move-in-slots"' in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]


# Neighbours --------------------------------------------------------------------------------------------------------


def client_adds_member(case):
    """A household member on `case`'s form, as the desk would add it."""
    person = MoveInPerson(case_id=case.id, role=PersonRole.FAMILY, name="家属")
    db.session.add(person)
    db.session.commit()
    return person


def test_neighbour_gets_404_on_every_move_in_route(client, owner_case, neighbour):
    other, their_case = neighbour
    case = owner_case
    member = client_adds_member(case)
    slot = slot_at(days=2, hour=9).isoformat()
    get_only = [f"/portal/move-in/{case.id}/registration"]
    forms = [
        f"/portal/move-in/{case.id}/owner",
        f"/portal/move-in/{case.id}/people/new",
        f"/portal/move-in/{case.id}/people/{member.id}",
        f"/portal/move-in/{case.id}/papers",
        f"/portal/move-in/{case.id}/appointment",
    ]
    for url in get_only + forms:
        assert other.get(url).status_code == 404, url
        assert other.get(url, headers=HX).status_code == 404, url
    for url in forms:
        data = {"name": "x", "phone": "13900000009", "slot": slot, "type_code": "owner_id"}
        assert other.post(url, data=data).status_code == 404, url
    remove = f"/portal/move-in/{case.id}/people/{member.id}/remove"
    assert other.post(remove).status_code == 404 and other.post(remove, headers=HX).status_code == 404
    assert count(MoveInPerson, *household(case)) == 1 and db.session.get(MoveInCase, case.id).appointment_at is None
    mine = other.get("/portal/move-in").get_data(as_text=True)
    assert "1802" in mine and "1801" not in mine
    # and the other way round
    assert client.get(f"/portal/move-in/{their_case.id}/registration").status_code == 404


# After the desk has the case ---------------------------------------------------------------------------------------


def test_edits_are_refused_once_the_case_is_at_the_desk(client, owner_case):
    case = owner_case
    client.post(f"/portal/move-in/{case.id}/people/new", data={"name": "甲"})
    member = db.session.scalar(select(MoveInPerson).where(*household(case)))
    receive(SYSTEM, db.session.get(MoveInCase, case.id))
    db.session.commit()
    assert db.session.get(MoveInCase, case.id).status == CaseStatus.AT_DESK
    refused = client.post(f"/portal/move-in/{case.id}/people/new", data={"name": "乙"})
    assert refused.status_code in (409, 422)
    assert client.post(f"/portal/move-in/{case.id}/people/{member.id}/remove").status_code == 303
    assert count(MoveInPerson, *household(case)) == 1
    upload = client.post(
        f"/portal/move-in/{case.id}/papers",
        data={"type_code": "owner_id", "upload": (io.BytesIO(_png()), "id.png")},
        content_type="multipart/form-data",
    )
    assert upload.status_code in (409, 422) and count(ArchiveDocument) == 0
    page = client.get("/portal/move-in").get_data(as_text=True)
    assert "desk has your papers" in page or "服务前台已收到" in page


# Booking -----------------------------------------------------------------------------------------------------------


def slot_at(*, days, hour, minute=0):
    """The slot `days` after today at hour:minute property time, in UTC."""
    return from_local_input(datetime.combine(today() + timedelta(days=days), time(hour, minute))).astimezone(UTC)


def test_owner_books_a_slot(client, owner_case):
    at = slot_at(days=3, hour=9, minute=30)
    page = client.get(f"/portal/move-in/{owner_case.id}/appointment?day={(today() + timedelta(days=3)).isoformat()}")
    assert f'value="{at.isoformat()}"' in page.get_data(as_text=True)
    response = client.post(f"/portal/move-in/{owner_case.id}/appointment", data={"slot": at.isoformat()})
    assert response.status_code == 303
    case = db.session.get(MoveInCase, owner_case.id)
    assert case.status == CaseStatus.BOOKED and case.appointment_at == at


def test_full_slot_is_shown_disabled_and_refused(client, prop, owner_case):
    at = slot_at(days=2, hour=14)
    for n in range(CASES_PER_SLOT):
        other, _code = invited_case(prop, name=f"别人{n}", phone=f"1390000010{n}", number=f"190{n}")
        book_appointment(SYSTEM, other, at)
    db.session.commit()
    page = client.get(f"/portal/move-in/{owner_case.id}/appointment?day={(today() + timedelta(days=2)).isoformat()}")
    html = page.get_data(as_text=True)
    assert re.search(rf'value="{re.escape(at.isoformat())}"\s+disabled', html)
    response = client.post(f"/portal/move-in/{owner_case.id}/appointment", data={"slot": at.isoformat()})
    assert response.status_code == 422 and 'id="slot-error"' in response.get_data(as_text=True)
    assert db.session.get(MoveInCase, owner_case.id).appointment_at is None


@pytest.mark.parametrize("when", ["past", "too_far", "not_a_slot", "garbage"])
def test_past_or_odd_slot_is_refused(client, owner_case, when):
    value = {
        "past": slot_at(days=0, hour=9).isoformat(),  # the frozen clock is 10:00
        "too_far": slot_at(days=20, hour=9).isoformat(),
        "not_a_slot": slot_at(days=2, hour=9, minute=10).isoformat(),
        "garbage": "tomorrow",
    }[when]
    response = client.post(f"/portal/move-in/{owner_case.id}/appointment", data={"slot": value})
    assert response.status_code == 422 and 'id="slot-error"' in response.get_data(as_text=True)
    assert db.session.get(MoveInCase, owner_case.id).appointment_at is None


def test_slots_are_refused_once_the_case_is_at_the_desk(client, owner_case):
    receive(SYSTEM, db.session.get(MoveInCase, owner_case.id))
    db.session.commit()
    response = client.post(
        f"/portal/move-in/{owner_case.id}/appointment", data={"slot": slot_at(days=2, hour=9).isoformat()}
    )
    assert response.status_code == 422
    assert db.session.get(MoveInCase, owner_case.id).appointment_at is None


def test_owner_who_already_has_an_account_is_told_to_sign_in(client, prop):
    existing = builders.create_resident(prop, unit=builders.create_unit(), name="老业主", phone="13900000055")
    _case, code = invited_case(prop, name="老业主", phone="13900000055", number="2001")
    response = client.post("/portal/move-in/invitation", data={"code": code})
    assert response.status_code == 422 and 'name="username"' not in response.get_data(as_text=True)
    assert count(User, User.kind == existing.user.kind) == 1
    AuthActions(client).login_resident(existing.user)
    assert "2001" in client.get("/portal/move-in").get_data(as_text=True)


@pytest.mark.parametrize("how", ["cancelled", "completed_long_ago"])
def test_move_in_tab_goes_once_the_case_is_over(client, clock, owner_case, how):
    case = db.session.get(MoveInCase, owner_case.id)
    if how == "cancelled":
        cancel(builders_manager(), case, "开发商撤回")
    else:
        case.status, case.completed_at = CaseStatus.COMPLETED, utcnow()
        clock.advance(days=31)
    db.session.commit()
    html = client.get("/portal/").get_data(as_text=True)
    assert 'href="/portal/move-in"' not in html and "/portal/move-in#case-" not in html


def builders_manager():
    """A manager as an Actor (cancelling a case is the manager's)."""
    manager = builders.create_staff(Role.MANAGER)
    return Actor.for_user(manager, "test")
