"""What the demo holds: the two properties, accounts per role and across them, every area's examples; loading it
again adds nothing. The demo is loaded once for the module (`demo_data`): these tests only read it."""

from sqlalchemy import func, select

from domain.accounts.models import Actor, User
from domain.billing.models import Bill
from domain.billing.schedule import month_before
from domain.clock import today
from domain.current_property import working_for
from domain.demo import (
    BOTH_PROPERTIES_RESIDENT,
    COMPANY_STAFF,
    DEMO_RESIDENTS,
    DEMO_STAFF,
    GARDEN_NAME,
    GARDEN_STAFF,
    PROPERTY_NAME,
    load_demo,
)
from domain.payments.collection import AGE_BUCKETS, arrears_totals, collection_for
from domain.payments.models import Method, Payment, Receipt
from domain.payments.statements import bills_for_resident
from domain.property.buildings import get_property
from domain.property.models import Building, Property, Resident, Unit, UnitStatus
from extensions import db


def test_demo_loads_both_properties_with_staff_per_role_and_is_idempotent(demo_data):
    first = demo_data
    assert first["property"] and first["garden"]
    assert first["staff"] == [u for u, *_ in DEMO_STAFF + GARDEN_STAFF + COMPANY_STAFF]
    assert first["residents"] == [u for u, *_ in DEMO_RESIDENTS] + [BOTH_PROPERTIES_RESIDENT[0]]
    plaza = db.session.scalar(select(Property).where(Property.name == PROPERTY_NAME))
    units = _count(Unit, plaza)
    residents = db.session.query(Resident).filter_by(property_id=plaza.id).count()
    assert db.session.query(Building).filter_by(property_id=plaza.id).count() >= 2 and units >= 200
    assert db.session.query(Unit).filter_by(status=UnitStatus.VACANT).count() > 0
    assert residents > units / 2
    with working_for(plaza.id):
        _assert_billing_history()
        _assert_vacancy_fee()
    _assert_garden()
    counts = {model: db.session.query(model).count() for model in (Unit, Resident, User, Bill, Payment)}
    second = load_demo("demo1234", Actor.system())
    db.session.commit()
    assert second == {"property": False, "garden": False, "staff": [], "residents": []}
    assert {model: db.session.query(model).count() for model in counts} == counts
    assert {u.username for u in db.session.query(User)} >= {
        "manager",
        "frontdesk",
        "assistant",
        "engineer",
        "security",
        "finance",
        "cleaner",
        "resident1",
    }


def _count(model, prop):
    """How many `model` rows (a unit, or anything with a property_id) belong to `prop`."""
    statement = select(func.count()).select_from(model)
    if model is Unit:
        statement = statement.join(Building, Unit.building_id == Building.id).where(Building.property_id == prop.id)
    else:
        statement = statement.where(model.property_id == prop.id)
    return db.session.scalar(statement)


def _assert_garden():
    """亿丰花园: its own register, fees, service level, catalogue, announcement, a year of bills with receipts
    numbered from 1, tickets and parcels; the people above and across the properties; a resident in both."""
    from domain.announcements.models import Announcement
    from domain.billing.models import ChargeRate, ChargeType
    from domain.parcels.models import Parcel
    from domain.property.scope import property_choices
    from domain.tickets.models import ServiceItem, ServiceLevel, Ticket

    garden = db.session.scalar(select(Property).where(Property.name == GARDEN_NAME))
    assert db.session.query(Building).filter_by(property_id=garden.id).count() == 2
    assert 40 <= _count(Unit, garden) < 100
    for model in (Resident, Announcement, ServiceItem, ServiceLevel, Ticket, Parcel, Bill, Payment):
        assert _count(model, garden), model
    pm = db.session.scalar(select(ChargeType).where(ChargeType.property_id == garden.id, ChargeType.code == "PM"))
    assert [rate.rate_fen for rate in db.session.scalars(select(ChargeRate).where(ChargeRate.charge_type_id == pm.id))]
    assert db.session.scalar(select(func.min(Receipt.sequence)).where(Receipt.property_id == garden.id)) == 1
    accounts = {user.username: user for user in db.session.scalars(select(User))}
    for username, _name, plaza_role, garden_role, company_role in COMPANY_STAFF:
        user = accounts[username]
        assert user.company_role == company_role
        assert {(r.property_id == garden.id, r.role) for r in user.roles} == {
            (at_garden, role) for at_garden, role in ((False, plaza_role), (True, garden_role)) if role is not None
        }
    assert len(property_choices(accounts["area"].id, accounts["area"].kind)) == 2
    resident = accounts[BOTH_PROPERTIES_RESIDENT[0]]
    assert len(property_choices(resident.id, resident.kind)) == 2
    # Working for the garden, the resident sees the garden's bills only, and something to pay.
    with working_for(garden.id):
        row = db.session.scalar(select(Resident).where(Resident.user_id == resident.id))
        assert row.property_id == garden.id
        views = bills_for_resident(row.id, today())
        assert views and all(view.bill.property_id == garden.id for view in views)
        assert any(view.bill.outstanding_fen for view in views)


def _assert_billing_history():
    """Twelve months of bills, every payment method, collection near the 90 % target, arrears of every age."""
    prop = get_property()
    months = db.session.scalars(
        select(Bill.period).where(Bill.period.is_not(None)).distinct()
    ).all()  # one-off bills have none
    assert len(months) == 12
    assert set(db.session.scalars(select(Payment.method).distinct())) == set(Method) - {Method.ONLINE}
    past = collection_for(prop.id, month_before(month_before(today().replace(day=1))))
    assert 8000 <= past.rate_x100 <= 9800
    arrears = arrears_totals(prop.id, today())
    assert all(arrears[key] > 0 for key, _first, _last in AGE_BUCKETS)
    # Receipts are numbered without gaps, in the order of the payments' dates.
    receipts = db.session.execute(select(Receipt.year, Receipt.sequence).join(Payment).order_by(Payment.paid_at)).all()
    for year in {y for y, _ in receipts}:
        assert [s for y, s in receipts if y == year] == list(range(1, 1 + sum(1 for y2, _ in receipts if y2 == year)))
    resident = db.session.scalar(select(Resident).join(Resident.user).where(User.username == "resident1"))
    assert any(view.bill.outstanding_fen for view in bills_for_resident(resident.id, today()))


def test_demo_has_tickets_of_every_kind_in_many_states(demo_data):
    from domain.tickets.models import Status, Ticket, TicketKind

    tickets = db.session.query(Ticket).all()
    assert {t.kind for t in tickets} == set(TicketKind)
    assert {Status.NEW, Status.DISPATCHED, Status.CLAIMED, Status.SCHEDULED, Status.DONE, Status.CLOSED} <= {
        t.status for t in tickets
    }
    assert any(t.escalated_at for t in tickets)


def test_demo_has_field_work_an_assistant_and_a_resident_can_see(demo_data):
    from domain.areas.lookup import unit_assistant
    from domain.areas.models import Area
    from domain.facilities.models import Facility, FacilityCheck
    from domain.incidents.models import Incident, IncidentNotice, IncidentStatus
    from domain.patrols.models import PatrolRound, PatrolRoute, RoundStatus

    report = demo_data
    assert report["areas"] >= 2 and report["patrol_routes"] >= 2 and report["facilities"] >= 10
    assert report["incident_notice"]
    assert db.session.query(Area).count() == report["areas"]
    # Every demo resident's unit has its assistant, shown in the portal.
    resident = db.session.scalar(select(Resident).join(Resident.user).where(User.username == "resident1"))
    unit_id = resident.occupancies[0].unit_id
    area, assistant = unit_assistant(unit_id, today())
    assert area is not None and assistant is not None
    assert db.session.query(PatrolRoute).count() == report["patrol_routes"]
    assert {r.status for r in db.session.query(PatrolRound)} >= {RoundStatus.FINISHED}
    assert db.session.query(Facility).count() == report["facilities"] and db.session.query(FacilityCheck).count()
    statuses = {i.status for i in db.session.query(Incident)}
    assert statuses >= {IncidentStatus.OPEN, IncidentStatus.CLOSED}
    assert db.session.query(IncidentNotice).count() == 1


def test_demo_has_violations_in_every_stage_and_vacant_units_with_keys_and_checks(demo_data):
    from domain.vacant.models import VacantUnit
    from domain.violations.models import Violation
    from domain.violations.queries import resident_violations

    report = demo_data
    assert report["violations"] == db.session.query(Violation).count() >= 5
    assert report["vacant_units"] == db.session.query(VacantUnit).count() == 10
    # resident1 finds a violation notice about their own unit in the portal.
    resident = db.session.scalar(select(Resident).join(Resident.user).where(User.username == "resident1"))
    assert resident_violations(resident.id, today())


def _assert_vacancy_fee():
    """Every unit's history ends in its status today, and a unit vacant all last month paid 物业管理费 at 70 %."""
    from sqlalchemy import func

    from domain.billing.models import BillLine, ChargeType, LineKind
    from domain.property.models import UnitStatusChange

    latest = (
        select(UnitStatusChange.unit_id, func.max(UnitStatusChange.effective_on).label("day"))
        .group_by(UnitStatusChange.unit_id)
        .subquery()
    )
    statuses = dict(
        db.session.execute(
            select(UnitStatusChange.unit_id, UnitStatusChange.to_status).join(
                latest,
                (latest.c.unit_id == UnitStatusChange.unit_id) & (latest.c.day == UnitStatusChange.effective_on),
            )
        ).all()
    )
    units = dict(db.session.execute(select(Unit.id, Unit.status).order_by(Unit.id)).all())  # the property worked for
    assert {unit_id: statuses.get(unit_id) for unit_id in units} == units
    assert db.session.scalar(select(ChargeType.vacancy_percent).where(ChargeType.code == "PM")) == 70
    vacant = [unit_id for unit_id, status in units.items() if status == UnitStatus.VACANT]
    lines = db.session.execute(
        select(BillLine.description, BillLine.kind)
        .join(Bill, BillLine.bill_id == Bill.id)
        .where(Bill.unit_id == vacant[0], Bill.period == month_before(today().replace(day=1)))
    ).all()
    assert ("物业管理费（空置 70%）", LineKind.VACANCY) in [tuple(line) for line in lines]


def test_demo_has_the_holiday_calendar_and_overtime_confirmed_and_refused(demo_data):
    from domain.overtime.calendar import PUBLISHED
    from domain.overtime.models import CalendarDay, OvertimeApplication, OvertimeStatus

    report = demo_data
    assert report["overtime"] == db.session.query(OvertimeApplication).count() == 2
    assert {a.status for a in db.session.query(OvertimeApplication)} == {
        OvertimeStatus.CONFIRMED,
        OvertimeStatus.REFUSED,
    }
    confirmed = db.session.query(OvertimeApplication).filter_by(status=OvertimeStatus.CONFIRMED).one()
    assert confirmed.worked_minutes == 135 and confirmed.reported_at is not None
    assert db.session.query(CalendarDay).count() == len(PUBLISHED)


def test_demo_has_a_closed_annual_survey_with_120_answers_two_open_for_resident1_and_one_on_the_kiosk(demo_data):
    from domain.surveys.answering import kiosk_surveys, open_invitations
    from domain.surveys.models import Survey, SurveyParticipation
    from domain.surveys.results import survey_results
    from domain.surveys.workflow import CLOSED, state_of

    report = demo_data
    annual = db.session.scalar(select(Survey).where(Survey.title_zh == "满意度调查 2026"))
    assert state_of(annual) == CLOSED
    assert report["survey_answers"] == 120 == db.session.query(SurveyParticipation).count()
    assert survey_results(annual).answered == 120
    resident = db.session.scalar(select(Resident).join(Resident.user).where(User.username == "resident1"))
    assert [i.survey.title_zh for i in open_invitations(resident.id) if not i.answered] == [
        "冬季供暖意见征询",
        "大堂服务小调查",
    ]
    assert [s.title_zh for s in kiosk_surveys(annual.property_id)] == ["大堂服务小调查"]


def test_demo_has_a_month_of_shifts_with_late_and_missing_clock_ins_and_an_approved_leave(demo_data):
    from datetime import timedelta

    from domain.attendance import clocking
    from domain.attendance.models import LeaveRequest, LeaveStatus, ShiftAssignment

    report = demo_data
    assert report["rota_days"] == db.session.query(ShiftAssignment).count() >= 60
    lists = clocking.exceptions(get_property().id, today() - timedelta(days=14), today())
    assert lists["late"] and len(lists["missing"]) == 1
    assert db.session.query(LeaveRequest).filter_by(status=LeaveStatus.APPROVED).count() == 1


def test_demo_has_callback_rates_near_the_target_visits_due_vips_and_spot_checks(demo_data):
    from domain.property.models import Property
    from domain.standards.models import SpotCheck
    from domain.tickets import callback_rates
    from domain.visits import plans as visit_plans

    report = demo_data
    prop = db.session.scalar(select(Property).order_by(Property.id))  # 亿丰时代广场, loaded first
    assert report["callbacks"] >= 20 and report["spot_checks"] == db.session.query(SpotCheck).count() >= 3
    this_month = today().replace(day=1)  # still being called back: only the months before are near the target
    months = [f for m, f in callback_rates.by_month(prop.id, this_month) if f.needing and m < this_month]
    assert months and all(50 <= f.rate <= 100 for f in months)
    assert db.session.query(Resident).filter(Resident.is_vip.is_(True)).count() == 2
    assert visit_plans.due_visits(prop.id, today())


def test_demo_has_three_months_of_scorecards_the_last_two_signed(demo_data):
    from domain.dates import month_before
    from domain.evaluation.models import Scorecard

    report = demo_data
    last = month_before(today().replace(day=1))
    months = db.session.execute(
        select(Scorecard.month, Scorecard.signed_at.is_not(None)).distinct().order_by(Scorecard.month)
    ).all()
    assert [signed for _month, signed in months] == [False, True, True] and months[-1][0] == last
    signed = db.session.scalars(select(Scorecard).where(Scorecard.signed_at.is_not(None))).all()
    assert report["signed_scorecards"] == len(signed) >= 12
    assert all(card.snapshot["score"] is not None for card in signed)
