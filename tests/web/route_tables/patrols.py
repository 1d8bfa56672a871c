"""Patrol routes, rounds and the patroller's phone pages: the console routes and who may use them."""

from domain.accounts.roles import Role
from domain.clock import today, utcnow
from domain.patrols.models import PatrolFinding, PatrolRound
from extensions import db
from tests import builders
from tests import patrol_walk_builders as walk_builders
from tests.patrol_builders import create_route, walk_round

VIEWERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FRONTDESK, Role.SECURITY})
WALKERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.SECURITY})
MANAGER = frozenset({Role.MANAGER})

_ROUTE = "/staff/patrols/routes/{patrol_route}"
_POINT = _ROUTE + "/checkpoints/{checkpoint}"

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.list_rounds": ("GET", "/staff/patrols/", VIEWERS),
    "staff.show_round": ("GET", "/staff/patrols/rounds/{patrol_round}", VIEWERS),
    "staff.round_pdf": ("GET", "/staff/patrols/rounds/{patrol_round}.pdf", VIEWERS),
    "staff.round_signature": ("GET", "/staff/patrols/rounds/{patrol_round}/signature.png", VIEWERS),
    "staff.finding_photo": ("GET", "/staff/patrols/rounds/{patrol_round}/findings/1/photos/1", VIEWERS),
    "staff.label_image": ("GET", "/staff/patrols/labels/{checkpoint_code}.png", VIEWERS),
    "staff.list_routes": ("GET", "/staff/patrols/routes/", MANAGER),
    "staff.new_route": ("POST", "/staff/patrols/routes/new", MANAGER),
    "staff.edit_route": ("POST", _ROUTE, MANAGER),
    "staff.retire_route": ("POST", _ROUTE + "/retire", MANAGER),
    "staff.reinstate_route": ("POST", _ROUTE + "/reinstate", MANAGER),
    "staff.route_labels": ("GET", _ROUTE + "/labels.pdf", MANAGER),
    "staff.add_checkpoint": ("POST", _ROUTE + "/checkpoints", MANAGER),
    "staff.edit_checkpoint": ("POST", _POINT, MANAGER),
    "staff.move_checkpoint": ("POST", _POINT + "/move", MANAGER),
    "staff.retire_checkpoint": ("POST", _POINT + "/retire", MANAGER),
    "staff.reinstate_checkpoint": ("POST", _POINT + "/reinstate", MANAGER),
    "staff.patrols_today": ("GET", "/staff/patrols/today", WALKERS),
    # The patroller's phone pages: another walker's round answers 404 (it is not theirs to walk).
    "staff.start_patrol_round": ("POST", "/staff/patrols/today/start", WALKERS),
    "staff.scan_checkpoint": ("GET", "/staff/patrols/today/scan/{walk_code}", WALKERS),
    "staff.walk_round": ("GET", "/staff/patrols/today/rounds/{walk_round}", WALKERS),
    "staff.record_patrol_visit": ("POST", "/staff/patrols/today/rounds/{walk_round}/visits", WALKERS),
    "staff.add_patrol_finding": ("POST", "/staff/patrols/today/rounds/{walk_round}/findings", WALKERS),
    "staff.raise_finding_ticket": (
        "POST",
        "/staff/patrols/today/rounds/{walk_round}/findings/{walk_finding}/ticket",
        WALKERS,
    ),
    "staff.finish_patrol_round": ("POST", "/staff/patrols/today/rounds/{walk_round}/finish", WALKERS),
    "staff.show_patrol_finding_photo": (
        "GET",
        "/staff/patrols/today/rounds/{walk_round}/findings/{walk_finding}/photos/1",
        WALKERS,
    ),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name, made for the test."""
    route = walk_builders.create_route(prop, role=Role.SECURITY)
    patroller = builders.create_staff(Role.SECURITY)
    now = utcnow()
    walked = PatrolRound(
        property_id=prop.id,
        route_id=route.id,
        day=today(),
        window_start=now,
        window_end=now,
        patroller_id=patroller.id,
    )
    db.session.add(walked)
    db.session.flush()
    finding = PatrolFinding(round_id=walked.id, description="灯不亮")
    db.session.add(finding)
    db.session.commit()
    mine = create_route(prop, name="记录路线", points=2)
    patrol_round = walk_round(mine, today(), builders.create_staff(Role.ASSISTANT, username="walker"))
    return {
        "walk_code": route.checkpoints[0].code,
        "walk_round": walked.id,
        "walk_finding": finding.id,
        "patrol_route": mine.id,
        "checkpoint": mine.checkpoints[0].id,
        "checkpoint_code": mine.checkpoints[0].code,
        "patrol_round": patrol_round.id,
    }
