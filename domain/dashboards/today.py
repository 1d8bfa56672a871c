"""What each role's "today" page shows, block by block. Every figure comes from its area's own query helper (the
rule lives there once); this module only chooses the blocks of a role and calls them, a few statements per block.

Blocks by role: the desk (front desk) what to forward, callbacks due, parcels waiting at the kiosk, wrong-code
alarms, today's appointments and the handover; engineering, security and cleaning their queue and today's visits;
security also its rounds, the renovation permits valid today and the open incidents; finance today's payments,
refunds waiting and the arrears; the manager the late clocks, this month's collection against the target, open
major complaints and incidents. An assistant's console opens on their area instead."""

from domain.accounts.roles import Role
from domain.clock import local_date, local_day_bounds, utcnow
from domain.incidents.queries import open_incidents
from domain.kiosk.alarms import open_alert_notices
from domain.parcels.queries import aging_counts
from domain.patrols.rounds import my_slots
from domain.payments.collection import TARGET_PERCENT, arrears_totals, collection_for, takings_between
from domain.payments.refunds import waiting_refunds
from domain.renovation.permits import valid_on
from domain.tickets import handover, queries
from domain.tickets.models import Status
from domain.tickets.workflow import OPEN, ROLE_DEPARTMENT

#: The blocks of each role's page, in the order shown.
ROLE_BLOCKS = {
    Role.FRONTDESK: ("to_forward", "callbacks", "parcels", "alarms", "appointments", "handover"),
    Role.ENGINEERING: ("queue", "visits"),
    Role.SECURITY: ("rounds", "permits", "incidents", "queue"),
    Role.CLEANING: ("queue", "visits"),
    Role.FINANCE: ("payments", "refunds", "arrears"),
    Role.MANAGER: ("late", "collection", "major_complaints", "incidents"),
}
#: How many rows a block lists before "see all".
ROWS = 8


def _to_forward(ctx):
    """New tickets waiting for the desk, each with its time left (the dispatch deadline)."""
    return queries.undispatched(ctx["property_id"], ctx["now"])


def _callbacks(ctx):
    """The callbacks still to make, the most overdue first."""
    return queries.open_callbacks(ctx["property_id"], limit=ROWS)


def _parcels(ctx):
    """The parcels waiting for pickup, by age."""
    return aging_counts(ctx["property_id"], ctx["now"])


def _alarms(ctx):
    """The open wrong-code alarms as the desk reads them."""
    return open_alert_notices()


def _appointments(ctx):
    """The visits booked for today."""
    return queries.scheduled_between(ctx["property_id"], *ctx["day_bounds"], limit=ROWS)


def _handover(ctx):
    """The handover waiting for this person to acknowledge, or None."""
    return handover.pending_handover(ctx["property_id"], ctx["actor"])


def _queue(ctx):
    """The role's department's open work (what has been forwarded to it)."""
    rows, _next = queries.queue(
        ctx["property_id"],
        department=ROLE_DEPARTMENT[ctx["role"]],
        statuses=list(OPEN - {Status.NEW}),
        limit=ROWS,
    )
    return rows


def _visits(ctx):
    """The department's visits booked for today."""
    return queries.scheduled_between(
        ctx["property_id"], *ctx["day_bounds"], department=ROLE_DEPARTMENT[ctx["role"]], limit=ROWS
    )


def _rounds(ctx):
    """Today's patrol slots that are this person's to walk: route, window and state (no checkpoints or counts)."""
    return my_slots(ctx["actor"], ctx["property_id"], ctx["now"], details=False)


def _permits(ctx):
    """The renovations whose permit is valid today."""
    return valid_on(ctx["property_id"], ctx["day"], limit=ROWS)


def _incidents(ctx):
    """The open incidents, latest first."""
    return open_incidents(ctx["property_id"])[:ROWS]


def _payments(ctx):
    """(payments, fen) that came in today."""
    return takings_between(ctx["property_id"], *ctx["day_bounds"])


def _refunds(ctx):
    """Refunds waiting for the provider's answer."""
    return waiting_refunds(ctx["property_id"], limit=ROWS)


def _arrears(ctx):
    """The arrears now, in total and by age."""
    return arrears_totals(ctx["property_id"], ctx["day"])


def _board(ctx):
    """The manager's board figures, read once for the late clocks and the major complaints."""
    if "board" not in ctx:
        ctx["board"] = queries.board(ctx["property_id"], ctx["now"])
    return ctx["board"]


def _late(ctx):
    """How many tickets and callbacks are late, per clock (the board's figures)."""
    return _board(ctx).late


def _collection(ctx):
    """This month's collection rate by building."""
    return collection_for(ctx["property_id"], ctx["day"].replace(day=1))


def _major_complaints(ctx):
    """The open major complaints (the board's)."""
    return _board(ctx).escalated


BLOCKS = {
    "to_forward": _to_forward,
    "callbacks": _callbacks,
    "parcels": _parcels,
    "alarms": _alarms,
    "appointments": _appointments,
    "handover": _handover,
    "queue": _queue,
    "visits": _visits,
    "rounds": _rounds,
    "permits": _permits,
    "incidents": _incidents,
    "payments": _payments,
    "refunds": _refunds,
    "arrears": _arrears,
    "late": _late,
    "collection": _collection,
    "major_complaints": _major_complaints,
}


def today_blocks(actor, property_id, now=None):
    """{block name: what it shows} of `actor`'s role, in ROLE_BLOCKS' order ({} for a role without a page), plus
    "now" and "target" (the collection target in per cent)."""
    now = now or utcnow()
    role = Role(actor.role)
    day = local_date(now)
    ctx = {
        "actor": actor,
        "role": role,
        "property_id": property_id,
        "now": now,
        "day": day,
        "day_bounds": local_day_bounds(day),
    }
    return {name: BLOCKS[name](ctx) for name in ROLE_BLOCKS.get(role, ())}


__all__ = ["ROLE_BLOCKS", "TARGET_PERCENT", "today_blocks"]
