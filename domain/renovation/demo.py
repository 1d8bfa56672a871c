"""Demo renovations for 亿丰时代广场: one waiting for engineering's review, one under way with its permit."""

from datetime import time, timedelta

from sqlalchemy import select

from domain.accounts.models import Actor
from domain.payments.desk import record_desk_payment
from domain.property.models import Occupancy, Relation, Resident
from domain.renovation import applications, review, workers
from extensions import db

PLANS = [
    ({"scope": ["plumbing", "kitchen_bathroom"], "description": "厨房、卫生间重新做防水，更换上下水管。"}, "review"),
    ({"scope": ["floors", "walls"], "description": "客厅、卧室更换木地板，拆除储物间非承重隔墙。"}, "permit"),
]


def load_renovation_demo(prop, *, demo_units, today):
    """Add the demo renovations; `demo_units` are the demo residents' unit ids (the second one gets the first)."""
    system = Actor.system("demo")
    owners = db_owners(prop, demo_units)
    for (plan, reached), (resident_id, unit_id) in zip(PLANS, owners):
        start = today + timedelta(days=5) if reached == "review" else today
        application = applications.start_application(
            system,
            property_id=prop.id,
            resident_id=resident_id,
            unit_id=unit_id,
            allowed_units={unit_id},
            contractor_company="沈阳美家装饰有限公司",
            contractor_licence="91210100MA0DEMO01X",
            contractor_person="赵工",
            contractor_phone="13800138000",
            planned_start=start,
            planned_end=start + timedelta(days=40),
            work_from=time(8, 30),
            work_until=time(17, 30),
            **plan,
        )
        workers.add_worker(
            system,
            application,
            resident_id=resident_id,
            name="钱师傅",
            phone="13900001111",
            id_number="11010519491231002X",
        )
        applications.submit(
            system, application, resident_id=resident_id, signed_name="业主", accept_undertakings=True, today=today
        )
        review.take_step(system, application, "check")
        if reached == "review":
            continue
        review.take_step(system, application, "review")
        bill = review.approve(system, application, note="同意，请遵守施工时间。", today=today)
        record_desk_payment(system, unit_id=unit_id, bill_ids=[bill.id], method="cash")  # the permit follows it
    return len(PLANS)


def db_owners(prop, demo_units):
    """(resident id, unit id) of the second demo resident, then of another owner of the property."""
    rows = db.session.execute(
        select(Occupancy.resident_id, Occupancy.unit_id)
        .join(Resident)
        .where(Resident.property_id == prop.id, Occupancy.relation == Relation.OWNER, Occupancy.end_date.is_(None))
        .order_by(Occupancy.id)
    ).all()
    second = next(((r, u) for r, u in rows if u == demo_units[-1]), rows[0])
    other = next((r, u) for r, u in rows if u not in demo_units)
    return [second, other]
