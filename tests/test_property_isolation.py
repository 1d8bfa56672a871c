"""The sweep: no property ever sees another's data.

Two properties with the same shape of data; every free-text column of B's rows holds a marker ("ZQXB<n>").
Every route of the portal, the console and the kiosk (read from the URL map, so a new route is swept without
editing this file) is requested by each role of property A, a resident of A, a kiosk of A and a company area
manager with a role in A only (a general manager sees every property of the company, by design): with A's ids
and with B's ids. No B marker may ever appear, B's ids answer 404 (403 only where the identity may not use the
route at all), and a POST with B's ids never succeeds nor changes B.
"""

import io
import re
import time
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import Enum as SAEnum
from sqlalchemy import String, Text, select, update

from domain.accounts.models import CompanyRole, User
from domain.accounts.roles import Role
from domain.clock import today
from extensions import db, limiter
from tests import builders

pytestmark = pytest.mark.usefixtures("named_days")

SWEPT_BLUEPRINTS = ("portal", "staff", "kiosk", "company")
#: Endpoints that open or close a session or pair a device: they are not pages of a property.
SKIPPED = re.compile(r"\.(login|logout|.*pairing.*|pair|.*sign_in.*|.*password_reset.*|static)$")
MARKER_B = "ZQXB"

#: Which table an id argument names; (url pattern, argument) first, then the argument alone.
BY_PATH = [
    (r"/staff/overtime/", "application_id", "overtime_applications"),
    (r"/renovations/", "application_id", "renovation_applications"),
    (r"/staff/parcels/alerts/", "alert_id", "desk_alerts"),
    (r"/staff/alerts/", "alert_id", "staff_alerts"),
    (r"/vacant/", "check_id", "vacant_checks"),
    (r"/vacant-checks/", "check_id", "vacant_checks"),
    (r"/facilities/", "check_id", "facility_checks"),
    (r"/move-in/", "check_id", "move_in_spot_checks"),
    (r"/renovations/", "document_id", "renovation_documents"),
    (r"/documents/", "document_id", "archive_documents"),
    (r"/move-in/inspections/template/", "item_id", "inspection_template_items"),
    (r"/move-in/inspections/", "item_id", "inspection_items"),
    (r"/move-in/template/", "item_id", "move_in_template_items"),
    (r"/move-in/", "item_id", "move_in_items"),
    (r"/lending/", "item_id", "lendable_items"),
    (r"/service-items/", "item_id", "service_items"),
    (r"/storage/", "item_id", "stored_items"),
    (r"/archives/", "loan_id", "file_loans"),
    (r"/lending/", "loan_id", "loans"),
    (r"/violations/", "notice_id", "violation_notices"),
    (r"/incidents/", "notice_id", "incident_notices"),
    (r"/tickets/", "photo_id", "ticket_photos"),
    (r"/move-in/inspections/", "photo_id", "inspection_photos"),
    (r"/violations/", "photo_id", "field_photos"),
    (r"/vacant", "photo_id", "field_photos"),
    (r"/facilities/", "photo_id", "field_photos"),
    (r"/patrols/", "photo_id", "field_photos"),
    (r"/incidents/", "photo_id", "field_photos"),
]
BY_ARGUMENT = {
    "announcement_id": "announcements",
    "area_id": "areas",
    "assignment_id": "shift_assignments",
    "authorisation_id": "pickup_authorisations",
    "bill_id": "bills",
    "building_id": "buildings",
    "callback_id": "callbacks",
    "case_id": "move_in_cases",
    "charge_id": "charge_types",
    "checkpoint_id": "patrol_checkpoints",
    "cover_id": "area_covers",
    "entry_id": "overtime_calendar_days",
    "facility_id": "facilities",
    "failure_id": "task_failures",
    "finding_id": "patrol_findings",
    "handover_id": "handovers",
    "incident_id": "incidents",
    "inspection_id": "unit_inspections",
    "key_id": "vacant_keys",
    "kind_id": "violation_kinds",
    "kiosk_id": "kiosks",
    "leave_id": "leave_requests",
    "occupancy_id": "occupancies",
    "parcel_id": "parcels",
    "payment_id": "payments",
    "property_id": "properties",
    "person_id": "move_in_people",
    "pickup_id": "kiosk_pickups",
    "question_id": "survey_questions",
    "reply_id": "violation_replies",
    "resident_id": "residents",
    "round_id": "patrol_rounds",
    "route_id": "patrol_routes",
    "rule_id": "visit_rules",
    "run_id": "billing_runs",
    "shift_id": "shifts",
    "sign_in_id": "sign_ins",
    "subject_id": "tickets",
    "survey_id": "surveys",
    "ticket_id": "tickets",
    "type_id": "document_types",
    "unit_id": "units",
    "user_id": "users",
    "vacant_id": "vacant_units",
    "violation_id": "violations",
    "visit_id": "resident_visits",
    "worker_id": "renovation_workers",
}
#: Text arguments that name a row (a printed code): (url pattern, argument) -> (table, column).
CODES = [
    (r"/patrols/", "code", "patrol_checkpoints", "code"),
    (r"/renovations/permit/", "code", "renovation_applications", "permit_code"),
]
#: Other arguments keep A's values: the same for both URLs.
PLAIN = {
    "fmt": "csv",
    "role": Role.ASSISTANT.value,
    "purpose": "x",
    "stage": "x",
    "subject": "ticket",
    "token": "x",
    "month": lambda: f"{today():%Y-%m}",
}

#: Columns kept as they are: codes, phones, numbers, statuses and the like must stay valid.
KEPT_COLUMNS = re.compile(
    r"(code|phone|number|status|kind|token|hash|username|email|path|stored_name|filename|content_type|mime|sha|"
    r"currency|locale|role|colou?r|url|icon|ip|source|action|time_zone|prefix|stripe|descriptor|slug|type|"
    r"_id|_key|key$|masked|plate|label|method|provider|reference|session|subject|basis|scope|unit$|rule)",
)


def _table(rule, argument):
    """The table an argument of `rule` names, or None when the sweep does not know it."""
    for pattern, name, table in BY_PATH:
        if name == argument and re.search(pattern, rule.rule):
            return table
    return BY_ARGUMENT.get(argument)


def _code_of(rule, argument):
    for pattern, name, table, column in CODES:
        if name == argument and re.search(pattern, rule.rule):
            return table, column
    return None


def _swept_rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        blueprint = rule.endpoint.split(".")[0]
        if blueprint in SWEPT_BLUEPRINTS and not SKIPPED.search(rule.endpoint):
            yield rule


def test_every_argument_of_a_swept_route_is_mapped(app):
    """A new route with an argument the sweep cannot fill fails here: map it above."""
    missing = []
    for rule in _swept_rules(app):
        for argument, converter in rule._converters.items():
            if type(converter).__name__ in ("IntegerConverter", "IdConverter"):
                if _table(rule, argument) is None:
                    missing.append(f"{rule.rule}: {argument}")
            elif _code_of(rule, argument) is None and argument not in PLAIN:
                missing.append(f"{rule.rule}: {argument}")
    assert not missing, "map these route arguments in tests/test_property_isolation.py:\n" + "\n".join(missing)


# --- the two properties ------------------------------------------------------------------------------------------

BUILT_FAILURES = []


def _try(what, build):
    """Build one thing; a builder broken elsewhere must not hide the rest of the sweep (the failure is listed)."""
    try:
        return build()
    except Exception as error:  # noqa: BLE001 - listed in the report
        db.session.rollback()
        BUILT_FAILURES.append(f"{what}: {type(error).__name__}: {str(error)[:120]}")
        return None


def _populate(prop):
    """The same shape of data for `prop`: register, staff, tickets, bills, parcels and each area's records."""
    from tests import (
        areas_builders,
        attendance_builders,
        facilities_builders,
        incident_mode_builders,
        overtime_builders,
        patrol_builders,
        supervision_builders,
        survey_builders,
        vacant_builders,
        violation_builders,
    )

    building = db.session.scalar(select(builders.Building).where(builders.Building.property_id == prop.id))
    unit = builders.create_unit(building)
    other_unit = builders.create_unit(building)
    resident = builders.create_resident(prop, unit)
    staff = {role: builders.create_staff(role, prop=prop) for role in Role}
    charge = _try("charge", lambda: builders.create_charge(prop))
    _try("bill", lambda: builders.create_bill(unit))
    _try("paid bill", lambda: _desk_payment(prop, unit))
    _try("announcement", lambda: _announcement(prop))
    _try("stored item", lambda: _stored_item(prop, unit))
    _try("handover", lambda: _handover(prop, staff[Role.FRONTDESK]))
    _try("renovation", lambda: _renovation(prop, unit, resident))
    _try("parcel", lambda: builders.create_parcel(unit))
    item = _try("lendable", lambda: builders.create_lendable(prop))
    if item is not None:
        _try("loan", lambda: builders.create_loan(item, unit))
    _try("kiosk", lambda: builders.create_kiosk(prop))
    _try("household", lambda: builders.create_household_with_bills(prop))
    area = _try(
        "area",
        lambda: areas_builders.create_area(
            prop, assistant=staff[Role.ASSISTANT], deputy=builders.create_staff(Role.ASSISTANT, prop=prop)
        ),
    )
    if area is not None:
        _try("cover", lambda: areas_builders.create_cover(area, today(), today() + timedelta(days=3)))
    shift = _try("shift", lambda: attendance_builders.create_shift(prop))
    if shift is not None:
        _try("rota", lambda: attendance_builders.plan(prop, staff[Role.FRONTDESK], shift, today()))
    _try("leave", lambda: attendance_builders.create_leave(prop, staff[Role.FRONTDESK], today() + timedelta(days=2)))
    facility = _try("facility", lambda: facilities_builders.create_facility(prop, first_due_on=today()))
    if facility is not None:
        _try("facility check", lambda: facilities_builders.create_check(facility, today()))
    _try("incident", lambda: incident_mode_builders.create_incident(prop, reporter=staff[Role.SECURITY]))
    _try("overtime calendar", lambda: overtime_builders.load_calendar(prop))
    _try("overtime", lambda: overtime_builders.create_overtime(prop, staff[Role.ENGINEERING], today()))
    case = _try("move-in case", lambda: supervision_builders.create_case(prop, unit=other_unit))
    if case is not None:
        _try("move-in key", lambda: supervision_builders.add_key(case))
    _try("survey", lambda: survey_builders.create_survey(prop))
    _try("failed task", lambda: builders.create_task_failure(prop))
    vacant = _try("vacant", lambda: vacant_builders.create_vacant(prop, other_unit))
    if vacant is not None:
        _try("vacant key", lambda: vacant_builders.create_key(vacant))
        _try("vacant check", lambda: vacant_builders.create_vacant_check(vacant, today()))
    kind = _try("violation kind", lambda: violation_builders.create_kind(prop, fine_charge=charge))
    if kind is not None:
        _try("violation", lambda: violation_builders.record(staff[Role.SECURITY], kind, unit=unit))
    _try("ticket", lambda: _ticket(prop, unit, resident))
    route = _try("patrol route", lambda: patrol_builders.create_route(prop, actor=patrol_builders.manager_actor()))
    if route is not None:
        _try("patrol round", lambda: patrol_builders.walk_round(route, today(), staff[Role.ASSISTANT]))
    db.session.commit()
    return {"unit": unit, "resident": resident, "staff": staff}


def _desk_payment(prop, unit):
    """A bill of `unit` paid at the desk: a payment with its receipt."""
    from domain.accounts.models import Actor
    from domain.current_property import working_for
    from domain.payments.desk import record_desk_payment

    paid = builders.create_bill(unit, total_fen=10000, period=date(2026, 9, 1), due_date=date(2026, 9, 30))
    with working_for(prop.id):
        payment = record_desk_payment(Actor.system("test"), unit_id=unit.id, bill_ids=[paid.id], method="cash")
    db.session.commit()
    return payment


def _announcement(prop):
    from domain.accounts.models import Actor
    from domain.announcements.services import publish
    from domain.clock import utcnow
    from domain.current_property import working_for

    with working_for(prop.id):
        now = utcnow()
        made = publish(
            Actor.system("test"),
            title="停水通知",
            body="明日停水",
            valid_from=now - timedelta(days=1),
            valid_until=now + timedelta(days=30),
        )
    db.session.commit()
    return made


def _stored_item(prop, unit):
    from domain.accounts.models import Actor
    from domain.current_property import working_for
    from domain.parcels.storage import store_item

    with working_for(prop.id):
        item, _code = store_item(
            Actor.system("test"), unit_label=unit.label, description="行李箱", depositor_name="王先生"
        )
    db.session.commit()
    return item


def _renovation(prop, unit, resident):
    """A draft renovation application of the resident's unit, with a worker."""
    from domain.accounts.models import Actor
    from domain.current_property import working_for
    from domain.renovation import applications
    from domain.renovation.models import RenovationWorker

    with working_for(prop.id):
        application = applications.start_application(
            Actor.for_user(resident.user, "127.0.0.1"),
            property_id=prop.id,
            resident_id=resident.id,
            unit_id=unit.id,
            allowed_units={unit.id},
            contractor_name="装修公司",
            description="客厅重新粉刷",
        )
        db.session.add(
            RenovationWorker(
                application_id=application.id, name="钱师傅", phone="13900001111", id_number_masked="1*************002X"
            )
        )
    db.session.commit()
    return application


def _handover(prop, desk):
    from domain.accounts.models import Actor
    from domain.current_property import working_for
    from domain.tickets.handover import create_handover

    with working_for(prop.id):
        made = create_handover(Actor.for_user(desk, "127.0.0.1"), property_id=prop.id, notes="交接事项")
    db.session.commit()
    return made


def _ticket(prop, unit, resident):
    from domain.clock import utcnow
    from tests.callback_builders import finished_ticket

    return finished_ticket(prop, unit, utcnow())


def _owned_rows(property_id):
    """{table: set of primary keys} of the rows that belong to `property_id`: their property_id, or a parent's."""
    owned = {"properties": {property_id}}
    for table in db.metadata.sorted_tables:
        if "id" not in table.c or table.name == "properties":
            continue
        if "property_id" in table.c:
            ids = set(db.session.scalars(select(table.c.id).where(table.c.property_id == property_id)))
        else:
            ids = set()
            for fk in table.foreign_keys:
                parent = owned.get(fk.column.table.name)
                if parent:
                    ids |= set(db.session.scalars(select(table.c.id).where(fk.parent.in_(parent))))
        if ids:
            owned[table.name] = ids
    return owned


def _marked_columns(table):
    for column in table.c:
        kind = column.type
        if not isinstance(kind, String | Text) or isinstance(kind, SAEnum) or KEPT_COLUMNS.search(column.name):
            continue
        if kind.length is not None and kind.length < 10:
            continue
        yield column


def _mark(owned, prefix):
    """Put a marker in every free-text column of the owned rows."""
    n = 0
    for table in db.metadata.sorted_tables:
        ids = owned.get(table.name)
        columns = list(_marked_columns(table))
        if not ids or not columns:
            continue
        for row_id in ids:
            values = {}
            for column in columns:
                n += 1
                values[column.name] = f"{prefix}{n}"
            db.session.execute(update(table).where(table.c.id == row_id).values(**values))
    db.session.commit()
    return n


def _snapshot(owned):
    """B's text columns, to compare before and after the POSTs."""
    shot = {}
    for table in db.metadata.sorted_tables:
        ids = owned.get(table.name)
        if not ids:
            continue
        columns = [c for c in table.c if isinstance(c.type, String | Text)] or [table.c.id]
        shot[table.name] = sorted(db.session.execute(select(table.c.id, *columns).where(table.c.id.in_(ids))).all())
    return shot


# --- the requests --------------------------------------------------------------------------------------------------


def _ids(owned, table, only_b_users=None):
    ids = sorted(owned.get(table, ()))
    if table == "users" and only_b_users is not None:
        ids = sorted(only_b_users)
    return ids


def _url_for(rule, owned, users):
    """The URL of `rule` with the ids of the property `owned` describes; None when it has no row to name."""
    values = {}
    for argument, converter in rule._converters.items():
        if type(converter).__name__ in ("IntegerConverter", "IdConverter"):
            table = _table(rule, argument)
            ids = users if table == "users" else sorted(owned.get(table, ()))
            values[argument] = ids[0] if ids else None
        elif (code := _code_of(rule, argument)) is not None:
            table, column = code
            ids = sorted(owned.get(table, ()))
            value = None
            if ids and column in db.metadata.tables[table].c:
                value = db.session.scalar(
                    select(db.metadata.tables[table].c[column]).where(db.metadata.tables[table].c.id.in_(ids)).limit(1)
                )
            values[argument] = value
        else:
            value = PLAIN[argument]
            values[argument] = value() if callable(value) else value
    if any(v is None for v in values.values()):
        return None
    return rule.build(values, append_unknown=False)[1]


def _text(response):
    body = response.get_data()
    if body[:4] == b"PK\x03\x04":  # a spreadsheet: read its parts
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return " ".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return body.decode("utf-8", "replace")


class _Failed:
    """What a request that raised answers in the sweep: a server error, with the error's name."""

    def __init__(self, error):
        self.status_code = 500
        self.error = f"{type(error).__name__}: {str(error)[:100]}"

    def get_data(self):
        return b""


def _request(client, method, url, errors):
    try:
        return client.open(url, method=method, data={} if method == "POST" else None)
    except Exception as error:  # noqa: BLE001 - an error page in production; listed in the report
        db.session.rollback()
        failed = _Failed(error)
        errors.append(f"{method} {url}: {failed.error}")
        return failed


def _sign_in(app, who, kind):
    client = app.test_client()
    if kind == "kiosk":
        builders.create_kiosk(who, client=client)
        return client
    area = "staff" if kind == "staff" else "portal"
    response = client.post(f"/{area}/login", data={"login": who.username, "password": builders.PASSWORD})
    assert response.status_code == 303, (who.username, response.status_code)
    return client


def test_no_property_sees_another(app, monkeypatch, capsys):
    started = time.perf_counter()
    BUILT_FAILURES.clear()
    prop_a = builders.create_property("甲项目")
    prop_b = builders.create_property("乙项目")
    a = _populate(prop_a)
    _populate(prop_b)
    owned_a = _owned_rows(prop_a.id)
    owned_b = _owned_rows(prop_b.id)
    users_a = sorted({u.id for u in a["staff"].values()})
    b_role_users = set(
        db.session.scalars(select(builders.StaffRole.user_id).where(builders.StaffRole.property_id == prop_b.id))
    )
    a_role_users = set(
        db.session.scalars(select(builders.StaffRole.user_id).where(builders.StaffRole.property_id == prop_a.id))
    )
    users_b = sorted(b_role_users - a_role_users)
    b_user_ids = set(users_b) | {
        r
        for r in db.session.scalars(select(builders.Resident.user_id).where(builders.Resident.property_id == prop_b.id))
        if r
    }
    markers = _mark(owned_b, MARKER_B)
    for user_id in b_user_ids:
        db.session.execute(update(User).where(User.id == user_id).values(display_name=f"{MARKER_B}u{user_id}"))
    db.session.commit()
    before = _snapshot(owned_b)
    loaded = time.perf_counter()

    identities = []
    for role in Role:
        identities.append((f"staff {role.value}", "staff", builders.create_staff(role, prop=prop_a)))
    manager = builders.create_staff(Role.ASSISTANT, prop=prop_a)
    db.session.execute(update(User).where(User.id == manager.id).values(company_role=CompanyRole.AREA_MANAGER))
    db.session.commit()
    identities.append(("company area manager", "staff", manager))
    identities.append(("resident", "portal", a["resident"].user))
    identities.append(("kiosk", "kiosk", prop_a))

    clients = [(name, area, _sign_in(app, who, "kiosk" if area == "kiosk" else area)) for name, area, who in identities]
    monkeypatch.setattr(limiter, "enabled", False)

    rules = list(_swept_rules(app))
    problems, requests, uncovered, errors = [], 0, set(), []
    for name, area, client in clients:
        areas = {"staff": ("staff", "company"), "portal": ("portal",), "kiosk": ("kiosk",)}[area]
        for rule in rules:
            if rule.endpoint.split(".")[0] not in areas:
                continue
            takes_ids = bool(rule.arguments - set(PLAIN))
            url_a = _url_for(rule, owned_a, users_a)
            url_b = _url_for(rule, owned_b, users_b) if takes_ids else None
            if takes_ids and url_b is None:
                uncovered.add(rule.rule)
            status_a = None
            if "GET" in rule.methods and url_a is not None:
                response = _request(client, "GET", url_a, errors)
                requests += 1
                status_a = response.status_code
                if status_a >= 500:
                    problems.append(f"{name}: GET {url_a} answered {status_a}")
                if MARKER_B in _text(response):
                    problems.append(f"{name}: GET {url_a} shows a B marker")
            if url_b is None:
                continue
            if "GET" in rule.methods:
                response = _request(client, "GET", url_b, errors)
                requests += 1
                if MARKER_B in _text(response):
                    problems.append(f"{name}: GET {url_b} shows a B marker")
                if response.status_code != 404 and not (response.status_code == 403 and status_a == 403):
                    problems.append(f"{name}: GET {url_b} answered {response.status_code} (A's: {status_a})")
            if "POST" in rule.methods:
                response = _request(client, "POST", url_b, errors)
                requests += 1
                if response.status_code < 400:
                    problems.append(f"{name}: POST {url_b} answered {response.status_code}")
                if MARKER_B in _text(response):
                    problems.append(f"{name}: POST {url_b} shows a B marker")
    after = _snapshot(_owned_rows(prop_b.id))  # a row added to B shows too
    changed = sorted(t for t in before if before[t] != after.get(t))
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(
            f"\nsweep: {len(rules)} routes, {requests} requests, {markers} markers in B, "
            f"loaded in {loaded - started:.1f}s, swept in {elapsed - (loaded - started):.1f}s; "
            f"{len(uncovered)} routes without B rows; builders failed: {BUILT_FAILURES}"
        )
        for error in sorted(set(errors)):
            print("  server error:", error)
        for rule in sorted(uncovered):
            print("  not covered (no B row):", rule)
    assert not BUILT_FAILURES, f"the fixture lost data: {BUILT_FAILURES}"
    assert not changed, f"POSTs with B's ids changed B's rows in: {changed}"
    assert not problems, "\n".join(problems)
