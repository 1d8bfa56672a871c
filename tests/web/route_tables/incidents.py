"""Special incidents, incident mode and the console's alerts: the console routes and who may use them."""

from domain.accounts.roles import Role
from domain.alerts.models import StaffAlert
from domain.clock import utcnow
from domain.incidents.models import Incident, IncidentKind, IncidentNotice, IncidentNoticeBuilding
from extensions import db
from tests import builders
from tests.incident_mode_builders import create_incident

STAFF = frozenset(Role)
MANAGER = frozenset({Role.MANAGER})
DESK = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FRONTDESK})

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.list_incidents": ("GET", "/staff/incidents/", STAFF),
    "staff.new_incident": ("GET", "/staff/incidents/new", STAFF),
    "staff.show_incident": ("GET", "/staff/incidents/{incident}", STAFF),
    "staff.add_incident_entry": ("POST", "/staff/incidents/{incident}/entries", STAFF),
    "staff.record_incident_outcome": ("POST", "/staff/incidents/{incident}/outcome", MANAGER),
    "staff.close_incident": ("POST", "/staff/incidents/{incident}/close", MANAGER),
    "staff.reopen_incident": ("POST", "/staff/incidents/{incident}/reopen", MANAGER),
    "staff.incident_report": ("GET", "/staff/incidents/{incident}/report.pdf", STAFF),
    "staff.incident_photo": ("GET", "/staff/incidents/{incident}/photos/1", STAFF),
    # Everyone's own alerts; another person's alert answers 404 (the table's is the manager's).
    "staff.list_alerts": ("GET", "/staff/alerts/", STAFF),
    "staff.alert_banner": ("GET", "/staff/alerts/banner", STAFF),
    "staff.alert_counts": ("GET", "/staff/alerts/counts", STAFF),
    # A live alarm a role is not shown answers 404 (the counter's lock-outs: the desk, the manager, security).
    "staff.acknowledge_live_alarm": ("POST", "/staff/alerts/live/lockout/1/acknowledge", STAFF),
    "staff.acknowledge_staff_alert": ("POST", "/staff/alerts/{staff_alert}/acknowledge", STAFF),
    "staff.mark_alerts_read": ("POST", "/staff/alerts/read", STAFF),
    # Incident mode: the manager runs the notice, the desk attaches and closes residents' tickets.
    "staff.incident_notice": ("GET", "/staff/incidents/{mode_incident}/notice", STAFF),
    "staff.switch_notice_on": ("POST", "/staff/incidents/{mode_incident}/notice", MANAGER),
    "staff.post_notice_update": ("POST", "/staff/incidents/{mode_incident}/notice/{mode_notice}/updates", MANAGER),
    "staff.switch_notice_off": ("POST", "/staff/incidents/{mode_incident}/notice/{mode_notice}/off", MANAGER),
    "staff.incident_ticket_candidates": ("GET", "/staff/incidents/{mode_incident}/tickets", DESK),
    "staff.attach_incident_tickets": ("POST", "/staff/incidents/{mode_incident}/tickets", DESK),
    "staff.close_incident_tickets": ("POST", "/staff/incidents/{mode_incident}/tickets/close", DESK),
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
    return {"incident": incident.id, "staff_alert": alert.id} | _incident_mode_records(prop, unit)


def _incident_mode_records(prop, unit):
    """An open incident with its notice on for the unit's building (incident mode's URLs)."""
    incident = create_incident(prop, building=unit.building)
    notice = IncidentNotice(
        property_id=prop.id,
        incident_id=incident.id,
        title="停水通知",
        body="今天停水",
        buildings=[IncidentNoticeBuilding(building_id=unit.building_id)],
    )
    db.session.add(notice)
    db.session.commit()
    return {"mode_incident": incident.id, "mode_notice": notice.id}
