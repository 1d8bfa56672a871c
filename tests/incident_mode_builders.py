"""Builders for incident mode's tests: an open incident made with the model directly, a household per building."""

from datetime import timedelta

from domain.clock import utcnow
from domain.incidents.models import Incident, IncidentKind
from extensions import db
from tests import builders


def create_incident(prop, *, kind=IncidentKind.WATER_CUT, building=None, place="2号楼水泵房", reporter=None):
    """An open incident of `prop` that began an hour ago."""
    incident = Incident(
        property_id=prop.id,
        kind=kind,
        occurred_at=utcnow() - timedelta(hours=1),
        place=place,
        building_id=building.id if building else None,
        description="水泵故障，2号楼停水",
        reported_by_id=reporter.id if reporter else None,
    )
    db.session.add(incident)
    db.session.commit()
    return incident


def two_buildings(prop):
    """Buildings "1" (the property's first) and "2", each with one unit and one resident: {code: (building, unit,
    resident)}."""
    first = prop.buildings[0]
    second = builders.create_building(prop, code="2", name="2号楼")
    homes = {}
    for building in (first, second):
        unit = builders.create_unit(building)
        homes[building.code] = (building, unit, builders.create_resident(prop, unit=unit))
    return homes
