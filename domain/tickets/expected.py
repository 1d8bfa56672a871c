"""What a resident is told to expect of an open ticket, in words, from its service-level clocks: who will respond
and within how long ("工程部将在 30 分钟内响应"), then the next step's time once someone has it."""

from dataclasses import dataclass, replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from domain.clock import local_date
from domain.tickets.models import Status

#: Who answers, as the subject of a sentence the resident reads (the desk is the service desk to them).
TEAM_LABELS = {
    "customer_service": _l("The service desk"),
    "engineering": _l("Engineering"),
    "security": _l("Security"),
    "cleaning": _l("Cleaning"),
    "finance": _l("Finance"),
}


def duration_words(minutes):
    """A span of minutes in words, in the current language: "30 分钟", "4 小时", "2 天" (whole hours and days)."""
    minutes = max(1, int(minutes))
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return ngettext("%(num)s day", "%(num)s days", days)
    if minutes >= 60 and minutes % 60 == 0 or minutes >= 180:
        hours = -(-minutes // 60)  # rounded up: "within" stays true
        return ngettext("%(num)s hour", "%(num)s hours", hours)
    return ngettext("%(num)s minute", "%(num)s minutes", minutes)


@dataclass(frozen=True)
class Expected:
    """The sentence the resident reads, the time it points at (None when none), whether it is late, and whether the
    sentence ends on that time ("expected to be done by ...") or the time only backs it up ("... by 10:30")."""

    text: object
    due: datetime | None
    late: bool = False
    ends_on_due: bool = True
    #: Whether `due` falls today (local), so that its time alone says when.
    today: bool = False


def expected_step(row, now):
    """What the resident can expect next of the open ticket `row` (domain/tickets/queries.resident_open_tickets)."""
    step = _expected_step(row, now)
    if step.due is None:
        return step
    return replace(step, today=local_date(step.due) == local_date(now))


def _expected_step(row, now):
    """expected_step without the `today` mark."""
    team = TEAM_LABELS.get(row.department.value if row.department else "customer_service")
    if row.status == Status.WAITING:
        return Expected(_l("Waiting for your answer: see the team's question."), None)
    if row.status == Status.SCHEDULED and row.scheduled_for is not None:
        return Expected(_l("Visit booked"), row.scheduled_for)
    if row.claimed_at is None:
        if now > row.response_due_at:
            text = _l(
                "%(team)s has not responded yet, later than planned: call the service desk if it cannot wait.",
                team=team,
            )
            return Expected(text, row.response_due_at, True, ends_on_due=False)
        span = (row.response_due_at - row.created_at).total_seconds() / 60
        return Expected(
            _l("%(team)s will respond within %(time)s", team=team, time=duration_words(span)),
            row.response_due_at,
            ends_on_due=False,
        )
    if now > row.resolve_due_at:
        return Expected(_l("Later than planned: it was due by"), row.resolve_due_at, True)
    return Expected(_l("Being handled: expected to be done by"), row.resolve_due_at)
