"""Getting the money in: the collection rate (收费率) against the 90 % target, arrears by age,
payment reminders (催缴) and late fees (滞纳金)."""

from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import and_, case, func, select

from domain import exports
from domain.accounts.models import User
from domain.accounts.roles import Permission, require
from domain.areas.lookup import scope_takes_in_unit
from domain.areas.models import Area, AreaScope
from domain.audit.services import record
from domain.billing.models import Bill, BillLine, ChargeType, LateFeePolicy, LineKind, Reminder
from domain.billing.schedule import period_label
from domain.clock import utcnow
from domain.errors import DomainError
from domain.money import fen_to_decimal
from domain.notify.services import Addressee, mail_resident
from domain.payments.models import Allocation, Payment, PaymentStatus
from domain.property.models import Building, Occupancy, Relation, Resident, Unit
from domain.property.units import UNIT_LABEL, unit_labels
from extensions import db

#: The seed's target (物业助理 1.2.12: 完成总体收费率90%), in percent.
TARGET_PERCENT = 90
#: Bill lines are stored as printed on the Chinese receipt; pages show the kind in the reader's language.
LATE_FEE_NAME = "滞纳金"
#: Arrears age buckets in days past the due date: (key, first day, last day or None).
AGE_BUCKETS = (("d0_30", 0, 30), ("d31_90", 31, 90), ("d91_180", 91, 180), ("d180_plus", 181, None))


@dataclass
class Collection:
    """Billed and collected fen for a period, overall and by building."""

    period: object
    billed_fen: int = 0
    collected_fen: int = 0
    #: [(building name, billed, collected)], by building code
    buildings: list = field(default_factory=list)

    @property
    def rate_x100(self):
        """The collection rate in hundredths of a percent (9000 = 90.00 %), or None when nothing was billed."""
        return None if not self.billed_fen else self.collected_fen * 10000 // self.billed_fen

    @property
    def meets_target(self):
        """Whether the rate reaches the 90 % target."""
        return self.rate_x100 is not None and self.rate_x100 >= TARGET_PERCENT * 100

    @property
    def shortfall_fen(self):
        """How much more must come in to reach the target."""
        return max(0, (self.billed_fen * TARGET_PERCENT + 99) // 100 - self.collected_fen)


def collection_for(property_id, period, *, unit_ids=None):
    """The collection rate of the bills of one month, by building (one statement); `unit_ids` limits it to some
    units (an assistant's area)."""
    query = (
        select(Building.code, Building.name, func.sum(Bill.total_fen), func.sum(Bill.paid_fen))
        .select_from(Bill)
        .join(Unit, Bill.unit_id == Unit.id)
        .join(Unit.building)
        .where(Bill.property_id == property_id, Bill.period == period)
        .group_by(Building.code, Building.name)
        .order_by(Building.code)
    )
    if unit_ids is not None:
        query = query.where(Bill.unit_id.in_(list(unit_ids)))
    rows = db.session.execute(query).all()
    result = Collection(period)
    for _code, name, billed, paid in rows:
        result.buildings.append((name, int(billed or 0), int(paid or 0)))
        result.billed_fen += int(billed or 0)
        result.collected_fen += int(paid or 0)
    return result


def collection_by_property(property_ids, period):
    """{property id: (billed, collected)} of the bills of one month of several properties (one statement): the
    company's figures, side by side."""
    rows = db.session.execute(
        select(Bill.property_id, func.sum(Bill.total_fen), func.sum(Bill.paid_fen))
        .where(Bill.property_id.in_(list(property_ids)), Bill.period == period)
        .group_by(Bill.property_id)
    ).all()
    return {property_id: (int(billed or 0), int(paid or 0)) for property_id, billed, paid in rows}


def collection_by_assistant(property_id, period):
    """{assistant's user id: (billed, collected)} of the bills of one month in each assistant's area(s), every
    assistant at once (one statement; a unit is in one area at most, so nothing counts twice)."""
    rows = db.session.execute(
        select(Area.assistant_id, func.sum(Bill.total_fen), func.sum(Bill.paid_fen))
        .select_from(Bill)
        .join(Unit, Bill.unit_id == Unit.id)
        .join(AreaScope, scope_takes_in_unit())
        .join(Area, AreaScope.area_id == Area.id)
        .where(Bill.property_id == property_id, Bill.period == period, Area.assistant_id.is_not(None))
        .group_by(Area.assistant_id)
    ).all()
    return {user_id: (int(billed or 0), int(paid or 0)) for user_id, billed, paid in rows}


def collection_by_charge_type(property_id, period):
    """[(charge type name, billed, collected)] of the bills of one month (one statement), most billed first. Bills
    are paid as a whole, so a bill's payment is shared among its lines in proportion to their amounts (rounded down
    per line); lines without a charge type (the late fee, 滞纳金) count under their description."""
    name = func.coalesce(ChargeType.name, BillLine.description)
    billed = func.sum(BillLine.amount_fen)
    rows = db.session.execute(
        select(name, billed, func.sum(BillLine.amount_fen * Bill.paid_fen / Bill.total_fen))
        .select_from(BillLine)
        .join(Bill, BillLine.bill_id == Bill.id)
        .outerjoin(ChargeType, BillLine.charge_type_id == ChargeType.id)
        .where(Bill.property_id == property_id, Bill.period == period, Bill.total_fen > 0)
        .group_by(name)
        .order_by(billed.desc(), name)
    ).all()
    return [(label, int(b or 0), int(c or 0)) for label, b, c in rows]


def collection_trend(property_id, periods):
    """{period: (billed, collected)} for several months (one statement), for the trend line."""
    rows = db.session.execute(
        select(Bill.period, func.sum(Bill.total_fen), func.sum(Bill.paid_fen))
        .where(Bill.property_id == property_id, Bill.period.in_(periods))
        .group_by(Bill.period)
    ).all()
    return {period: (int(billed or 0), int(paid or 0)) for period, billed, paid in rows}


@dataclass
class ArrearsRow:
    """One unit in arrears: what it owes by age, and who to remind."""

    unit_id: int
    unit_label: str
    bills: int
    total_fen: int
    buckets: dict
    oldest_due: object
    payers: list = field(default_factory=list)
    last_reminded: object = None


def _bucket_sums(today):
    """SUM(CASE ...) columns of the outstanding amount per age bucket."""
    owed = Bill.total_fen - Bill.paid_fen
    columns = []
    for key, first, last in AGE_BUCKETS:
        newest_due = today - timedelta(days=first)
        condition = Bill.due_date <= newest_due
        if last is not None:
            condition = and_(condition, Bill.due_date >= today - timedelta(days=last))
        columns.append(func.sum(case((condition, owed), else_=0)).label(key))
    return columns


def _past_due_and_owing(today):
    """SQL condition: a bill past its due date that still owes money (the one rule of arrears)."""
    return and_(Bill.total_fen > Bill.paid_fen, Bill.due_date < today)


def _in_arrears(property_id, today):
    """SQL condition: a bill of the property that is past due and still owes money."""
    return and_(Bill.property_id == property_id, _past_due_and_owing(today))


def arrears_by_property(property_ids, today):
    """{property id: fen owed past due} of several properties (one statement); a property owing nothing is absent."""
    rows = db.session.execute(
        select(Bill.property_id, func.sum(Bill.total_fen - Bill.paid_fen))
        .where(Bill.property_id.in_(list(property_ids)), _past_due_and_owing(today))
        .group_by(Bill.property_id)
    ).all()
    return {property_id: int(owed or 0) for property_id, owed in rows}


def arrears_totals(property_id, today, *, unit_ids=None):
    """Total arrears and the split by age (one statement); `unit_ids` limits it to some units (an area)."""
    query = select(
        func.count(func.distinct(Bill.unit_id)), func.sum(Bill.total_fen - Bill.paid_fen), *_bucket_sums(today)
    ).where(_in_arrears(property_id, today))
    if unit_ids is not None:
        query = query.where(Bill.unit_id.in_(list(unit_ids)))
    row = db.session.execute(query).one()
    return {
        "units": row[0] or 0,
        "total_fen": int(row[1] or 0),
        **{key: int(row[i + 2] or 0) for i, (key, _f, _l) in enumerate(AGE_BUCKETS)},
    }


def _arrears_query(property_id, today, *, building_id=None, unit_ids=None):
    """Units in arrears, most owed first, under the list's filters: one home for the page and its export."""
    owed = func.sum(Bill.total_fen - Bill.paid_fen)
    query = (
        select(
            Bill.unit_id,
            UNIT_LABEL,
            func.count(Bill.id),
            owed,
            func.min(Bill.due_date),
            *_bucket_sums(today),
        )
        .join(Unit, Bill.unit_id == Unit.id)
        .join(Unit.building)
        .where(_in_arrears(property_id, today))
        .group_by(Bill.unit_id, Building.code, Unit.number)
        .order_by(owed.desc(), Bill.unit_id)
    )
    if building_id:
        query = query.where(Unit.building_id == building_id)
    if unit_ids is not None:
        query = query.where(Bill.unit_id.in_(list(unit_ids)))
    return query


def _arrears_rows(rows, today):
    """ArrearsRows of some result rows, with their payers and last reminder (two statements)."""
    result = [
        ArrearsRow(
            r[0],
            r[1],
            r[2],
            int(r[3]),
            {key: int(r[5 + i] or 0) for i, (key, _f, _l) in enumerate(AGE_BUCKETS)},
            r[4],
        )
        for r in rows
    ]
    by_unit = {row.unit_id: row for row in result}
    if by_unit:
        for unit_id, name, phone, relation in db.session.execute(_payers_query(list(by_unit), today)):
            by_unit[unit_id].payers.append((name, phone, relation))
        for unit_id, last in db.session.execute(
            select(Reminder.unit_id, func.max(Reminder.created_at))
            .where(Reminder.unit_id.in_(list(by_unit)))
            .group_by(Reminder.unit_id)
        ):
            by_unit[unit_id].last_reminded = last
    return result


def arrears_page(property_id, today, *, page=1, per_page=50, building_id=None, unit_ids=None):
    """Units in arrears, most owed first, with their payers and last reminder: three statements per page
    (`building_id` or `unit_ids` narrow it)."""
    query = _arrears_query(property_id, today, building_id=building_id, unit_ids=unit_ids)
    rows = db.session.execute(query.limit(per_page + 1).offset((page - 1) * per_page)).all()
    return _arrears_rows(rows[:per_page], today), len(rows) > per_page


def export_arrears(property_id, today, *, building_id=None, unit_ids=None):
    """(row count, ArrearsRows) of every unit in arrears under the list's filters, most owed first; three
    statements per thousand units."""
    query = _arrears_query(property_id, today, building_id=building_id, unit_ids=unit_ids)

    def rows():
        for chunk in exports.in_chunks(exports.stream(query)):
            yield from _arrears_rows(chunk, today)

    return exports.count(query), rows()


def _payers_query(unit_ids, today):
    """Current owners and tenants of some units (family members are not chased for money)."""
    return (
        select(Occupancy.unit_id, Resident.name, Resident.phone, Occupancy.relation)
        .join(Occupancy.resident)
        .where(
            Occupancy.unit_id.in_(unit_ids),
            Occupancy.relation.in_([Relation.OWNER, Relation.TENANT]),
            Occupancy.is_current(today),
        )
        .order_by(Occupancy.unit_id, case((Occupancy.relation == Relation.OWNER, 0), else_=1), Occupancy.id)
    )


def send_reminders(actor, *, property_id, today, unit_ids=None, property_name="", due_within_days=None, now=None):
    """Remind the owners and tenants of units in arrears (all, or `unit_ids`): in the portal, and by e-mail
    when SMTP is configured and they have an address. Returns the number of reminders written.

    With `due_within_days` (3 in the cron job), remind instead of bills falling due in that many days.
    A unit already reminded in the last 24 hours (before `now`, default the clock's) is skipped, so a double click
    does not nag twice and a second run changes nothing (not even the audit log).
    """
    require(actor, Permission.SEND_REMINDERS)
    if due_within_days is None:
        condition = _in_arrears(property_id, today)
        template = _l(
            "Unit %(unit)s owes ¥%(amount)s in property fees, due since %(due)s. Please pay in the resident "
            "portal or at the service desk. Thank you. — %(property)s"
        )
    else:
        condition = and_(
            Bill.property_id == property_id,
            Bill.total_fen > Bill.paid_fen,
            Bill.due_date >= today,
            Bill.due_date <= today + timedelta(days=due_within_days),
        )
        template = _l(
            "Unit %(unit)s has ¥%(amount)s of property fees due on %(due)s. You can pay in the resident "
            "portal or at the service desk. Thank you. — %(property)s"
        )
    query = (
        select(Bill.unit_id, func.sum(Bill.total_fen - Bill.paid_fen), func.min(Bill.due_date))
        .where(condition)
        .group_by(Bill.unit_id)
    )
    if unit_ids is not None:
        if not unit_ids:
            raise DomainError(_l("Choose at least one unit."))
        query = query.where(Bill.unit_id.in_(unit_ids))
    owing = {unit_id: (int(total), due) for unit_id, total, due in db.session.execute(query)}
    if not owing:
        return 0
    now = now or utcnow()
    start_of_day = now - timedelta(hours=24)
    reminded = set(
        db.session.scalars(
            select(Reminder.unit_id).where(Reminder.unit_id.in_(list(owing)), Reminder.created_at > start_of_day)
        )
    )
    labels = unit_labels(list(owing))
    people = db.session.execute(
        select(Occupancy.unit_id, Resident.id, Resident.email, User.locale)
        .join(Occupancy.resident)
        .outerjoin(User, Resident.user_id == User.id)
        .where(
            Occupancy.unit_id.in_([u for u in owing if u not in reminded]),
            Occupancy.relation.in_([Relation.OWNER, Relation.TENANT]),
            Occupancy.is_current(today),
        )
    ).all()
    count = 0
    for unit_id, resident_id, email, locale in people:
        total, oldest = owing[unit_id]
        values = {"unit": labels[unit_id], "amount": fen_to_decimal(total), "due": oldest.isoformat()}
        # In the resident's language (Chinese unless they chose English), not the sender's.
        message, mailed = mail_resident(
            Addressee(resident_id, email, locale),
            LazyString(lambda values=values: str(template) % {**values, "property": property_name}),
            _l("Payment reminder for %(unit)s", unit=labels[unit_id]),
        )
        db.session.add(
            Reminder(
                property_id=property_id,
                resident_id=resident_id,
                unit_id=unit_id,
                outstanding_fen=total,
                message=message,
                emailed_to=email if mailed else "",
                sent_by_id=actor.user_id,
                created_at=now,
            )
        )
        count += 1
    if count:
        db.session.flush()
        record(actor, "billing.reminders", object_type="reminders", object_id=None, summary=f"{count} reminders")
    return count


def reminders_for_resident(resident_id, *, limit=5):
    """The resident's latest payment reminders that still hold, newest first.

    A reminder holds while its unit still owes money on a bill that was already there when it went out;
    once those are paid (at the desk, online, or by anyone in the household) it is no longer shown.
    """
    still_owing = (
        select(Bill.id)
        .where(Bill.unit_id == Reminder.unit_id, Bill.total_fen > Bill.paid_fen, Bill.created_at <= Reminder.created_at)
        .correlate(Reminder)
        .exists()
    )
    return db.session.scalars(
        select(Reminder)
        .where(Reminder.resident_id == resident_id, still_owing)
        .order_by(Reminder.created_at.desc())
        .limit(limit)
    ).all()


# Late fees ---------------------------------------------------------------------------------------


def get_late_fee_policy(property_id):
    """The property's late-fee policy.

    An unsaved, switched-off default until someone sets one (reading writes nothing).
    """
    policy = db.session.scalar(select(LateFeePolicy).where(LateFeePolicy.property_id == property_id))
    if policy is None:
        policy = LateFeePolicy(
            property_id=property_id, enabled=False, daily_rate_per_10000=5, grace_days=15, cap_percent=10
        )
    return policy


def update_late_fee_policy(actor, policy, *, enabled, daily_rate_per_10000, grace_days, cap_percent):
    """Change the late-fee policy (audited)."""
    require(actor, Permission.MANAGE_FEES)
    if policy.id is None:
        db.session.add(policy)
    changes = {}
    for name, value in {
        "enabled": enabled,
        "daily_rate_per_10000": daily_rate_per_10000,
        "grace_days": grace_days,
        "cap_percent": cap_percent,
    }.items():
        if getattr(policy, name) != value:
            changes[name] = [getattr(policy, name), value]
            setattr(policy, name, value)
    policy.updated_at = utcnow()
    if changes:
        record(actor, "billing.late_fee_policy", policy, changes=changes)
    return policy


@dataclass(frozen=True)
class LateFee:
    """The late fee a bill should carry today, and what it carries now."""

    bill_id: int
    unit_label: str
    period: object
    overdue_fen: int
    days: int
    fee_fen: int
    posted_fen: int


def late_fees_due(property_id, today, *, limit=None):
    """Work out the late fee of every overdue bill under the policy (nothing is written).

    Bills with a payment still open or settling are left out: a fee must never land on a bill
    that is in fact being paid.
    """
    policy = get_late_fee_policy(property_id)
    if not policy.enabled or policy.daily_rate_per_10000 == 0:
        return []
    latest_due = today - timedelta(days=policy.grace_days + 1)
    posted = func.coalesce(
        select(func.sum(BillLine.amount_fen))
        .where(BillLine.bill_id == Bill.id, BillLine.kind == LineKind.LATE_FEE)
        .correlate(Bill)
        .scalar_subquery(),
        0,
    )
    settling = (
        select(Allocation.id)
        .join(Payment)
        .where(Allocation.bill_id == Bill.id, Payment.status.in_([PaymentStatus.PENDING, PaymentStatus.PROCESSING]))
    )
    query = (
        select(Bill.id, UNIT_LABEL, Bill.period, Bill.due_date, Bill.total_fen, Bill.paid_fen, posted)
        .join(Unit, Bill.unit_id == Unit.id)
        .join(Unit.building)
        .where(_in_arrears(property_id, today), Bill.due_date <= latest_due, ~settling.exists())
        .order_by(Bill.due_date, Bill.id)
    )
    if limit:
        query = query.limit(limit)
    fees = []
    for bill_id, label, period, due, total, paid, already in db.session.execute(query):
        principal = min(total - already, total - paid)  # the overdue charges, not the fee itself
        if principal <= 0:
            continue
        days = (today - due).days - policy.grace_days
        fee = (principal * policy.daily_rate_per_10000 * days + 5000) // 10000
        fee = min(fee, principal * policy.cap_percent // 100)
        if fee > already:
            fees.append(LateFee(bill_id, label, period, principal, days, fee, int(already)))
    return fees


def post_late_fees(actor, *, property_id, today):
    """Post (or raise) the late-fee line of each overdue bill as previewed; returns (bills, fen added)."""
    require(actor, Permission.RUN_BILLING)
    fees = late_fees_due(property_id, today)
    if not fees:
        return 0, 0
    lines = {
        line.bill_id: line
        for line in db.session.scalars(
            select(BillLine).where(BillLine.bill_id.in_([f.bill_id for f in fees]), BillLine.kind == LineKind.LATE_FEE)
        )
    }
    bills = {b.id: b for b in db.session.scalars(select(Bill).where(Bill.id.in_([f.bill_id for f in fees])))}
    added = 0
    rate = get_late_fee_policy(property_id).daily_rate_per_10000
    for fee in fees:
        bill, line = bills[fee.bill_id], lines.get(fee.bill_id)
        detail = f"¥{fen_to_decimal(fee.overdue_fen)} × {fee.days} × {rate}/10000"
        if line is None:
            line = BillLine(bill_id=bill.id, kind=LineKind.LATE_FEE, description=LATE_FEE_NAME, amount_fen=0)
            db.session.add(line)
        increase = fee.fee_fen - line.amount_fen
        line.amount_fen, line.detail = fee.fee_fen, detail[:120]
        bill.total_fen += increase
        bill.settled_at = None
        added += increase
    db.session.flush()
    record(
        actor,
        "billing.late_fees",
        object_type="bills",
        object_id=None,
        summary=f"{len(fees)} bills, ¥{fen_to_decimal(added)} ({period_label(today.replace(day=1))})",
    )
    return len(fees), added


def takings_between(property_id, start, end):
    """(payments, fen) that succeeded within [start, end) (aware UTC), before refunds: one statement."""
    count, total = db.session.execute(
        select(func.count(), func.sum(Payment.amount_fen)).where(
            Payment.property_id == property_id,
            Payment.status == PaymentStatus.SUCCEEDED,
            Payment.paid_at >= start,
            Payment.paid_at < end,
        )
    ).one()
    return int(count or 0), int(total or 0)
