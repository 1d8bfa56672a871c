"""When rounds are due: each route's daily windows as moments, and the day's slots with the round walked in each.
Everything is computed on read from the one clock, so the board is right without a scheduler and tests move time."""

from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import raiseload, selectinload

from domain.clock import local_window
from domain.errors import DomainError
from domain.patrols.models import PatrolFinding, PatrolRound, PatrolRoute, PatrolVisit, RoundStatus
from extensions import db


def parse_window(start_text, end_text):
    """["08:00", "11:00"] checked: two HH:MM times, not equal (an end before the start crosses midnight)."""
    try:
        start, end = (datetime.strptime(text.strip(), "%H:%M").time() for text in (start_text, end_text))
    except (AttributeError, TypeError, ValueError):
        raise DomainError(_l("Give each window as two times such as 08:00 and 11:00."), field="windows") from None
    if start == end:
        raise DomainError(_l("A window must end at another time than it starts."), field="windows")
    return [start.strftime("%H:%M"), end.strftime("%H:%M")]


def windows_on(route, day):
    """[(start, end)] of `route` on the local `day`, as aware UTC; a window whose end is before its start ends the
    next day (a night shift's round)."""
    return [
        local_window(day, time.fromisoformat(start_text), time.fromisoformat(end_text))
        for start_text, end_text in route.windows or ()
    ]


@dataclass
class Slot:
    """One window of one route on one day and the round walked in it (None while nobody started one)."""

    route: PatrolRoute
    day: date
    start: datetime
    end: datetime
    round: PatrolRound | None
    #: (checkpoints scanned, findings) of the round when the query counted them instead of loading its visits and
    #: findings (the history's many days); None: counted from the loaded round.
    counts: tuple[int, int] | None = None

    @property
    def visited(self):
        """How many checkpoints the round has scanned (0 without a round)."""
        if self.round is None:
            return 0
        return self.counts[0] if self.counts is not None else len(self.round.visits)

    @property
    def finding_count(self):
        """How many findings the round has (0 without a round)."""
        if self.round is None:
            return 0
        return self.counts[1] if self.counts is not None else len(self.round.findings)

    @property
    def checkpoint_count(self):
        """How many checkpoints the route has in service: what a round of it is to scan."""
        return sum(1 for point in self.route.checkpoints if point.is_active)

    def state(self, now):
        """ "upcoming", "due" (window open, not started), "in_progress", "finished", "late" (finished after the
        window), "missed" (window over, never started) or "unfinished" (window over, started, not finished)."""
        if self.round is None:
            if now < self.start:
                return "upcoming"
            return "due" if now < self.end else "missed"
        if self.round.status == RoundStatus.FINISHED:
            return "late" if self.round.finished_at > self.end else "finished"
        return "in_progress" if now < self.end else "unfinished"


def round_counts(round_ids):
    """{round id: (checkpoints scanned, findings)} of the rounds, counted in two statements: a week of history is
    hundreds of rounds and thousands of visits, of which the list shows only the numbers."""
    if not round_ids:
        return {}
    visits = dict(
        db.session.execute(
            select(PatrolVisit.round_id, func.count(PatrolVisit.id))
            .where(PatrolVisit.round_id.in_(round_ids))
            .group_by(PatrolVisit.round_id)
        ).all()
    )
    findings = dict(
        db.session.execute(
            select(PatrolFinding.round_id, func.count(PatrolFinding.id))
            .where(PatrolFinding.round_id.in_(round_ids))
            .group_by(PatrolFinding.round_id)
        ).all()
    )
    return {round_id: (visits.get(round_id, 0), findings.get(round_id, 0)) for round_id in round_ids}


def slots_on(property_id, day, *, route_ids=None, details=True):
    """[Slot] of every active route (or of `route_ids`) on `day`, by start time, with their rounds. With `details`
    the routes' checkpoints and the rounds' patrollers are loaded and each round's scans and findings counted, in
    a few statements (the lists name each round's patroller and its numbers); without, two statements give what a
    slot's state needs. Reading what was not loaded raises instead of querying once per round."""
    query = (
        select(PatrolRoute)
        .where(PatrolRoute.property_id == property_id, PatrolRoute.is_active.is_(True))
        .order_by(PatrolRoute.name, PatrolRoute.id)
    )
    rounds_query = select(PatrolRound).where(PatrolRound.property_id == property_id, PatrolRound.day == day)
    if route_ids is not None:
        query = query.where(PatrolRoute.id.in_(list(route_ids)))
        rounds_query = rounds_query.where(PatrolRound.route_id.in_(list(route_ids)))
    if details:
        query = query.options(selectinload(PatrolRoute.checkpoints))
        rounds_query = rounds_query.options(selectinload(PatrolRound.patroller), raiseload("*"))
    else:
        query = query.options(raiseload(PatrolRoute.checkpoints))
        rounds_query = rounds_query.options(raiseload("*"))
    routes = db.session.scalars(query).all()
    rounds = {(r.route_id, r.window_start): r for r in db.session.scalars(rounds_query)}
    counts = round_counts([r.id for r in rounds.values()]) if details else {}
    slots = []
    for route in routes:
        for start, end in windows_on(route, day):
            walked = rounds.get((route.id, start))
            slots.append(Slot(route, day, start, end, walked, counts.get(walked.id) if walked and details else None))
    return sorted(slots, key=lambda s: (s.start, s.route.name))
