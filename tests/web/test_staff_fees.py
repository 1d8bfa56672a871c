"""Console pages of the fee schedule, meter readings, billing runs and late fees."""

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from domain.accounts.roles import Role
from domain.billing.models import (
    Bill,
    BillingRun,
    BillLine,
    ChargeRate,
    ChargeType,
    ChargeUnit,
    LateFeePolicy,
    LineKind,
    MeterReading,
    RunStatus,
)
from domain.billing.schedule import month_after, period_label
from domain.clock import today
from extensions import db
from tests import builders

PERIOD = "2026-11"
DUE = "2026-11-30"


@pytest.fixture
def finance(client, auth, prop):
    """Signed in as finance."""
    user = builders.create_staff(Role.FINANCE)
    auth.login_staff(user)
    return user


@pytest.fixture
def water(prop):
    """A metered water charge at ¥3.45 a tonne."""
    return builders.create_charge(prop, "WATER", "水费", "metered", 345, meter_unit="吨")


@pytest.fixture
def schedule(prop, water):
    """Three units billed ¥2.50 per m²; water read for the first one in November 2026."""
    units = [builders.create_unit(area_x100=area) for area in (8950, 12000, 6033)]
    builders.create_charge(prop, "PM", "物业管理费", "per_area", 250)
    db.session.add(
        MeterReading(
            unit_id=units[0].id,
            charge_type_id=water.id,
            period=date(2026, 11, 1),
            previous_x100=10000,
            current_x100=11250,
        )
    )
    db.session.commit()
    return units


def errors_in(response):
    """The number of field error messages on a page, and the page."""
    html = response.get_data(as_text=True)
    return html.count('class="error"'), html


def count(model):
    """How many rows `model` has."""
    return db.session.scalar(select(func.count()).select_from(model))


def names_line(html, line):
    """Whether an import error names `line` (in English until the message is translated)."""
    return f"Line {line}" in html or f"第 {line} 行" in html


# The fee schedule -------------------------------------------------------------------------------


def test_empty_schedule_invites_to_add_a_charge(client, finance):
    html = client.get("/staff/fees/").get_data(as_text=True)
    assert 'class="empty"' in html and 'href="/staff/fees/new"' in html


def test_add_a_charge_per_m2_and_see_it_in_the_schedule(client, finance):
    response = client.post(
        "/staff/fees/new",
        data={
            "code": "pm",
            "name": "物业管理费",
            "basis": "per_area",
            "rate": "2.50",
            "effective_from": "2026-01-01",
            "scope": "all",
            "building_id": "0",
        },
    )
    assert response.status_code == 303
    charge = db.session.scalars(select(ChargeType)).one()
    assert (charge.code, charge.name, charge.basis.value, charge.scope.value) == ("PM", "物业管理费", "per_area", "all")
    assert [(r.rate_fen, r.effective_from) for r in charge.rates] == [(250, date(2026, 1, 1))]
    html = client.get("/staff/fees/").get_data(as_text=True)
    assert "物业管理费" in html and "¥2.50" in html


def test_charge_form_bad_input_explains_and_keeps_what_was_typed(client, finance):
    count_errors, html = errors_in(
        client.post(
            "/staff/fees/new",
            data={
                "code": "P M",
                "name": "停车费",
                "basis": "metered",
                "rate": "2.555",
                "effective_from": "",
                "scope": "all",
                "building_id": "0",
            },
        )
    )
    # the code, the rate, the date and the meter unit a metered charge needs
    assert count_errors == 4
    assert 'value="P M"' in html and 'value="停车费"' in html and 'value="2.555"' in html
    assert count(ChargeType) == 0


def test_charge_rate_must_be_more_than_zero(client, finance):
    count_errors, html = errors_in(
        client.post(
            "/staff/fees/new",
            data={
                "code": "FREE",
                "name": "免费",
                "basis": "per_unit",
                "rate": "0",
                "effective_from": "2026-01-01",
                "scope": "all",
            },
        )
    )
    assert count_errors == 1 and 'value="FREE"' in html
    assert count(ChargeType) == 0


def test_charge_for_listed_units_names_the_units_not_in_the_register(client, finance, prop):
    unit = builders.create_unit(number="1201")
    data = {
        "code": "PARK",
        "name": "车位管理费",
        "basis": "per_unit",
        "rate": "150",
        "effective_from": "2026-01-01",
        "scope": "units",
        "building_id": "0",
        "unit_labels": "1-1201, 9-9999",
    }
    count_errors, html = errors_in(client.post("/staff/fees/new", data=data))
    assert count_errors == 1 and "9-9999" in html and "1-1201, 9-9999</textarea>" in html
    assert count(ChargeType) == 0
    assert client.post("/staff/fees/new", data=dict(data, unit_labels="1-1201")).status_code == 303
    assert db.session.scalars(select(ChargeUnit.unit_id)).all() == [unit.id]
    assert "车位管理费" in client.get("/staff/fees/").get_data(as_text=True)


def test_charge_for_a_building_needs_the_building(client, finance):
    count_errors, html = errors_in(
        client.post(
            "/staff/fees/new",
            data={
                "code": "LIFT",
                "name": "电梯费",
                "basis": "per_unit",
                "rate": "20",
                "effective_from": "2026-01-01",
                "scope": "building",
                "building_id": "0",
            },
        )
    )
    assert count_errors == 1 and 'value="电梯费"' in html
    assert count(ChargeType) == 0


def test_a_code_already_used_is_refused_on_its_field(client, finance, water):
    count_errors, html = errors_in(
        client.post(
            "/staff/fees/new",
            data={
                "code": "water",
                "name": "又一个水费",
                "basis": "per_unit",
                "rate": "1",
                "effective_from": "2026-01-01",
                "scope": "all",
            },
        )
    )
    assert count_errors == 1 and 'value="又一个水费"' in html
    assert count(ChargeType) == 1


def test_edit_a_charge_renames_rescopes_and_switches_it_off(client, finance, prop, water):
    building = builders.create_building(prop, code="2")
    page = client.get(f"/staff/fees/{water.id}/edit").get_data(as_text=True)
    assert 'value="水费"' in page and 'value="吨"' in page
    response = client.post(
        f"/staff/fees/{water.id}/edit",
        data={"name": "自来水费", "meter_unit": "m³", "scope": "building", "building_id": str(building.id)},
    )
    assert response.status_code == 303
    charge = db.session.get(ChargeType, water.id)
    assert (charge.name, charge.meter_unit, charge.scope.value, charge.building_id, charge.is_active) == (
        "自来水费",
        "m³",
        "building",
        building.id,
        False,
    )


def test_edit_a_charge_bad_input_keeps_what_was_typed(client, finance, water):
    count_errors, html = errors_in(
        client.post(
            f"/staff/fees/{water.id}/edit",
            data={
                "name": "",
                "meter_unit": "立方米立方米立方米立方米立方米立方米",
                "scope": "units",
                "building_id": "0",
                "unit_labels": "",
                "is_active": "y",
            },
        )
    )
    assert count_errors == 2 and 'value="立方米立方米立方米立方米立方米立方米"' in html
    count_errors, html = errors_in(
        client.post(
            f"/staff/fees/{water.id}/edit",
            data={
                "name": "新水费",
                "meter_unit": "吨",
                "scope": "units",
                "building_id": "0",
                "unit_labels": "",
                "is_active": "y",
            },
        )
    )
    assert count_errors == 1 and 'value="新水费"' in html  # the domain wants at least one unit
    assert db.session.get(ChargeType, water.id).name == "水费"


def test_add_a_rate_from_a_date_and_refuse_a_second_one_that_day(client, finance, water):
    response = client.post(
        f"/staff/fees/{water.id}/rates", data={"rate-rate": "3.80", "rate-effective_from": "2027-01-01"}
    )
    assert response.status_code == 303 and response.headers["Location"] == f"/staff/fees/{water.id}/edit"
    rates = db.session.scalars(select(ChargeRate).order_by(ChargeRate.effective_from)).all()
    assert [(r.rate_fen, r.effective_from) for r in rates] == [(345, date(2020, 1, 1)), (380, date(2027, 1, 1))]
    count_errors, html = errors_in(
        client.post(f"/staff/fees/{water.id}/rates", data={"rate-rate": "4", "rate-effective_from": "2027-01-01"})
    )
    assert count_errors == 1 and 'value="4"' in html
    count_errors, html = errors_in(
        client.post(f"/staff/fees/{water.id}/rates", data={"rate-rate": "abc", "rate-effective_from": "2028-01-01"})
    )
    assert count_errors == 1 and 'value="abc"' in html
    assert count(ChargeRate) == 2


def test_bill_a_one_off_charge_to_a_unit(client, finance, prop):
    unit = builders.create_unit(number="0808", floor=8)
    deposit = builders.create_charge(prop, "DEPOSIT", "装修押金", "one_off", 200000)
    data = {"charge_type_id": str(deposit.id), "unit_label": "1-0808", "due_date": "2026-12-31", "note": "装修"}
    assert client.post("/staff/fees/one-off", data=data).status_code == 303
    bill = db.session.scalars(select(Bill)).one()
    assert (bill.unit_id, bill.period, bill.total_fen, bill.due_date, bill.title) == (
        unit.id,
        None,
        200000,
        date(2026, 12, 31),
        "装修押金",
    )
    assert bill.lines[0].detail == "装修"


def test_one_off_charge_bad_unit_keeps_what_was_typed(client, finance, prop):
    deposit = builders.create_charge(prop, "DEPOSIT", "装修押金", "one_off", 200000)
    count_errors, html = errors_in(
        client.post(
            "/staff/fees/one-off",
            data={
                "charge_type_id": str(deposit.id),
                "unit_label": "9-0101",
                "due_date": "2026-12-31",
                "note": "客厅",
            },
        )
    )
    assert count_errors == 1 and 'value="9-0101"' in html and 'value="客厅"' in html
    count_errors, html = errors_in(
        client.post(
            "/staff/fees/one-off",
            data={
                "charge_type_id": str(deposit.id),
                "unit_label": "1-0101",
                "due_date": "soon",
            },
        )
    )
    assert count_errors == 1 and 'value="soon"' in html
    assert count(Bill) == 0


# Who may use the pages --------------------------------------------------------------------------

#: (method, URL template) of every fee page.
FEE_PAGES = [
    ("GET", "/staff/fees/"),
    ("GET", "/staff/fees/new"),
    ("GET", "/staff/fees/{charge}/edit"),
    ("POST", "/staff/fees/{charge}/rates"),
    ("POST", "/staff/fees/one-off"),
    ("GET", "/staff/fees/readings"),
    ("POST", "/staff/fees/readings/import"),
    ("GET", "/staff/fees/runs"),
    ("POST", "/staff/fees/runs/preview"),
    ("POST", "/staff/fees/runs"),
    ("POST", "/staff/fees/runs/{run}/reverse"),
    ("GET", "/staff/fees/late-fees"),
    ("POST", "/staff/fees/late-fees/post"),
]
READINGS = {"/staff/fees/readings", "/staff/fees/readings/import"}


@pytest.fixture
def urls(prop, water):
    """The fee pages' URLs for an existing charge and run."""
    run = BillingRun(property_id=prop.id, period=date(2026, 11, 1), due_date=date(2026, 11, 30), status=RunStatus.DONE)
    db.session.add(run)
    db.session.commit()
    return [(method, url.format(charge=water.id, run=run.id)) for method, url in FEE_PAGES]


@pytest.mark.parametrize("role", [Role.FINANCE, Role.MANAGER], ids=lambda r: r.value)
def test_finance_and_manager_use_every_fee_page(client, auth, urls, role):
    auth.login_staff(builders.create_staff(role))
    for method, url in urls:
        response = client.open(url, method=method, data={})
        assert response.status_code < 400, f"{role.value} {method} {url}: {response.status_code}"


@pytest.mark.parametrize("role", [Role.FRONTDESK, Role.ASSISTANT, Role.SECURITY, Role.CLEANING], ids=lambda r: r.value)
def test_other_roles_get_403_on_every_fee_page(client, auth, urls, role):
    auth.login_staff(builders.create_staff(role))
    for method, url in urls:
        assert client.open(url, method=method, data={}).status_code == 403, f"{role.value} {method} {url}"


def test_engineering_enters_readings_but_sees_no_schedule_or_runs(client, auth, urls):
    auth.login_staff(builders.create_staff(Role.ENGINEERING))
    for method, url in urls:
        response = client.open(url, method=method, data={})
        if url in READINGS:
            assert response.status_code < 400, url
        else:
            assert response.status_code == 403, url
    html = client.get("/staff/fees/readings").get_data(as_text=True)
    assert "/staff/fees/runs" not in html and 'href="/staff/fees/"' not in html
    builders.create_unit(number="0909", floor=9)
    water = db.session.scalars(select(ChargeType)).one()
    response = client.post(
        f"/staff/fees/readings?period={PERIOD}",
        data={"period": PERIOD, "unit_label": "1-0909", "charge_type_id": str(water.id), "current": "42"},
    )
    assert response.status_code == 303 and count(MeterReading) == 1


# Meter readings ---------------------------------------------------------------------------------


def test_enter_a_reading_with_last_months_value_as_the_previous_one(client, finance, water):
    unit = builders.create_unit(number="1203")
    db.session.add(
        MeterReading(
            unit_id=unit.id, charge_type_id=water.id, period=date(2026, 10, 1), previous_x100=0, current_x100=12050
        )
    )
    db.session.commit()
    response = client.post(
        f"/staff/fees/readings?period={PERIOD}",
        data={
            "period": PERIOD,
            "unit_label": "1-1203",
            "charge_type_id": str(water.id),
            "previous": "",
            "current": "132.00",
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == f"/staff/fees/readings?period={PERIOD}"
    reading = db.session.scalars(select(MeterReading).filter_by(period=date(2026, 11, 1))).one()
    assert (reading.previous_x100, reading.current_x100) == (12050, 13200)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1-1203" in html and "120.50" in html and "11.50" in html


def test_reading_bad_input_keeps_what_was_typed(client, finance, water):
    builders.create_unit(number="1203")
    count_errors, html = errors_in(
        client.post(
            f"/staff/fees/readings?period={PERIOD}",
            data={
                "period": PERIOD,
                "unit_label": "1-1203",
                "charge_type_id": str(water.id),
                "previous": "150",
                "current": "140",
            },
        )
    )
    assert count_errors == 1 and 'value="150"' in html and 'value="140"' in html
    count_errors, html = errors_in(
        client.post(
            f"/staff/fees/readings?period={PERIOD}",
            data={
                "period": PERIOD,
                "unit_label": "1-9999",
                "charge_type_id": str(water.id),
                "previous": "",
                "current": "12.345",
            },
        )
    )
    assert count_errors == 1 and 'value="1-9999"' in html and 'value="12.345"' in html
    count_errors, html = errors_in(
        client.post(
            f"/staff/fees/readings?period={PERIOD}",
            data={
                "period": PERIOD,
                "unit_label": "1-9999",
                "charge_type_id": str(water.id),
                "previous": "",
                "current": "12",
            },
        )
    )
    assert count_errors == 1 and "1-9999" in html
    assert count(MeterReading) == 0


def test_readings_page_defaults_to_this_month_and_survives_a_bad_month(client, finance, water):
    html = client.get("/staff/fees/readings").get_data(as_text=True)
    assert f'value="{period_label(today())}"' in html
    response = client.get("/staff/fees/readings?period=2026-13")
    assert response.status_code == 200 and "alert-error" in response.get_data(as_text=True)


def test_csv_import_writes_every_reading(client, finance, water):
    builders.create_unit(number="1201")
    builders.create_unit(number="1202")
    csv = "房号,费项,期间,上期读数,本期读数\n1-1201,WATER,2026-11,100,112.5\n1-1202,water,2026-11,,80.25\n".encode()
    response = client.post(
        "/staff/fees/readings/import",
        data={"file": (io.BytesIO(csv), "readings.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert sorted(db.session.scalars(select(MeterReading.current_x100))) == [8025, 11250]


def test_csv_import_with_a_bad_line_writes_nothing_and_names_the_line(client, finance, water):
    builders.create_unit(number="1201")
    csv = b"unit,charge,period,previous,current\n1-1201,WATER,2026-11,100,112.5\n1-1201,WATER,2026-12,112.5,abc\n"
    response = client.post(
        "/staff/fees/readings/import",
        data={"file": (io.BytesIO(csv), "readings.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and names_line(html, 3) and not names_line(html, 2)
    assert count(MeterReading) == 0


def test_csv_import_needs_a_csv_file(client, finance):
    count_errors, _html = errors_in(
        client.post("/staff/fees/readings/import", data={}, content_type="multipart/form-data")
    )
    assert count_errors == 1
    count_errors, _html = errors_in(
        client.post(
            "/staff/fees/readings/import",
            data={"file": (io.BytesIO(b"x"), "r.xlsx")},
            content_type="multipart/form-data",
        )
    )
    assert count_errors == 1


# Billing runs -----------------------------------------------------------------------------------


def test_preview_shows_the_totals_and_writes_nothing(client, finance, schedule):
    html = client.post("/staff/fees/runs/preview", data={"period": PERIOD, "due_date": DUE}).get_data(as_text=True)
    # ¥223.75 + ¥43.13 water, ¥300.00, ¥150.83
    assert "¥717.71" in html and "¥43.13" in html
    assert 'name="period" value="2026-11"' in html and 'value="2026-11-30"' in html
    assert count(Bill) == 0 and count(BillingRun) == 0


def test_preview_bad_month_keeps_what_was_typed(client, finance, schedule):
    count_errors, html = errors_in(client.post("/staff/fees/runs/preview", data={"period": "11/2026", "due_date": DUE}))
    assert count_errors == 1 and 'value="11/2026"' in html
    count_errors, html = errors_in(
        client.post("/staff/fees/runs/preview", data={"period": PERIOD, "due_date": "2026-10-01"})
    )
    assert count_errors == 1 and 'value="2026-10-01"' in html


def test_start_creates_the_bills_and_a_second_start_no_duplicates(client, finance, schedule):
    response = client.post("/staff/fees/runs", data={"period": PERIOD, "due_date": DUE})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/fees/runs"
    assert count(Bill) == 3
    run = db.session.scalars(select(BillingRun)).one()
    assert (run.status, run.bill_count, run.total_fen, run.due_date) == (RunStatus.DONE, 3, 71771, date(2026, 11, 30))
    html = client.get("/staff/fees/runs").get_data(as_text=True)
    assert "账单 3 笔" in html and "¥717.71" in html
    client.post("/staff/fees/runs", data={"period": PERIOD, "due_date": DUE})
    assert count(Bill) == 3 and count(BillingRun) == 1


def test_start_refuses_a_month_without_charges(client, finance, prop):
    builders.create_unit()
    html = client.post("/staff/fees/runs", data={"period": PERIOD, "due_date": DUE}).get_data(as_text=True)
    assert "alert-error" in html and 'value="2026-11"' in html
    assert count(BillingRun) == 0


def test_runs_page_offers_next_month_once_this_month_is_billed(client, finance, schedule):
    this_month = today().replace(day=1)
    assert f'value="{period_label(this_month)}"' in client.get("/staff/fees/runs").get_data(as_text=True)
    client.post("/staff/fees/runs", data={"period": period_label(this_month), "due_date": str(month_after(this_month))})
    assert f'value="{period_label(month_after(this_month))}"' in client.get("/staff/fees/runs").get_data(as_text=True)


def test_reverse_a_run_deletes_its_bills(client, finance, schedule):
    client.post("/staff/fees/runs", data={"period": PERIOD, "due_date": DUE})
    run = db.session.scalars(select(BillingRun)).one()
    unconfirmed = client.post(f"/staff/fees/runs/{run.id}/reverse", data={})
    assert unconfirmed.status_code == 303 and count(Bill) == 3
    assert client.post(f"/staff/fees/runs/{run.id}/reverse", data={"confirm": "y"}).status_code == 303
    assert count(Bill) == 0 and db.session.get(BillingRun, run.id).status == RunStatus.REVERSED
    # the month can be billed again
    client.post("/staff/fees/runs", data={"period": PERIOD, "due_date": DUE})
    assert count(Bill) == 3


def test_reverse_is_refused_once_a_bill_is_paid(client, finance, schedule):
    client.post("/staff/fees/runs", data={"period": PERIOD, "due_date": DUE})
    run = db.session.scalars(select(BillingRun)).one()
    bill = db.session.scalars(select(Bill)).first()
    bill.paid_fen = 100
    db.session.commit()
    response = client.post(f"/staff/fees/runs/{run.id}/reverse", data={"confirm": "y"}, follow_redirects=True)
    assert "alert-error" in response.get_data(as_text=True)
    assert count(Bill) == 3 and db.session.get(BillingRun, run.id).status == RunStatus.DONE


# Late fees --------------------------------------------------------------------------------------


def test_save_the_late_fee_policy(client, finance, prop):
    response = client.post(
        "/staff/fees/late-fees",
        data={"enabled": "y", "daily_rate_per_10000": "5", "grace_days": "10", "cap_percent": "20"},
    )
    assert response.status_code == 303
    policy = db.session.scalars(select(LateFeePolicy)).one()
    assert (policy.enabled, policy.daily_rate_per_10000, policy.grace_days, policy.cap_percent) == (True, 5, 10, 20)


def test_late_fee_policy_bad_input_keeps_what_was_typed(client, finance, prop):
    count_errors, html = errors_in(
        client.post(
            "/staff/fees/late-fees",
            data={"enabled": "y", "daily_rate_per_10000": "five", "grace_days": "-1", "cap_percent": "150"},
        )
    )
    assert count_errors == 3 and 'value="five"' in html and 'value="150"' in html
    assert count(LateFeePolicy) == 0


def test_late_fees_preview_then_post_adds_a_late_fee_line(client, finance, prop):
    unit = builders.create_unit(number="0505", floor=5)
    bill = builders.create_bill(unit, total_fen=22375, period=date(2020, 1, 1), due_date=date(2020, 1, 31))
    db.session.add(
        LateFeePolicy(property_id=prop.id, enabled=True, daily_rate_per_10000=5, grace_days=15, cap_percent=10)
    )
    db.session.commit()
    html = client.get("/staff/fees/late-fees").get_data(as_text=True)
    # long overdue: the fee has reached its cap, 10 % of ¥223.75
    assert "1-0505" in html and "¥22.37" in html and "2020-01" in html
    assert count(BillLine) == 1
    assert client.post("/staff/fees/late-fees/post").status_code == 303
    lines = db.session.scalars(select(BillLine).filter_by(bill_id=bill.id, kind=LineKind.LATE_FEE)).all()
    assert [(line.description, line.amount_fen) for line in lines] == [("滞纳金", 2237)]
    assert db.session.get(Bill, bill.id).total_fen == 22375 + 2237
    # posting again adds nothing
    client.post("/staff/fees/late-fees/post")
    assert count(BillLine) == 2
