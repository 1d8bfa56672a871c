"""Monthly scorecards (SOP 16): each evaluated staff member's measured figures scored against the manager's weights and
targets for their role, the manager's own score and comments, the rank within the role, the six-month trend, and
sign-off, which stores the card as it is so that later records never change it. A card is read by the manager and by
its staff member only."""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.accounts.models import AccountKind, User
from domain.accounts.roles import Permission, Role, can, require
from domain.accounts.services import role_of
from domain.audit.services import record
from domain.clock import today, utcnow
from domain.dates import month_after, month_before
from domain.errors import DomainError, NotAllowed, NotFound
from domain.evaluation.figures import (
    BY_KEY,
    DEFAULT_WEIGHTS,
    EVALUATED_ROLES,
    FIGURES,
    MANAGER,
    Value,
    evaluated_staff,
    figure_score,
    month_values,
    total_score,
)
from domain.evaluation.models import EvaluationScheme, Scorecard
from extensions import db

#: How many months the trend shows, the card's own included.
TREND_MONTHS = 6
MAX_COMMENTS = 2000


@dataclass
class Card:
    """One staff member's month: figures, their scores, the weights used, the total and the rank in the role."""

    user_id: int
    name: str
    role: Role
    month: date
    figures: dict  # key -> Value
    scores: dict  # key -> 0-100 or None
    weights: dict  # key -> (weight, target)
    score: int | None
    rank: int | None = None
    of: int = 0
    row: Scorecard | None = None
    frozen: bool = False
    counted: list = field(default_factory=list)

    @property
    def signed(self):
        """Whether the card was signed (and is shown as it was then)."""
        return self.frozen

    def snapshot(self):
        """The card as stored at signing: plain JSON values."""
        return {
            "role": self.role.value,
            "figures": {key: value.as_list() for key, value in self.figures.items()},
            "scores": self.scores,
            "weights": {key: list(pair) for key, pair in self.weights.items()},
            "score": self.score,
            "rank": self.rank,
            "of": self.of,
        }


def _check_role(role):
    """The Role a scheme or card is for; DomainError for the manager's own or an unknown one."""
    try:
        role = Role(role)
    except ValueError:
        raise NotFound() from None
    if role not in EVALUATED_ROLES:
        raise NotFound()
    return role


def _default_scheme(role):
    """{key: (weight, target)} for every figure: the role's default weights and each figure's default target."""
    weights = DEFAULT_WEIGHTS.get(role, {})
    return {figure.key: (weights.get(figure.key, 0), figure.target) for figure in FIGURES}


def schemes(property_id):
    """{Role: {key: (weight, target)}} of every evaluated role, the manager's saved ones over the defaults (one
    statement)."""
    saved = dict(
        db.session.execute(
            select(EvaluationScheme.role, EvaluationScheme.figures).where(EvaluationScheme.property_id == property_id)
        ).all()
    )
    result = {}
    for role in EVALUATED_ROLES:
        scheme = _default_scheme(role)
        for key, pair in (saved.get(role.value) or {}).items():
            if key in scheme:
                scheme[key] = (int(pair[0]), int(pair[1]))
        result[role] = scheme
    return result


def save_scheme(actor, property_id, role, values):
    """The manager's weights and targets for `role`: `values` {key: (weight, target)} for every figure, weights whole
    numbers 0-100 (0 leaves the figure out, at least one above 0), targets within each figure's range. Audited with
    the old and new values; cards already signed keep theirs."""
    require(actor, Permission.EVALUATE_STAFF)
    role = _check_role(role)
    clean = {}
    for figure in FIGURES:
        weight, target = values.get(figure.key, (None, None))
        if not isinstance(weight, int) or not 0 <= weight <= 100:
            raise DomainError(_l("Give each weight as a whole number from 0 to 100."), field=f"weight_{figure.key}")
        least, most = figure.target_range
        if figure.scoring == MANAGER:
            target = most
        if not isinstance(target, int) or not least <= target <= most:
            raise DomainError(
                _l("Give a whole number from %(least)s to %(most)s.", least=least, most=most),
                field=f"target_{figure.key}",
            )
        clean[figure.key] = (weight, target)
    if not any(weight for weight, _target in clean.values()):
        raise DomainError(_l("Give at least one figure a weight above 0."), field="weight_handled")
    before = schemes(property_id)[role]
    row = db.session.scalar(
        select(EvaluationScheme).where(EvaluationScheme.property_id == property_id, EvaluationScheme.role == role.value)
    )
    if row is None:
        row = EvaluationScheme(property_id=property_id, role=role.value)
        db.session.add(row)
    row.figures = {key: list(pair) for key, pair in clean.items()}
    row.updated_at, row.updated_by_id = utcnow(), actor.user_id
    db.session.flush()
    if clean != before:
        changes = {key: [list(before[key]), list(pair)] for key, pair in clean.items() if before[key] != pair}
        record(actor, "evaluation_scheme.update", row, summary=role.value, changes=changes)
    return clean


def _frozen_card(user_id, name, role, first, row):
    """A signed card, as stored at signing."""
    shot = row.snapshot
    return Card(
        user_id=user_id,
        name=name,
        role=Role(shot["role"]),
        month=first,
        figures={key: Value(*values) for key, values in shot["figures"].items()},
        scores=shot["scores"],
        weights={key: tuple(pair) for key, pair in shot["weights"].items()},
        score=shot["score"],
        rank=shot["rank"],
        of=shot["of"],
        row=row,
        frozen=True,
    )


def _live_card(user_id, name, role, first, values, weights, row):
    """A card computed from the records now and the manager's weights."""
    figures = dict(values)
    figures["manager"] = Value(row.manager_score if row else None)
    scores = {key: figure_score(BY_KEY[key], figures[key].value, weights[key][1]) for key in figures}
    return Card(user_id, name, role, first, figures, scores, weights, total_score(scores, weights), row=row)


def month_cards(property_id, first):
    """{Role: [Card]} of every evaluated staff member for the month starting on `first`, each role's cards best
    first with their rank (a signed card keeps the rank it was signed with). A fixed number of statements, whatever
    the number of staff; a month whose cards are all signed reads no figures at all."""
    rows = {
        row.user_id: row
        for row in db.session.scalars(
            select(Scorecard).where(Scorecard.property_id == property_id, Scorecard.month == first)
        )
    }
    staff = evaluated_staff()
    live = any(rows.get(user_id) is None or not rows[user_id].is_signed for user_id, _name, _role in staff)
    values = month_values(property_id, first, staff) if live else {}
    weights = schemes(property_id)
    by_role = {}
    for user_id, name, role in staff:
        row = rows.get(user_id)
        if row is not None and row.is_signed:
            card = _frozen_card(user_id, name, role, first, row)
        else:
            card = _live_card(user_id, name, role, first, values.get(user_id, {}), weights[role], row)
        by_role.setdefault(role, []).append(card)
    for cards in by_role.values():
        live = [card for card in cards if not card.frozen and card.score is not None]
        ranked = sorted((card for card in cards if card.score is not None), key=lambda c: -c.score)
        for card in live:
            card.rank = 1 + sum(1 for other in ranked if other.score > card.score)
            card.of = len(cards)
        cards.sort(key=lambda c: (c.score is None, -(c.score or 0), c.name))
    return {role: by_role[role] for role in EVALUATED_ROLES if role in by_role}


def _require_reader(actor, user_id):
    """A card is its staff member's and the manager's: NotAllowed for anyone else."""
    if actor.is_system or actor.user_id == user_id or can(actor.role, Permission.EVALUATE_STAFF):
        return
    raise NotAllowed()


def _person(user_id, property_id):
    """The evaluated staff member `user_id` and their Role in `property_id`; NotFound for anyone else."""
    person = db.session.get(User, user_id)
    role = role_of(user_id, property_id) if person is not None else None
    if person is None or person.kind != AccountKind.STAFF or role not in EVALUATED_ROLES:
        raise NotFound()
    return person, Role(role)


def card_of(actor, property_id, user_id, first):
    """The card of `user_id` for the month starting on `first`, for the manager or that person only."""
    _require_reader(actor, user_id)
    _person_row, role = _person(user_id, property_id)
    for card in month_cards(property_id, first).get(role, []):
        if card.user_id == user_id:
            return card
    raise NotFound()


def trend(actor, property_id, user_id, last_month):
    """[(first day of the month, score or None, signed)] of the TREND_MONTHS months up to `last_month`, oldest first:
    a signed month as signed, the others computed."""
    _require_reader(actor, user_id)
    _person_row, role = _person(user_id, property_id)
    firsts = [last_month]
    for _ in range(TREND_MONTHS - 1):
        firsts.insert(0, month_before(firsts[0]))
    signed = {
        row.month: row
        for row in db.session.scalars(
            select(Scorecard).where(
                Scorecard.property_id == property_id,
                Scorecard.user_id == user_id,
                Scorecard.month >= firsts[0],
                Scorecard.signed_at.is_not(None),
            )
        )
    }
    points = []
    for first in firsts:
        if first in signed:
            points.append((first, signed[first].snapshot["score"], True))
            continue
        cards = month_cards(property_id, first).get(role, [])
        score = next((card.score for card in cards if card.user_id == user_id), None)
        points.append((first, score, False))
    return points


def _month_open_for_review(first):
    """DomainError for a month that has not begun."""
    if first > today():
        raise DomainError(_l("That month has not begun."))


def _row_for(property_id, user_id, first):
    """The scorecard row of the person's month, made when missing."""
    row = db.session.scalar(
        select(Scorecard).where(
            Scorecard.property_id == property_id, Scorecard.user_id == user_id, Scorecard.month == first
        )
    )
    if row is None:
        row = Scorecard(property_id=property_id, user_id=user_id, month=first, comments="")
        db.session.add(row)
    return row


def review(actor, property_id, user_id, first, *, manager_score, comments):
    """The manager's own score (0-100, or None for none yet) and comments on a person's month, until it is signed."""
    require(actor, Permission.EVALUATE_STAFF)
    person, _role = _person(user_id, property_id)
    _month_open_for_review(first)
    if manager_score is not None and (not isinstance(manager_score, int) or not 0 <= manager_score <= 100):
        raise DomainError(
            _l("Give a whole number from %(least)s to %(most)s.", least=0, most=100), field="manager_score"
        )
    comments = (comments or "").strip()
    if len(comments) > MAX_COMMENTS:
        raise DomainError(_l("Keep it under %(count)s characters.", count=MAX_COMMENTS), field="comments")
    row = _row_for(property_id, user_id, first)
    if row.is_signed:
        raise DomainError(_l("This scorecard is signed: it can no longer be changed."))
    changes = {}
    if row.manager_score != manager_score:
        changes["manager_score"] = [row.manager_score, manager_score]
    if (row.comments or "") != comments:
        changes["comments"] = [row.comments, comments]
    row.manager_score, row.comments = manager_score, comments
    row.reviewed_by_id, row.updated_at = actor.user_id, utcnow()
    db.session.flush()
    if changes:
        record(actor, "scorecard.review", row, summary=f"{person.display_name} {first:%Y-%m}", changes=changes)
    return row


def sign(actor, property_id, user_id, first):
    """Sign a person's card of a month that has ended: its figures, scores, weights, total and rank are stored as
    they are now and shown so from then on. Signing twice is refused."""
    require(actor, Permission.EVALUATE_STAFF)
    person, _role = _person(user_id, property_id)
    if month_after(first) > today():
        raise DomainError(_l("A month's scorecard is signed once the month has ended."))
    row = _row_for(property_id, user_id, first)
    if row.is_signed:
        raise DomainError(_l("This scorecard is already signed."))
    db.session.flush()
    card = card_of(actor, property_id, user_id, first)
    row.snapshot = card.snapshot()
    row.signed_at, row.signed_by_id, row.updated_at = utcnow(), actor.user_id, utcnow()
    db.session.flush()
    record(actor, "scorecard.sign", row, summary=f"{person.display_name} {first:%Y-%m} {card.score}")
    return row
