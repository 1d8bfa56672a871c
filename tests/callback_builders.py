"""Builders for the callback rates, visit plans and service-standards tests."""

from domain.accounts.models import Actor
from domain.tickets import recording
from domain.tickets.models import Callback, CallbackStatus, ResidentVisit, Status
from extensions import db

SYSTEM = Actor.system("test")


def finished_ticket(prop, unit, at, *, kind="repair", callback="open", satisfaction=None, done_by=None, category=""):
    """A ticket of `kind` for `unit` finished at `at`; with its callback open, done (`satisfaction` 1-5, made by
    `done_by` or, without one, answered by the resident's rating), or none (callback=None)."""
    ticket = recording.create_ticket(
        SYSTEM,
        property_id=prop.id,
        kind=kind,
        channel="phone",
        description="客厅漏水",
        unit_id=unit.id,
        category=category,
        now=at,
    )
    ticket.status, ticket.done_at = Status.DONE, at
    if callback is not None:
        row = Callback(ticket_id=ticket.id, due_at=at, created_at=at)
        if callback == "done":
            row.status, row.satisfaction, row.done_at = CallbackStatus.DONE, satisfaction, at
            row.done_by_id, row.result = (done_by.id if done_by else None), "业主反映已修好"
        db.session.add(row)
    db.session.commit()
    return ticket


def made_visit(prop, unit, at, *, remark="", remark_department=None, remark_category="", resident=None):
    """A visit to `unit` made at `at`."""
    visit = ResidentVisit(
        property_id=prop.id,
        unit_id=unit.id,
        resident_id=resident.id if resident else None,
        planned_for=at,
        purpose="走访",
        notes="业主满意",
        done_at=at,
        remark=remark,
        remark_department=remark_department,
        remark_category=remark_category,
    )
    db.session.add(visit)
    db.session.commit()
    return visit
