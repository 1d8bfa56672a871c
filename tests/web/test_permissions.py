"""Every console route against every role, and the areas against each other.

The table below is written out by hand on purpose: it is the specification, and a new route
must be added to it (test_every_console_route_is_in_the_table) before the suite passes.
"""

from datetime import date, timedelta

import pytest

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.announcements.models import Announcement
from domain.billing.models import BillingRun, RunStatus
from domain.clock import utcnow
from domain.kiosk.models import Kiosk
from domain.parcels.models import LendableItem, Loan, Parcel, StoredItem
from domain.payments.desk import record_desk_payment
from domain.property.models import Occupancy
from domain.renovation.models import RenovationApplication, RenovationDocument, RenovationStatus
from domain.throttle.models import DeskAlert
from domain.tickets import recording
from domain.tickets.models import Callback, Department, Handover, ResidentVisit, ServiceItem, TicketPhoto
from extensions import db
from tests import builders
from tests.web.route_tables import (
    archives,
    areas,
    attendance,
    callbacks,
    desk,
    evaluation,
    exports,
    facilities,
    incidents,
    inspections,
    movein,
    overtime,
    patrols,
    reports,
    supervision,
    surveys,
    tasks,
    vacant,
    violations,
)

AREAS = (
    movein,
    inspections,
    supervision,
    archives,
    desk,
    areas,
    patrols,
    facilities,
    incidents,
    vacant,
    violations,
    overtime,
    surveys,
    attendance,
    callbacks,
    evaluation,
    exports,
    reports,
    tasks,
)

ALL = frozenset(Role)
KEEPERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FRONTDESK})
NOT_CLEANING = ALL - {Role.CLEANING}
MANAGER = frozenset({Role.MANAGER})
BILLING = KEEPERS | {Role.FINANCE}
COLLECTORS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FINANCE})
DESK = frozenset({Role.FRONTDESK, Role.FINANCE})
FINANCE = frozenset({Role.MANAGER, Role.FINANCE})
READERS = FINANCE | {Role.ENGINEERING}
RECORDERS = KEEPERS | {Role.SECURITY, Role.ENGINEERING, Role.CLEANING}
ENGINEERING_QUEUE = frozenset({Role.ENGINEERING, Role.MANAGER})
BOARD = frozenset({Role.MANAGER, Role.ASSISTANT})
COUNTER = KEEPERS | {Role.SECURITY}
LENDING_LIST = frozenset({Role.MANAGER, Role.FRONTDESK})
RENOVATIONS = KEEPERS | {Role.ENGINEERING, Role.SECURITY, Role.FINANCE}
GATE = frozenset({Role.SECURITY, Role.MANAGER})
INSPECTORS = frozenset({Role.SECURITY, Role.ENGINEERING, Role.MANAGER})

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.home": ("GET", "/staff/", ALL),
    "staff.change_password": ("GET", "/staff/password", ALL),
    "staff.list_devices": ("GET", "/staff/devices", ALL),
    "staff.list_units": ("GET", "/staff/units/", NOT_CLEANING),
    "staff.show_unit": ("GET", "/staff/units/{unit}", NOT_CLEANING),
    "staff.create_unit": ("GET", "/staff/units/new", KEEPERS),
    "staff.edit_unit": ("GET", "/staff/units/{unit}/edit", KEEPERS),
    "staff.list_buildings": ("GET", "/staff/buildings/", NOT_CLEANING),
    "staff.create_building": ("GET", "/staff/buildings/new", KEEPERS),
    "staff.edit_building": ("GET", "/staff/buildings/{building}/edit", KEEPERS),
    "staff.list_residents": ("GET", "/staff/residents/", KEEPERS | {Role.FINANCE}),
    "staff.show_resident": ("GET", "/staff/residents/{resident}", KEEPERS | {Role.FINANCE}),
    "staff.create_resident": ("GET", "/staff/residents/new", KEEPERS),
    "staff.edit_resident": ("POST", "/staff/residents/{resident}", KEEPERS),
    "staff.add_occupancy": ("POST", "/staff/residents/{resident}/occupancies", KEEPERS),
    "staff.end_occupancy": ("POST", "/staff/occupancies/{occupancy}/end", KEEPERS),
    "staff.create_resident_account": ("POST", "/staff/residents/{resident}/account", KEEPERS),
    "staff.import_register": ("GET", "/staff/import", KEEPERS),
    "staff.list_announcements": ("GET", "/staff/announcements/", KEEPERS),
    "staff.create_announcement": ("GET", "/staff/announcements/new", KEEPERS),
    "staff.edit_announcement": ("GET", "/staff/announcements/{announcement}/edit", KEEPERS),
    "staff.withdraw_announcement": ("POST", "/staff/announcements/{announcement}/withdraw", KEEPERS),
    "staff.list_accounts": ("GET", "/staff/accounts/", MANAGER),
    "staff.create_account": ("GET", "/staff/accounts/new", MANAGER),
    "staff.edit_account": ("GET", "/staff/accounts/{staff}/edit", MANAGER),
    "staff.grant_account_role": ("GET", "/staff/accounts/add", MANAGER),
    "staff.choose_property_page": ("GET", "/staff/properties/choose", ALL),
    "staff.reset_account_password": ("POST", "/staff/accounts/{staff}/password", MANAGER),
    "staff.remove_account_role": ("POST", "/staff/accounts/{staff}/remove", MANAGER),
    "staff.list_audit": ("GET", "/staff/audit", MANAGER),
    "staff.billing_home": ("GET", "/staff/billing/", BILLING),
    "staff.find_unit_bills": ("GET", "/staff/billing/find?unit=1-0000", BILLING),
    "staff.list_arrears": ("GET", "/staff/billing/arrears", COLLECTORS),
    "staff.send_reminders": ("POST", "/staff/billing/arrears/remind", COLLECTORS),
    "staff.unit_bills": ("GET", "/staff/billing/units/{unit}", BILLING),
    "staff.record_payment": ("POST", "/staff/billing/units/{unit}/payments", DESK),
    "staff.show_payment": ("GET", "/staff/billing/payments/{payment}", BILLING),
    "staff.void_payment": ("POST", "/staff/billing/payments/{payment}/void", FINANCE),
    "staff.refund_payment": ("POST", "/staff/billing/payments/{payment}/refund", FINANCE),
    "staff.payment_receipt": ("GET", "/staff/billing/payments/{payment}/receipt.pdf", BILLING),
    "staff.list_charges": ("GET", "/staff/fees/", FINANCE),
    "staff.create_charge": ("GET", "/staff/fees/new", FINANCE),
    "staff.edit_charge": ("GET", "/staff/fees/{charge}/edit", FINANCE),
    "staff.add_charge_rate": ("POST", "/staff/fees/{charge}/rates", FINANCE),
    "staff.charge_one_off": ("POST", "/staff/fees/one-off", FINANCE),
    "staff.list_readings": ("GET", "/staff/fees/readings", READERS),
    "staff.import_readings": ("POST", "/staff/fees/readings/import", READERS),
    "staff.list_runs": ("GET", "/staff/fees/runs", FINANCE),
    "staff.preview_run": ("POST", "/staff/fees/runs/preview", FINANCE),
    "staff.start_run": ("POST", "/staff/fees/runs", FINANCE),
    "staff.reverse_run": ("POST", "/staff/fees/runs/{run}/reverse", FINANCE),
    "staff.late_fees": ("GET", "/staff/fees/late-fees", FINANCE),
    "staff.post_late_fees": ("POST", "/staff/fees/late-fees/post", FINANCE),
    # The ticket is a new repair (engineering's, nobody has it): steps for "the assignee" are the manager's.
    "staff.list_tickets": ("GET", "/staff/tickets/", ALL),
    "staff.tickets_to_forward": ("GET", "/staff/tickets/to-forward", ALL),
    "staff.create_ticket": ("GET", "/staff/tickets/new", RECORDERS),
    "staff.show_ticket": ("GET", "/staff/tickets/{ticket}", ALL),
    "staff.ticket_photo": ("GET", "/staff/tickets/{ticket}/photos/{photo}", ALL),
    "staff.dispatch_ticket": ("POST", "/staff/tickets/{ticket}/dispatch", KEEPERS),
    "staff.redirect_ticket": ("POST", "/staff/tickets/{ticket}/redirect", KEEPERS),
    "staff.claim_ticket": ("POST", "/staff/tickets/{ticket}/claim", ENGINEERING_QUEUE),
    "staff.schedule_ticket": ("POST", "/staff/tickets/{ticket}/schedule", MANAGER),
    "staff.hand_back_ticket": ("POST", "/staff/tickets/{ticket}/hand-back", MANAGER),
    "staff.ask_resident": ("POST", "/staff/tickets/{ticket}/ask", MANAGER),
    "staff.resume_ticket": ("POST", "/staff/tickets/{ticket}/resume", MANAGER),
    "staff.record_work": ("POST", "/staff/tickets/{ticket}/work", MANAGER),
    "staff.cannot_come": ("POST", "/staff/tickets/{ticket}/cannot-come", ENGINEERING_QUEUE),
    "staff.finish_ticket": ("POST", "/staff/tickets/{ticket}/finish", MANAGER),
    "staff.close_ticket": ("POST", "/staff/tickets/{ticket}/close", KEEPERS),
    "staff.cancel_ticket": ("POST", "/staff/tickets/{ticket}/cancel", KEEPERS),
    "staff.comment_ticket": ("POST", "/staff/tickets/{ticket}/comment", ALL),
    "staff.classify_ticket": ("POST", "/staff/tickets/{ticket}/classify", KEEPERS),
    "staff.record_outcome": ("POST", "/staff/tickets/{ticket}/outcome", MANAGER),
    "staff.list_callbacks": ("GET", "/staff/callbacks", KEEPERS),
    "staff.record_callback": ("POST", "/staff/callbacks/{callback}", KEEPERS),
    "staff.list_contacts": ("GET", "/staff/contacts", RECORDERS),
    "staff.list_visits": ("GET", "/staff/visits", KEEPERS),
    "staff.finish_visit": ("POST", "/staff/visits/{visit}/done", KEEPERS),
    "staff.show_board": ("GET", "/staff/board", BOARD),
    "staff.handover": ("GET", "/staff/handover", KEEPERS),
    "staff.acknowledge_handover": ("POST", "/staff/handover/{handover}/ack", KEEPERS),
    "staff.service_levels": ("GET", "/staff/service-levels", MANAGER),
    "staff.create_service_item": ("POST", "/staff/service-items", MANAGER),
    "staff.update_service_item": ("POST", "/staff/service-items/{service_item}", MANAGER),
    "staff.log_parcels": ("GET", "/staff/parcels/", COUNTER),
    "staff.suggest_units": ("GET", "/staff/parcels/units?unit_label=1", COUNTER),
    "staff.recognise_carrier": ("GET", "/staff/parcels/carrier?tracking_number=SF1234567890123", COUNTER),
    "staff.parcel_aging": ("GET", "/staff/parcels/aging", COUNTER),
    "staff.list_waiting_parcels": ("GET", "/staff/parcels/waiting", COUNTER),
    "staff.show_parcel": ("GET", "/staff/parcels/{parcel}", COUNTER),
    "staff.return_parcel": ("POST", "/staff/parcels/{parcel}/return", COUNTER),
    "staff.void_parcel": ("POST", "/staff/parcels/{parcel}/void", COUNTER),
    "staff.pick_up_parcels": ("GET", "/staff/parcels/pickup", COUNTER),
    "staff.hand_over_parcels": ("POST", "/staff/parcels/hand-over", COUNTER),
    "staff.confirm_kiosk_pickup": ("POST", "/staff/parcels/kiosk-pickups/1", COUNTER),
    "staff.acknowledge_alert": ("POST", "/staff/parcels/alerts/{alert}/acknowledge", COUNTER),
    "staff.counter_report": ("GET", "/staff/parcels/report", COUNTER),
    "staff.store_item": ("GET", "/staff/storage/", COUNTER),
    "staff.claim_item": ("GET", "/staff/storage/claim", COUNTER),
    "staff.release_item": ("POST", "/staff/storage/release", COUNTER),
    "staff.void_stored_item": ("POST", "/staff/storage/{stored_item}/void", COUNTER),
    "staff.stored_item_photo": ("GET", "/staff/storage/{stored_item}/photo", COUNTER),
    "staff.lend_item": ("GET", "/staff/lending/", COUNTER),
    "staff.return_loan": ("POST", "/staff/lending/{loan}/return", COUNTER),
    "staff.void_loan": ("POST", "/staff/lending/{loan}/void", COUNTER),
    "staff.list_lendables": ("GET", "/staff/lending/items", LENDING_LIST),
    "staff.edit_lendable": ("GET", "/staff/lending/items/{lendable}", LENDING_LIST),
    "staff.property_settings_page": ("GET", "/staff/property/settings", MANAGER),
    "staff.list_kiosks": ("GET", "/staff/kiosks/", MANAGER),
    "staff.revoke_kiosk": ("POST", "/staff/kiosks/{kiosk}/revoke", MANAGER),
    "staff.list_renovations": ("GET", "/staff/renovations/", RENOVATIONS),
    "staff.show_renovation": ("GET", "/staff/renovations/{renovation}", RENOVATIONS),
    "staff.take_renovation_step": ("POST", "/staff/renovations/{renovation}/step", RENOVATIONS),
    "staff.renovation_document": (
        "GET",
        "/staff/renovations/{renovation}/documents/{renovation_document}",
        RENOVATIONS,
    ),
    "staff.renovation_permit": ("GET", "/staff/renovations/{renovation}/permit", RENOVATIONS),
    "staff.renovation_permit_pdf": ("GET", "/staff/renovations/{renovation}/permit.pdf", RENOVATIONS),
    "staff.check_permit": ("GET", "/staff/renovations/permit/{permit_code}", GATE),
    "staff.inspect_renovation": ("POST", "/staff/renovations/{renovation}/inspections", INSPECTORS),
    "staff.record_renovation_violation": ("POST", "/staff/renovations/{renovation}/violations", INSPECTORS),
    "staff.resolve_renovation_violation": ("POST", "/staff/renovations/{renovation}/violations/1", INSPECTORS),
    "staff.accept_renovation": ("POST", "/staff/renovations/{renovation}/acceptance", RENOVATIONS),
    "staff.refund_renovation_deposit": ("POST", "/staff/renovations/{renovation}/refund", RENOVATIONS),
    "staff.add_renovation_worker_pass": ("POST", "/staff/renovations/{renovation}/workers", KEEPERS | {Role.SECURITY}),
    "staff.revoke_renovation_worker_pass": (
        "POST",
        "/staff/renovations/{renovation}/workers/1/revoke",
        KEEPERS | {Role.SECURITY},
    ),
    "staff.revoke_renovation_permit": ("POST", "/staff/renovations/{renovation}/revoke-permit", INSPECTORS),
}
#: Signing in and out (one's own devices too: tests/web/test_sessions.py); a role table cannot walk them.
SIGN_IN_ROUTES = {"staff.login", "staff.logout", "staff.sign_out_device", "staff.sign_out_everywhere"}
PORTAL_ROUTES = [
    "/portal/",
    "/portal/profile",
    "/portal/password",
    "/portal/parcels",
    "/portal/renovations",
    "/portal/documents",
    "/portal/notices",
    "/portal/surveys",
    "/portal/devices",
]


@pytest.fixture
def ids(prop):
    """One of each record the URLs need."""
    unit = builders.create_unit()
    resident = builders.create_resident(prop, unit=unit)
    now = utcnow()
    announcement = Announcement(
        property_id=prop.id, title="t", body="b", valid_from=now, valid_until=now + timedelta(days=1)
    )
    db.session.add(announcement)
    other_staff = builders.create_staff(Role.CLEANING)
    db.session.commit()
    occupancy = db.session.query(Occupancy).filter_by(resident_id=resident.id).one()
    bill = builders.create_bill(unit)
    payment = record_desk_payment(Actor.system("test"), unit_id=unit.id, bill_ids=[bill.id], method="cash")
    charge = builders.create_charge(prop)
    run = BillingRun(property_id=prop.id, period=date(2026, 1, 1), due_date=date(2026, 1, 31), status=RunStatus.DONE)
    db.session.add(run)
    ticket = recording.create_ticket(
        Actor.system("test"), property_id=prop.id, kind="repair", channel="phone", description="漏水", unit_id=unit.id
    )
    db.session.flush()
    photo = TicketPhoto(ticket_id=ticket.id, stored_name="missing.jpg", content_type="image/jpeg", size=1)
    callback = Callback(ticket_id=ticket.id, due_at=utcnow() + timedelta(days=1))
    visit = ResidentVisit(
        property_id=prop.id, unit_id=unit.id, planned_for=utcnow() + timedelta(days=1), purpose="走访"
    )
    handover = Handover(
        property_id=prop.id,
        from_user_id=other_staff.id,
        items={"tickets": [], "callbacks": [], "more": {"tickets": 0, "callbacks": 0}},
    )
    item = ServiceItem(property_id=prop.id, name="疏通下水道", price_fen=5000, department=Department.ENGINEERING)
    db.session.add_all([photo, callback, visit, handover, item])
    parcel = Parcel(property_id=prop.id, unit_id=unit.id, tracking_number="SF0001", carrier="sf")
    stored = StoredItem(
        property_id=prop.id,
        unit_id=unit.id,
        description="伞",
        depositor_name="王",
        code_hash="x",
        expires_on=date(2030, 1, 1),
    )
    lendable = LendableItem(property_id=prop.id, name="梯子", quantity=1)
    alert = DeskAlert(property_id=prop.id, scope="parcel_code", place="x", message="")
    db.session.add_all([parcel, stored, lendable, alert])
    db.session.flush()
    loan = Loan(
        property_id=prop.id,
        item_id=lendable.id,
        unit_id=unit.id,
        borrower_name="王",
        due_at=utcnow() + timedelta(days=1),
    )
    renovation = RenovationApplication(
        property_id=prop.id,
        unit_id=unit.id,
        resident_id=resident.id,
        status=RenovationStatus.SUBMITTED,
        scope=["walls"],
    )
    db.session.add_all([loan, renovation])
    db.session.flush()
    kiosk = Kiosk(property_id=prop.id, name="大堂")
    db.session.add(kiosk)
    document = RenovationDocument(
        application_id=renovation.id,
        stored_name="missing.pdf",
        shown_name="图纸.pdf",
        content_type="application/pdf",
        size=1,
    )
    db.session.add(document)
    db.session.commit()
    from domain.renovation.permits import permit_code

    return {
        "kiosk": kiosk.id,
        "renovation": renovation.id,
        "renovation_document": document.id,
        "permit_code": permit_code(renovation),
        "parcel": parcel.id,
        "stored_item": stored.id,
        "lendable": lendable.id,
        "loan": loan.id,
        "alert": alert.id,
        "ticket": ticket.id,
        "photo": photo.id,
        "callback": callback.id,
        "visit": visit.id,
        "handover": handover.id,
        "service_item": item.id,
        "payment": payment.id,
        "charge": charge.id,
        "run": run.id,
        "unit": unit.id,
        "building": unit.building_id,
        "resident": resident.id,
        "occupancy": occupancy.id,
        "announcement": announcement.id,
        "staff": other_staff.id,
    } | {key: value for area in AREAS for key, value in area.records(prop, unit, resident).items()}


for _area in AREAS:
    TABLE.update(_area.TABLE)


def test_every_console_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("staff.")}
    assert endpoints - SIGN_IN_ROUTES == set(TABLE)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_reaches_exactly_its_routes(client, auth, ids, role):
    auth.login_staff(builders.create_staff(role))
    for endpoint, (method, template, allowed) in TABLE.items():
        url = template.format(**ids)
        response = client.open(url, method=method, data={})
        if role in allowed:
            assert response.status_code != 403, f"{role.value} refused {endpoint}"
            assert response.status_code < 500, f"{endpoint} failed for {role.value}"
        else:
            # A ticket another department may not see answers 404, so that its existence does not leak.
            refusals = (403, 404) if "{ticket}" in template else (403,)
            assert response.status_code in refusals, f"{role.value} reached {endpoint} ({response.status_code})"


def test_residents_never_reach_the_console(client, auth, ids, prop):
    resident = builders.create_resident(prop)
    auth.login_resident(resident.user)
    for method, template, _ in TABLE.values():
        assert client.open(template.format(**ids), method=method, data={}).status_code == 403


def test_signed_out_visitors_are_sent_to_the_right_login(client, ids):
    for method, template, _ in TABLE.values():
        response = client.open(template.format(**ids), method=method, data={})
        assert response.status_code in (302, 303) and "/staff/login" in response.headers["Location"]
    for url in PORTAL_ROUTES:
        response = client.get(url)
        assert response.status_code in (302, 303) and "/portal/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.FRONTDESK], ids=lambda r: r.value)
def test_staff_do_not_use_the_resident_portal(client, auth, role):
    auth.login_staff(builders.create_staff(role))
    for url in PORTAL_ROUTES:
        assert client.get(url).status_code == 403


def test_a_refused_staff_action_changes_nothing(client, auth, ids):
    auth.login_staff(builders.create_staff(Role.ENGINEERING))
    response = client.post(f"/staff/residents/{ids['resident']}", data={"name": "改名", "phone": "13800138000"})
    assert response.status_code == 403
    assert "改名" not in client.get(f"/staff/units/{ids['unit']}").get_data(as_text=True)
