"""The owner's side of a move-in case in the portal: which case a signed-in owner may open, whether the portal shows
them the move-in tab, and what is done and what the desk still needs, as the status page lists it."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, exists, or_, select

from domain.accounts.models import Actor
from domain.clock import utcnow
from domain.errors import Conflict, DomainError, InvalidTransition, NotFound
from domain.movein.appointments import open_slots, slot_starts
from domain.movein.cases import case_for_owner
from domain.movein.invitations import find_invitation
from domain.movein.models import CaseStatus, ItemKind, MoveInCase, PersonRole
from domain.movein.workflow import OPEN_CASES, OWNER_EDITABLE
from domain.property.models import Resident
from domain.throttle.services import Throttled, check_not_locked, count_failure
from extensions import db

#: The copies the owner may upload online (document type codes of domain.archives).
ONLINE_PAPERS = ("purchase_contract", "owner_id")
#: How long after 手续完成 the portal still offers the move-in tab (the page itself stays reachable).
TAB_AFTER_COMPLETION = timedelta(days=30)
#: The filing source of what the owner uploads online (source_id: the case).
SOURCE = "resident"
#: The throttle's scope for invitation codes typed in the portal (counted per client address).
INVITATION_SCOPE = "move_in_invitation"


class WrongInvitation(DomainError):
    """The invitation code is unknown, used or expired (one message: nobody learns which codes exist)."""

    default_message = _l(
        "This code is not right, or it has been used or has expired. Check the letter or e-mail from the "
        "service desk, or ask the desk for a new code."
    )


def look_up_invitation(code, *, source):
    """The case a one-time code invites to, for the public invitation page. Wrong codes are counted per client
    address (`source`); after the throttle's MAX_FAILURES within its WINDOW the address must wait (Throttled).
    Raises WrongInvitation for an unknown, used or expired code and Conflict when the owner already has a portal
    account; the caller commits either way."""
    place = f"invitation@{source}"[:80]
    try:
        check_not_locked(INVITATION_SCOPE, place)
    except Throttled:
        raise Throttled(_l("Too many wrong codes. Wait five minutes and try again."), field="code") from None
    case = find_invitation((code or "").strip())
    if case is None:
        count_failure(Actor.system(source), INVITATION_SCOPE, place, alarm=False)
        raise WrongInvitation(field="code")
    if case.owner_user_id is not None:  # an owner already in the portal (a second unit): they just sign in
        raise Conflict(_l("You already have a portal account: sign in with it to see your move-in."), field="code")
    return case


def owner_case(user, case_id):
    """The signed-in owner's own case `case_id`; NotFound for anybody else's (a neighbour's case is 404)."""
    for case in case_for_owner(user):
        if case.id == case_id:
            return case
    raise NotFound()


def require_owner_editable(case):
    """Refuse an owner's online change once the case has left OWNER_EDITABLE: the desk has the papers then."""
    if case.status not in OWNER_EDITABLE:
        raise InvalidTransition(
            _l("The service desk has your papers now: changes are made at the desk. Please call or visit us.")
        )


def day_slots(property_id, day):
    """[(start in UTC, free places)] of `day`'s slots still ahead, the full ones included with 0 places (the
    picker shows them disabled)."""
    free = dict(open_slots(property_id, day))
    now = utcnow()
    return [(start, free.get(start, 0)) for start in slot_starts(day) if start > now]


def shows_move_in(user_id, now):
    """Whether the portal shows `user_id` the move-in tab: they own a case that is open, or was completed lately."""
    return bool(db.session.scalar(_SHOWS_MOVE_IN, {"user_id": user_id, "since": now - TAB_AFTER_COMPLETION}))


#: Built once: every portal page asks it for the tab bar (the fence then reuses its fenced copy).
_SHOWS_MOVE_IN = select(
    exists().where(
        MoveInCase.owner_id == Resident.id,
        Resident.user_id == bindparam("user_id"),
        or_(
            MoveInCase.status.in_(OPEN_CASES),
            (MoveInCase.status == CaseStatus.COMPLETED) & (MoveInCase.completed_at >= bindparam("since")),
        ),
    )
)


def open_cases_of(user):
    """The owner's cases still in progress (the home page's move-in card)."""
    return [case for case in case_for_owner(user) if case.status in OPEN_CASES]


@dataclass
class OwnerProgress:
    """What the status page says about a case: done online, and what the desk still needs on the day."""

    case: MoveInCase
    #: Whether the owner may still change the form, the copies and the slot online.
    editable: bool
    owner: object | None
    household: list
    papers: list
    #: Type codes of the online copies not uploaded yet.
    papers_missing: list
    appointment_at: datetime | None
    #: The checklist lines not done yet, by kind (document, form, key, fee).
    outstanding: dict = field(default_factory=dict)


def owner_progress(case, filed):
    """The case as its owner sees it: the registration form, the copies, the appointment and the open checklist.
    `filed`: the documents filed from the owner's uploads (documents_of_source(SOURCE, case.id): the archives sit
    above the move-in package, so the caller reads them); voided ones are left out."""
    owner = next((p for p in case.people if p.role == PersonRole.OWNER), None)
    household = [p for p in case.people if p.role != PersonRole.OWNER]
    papers = [doc for doc in filed if doc.voided_at is None]
    uploaded = {doc.type.code for doc in papers}
    outstanding = {kind: [] for kind in ItemKind}
    proxy = bool(case.proxy_name)
    for item in case.items:
        if item.done_at is None and (proxy or not item.proxy_only):
            outstanding[item.kind].append(item)
    return OwnerProgress(
        case=case,
        editable=case.status in OWNER_EDITABLE,
        owner=owner,
        household=household,
        papers=papers,
        papers_missing=[code for code in ONLINE_PAPERS if code not in uploaded],
        appointment_at=case.appointment_at,
        outstanding={kind: items for kind, items in outstanding.items() if items},
    )
