"""The demo's collection calls and the manager's summary of last month, so that every block of the monthly report
and each unit's call history show something."""

import random
from datetime import timedelta

from sqlalchemy import func, select

from domain.accounts.models import User
from domain.accounts.roles import Role
from domain.accounts.services import staff_roles
from domain.billing.models import Bill
from domain.clock import start_of_local_day
from domain.dates import month_before
from domain.parcels import codes
from domain.parcels.models import LendableItem, Loan, LoanStatus, StorageStatus, StoredItem
from domain.reports.models import CallReason, CollectionCall, MonthlySummary
from extensions import db

#: How often each reason comes up when the demo's residents are chased, roughly as the office hears them.
REASON_WEIGHTS = {
    CallReason.FORGOT: 8,
    CallReason.DISPUTE: 3,
    CallReason.HARDSHIP: 3,
    CallReason.REFUSES: 1,
    CallReason.MOVED_OUT: 1,
    CallReason.OTHER: 1,
}
NOTES = {
    CallReason.FORGOT: "业主表示忘记缴费，本周内到前台缴纳",
    CallReason.DISPUTE: "对公摊水费有异议，已转财务核对",
    CallReason.HARDSHIP: "家中有困难，申请下月一并缴纳",
    CallReason.REFUSES: "因楼上漏水未解决拒缴，已转工程部",
    CallReason.MOVED_OUT: "租户已搬离，联系业主本人",
    CallReason.OTHER: "电话无人接听，改日再打",
}
SUMMARY = (
    "本月整体收费率未达 90% 目标，主要欠费集中在 91–180 天账龄段，已安排各楼助理逐户电话催缴并记录原因；"
    "报修派单及时率需提升，下月起前台交接班时专项检查；重大投诉已全部回访。"
)


def load_reports_demo(prop, *, today, seed=2026):
    """Calls about the units in arrears over the last three months and last month's summary (its own random
    source, so the other demo modules' data stays as it was). Returns the number of calls."""
    rng = random.Random(seed)
    unit_ids = db.session.scalars(
        select(Bill.unit_id)
        .where(Bill.property_id == prop.id, Bill.total_fen > Bill.paid_fen, Bill.due_date < today)
        .group_by(Bill.unit_id)
        .order_by(func.sum(Bill.total_fen - Bill.paid_fen).desc(), Bill.unit_id)
        .limit(40)
    ).all()
    callers = db.session.scalars(
        staff_roles([Role.ASSISTANT, Role.FINANCE, Role.MANAGER], property_id=prop.id)
        .with_only_columns(User.id)
        .order_by(User.id)
    ).all()
    reasons, weights = list(REASON_WEIGHTS), list(REASON_WEIGHTS.values())
    count = 0
    for unit_id in unit_ids:
        for _i in range(rng.randint(1, 2)):
            day = today - timedelta(days=rng.randint(1, 85))
            reason = rng.choices(reasons, weights)[0]
            promised = (
                day + timedelta(days=rng.randint(3, 20)) if reason in (CallReason.FORGOT, CallReason.HARDSHIP) else None
            )
            db.session.add(
                CollectionCall(
                    property_id=prop.id,
                    unit_id=unit_id,
                    called_by_id=rng.choice(callers) if callers else None,
                    called_at=start_of_local_day(day) + timedelta(hours=rng.randint(9, 17), minutes=rng.randint(0, 59)),
                    reason=reason,
                    promised_on=promised,
                    note=NOTES[reason],
                )
            )
            count += 1
    manager = db.session.scalar(
        staff_roles([Role.MANAGER], property_id=prop.id).with_only_columns(User.id).order_by(User.id).limit(1)
    )
    last_month = month_before(today.replace(day=1))
    _last_months_counter(prop, last_month, unit_ids or [], rng)
    db.session.add(
        MonthlySummary(
            property_id=prop.id,
            month=last_month,
            text=SUMMARY,
            written_by_id=manager,
            written_at=start_of_local_day(today.replace(day=1)) + timedelta(hours=10),
        )
    )
    db.session.commit()
    return count


def _last_months_counter(prop, month, unit_ids, rng):
    """A few items stored and collected, and things lent and returned, in the report's month (the counter demo's
    own are all recent)."""
    if not unit_ids:
        return
    for n in range(3):
        stored = start_of_local_day(month.replace(day=5 + 6 * n)) + timedelta(hours=10)
        db.session.add(
            StoredItem(
                property_id=prop.id,
                unit_id=unit_ids[n % len(unit_ids)],
                description=("钥匙一串", "快递纸箱", "雨伞")[n],
                depositor_name=("李先生", "快递员", "王女士")[n],
                code_hash=codes.code_hash("storage", prop.id, f"{rng.randint(0, 999999):06d}"),
                stored_at=stored,
                expires_on=(stored + timedelta(days=30)).date(),
                status=StorageStatus.PICKED_UP,
                picked_up_at=stored + timedelta(hours=rng.randint(2, 30)),
                picked_up_name="业主本人",
            )
        )
    item = db.session.scalar(select(LendableItem).where(LendableItem.property_id == prop.id).limit(1))
    if item is None:
        return
    for n in range(2):
        lent = start_of_local_day(month.replace(day=8 + 10 * n)) + timedelta(hours=9)
        db.session.add(
            Loan(
                property_id=prop.id,
                item_id=item.id,
                unit_id=unit_ids[(n + 3) % len(unit_ids)],
                borrower_name=("赵先生", "孙女士")[n],
                lent_at=lent,
                due_at=lent + timedelta(hours=item.loan_hours),
                status=LoanStatus.RETURNED,
                returned_at=lent + timedelta(hours=rng.randint(3, 20)),
            )
        )
