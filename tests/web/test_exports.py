"""Every list exports as on screen: the same rows under the same filters, CSV with a BOM and .xlsx, refused to a role
that cannot see the list, audited, and streamed in constant memory."""

import contextvars
import csv
import gc
import io
import tracemalloc
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from domain.accounts.roles import Role
from domain.audit.models import AuditEntry
from domain.clock import utcnow
from domain.property.models import Property
from extensions import db
from tests import builders
from tests.conftest import IsolatedClient


def fetch(client, url, consume, **kwargs):
    """GET `url` and hand the response, its body not read yet, to `consume` in the request's own context (as a WSGI
    server reads a streamed body); returns (response, what `consume` made of it)."""

    def run():
        response = super(IsolatedClient, client).open(url, buffered=False, **kwargs)
        try:
            return response, consume(response)
        finally:
            response.close()

    result = contextvars.Context().run(run)
    db.session.expire_all()
    return result


def read_csv(response):
    """(header, rows) of a CSV export, checking its BOM."""
    data = response.body
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return rows[0], rows[1:]


def read_xlsx(response):
    """(header, rows, sheet) of an .xlsx export."""
    sheet = load_workbook(io.BytesIO(response.body)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return rows[0], rows[1:], sheet


def export(client, url, fmt, **args):
    """GET an export; asserts it is sent as a private download."""
    response = client.get(f"{url}/export.{fmt}", query_string=args, headers={"Accept-Language": "zh-CN"})
    response.body = response.get_data()
    assert response.status_code == 200, response.body[:300]
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    return response


def export_entries(name):
    """The audit entries of exports of the list `name`."""
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == f"export.{name}")).all()


# The audit log ------------------------------------------------------------------------------------


def _log(count, action="unit.update", summary="1-101"):
    """Insert `count` audit entries of the (first) property at once (core insert)."""
    now = utcnow()
    property_id = db.session.scalar(select(Property.id).order_by(Property.id).limit(1))
    db.session.execute(
        insert(AuditEntry),
        [
            {
                "property_id": property_id,
                "at": now - timedelta(seconds=i),
                "actor_name": "王经理",
                "action": action,
                "object_type": "unit",
                "object_id": i + 1,
                "summary": "=SUM(A1)" if i == 0 else summary,
                "source": "127.0.0.1",
            }
            for i in range(count)
        ],
    )
    db.session.commit()


def test_the_audit_log_exports_its_filtered_rows(client, auth, prop):
    _log(3, "unit.update")
    _log(2, "staff.role_change")
    auth.login_staff(builders.create_staff(Role.MANAGER))
    header, rows = read_csv(export(client, "/staff/audit", "csv", action="unit."))
    assert header[:3] == ["时间", "操作人", "操作"]
    assert len(rows) == 3 and {row[2] for row in rows} == {"unit.update"}
    assert "'=SUM(A1)" in {row[5] for row in rows}  # a cell that Excel would run as a formula is written as text
    header, rows, sheet = read_xlsx(export(client, "/staff/audit", "xlsx", action="staff."))
    assert header[0] == "时间" and sheet["A1"].font.b
    assert len(rows) == 2 and rows[0][2] == "staff.role_change"
    assert rows[0][0].tzinfo is None and sheet["A2"].number_format == "yyyy-mm-dd hh:mm"
    entries = export_entries("audit")
    assert [e.summary for e in entries] == ["audit.csv 3 rows; action=unit.", "audit.xlsx 2 rows; action=staff."]


@pytest.mark.parametrize("role", [Role.FRONTDESK, Role.FINANCE])
def test_a_role_that_cannot_read_the_log_cannot_export_it(client, auth, prop, role):
    auth.login_staff(builders.create_staff(role))
    for fmt in ("csv", "xlsx"):
        assert client.get(f"/staff/audit/export.{fmt}").status_code == 403
    assert export_entries("audit") == []


def test_the_audit_page_links_its_exports_with_its_filter(client, auth, prop):
    _log(1)
    auth.login_staff(builders.create_staff(Role.MANAGER))
    page = client.get("/staff/audit?action=unit.", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "/staff/audit/export.xlsx?action=unit." in page and "导出 Excel" in page and "导出 CSV" in page


def _peak_while_reading(response):
    """The peak of traced memory (bytes) while the response's body is read chunk by chunk, and its size."""
    gc.collect()
    tracemalloc.start()
    try:
        size = sum(len(chunk) for chunk in response.response)
        return tracemalloc.get_traced_memory()[1], size
    finally:
        tracemalloc.stop()


def test_a_100000_row_export_streams_in_constant_memory(client, auth, prop, capsys):
    """The CSV streams a chunk of rows at a time: memory stays that of a chunk, not of the rows. For scale, the same
    100,000 entries loaded as ORM objects are measured too. (The workbook is written in openpyxl's write-only mode,
    row by row to a temporary file; at 100,000 rows it takes about half a minute here, so this test streams CSV.)"""
    total = 100_000
    for _ in range(total // 20_000):
        _log(20_000)
    auth.login_staff(builders.create_staff(Role.MANAGER))
    bound = 30 * 1024 * 1024

    url = "/staff/audit/export.csv?action=unit."
    _response, (csv_peak, size) = fetch(client, url, _peak_while_reading)

    db.session.expunge_all()
    gc.collect()
    tracemalloc.start()
    objects = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "unit.update")).all()
    orm_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(objects) == total
    del objects
    db.session.expunge_all()
    with capsys.disabled():
        print(
            f"\n100,000-row CSV export: peak {csv_peak / 2**20:.1f} MB while {size / 2**20:.1f} MB were sent; "
            f"the rows as ORM objects: {orm_peak / 2**20:.1f} MB"
        )
    assert size > 5 * 2**20
    assert csv_peak < bound < orm_peak
    assert export_entries("audit")[0].summary == f"audit.csv {total} rows; action=unit."


# The register ---------------------------------------------------------------------------------------


def test_residents_export_as_searched_with_their_phones_masked(client, auth, prop):
    unit = builders.create_unit(number="1203")
    builders.create_resident(prop, unit=unit, name="张三", phone="13800001234")
    builders.create_resident(prop, name="李四", phone="13900005678", account=False)
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    header, rows = read_csv(export(client, "/staff/residents", "csv", q="张"))
    assert header == ["姓名", "手机号码", "房屋", "业主端"]
    assert rows == [["张三", "138****1234", "1-1203 业主", "是"]]
    header, rows, _sheet = read_xlsx(export(client, "/staff/residents", "xlsx"))
    assert [row[:2] for row in rows] == [["张三", "138****1234"], ["李四", "139****5678"]]
    assert "13800001234" not in str(rows)
    assert export_entries("residents")[0].summary == "residents.csv 1 rows; q=张"


def test_a_role_that_cannot_see_residents_cannot_export_them(client, auth, prop):
    builders.create_resident(prop, name="张三")
    auth.login_staff(builders.create_staff(Role.ENGINEERING))
    assert client.get("/staff/residents/export.csv").status_code == 403
    assert client.get("/staff/residents/export.xlsx").status_code == 403
    assert export_entries("residents") == []


def test_units_export_as_filtered_and_names_only_for_who_sees_residents(client, auth, prop):
    first = builders.create_unit(number="0101", floor=1, area_x100=8950)
    builders.create_unit(number="0102", floor=1, status=builders.UnitStatus.VACANT)
    builders.create_resident(prop, unit=first, name="张三")
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    header, rows = read_csv(export(client, "/staff/units", "csv", status="occupied"))
    assert header == ["楼栋", "房屋", "楼层", "面积（m²）", "状态", "住户"]
    assert rows == [["1号楼", "0101", "1", "89.50", "已入住", "张三"]]
    header, rows, sheet = read_xlsx(export(client, "/staff/units", "xlsx"))
    assert len(rows) == 2 and Decimal(str(rows[0][3])) == Decimal("89.5") and sheet["D2"].number_format == "0.00"
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.ENGINEERING))
    header, rows = read_csv(export(client, "/staff/units", "csv"))
    assert "住户" not in header and len(rows[0]) == 5
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.CLEANING))
    assert client.get("/staff/units/export.csv").status_code == 403


# Tickets --------------------------------------------------------------------------------------------


def test_tickets_export_the_queue_as_filtered(client, auth, prop):
    from tests.web.test_staff_tickets import dispatched, record

    unit = builders.create_unit(number="1203")
    repair = dispatched(prop, unit=unit)
    help_request = dispatched(prop, kind="help")
    fresh = record(prop, unit=unit)
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    header, rows = read_csv(export(client, "/staff/tickets", "csv", kind="repair"))
    assert header[:3] == ["#", "录入时间", "类型"] and len(header) == 11
    assert [int(row[0]) for row in rows] == [fresh.id, repair.id]
    assert rows[0][4] == "厨房水龙头漏水" and rows[0][5] == "1-1203"
    page = client.get("/staff/tickets/?kind=repair").get_data(as_text=True)
    assert "/staff/tickets/export.csv?" in page and "kind=repair" in page
    _header, rows, _sheet = read_xlsx(export(client, "/staff/tickets", "xlsx", status="any"))
    assert {row[0] for row in rows} == {fresh.id, repair.id, help_request.id}
    assert export_entries("tickets")[0].summary == "tickets.csv 2 rows; kind=repair"


def test_a_department_exports_its_own_queue_only(client, auth, prop):
    from tests.web.test_staff_tickets import dispatched

    repair = dispatched(prop)
    dispatched(prop, kind="help")  # security's
    auth.login_staff(builders.create_staff(Role.ENGINEERING))
    _header, rows = read_csv(export(client, "/staff/tickets", "csv", department="all", status="any"))
    assert [int(row[0]) for row in rows] == [repair.id]


# Arrears --------------------------------------------------------------------------------------------


def test_arrears_export_as_on_screen_with_yuan_and_masked_payers(client, auth, prop):
    from domain.clock import today

    building = builders.create_building(prop, code="2", name="2号楼")
    owing = builders.create_unit(number="0301")
    builders.create_resident(prop, unit=owing, name="张三", phone="13800001234")
    old, recent = today() - timedelta(days=40), today() - timedelta(days=10)
    builders.create_bill(owing, total_fen=22375, period=old.replace(day=1), due_date=old)
    builders.create_bill(owing, total_fen=30050, period=recent.replace(day=1) + timedelta(days=1), due_date=recent)
    elsewhere = builders.create_unit(building=building, number="0101")
    builders.create_bill(elsewhere, total_fen=10000, period=today(), due_date=today() - timedelta(days=5))
    auth.login_staff(builders.create_staff(Role.FINANCE))
    header, rows = read_csv(export(client, "/staff/billing/arrears", "csv"))
    assert header[:3] == ["房屋", "账单", "缴费人"]
    assert [row[0] for row in rows] == ["1-0301", "2-0101"]  # most owed first, as on screen
    assert rows[0][1:8] == ["2", "张三 138****1234", "300.50", "223.75", "0.00", "0.00", "524.25"]
    _header, rows, sheet = read_xlsx(export(client, "/staff/billing/arrears", "xlsx", building=building.id))
    assert [row[0] for row in rows] == ["2-0101"]
    assert Decimal(str(rows[0][7])) == Decimal("100") and sheet["H2"].number_format == "#,##0.00"
    assert [e.summary for e in export_entries("arrears")] == [
        "arrears.csv 2 rows",
        f"arrears.xlsx 1 rows; building={building.id}",
    ]
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.FRONTDESK))  # sees bills, not the collection figures
    assert client.get("/staff/billing/arrears").status_code == 403
    assert client.get("/staff/billing/arrears/export.csv").status_code == 403


# The counter: parcels, stored items, loans ----------------------------------------------------------


def test_waiting_parcels_export_as_filtered(client, auth, prop):
    unit = builders.create_unit(number="1203")
    old = builders.create_parcel(unit, "SF0000000001", arrived_at=utcnow() - timedelta(days=10))
    builders.create_parcel(unit, "YT0000000002")
    builders.create_parcel(unit, "SF0000000003", status="picked_up")
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    header, rows = read_csv(export(client, "/staff/parcels/waiting", "csv"))
    assert header == ["到达", "房屋", "快递单号", "快递公司", "货架", "已通知住户"]
    assert [row[2] for row in rows] == ["SF0000000001", "YT0000000002"] and rows[0][1] == "1-1203"
    _header, rows, _sheet = read_xlsx(export(client, "/staff/parcels/waiting", "xlsx", bucket="7-15"))
    assert [row[2] for row in rows] == [old.tracking_number]
    assert "bucket=7-15" in export_entries("parcels")[1].summary
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.ENGINEERING))
    assert client.get("/staff/parcels/waiting/export.csv").status_code == 403


def test_stored_items_and_loans_export_with_phones_masked(client, auth, prop):
    from domain.clock import today
    from domain.parcels.models import StoredItem

    unit = builders.create_unit(number="1203")
    db.session.add_all(
        [
            StoredItem(
                property_id=prop.id,
                unit_id=unit.id,
                description="一袋衣服",
                depositor_name="王五",
                depositor_phone="13600001111",
                code_hash="x" * 64,
                expires_on=today() + timedelta(days=3),
            ),
            StoredItem(
                property_id=prop.id,
                unit_id=unit.id,
                description="钥匙",
                depositor_name="赵六",
                code_hash="y" * 64,
                expires_on=today() - timedelta(days=1),
            ),
        ]
    )
    db.session.commit()
    loan = builders.create_loan(builders.create_lendable(prop), unit, borrower_name="钱七", deposit_fen=10050)
    loan.borrower_phone = "13700002222"
    db.session.commit()
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    _header, rows = read_csv(export(client, "/staff/storage", "csv"))
    assert [row[:4] for row in rows] == [["1-1203", "一袋衣服", "王五", "136****1111"], ["1-1203", "钥匙", "赵六", ""]]
    _header, rows = read_csv(export(client, "/staff/storage", "csv", overdue=1))
    assert [row[1] for row in rows] == ["钥匙"]
    header, rows, sheet = read_xlsx(export(client, "/staff/lending", "xlsx"))
    assert header[0] == "物品" and rows[0][:4] == ["折叠梯", "1-1203", "钱七", "137****2222"]
    assert Decimal(str(rows[0][6])) == Decimal("100.50") and sheet["G2"].number_format == "#,##0.00"
    assert [e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "export"))] == [
        "export.storage",
        "export.storage",
        "export.loans",
    ]
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.FINANCE))
    assert client.get("/staff/storage/export.csv").status_code == 403
    assert client.get("/staff/lending/export.xlsx").status_code == 403


# Renovations ----------------------------------------------------------------------------------------


def test_renovations_export_as_filtered_without_drafts(client, auth, prop):
    from domain.clock import today
    from domain.renovation.models import RenovationApplication, RenovationStatus

    unit = builders.create_unit(number="1203")
    owner = builders.create_resident(prop, unit=unit)

    def application(status, company):
        row = RenovationApplication(
            property_id=prop.id,
            unit_id=unit.id,
            resident_id=owner.id,
            status=status,
            contractor_company=company,
            planned_start=today(),
            planned_end=today() + timedelta(days=30),
            submitted_at=utcnow(),
        )
        db.session.add(row)
        db.session.commit()
        return row

    application(RenovationStatus.DRAFT, "草稿装修")
    submitted = application(RenovationStatus.SUBMITTED, "好家装饰")
    closed = application(RenovationStatus.CLOSED, "旧家装饰")
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    header, rows = read_csv(export(client, "/staff/renovations", "csv"))
    assert header[:3] == ["#", "房屋", "状态"]
    assert [row[:3] for row in rows] == [[str(submitted.id), "1-1203", "等待前台审核"]]
    assert rows[0][3] == today().isoformat() and rows[0][5] == "好家装饰"
    _header, rows, _sheet = read_xlsx(export(client, "/staff/renovations", "xlsx", status="any"))
    assert [row[0] for row in rows] == [closed.id, submitted.id]
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.CLEANING))
    assert client.get("/staff/renovations/export.csv").status_code == 403


# Callbacks ------------------------------------------------------------------------------------------


def test_callbacks_export_with_the_residents_phone_masked(client, auth, prop):
    from domain.accounts.models import Actor
    from domain.tickets import desk, steps
    from tests.web.test_staff_tickets import claimed_by

    unit = builders.create_unit(number="1203")
    owner = builders.create_resident(prop, unit=unit, name="王芳", phone="13800138000")
    engineer = builders.create_staff(Role.ENGINEERING)
    ticket = claimed_by(prop, engineer, unit=unit, resident=owner)
    steps.finish(Actor.for_user(engineer, "test"), ticket, summary="已修好")
    db.session.commit()
    assert desk.callback_for(ticket.id) is not None
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    header, rows = read_csv(export(client, "/staff/callbacks", "csv"))
    assert header[0] == "回访期限" and len(rows) == 1
    assert rows[0][1] == str(ticket.id) and rows[0][4] == "1-1203" and rows[0][7:] == ["王芳", "138****8000"]
    assert "callbacks/export.xlsx" in client.get("/staff/callbacks").get_data(as_text=True)
    auth.logout("staff")
    auth.login_staff(engineer)
    assert client.get("/staff/callbacks/export.xlsx").status_code == 403
    assert len(export_entries("callbacks")) == 1


# Bills and payments ---------------------------------------------------------------------------------


def test_the_months_bills_and_payments_export(client, auth, prop):
    from domain.clock import today
    from domain.payments.models import Payment

    month = today().replace(day=1)
    unit = builders.create_unit(number="1203")
    builders.create_resident(prop, unit=unit)
    bill = builders.create_bill(unit, total_fen=22375, period=month, due_date=month + timedelta(days=27))
    builders.create_bill(unit, total_fen=9900, period=(month - timedelta(days=1)).replace(day=1))
    auth.login_staff(builders.create_staff(Role.FINANCE))
    response = client.post(
        f"/staff/billing/units/{unit.id}/payments", data={"bill_ids": [bill.id], "method": "cash", "amount": "100.5"}
    )
    assert response.status_code == 303
    payment = db.session.scalars(select(Payment)).one()
    header, rows = read_csv(export(client, "/staff/billing/bills", "csv", period=f"{month:%Y-%m}"))
    assert header[0] == "房屋" and len(rows) == 1
    assert rows[0][0] == "1-1203" and rows[0][4:] == ["223.75", "100.50", "123.25"]
    header, rows, sheet = read_xlsx(export(client, "/staff/billing/payments", "xlsx", period=f"{month:%Y-%m}"))
    assert header[:4] == ["日期", "房屋", "支付方式", "金额"]
    assert rows == [[rows[0][0], "1-1203", "现金", 100.5, None, None, payment.receipt.number]]
    assert sheet["D2"].number_format == "#,##0.00"
    page = client.get("/staff/billing/").get_data(as_text=True)
    assert f"/staff/billing/payments/export.csv?period={month:%Y-%m}" in page
    assert [e.summary for e in export_entries("bills")] == [f"bills.csv 1 rows; period={month:%Y-%m}"]
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.FRONTDESK))  # takes payments, does not see the month's figures
    assert client.get("/staff/billing/bills/export.csv").status_code == 403
    assert client.get("/staff/billing/payments/export.xlsx").status_code == 403
