"""The counter in the console: parcel intake (page and htmx), the waiting shelf, pickup by code or QR and the
hand-over, the wrong-code throttle and its alarm, return and void, the day's counts; items left at the desk with
their photo and claim code; lending and its catalogue; and who may use which page."""

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.clock import local, local_date, utcnow
from domain.notify.models import Notification
from domain.parcels import arrivals, authorisations, storage
from domain.parcels.models import (
    LendableItem,
    Loan,
    LoanStatus,
    Parcel,
    ParcelStatus,
    PickupCode,
    Recipient,
    StorageStatus,
    StoredItem,
)
from domain.parcels.tasks import notify_parcels
from domain.tasks import held, run_queued, waiting_count
from domain.throttle.models import DeskAlert, FailedAttempt
from extensions import db
from tests import builders
from tests.builders import shown_at
from tests.conftest import AuthActions

HX = {"HX-Request": "true"}
SYSTEM = Actor.system("test")


def sign_in(auth, role):
    """Sign in a staff member of `role`, reading the console in English."""
    user = builders.create_staff(role)
    auth.login_staff(user)
    auth._client.get("/staff/?lang=en")
    return user


def count(model, *where):
    """Rows of `model` matching `where`."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def intake(**changes):
    """A valid intake form for 1-1203, as the page posts it."""
    return {
        "tracking_number": "SF1234567890",
        "carrier": "sf",
        "unit_label": "1-1203",
        "shelf": "A1",
        "more": "",
        **changes,
    }


def issue(unit):
    """A fresh pickup code for `unit`, committed (as the portal or the arrival mail gives it)."""
    code, _expires = arrivals.issue_pickup_code(unit.id)
    db.session.commit()
    return code


def wrong_code(code):
    """A 6-digit code that is not `code`."""
    return f"{(int(code) + 1) % 10**6:06d}"


def png(size=(40, 30)):
    """The bytes of a small real PNG picture."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 20)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def home(prop):
    """Unit 1-1203 and its owner 王芳."""
    unit = builders.create_unit(number="1203")
    return unit, builders.create_resident(prop, unit=unit, name="王芳", phone="13800138000")


@pytest.fixture
def neighbour(prop):
    """Unit 1-0901 and its owner."""
    unit = builders.create_unit(number="0901", floor=9)
    return unit, builders.create_resident(prop, unit=unit, name="赵邻居")


# Intake ----------------------------------------------------------------------------------------------


def test_the_intake_page_shows_the_form_the_aging_and_todays_parcels(client, auth, home):
    builders.create_parcel(home[0], "SF0000000001", shelf="B2")
    builders.create_parcel(home[0], "YT0000000002", arrived_at=utcnow() - timedelta(days=20))
    sign_in(auth, Role.FRONTDESK)
    response = client.get("/staff/parcels/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="intake-form"' in html and 'name="tracking_number"' in html and 'id="logged-rows"' in html
    assert "SF0000000001" in html and "YT0000000002" not in html  # only today's
    assert "/staff/parcels/waiting?bucket=15%2B" in html


def test_a_plain_post_logs_the_parcel_and_redirects(client, auth, home):
    unit, _owner = home
    clerk = sign_in(auth, Role.FRONTDESK)
    response = client.post("/staff/parcels/", data=intake(tracking_number="sf 1234 5678 90", shelf="a1"))
    assert response.status_code == 303 and response.headers["Location"] == "/staff/parcels/"
    parcel = db.session.scalars(select(Parcel)).one()
    assert (parcel.tracking_number, parcel.carrier, parcel.shelf, parcel.unit_id, parcel.logged_by_id) == (
        "SF1234567890",
        "sf",
        "A1",
        unit.id,
        clerk.id,
    )
    html = client.get("/staff/parcels/").get_data(as_text=True)
    assert "Logged 1 parcel(s) for 1-1203." in html and "SF1234567890" in html


def test_the_resident_is_told_once_the_intake_has_committed(client, auth, home):
    unit, owner = home
    sign_in(auth, Role.FRONTDESK)
    client.post("/staff/parcels/", data=intake())
    parcel = db.session.scalars(select(Parcel)).one()
    assert parcel.notified_at is not None
    assert count(Notification, Notification.resident_id == owner.id) == 1
    assert count(PickupCode, PickupCode.unit_id == unit.id) == 0  # no e-mail to carry a code: the portal gives it


def test_an_htmx_post_answers_with_the_message_and_the_new_row_and_announces_it(client, auth, home):
    sign_in(auth, Role.FRONTDESK)
    page = client.get("/staff/parcels/").get_data(as_text=True)
    # Success swaps only the status line: the form, with its shelf, stays for the next parcel.
    assert re.search(r'<form id="intake-form"[^>]*hx-target="#intake-status"', page) and 'id="intake-status"' in page
    response = client.post(
        "/staff/parcels/", data=intake(carrier="jd", shelf="B3", tracking_number="JD0000000042"), headers=HX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "parcelLogged"
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in html and "<form" not in html
    status, _, oob = html.partition('<tbody hx-swap-oob="afterbegin:#logged-rows">')
    assert "Logged 1 parcel(s) for 1-1203." in status
    assert oob, "the new row is swapped into today's list out of band"
    assert "JD0000000042" in oob and "1-1203" in oob and "B3" in oob and "JD Logistics" in oob
    parcel = db.session.scalars(select(Parcel)).one()
    assert f'href="/staff/parcels/{parcel.id}"' in oob
    assert (parcel.carrier, parcel.shelf) == ("jd", "B3")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"unit_label": ""}, "Type the unit, e.g. 1-1203."),
        ({"unit_label": "9-9999"}, "No unit 9-9999 in the register."),
        ({"tracking_number": "AB#1"}, "A tracking number is 4 to 40 letters, digits or dashes."),
        ({"tracking_number": ""}, "Type or scan a tracking number."),
        ({"carrier": "ups"}, "Not a valid choice"),
        (
            {"carrier": "", "tracking_number": "768123456789"},
            "The carrier of 768123456789 cannot be told from the number",
        ),
    ],
)
@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_bad_intake_is_refused_with_the_reason_and_keeps_what_was_typed(client, auth, home, changes, message, headers):
    sign_in(auth, Role.FRONTDESK)
    data = intake(**changes)
    response = client.post("/staff/parcels/", data=data, headers=headers)
    html = response.get_data(as_text=True)
    # A page answers 422; htmx swaps only 2xx answers, so the form with its messages comes back with 200.
    assert response.status_code == (200 if headers else 422)
    assert message in html
    assert count(Parcel) == 0
    for name in ("tracking_number", "unit_label", "shelf"):
        if data[name]:
            assert re.search(rf'<input[^>]*name="{name}"[^>]*value="{re.escape(data[name])}"', html), name
    assert ("<html" in html) == (not headers)
    assert "HX-Trigger" not in response.headers
    if headers:  # the form with its messages replaces the old form, not the status line
        assert html.lstrip().startswith('<form id="intake-form"')
        assert (response.headers["HX-Retarget"], response.headers["HX-Reswap"]) == ("#intake-form", "outerHTML")


def test_the_intake_tells_the_carrier_from_the_number_and_never_keeps_the_last_parcels(client, auth, home):
    sign_in(auth, Role.FRONTDESK)
    page = client.get("/staff/parcels/").get_data(as_text=True)
    # The carrier starts at "from the number", and Enter in the number goes on to the unit.
    assert re.search(r'<option selected value="">Tell from the number</option>', page)
    assert re.search(r'<input[^>]*data-enter-next="unit_label"[^>]*name="tracking_number"', page)
    for number, carrier in [("SF1234567890123", "sf"), ("JDVA01234567890", "jd"), ("YT7512345678901", "yto")]:
        response = client.post("/staff/parcels/", data=intake(carrier="", tracking_number=number), headers=HX)
        assert response.status_code == 200 and response.headers["HX-Trigger"] == "parcelLogged"
        assert db.session.scalar(select(Parcel.carrier).where(Parcel.tracking_number == number)) == carrier


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("sf1234567890123", "From the number: SF Express"),
        ("JT0001234567890", "From the number: J&amp;T Express"),
        ("768123456789", "Not told by the number: choose the carrier."),
        ("", ""),
    ],
)
def test_the_carrier_told_from_the_number_shows_as_it_is_typed(client, auth, number, shown):
    sign_in(auth, Role.FRONTDESK)
    for headers in (HX, {}):  # the same small fragment either way: it is never a page of its own
        response = client.get("/staff/parcels/carrier", query_string={"tracking_number": number}, headers=headers)
        assert response.status_code == 200 and re.sub(r"<[^>]+>", "", response.get_data(as_text=True)).strip() == shown


def test_only_the_counter_may_ask_which_carrier_a_number_is(client, auth):
    sign_in(auth, Role.ENGINEERING)
    assert client.get("/staff/parcels/carrier?tracking_number=SF1234567890123").status_code == 403


def test_a_number_already_waiting_is_refused(client, auth, home):
    builders.create_parcel(home[0], "SF1234567890")
    sign_in(auth, Role.FRONTDESK)
    response = client.post("/staff/parcels/", data=intake())
    assert response.status_code == 422
    assert "SF1234567890 is already waiting on the shelf." in response.get_data(as_text=True)
    response = client.post("/staff/parcels/", data=intake(), headers=HX)
    assert response.status_code == 200 and "HX-Trigger" not in response.headers
    assert "SF1234567890 is already waiting on the shelf." in response.get_data(as_text=True)
    assert count(Parcel) == 1


def test_the_more_field_logs_a_batch_for_one_unit(client, auth, home):
    sign_in(auth, Role.FRONTDESK)
    response = client.post("/staff/parcels/", data=intake(more="JD0000000002\n\n  yt-0003 \nSTO0000004\n"), headers=HX)
    assert response.status_code == 200 and "Logged 4 parcel(s) for 1-1203." in response.get_data(as_text=True)
    assert sorted(db.session.scalars(select(Parcel.tracking_number))) == [
        "JD0000000002",
        "SF1234567890",
        "STO0000004",
        "YT-0003",
    ]
    assert count(Notification) == 1  # one notice for the batch


def test_a_batch_with_a_bad_number_saves_nothing_and_keeps_the_list(client, auth, home):
    sign_in(auth, Role.FRONTDESK)
    response = client.post("/staff/parcels/", data=intake(more="JD0000000002\nSF1234567890"), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Trigger" not in response.headers
    assert "SF1234567890 is in the list twice." in html
    assert "JD0000000002\nSF1234567890</textarea>" in html and "<details open>" in html
    assert count(Parcel) == 0


@pytest.fixture
def deferred():
    """Keep the arrival notice (an after-commit task) in the queue, out of the request; dropped afterwards."""
    with held(notify_parcels):
        yield


def log_and_count(client, count_queries, data, headers=None):
    """Post an intake and return the statements it sent."""
    with count_queries() as counter:
        response = client.post("/staff/parcels/", data=data, headers=headers or {})
    assert response.status_code == (200 if headers else 303), response.get_data(as_text=True)[:500]
    return counter


def batch_of_ten(prefix):
    """An intake of ten parcels for 1-1203."""
    return intake(tracking_number=f"{prefix}0000000000", more="\n".join(f"{prefix}{n:010d}" for n in range(1, 10)))


def test_logging_one_parcel_takes_at_most_four_statements(client, auth, home, count_queries, deferred):
    sign_in(auth, Role.FRONTDESK)
    one = log_and_count(client, count_queries, intake())
    assert one.count <= 4, one.statements  # the user, the unit, the parcel, the audit entry
    assert count(Parcel) == 1


def test_logging_a_batch_of_ten_takes_no_more_statements_than_one_parcel(client, auth, home, count_queries, deferred):
    sign_in(auth, Role.FRONTDESK)
    one = log_and_count(client, count_queries, intake())
    ten = log_and_count(client, count_queries, batch_of_ten("JD"))
    assert count(Parcel) == 11
    assert ten.count == one.count, ten.statements


def test_the_htmx_answer_to_a_batch_costs_no_more_statements_than_the_redirect(
    client, auth, home, count_queries, deferred
):
    sign_in(auth, Role.FRONTDESK)
    plain = log_and_count(client, count_queries, batch_of_ten("JD"))
    htmx = log_and_count(client, count_queries, batch_of_ten("YT"), headers=HX)
    assert count(Parcel) == 20
    assert htmx.count == plain.count, htmx.statements


def test_the_deferred_notice_tells_the_resident_when_run(app, client, auth, home, deferred):
    sign_in(auth, Role.FRONTDESK)
    client.post("/staff/parcels/", data=intake())
    assert count(Notification) == 0 and waiting_count() == 1
    assert run_queued() == 1
    assert count(Notification, Notification.resident_id == home[1].id) == 1


def test_unit_suggestions_are_options_for_the_datalist(client, auth, home, neighbour):
    sign_in(auth, Role.FRONTDESK)
    response = client.get("/staff/parcels/units?unit_label=120", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<option value="1-1203">' in html and "1-0901" not in html
    assert client.get("/staff/parcels/units?q=0901").get_data(as_text=True).count("<option") == 1
    assert "<option" not in client.get("/staff/parcels/units?unit_label=").get_data(as_text=True)


# The waiting shelf --------------------------------------------------------------------------------------------


@pytest.fixture
def shelf(home, neighbour):
    """Three parcels waiting 1, 5 and 20 days, one picked up."""
    now = utcnow()
    builders.create_parcel(home[0], "SF0000000001", arrived_at=now - timedelta(days=1))
    builders.create_parcel(neighbour[0], "JD0000000002", arrived_at=now - timedelta(days=5))
    builders.create_parcel(home[0], "YT0000000003", arrived_at=now - timedelta(days=20))
    builders.create_parcel(home[0], "ZT0000000004", arrived_at=now - timedelta(days=2), status="picked_up")


def test_the_waiting_list_shows_what_is_on_the_shelf(client, auth, shelf):
    sign_in(auth, Role.FRONTDESK)
    response = client.get("/staff/parcels/waiting")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in html and "HX-Request" in response.headers["Vary"]
    for number in ("SF0000000001", "JD0000000002", "YT0000000003"):
        assert number in html
    assert "ZT0000000004" not in html
    assert '<tr class="late">' in html  # the 20-day parcel


@pytest.mark.parametrize(
    ("bucket", "shown"),
    [
        ("0-3", {"SF0000000001"}),
        ("3-7", {"JD0000000002"}),
        ("7-15", set()),
        ("15+", {"YT0000000003"}),
        ("nonsense", {"SF0000000001", "JD0000000002", "YT0000000003"}),
    ],
)
def test_the_waiting_list_filters_by_aging_bucket(client, auth, shelf, bucket, shown):
    sign_in(auth, Role.FRONTDESK)
    response = client.get("/staff/parcels/waiting", query_string={"bucket": bucket}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert {n for n in ("SF0000000001", "JD0000000002", "YT0000000003", "ZT0000000004") if n in html} == shown


@pytest.mark.parametrize(
    ("q", "shown"),
    [
        ("1-1203", {"SF0000000001", "YT0000000003"}),
        ("0901", {"JD0000000002"}),
        ("jd00", {"JD0000000002"}),
        ("nothing", set()),
    ],
)
def test_the_waiting_list_searches_by_unit_or_tracking_number(client, auth, shelf, q, shown):
    sign_in(auth, Role.FRONTDESK)
    html = client.get("/staff/parcels/waiting", query_string={"q": q}).get_data(as_text=True)
    assert {n for n in ("SF0000000001", "JD0000000002", "YT0000000003") if n in html} == shown


def test_one_parcel_shows_where_it_is(client, auth, home):
    parcel = builders.create_parcel(home[0], "SF0000000001", shelf="C4")
    sign_in(auth, Role.FRONTDESK)
    html = client.get(f"/staff/parcels/{parcel.id}").get_data(as_text=True)
    assert "SF0000000001" in html and "1-1203" in html and "C4" in html
    assert f'action="/staff/parcels/{parcel.id}/return"' in html and f'action="/staff/parcels/{parcel.id}/void"' in html
    assert client.get("/staff/parcels/99999").status_code == 404


# Pickup --------------------------------------------------------------------------------------------------------


@pytest.fixture
def waiting(home, neighbour):
    """Two parcels waiting for 1-1203, one for the neighbour."""
    return (
        builders.create_parcel(home[0], "SF0000000001", shelf="A1"),
        builders.create_parcel(home[0], "JD0000000002", shelf="B2"),
        builders.create_parcel(neighbour[0], "YT0000000003", shelf="C3"),
    )


def test_unit_and_code_show_only_that_units_parcels(client, auth, home, waiting):
    code = issue(home[0])
    sign_in(auth, Role.FRONTDESK)
    assert client.get("/staff/parcels/pickup").status_code == 200
    response = client.post("/staff/parcels/pickup", data={"unit_label": "1-1203", "code": f"{code[:3]} {code[3:]}"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "SF0000000001" in html and "JD0000000002" in html and "YT0000000003" not in html
    assert "Household: 王芳" in html
    assert 'action="/staff/parcels/hand-over"' in html
    assert re.search(r'<input[^>]*name="unit_label"[^>]*type="hidden"[^>]*value="1-1203"', html)
    assert count(FailedAttempt) == 0


def test_a_scanned_qr_code_in_the_unit_field_finds_the_parcels(client, auth, home, waiting):
    code = issue(home[0])
    sign_in(auth, Role.FRONTDESK)
    response = client.post("/staff/parcels/pickup", data={"unit_label": f"P:1-1203:{code}", "code": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "SF0000000001" in html and "YT0000000003" not in html
    assert re.search(rf'<input[^>]*name="code"[^>]*type="hidden"[^>]*value="{code}"', html)


def test_a_wrong_code_is_refused_and_counted(client, auth, home, waiting):
    code = issue(home[0])
    sign_in(auth, Role.FRONTDESK)
    response = client.post("/staff/parcels/pickup", data={"unit_label": "1-1203", "code": wrong_code(code)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "That code is not right for this unit, or it has been used or has expired." in html
    assert "SF0000000001" not in html
    assert count(FailedAttempt) == 1


def test_a_right_code_for_a_neighbours_unit_is_refused(client, auth, home, waiting):
    code = issue(home[0])
    sign_in(auth, Role.FRONTDESK)
    response = client.post("/staff/parcels/pickup", data={"unit_label": "1-0901", "code": code})
    assert response.status_code == 422 and "YT0000000003" not in response.get_data(as_text=True)


def test_handing_over_marks_the_ticked_parcels_picked_up(client, auth, home, waiting):
    first, second, theirs = waiting
    code = issue(home[0])
    clerk = sign_in(auth, Role.FRONTDESK)
    response = client.post(
        "/staff/parcels/hand-over",
        data={
            "unit_label": "1-1203",
            "code": code,
            "parcel_ids": [str(first.id), str(second.id), str(theirs.id)],
            "recipient": "household",
            "name": "李强",
            "id_last4": "123x",
            "authorisation_id": "0",
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == "/staff/parcels/pickup"
    for parcel in (first, second):
        parcel = db.session.get(Parcel, parcel.id)
        assert (
            parcel.status,
            parcel.picked_up_by,
            parcel.picked_up_name,
            parcel.picked_up_id_last4,
            parcel.closed_by_id,
        ) == (ParcelStatus.PICKED_UP, Recipient.HOUSEHOLD, "李强", "123X", clerk.id)
    assert db.session.get(Parcel, theirs.id).status == ParcelStatus.WAITING
    assert db.session.scalars(select(PickupCode)).one().used_at is not None
    assert "2 parcel(s) of 1-1203 handed over." in client.get("/staff/parcels/pickup").get_data(as_text=True)


def test_a_used_code_is_refused_at_the_desk(client, auth, home, waiting):
    first, second, _theirs = waiting
    code = issue(home[0])
    sign_in(auth, Role.FRONTDESK)
    handover = {
        "unit_label": "1-1203",
        "code": code,
        "parcel_ids": [str(first.id)],
        "recipient": "resident",
        "name": "王芳",
        "id_last4": "1234",
    }
    assert client.post("/staff/parcels/hand-over", data=handover).status_code == 303
    response = client.post("/staff/parcels/pickup", data={"unit_label": "1-1203", "code": code})
    assert response.status_code == 422 and "JD0000000002" not in response.get_data(as_text=True)
    again = client.post("/staff/parcels/hand-over", data={**handover, "parcel_ids": [str(second.id)]})
    assert again.status_code == 303
    assert db.session.get(Parcel, second.id).status == ParcelStatus.WAITING
    assert "That code is not right for this unit" in client.get("/staff/parcels/pickup").get_data(as_text=True)


def test_a_hand_over_without_the_id_digits_shows_the_form_again_and_keeps_the_code(client, auth, home, waiting):
    first, second, _theirs = waiting
    code = issue(home[0])
    sign_in(auth, Role.FRONTDESK)
    response = client.post(
        "/staff/parcels/hand-over",
        data={
            "unit_label": "1-1203",
            "code": code,
            "parcel_ids": [str(second.id)],
            "recipient": "resident",
            "name": "王芳",
            "id_last4": "12",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Type the last 4 characters of their ID (digits, or X)." in html
    assert re.search(rf'value="{second.id}"\s+checked', html) and not re.search(rf'value="{first.id}"\s+checked', html)
    assert db.session.scalars(select(PickupCode)).one().used_at is None
    assert {p.status for p in db.session.scalars(select(Parcel))} == {ParcelStatus.WAITING}


def test_an_authorised_collector_is_offered_and_recorded(client, auth, home, waiting):
    unit, owner = home
    first = waiting[0]
    authorisation = authorisations.authorise_collector(
        SYSTEM, resident_id=owner.id, unit_id=unit.id, allowed_units={unit.id}, name="快递代取张", phone="13900001111"
    )
    db.session.commit()
    code = issue(unit)
    sign_in(auth, Role.FRONTDESK)
    html = client.post("/staff/parcels/pickup", data={"unit_label": "1-1203", "code": code}).get_data(as_text=True)
    assert f'<option value="{authorisation.id}">快递代取张 · 13900001111</option>' in html
    response = client.post(
        "/staff/parcels/hand-over",
        data={
            "unit_label": "1-1203",
            "code": code,
            "parcel_ids": [str(first.id)],
            "recipient": "authorised",
            "name": "",
            "id_last4": "9876",
            "authorisation_id": str(authorisation.id),
        },
    )
    assert response.status_code == 303
    parcel = db.session.get(Parcel, first.id)
    assert (parcel.picked_up_by, parcel.picked_up_name) == (Recipient.AUTHORISED, "快递代取张")


# The throttle and the desk's alarm ----------------------------------------------------------------------------------


def test_the_sixth_attempt_after_five_wrong_codes_is_locked_out_and_the_desk_is_alarmed(
    client, auth, app, home, waiting
):
    code = issue(home[0])
    clerk = sign_in(auth, Role.FRONTDESK)
    for _ in range(5):
        response = client.post("/staff/parcels/pickup", data={"unit_label": "1-1203", "code": wrong_code(code)})
        assert response.status_code == 422
    locked = client.post("/staff/parcels/pickup", data={"unit_label": "1-1203", "code": code})
    assert locked.status_code == 429
    assert "Too many wrong codes." in locked.get_data(as_text=True)
    assert "SF0000000001" not in locked.get_data(as_text=True)
    assert count(FailedAttempt) == 5
    alert = db.session.scalars(select(DeskAlert)).one()
    assert alert.place == f"{clerk.id}@127.0.0.1" and alert.message == "1-1203"

    desk = client.get("/staff/parcels/").get_data(as_text=True)
    assert (
        f"five wrong pickup codes in five minutes at the desk ({clerk.display_name}, the last for 1-1203). "
        f"Until {shown_at(alert.created_at + timedelta(minutes=5), 'en')} that clerk cannot check pickup codes "
        "from that computer; another clerk can."
    ) in desk
    assert f'action="/staff/parcels/alerts/{alert.id}/acknowledge"' in desk

    # Another clerk at another place is not locked out.
    other = app.test_client()
    AuthActions(other).login_staff(builders.create_staff(Role.FRONTDESK))
    assert other.post("/staff/parcels/pickup", data={"unit_label": "1-1203", "code": code}).status_code == 200

    response = client.post(f"/staff/parcels/alerts/{alert.id}/acknowledge")
    assert response.status_code == 303 and response.headers["Location"] == "/staff/parcels/"
    alert = db.session.get(DeskAlert, alert.id)
    assert alert.acknowledged_at is not None and alert.acknowledged_by_id == clerk.id
    assert "five wrong pickup codes" not in client.get("/staff/parcels/").get_data(as_text=True)


def test_a_hand_over_with_a_wrong_code_is_counted_and_sent_back(client, auth, home, waiting):
    code = issue(home[0])
    sign_in(auth, Role.FRONTDESK)
    response = client.post(
        "/staff/parcels/hand-over",
        data={
            "unit_label": "1-1203",
            "code": wrong_code(code),
            "parcel_ids": [str(waiting[0].id)],
            "recipient": "resident",
            "name": "王芳",
            "id_last4": "1234",
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == "/staff/parcels/pickup"
    assert count(FailedAttempt) == 1
    assert db.session.get(Parcel, waiting[0].id).status == ParcelStatus.WAITING


# Return and void ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("action", "status"), [("return", ParcelStatus.RETURNED), ("void", ParcelStatus.VOIDED)])
def test_return_and_void_need_a_reason(client, auth, home, action, status):
    parcel = builders.create_parcel(home[0], "SF0000000001")
    clerk = sign_in(auth, Role.FRONTDESK)
    refused = client.post(f"/staff/parcels/{parcel.id}/{action}", data={f"{action}-note": "  "})
    assert refused.status_code == 422 and "Give the reason." in refused.get_data(as_text=True)
    assert db.session.get(Parcel, parcel.id).status == ParcelStatus.WAITING
    response = client.post(f"/staff/parcels/{parcel.id}/{action}", data={f"{action}-note": "超过15天无人领取"})
    assert response.status_code == 303 and response.headers["Location"] == f"/staff/parcels/{parcel.id}"
    parcel = db.session.get(Parcel, parcel.id)
    assert (parcel.status, parcel.close_note, parcel.closed_by_id) == (status, "超过15天无人领取", clerk.id)
    html = client.get(f"/staff/parcels/{parcel.id}").get_data(as_text=True)
    assert "超过15天无人领取" in html and f'/staff/parcels/{parcel.id}/void"' not in html


def test_a_parcel_no_longer_waiting_cannot_be_voided(client, auth, home):
    parcel = builders.create_parcel(home[0], "SF0000000001", status="picked_up")
    sign_in(auth, Role.FRONTDESK)
    response = client.post(f"/staff/parcels/{parcel.id}/void", data={"void-note": "录错"})
    assert response.status_code == 409
    assert db.session.get(Parcel, parcel.id).status == ParcelStatus.PICKED_UP
    assert client.post("/staff/parcels/99999/void", data={"void-note": "录错"}).status_code == 404


def test_voiding_a_parcel_no_longer_waiting_explains_why(client, auth, home):
    parcel = builders.create_parcel(home[0], "SF0000000001", status="picked_up")
    sign_in(auth, Role.FRONTDESK)
    response = client.post(f"/staff/parcels/{parcel.id}/void", data={"void-note": "录错"})
    assert "This parcel is no longer waiting." in response.get_data(as_text=True)


# The day's counts -----------------------------------------------------------------------------------------------------


def test_the_report_shows_the_days_counts(client, auth, home):
    for n in range(3):
        builders.create_parcel(home[0], f"SF000000000{n}")
    sign_in(auth, Role.FRONTDESK)
    response = client.get("/staff/parcels/report")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<span class="stat-value">3</span><span class="stat-label">in</span>' in html
    assert '<span class="stat-value">3</span><span class="stat-label">waiting now</span>' in html
    yesterday = (local_date(utcnow()) - timedelta(days=1)).isoformat()
    html = client.get(f"/staff/parcels/report?day={yesterday}").get_data(as_text=True)
    assert '<span class="stat-value">0</span><span class="stat-label">in</span>' in html
    assert client.get("/staff/parcels/report?day=2026-13-40").status_code == 404


def test_the_waiting_too_long_figure_links_to_the_same_parcels(app, client, auth, home, monkeypatch):
    monkeypatch.setitem(app.config, "PARCEL_REMIND_DAYS", 3)
    now = utcnow()
    builders.create_parcel(home[0], "JD0000000005", arrived_at=now - timedelta(days=5))
    builders.create_parcel(home[0], "YT0000000020", arrived_at=now - timedelta(days=20))
    builders.create_parcel(home[0], "SF0000000001", arrived_at=now - timedelta(days=1))
    sign_in(auth, Role.FRONTDESK)
    html = client.get("/staff/parcels/report").get_data(as_text=True)
    link = re.search(
        r'<a class="stat[^"]*" href="([^"]+)"><span class="stat-value">(\d+)</span>'
        r'<span class="stat-label">waiting too long</span>',
        html,
    )
    assert link.group(2) == "2"
    listed = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "JD0000000005" in listed and "YT0000000020" in listed and "SF0000000001" not in listed


# Items left at the desk -----------------------------------------------------------------------------------------------


def store_form(**changes):
    """A valid storage form for 1-1203."""
    return {
        "unit_label": "1-1203",
        "description": "一袋水果（红色袋子）",
        "depositor_name": "李女士",
        "depositor_phone": "13900001111",
        "collector_name": "王芳",
        "days": "7",
        **changes,
    }


def issued_code(html):
    """The claim code shown on the slip ("123 456" -> "123456")."""
    return re.search(r'class="big-code"[^>]*>(\d{3}) (\d{3})<', html).expand(r"\1\2")


def test_storing_an_item_shows_the_claim_code_once(client, auth, home, upload_folder):
    sign_in(auth, Role.FRONTDESK)
    assert client.get("/staff/storage/").status_code == 200
    response = client.post("/staff/storage/", data=store_form(by_visitor="y"))
    html = response.get_data(as_text=True)
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    code = issued_code(html)
    item = db.session.scalars(select(StoredItem)).one()
    assert (item.unit_id, item.description, item.by_visitor, item.collector_name, item.photo_name) == (
        home[0].id,
        "一袋水果（红色袋子）",
        True,
        "王芳",
        None,
    )
    assert code not in item.code_hash and "1-1203" in html
    shelf = client.get("/staff/storage/").get_data(as_text=True)
    assert "一袋水果（红色袋子）" in shelf and code not in shelf


def test_storing_an_item_with_a_photo_keeps_it_for_the_desk(client, auth, home, file_store):
    sign_in(auth, Role.FRONTDESK)
    data = {**store_form(), "photo": (io.BytesIO(png()), "fruit.png", "image/png")}
    response = client.post("/staff/storage/", data=data, content_type="multipart/form-data")
    assert response.status_code == 201
    item = db.session.scalars(select(StoredItem)).one()
    assert item.photo_name and item.photo_type == "image/png"
    assert file_store.names() == sorted([item.photo_name, item.photo_name + ".preview.jpg"])
    with client.get(f"/staff/storage/{item.id}/photo") as preview:
        assert preview.status_code == 200 and preview.mimetype == "image/jpeg"
        assert preview.headers["Cache-Control"] == "private, no-store"
    with client.get(f"/staff/storage/{item.id}/photo?size=full") as full:
        assert full.status_code == 200 and full.mimetype == "image/png" and full.data == png()
    assert f"/staff/storage/{item.id}/photo" in client.get("/staff/storage/").get_data(as_text=True)


def test_an_item_without_a_photo_has_no_photo_to_show(client, auth, home):
    sign_in(auth, Role.FRONTDESK)
    client.post("/staff/storage/", data=store_form())
    item = db.session.scalars(select(StoredItem)).one()
    assert client.get(f"/staff/storage/{item.id}/photo").status_code == 404
    assert client.get("/staff/storage/99999/photo").status_code == 404


def test_a_file_that_is_not_a_picture_is_refused_and_nothing_is_stored(client, auth, home, file_store):
    sign_in(auth, Role.FRONTDESK)
    data = {**store_form(), "photo": (io.BytesIO(b"%PDF-1.4 not a picture"), "receipt.png", "image/png")}
    response = client.post("/staff/storage/", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "is not a photo we can read" in html
    assert "一袋水果（红色袋子）</textarea>" in html
    assert count(StoredItem) == 0
    assert file_store.names() == []


@pytest.mark.parametrize(
    "changes", [{"description": ""}, {"depositor_name": ""}, {"days": "0"}, {"days": "abc"}, {"unit_label": "9-9999"}]
)
def test_a_storage_form_with_bad_input_is_refused(client, auth, home, changes):
    sign_in(auth, Role.FRONTDESK)
    response = client.post("/staff/storage/", data=store_form(**changes))
    assert response.status_code == 422
    assert count(StoredItem) == 0


@pytest.fixture
def stored(home):
    """An item on the shelf for 1-1203 and its claim code."""
    item, code = storage.store_item(SYSTEM, unit_label="1-1203", description="一串钥匙", depositor_name="王芳")
    db.session.commit()
    return item, code


def test_the_claim_code_finds_the_item_and_the_release_hands_it_over(client, auth, stored):
    item, code = stored
    clerk = sign_in(auth, Role.FRONTDESK)
    assert client.get("/staff/storage/claim").status_code == 200
    response = client.post("/staff/storage/claim", data={"code": code})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "一串钥匙" in html and "1-1203" in html
    assert 'action="/staff/storage/release"' in html
    response = client.post(
        "/staff/storage/release", data={"code": code, "item_id": str(item.id), "name": "李强", "id_last4": "567x"}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/staff/storage/"
    item = db.session.get(StoredItem, item.id)
    assert (item.status, item.picked_up_name, item.picked_up_id_last4, item.closed_by_id) == (
        StorageStatus.PICKED_UP,
        "李强",
        "567X",
        clerk.id,
    )
    assert "to 李强 (ID ending 567X)" in client.get("/staff/storage/").get_data(as_text=True)
    again = client.post("/staff/storage/claim", data={"code": code})
    assert again.status_code == 422 and "一串钥匙" not in again.get_data(as_text=True)


def test_a_wrong_claim_code_is_counted(client, auth, stored):
    _item, code = stored
    sign_in(auth, Role.FRONTDESK)
    response = client.post("/staff/storage/claim", data={"code": wrong_code(code)})
    assert response.status_code == 422
    assert "No item on the shelf has this claim code." in response.get_data(as_text=True)
    assert count(FailedAttempt, FailedAttempt.scope == "storage_code") == 1


def test_six_wrong_claim_codes_lock_the_desk_out(client, auth, stored):
    _item, code = stored
    sign_in(auth, Role.FRONTDESK)
    for _ in range(5):
        assert client.post("/staff/storage/claim", data={"code": wrong_code(code)}).status_code == 422
    assert client.post("/staff/storage/claim", data={"code": code}).status_code == 429
    assert count(DeskAlert) == 1
    desk = client.get("/staff/parcels/").get_data(as_text=True)
    assert "five wrong claim codes for stored items in five minutes at the desk" in desk
    assert "that clerk cannot check claim codes" in desk and "storage" not in desk.split('role="alert"')[1][:600]


def test_a_release_without_the_id_digits_shows_the_form_again(client, auth, stored):
    item, code = stored
    sign_in(auth, Role.FRONTDESK)
    response = client.post(
        "/staff/storage/release", data={"code": code, "item_id": str(item.id), "name": "李强", "id_last4": ""}
    )
    assert response.status_code == 422 and "一串钥匙" in response.get_data(as_text=True)
    assert db.session.get(StoredItem, item.id).status == StorageStatus.STORED


def test_voiding_a_stored_item_needs_a_reason(client, auth, stored):
    item, _code = stored
    sign_in(auth, Role.FRONTDESK)
    response = client.post(f"/staff/storage/{item.id}/void", data={"note": ""})
    assert response.status_code == 303
    assert db.session.get(StoredItem, item.id).status == StorageStatus.STORED
    assert "Give the reason." in client.get("/staff/storage/").get_data(as_text=True)
    response = client.post(f"/staff/storage/{item.id}/void", data={"note": "登记错了"})
    assert response.status_code == 303
    item = db.session.get(StoredItem, item.id)
    assert (item.status, item.close_note) == (StorageStatus.VOIDED, "登记错了")
    assert "voided: 登记错了" in client.get("/staff/storage/").get_data(as_text=True)


def test_the_storage_shelf_lists_items_past_expiry_on_request(client, auth, home):
    storage.store_item(
        SYSTEM,
        unit_label="1-1203",
        description="旧纸箱",
        depositor_name="王芳",
        days=1,
        now=utcnow() - timedelta(days=3),
    )
    storage.store_item(SYSTEM, unit_label="1-1203", description="新雨伞", depositor_name="王芳")
    db.session.commit()
    sign_in(auth, Role.FRONTDESK)
    html = client.get("/staff/storage/?overdue=1").get_data(as_text=True)
    assert "旧纸箱" in html and "新雨伞" not in html
    html = client.get("/staff/storage/").get_data(as_text=True)
    assert "旧纸箱" in html and "新雨伞" in html


# Lending --------------------------------------------------------------------------------------------------------------


def test_the_catalogue_takes_a_new_item(client, auth, prop):
    sign_in(auth, Role.FRONTDESK)
    assert client.get("/staff/lending/items").status_code == 200
    response = client.post(
        "/staff/lending/items", data={"name": "折叠梯", "quantity": "2", "deposit": "100", "loan_hours": "4"}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/staff/lending/items"
    item = db.session.scalars(select(LendableItem)).one()
    assert (item.name, item.quantity, item.deposit_fen, item.loan_hours, item.is_active) == (
        "折叠梯",
        2,
        10000,
        4,
        True,
    )
    assert "折叠梯" in client.get("/staff/lending/items").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"quantity": "-1"}, "Number must be between 0 and 999."),
        ({"deposit": "abc"}, "Write an amount like 50 or 50.00."),
        ({"deposit": "-5"}, "Write an amount like 50 or 50.00."),
        ({"name": ""}, "This field is required."),
        ({"loan_hours": "0"}, "Number must be between 1 and 720."),
    ],
)
def test_a_bad_catalogue_entry_is_refused_and_keeps_what_was_typed(client, auth, prop, changes, message):
    sign_in(auth, Role.FRONTDESK)
    data = {"name": "折叠梯", "quantity": "2", "deposit": "100", "loan_hours": "4", **changes}
    response = client.post("/staff/lending/items", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert count(LendableItem) == 0
    for name, value in data.items():
        if value:
            assert re.search(rf'<input[^>]*name="{name}"[^>]*value="{re.escape(value)}"', html), name


def test_editing_a_catalogue_entry(client, auth, prop):
    item = builders.create_lendable(prop, name="折叠梯", quantity=2, deposit_fen=10000, loan_hours=4)
    sign_in(auth, Role.MANAGER)
    html = client.get(f"/staff/lending/items/{item.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="deposit"[^>]*value="100(\.00)?"', html)
    response = client.post(
        f"/staff/lending/items/{item.id}",
        data={"name": "铝合金折叠梯", "quantity": "3", "deposit": "150.5", "loan_hours": "6"},
    )
    assert response.status_code == 303
    item = db.session.get(LendableItem, item.id)
    assert (item.name, item.quantity, item.deposit_fen, item.loan_hours, item.is_active) == (
        "铝合金折叠梯",
        3,
        15050,
        6,
        False,
    )  # the box was not ticked: taken off the list
    assert client.get("/staff/lending/items/99999").status_code == 404


@pytest.mark.parametrize("changes", [{"quantity": "-1"}, {"deposit": "abc"}, {"quantity": "0"}])
def test_a_bad_edit_is_refused_and_changes_nothing(client, auth, prop, home, changes):
    item = builders.create_lendable(prop, name="折叠梯", quantity=2, deposit_fen=10000, loan_hours=4)
    builders.create_loan(item, home[0])  # one is out: the quantity cannot drop to 0
    sign_in(auth, Role.FRONTDESK)
    data = {"name": "新名字", "quantity": "2", "deposit": "100", "loan_hours": "4", "is_active": "y", **changes}
    response = client.post(f"/staff/lending/items/{item.id}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'<input[^>]*name="name"[^>]*value="新名字"', html)
    item = db.session.get(LendableItem, item.id)
    assert (item.name, item.quantity, item.deposit_fen) == ("折叠梯", 2, 10000)


@pytest.fixture
def ladder(prop):
    """One folding ladder lent for 4 hours against ¥100."""
    return builders.create_lendable(prop, name="折叠梯", quantity=1, deposit_fen=10000, loan_hours=4)


def test_lending_an_item_with_its_usual_deposit_and_time(client, auth, home, ladder):
    clerk = sign_in(auth, Role.FRONTDESK)
    html = client.get("/staff/lending/").get_data(as_text=True)
    assert f'<option value="{ladder.id}">折叠梯 (1 of 1 left)</option>' in html
    response = client.post(
        "/staff/lending/",
        data={
            "item_id": str(ladder.id),
            "unit_label": "1-1203",
            "borrower_name": "王芳",
            "borrower_phone": "13800138000",
            "due_at": "",
            "deposit": "",
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == "/staff/lending/"
    loan = db.session.scalars(select(Loan)).one()
    assert (loan.item_id, loan.unit_id, loan.borrower_name, loan.deposit_fen, loan.lent_by_id, loan.status) == (
        ladder.id,
        home[0].id,
        "王芳",
        10000,
        clerk.id,
        LoanStatus.OUT,
    )
    assert loan.due_at - loan.lent_at == timedelta(hours=4)
    assert "折叠梯 (0 of 1 left)" in client.get("/staff/lending/").get_data(as_text=True)


def test_lending_until_a_chosen_time_with_another_deposit(client, auth, home, ladder):
    sign_in(auth, Role.FRONTDESK)
    due = (local(utcnow()) + timedelta(days=2)).replace(second=0, microsecond=0)
    response = client.post(
        "/staff/lending/",
        data={
            "item_id": str(ladder.id),
            "unit_label": "1-1203",
            "borrower_name": "王芳",
            "due_at": due.strftime("%Y-%m-%dT%H:%M"),
            "deposit": "0",
        },
    )
    assert response.status_code == 303
    loan = db.session.scalars(select(Loan)).one()
    assert loan.due_at == due and loan.deposit_fen == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"due_at": "2020-01-01T10:00"}, "The return time must be in the future."),
        ({"unit_label": "9-9999"}, "No unit 9-9999 in the register."),
        ({"deposit": "abc"}, "Write an amount like 50 or 50.00."),
        ({"borrower_name": ""}, "This field is required."),
    ],
)
def test_a_bad_loan_is_refused(client, auth, home, ladder, changes, message):
    sign_in(auth, Role.FRONTDESK)
    data = {
        "item_id": str(ladder.id),
        "unit_label": "1-1203",
        "borrower_name": "王芳",
        "due_at": "",
        "deposit": "",
        **changes,
    }
    response = client.post("/staff/lending/", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert count(Loan) == 0


def test_nothing_is_lent_when_all_are_out(client, auth, home, ladder):
    builders.create_loan(ladder, home[0])
    sign_in(auth, Role.FRONTDESK)
    response = client.post(
        "/staff/lending/", data={"item_id": str(ladder.id), "unit_label": "1-1203", "borrower_name": "王芳"}
    )
    assert response.status_code == 422 and "All 1 of “折叠梯” are lent out." in response.get_data(as_text=True)
    assert count(Loan) == 1


def test_returning_a_loan(client, auth, home, ladder):
    loan = builders.create_loan(ladder, home[0], borrower_name="王芳")
    clerk = sign_in(auth, Role.FRONTDESK)
    response = client.post(f"/staff/lending/{loan.id}/return", data={"note": "完好"})
    assert response.status_code == 303
    loan = db.session.get(Loan, loan.id)
    assert (loan.status, loan.close_note, loan.closed_by_id) == (LoanStatus.RETURNED, "完好", clerk.id)
    assert loan.returned_at is not None
    assert client.post(f"/staff/lending/{loan.id}/return", data={"note": ""}).status_code == 303
    assert "This loan is already closed." in client.get("/staff/lending/").get_data(as_text=True)


def test_voiding_a_loan_needs_a_reason(client, auth, home, ladder):
    loan = builders.create_loan(ladder, home[0])
    sign_in(auth, Role.FRONTDESK)
    assert client.post(f"/staff/lending/{loan.id}/void", data={"note": ""}).status_code == 303
    assert db.session.get(Loan, loan.id).status == LoanStatus.OUT
    assert client.post(f"/staff/lending/{loan.id}/void", data={"note": "登记错了"}).status_code == 303
    loan = db.session.get(Loan, loan.id)
    assert (loan.status, loan.close_note) == (LoanStatus.VOIDED, "登记错了")


def test_the_lending_page_lists_the_overdue_on_request(client, auth, home, prop):
    umbrella = builders.create_lendable(prop, name="雨伞", quantity=5, deposit_fen=0)
    now = utcnow()
    builders.create_loan(
        umbrella, home[0], borrower_name="逾期人", lent_at=now - timedelta(days=2), due_at=now - timedelta(hours=1)
    )
    builders.create_loan(umbrella, home[0], borrower_name="准时人", due_at=now + timedelta(hours=5))
    sign_in(auth, Role.FRONTDESK)
    html = client.get("/staff/lending/?overdue=1").get_data(as_text=True)
    assert "逾期人" in html and "准时人" not in html
    html = client.get("/staff/lending/").get_data(as_text=True)
    assert "逾期人" in html and "准时人" in html


# Who may use the counter ----------------------------------------------------------------------------------------------

COUNTER_PAGES = [
    "/staff/parcels/",
    "/staff/parcels/waiting",
    "/staff/parcels/pickup",
    "/staff/parcels/report",
    "/staff/parcels/units?q=12",
    "/staff/storage/",
    "/staff/storage/claim",
    "/staff/lending/",
    "/staff/lending/items",
]


@pytest.mark.parametrize("role", [Role.ENGINEERING, Role.CLEANING, Role.FINANCE], ids=lambda r: r.value)
def test_departments_outside_the_counter_get_403(client, auth, home, role, ladder):
    parcel = builders.create_parcel(home[0])
    sign_in(auth, role)
    for url in COUNTER_PAGES + [f"/staff/parcels/{parcel.id}", f"/staff/lending/items/{ladder.id}"]:
        assert client.get(url).status_code == 403, url
    assert client.post("/staff/parcels/", data=intake()).status_code == 403
    assert client.post(f"/staff/parcels/{parcel.id}/void", data={"void-note": "x"}).status_code == 403
    assert count(Parcel) == 1 and db.session.get(Parcel, parcel.id).status == ParcelStatus.WAITING


def test_security_covers_the_counter_but_not_the_catalogue(client, auth, home, ladder):
    sign_in(auth, Role.SECURITY)
    for url in COUNTER_PAGES[:-1]:
        assert client.get(url).status_code == 200, url
    assert client.post("/staff/parcels/", data=intake()).status_code == 303
    assert client.get("/staff/lending/items").status_code == 403
    assert client.get(f"/staff/lending/items/{ladder.id}").status_code == 403
    assert client.post("/staff/lending/items", data={"name": "梯子", "quantity": "1"}).status_code == 403
    assert count(LendableItem) == 1


@pytest.mark.parametrize("role", [Role.ASSISTANT], ids=lambda r: r.value)
def test_the_assistant_stands_in_at_the_counter_but_does_not_keep_the_catalogue(client, auth, home, role):
    sign_in(auth, role)
    assert client.get("/staff/parcels/").status_code == 200
    assert client.get("/staff/lending/").status_code == 200
    html = client.get("/staff/lending/").get_data(as_text=True)
    assert 'href="/staff/lending/items"' not in html
    assert client.get("/staff/lending/items").status_code == 403


def test_residents_get_403_at_the_counter(client, auth, home):
    auth.login_resident(home[1].user)
    assert client.get("/staff/parcels/").status_code == 403
    assert client.get("/staff/storage/").status_code == 403
    assert client.post("/staff/parcels/", data=intake()).status_code == 403
    assert count(Parcel) == 0


def test_signed_out_visitors_are_sent_to_the_login(client, home):
    response = client.get("/staff/parcels/")
    assert response.status_code == 303 and response.headers["Location"].startswith("/staff/login")
    response = client.post("/staff/parcels/", data=intake(), headers=HX)
    assert response.headers["HX-Redirect"].startswith("/staff/login")
    assert count(Parcel) == 0


def test_the_aging_tiles_refresh_after_parcels_are_logged(client, auth, home):
    sign_in(auth, Role.FRONTDESK)
    page = client.get("/staff/parcels/").get_data(as_text=True)
    assert 'hx-trigger="parcelLogged from:body' in page and 'id="aging"' in page
    client.post("/staff/parcels/", data=intake(), headers={"HX-Request": "true"})
    tiles = client.get("/staff/parcels/aging", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert re.search(r'<span class="stat-value">1</span><span class="stat-label">[^<]*0-3', tiles)
    assert "<html" not in tiles


def test_the_handover_page_lists_what_is_overdue_at_the_counter(client, auth, home):
    builders.create_parcel(home[0], "SF0000000099", arrived_at=utcnow() - timedelta(days=9))
    sign_in(auth, Role.FRONTDESK)
    html = client.get("/staff/handover").get_data(as_text=True)
    assert "/staff/parcels/waiting?overdue=1" in html


def test_without_a_code_the_desk_sees_the_units_parcels_and_hands_them_over_after_an_id_check(client, auth, home):
    unit, _owner = home
    parcel = builders.create_parcel(unit, "SF0000000042")
    sign_in(auth, Role.FRONTDESK)
    html = client.post("/staff/parcels/pickup", data={"unit_label": "1-1203", "code": ""}).get_data(as_text=True)
    assert "SF0000000042" in html and 'name="code" type="hidden" value=""' in html
    refused = client.post(
        "/staff/parcels/hand-over",
        data={
            "unit_label": "1-1203",
            "code": "",
            "parcel_ids": parcel.id,
            "recipient": "household",
            "name": "陌生人",
            "id_last4": "1234",
        },
    )
    assert refused.status_code == 422 and "陌生人" in refused.get_data(as_text=True)
    assert db.session.get(Parcel, parcel.id).status == ParcelStatus.WAITING
    done = client.post(
        "/staff/parcels/hand-over",
        data={
            "unit_label": "1-1203",
            "code": "",
            "parcel_ids": parcel.id,
            "recipient": "resident",
            "name": "王芳",
            "id_last4": "1234",
        },
    )
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(Parcel, parcel.id).picked_up_name == "王芳"


def test_the_desk_sees_which_parcels_and_shelves_a_kiosk_pickup_hands_over(client, auth, prop, home, neighbour):
    from domain.kiosk.pickup import start_pickup

    unit, _owner = home
    builders.create_parcel(unit, "SF1111111111", shelf="A1")
    builders.create_parcel(unit, "JD2222222222", shelf="")
    builders.create_parcel(neighbour[0], "YT3333333333", shelf="C3")  # not theirs
    kiosk, _credential = builders.create_kiosk(prop, name="1号楼大堂")
    assert start_pickup(kiosk, unit_label="1-1203", code=issue(unit)) == (2, ["A1"])
    db.session.commit()
    sign_in(auth, Role.FRONTDESK)
    html = client.get("/staff/parcels/pickup").get_data(as_text=True)
    panel = html.split('id="kiosk-pickups-title"', 1)[1].split("</section>", 1)[0]
    assert "1-1203" in panel and "1号楼大堂" in panel
    assert "SF1111111111" in panel and "shelf A1" in panel and "SF Express" in panel
    assert "JD2222222222" in panel and "shelf —" in panel  # no shelf was typed: none is made up
    assert "YT3333333333" not in panel and "shelf C3" not in panel  # "C3" alone can occur in a CSRF token
