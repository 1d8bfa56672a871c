"""The demo company: 亿丰时代广场 (register, staff per role, residents and every area's demo), the smaller 亿丰花园,
the company's own accounts and a resident of both; loaded idempotently."""

import random
from datetime import date, timedelta

from sqlalchemy import insert, select

from domain.accounts.models import AccountKind, StaffRole, User
from domain.accounts.roles import CompanyRole, Role
from domain.accounts.services import hash_password
from domain.announcements.models import Announcement
from domain.archives.inspection_records import file_inspection_record
from domain.archives.move_in_papers import file_move_in_copy
from domain.areas.demo import load_areas_demo
from domain.attendance.demo import load_attendance_demo
from domain.audit.services import record
from domain.billing.demo import load_billing_demo
from domain.clock import today as local_today
from domain.clock import utcnow
from domain.current_property import set_current_property, working_for
from domain.dashboards.unit_demo import load_unit_page_demo
from domain.evaluation.demo import load_evaluation_demo
from domain.facilities.demo import load_facilities_demo
from domain.incidents.demo import load_incidents_demo
from domain.incidents.notice_demo import load_incident_mode_demo
from domain.movein.demo import load_move_in_demo
from domain.overtime.demo import load_overtime_demo
from domain.parcels.demo import load_counter_demo
from domain.patrols.demo import load_patrols_demo
from domain.payments.demo import load_payment_demo
from domain.property.companies import ensure_company
from domain.property.models import Building, Occupancy, Property, Relation, Resident, Unit, UnitStatus
from domain.property.units import UNIT_LABEL, set_unit_status, start_status_history
from domain.property.validation import mask_id_number
from domain.renovation.demo import load_renovation_demo
from domain.reports.demo import load_reports_demo
from domain.standards.demo import load_standards_demo
from domain.surveys.demo import load_surveys_demo
from domain.tickets.callback_demo import load_callbacks_demo
from domain.tickets.catalogue import set_service_level
from domain.tickets.demo import load_ticket_demo
from domain.tickets.models import Priority, TicketKind
from domain.vacant.demo import load_vacant_demo
from domain.violations.demo import load_violations_demo
from domain.visits.demo import load_visits_demo
from extensions import db

PROPERTY_NAME = "亿丰时代广场"
#: The day the demo's named residents moved in.
DEMO_MOVE_IN = date(2019, 5, 1)

#: (username, display name, role) of the demo staff, one per role.
DEMO_STAFF = [
    ("manager", "王经理", Role.MANAGER),
    ("assistant", "李助理", Role.ASSISTANT),
    ("assistant2", "吴助理", Role.ASSISTANT),
    ("frontdesk", "张前台", Role.FRONTDESK),
    ("engineer", "赵工程", Role.ENGINEERING),
    ("security", "孙安管", Role.SECURITY),
    ("finance", "钱财务", Role.FINANCE),
    ("cleaner", "周保洁", Role.CLEANING),
]
#: (username, name, phone, unit label) of the demo residents who have portal accounts.
DEMO_RESIDENTS = [
    ("resident1", "陈业主", "13800000001", "1-1201"),
    ("resident2", "刘业主", "13800000002", "2-0803"),
]

GARDEN_NAME = "亿丰花园"
#: (username, display name, role) of the staff of 亿丰花园 only.
GARDEN_STAFF = [("frontdesk2", "郑前台", Role.FRONTDESK)]
#: (username, display name, role at 亿丰时代广场, role at 亿丰花园, company role) of the people above or across the
#: properties: the company's admin and general manager (no property role: the company pages only), the area manager
#: who is the manager of both, and a technician who serves both.
COMPANY_STAFF = [
    ("admin", "冯管理", None, None, CompanyRole.ADMIN),
    ("gm", "韩总", None, None, CompanyRole.GENERAL_MANAGER),
    ("area", "邓区域", Role.MANAGER, Role.MANAGER, CompanyRole.AREA_MANAGER),
    ("tech2", "许工程", Role.ENGINEERING, Role.ENGINEERING, None),
]
#: (username, name, phone, unit at 亿丰时代广场, unit at 亿丰花园) of the resident who owns a unit in each.
BOTH_PROPERTIES_RESIDENT = ("resident3", "林业主", "13800000003", "3-1502", "1-0302")

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志宇浩然欣怡子涵雨轩梓晨思远"
_AREAS = (6850, 8920, 10560, 12830, 14375)


def _valid_id_number(rng):
    """A made-up 18-character ID card number with a correct check character."""
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 50))
    body = f"210102{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
    return body + check


def _name(rng):
    """A plausible Chinese name."""
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def generate_register(prop, *, buildings, floors, per_floor, residents_target, rng, vacant_share=0.12):
    """Bulk-insert buildings, units, residents and occupancies (a few statements per thousand rows).

    Returns {unit label: unit id}. Used by the demo and by the benchmarks' large property.
    """
    today = local_today()
    building_rows = [
        {"property_id": prop.id, "code": str(b), "name": f"{b}号楼", "floors": floors} for b in range(1, buildings + 1)
    ]
    db.session.execute(insert(Building), building_rows)
    building_ids = dict(
        db.session.execute(select(Building.code, Building.id).where(Building.property_id == prop.id)).all()
    )
    unit_rows = []
    for _code, building_id in sorted(building_ids.items()):
        for floor in range(1, floors + 1):
            for n in range(1, per_floor + 1):
                vacant = rng.random() < vacant_share
                unit_rows.append(
                    {
                        "building_id": building_id,
                        "number": f"{floor:02d}{n:02d}",
                        "floor": floor,
                        "area_x100": rng.choice(_AREAS),
                        "status": (UnitStatus.VACANT if vacant else UnitStatus.OCCUPIED).value,
                        "note": "",
                    }
                )
    for start in range(0, len(unit_rows), 1000):
        db.session.execute(insert(Unit), unit_rows[start : start + 1000])
    units = db.session.execute(
        select(Unit.id, UNIT_LABEL, Unit.status).join(Unit.building).where(Building.property_id == prop.id)
    ).all()
    # The register's statuses hold since the property was handed over, before the earliest move-in below or later.
    start_status_history([(u.id, u.status) for u in units], min(today - timedelta(days=3000), DEMO_MOVE_IN))
    occupied = [u for u in units if u.status == UnitStatus.OCCUPIED]
    now = utcnow()
    resident_rows, plan = [], []
    per_unit = max(1, residents_target // max(len(occupied), 1))
    extra = residents_target - per_unit * len(occupied)
    for i, unit in enumerate(occupied):
        count = per_unit + (1 if i < extra else 0)
        tenant = rng.random() < 0.15
        moved_in = today - timedelta(days=rng.randrange(30, 3000))
        for j in range(count):
            relation = (Relation.TENANT if tenant else Relation.OWNER) if j == 0 else Relation.FAMILY
            phone = f"139{len(resident_rows):08d}"
            resident_rows.append(
                {
                    "property_id": prop.id,
                    "name": _name(rng),
                    "phone": phone,
                    "email": None,
                    "id_number_masked": mask_id_number(_valid_id_number(rng)) if j == 0 else "",
                    "note": "",
                    "created_at": now,
                }
            )
            plan.append((unit.id, relation, moved_in))
    for start in range(0, len(resident_rows), 1000):
        db.session.execute(insert(Resident), resident_rows[start : start + 1000])
    resident_ids = db.session.scalars(
        select(Resident.id).where(Resident.property_id == prop.id).order_by(Resident.id)
    ).all()
    occupancy_rows = [
        {"unit_id": unit_id, "resident_id": rid, "relation": relation.value, "start_date": moved_in, "end_date": None}
        for rid, (unit_id, relation, moved_in) in zip(resident_ids[-len(plan) :], plan)
    ]
    for start in range(0, len(occupancy_rows), 1000):
        db.session.execute(insert(Occupancy), occupancy_rows[start : start + 1000])
    return {u.unit_label: u.id for u in units}


def ensure_staff(password, actor, prop):
    """Create any missing demo staff account, with its role in `prop`; returns the usernames created."""
    created = []
    for username, display_name, role in DEMO_STAFF:
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            user = User(
                username=username,
                display_name=display_name,
                kind=AccountKind.STAFF,
                password_hash=hash_password(password),
                roles=[StaffRole(property_id=prop.id, role=role)],
            )
            db.session.add(user)
            db.session.flush()
            record(actor, "staff.create", user, summary=f"demo {username}")
            created.append(username)
    return created


def _ensure_account(password, actor, username, display_name, *, roles=(), company_role=None):
    """Create a demo staff account holding `roles` ((property, Role) pairs) unless it exists; True when created."""
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        return False
    user = User(
        username=username,
        display_name=display_name,
        kind=AccountKind.STAFF,
        password_hash=hash_password(password),
        company_role=company_role,
        roles=[StaffRole(property_id=prop.id, role=role) for prop, role in roles],
    )
    db.session.add(user)
    db.session.flush()
    record(actor, "staff.create", user, summary=f"demo {username}")
    return True


def _ensure_resident(password, actor, prop, units, username, name, phone, label, rng):
    """Make `username` a resident owning `label` in `prop` (the account made on first use, shared by every property
    where the person lives); True when the account was created."""
    user = db.session.scalar(select(User).where(User.username == username))
    created = user is None
    if created:
        user = User(
            username=username,
            display_name=name,
            kind=AccountKind.RESIDENT,
            password_hash=hash_password(password),
            login_phone=phone,
        )
        db.session.add(user)
    elif (
        db.session.scalar(select(Resident.id).where(Resident.property_id == prop.id, Resident.user_id == user.id))
        is not None
    ):
        return False
    resident = Resident(
        property_id=prop.id,
        name=name,
        phone=phone,
        user=user,
        id_number_masked=mask_id_number(_valid_id_number(rng)),
    )
    unit = db.session.get(Unit, units[label])
    set_unit_status(unit, UnitStatus.OCCUPIED, DEMO_MOVE_IN, actor=actor)
    db.session.add_all(
        [resident, Occupancy(unit=unit, resident=resident, relation=Relation.OWNER, start_date=DEMO_MOVE_IN)]
    )
    db.session.flush()
    record(actor, "resident.account_create", resident, summary=f"demo {username}")
    return created


def _unit_ids(prop):
    """{unit label: unit id} of `prop`'s register."""
    return {
        label: unit_id
        for unit_id, label in db.session.execute(
            select(Unit.id, UNIT_LABEL).join(Unit.building).where(Building.property_id == prop.id)
        )
    }


def load_demo(password, actor, *, seed=2012, after_batch=None):
    """Load the demo company if it is not there yet: 亿丰时代广场, the smaller 亿丰花园, the staff of each, the people
    who work above or across them, and residents (one of them in both); always make sure the demo accounts exist.

    Each property is loaded as a request for it would see the database (domain.current_property.working_for).
    `after_batch()` is called between batches of the billing history (the CLI commits there).

    Idempotent: a second call changes nothing. Returns a short report of what it did.
    """
    report = {"property": False, "garden": False, "staff": [], "residents": []}
    prop = db.session.scalar(select(Property).where(Property.name == PROPERTY_NAME))
    with working_for(prop.id if prop is not None else None):
        prop = _load_plaza(prop, password, actor, report, rng=random.Random(seed), after_batch=after_batch)
    rng = random.Random(seed + 1)  # the garden's own draws: the plaza stays as it was before the garden came
    garden = db.session.scalar(select(Property).where(Property.name == GARDEN_NAME))
    with working_for(garden.id if garden is not None else None):
        garden, units = _garden_register(garden, password, actor, report, rng=rng)
    for username, display_name, plaza_role, garden_role, company_role in COMPANY_STAFF:
        roles = [(p, role) for p, role in ((prop, plaza_role), (garden, garden_role)) if role is not None]
        if _ensure_account(password, actor, username, display_name, roles=roles, company_role=company_role):
            report["staff"].append(username)
    # The resident of both properties: one account, a Resident row in each.
    username, name, phone, plaza_label, garden_label = BOTH_PROPERTIES_RESIDENT
    with working_for(prop.id):
        if _ensure_resident(password, actor, prop, _unit_ids(prop), username, name, phone, plaza_label, rng):
            report["residents"].append(username)
    with working_for(garden.id):
        _ensure_resident(password, actor, garden, units, username, name, phone, garden_label, rng)
        if report["garden"]:
            _load_garden_demo(garden, actor, report, demo_unit=units[garden_label], rng=rng, after_batch=after_batch)
    return report


def _load_plaza(prop, password, actor, report, *, rng, after_batch):
    """The first demo property, 亿丰时代广场, with every area's demo: returns the property."""
    if prop is None:
        prop = Property(
            company_id=ensure_company().id,
            name=PROPERTY_NAME,
            address="沈阳市和平区",
            service_phone="024-2345 6789",
            desk_hours="08:00-20:00",
        )
        db.session.add(prop)
        db.session.flush()
        set_current_property(prop.id)  # from here on, like a request of this property
        units = generate_register(prop, buildings=3, floors=18, per_floor=4, residents_target=480, rng=rng)
        now = utcnow()
        db.session.add(
            Announcement(
                property_id=prop.id,
                title="关于小区二次供水水箱清洗的通知",
                body="尊敬的业主：本周六 9:00-15:00 将对二次供水水箱进行清洗消毒，届时高区可能短暂停水，请提前储水。"
                "如有疑问请致电客服中心。",
                valid_from=now - timedelta(days=1),
                valid_until=now + timedelta(days=30),
            )
        )
        record(actor, "demo.load", prop, summary=f"{len(units)} units")
        report["property"] = True
    else:
        units = _unit_ids(prop)
    report["staff"] += ensure_staff(password, actor, prop)
    for username, name, phone, label in DEMO_RESIDENTS:
        if _ensure_resident(password, actor, prop, units, username, name, phone, label, rng):
            report["residents"].append(username)
    if report["property"]:
        report["bills"] = load_billing_demo(prop, actor, today=local_today(), rng=rng, after_batch=after_batch)
        load_payment_demo(prop, actor, today=local_today(), rng=rng, after_batch=after_batch)
        report["tickets"] = load_ticket_demo(prop, rng=rng)
        report["parcels"] = load_counter_demo(
            prop, demo_units=[units[label] for *_rest, label in DEMO_RESIDENTS], rng=rng
        )
        report["renovations"] = load_renovation_demo(
            prop, demo_units=[units[label] for *_rest, label in DEMO_RESIDENTS], today=local_today()
        )
        report["move_ins"] = load_move_in_demo(
            prop, file_inspection_record=file_inspection_record, file_move_in_copy=file_move_in_copy
        )
        # Field work: the areas first (routes and the assistant's page hang on them), then what happens in them.
        report["areas"] = load_areas_demo(prop, rng=rng, today=local_today())
        report["facilities"] = load_facilities_demo(prop, rng=rng, today=local_today())
        report["patrol_routes"] = load_patrols_demo(prop, rng=rng, today=local_today())
        open_incident = load_incidents_demo(prop, rng=rng, today=local_today())
        report["incident_notice"] = load_incident_mode_demo(prop, open_incident, today=local_today()) is not None
        report["vacant_units"] = load_vacant_demo(prop, rng=rng, today=local_today())
        report["violations"] = load_violations_demo(prop, rng=rng, today=local_today())
        report["overtime"] = load_overtime_demo(prop, today=local_today())
        report["survey_answers"] = load_surveys_demo(prop, rng=rng, today=local_today())
        report["rota_days"] = load_attendance_demo(prop, rng=rng, today=local_today())
        report["callbacks"] = load_callbacks_demo(prop, rng=rng, today=local_today())
        report["visit_plans"] = load_visits_demo(prop, today=local_today())
        report["spot_checks"] = load_standards_demo(prop, today=local_today())
        # The first demo resident's unit shows something in every block of its 360° page.
        load_unit_page_demo(prop, label=DEMO_RESIDENTS[0][3], today=local_today())
        report["collection_calls"] = load_reports_demo(prop, today=local_today())
        # Last: the scorecards are scored from everything above.
        report["signed_scorecards"] = load_evaluation_demo(prop, rng=rng, today=local_today())
    return prop


def _garden_register(garden, password, actor, report, *, rng):
    """The second demo property, 亿丰花园 (two buildings, its own receipt numbers), its announcement and its desk;
    returns it and {unit label: unit id}."""
    if garden is None:
        garden = Property(
            company_id=ensure_company().id,
            name=GARDEN_NAME,
            address="沈阳市沈河区",
            service_phone="024-2345 8800",
            desk_hours="08:30-18:00",
            receipt_prefix="HY",
        )
        db.session.add(garden)
        db.session.flush()
        set_current_property(garden.id)
        units = generate_register(garden, buildings=2, floors=6, per_floor=4, residents_target=70, rng=rng)
        now = utcnow()
        db.session.add(
            Announcement(
                property_id=garden.id,
                title="亿丰花园冬季供暖试水通知",
                body="尊敬的业主：供暖管网将于本周四试水打压，请家中留人并关好阀门，发现漏水请立即致电物业服务中心。",
                valid_from=now - timedelta(days=2),
                valid_until=now + timedelta(days=20),
            )
        )
        record(actor, "demo.load", garden, summary=f"{len(units)} units")
        report["garden"] = True
    else:
        units = _unit_ids(garden)
    for username, display_name, role in GARDEN_STAFF:
        if _ensure_account(password, actor, username, display_name, roles=[(garden, role)]):
            report["staff"].append(username)
    return garden, units


def _load_garden_demo(garden, actor, report, *, demo_unit, rng, after_batch):
    """亿丰花园's own service levels, fee schedule and a year of bills, catalogue and tickets, parcels and loans."""
    # A smaller team close by: a quicker first response to a repair than the plaza's default.
    set_service_level(actor, garden.id, TicketKind.REPAIR, Priority.NORMAL, 3, 20, 60 * 24, 60 * 24 * 2)
    report["garden_bills"] = load_billing_demo(
        garden, actor, today=local_today(), rng=rng, after_batch=after_batch, area_rates=(180, 195)
    )
    load_payment_demo(garden, actor, today=local_today(), rng=rng, after_batch=after_batch)
    report["garden_tickets"] = load_ticket_demo(garden, rng=rng, staff=("frontdesk2", "tech2", "area", "area"))
    report["garden_parcels"] = load_counter_demo(
        garden, demo_units=[demo_unit], rng=rng, demo_borrower=BOTH_PROPERTIES_RESIDENT[1]
    )
