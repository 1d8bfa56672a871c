"""Overtime in the console: applying (bad input kept, a start already past refused), one's own list and sheet and
nobody else's, the manager's queue, approving with the 36-hour warning, refusing with a reason, reporting and
confirming the time worked, cancelling, the monthly totals by rate within a fixed statement budget, and the holiday
calendar the manager edits."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pypdfium2
import pytest

from domain.accounts.roles import Role
from domain.overtime.models import CalendarDay, OvertimeApplication, OvertimeStatus
from extensions import db
from tests import builders
from tests.overtime_builders import create_overtime, load_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
CONFIRMED = OvertimeStatus.CONFIRMED


#: These tests name days of 2026 and 2027.
pytestmark = pytest.mark.usefixtures("named_days")


@pytest.fixture
def cal(prop):
    """The property with the published calendar."""
    load_calendar(prop)
    return prop


def sign_in(auth, role, name=None):
    """A staff member of `role`, signed in."""
    user = builders.create_staff(role)
    if name:
        user.display_name = name
        db.session.commit()
    auth.login_staff(user)
    return user


def english(client):
    """Switch the signed-in staff member's pages to English."""
    client.post("/lang", data={"lang": "en", "next": "/staff/"})


def pdf_text(body):
    """The text of every page of a PDF."""
    pdf = pypdfium2.PdfDocument(body)
    try:
        return "".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


# Applying ----------------------------------------------------------------------------------------------------------


def test_a_staff_member_applies_and_sees_it_in_their_list(client, auth, cal):
    sign_in(auth, Role.FRONTDESK)
    form = {"work_date": "2026-11-21", "start": "09:00", "end": "12:30", "reason": "周六快递高峰"}
    response = client.post("/staff/overtime/new", data=form)
    assert response.status_code == 303
    application = db.session.query(OvertimeApplication).one()
    assert (application.status, application.planned_minutes) == (OvertimeStatus.APPLIED, 210)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "周六快递高峰" in page and "200 %" in page and "3.5" in page  # a Saturday rates 200 %
    listed = client.get("/staff/overtime/?month=2026-11").get_data(as_text=True)
    assert "周六快递高峰" in listed and "/staff/overtime/sheets/" in listed


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"work_date": "2026-11-18", "start": "18:00", "end": "20:00", "reason": ""}, "This field is required"),
        ({"work_date": "2026-11-18", "start": "20:00", "end": "18:00", "reason": "加班整理档案"}, "must end after"),
        ({"work_date": "", "start": "18:00", "end": "20:00", "reason": "加班整理档案"}, "Enter the date"),
        ({"work_date": "2026-11-18", "start": "6pm", "end": "20:00", "reason": "加班整理档案"}, "valid time"),
    ],
)
def test_bad_input_on_the_application_is_explained_and_kept(client, auth, cal, form, message):
    sign_in(auth, Role.FRONTDESK)
    english(client)
    response = client.post("/staff/overtime/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert db.session.query(OvertimeApplication).count() == 0
    for value in form.values():
        assert f'value="{value}"' in page or (value and value in page) or not value


def test_an_application_whose_start_has_passed_is_refused_with_a_clear_message(client, auth, cal):
    sign_in(auth, Role.FRONTDESK)
    english(client)
    form = {"work_date": "2026-11-17", "start": "08:00", "end": "09:30", "reason": "早班交接"}
    response = client.post("/staff/overtime/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "which has passed" in page and "before the work" in page
    assert "早班交接" in page and db.session.query(OvertimeApplication).count() == 0


# Whose it is -------------------------------------------------------------------------------------------------------


def test_another_staff_member_is_refused_the_application_and_the_sheet(client, auth, cal):
    owner = builders.create_staff(Role.FRONTDESK)
    application = create_overtime(cal, owner, date(2026, 11, 18))
    sign_in(auth, Role.FRONTDESK)
    base = f"/staff/overtime/{application.id}"
    assert client.get(base).status_code == 403
    assert client.post(f"{base}/cancel", data={}).status_code == 403
    assert client.post(f"{base}/report", data={"start": "18:00", "end": "20:00"}).status_code == 403
    assert client.get(f"/staff/overtime/sheets/{owner.id}/2026-11.pdf").status_code == 403
    assert "值班" not in client.get("/staff/overtime/?month=2026-11").get_data(as_text=True)
    assert db.session.get(OvertimeApplication, application.id).status == OvertimeStatus.APPLIED


def test_a_sheet_of_a_month_that_is_not_one_or_of_nobody_is_not_found(client, auth, cal):
    user = sign_in(auth, Role.MANAGER)
    assert client.get(f"/staff/overtime/sheets/{user.id}/2026-13.pdf").status_code == 404
    assert client.get("/staff/overtime/sheets/999999/2026-11.pdf").status_code == 404


# Deciding, reporting, confirming -----------------------------------------------------------------------------------


def test_the_manager_sees_the_queue_and_is_warned_before_approving_past_36_hours(client, auth, cal):
    desk = builders.create_staff(Role.FRONTDESK)
    for day in range(2, 14):  # 36 h confirmed already
        create_overtime(cal, desk, date(2026, 11, day), start=(18, 0), minutes=180, status=CONFIRMED)
    application = create_overtime(cal, desk, date(2026, 11, 19), minutes=120)
    sign_in(auth, Role.MANAGER)
    english(client)
    queue = client.get("/staff/overtime/").get_data(as_text=True)
    assert f"/staff/overtime/{application.id}" in queue and "Waiting for your decision" in queue
    page = client.get(f"/staff/overtime/{application.id}").get_data(as_text=True)
    assert "38.0 h, past the legal cap of 36 hours a month" in page
    assert client.post(f"/staff/overtime/{application.id}/approve").status_code == 303
    assert db.session.get(OvertimeApplication, application.id).status == OvertimeStatus.APPROVED
    totals = client.get("/staff/overtime/totals?month=2026-11").get_data(as_text=True)
    assert "would pass 36 h" in totals and "36.0" in totals


def test_refusing_needs_a_reason_the_applicant_then_reads(client, auth, cal):
    desk = builders.create_staff(Role.FRONTDESK)
    application = create_overtime(cal, desk, date(2026, 11, 18))
    sign_in(auth, Role.MANAGER)
    english(client)
    response = client.post(f"/staff/overtime/{application.id}/refuse", data={"note": ""})
    assert response.status_code == 422 and "This field is required" in response.get_data(as_text=True)
    assert db.session.get(OvertimeApplication, application.id).status == OvertimeStatus.APPLIED
    assert client.post(f"/staff/overtime/{application.id}/refuse", data={"note": "人手已够"}).status_code == 303
    auth.logout("staff")
    auth.login_staff(desk)
    page = client.get(f"/staff/overtime/{application.id}").get_data(as_text=True)
    assert "人手已够" in page and "badge-ot-refused" in page


def test_the_applicant_reports_the_time_worked_and_the_manager_confirms_it(client, auth, cal, clock):
    desk = builders.create_staff(Role.FRONTDESK)
    application = create_overtime(cal, desk, date(2026, 11, 17), start=(18, 0), minutes=120)
    application.status = OvertimeStatus.APPROVED
    db.session.commit()
    auth.login_staff(desk)
    english(client)
    early = client.post(f"/staff/overtime/{application.id}/report", data={"start": "18:00", "end": "20:30"})
    assert early.status_code == 422 and "later than now" in early.get_data(as_text=True)
    clock.set(datetime(2026, 11, 17, 21, 0, tzinfo=SHANGHAI))
    auth.login_staff(desk)  # hours later: the morning's sign-in has timed out
    reported = client.post(f"/staff/overtime/{application.id}/report", data={"start": "18:00", "end": "20:30"})
    assert reported.status_code == 303 and reported.headers["Location"].endswith(f"/staff/overtime/{application.id}")
    auth.logout("staff")
    sign_in(auth, Role.MANAGER)
    english(client)
    page = client.get(f"/staff/overtime/{application.id}").get_data(as_text=True)
    assert 'value="20:30"' in page  # the confirm form offers what was reported
    bad = client.post(f"/staff/overtime/{application.id}/confirm", data={"start": "19:00", "end": "18:30"})
    assert bad.status_code == 422 and 'value="19:00"' in bad.get_data(as_text=True)
    assert db.session.get(OvertimeApplication, application.id).status == OvertimeStatus.APPROVED
    done = client.post(f"/staff/overtime/{application.id}/confirm", data={"start": "18:00", "end": "20:15"})
    assert done.status_code == 303
    confirmed = db.session.get(OvertimeApplication, application.id)
    assert (confirmed.status, confirmed.worked_minutes) == (CONFIRMED, 135)


def test_the_applicant_cancels_and_a_long_note_is_refused(client, auth, cal):
    desk = sign_in(auth, Role.FRONTDESK)
    application = create_overtime(cal, desk, date(2026, 11, 18))
    english(client)
    long = client.post(f"/staff/overtime/{application.id}/cancel", data={"note": "长" * 501})
    assert long.status_code == 422 and "长" * 501 in long.get_data(as_text=True)
    assert client.post(f"/staff/overtime/{application.id}/cancel", data={"note": "不需要了"}).status_code == 303
    assert db.session.get(OvertimeApplication, application.id).status == OvertimeStatus.CANCELLED


# Totals, sheets and budgets ----------------------------------------------------------------------------------------


def test_the_totals_split_by_rate_and_the_sheet_prints_for_payroll(client, auth, cal):
    desk = builders.create_staff(Role.FRONTDESK)
    desk.display_name = "张前台"
    db.session.commit()
    create_overtime(cal, desk, date(2026, 10, 1), start=(9, 0), minutes=180, status=CONFIRMED)  # 300 %
    create_overtime(cal, desk, date(2026, 10, 5), start=(9, 0), minutes=120, status=CONFIRMED)  # 200 %
    create_overtime(cal, desk, date(2026, 10, 10), start=(18, 0), minutes=90, status=CONFIRMED)  # make-up: 150 %
    sign_in(auth, Role.MANAGER)
    page = client.get("/staff/overtime/totals?month=2026-10").get_data(as_text=True)
    row = page[page.index("张前台") :]
    assert row.index("1.5") < row.index("2.0") < row.index("3.0") < row.index("6.5")
    response = client.get(f"/staff/overtime/sheets/{desk.id}/2026-10.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "张前台" in text and "150%" in text and "200%" in text and "300%" in text and "6.5" in text


def test_a_staff_member_prints_their_own_sheet(client, auth, cal):
    desk = sign_in(auth, Role.FRONTDESK, name="李助理")
    create_overtime(cal, desk, date(2026, 11, 14), start=(9, 0), minutes=240, status=CONFIRMED)
    text = pdf_text(client.get(f"/staff/overtime/sheets/{desk.id}/2026-11.pdf").data)
    assert "李助理" in text and "2026-11-14" in text and "休息日" in text and "4.0" in text


def test_the_lists_keep_their_statement_budget(client, auth, cal, count_queries):
    manager = sign_in(auth, Role.MANAGER)
    desk = builders.create_staff(Role.FRONTDESK)

    def counts():
        found = []
        for url in ("/staff/overtime/?month=2026-11", "/staff/overtime/totals?month=2026-11"):
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            found.append(counter.count)
        return found

    create_overtime(cal, desk, date(2026, 11, 2), status=CONFIRMED)
    before = counts()
    for day in range(3, 12):
        create_overtime(cal, builders.create_staff(Role.SECURITY), date(2026, 11, day), status=CONFIRMED)
        create_overtime(cal, desk, date(2026, 11, day), status=OvertimeStatus.APPROVED)
        create_overtime(cal, manager, date(2026, 11, day + 10))
    assert counts() == before


# The calendar ------------------------------------------------------------------------------------------------------


def test_staff_read_the_calendar_and_only_the_manager_edits_it(client, auth, cal):
    sign_in(auth, Role.CLEANING)
    english(client)
    page = client.get("/staff/overtime/calendar?year=2026").get_data(as_text=True)
    assert "国庆节" in page and "State Council" in page and "/calendar/days" not in page
    assert client.post("/staff/overtime/calendar/days", data={"day": "2027-10-04"}).status_code == 403


def test_the_manager_adds_a_day_with_bad_input_kept_and_removes_it(client, auth, prop):
    sign_in(auth, Role.MANAGER)
    english(client)
    page = client.get("/staff/overtime/calendar").get_data(as_text=True)
    assert "Enter the published days of 2026 and 2027" in page
    weekday = {"day": "2027-10-04", "kind": "working", "name": "国庆节调休"}  # a Monday
    refused = client.post("/staff/overtime/calendar/days", data=weekday)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "it is a working day already" in text and "国庆节调休" in text
    assert db.session.query(CalendarDay).count() == 0
    assert client.post("/staff/overtime/calendar/days", data=weekday | {"kind": "rest"}).status_code == 303
    entry = db.session.query(CalendarDay).one()
    assert (entry.day, entry.kind.value) == (date(2027, 10, 4), "rest")
    assert client.post(f"/staff/overtime/calendar/days/{entry.id}/remove").status_code == 303
    assert db.session.query(CalendarDay).count() == 0
    assert client.post("/staff/overtime/calendar/published").status_code == 303
    assert db.session.query(CalendarDay).count() == 41
    assert "Enter the published days" not in client.get("/staff/overtime/calendar").get_data(as_text=True)


def test_the_menu_leads_every_role_to_overtime(client, auth, cal):
    sign_in(auth, Role.SECURITY)
    assert 'href="/staff/overtime/"' in client.get("/staff/").get_data(as_text=True)
