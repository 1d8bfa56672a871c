"""Demo payers for 亿丰时代广场's bills: a realistic mix, then late fees and reminders.

Most owners pay by the quarter at the desk or online, some every month, a few late, a few not at
all; so the collection page shows figures around the 90 % target and an arrears list with every age.
"""

from datetime import datetime, time, timedelta

from sqlalchemy import select

from domain.billing.models import Bill
from domain.clock import from_local_input
from domain.payments.collection import get_late_fee_policy, post_late_fees, send_reminders, update_late_fee_policy
from domain.payments.desk import record_historical_payment
from domain.payments.models import Method
from domain.property.models import Occupancy, Resident
from extensions import db

ONLINE = (Method.WECHAT_PAY, Method.ALIPAY, Method.CARD)
DESK = (Method.CASH, Method.POS, Method.BANK_TRANSFER)


def _at(day, rng):
    """A moment during the desk's opening hours on `day`, as aware UTC."""
    return from_local_input(datetime.combine(day, time(rng.randrange(8, 20), rng.randrange(60))))


def load_payment_demo(prop, actor, *, today, rng, after_batch=None):
    """Pay most of the demo property's bills (billed by domain.billing.demo), post late fees and send reminders."""
    resident_units = set(
        db.session.scalars(select(Occupancy.unit_id).join(Occupancy.resident).where(Resident.user_id.is_not(None)))
    )
    bills = {}
    for bill_id, unit_id, period, due in db.session.execute(
        select(Bill.id, Bill.unit_id, Bill.period, Bill.due_date).where(Bill.property_id == prop.id)
    ):
        bills.setdefault(unit_id, []).append((period, bill_id, due))
    plans = []  # (when, unit, [bill ids], method, amount or None)
    for unit_id, unit_bills in bills.items():
        unit_bills.sort()
        habit = rng.random()
        if unit_id in resident_units:
            # The demo residents pay monthly but owe last month (overdue, with a late fee) and this month:
            # something to pay in the portal.
            habit, unit_bills = 0.0, unit_bills[:-2]
        if habit < 0.08:  # pays every month, online, a few days before the due date
            groups = [[b] for b in unit_bills]
        elif habit < 0.55:  # pays a quarter in advance
            groups = [unit_bills[i : i + 3] for i in range(0, len(unit_bills), 3)]
        elif habit < 0.88:  # pays half a year in advance
            groups = [unit_bills[i : i + 6] for i in range(0, len(unit_bills), 6)]
        elif habit < 0.96:  # pays half-yearly, late
            groups = [unit_bills[i : i + 6] for i in range(0, len(unit_bills), 6)]
        else:  # has stopped paying
            groups = [unit_bills[: rng.randrange(1, 6)]]
        for group in groups:
            if habit < 0.08:
                when = group[-1][2] - timedelta(days=rng.randrange(0, 20))
            elif habit < 0.88:  # in advance, around the first month's due date
                when = group[0][2] - timedelta(days=rng.randrange(-10, 15))
            else:
                when = group[-1][2] + timedelta(days=rng.randrange(10, 60))
            if when >= today:
                continue  # not paid yet: these are this quarter's open bills and the arrears
            method = rng.choice(ONLINE) if (habit < 0.08 or rng.random() < 0.45) else rng.choice(DESK)
            partial = habit >= 0.88 and rng.random() < 0.3 and when > today - timedelta(days=120)
            plans.append((_at(when, rng), unit_id, [b[1] for b in group], method, partial))
    plans.sort(key=lambda plan: (plan[0], plan[1]))
    for n, (when, unit_id, bill_ids, method, partial) in enumerate(plans, start=1):
        if n % 100 == 0 and after_batch is not None:
            after_batch()  # a short transaction and a small session: each flush stays cheap
        amount = None
        if partial:
            owed = sum(b.total_fen - b.paid_fen for b in db.session.scalars(select(Bill).where(Bill.id.in_(bill_ids))))
            amount = max(100, owed // 2 // 100 * 100)
        record_historical_payment(
            actor,
            unit_id=unit_id,
            bill_ids=bill_ids,
            method=method,
            amount_fen=amount,
            paid_at=when,
            provider="sandbox" if method in ONLINE else "desk",
            reference="" if method in ONLINE else f"DEMO-{unit_id}-{when:%y%m%d}",
        )
    update_late_fee_policy(
        actor, get_late_fee_policy(prop.id), enabled=True, daily_rate_per_10000=5, grace_days=15, cap_percent=10
    )
    post_late_fees(actor, property_id=prop.id, today=today)
    send_reminders(
        actor,
        property_id=prop.id,
        today=today,
        property_name=prop.name,
        unit_ids=[u for u, b in bills.items() if rng.random() < 0.5],
    )
    db.session.flush()
