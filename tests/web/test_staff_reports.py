"""The monthly report: its figures against a small property counted by hand, who may see it, its PDF and workbook
read back, the manager's summary, and collection calls on a unit's bills page."""

from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.clock import start_of_local_day, today
from domain.dates import month_after, month_before
from domain.errors import DomainError
from domain.incidents.models import Incident, IncidentKind
from domain.reports import monthly
from domain.reports.calls import reason_counts, record_call
from domain.reports.models import CallReason, CollectionCall, MonthlySummary
from domain.tickets import recording
from domain.tickets.models import Severity
from extensions import db
from tests import builders

SYSTEM = Actor.system("test")


def last_month():
    """The first day of the last full month, the report's default."""
    return month_before(today().replace(day=1))


def in_month(first, day=10, hours=10):
    """A UTC moment inside the local month starting on `first`."""
    return start_of_local_day(first.replace(day=day)) + timedelta(hours=hours)


def sign_in(auth, role):
    """Sign in a staff member of `role`."""
    user = builders.create_staff(role)
    auth.login_staff(user)
    return user


@pytest.fixture
def small_property(prop):
    """Last month by hand: 4 bills of ¥100 (2 paid, 1 half paid, 1 unpaid: ¥250 of ¥400, 62.50 %); 3 repairs (2
    forwarded by their deadline, 1 after it), 2 complaints (1 major), 2 collection calls (both forgot) and 1 fire."""
    month = last_month()
    units = [builders.create_unit() for _i in range(4)]
    due = month.replace(day=20)
    for unit, paid in zip(units, (10000, 10000, 5000, 0), strict=True):
        builders.create_bill(unit, total_fen=10000, paid_fen=paid, period=month, due_date=due)
    at = in_month(month)
    for late in (False, False, True):
        ticket = recording.create_ticket(
            SYSTEM, property_id=prop.id, kind="repair", channel="phone", description="漏水", unit_id=units[0].id, now=at
        )
        ticket.dispatched_at = ticket.dispatch_due_at + timedelta(minutes=1 if late else -1)
    for severity in (Severity.MINOR, Severity.MAJOR):
        ticket = recording.create_ticket(
            SYSTEM,
            property_id=prop.id,
            kind="complaint",
            channel="phone",
            description="噪音扰民",
            unit_id=units[1].id,
            category="noise",
            now=at,
        )
        ticket.severity = severity
    for unit in units[:2]:
        db.session.add(
            CollectionCall(property_id=prop.id, unit_id=unit.id, reason=CallReason.FORGOT, called_at=at, note="")
        )
    db.session.add(
        Incident(property_id=prop.id, kind=IncidentKind.FIRE, occurred_at=at, place="1号楼", description="烟感报警")
    )
    # Outside the month: counts nowhere in it.
    builders.create_bill(units[3], total_fen=99900, period=month_after(month), due_date=month_after(month))
    db.session.commit()
    return month, units


def test_the_report_counts_what_the_month_holds(small_property, prop):
    month, _units = small_property
    report = monthly.build_report(prop.id, month)
    assert (report.collection.billed_fen, report.collection.collected_fen) == (40000, 25000)
    assert report.collection.rate_x100 == 6250
    assert report.trend[-1] == (month, 40000, 25000, 6250) and len(report.trend) == monthly.TREND_MONTHS
    assert report.charge_types == [("物业管理费", 40000, 25000, 6250)]
    repairs = [row for row in report.tickets if row[0].value == "repair"]
    assert len(repairs) == 1 and repairs[0][2] == 3 and repairs[0][3]["dispatch"] == (3, 2)
    assert sum(report.complaints.values()) == 2 and report.complaints[("noise", Severity.MAJOR)] == 1
    assert [m.description for m in report.majors] == ["噪音扰民"]
    assert report.call_reasons == {CallReason.FORGOT: 2}
    assert report.incidents == {IncidentKind.FIRE: 1}


def test_the_report_defaults_to_the_last_full_month_and_takes_any_month():
    assert monthly.report_month(None) == last_month()
    assert monthly.report_month("2025-03").isoformat() == "2025-03-01"
    assert monthly.report_month("not-a-month") == last_month()


def test_the_manager_sees_the_report_with_its_charts_in_few_statements(client, auth, small_property, count_queries):
    month, _units = small_property
    sign_in(auth, Role.MANAGER)
    with count_queries() as counter:
        page = client.get(f"/staff/reports/monthly?month={month:%Y-%m}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<svg") >= 4 and "62.50%" in html and "噪音扰民" in html
    assert 'style="' not in html.split("<svg", 1)[1]  # the CSP refuses inline styles: attributes only
    assert counter.count <= 40


@pytest.mark.parametrize("role", [Role.FRONTDESK, Role.ASSISTANT, Role.ENGINEERING, Role.SECURITY, Role.CLEANING])
def test_a_role_without_the_report_is_refused_page_pdf_and_workbook(client, auth, prop, role):
    sign_in(auth, role)
    for url in ("/staff/reports/monthly", "/staff/reports/monthly.pdf", "/staff/reports/monthly.xlsx"):
        assert client.get(url).status_code == 403
    assert client.post("/staff/reports/monthly/summary", data={"text": "x"}).status_code == 403


def test_finance_reads_the_report_but_cannot_write_the_summary(client, auth, prop):
    sign_in(auth, Role.FINANCE)
    page = client.get("/staff/reports/monthly")
    assert page.status_code == 200 and 'name="text"' not in page.get_data(as_text=True)
    assert client.post("/staff/reports/monthly/summary", data={"text": "本月良好"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(MonthlySummary)) == 0


def test_the_pdf_is_in_chinese_with_its_charts(client, auth, small_property):
    month, _units = small_property
    sign_in(auth, Role.MANAGER)
    client.post(f"/staff/reports/monthly/summary?month={month:%Y-%m}", data={"text": "本月收费率偏低，加强催缴。"})
    response = client.get(f"/staff/reports/monthly.pdf?month={month:%Y-%m}&lang=en")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(response.data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "月度运营报告" in text and "收费率" in text and "本月收费率偏低" in text
    assert "62.50%" in text and "90%" in text  # the table and the target line's label on the chart
    content = b"".join(page.get_contents().get_data() for page in reader.pages)
    assert b" re" in content and b" l" in content  # the bars (rectangles) and lines the charts draw


def test_the_workbook_has_one_sheet_per_section(client, auth, small_property):
    month, _units = small_property
    sign_in(auth, Role.FINANCE)
    response = client.get(f"/staff/reports/monthly.xlsx?month={month:%Y-%m}&lang=zh_CN")
    book = load_workbook(BytesIO(response.data))
    assert len(book.sheetnames) >= 10 and book.sheetnames[0] == "经理总结"
    rows = [[cell.value for cell in row] for row in book[book.sheetnames[1]].iter_rows()]
    assert rows[0] == ["月份", "应收", "实收", "收费率"]
    assert rows[12][0] == f"{month:%Y-%m}" and float(rows[12][1]) == 400.0 and rows[12][3] == pytest.approx(0.625)


def test_the_managers_summary_shows_on_the_page(client, auth, prop):
    sign_in(auth, Role.MANAGER)
    month = last_month()
    response = client.post(f"/staff/reports/monthly/summary?month={month:%Y-%m}", data={"text": "本月整体平稳。"})
    assert response.status_code == 303
    assert "本月整体平稳。" in client.get(f"/staff/reports/monthly?month={month:%Y-%m}").get_data(as_text=True)
    client.post(f"/staff/reports/monthly/summary?month={month:%Y-%m}", data={"text": "改写后的总结"})
    assert db.session.scalars(select(MonthlySummary.text)).all() == ["改写后的总结"]


@pytest.mark.parametrize("text", ["", "   ", "长" * 4001])
def test_a_bad_summary_saves_nothing_and_keeps_what_was_typed(client, auth, prop, text):
    sign_in(auth, Role.MANAGER)
    response = client.post("/staff/reports/monthly/summary", data={"text": text})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="text-error"' in html and (not text.strip() or text[:50] in html)
    assert db.session.scalar(select(func.count()).select_from(MonthlySummary)) == 0


def test_an_assistant_records_a_call_and_sees_it_in_the_units_history(client, auth, prop):
    unit = builders.create_unit()
    sign_in(auth, Role.ASSISTANT)
    promised = today() + timedelta(days=7)
    response = client.post(
        f"/staff/billing/units/{unit.id}/calls",
        data={"call-reason": "hardship", "call-promised_on": promised.isoformat(), "call-note": "下月发工资后缴"},
    )
    assert response.status_code == 303
    page = client.get(f"/staff/billing/units/{unit.id}").get_data(as_text=True)
    assert "下月发工资后缴" in page and "经济困难" in page
    assert db.session.scalars(select(CollectionCall.promised_on)).all() == [promised]
    assert reason_counts(prop.id, today().replace(day=1)) == {CallReason.HARDSHIP: 1}


@pytest.mark.parametrize(
    "data, error",
    [
        ({"call-reason": "", "call-note": "没说原因"}, 'id="call-reason-error"'),
        ({"call-reason": "lazy", "call-note": "没说原因"}, 'id="call-reason-error"'),
        (
            {"call-reason": "forgot", "call-promised_on": "1999-01-01", "call-note": "没说原因"},
            "call-promised_on-error",
        ),
        ({"call-reason": "forgot", "call-promised_on": "yesterday", "call-note": "没说原因"}, "call-promised_on-error"),
        ({"call-reason": "forgot", "call-note": "长" * 501}, 'id="call-note-error"'),
    ],
)
def test_a_bad_call_saves_nothing_and_keeps_what_was_typed(client, auth, prop, data, error):
    unit = builders.create_unit()
    sign_in(auth, Role.FINANCE)
    if data.get("call-promised_on") == "YESTERDAY":  # a real day, refused by the rule in the domain
        data = {**data, "call-promised_on": (today() - timedelta(days=1)).isoformat()}
    response = client.post(f"/staff/billing/units/{unit.id}/calls", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error in html and data["call-note"][:20] in html
    assert db.session.scalar(select(func.count()).select_from(CollectionCall)) == 0


def test_a_promise_in_the_past_is_refused_by_the_rule_itself(prop):
    unit = builders.create_unit()
    with pytest.raises(DomainError) as refused:
        record_call(
            Actor(user_id=None, name="t", role=Role.MANAGER, source="test"),
            property_id=prop.id,
            unit_id=unit.id,
            reason="forgot",
            promised_on=today() - timedelta(days=1),
        )
    assert refused.value.field == "promised_on"


def test_the_desk_can_neither_record_nor_see_calls(client, auth, prop):
    unit = builders.create_unit()
    sign_in(auth, Role.FRONTDESK)
    assert client.post(f"/staff/billing/units/{unit.id}/calls", data={"call-reason": "forgot"}).status_code == 403
    assert "call-reason" not in client.get(f"/staff/billing/units/{unit.id}").get_data(as_text=True)


def test_a_chart_is_inline_svg_whatever_prefix_another_module_registered():
    from xml.etree import ElementTree

    from domain.reports import charts

    ElementTree.register_namespace("svg", charts.SVG_NAMESPACE)  # as the QR codes' SVG factory does
    svg = charts.to_svg(charts.collection_chart("收费率", ["1号楼"], [88], 90), "收费率", "t")
    assert svg.startswith("<svg ") and "<svg:" not in svg and 'id="clip-t"' in svg and "font-family=" in svg
