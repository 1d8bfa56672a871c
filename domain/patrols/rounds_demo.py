"""Demo data for walked rounds: a week of rounds on the demo's routes (run after the routes and their labels exist),
each signed, with one window missed, one round finished late, and one round with findings that opened tickets.
Today's windows are left for the demo's patrollers to walk."""

from datetime import timedelta

from sqlalchemy import select

from domain.accounts.models import Actor, User
from domain.accounts.roles import Role
from domain.movein.demo import signature_data_url
from domain.patrols.models import PatrolFinding, PatrolRound, PatrolRoute, PatrolVisit, RoundStatus
from domain.patrols.rounds import ROUND_SUBJECT, SIGNATURE_PURPOSE, raise_ticket, round_text
from domain.patrols.schedule import windows_on
from domain.signatures.services import record_signature
from domain.tickets.models import Department, TicketKind
from extensions import db

#: What the demo's patrollers find, with the ticket each becomes (or None: noted only).
FINDINGS = (
    ("地下车库B区照明灯两盏不亮", TicketKind.REPAIR, Department.ENGINEERING, True),
    ("消防通道堆放纸箱，已提醒住户清理", TicketKind.COMPLAINT, Department.CUSTOMER_SERVICE, False),
    ("单元门闭门器漏油，门关不严", TicketKind.REPAIR, Department.ENGINEERING, True),
)


def _patroller(route, fallback):
    """Who walks `route` in the demo: its area's assistant, or the demo's user with the route's role."""
    if route.area is not None and route.area.assistant is not None:
        return route.area.assistant
    return fallback.get(route.role) or fallback[Role.MANAGER]


def _walk(route, patroller, day, start, end, rng, *, late=False, findings=()):
    """One round walked (every point, answers mostly OK), its findings and tickets, signed and finished."""
    started = start + timedelta(minutes=rng.randint(5, 25))
    if late:
        started = end - timedelta(minutes=10)
    patrol_round = PatrolRound(
        property_id=route.property_id,
        route_id=route.id,
        day=day,
        window_start=start,
        window_end=end,
        status=RoundStatus.IN_PROGRESS,
        patroller_id=patroller.id,
        started_at=started,
    )
    db.session.add(patrol_round)
    db.session.flush()
    at = started
    points = [c for c in route.checkpoints if c.is_active]
    for checkpoint in points:
        at += timedelta(minutes=rng.randint(3, 7))
        answers = {q: ("fault" if findings and rng.random() < 0.3 else "ok") for q in checkpoint.checklist or ()}
        db.session.add(
            PatrolVisit(
                round_id=patrol_round.id,
                checkpoint_id=checkpoint.id,
                scanned_at=at,
                received_at=at,
                method="scan" if rng.random() < 0.9 else "code",
                answers=answers,
            )
        )
    actor = Actor.for_user(patroller, "demo")
    for index, (description, kind, department, ticket) in enumerate(findings):
        checkpoint = points[index % len(points)] if points else None
        finding = PatrolFinding(
            round_id=patrol_round.id,
            checkpoint_id=checkpoint.id if checkpoint else None,
            description=description,
            kind=kind,
            department=department,
            created_by_id=patroller.id,
            created_at=at,
        )
        db.session.add(finding)
        db.session.flush()
        if ticket:
            raise_ticket(Actor.system("demo"), finding, now=at + timedelta(minutes=1))
    db.session.flush()
    db.session.refresh(patrol_round)
    finished = at + timedelta(minutes=3)
    signature = record_signature(
        actor,
        property_id=route.property_id,
        subject_type=ROUND_SUBJECT,
        subject_id=patrol_round.id,
        purpose=SIGNATURE_PURPOSE,
        signer_role="staff",
        signer_name=patroller.display_name,
        data_url=_signature(patroller.display_name),
        signed_text=round_text(patrol_round),
    )
    signature.signed_at = finished
    patrol_round.status = RoundStatus.FINISHED
    patrol_round.finished_at = finished
    return patrol_round


def _signature(name):
    """The demo's drawn signature of `name` (the move-in demo's scribble)."""
    return signature_data_url(name)


def load_patrol_rounds_demo(prop, *, rng, today):
    """A week of walked rounds before `today` on every active route of `prop`: the third day back the first route's
    first window is missed, the second day back a round finishes late, and the fourth day back a round has findings
    (two of which opened tickets). Does nothing when the property has no routes yet."""
    routes = db.session.scalars(
        select(PatrolRoute)
        .where(PatrolRoute.property_id == prop.id, PatrolRoute.is_active.is_(True))
        .order_by(PatrolRoute.id)
    ).all()
    if not routes:
        return
    fallback = {}
    for username, role in (("assistant", Role.ASSISTANT), ("security", Role.SECURITY), ("manager", Role.MANAGER)):
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None:
            fallback[role] = user
    if Role.MANAGER not in fallback:
        return
    for back in range(7, 0, -1):
        day = today - timedelta(days=back)
        for route_index, route in enumerate(routes):
            patroller = _patroller(route, fallback)
            for window_index, (start, end) in enumerate(windows_on(route, day)):
                first = route_index == 0 and window_index == 0
                if first and back == 3:
                    continue  # missed: nobody started it (the board reads it so from the window)
                _walk(
                    route,
                    patroller,
                    day,
                    start,
                    end,
                    rng,
                    late=first and back == 2,
                    findings=FINDINGS if first and back == 4 else (),
                )
    db.session.flush()
