"""Demo: the first demo resident's unit has something in every block of its 360° page.

The area demos already give it bills and payments, tickets, parcels, a loan, a visit and a violation; this adds
what they leave out for that unit: the reminders sent, a complaint, a renovation of years ago, the completed move-in
with the registration form filed in the owner's file.
"""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from domain.accounts.models import Actor, User
from domain.archives.move_in_papers import file_registration_form
from domain.billing.models import Reminder
from domain.movein.models import CaseStatus, MoveInCase
from domain.property.models import Occupancy, Relation
from domain.property.units import find_unit
from domain.renovation.models import RenovationApplication, RenovationStatus
from domain.tickets import recording
from domain.tickets.models import Severity
from extensions import db


def _at(day, hour=10):
    """An aware UTC instant at `hour` o'clock in the property's zone (UTC+8) on `day`."""
    return datetime.combine(day, time(hour), tzinfo=UTC) - timedelta(hours=8)


def load_unit_page_demo(prop, *, label, today):
    """Fill the blocks of unit `label`'s page that the area demos leave empty; returns the unit id."""
    unit = find_unit(label)
    owner_id = db.session.scalar(
        select(Occupancy.resident_id)
        .where(Occupancy.unit_id == unit.id, Occupancy.relation == Relation.OWNER)
        .order_by(Occupancy.id)
        .limit(1)
    )
    users = dict(db.session.execute(select(User.username, User.id)).all())
    for days_ago, owed in ((75, 22375), (45, 44750), (12, 22375)):
        db.session.add(
            Reminder(
                property_id=prop.id,
                resident_id=owner_id,
                unit_id=unit.id,
                outstanding_fen=owed,
                message="您好，您的物业费已到期，请及时缴纳。",
                sent_by_id=users.get("assistant"),
                created_at=_at(today - timedelta(days=days_ago), 15),
                read_at=_at(today - timedelta(days=days_ago - 1), 20) if days_ago > 20 else None,
            )
        )
    desk = Actor.system("demo")
    recording.create_ticket(
        desk,
        property_id=prop.id,
        kind="complaint",
        channel="phone",
        category="noise",
        description="楼上装修噪音晚上九点后仍未停止，影响休息",
        unit_id=unit.id,
        resident_id=owner_id,
        severity=Severity.MINOR,
        now=_at(today - timedelta(days=6), 21),
    )
    built = date(today.year - 3, 4, 1)
    db.session.add(
        RenovationApplication(
            property_id=prop.id,
            unit_id=unit.id,
            resident_id=owner_id,
            status=RenovationStatus.CLOSED,
            scope=["floors", "kitchen_bathroom"],
            description="更换厨卫防水与地砖",
            contractor_company="沈阳安居装饰工程有限公司",
            contractor_person="李师傅",
            contractor_phone="13900000000",
            planned_start=built,
            planned_end=built + timedelta(days=45),
            created_at=_at(built - timedelta(days=20)),
            submitted_at=_at(built - timedelta(days=19)),
            decided_at=_at(built - timedelta(days=12)),
            permit_issued_at=_at(built - timedelta(days=5)),
            deposit_fen=200000,
            fines_kept_fen=0,
            refunded_fen=200000,
            closed_at=_at(built + timedelta(days=60)),
        )
    )
    moved_in = date(2019, 5, 1)
    case = MoveInCase(
        property_id=prop.id,
        unit_id=unit.id,
        owner_id=owner_id,
        status=CaseStatus.COMPLETED,
        notice_number="YF-2019-1201",
        planned_on=moved_in,
        created_at=_at(moved_in - timedelta(days=30)),
        completed_at=_at(moved_in),
        completed_by_id=users.get("frontdesk"),
    )
    db.session.add(case)
    db.session.flush()
    file_registration_form(case, actor=desk)
    db.session.flush()
    return unit.id
