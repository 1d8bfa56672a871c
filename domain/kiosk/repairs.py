"""Reporting a repair at the kiosk: a public area (lift, lobby, corridor, ...) by anyone, or a unit after the
unit + phone check. The ticket enters engineering's queue like any other, with the kiosk as its channel."""

from flask_babel import lazy_gettext as _l

from domain.accounts.models import Actor
from domain.errors import DomainError
from domain.tickets import recording
from domain.tickets.models import Channel, TicketKind

#: Public places a kiosk offers (keys; labels with the pages).
PLACES = ("lift", "lobby", "corridor", "stairs", "garage", "entrance", "other")
PLACE_LABELS = {
    "lift": _l("Lift"),
    "lobby": _l("Lobby"),
    "corridor": _l("Corridor"),
    "stairs": _l("Stairs"),
    "garage": _l("Garage"),
    "entrance": _l("Entrance and gate"),
    "other": _l("Elsewhere in common areas"),
}
CATEGORY_OF_PLACE = {"lift": "elevator"}


def report_public(kiosk, *, place, building, description):
    """A repair in a public area, by anyone at the kiosk."""
    if place not in PLACES:
        raise DomainError(_l("Choose where."), field="place")
    location = f"{str(PLACE_LABELS[place])} {(building or '').strip()[:20]}".strip()
    return recording.create_ticket(
        Actor.system(f"kiosk:{kiosk.id}"),
        property_id=kiosk.property_id,
        kind=TicketKind.REPAIR,
        channel=Channel.KIOSK,
        description=description,
        category=CATEGORY_OF_PLACE.get(place, "public_area"),
        location=location,
    )


def report_for_unit(kiosk, *, unit_id, resident_id, description):
    """A repair in a unit, after the unit + phone check."""
    return recording.create_ticket(
        Actor.system(f"kiosk:{kiosk.id}"),
        property_id=kiosk.property_id,
        kind=TicketKind.REPAIR,
        channel=Channel.KIOSK,
        description=description,
        category="other",
        unit_id=unit_id,
        resident_id=resident_id,
    )
