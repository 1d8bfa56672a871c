"""Demo data for incident mode: the open incident's notice on for building 2, with one update and one resident's
ticket about it attached (times from the clock, so the demo reads right on any day)."""

from datetime import timedelta

from sqlalchemy import select

from domain.accounts.models import Actor, User
from domain.clock import utcnow
from domain.incidents.models import IncidentKind
from domain.incidents.notices import attach_tickets, notice_on, post_update
from domain.incidents.services import get_incident
from domain.property.models import Building, Occupancy, Resident, Unit
from domain.tickets.recording import create_ticket
from extensions import db

#: The notice's title by the incident's kind (demo text, in the residents' Chinese).
TITLES = {
    IncidentKind.WATER_CUT: "停水通知",
    IncidentKind.POWER_CUT: "停电通知",
    IncidentKind.LIFT_ENTRAPMENT: "电梯暂停使用通知",
    IncidentKind.WATER_LEAK: "漏水抢修通知",
}


def _manager():
    """The demo manager as an actor (the system when there is none)."""
    user = db.session.scalar(select(User).where(User.username == "manager"))
    return Actor.for_user(user, "demo") if user is not None else Actor.system("demo")


def _household(building, today):
    """A resident living in `building` on `today`, one with a portal account first."""
    return db.session.execute(
        select(Resident.id, Occupancy.unit_id)
        .join(Occupancy, Occupancy.resident_id == Resident.id)
        .join(Unit, Unit.id == Occupancy.unit_id)
        .where(Unit.building_id == building.id, Occupancy.is_current(today))
        .order_by(Resident.user_id.is_(None), Resident.id)
        .limit(1)
    ).first()


def load_incident_mode_demo(prop, incident_id, *, today):
    """Incident mode on for building 2 for the open incident `incident_id`: the notice, one update, and one
    resident's ticket attached. Returns the notice."""
    incident = get_incident(incident_id, prop.id)
    building = db.session.scalar(select(Building).where(Building.property_id == prop.id, Building.code == "2"))
    if building is None:
        return None
    manager, now = _manager(), utcnow()
    # Switched on a few minutes after the incident's latest entry, so the timeline reads in order.
    latest = max((event.at for event in incident.events), default=incident.occurred_at)
    started = min(latest + timedelta(minutes=5), now)
    notice = notice_on(
        manager,
        incident,
        title=TITLES.get(incident.kind, "物业通知"),
        body=f"{incident.place}：{incident.description}\n工程部正在抢修，请住户提前储水、关好水龙头。恢复后将另行通知。",
        building_ids=[building.id],
        now=started,
    )
    post_update(
        manager,
        notice,
        body="抢修进行中，预计两小时内恢复。如有紧急需要请联系客服中心。",
        now=started + (now - started) / 2,
    )
    household = _household(building, today)
    if household is not None:
        ticket = create_ticket(
            Actor.system("demo"),
            property_id=prop.id,
            kind="repair",
            channel="portal",
            description="家里水龙头没有水了，什么时候能恢复？",
            category="water",
            unit_id=household.unit_id,
            resident_id=household.id,
            now=started + (now - started) / 3,
        )
        attach_tickets(manager, incident, [ticket.id], now=now)
    db.session.flush()
    return notice
