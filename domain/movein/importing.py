"""The developer's handover list (入住通知, SOP 2.4.1) as CSV: one move-in case per row. Every row is checked first;
one bad row imports nothing, and every bad line is listed with its number, as the register import does."""

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.dates import DateOutOfRange, check_date
from domain.errors import DomainError
from domain.movein.cases import MAX_NOTICE_NUMBER, clean_owner, create_case
from domain.movein.models import MoveInCase
from domain.movein.workflow import OPEN_CASES
from domain.property.importing import ImportResult, RowError, read_table
from domain.property.models import Building, Unit
from domain.property.validation import Invalid
from extensions import db

#: Column names accepted in the header row, English or Chinese, mapped to our field names.
COLUMNS = {
    "building": "building",
    "楼栋": "building",
    "unit": "unit",
    "房号": "unit",
    "owner": "name",
    "name": "name",
    "业主": "name",
    "业主姓名": "name",
    "姓名": "name",
    "phone": "phone",
    "电话": "phone",
    "手机": "phone",
    "联系电话": "phone",
    "planned_date": "planned_on",
    "planned_on": "planned_on",
    "入住日期": "planned_on",
    "计划入住日期": "planned_on",
    "notice_number": "notice_number",
    "通知书编号": "notice_number",
    "入住通知书编号": "notice_number",
    "email": "email",
    "邮箱": "email",
}
REQUIRED = ["building", "unit", "name", "phone"]
#: The template offered for download: the header (Chinese, as the developer's office works) and one sample row.
TEMPLATE_CSV = (
    "楼栋,房号,业主姓名,联系电话,计划入住日期,入住通知书编号,邮箱\n1,1203,张三,13800138000,2026-12-01,RZ-2026-001,\n"
)
_SLASHED_DATE = re.compile(r"^(\d{4})[/.年](\d{1,2})[/.月](\d{1,2})日?$")


def parse_planned_date(text):
    """A planned day as the developer's spreadsheet writes it (2026-12-01, 2026/12/1, 2026年12月1日); raises Invalid."""
    text = (text or "").strip()
    match = _SLASHED_DATE.match(text)
    try:
        day = date(*map(int, match.groups())) if match else date.fromisoformat(text)
        return check_date(day, past_years=1, future_years=3)
    except DateOutOfRange as error:
        raise Invalid(error.message) from None
    except ValueError:
        raise Invalid(_l("The planned date must look like 2026-12-01.")) from None


def _check_row(values, units, open_units, seen, line):
    """The row's case values, checked; raises Invalid with the first thing wrong."""
    key = (values.get("building", ""), values.get("unit", ""))
    label = Unit.label_of(*key)
    unit_id = units.get(key)
    if unit_id is None:
        raise Invalid(_l("Unit %(unit)s is not in the register.", unit=label))
    if key in seen:
        raise Invalid(_l("Unit %(unit)s is also on line %(line)s.", unit=label, line=seen[key]))
    seen[key] = line
    if unit_id in open_units:
        raise Invalid(_l("Unit %(unit)s already has an open move-in case.", unit=label))
    try:
        name, phone, email = clean_owner(values.get("name"), values.get("phone"), values.get("email"))
    except DomainError as error:
        raise Invalid(error.message) from None
    planned_on = parse_planned_date(values["planned_on"]) if values.get("planned_on") else None
    notice_number = values.get("notice_number", "")
    if len(notice_number) > MAX_NOTICE_NUMBER:
        raise Invalid(_l("The notice number may have at most %(n)s characters.", n=MAX_NOTICE_NUMBER))
    return {
        "unit_id": unit_id,
        "owner_name": name,
        "owner_phone": phone,
        "owner_email": email,
        "planned_on": planned_on,
        "notice_number": notice_number,
    }


def import_handover_list(actor, data, property_id):
    """Open a move-in case for every row of the developer's handover list (CSV bytes): building, unit, owner's name,
    phone, planned date, notice number, e-mail (the last three optional). Nothing is written unless every row is
    good; the caller commits."""
    require(actor, Permission.HANDLE_MOVE_IN)
    result = ImportResult()
    try:
        rows = read_table(data, COLUMNS, REQUIRED)
    except Invalid as exc:
        result.errors.append(RowError(1, exc.message))
        return result
    units = {
        (code, number): unit_id
        for unit_id, code, number in db.session.execute(
            select(Unit.id, Building.code, Unit.number).join(Unit.building).where(Building.property_id == property_id)
        )
    }
    open_units = set(
        db.session.scalars(
            select(MoveInCase.unit_id).where(MoveInCase.property_id == property_id, MoveInCase.status.in_(OPEN_CASES))
        )
    )
    seen = {}
    good = []
    for line, values in rows:
        try:
            good.append(_check_row(values, units, open_units, seen, line))
        except Invalid as exc:
            result.errors.append(RowError(line, exc.message))
    if result.errors:
        return result
    for values in good:
        create_case(actor, **values)
    result.created = len(good)
    record(actor, "move_in.import", object_type="move_in_cases", summary=f"{len(good)} cases")
    return result
