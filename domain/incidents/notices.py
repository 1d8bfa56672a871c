"""Incident mode: while an incident affects residents (a water cut, a lift out of service), one notice to the
affected buildings: a banner on the portal and the kiosks, a portal announcement, a portal notice and an e-mail to
each household; its updates go the same way and switching it off posts the all-clear. The desk attaches residents'
tickets about the same problem to the incident and closes them together with one message."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, or_, select

from domain.announcements.services import get_announcement, publish, withdraw
from domain.audit.services import record
from domain.clock import local_date, utcnow
from domain.errors import DomainError, InvalidTransition, NotFound
from domain.incidents.models import (
    IncidentNotice,
    IncidentNoticeBuilding,
    IncidentNoticeUpdate,
    IncidentTicket,
)
from domain.incidents.services import add_event as add_incident_event
from domain.incidents.workflow import check_incident
from domain.notify.services import households, notice_batch
from domain.property.models import Building, Occupancy, Resident, Unit
from domain.queries import read
from domain.tickets import steps
from domain.tickets.models import Status, Ticket
from domain.tickets.timeline import add_event as add_ticket_event
from domain.tickets.workflow import OPEN
from extensions import db

#: The longest notice title: the announcement's title adds the buildings in front (both columns hold 120).
MAX_TITLE = 80
#: How long the announcement stays up unless the all-clear withdraws it first ("valid until far ahead").
ANNOUNCEMENT_DAYS = 365
#: What the all-clear says when the manager writes nothing.
ALL_CLEAR = _l("The problem has been solved and everything is back to normal. Thank you for your patience.")
#: The most tickets attached in one go (a search or a checklist of a page).
MAX_ATTACH = 200


@dataclass
class LiveNotice:
    """A notice on now, as the banners show it: its title and text, the buildings it names, its latest update."""

    id: int
    incident_id: int
    title: str
    body: str
    started_at: datetime
    buildings: list = field(default_factory=list)
    update_body: str | None = None
    update_at: datetime | None = None

    @property
    def latest_at(self):
        """When it last said something: the latest update, or its start."""
        return self.update_at or self.started_at


def _required(value, field_name, message):
    """A stripped text field, or DomainError on `field_name` when empty."""
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field_name)
    return value


def _buildings(property_id, building_ids):
    """The property's buildings named by `building_ids` (in code order); DomainError when none or a stranger."""
    try:
        ids = {int(building_id) for building_id in building_ids or ()}
    except (TypeError, ValueError):
        ids = None
    if not ids:
        raise DomainError(_l("Choose the buildings whose residents are affected."), field="building_ids")
    buildings = db.session.scalars(
        select(Building).where(Building.id.in_(ids), Building.property_id == property_id).order_by(Building.code)
    ).all()
    if len(buildings) != len(ids):
        raise DomainError(_l("Choose buildings of this property."), field="building_ids")
    return buildings


def buildings_label(names):
    """The buildings as a title names them: "1号楼、2号楼"."""
    return "、".join(names)


def live_notice(incident_id):
    """The incident's notice that is on now, or None (there is at most one)."""
    return db.session.scalar(
        select(IncidentNotice).where(IncidentNotice.incident_id == incident_id, IncidentNotice.ended_at.is_(None))
    )


def notices_of(incident_id):
    """Every notice of the incident, newest first, with their updates (for the console's panel)."""
    return db.session.scalars(
        select(IncidentNotice).where(IncidentNotice.incident_id == incident_id).order_by(IncidentNotice.id.desc())
    ).all()


def notice_building_ids(notice):
    """The ids of the buildings the notice is for."""
    return [link.building_id for link in notice.buildings]


def _tell(notice, message, subject, now):
    """Tell every current resident of the notice's buildings once (a portal notice and an e-mail each, in their
    language), in a few statements; returns how many residents were told."""
    buildings = select(IncidentNoticeBuilding.building_id).where(IncidentNoticeBuilding.notice_id == notice.id)
    units = select(Unit.id).where(Unit.building_id.in_(buildings))
    told = {}
    for household in households(units, local_date(now)).values():
        for to in household:
            told.setdefault(to.resident_id, to)
    with notice_batch(now) as tell:
        for to in told.values():
            tell(to, message, subject)
    return len(told)


def notice_on(actor, incident, *, title, body, building_ids, now=None):
    """Switch incident mode on: the notice for the affected buildings, its announcement, and every household of
    those buildings told at once."""
    now = now or utcnow()
    check_incident(actor, "notice_on", incident)
    title = _required(title, "title", _l("Give the notice a title."))
    if len(title) > MAX_TITLE:
        raise DomainError(_l("Keep the title under %(n)s characters.", n=MAX_TITLE), field="title")
    body = _required(body, "body", _l("Write what residents should know."))
    buildings = _buildings(incident.property_id, building_ids)
    if live_notice(incident.id) is not None:
        raise InvalidTransition(_l("This incident's notice is already on: post an update to it instead."))
    heading = f"【{buildings_label([b.name for b in buildings])}】{title}"[:120]
    announcement = publish(
        actor, title=heading, body=body, valid_from=now, valid_until=now + timedelta(days=ANNOUNCEMENT_DAYS)
    )
    notice = IncidentNotice(
        property_id=incident.property_id,
        incident_id=incident.id,
        title=title,
        body=body,
        started_at=now,
        started_by_id=actor.user_id,
        announcement_id=announcement.id,
        buildings=[IncidentNoticeBuilding(building_id=building.id) for building in buildings],
    )
    db.session.add(notice)
    db.session.flush()
    told = _tell(notice, _l("%(title)s: %(body)s", title=heading, body=body), heading, now)
    add_incident_event(
        incident,
        actor,
        "notice_on",
        f"{heading}\n{body}",
        data={"notice_id": notice.id, "building_ids": [b.id for b in buildings], "told": told},
        now=now,
    )
    record(actor, "incident.notice_on", notice, summary=f"#{incident.id} {heading}"[:200])
    return notice


def _check_live(notice):
    """Refuse a step on a notice that has been switched off."""
    if notice.ended_at is not None:
        raise InvalidTransition(_l("This notice has already been switched off."))


def _heading(notice):
    """The notice's title with its buildings, as the announcement and the messages name it."""
    names = db.session.scalars(
        select(Building.name)
        .join(IncidentNoticeBuilding, IncidentNoticeBuilding.building_id == Building.id)
        .where(IncidentNoticeBuilding.notice_id == notice.id)
        .order_by(Building.code)
    ).all()
    return f"【{buildings_label(names)}】{notice.title}"[:120]


def post_update(actor, notice, *, body, now=None):
    """Post a later word to a live notice ("water back at 18:00"): the same residents are told."""
    now = now or utcnow()
    incident = notice.incident
    check_incident(actor, "notice_update", incident)
    _check_live(notice)
    body = _required(body, "body", _l("Write the update."))
    update = IncidentNoticeUpdate(notice_id=notice.id, at=now, body=body, actor_id=actor.user_id)
    db.session.add(update)
    db.session.flush()
    heading = _heading(notice)
    told = _tell(notice, _l("Update: %(title)s: %(body)s", title=heading, body=body), heading, now)
    add_incident_event(incident, actor, "notice_update", body, data={"notice_id": notice.id, "told": told}, now=now)
    record(actor, "incident.notice_update", notice, summary=f"#{incident.id} {body}"[:200])
    return update


def notice_off(actor, notice, *, body=None, now=None):
    """Switch incident mode off: the notice ends, its announcement is withdrawn and the same residents get the
    all-clear (the manager's words, or the standard ones)."""
    now = now or utcnow()
    incident = notice.incident
    check_incident(actor, "notice_off", incident)
    _check_live(notice)
    body = (body or "").strip() or str(ALL_CLEAR)
    notice.ended_at, notice.ended_by_id = now, actor.user_id
    db.session.add(IncidentNoticeUpdate(notice_id=notice.id, at=now, body=body, all_clear=True, actor_id=actor.user_id))
    if notice.announcement_id is not None:
        announcement = get_announcement(notice.announcement_id)
        if announcement.withdrawn_at is None:
            withdraw(actor, announcement)
    heading = _heading(notice)
    told = _tell(notice, _l("All clear: %(title)s: %(body)s", title=heading, body=body), heading, now)
    add_incident_event(incident, actor, "notice_off", body, data={"notice_id": notice.id, "told": told}, now=now)
    record(actor, "incident.notice_off", notice, summary=f"#{incident.id} {body}"[:200])
    return notice


# What the banners read ---------------------------------------------------------------------------

_LATEST_BODY = (
    select(IncidentNoticeUpdate.body)
    .where(IncidentNoticeUpdate.notice_id == IncidentNotice.id)
    .order_by(IncidentNoticeUpdate.id.desc())
    .limit(1)
    .correlate(IncidentNotice)
    .scalar_subquery()
)
_LATEST_AT = (
    select(IncidentNoticeUpdate.at)
    .where(IncidentNoticeUpdate.notice_id == IncidentNotice.id)
    .order_by(IncidentNoticeUpdate.id.desc())
    .limit(1)
    .correlate(IncidentNotice)
    .scalar_subquery()
)
_LIVE = (
    select(
        IncidentNotice.id,
        IncidentNotice.incident_id,
        IncidentNotice.title,
        IncidentNotice.body,
        IncidentNotice.started_at,
        Building.name.label("building"),
        _LATEST_BODY.label("update_body"),
        _LATEST_AT.label("update_at"),
    )
    .join(IncidentNoticeBuilding, IncidentNoticeBuilding.notice_id == IncidentNotice.id)
    .join(Building, Building.id == IncidentNoticeBuilding.building_id)
    .where(IncidentNotice.ended_at.is_(None))
    .order_by(IncidentNotice.started_at.desc(), IncidentNotice.id.desc(), Building.code)
)
#: Built once: the kiosk asks on every page.
_LIVE_OF_PROPERTY = _LIVE.where(IncidentNotice.property_id == bindparam("property_id"))
#: Built once: the portal asks on every page. The notices naming a building the resident lives in today.
_LIVE_FOR_RESIDENT = _LIVE.where(
    IncidentNotice.id.in_(
        select(IncidentNoticeBuilding.notice_id)
        .join(Unit, Unit.building_id == IncidentNoticeBuilding.building_id)
        .join(Occupancy, Occupancy.unit_id == Unit.id)
        .where(Occupancy.resident_id == bindparam("resident_id"), Occupancy.is_current(bindparam("today")))
    )
)
#: The same for a portal account (the page knows the signed-in user, not yet their resident record).
_LIVE_FOR_USER = _LIVE.where(
    IncidentNotice.id.in_(
        select(IncidentNoticeBuilding.notice_id)
        .join(Unit, Unit.building_id == IncidentNoticeBuilding.building_id)
        .join(Occupancy, Occupancy.unit_id == Unit.id)
        .join(Resident, Resident.id == Occupancy.resident_id)
        .where(Resident.user_id == bindparam("user_id"), Occupancy.is_current(bindparam("today")))
    )
)


def _grouped(rows):
    """LiveNotices from rows of one notice per building, in the rows' order."""
    found = {}
    for row in rows:
        notice = found.get(row.id)
        if notice is None:
            notice = found[row.id] = LiveNotice(
                row.id, row.incident_id, row.title, row.body, row.started_at, [], row.update_body, row.update_at
            )
        notice.buildings.append(row.building)
    return list(found.values())


def live_notices_for_resident(resident_id, today):
    """The notices on now for a building the resident lives in on `today` (one statement: every portal page)."""
    return _grouped(read(_LIVE_FOR_RESIDENT, {"resident_id": resident_id, "today": today}))


def live_notices_for_user(user_id, today):
    """The notices on now for a building the resident signed in as `user_id` lives in (one statement)."""
    return _grouped(read(_LIVE_FOR_USER, {"user_id": user_id, "today": today}))


def live_notices(property_id):
    """Every notice on now of the property, naming its buildings (the lobby kiosks serve every building)."""
    return _grouped(read(_LIVE_OF_PROPERTY, {"property_id": property_id}))


# Residents' tickets about the incident -----------------------------------------------------------


def attached_tickets(incident_id):
    """The tickets attached to the incident, oldest first."""
    return db.session.scalars(
        select(Ticket)
        .join(IncidentTicket, IncidentTicket.ticket_id == Ticket.id)
        .where(IncidentTicket.incident_id == incident_id)
        .order_by(Ticket.id)
    ).all()


def attach_tickets(actor, incident, ticket_ids, *, now=None):
    """Attach open tickets of the property to the incident (those already attached are left as they are); each
    ticket's timeline gets an internal note. Returns the tickets newly attached."""
    now = now or utcnow()
    check_incident(actor, "attach_tickets", incident)
    try:
        ids = {int(ticket_id) for ticket_id in ticket_ids or ()}
    except (TypeError, ValueError):
        ids = None
    if not ids:
        raise DomainError(_l("Choose the tickets to attach."), field="ticket_ids")
    if len(ids) > MAX_ATTACH:
        raise DomainError(_l("Attach at most %(n)s tickets at a time.", n=MAX_ATTACH), field="ticket_ids")
    tickets = db.session.scalars(
        select(Ticket).where(
            Ticket.id.in_(ids), Ticket.property_id == incident.property_id, Ticket.status.in_(tuple(OPEN))
        )
    ).all()
    if len(tickets) != len(ids):
        raise DomainError(_l("Only open tickets of this property can be attached."), field="ticket_ids")
    attached = set(
        db.session.scalars(
            select(IncidentTicket.ticket_id).where(
                IncidentTicket.incident_id == incident.id, IncidentTicket.ticket_id.in_(ids)
            )
        )
    )
    new = sorted((ticket for ticket in tickets if ticket.id not in attached), key=lambda ticket: ticket.id)
    for ticket in new:
        db.session.add(
            IncidentTicket(incident_id=incident.id, ticket_id=ticket.id, attached_at=now, attached_by_id=actor.user_id)
        )
        add_ticket_event(
            ticket,
            actor,
            "comment",
            str(_l("Attached to special incident #%(id)s: %(place)s", id=incident.id, place=incident.place)),
            public=False,
            at=now,
        )
    if new:
        numbers = [ticket.id for ticket in new]
        text = " ".join(f"#{n}" for n in numbers)
        add_incident_event(incident, actor, "tickets_attached", text, {"ticket_ids": numbers}, now)
        record(actor, "incident.attach_tickets", incident, summary=text[:200])
    return new


#: The most tickets a search offers to attach.
MAX_CANDIDATES = 50


def candidate_tickets(incident, *, building_ids=(), query=""):
    """Open tickets of the property not yet attached, newest first: with `query`, those whose number, unit
    ("2-1203" or "1203") or category matches; without, those of `building_ids` opened since the incident began."""
    attached = select(IncidentTicket.ticket_id).where(IncidentTicket.incident_id == incident.id)
    statement = (
        select(Ticket)
        .outerjoin(Unit, Unit.id == Ticket.unit_id)
        .outerjoin(Building, Building.id == Unit.building_id)
        .where(
            Ticket.property_id == incident.property_id,
            Ticket.status.in_(tuple(OPEN)),
            Ticket.id.not_in(attached),
        )
        .order_by(Ticket.id.desc())
        .limit(MAX_CANDIDATES)
    )
    query = (query or "").strip().lstrip("#")
    if query:
        building, _dash, number = query.rpartition("-")
        matches = [Unit.number == number if not building else (Unit.number == number) & (Building.code == building)]
        matches.append(Ticket.category.ilike(f"%{query}%"))
        if query.isdigit():
            matches.append(Ticket.id == int(query))
        statement = statement.where(or_(*matches))
    else:
        if not building_ids:
            return []
        statement = statement.where(Unit.building_id.in_(list(building_ids)), Ticket.created_at >= incident.occurred_at)
    return db.session.scalars(statement).all()


def close_attached_tickets(actor, incident, *, message, now=None):
    """Close every attached ticket still open or done with one message each resident sees (the ticket step
    "settle"); returns the tickets closed."""
    now = now or utcnow()
    check_incident(actor, "close_tickets", incident)
    message = _required(message, "message", _l("Write the message the residents will see."))
    settles = OPEN | {Status.DONE}
    closing = [ticket for ticket in attached_tickets(incident.id) if ticket.status in settles]
    if not closing:
        raise InvalidTransition(_l("No attached ticket is still open."))
    for ticket in closing:
        steps.settle(actor, ticket, message=message, now=now)
    numbers = [ticket.id for ticket in closing]
    add_incident_event(incident, actor, "tickets_closed", message, {"ticket_ids": numbers}, now)
    record(actor, "incident.close_tickets", incident, summary=" ".join(f"#{n}" for n in numbers)[:200])
    return closing


def get_notice(notice_id, incident):
    """The incident's notice `notice_id`, or NotFound."""
    notice = db.session.get(IncidentNotice, notice_id)
    if notice is None or notice.incident_id != incident.id:
        raise NotFound()
    return notice
