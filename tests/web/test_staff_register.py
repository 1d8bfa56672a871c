"""Console forms of the register: good input saves and is audited; bad input explains, keeps, saves nothing."""

import io
from datetime import date

import pytest

from domain.accounts.roles import Role
from domain.audit.models import AuditEntry
from domain.property.models import Building, Occupancy, Resident, Unit, UnitStatus
from extensions import db
from tests import builders


@pytest.fixture
def desk(client, auth, prop):
    """Signed in as front desk."""
    user = builders.create_staff(Role.FRONTDESK)
    auth.login_staff(user)
    return user


def errors_in(response):
    """The field error messages on a page."""
    html = response.get_data(as_text=True)
    return html.count('class="error"'), html


def test_create_building_and_refuse_a_duplicate_code(client, desk):
    assert client.post("/staff/buildings/new", data={"code": "7", "name": "7号楼", "floors": "30"}).status_code == 303
    count, html = errors_in(client.post("/staff/buildings/new", data={"code": "7", "name": "又一个", "floors": "30"}))
    assert count == 1 and 'value="又一个"' in html
    assert db.session.query(Building).filter_by(code="7").count() == 1


def test_building_form_bad_input(client, desk):
    count, html = errors_in(client.post("/staff/buildings/new", data={"code": "", "name": "新楼", "floors": "0"}))
    assert count == 2 and 'value="新楼"' in html
    assert db.session.query(Building).count() == 1


def test_create_unit_and_find_it(client, desk):
    building = db.session.query(Building).one()
    response = client.post(
        "/staff/units/new",
        data={"building_id": building.id, "number": "1508", "floor": "15", "area": "120.5", "status": "vacant"},
    )
    assert response.status_code == 303
    unit = db.session.query(Unit).filter_by(number="1508").one()
    assert unit.area_x100 == 12050 and unit.status == UnitStatus.VACANT
    assert "1508" in client.get("/staff/units/?q=1-1508").get_data(as_text=True)
    assert db.session.query(AuditEntry).filter_by(action="unit.create", object_id=unit.id).count() == 1


def test_unit_form_bad_input(client, desk):
    building = db.session.query(Building).one()
    count, html = errors_in(
        client.post(
            "/staff/units/new",
            data={"building_id": building.id, "number": "12 03", "floor": "x", "area": "-1", "status": "vacant"},
        )
    )
    assert count == 3
    assert 'value="12 03"' in html and 'value="-1"' in html
    assert "面积" in html
    assert db.session.query(Unit).count() == 0


def test_unit_edit_refuses_a_number_taken_in_the_building(client, desk):
    builders.create_unit(number="0101", floor=1)
    other = builders.create_unit(number="0102", floor=1)
    count, html = errors_in(
        client.post(
            f"/staff/units/{other.id}/edit",
            data={"number": "0101", "floor": "1", "area": "89.50", "status": "occupied"},
        )
    )
    assert count == 1 and 'value="0101"' in html
    assert db.session.get(Unit, other.id).number == "0102"


def test_register_a_resident_straight_into_a_unit(client, desk, prop):
    unit = builders.create_unit(number="0606", floor=6, status=UnitStatus.VACANT)
    response = client.post(
        "/staff/residents/new",
        data={
            "name": "王五",
            "phone": "13800138000",
            "id_number": "11010519491231002X",
            "occ-unit_label": "1-0606",
            "occ-relation": "owner",
            "occ-start_date": "2025-03-01",
        },
    )
    assert response.status_code == 303
    resident = db.session.query(Resident).filter_by(name="王五").one()
    assert resident.id_number_masked == "1*************002X"
    assert db.session.query(Occupancy).filter_by(resident_id=resident.id, unit_id=unit.id).one().start_date == date(
        2025, 3, 1
    )
    assert db.session.get(Unit, unit.id).status == UnitStatus.OCCUPIED
    # The full ID number is nowhere: not in the page, not in the audit log.
    assert "11010519491231002X" not in client.get(f"/staff/residents/{resident.id}").get_data(as_text=True)
    assert not any("11010519491231002X" in (e.summary + str(e.changes)) for e in db.session.query(AuditEntry))


def test_resident_form_bad_input_and_unknown_unit(client, desk):
    count, html = errors_in(
        client.post(
            "/staff/residents/new",
            data={
                "name": "",
                "phone": "555",
                "id_number": "110105194912310021",
                "occ-unit_label": "9-9999",
                "occ-relation": "owner",
                "occ-start_date": "2025-03-01",
            },
        )
    )
    assert count == 3 and 'value="555"' in html and 'value="9-9999"' in html
    count, html = errors_in(
        client.post(
            "/staff/residents/new",
            data={
                "name": "赵六",
                "phone": "13800138000",
                "occ-unit_label": "9-9999",
                "occ-relation": "owner",
                "occ-start_date": "2025-03-01",
            },
        )
    )
    assert count == 1 and "9-9999" in html and 'value="赵六"' in html
    assert db.session.query(Resident).count() == 0


def test_edit_resident_keeps_the_id_number_when_left_blank(client, desk, prop):
    resident = builders.create_resident(prop, account=False)
    response = client.post(
        f"/staff/residents/{resident.id}", data={"name": "新名字", "phone": "13800138001", "id_number": ""}
    )
    assert response.status_code == 303
    resident = db.session.get(Resident, resident.id)
    assert resident.name == "新名字" and resident.id_number_masked == "2*************1234"


def test_add_occupancy_and_record_move_out(client, desk, prop):
    unit = builders.create_unit(number="0707", floor=7, status=UnitStatus.VACANT)
    resident = builders.create_resident(prop, account=False)
    bad = client.post(
        f"/staff/residents/{resident.id}/occupancies",
        data={"occ-unit_label": "0707", "occ-relation": "tenant", "occ-start_date": ""},
    )
    count, html = errors_in(bad)
    assert count == 1 and 'value="0707"' in html
    count, html = errors_in(
        client.post(
            f"/staff/residents/{resident.id}/occupancies",
            data={"occ-unit_label": "0707", "occ-relation": "tenant", "occ-start_date": "2025-01-01"},
        )
    )
    assert count == 1 and "1-1203" in html and 'value="0707"' in html
    assert db.session.query(Occupancy).count() == 0
    ok = client.post(
        f"/staff/residents/{resident.id}/occupancies",
        data={"occ-unit_label": "1-0707", "occ-relation": "tenant", "occ-start_date": "2025-01-01"},
    )
    assert ok.status_code == 303
    occupancy = db.session.query(Occupancy).filter_by(resident_id=resident.id).one()
    out = client.post(f"/staff/occupancies/{occupancy.id}/end", data={"end_date": "2025-12-31", "back": "unit"})
    assert out.status_code == 303 and out.headers["Location"] == f"/staff/units/{unit.id}"
    assert db.session.get(Occupancy, occupancy.id).end_date == date(2025, 12, 31)
    assert db.session.get(Unit, unit.id).status == UnitStatus.VACANT


def test_move_out_before_move_in_is_refused_with_a_message(client, desk, prop):
    unit = builders.create_unit()
    resident = builders.create_resident(prop, unit=unit, account=False)
    occupancy = db.session.query(Occupancy).filter_by(resident_id=resident.id).one()
    response = client.post(
        f"/staff/occupancies/{occupancy.id}/end", data={"end_date": "2019-01-01"}, follow_redirects=True
    )
    assert "alert-error" in response.get_data(as_text=True)
    assert db.session.get(Occupancy, occupancy.id).end_date is None


def test_create_portal_account_for_a_resident(client, desk, prop):
    resident = builders.create_resident(prop, account=False)
    bad = client.post(f"/staff/residents/{resident.id}/account", data={"acct-username": "x", "acct-password": "short"})
    count, html = errors_in(bad)
    assert count == 2 and 'value="x"' in html
    ok = client.post(
        f"/staff/residents/{resident.id}/account", data={"acct-username": "wang5", "acct-password": "long-enough-1"}
    )
    assert ok.status_code == 303
    assert db.session.get(Resident, resident.id).user.username == "wang5"
    client.post("/staff/logout")
    assert client.post("/portal/login", data={"login": "wang5", "password": "long-enough-1"}).status_code == 303


def test_import_form_lists_bad_lines_and_imports_nothing(client, desk):
    data = {
        "kind": "units",
        "file": (io.BytesIO(b"building,number,floor,area_m2\n1,0101,1,80\n1,0102,one,80\n"), "units.csv"),
    }
    html = client.post("/staff/import", data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "第 3 行" in html
    assert db.session.query(Unit).count() == 0
    data = {
        "kind": "units",
        "file": (io.BytesIO(b"building,number,floor,area_m2\n1,0101,1,80\n1,0102,1,80\n"), "units.csv"),
    }
    assert client.post("/staff/import", data=data, content_type="multipart/form-data").status_code == 303
    assert db.session.query(Unit).count() == 2


def test_import_form_requires_a_csv_file(client, desk):
    count, html = errors_in(client.post("/staff/import", data={"kind": "units"}, content_type="multipart/form-data"))
    assert count == 1
    assert 'name="kind"' in html and 'name="file"' in html  # the shared upload card keeps the register's own field
    data = {"kind": "units", "file": (io.BytesIO(b"x"), "units.xlsx")}
    count, html = errors_in(client.post("/staff/import", data=data, content_type="multipart/form-data"))
    assert count == 1
