"""Walking a round on a phone: start it in its window, record each checkpoint by its label, note findings with
photos, make a finding a ticket in one tap, and sign the finished round (the 巡视记录表).

A phone that lost its connection sends what it kept later, perhaps twice: a visit is one per round and checkpoint
(a resend updates it), a finding one per client key, a ticket one per finding, a start one per route and window.
"""

from datetime import UTC, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from domain.accounts.roles import Permission, Role, require
from domain.areas.lookup import areas_of_user
from domain.audit.services import record
from domain.clock import local_date, local_text, utcnow
from domain.errors import Conflict, DomainError, InvalidTransition, NotAllowed, NotFound
from domain.files.photos import photos_of, save_field_photos
from domain.movein.invitations import normalise_code
from domain.patrols.models import Checkpoint, PatrolFinding, PatrolRound, PatrolRoute, PatrolVisit, RoundStatus
from domain.patrols.schedule import slots_on, windows_on
from domain.patrols.workflow import check_round
from domain.signatures.services import record_signature
from domain.tickets.models import Channel, Department, TicketKind, TicketPhoto
from domain.tickets.recording import DEFAULT_DEPARTMENT, create_ticket
from extensions import db

#: A round may still be started this long after its window ended (it then reads "late").
LATE_START = timedelta(hours=2)
#: How far before the round's start a phone's clock may put a scan (a phone a little fast or slow).
CLOCK_SLACK = timedelta(minutes=5)
#: How a checkpoint was recorded: its QR read by the camera, or its short code typed.
METHODS = ("scan", "code")
#: The answers to a checklist question.
ANSWERS = ("ok", "fault")
#: The kinds of ticket a finding may become (a service from the catalogue or an inquiry is not found on a round).
FINDING_KINDS = (TicketKind.REPAIR, TicketKind.COMPLAINT, TicketKind.HELP)
#: The subject of a finding's photos and of a round's signature.
FINDING_PHOTOS = "patrol_finding"
ROUND_SUBJECT = "patrol_round"
SIGNATURE_PURPOSE = "patrol_record"


def _aware(moment):
    """`moment` as an aware UTC datetime (SQLite gives naive ones back)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _require_area(actor, route, day):
    """An assistant walks only the routes of the areas they look after on `day` (their own, or one they cover)."""
    if actor.is_system or route.area_id is None or actor.role != Role.ASSISTANT:
        return
    if route.area_id not in {a.id for a in areas_of_user(actor.user_id, day)}:
        raise NotAllowed(_l("This route is not in your area."))


def open_windows(route, now):
    """[(day, start, end)] of the route's windows that may be started at `now`: opened, and not ended more than
    LATE_START ago (yesterday's too, for a night window or a late round)."""
    today = local_date(now)
    found = []
    for day in (today - timedelta(days=1), today):
        for start, end in windows_on(route, day):
            if start <= now <= end + LATE_START:
                found.append((day, start, end))
    return found


def _round_of(route_id, window_start):
    """The round walked on `route_id` in the window starting at `window_start`, or None."""
    return db.session.scalar(
        select(PatrolRound).where(PatrolRound.route_id == route_id, PatrolRound.window_start == window_start)
    )


def start_round(actor, route, window_start, now=None):
    """Start the round of `route` in the window starting at `window_start` (aware), or return the one already
    started in it (a second tap, another phone). The window must have opened and not have ended more than
    LATE_START ago; the route's role (an assistant of its area) or the manager starts it."""
    require(actor, Permission.WALK_PATROLS)
    now = now or utcnow()
    window_start = _aware(window_start)
    existing = _round_of(route.id, window_start)
    if existing is not None:
        return existing
    if not route.is_active:
        raise InvalidTransition(_l("This route is no longer walked."))
    window = next(((d, s, e) for d, s, e in open_windows(route, now) if s == window_start), None)
    if window is None:
        raise InvalidTransition(_l("This round cannot be started now: its window has not opened or is long over."))
    day, start, end = window
    check_round(actor, "start", route)
    _require_area(actor, route, day)
    patrol_round = PatrolRound(
        property_id=route.property_id,
        route_id=route.id,
        day=day,
        window_start=start,
        window_end=end,
        status=RoundStatus.IN_PROGRESS,
        patroller_id=actor.user_id,
        started_at=now,
    )
    db.session.add(patrol_round)
    try:
        db.session.flush()
    except IntegrityError:
        # Started a moment ago from another tap or phone: the starting is the first change of the request.
        db.session.rollback()
        existing = _round_of(route.id, window_start)
        if existing is None:
            raise
        return existing
    record(actor, "patrol_round.start", patrol_round, summary=f"{route.name} {local_text(start)}")
    return patrol_round


def get_round(round_id, property_id):
    """The round `round_id` of the property with its route, checkpoints, visits and findings (NotFound else)."""
    patrol_round = db.session.scalar(
        select(PatrolRound)
        .where(PatrolRound.id == round_id, PatrolRound.property_id == property_id)
        .options(
            selectinload(PatrolRound.route).selectinload(PatrolRoute.checkpoints),
            selectinload(PatrolRound.visits),
            selectinload(PatrolRound.findings),
        )
    )
    if patrol_round is None:
        raise NotFound()
    return patrol_round


def code_of(text):
    """The label's short code from what was typed or read (the code, or the label's URL ending in it), as stored."""
    text = (text or "").strip()
    if "/" in text:
        text = text.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    return normalise_code(text)


def checkpoint_by_code(property_id, code):
    """The active checkpoint with the label `code` in the property (NotFound else)."""
    checkpoint = db.session.scalar(
        select(Checkpoint)
        .join(PatrolRoute)
        .where(Checkpoint.code == code_of(code), PatrolRoute.property_id == property_id, Checkpoint.is_active.is_(True))
    )
    if checkpoint is None:
        raise NotFound(_l("No label has this code."), field="code")
    return checkpoint


def _checkpoint_of_round(patrol_round, code):
    """The active checkpoint of the round's route with the label `code`; NotFound for another route's label."""
    code = code_of(code)
    if not code:
        raise DomainError(_l("Scan the label or type its code."), field="code")
    for checkpoint in patrol_round.route.checkpoints:
        if checkpoint.is_active and checkpoint.code.upper() == code:
            return checkpoint
    raise NotFound(_l("This label is not on this route."), field="code")


def _checked_answers(checkpoint, answers):
    """The answers to the checkpoint's checklist in its order, each "ok" or "fault"; DomainError for a question left
    unanswered or an answer of another kind."""
    answers = answers or {}
    checked = {}
    for question in checkpoint.checklist or ():
        value = answers.get(question)
        if value not in ANSWERS:
            raise DomainError(_l("Answer every question: OK or fault."), field="answers")
        checked[question] = value
    return checked


def _clamped(scanned_at, patrol_round, now):
    """The phone's time of a scan, kept between the round's start (less CLOCK_SLACK) and now."""
    if scanned_at is None:
        return now
    return min(max(_aware(scanned_at), _aware(patrol_round.started_at) - CLOCK_SLACK), now)


def record_visit(actor, patrol_round, *, code, method, answers, note="", scanned_at=None):
    """Record the checkpoint with the label `code` as reached in the round, with its checklist's answers. A repeat
    (the point scanned again, or a resend after a lost connection) updates the answers and note and keeps the first
    scan's time. `scanned_at` is the phone's time of the scan, clamped to the round's start and now."""
    check_round(actor, "visit", patrol_round.route, patrol_round)
    if method not in METHODS:
        raise DomainError(_l("Scan the label or type its code."), field="code")
    checkpoint = _checkpoint_of_round(patrol_round, code)
    checked = _checked_answers(checkpoint, answers)
    note = (note or "").strip()[:2000]
    now = utcnow()
    scanned_at = _clamped(scanned_at, patrol_round, now)
    visit = _visit_of(patrol_round.id, checkpoint.id)
    if visit is None:
        visit = PatrolVisit(
            round_id=patrol_round.id,
            checkpoint_id=checkpoint.id,
            scanned_at=scanned_at,
            received_at=now,
            method=method,
            answers=checked,
            note=note,
        )
        db.session.add(visit)
        try:
            db.session.flush()
        except IntegrityError:
            # The same point sent twice at once: the other request has it; update that one.
            db.session.rollback()
            visit = _visit_of(patrol_round.id, checkpoint.id)
            if visit is None:
                raise
            visit.answers, visit.note, visit.received_at = checked, note, now
        action = "patrol_visit.record"
    else:
        visit.answers, visit.note, visit.received_at = checked, note, now
        action = "patrol_visit.update"
    faults = sum(1 for value in checked.values() if value == "fault")
    record(actor, action, visit, summary=f"{checkpoint.code} {checkpoint.name} ({method}, {faults} fault(s))")
    return visit


def _visit_of(round_id, checkpoint_id):
    """The visit of a round at a checkpoint, or None."""
    return db.session.scalar(
        select(PatrolVisit).where(PatrolVisit.round_id == round_id, PatrolVisit.checkpoint_id == checkpoint_id)
    )


def _finding_by_key(client_key):
    """The finding the phone sent with `client_key`, or None."""
    return db.session.scalar(select(PatrolFinding).where(PatrolFinding.client_key == client_key))


def add_finding(
    actor,
    patrol_round,
    *,
    description,
    checkpoint_id=None,
    department=None,
    kind="repair",
    files=(),
    client_key=None,
):
    """Note something found on the round, at a checkpoint or between them, with photos; its department defaults by
    kind. Sent again with the same `client_key` (after a lost connection), the finding first kept is returned."""
    check_round(actor, "find", patrol_round.route, patrol_round)
    client_key = (client_key or "").strip()[:40] or None
    if client_key:
        existing = _finding_by_key(client_key)
        if existing is not None:
            if existing.round_id != patrol_round.id:
                raise Conflict()
            return existing
    description = (description or "").strip()
    if not description:
        raise DomainError(_l("Describe what you found."), field="description")
    try:
        kind = TicketKind(kind or TicketKind.REPAIR)
    except ValueError:
        kind = None
    if kind not in FINDING_KINDS:
        raise DomainError(_l("Choose what kind of problem it is."), field="kind")
    try:
        department = Department(department) if department else DEFAULT_DEPARTMENT[kind]
    except ValueError:
        raise DomainError(_l("Choose a department from the list."), field="department") from None
    checkpoint = None
    if checkpoint_id:
        checkpoint = next((c for c in patrol_round.route.checkpoints if c.id == int(checkpoint_id)), None)
        if checkpoint is None:
            raise NotFound(_l("This point is not on this route."), field="checkpoint_id")
    finding = PatrolFinding(
        round_id=patrol_round.id,
        checkpoint_id=checkpoint.id if checkpoint else None,
        description=description,
        kind=kind,
        department=department,
        client_key=client_key,
        created_by_id=actor.user_id,
        created_at=utcnow(),
    )
    db.session.add(finding)
    try:
        db.session.flush()
    except IntegrityError:
        # The same finding sent twice at once: the other request kept it.
        db.session.rollback()
        existing = _finding_by_key(client_key) if client_key else None
        if existing is None:
            raise
        return existing
    photos = save_field_photos(
        actor, property_id=patrol_round.property_id, subject_type=FINDING_PHOTOS, subject_id=finding.id, files=files
    )
    place = checkpoint.name if checkpoint else patrol_round.route.name
    record(actor, "patrol_finding.add", finding, summary=f"{place}: {description[:80]} ({len(photos)} photo(s))")
    return finding


def ticket_description(finding):
    """The ticket's text for a finding: the route, the point and what was found."""
    patrol_round = finding.round
    where = patrol_round.route.name
    if finding.checkpoint is not None:
        where = f"{where} · {finding.checkpoint.name}"
    return f"[{where} {local_text(patrol_round.started_at)}] {finding.description}"


def raise_ticket(actor, finding, *, now=None):
    """Make the finding a ticket (channel "patrol") for its department, at its checkpoint's place, with its photos;
    a finding already made a ticket returns that ticket. `now` is for the demo's past rounds."""
    patrol_round = finding.round
    check_round(actor, "raise_ticket", patrol_round.route, patrol_round)
    if finding.ticket_id is not None:
        return finding.ticket
    checkpoint = finding.checkpoint
    location = (checkpoint.place or checkpoint.name) if checkpoint else patrol_round.route.name
    ticket = create_ticket(
        actor,
        property_id=patrol_round.property_id,
        kind=finding.kind,
        channel=Channel.PATROL,
        description=ticket_description(finding),
        location=location,
        now=now,
    )
    if finding.department is not None:
        ticket.department = finding.department
    for photo in photos_of(FINDING_PHOTOS, [finding.id]).get(finding.id, []):
        db.session.add(
            TicketPhoto(
                ticket_id=ticket.id,
                stored_name=photo.stored_name,
                content_type=photo.content_type,
                size=photo.size,
                uploaded_by_id=photo.uploaded_by_id,
            )
        )
    finding.ticket_id = ticket.id
    finding.ticket = ticket
    db.session.flush()
    record(actor, "patrol_finding.ticket", finding, summary=f"ticket #{ticket.id}")
    return ticket


def round_text(patrol_round):
    """The round as plain text, what the patroller signs: route, window, each checkpoint's time and answers (or
    "not reached"), and the findings with their tickets."""
    route, patroller = patrol_round.route, patrol_round.patroller
    visits = {v.checkpoint_id: v for v in patrol_round.visits}
    lines = [
        f"{route.name}",
        f"{local_text(patrol_round.window_start)} - {local_text(patrol_round.window_end, '%H:%M')}",
        f"{local_text(patrol_round.started_at)} {patroller.display_name if patroller else ''}",
    ]
    for checkpoint in route.checkpoints:
        visit = visits.get(checkpoint.id)
        if visit is None:
            if checkpoint.is_active:
                lines.append(f"{checkpoint.position}. {checkpoint.name}: 未到 / not reached")
            continue
        answers = "; ".join(f"{q} {a}" for q, a in (visit.answers or {}).items())
        note = f" — {visit.note}" if visit.note else ""
        lines.append(
            f"{checkpoint.position}. {checkpoint.name} {local_text(visit.scanned_at, '%H:%M')}: {answers}{note}"
        )
    for finding in patrol_round.findings:
        ticket = f" → #{finding.ticket_id}" if finding.ticket_id else ""
        where = f"{finding.checkpoint.name}: " if finding.checkpoint else ""
        lines.append(f"! {where}{finding.description}{ticket}")
    if patrol_round.note:
        lines.append(patrol_round.note)
    return "\n".join(lines)


def finish_round(actor, patrol_round, *, signature_data_url, note=""):
    """Sign and finish the round: the 巡视记录表 is then closed to visits and findings (findings may still become
    tickets). The signature is stored under the round's text."""
    check_round(actor, "finish", patrol_round.route, patrol_round)
    if not (signature_data_url or "").strip():
        raise DomainError(_l("Sign in the box to finish the round."), field="signature")
    patrol_round.note = (note or "").strip()[:2000]
    record_signature(
        actor,
        property_id=patrol_round.property_id,
        subject_type=ROUND_SUBJECT,
        subject_id=patrol_round.id,
        purpose=SIGNATURE_PURPOSE,
        signer_role="staff",
        signer_name=actor.name,
        data_url=signature_data_url,
        signed_text=round_text(patrol_round),
    )
    patrol_round.status = RoundStatus.FINISHED
    patrol_round.finished_at = utcnow()
    db.session.flush()
    record(
        actor,
        "patrol_round.finish",
        patrol_round,
        summary=f"{len(patrol_round.visits)}/{len(patrol_round.route.checkpoints)} points, "
        f"{len(patrol_round.findings)} finding(s)",
    )
    return patrol_round


def my_slots(actor, property_id, now=None, *, details=True):
    """Today's slots that are `actor`'s to walk (and yesterday's still open or just over): an assistant's routes of
    the areas they look after today (covered ones too), security's routes for security, every route for the
    manager. Without `details`, only what a slot's state needs is loaded (see `slots_on`)."""
    now = now or utcnow()
    today = local_date(now)
    role = actor.role
    routes = db.session.scalars(
        select(PatrolRoute).where(PatrolRoute.property_id == property_id, PatrolRoute.is_active.is_(True))
    ).all()
    if role == Role.ASSISTANT:
        area_ids = {a.id for a in areas_of_user(actor.user_id, today)}
        route_ids = [r.id for r in routes if r.role == Role.ASSISTANT and r.area_id in area_ids]
    elif role == Role.MANAGER or actor.is_system:
        route_ids = [r.id for r in routes]
    else:
        route_ids = [r.id for r in routes if r.role == role]
    if not route_ids:
        return []
    yesterday = slots_on(property_id, today - timedelta(days=1), route_ids=route_ids, details=details)
    earlier = [s for s in yesterday if s.end > now - LATE_START]
    return earlier + slots_on(property_id, today, route_ids=route_ids, details=details)


def scan_target(actor, property_id, code, now=None):
    """Where a label's QR opened by the phone's own camera app leads: (checkpoint, the actor's open round on its
    route or None, the window it may start now as (day, start, end) or None)."""
    now = now or utcnow()
    checkpoint = checkpoint_by_code(property_id, code)
    route = checkpoint.route
    open_round = db.session.scalar(
        select(PatrolRound)
        .where(
            PatrolRound.route_id == route.id,
            PatrolRound.status == RoundStatus.IN_PROGRESS,
            PatrolRound.window_end >= now - LATE_START,
        )
        .order_by(PatrolRound.window_start.desc())
    )
    if open_round is not None and open_round.patroller_id != actor.user_id and actor.role != Role.MANAGER:
        open_round = None
    windows = open_windows(route, now) if open_round is None else []
    startable = None
    for day, start, end in windows:
        existing = _round_of(route.id, start)
        if existing is None:
            startable = (day, start, end)
            break
    return checkpoint, open_round, startable
