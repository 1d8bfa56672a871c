"""Builders for test data: small functions that create one thing with sensible defaults."""

import itertools
from datetime import date
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy import select

from domain.accounts.models import AccountKind, StaffRole, User
from domain.accounts.roles import Role
from domain.accounts.services import assign_login_phone, hash_password
from domain.property.companies import ensure_company
from domain.property.models import Building, Occupancy, Property, Relation, Resident, Unit, UnitStatus
from extensions import db

PASSWORD = "secret-pass-1"
_seq = itertools.count(1)


def create_property(name="测试小区"):
    """A property of the company with one building (code "1")."""
    prop = Property(
        company_id=ensure_company().id,
        name=name,
        address="测试路1号",
        service_phone="024-1234 5678",
        desk_hours="08:00-20:00",
    )
    db.session.add(prop)
    db.session.flush()
    create_building(prop, code="1", name="1号楼")
    db.session.commit()
    return prop


def create_building(prop, code=None, name=None, floors=20):
    """A building of `prop`."""
    code = code or f"B{next(_seq)}"
    building = Building(property_id=prop.id, code=code, name=name or f"{code}号楼", floors=floors)
    db.session.add(building)
    db.session.commit()
    return building


def create_unit(
    building=None, number=None, floor=12, area_x100=8950, status=UnitStatus.OCCUPIED, status_since=date(2020, 1, 1)
):
    """A unit in `building` (the first building by default), in `status` since `status_since` (its history)."""
    from domain.property.units import set_unit_status

    building = building or db.session.query(Building).order_by(Building.id).first()
    unit = Unit(
        building=building,
        number=number or f"{floor:02d}{next(_seq):02d}",
        floor=floor,
        area_x100=area_x100,
    )
    set_unit_status(unit, status, status_since)
    db.session.add(unit)
    db.session.commit()
    return unit


def create_staff(role=Role.FRONTDESK, username=None, password=PASSWORD, prop=None):
    """A staff account with `role` in `prop` (the first property by default)."""
    property_id = prop.id if prop is not None else db.session.scalar(select(Property.id).order_by(Property.id))
    if property_id is None:  # staff belong to a property: a test without one gets the usual one
        property_id = create_property().id
    user = User(
        username=username or f"{Role(role).value}{next(_seq)}",
        display_name=f"员工{next(_seq)}",
        kind=AccountKind.STAFF,
        password_hash=hash_password(password),
        roles=[StaffRole(property_id=property_id, role=Role(role))],
    )
    db.session.add(user)
    db.session.commit()
    return user


def create_resident(prop, unit=None, name=None, phone=None, relation=Relation.OWNER, account=True, password=PASSWORD):
    """A resident living in `unit` since 2020, with a portal account unless account=False."""
    n = next(_seq)
    resident = Resident(
        property_id=prop.id,
        name=name or f"住户{n}",
        phone=phone or f"137{n:08d}",
        id_number_masked="2*************1234",
    )
    if account:
        resident.user = User(
            username=f"res{n}",
            display_name=resident.name,
            kind=AccountKind.RESIDENT,
            password_hash=hash_password(password),
        )
        assign_login_phone(resident.user, resident.phone)  # as the desk's account creation does
    db.session.add(resident)
    if unit is not None:
        db.session.add(Occupancy(unit=unit, resident=resident, relation=relation, start_date=date(2020, 1, 1)))
    db.session.commit()
    return resident


def add_home(resident, prop, unit):
    """The same person (one portal account) also living in `unit` of `prop`: their register entry there, as owner
    since 2020."""
    entry = Resident(property_id=prop.id, name=resident.name, phone=resident.phone, user_id=resident.user_id)
    db.session.add(entry)
    db.session.flush()
    db.session.add(
        Occupancy(unit_id=unit.id, resident_id=entry.id, relation=Relation.OWNER, start_date=date(2020, 1, 1))
    )
    db.session.commit()
    return entry


def create_charge(
    prop,
    code="PM",
    name="物业管理费",
    basis="per_area",
    rate_fen=250,
    effective_from=date(2020, 1, 1),
    scope="all",
    building=None,
    units=(),
    meter_unit="",
    vacancy_percent=None,
    vacancy_rule="full_months",
):
    """A charge type of the fee schedule with one rate (物业管理费 ¥2.50 per m² by default), and a vacancy rate when
    `vacancy_percent` is given."""
    from domain.billing.models import ChargeBasis, ChargeRate, ChargeType, ChargeUnit, Scope, VacancyRule

    charge = ChargeType(
        property_id=prop.id,
        code=code,
        name=name,
        basis=ChargeBasis(basis),
        scope=Scope(scope),
        building_id=building.id if building else None,
        meter_unit=meter_unit,
        vacancy_percent=vacancy_percent,
        vacancy_rule=VacancyRule(vacancy_rule),
    )
    charge.rates.append(ChargeRate(rate_fen=rate_fen, effective_from=effective_from))
    charge.units = [ChargeUnit(unit_id=u.id) for u in units]
    db.session.add(charge)
    db.session.commit()
    return charge


def create_bill(
    unit, total_fen=22375, period=date(2026, 10, 1), due_date=date(2026, 10, 31), paid_fen=0, description="物业管理费"
):
    """A bill of one line for `unit`."""
    from domain.billing.models import Bill, BillLine

    bill = Bill(
        property_id=unit.building.property_id,
        unit_id=unit.id,
        period=period,
        issued_on=period,
        due_date=due_date,
        total_fen=total_fen,
        paid_fen=paid_fen,
    )
    bill.lines.append(BillLine(description=description, amount_fen=total_fen))
    db.session.add(bill)
    db.session.commit()
    return bill


def create_parcel(
    unit, tracking_number=None, *, carrier="sf", shelf="A1", arrived_at=None, status="waiting", notified_at=None
):
    """A parcel for `unit` put straight on the shelf (no audit entry, no notice), arrived `arrived_at` (now)."""
    from domain.clock import utcnow
    from domain.parcels.models import Parcel, ParcelStatus

    parcel = Parcel(
        property_id=unit.building.property_id,
        unit_id=unit.id,
        tracking_number=tracking_number or f"SF{next(_seq):010d}",
        carrier=carrier,
        shelf=shelf,
        status=ParcelStatus(status),
        arrived_at=arrived_at or utcnow(),
        notified_at=notified_at,
    )
    db.session.add(parcel)
    db.session.commit()
    return parcel


def create_lendable(prop, name="折叠梯", quantity=2, deposit_fen=10000, loan_hours=24, is_active=True):
    """An item of the lending catalogue."""
    from domain.parcels.models import LendableItem

    item = LendableItem(
        property_id=prop.id,
        name=name,
        quantity=quantity,
        deposit_fen=deposit_fen,
        loan_hours=loan_hours,
        is_active=is_active,
    )
    db.session.add(item)
    db.session.commit()
    return item


def create_loan(item, unit, *, borrower_name="借用人", due_at=None, lent_at=None, deposit_fen=0):
    """One of `item` lent out to `unit` (due in a day unless `due_at` says otherwise)."""
    from datetime import timedelta

    from domain.clock import utcnow
    from domain.parcels.models import Loan

    lent_at = lent_at or utcnow()
    loan = Loan(
        property_id=item.property_id,
        item_id=item.id,
        unit_id=unit.id,
        borrower_name=borrower_name,
        lent_at=lent_at,
        due_at=due_at or lent_at + timedelta(days=1),
        deposit_fen=deposit_fen,
    )
    db.session.add(loan)
    db.session.commit()
    return loan


def create_kiosk(prop, name="大堂", client=None):
    """An enrolled kiosk; with `client`, that client carries its device cookie. Returns (kiosk, credential)."""
    import hashlib
    import secrets

    from domain.kiosk.models import Kiosk

    credential = secrets.token_urlsafe(48)
    kiosk = Kiosk(property_id=prop.id, name=name, credential_hash=hashlib.sha256(credential.encode()).hexdigest())
    db.session.add(kiosk)
    db.session.commit()
    if client is not None:
        client.set_cookie("kiosk_device", credential, path="/kiosk")
    return kiosk, credential


def create_household_with_bills(prop):
    """A unit, its owner and two unpaid bills (¥223.75 for September, ¥300.50 for October): (unit, owner, bills)."""
    unit = create_unit()
    owner = create_resident(prop, unit=unit)
    first = create_bill(unit, total_fen=22375, period=date(2026, 9, 1), due_date=date(2026, 9, 30))
    second = create_bill(unit, total_fen=30050, period=date(2026, 10, 1), due_date=date(2026, 10, 31))
    return unit, owner, [first, second]


def shown_at(moment, locale="zh_Hans_CN"):
    """How a page shows `moment` in the "short" date-and-time format of `locale`, in the property's zone.

    For assertions on text that carries a time, so that they hold whatever instant the suite's clock stands at.
    """
    return format_datetime(moment, "short", tzinfo=ZoneInfo("Asia/Shanghai"), locale=locale)


def create_task_failure(
    prop, task_name="domain.parcels.tasks.sweep_parcel_notices", args="[]", error="ConnectionRefusedError()"
):
    """A background task of `prop` that failed on every try (by default a parcel sweep: retrying it is harmless)."""
    from domain.clock import utcnow
    from domain.tasks.models import TaskFailure

    now = utcnow()
    failure = TaskFailure(
        property_id=prop.id,
        task_name=task_name,
        args=args,
        error=error,
        attempts=6,
        first_failed_at=now,
        last_failed_at=now,
    )
    db.session.add(failure)
    db.session.commit()
    return failure
