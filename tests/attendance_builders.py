"""Builders for the rota and attendance: a shift template, a planned day, a clock-in, a leave request, written
straight to the tables."""

from datetime import UTC, datetime, time

from domain.attendance.models import Clocking, LeaveKind, LeaveRequest, LeaveStatus, Shift, ShiftAssignment
from extensions import db


def create_shift(prop, name="白班", starts="08:00", ends="20:00"):
    """A shift template of `prop`."""
    shift = Shift(
        property_id=prop.id, name=name, starts_at=time.fromisoformat(starts), ends_at=time.fromisoformat(ends)
    )
    db.session.add(shift)
    db.session.commit()
    return shift


def plan(prop, user, shift, day):
    """`user` planned on `shift` on the local `day`."""
    assignment = ShiftAssignment(property_id=prop.id, user_id=user.id, shift_id=shift.id, day=day)
    db.session.add(assignment)
    db.session.commit()
    return assignment


def at(text):
    """A property-local time "2026-11-17 08:06" as aware UTC."""
    return datetime.fromisoformat(text + "+08:00").astimezone(UTC)


def clocked(prop, user, in_text, out_text=None):
    """A clock-in of `user` at the local time `in_text`, clocked out at `out_text` if given."""
    clocking = Clocking(
        property_id=prop.id, user_id=user.id, in_at=at(in_text), out_at=at(out_text) if out_text else None
    )
    db.session.add(clocking)
    db.session.commit()
    return clocking


def create_leave(prop, user, first, last=None, *, kind=LeaveKind.ANNUAL, status=LeaveStatus.APPROVED):
    """A leave request of `user` (approved by default)."""
    leave = LeaveRequest(
        property_id=prop.id,
        user_id=user.id,
        kind=kind,
        first_day=first,
        last_day=last or first,
        reason="家中有事",
        status=status,
    )
    db.session.add(leave)
    db.session.commit()
    return leave
