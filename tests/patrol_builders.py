"""Builders for patrol tests: a route with checkpoints, and rounds walked on it (built with the models)."""

from datetime import timedelta

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.areas.models import Area
from domain.patrols import routes
from domain.patrols.models import PatrolRound, PatrolVisit, RoundStatus
from domain.patrols.schedule import windows_on
from extensions import db
from tests import builders


def manager_actor():
    """A signed-in manager as the services see them."""
    return Actor.for_user(builders.create_staff(Role.MANAGER), "127.0.0.1")


def create_area(prop, name="一号楼", assistant=None):
    """An area of `prop` (no scopes), looked after by `assistant`."""
    area = Area(property_id=prop.id, name=name, assistant_id=assistant.id if assistant else None)
    db.session.add(area)
    db.session.flush()
    return area


def create_route(prop, *, actor=None, name="一号楼日巡", role=Role.ASSISTANT, windows=(("08:30", "11:30"),), points=3):
    """A route of `prop` with `points` checkpoints, each with a two-item checklist."""
    actor = actor or manager_actor()
    route = routes.save_route(actor, name=name, role=role, windows=windows, property_id=prop.id)
    for n in range(1, points + 1):
        routes.save_checkpoint(
            actor, route, name=f"检查点{n}", place=f"{n}楼大堂", look_for="门窗", checklist="消防通道畅通\n照明正常"
        )
    db.session.commit()
    return route


def walk_round(route, day, patroller, *, window=0, visited=None, finished=True, late_minutes=None):
    """A round of `route` on `day` in its `window`-th window walked by `patroller`: visits the first `visited`
    checkpoints (all by default), finished inside the window (or `late_minutes` after its end)."""
    start, end = windows_on(route, day)[window]
    patrol_round = PatrolRound(
        property_id=route.property_id,
        route_id=route.id,
        day=day,
        window_start=start,
        window_end=end,
        patroller_id=patroller.id,
        started_at=start + timedelta(minutes=5),
    )
    db.session.add(patrol_round)
    points = [c for c in route.checkpoints if c.is_active]
    for n, point in enumerate(points[: len(points) if visited is None else visited]):
        db.session.add(
            PatrolVisit(
                round=patrol_round,
                checkpoint_id=point.id,
                scanned_at=start + timedelta(minutes=10 + 5 * n),
                method="scan" if n % 2 == 0 else "code",
                answers={item: "ok" for item in point.checklist},
            )
        )
    if finished:
        patrol_round.status = RoundStatus.FINISHED
        patrol_round.finished_at = end + timedelta(minutes=late_minutes) if late_minutes else start + timedelta(hours=1)
    db.session.commit()
    return patrol_round
