"""Special incidents, incident mode and the console's alerts: the console routes and who may use them."""

from domain.accounts.roles import Role
from domain.alerts.models import StaffAlert
from domain.clock import utcnow
from domain.incidents.models import Incident, IncidentKind
from extensions import db
from tests import builders

STAFF = frozenset(Role)
MANAGER = frozenset({Role.MANAGER})

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.list_incidents": ("GET", "/staff/incidents/", STAFF),
    "staff.show_incident": ("GET", "/staff/incidents/{incident}", STAFF),
    # Everyone's own alerts; another person's alert answers 404 (the table's is the manager's).
    "staff.list_alerts": ("GET", "/staff/alerts/", STAFF),
    "staff.alert_banner": ("GET", "/staff/alerts/banner", STAFF),
    "staff.acknowledge_staff_alert": ("POST", "/staff/alerts/{staff_alert}/acknowledge", STAFF),
    "staff.mark_alerts_read": ("POST", "/staff/alerts/read", STAFF),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name, made for the test."""
    reporter = builders.create_staff(Role.SECURITY)
    incident = Incident(
        property_id=prop.id,
        kind=IncidentKind.WATER_LEAK,
        place="2号楼地下车库",
        description="漏水",
        occurred_at=utcnow(),
        reported_by_id=reporter.id,
    )
    db.session.add(incident)
    db.session.flush()
    alert = StaffAlert(
        property_id=prop.id,
        user_id=reporter.id,
        kind="incident",
        message="漏水",
        subject_type="incident",
        subject_id=incident.id,
        urgent=True,
    )
    db.session.add(alert)
    db.session.commit()
    return {"incident": incident.id, "staff_alert": alert.id}
