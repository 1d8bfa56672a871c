"""Every CSV import reads its file through domain.csv_files: a file the csv module refuses (a field past its
field_size_limit) is refused with the line and nothing is imported; NUL bytes and control characters never reach
the database."""

import csv
import io

import pytest
from sqlalchemy import func, select

from domain.accounts.roles import Role
from domain.billing.models import MeterReading
from domain.property.models import Resident, Unit
from extensions import db
from tests import builders

#: One cell longer than the csv module accepts.
TOO_LONG = "x" * (csv.field_size_limit() + 1)


def _upload(client, url, text, **fields):
    """POST `text` as a CSV file to `url`."""
    return client.post(
        url,
        data={**fields, "file": (io.BytesIO(text.encode()), "data.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


@pytest.fixture
def manager(client, auth, prop):
    """The client, signed in as the manager."""
    auth.login_staff(builders.create_staff(Role.MANAGER))
    return client


def test_a_units_file_with_a_field_past_the_csv_limit_imports_nothing(manager):
    text = "building,number,floor,area_m2\n1,0101,1,80\n1,0102,1," + '"' + TOO_LONG + '"\n'
    html = _upload(manager, "/staff/import", text, kind="units").get_data(as_text=True)
    assert "第 3 行无法读取" in html and "131,072" in html
    assert db.session.scalar(select(func.count(Unit.id))) == 0


def test_a_residents_file_with_an_unclosed_huge_quote_imports_nothing(manager, prop):
    builders.create_unit(number="0101")
    text = 'building,unit,name,phone,relation\n1,0101,张三,13900000001,owner\n1,0101,"' + TOO_LONG
    html = _upload(manager, "/staff/import", text, kind="residents").get_data(as_text=True)
    assert "无法读取" in html
    assert db.session.scalar(select(func.count(Resident.id))) == 0


def test_a_meter_readings_file_with_a_field_past_the_csv_limit_imports_nothing(manager, prop):
    builders.create_unit(number="0101")
    builders.create_charge(prop, code="WATER", name="水费", basis="metered", meter_unit="m³")
    text = "unit,charge,period,current\n1-0101,WATER,2026-10,12.5\n1-0101,WATER,2026-11," + TOO_LONG + "\n"
    html = _upload(manager, "/staff/fees/readings/import", text).get_data(as_text=True)
    assert "第 3 行无法读取" in html
    assert db.session.scalar(select(func.count(MeterReading.id))) == 0


def test_nul_bytes_and_control_characters_in_a_csv_never_reach_the_database(manager):
    text = "building,number,floor,area_m2\n1\x00,01\x1b01,1,80\n"
    response = _upload(manager, "/staff/import", text, kind="units")
    assert response.status_code == 200
    assert db.session.scalars(select(Unit.number)).all() == ["0101"]


def test_a_start_date_that_makes_no_sense_is_refused_on_its_line(manager, prop):
    builders.create_unit(number="0101")
    text = "building,unit,name,phone,relation,start_date\n1,0101,张三,13900000001,owner,0001-01-01\n"
    html = _upload(manager, "/staff/import", text, kind="residents").get_data(as_text=True)
    assert "之间的日期" in html
    assert db.session.scalar(select(func.count(Resident.id))) == 0
