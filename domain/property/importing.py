"""CSV import of units and residents: every row is checked first; one bad row imports nothing."""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import today as local_today
from domain.csv_files import CsvRefused, read_rows
from domain.dates import DateOutOfRange, check_date
from domain.property.buildings import get_property
from domain.property.models import Building, Occupancy, Relation, Resident, Unit, UnitStatus
from domain.property.units import set_unit_status
from domain.property.validation import Invalid, check_unit_number, mask_id_number, normalise_phone, parse_area
from extensions import db

#: Column names accepted in the header row, English or Chinese, mapped to our field names.
UNIT_COLUMNS = {
    "building": "building",
    "楼栋": "building",
    "number": "number",
    "unit": "number",
    "房号": "number",
    "floor": "floor",
    "楼层": "floor",
    "area_m2": "area",
    "area": "area",
    "面积": "area",
    "status": "status",
    "状态": "status",
}
RESIDENT_COLUMNS = {
    "building": "building",
    "楼栋": "building",
    "unit": "unit",
    "房号": "unit",
    "name": "name",
    "姓名": "name",
    "phone": "phone",
    "电话": "phone",
    "手机": "phone",
    "relation": "relation",
    "关系": "relation",
    "id_number": "id_number",
    "证件号": "id_number",
    "身份证号": "id_number",
    "start_date": "start_date",
    "入住日期": "start_date",
    "email": "email",
    "邮箱": "email",
}
STATUS_WORDS = {
    "occupied": "occupied",
    "已入住": "occupied",
    "vacant": "vacant",
    "空置": "vacant",
    "renovating": "renovating",
    "装修中": "renovating",
    "": "vacant",
}
RELATION_WORDS = {
    "owner": "owner",
    "业主": "owner",
    "tenant": "tenant",
    "租户": "tenant",
    "family": "family",
    "家属": "family",
}
MAX_ROWS = 20000


@dataclass
class RowError:
    """A problem on one line of the file (line 1 is the header)."""

    line: int
    message: str


@dataclass
class ImportResult:
    """What an import did: rows imported, or the errors that stopped it."""

    errors: list = field(default_factory=list)
    created: int = 0

    @property
    def ok(self):
        """Whether the file was imported."""
        return not self.errors


def read_table(data, columns, required):
    """[(line number, {field: value})] of each non-empty row, or raise Invalid for a bad header or an empty file;
    every CSV import (units, residents, move-in handover lists) reads its file through it."""
    try:
        lines = read_rows(data, max_rows=MAX_ROWS)
    except CsvRefused as refused:
        raise Invalid(refused.message) from None
    if not lines:
        raise Invalid(_l("The file is empty."))
    (_line, header), *body = lines
    names = [columns.get(h.strip().lower()) or columns.get(h.strip()) for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise Invalid(_l("The header row lacks the columns: %(cols)s.", cols=", ".join(missing)))
    rows = []
    for line, row in body:
        if not any(cell.strip() for cell in row):
            continue
        values = {name: cell.strip() for name, cell in zip(names, row) if name}
        rows.append((line, values))
    if not rows:
        raise Invalid(_l("The file has a header but no rows."))
    return rows


def import_units(actor, data):
    """Import units from CSV bytes (building, number, floor, area_m2, status).

    Unknown building codes create the building. Nothing is written unless every row is good.
    """
    require(actor, Permission.IMPORT_REGISTER)
    result = ImportResult()
    try:
        rows = read_table(data, UNIT_COLUMNS, ["building", "number", "floor", "area"])
    except Invalid as exc:
        result.errors.append(RowError(1, exc.message))
        return result
    prop = get_property()
    buildings = {b.code: b for b in db.session.scalars(select(Building).where(Building.property_id == prop.id))}
    existing = set(db.session.execute(select(Building.code, Unit.number).join(Unit.building)).all())
    seen = {}
    good = []
    for line, values in rows:
        try:
            code = values.get("building", "")
            if not code:
                raise Invalid(_l("The building is missing."))
            number = check_unit_number(values.get("number"))
            try:
                floor = int(values.get("floor", ""))
            except ValueError:
                raise Invalid(_l("The floor must be a whole number.")) from None
            if not -5 <= floor <= 200:
                raise Invalid(_l("The floor must be between -5 and 200."))
            area = parse_area(values.get("area", ""))
            status = STATUS_WORDS.get(values.get("status", "").lower())
            if status is None:
                raise Invalid(_l("The status must be occupied, vacant or renovating."))
            if (code, number) in existing:
                raise Invalid(_l("Unit %(unit)s already exists.", unit=Unit.label_of(code, number)))
            if (code, number) in seen:
                raise Invalid(
                    _l(
                        "Unit %(unit)s is also on line %(line)s.",
                        unit=Unit.label_of(code, number),
                        line=seen[(code, number)],
                    )
                )
            seen[(code, number)] = line
            good.append((code, number, floor, area, status))
        except Invalid as exc:
            result.errors.append(RowError(line, exc.message))
    if result.errors:
        return result
    for code, number, floor, area, status in good:
        if code not in buildings:
            buildings[code] = Building(property_id=prop.id, code=code, name=code, floors=max(floor, 1))
            db.session.add(buildings[code])
        building = buildings[code]
        building.floors = max(building.floors or 1, floor)
        unit = Unit(building=building, number=number, floor=floor, area_x100=area)
        set_unit_status(unit, status, local_today(), actor=actor)
        db.session.add(unit)
    db.session.flush()
    result.created = len(good)
    record(actor, "register.import_units", object_type="units", summary=f"{len(good)} units")
    return result


def import_residents(actor, data, *, today):
    """Import residents and where they live from CSV bytes.

    Columns: building, unit, name, phone, relation, id_number, start_date (YYYY-MM-DD), email.
    A row whose name and phone match a registered resident adds a unit to that person.
    Nothing is written unless every row is good.
    """
    require(actor, Permission.IMPORT_REGISTER)
    result = ImportResult()
    try:
        rows = read_table(data, RESIDENT_COLUMNS, ["building", "unit", "name", "phone", "relation"])
    except Invalid as exc:
        result.errors.append(RowError(1, exc.message))
        return result
    prop = get_property()
    units = {
        (code, number): unit_id
        for unit_id, code, number in db.session.execute(select(Unit.id, Building.code, Unit.number).join(Unit.building))
    }
    known = {(r.name, r.phone): r for r in db.session.scalars(select(Resident).where(Resident.property_id == prop.id))}
    good = []
    seen = {}
    for line, values in rows:
        try:
            label = Unit.label_of(values.get("building", ""), values.get("unit", ""))
            unit_id = units.get((values.get("building", ""), values.get("unit", "")))
            if unit_id is None:
                raise Invalid(_l("Unit %(unit)s is not in the register.", unit=label))
            name = values.get("name", "")
            if not 1 <= len(name) <= 80:
                raise Invalid(_l("The name is missing or longer than 80 characters."))
            phone = normalise_phone(values.get("phone"))
            relation = RELATION_WORDS.get(values.get("relation", "").lower())
            if relation is None:
                raise Invalid(_l("The relation must be owner, tenant or family."))
            masked = mask_id_number(values["id_number"]) if values.get("id_number") else ""
            start = today
            if values.get("start_date"):
                try:
                    start = check_date(date.fromisoformat(values["start_date"]))
                except DateOutOfRange as error:
                    raise Invalid(error.message) from None
                except ValueError:
                    raise Invalid(_l("The start date must look like 2024-03-01.")) from None
            email = values.get("email") or None
            if email and ("@" not in email or len(email) > 254):
                raise Invalid(_l("The e-mail address is not valid."))
            key = (name, phone, unit_id)
            if key in seen:
                raise Invalid(_l("The same person and unit are also on line %(line)s.", line=seen[key]))
            seen[key] = line
            good.append((unit_id, name, phone, Relation(relation), masked, start, email))
        except Invalid as exc:
            result.errors.append(RowError(line, exc.message))
    if result.errors:
        return result
    unit_objects = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_({g[0] for g in good})))}
    for unit_id, name, phone, relation, masked, start, email in good:
        resident = known.get((name, phone))
        if resident is None:
            resident = Resident(property_id=prop.id, name=name, phone=phone, email=email, id_number_masked=masked)
            db.session.add(resident)
            known[(name, phone)] = resident
        unit = unit_objects[unit_id]
        db.session.add(Occupancy(unit=unit, resident=resident, relation=relation, start_date=start))
        if unit.status == UnitStatus.VACANT:
            set_unit_status(unit, UnitStatus.OCCUPIED, start, actor=actor)
    db.session.flush()
    result.created = len(good)
    record(actor, "register.import_residents", object_type="residents", summary=f"{len(good)} rows")
    return result
