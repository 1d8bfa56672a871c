"""CSV import: all rows or none, bad lines reported by number."""

from datetime import date

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.property.importing import import_residents, import_units
from domain.property.models import Building, Occupancy, Resident, Unit, UnitStatus
from extensions import db
from tests import builders

TODAY = date(2026, 11, 28)


def desk():
    return Actor.for_user(builders.create_staff(Role.FRONTDESK), "x")


def test_units_import_creates_units_and_missing_buildings(prop):
    data = b"building,number,floor,area_m2,status\n1,0101,1,89.50,occupied\n2,0101,1,105.6,\n"
    result = import_units(desk(), data)
    db.session.commit()
    assert result.ok and result.created == 2
    assert db.session.query(Building).filter_by(code="2").one()
    assert {u.status for u in db.session.query(Unit)} == {UnitStatus.OCCUPIED, UnitStatus.VACANT}


def test_one_bad_row_imports_nothing_and_names_every_bad_line(prop):
    builders.create_unit(number="0909", floor=9)
    data = (
        b"building,number,floor,area_m2,status\n"
        b"1,0101,1,89.50,occupied\n"  # line 2: fine
        b"1,0102,x,89.50,occupied\n"  # line 3: floor
        b"1,0103,1,-5,occupied\n"  # line 4: area
        b"1,0909,9,80,vacant\n"  # line 5: exists already
        b"1,0101,1,70,vacant\n"  # line 6: repeats line 2
        b"1,0104,1,70,sold\n"  # line 7: status
    )
    result = import_units(desk(), data)
    db.session.rollback()
    assert not result.ok
    assert [e.line for e in result.errors] == [3, 4, 5, 6, 7]
    assert db.session.query(Unit).count() == 1


def test_header_problems_are_reported_on_line_one(prop):
    result = import_units(desk(), b"number,floor\n0101,1\n")
    assert [e.line for e in result.errors] == [1]
    assert import_units(desk(), b"").errors[0].line == 1


def test_gb18030_files_from_excel_and_chinese_headers_are_understood(prop):
    data = "楼栋,房号,楼层,面积,状态\n1,0201,2,90,空置\n".encode("gb18030")
    result = import_units(desk(), data)
    assert result.ok and result.created == 1


def test_residents_import_links_people_to_units_and_masks_id_numbers(prop):
    unit = builders.create_unit(number="0301", floor=3, status=UnitStatus.VACANT)
    data = (
        "building,unit,name,phone,relation,id_number,start_date,email\n"
        "1,0301,张三,13800138000,owner,11010519491231002X,2023-05-01,z@example.com\n"
        "1,0301,李四,139 0013 9000,family,,,\n"
    ).encode()
    result = import_residents(desk(), data, today=TODAY)
    db.session.commit()
    assert result.ok and result.created == 2
    zhang = db.session.query(Resident).filter_by(name="张三").one()
    assert zhang.id_number_masked == "1*************002X"
    assert db.session.query(Occupancy).filter_by(resident_id=zhang.id).one().start_date == date(2023, 5, 1)
    assert db.session.get(Unit, unit.id).status == UnitStatus.OCCUPIED


def test_residents_import_refuses_unknown_units_and_bad_phones(prop):
    builders.create_unit(number="0301", floor=3)
    data = (
        "building,unit,name,phone,relation\n"
        "1,9999,张三,13800138000,owner\n"
        "1,0301,李四,12345,owner\n"
        "1,0301,王五,13800138001,boss\n"
    ).encode()
    result = import_residents(desk(), data, today=TODAY)
    assert [e.line for e in result.errors] == [2, 3, 4]
    db.session.rollback()
    assert db.session.query(Resident).count() == 0
