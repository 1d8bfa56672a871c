"""The console's alerts: the banner of urgent unacknowledged alerts at the top of every console page (polled, with a
sound for a new one), acknowledging one, the signed-in person's list of alerts and the count in the sidebar."""

from flask import g, redirect, request, url_for
from flask_login import current_user

from domain.accounts.models import AccountKind
from domain.alerts import services as alerts
from domain.dashboards import live
from domain.property.buildings import get_property_id, property_id_or_none
from extensions import db
from staff import bp
from web.auth import current_actor
from web.htmx import is_fragment_request, render_page

#: subject_type -> (endpoint, its id argument): where an alert leads.
SUBJECT_LINKS = {
    "incident": ("staff.show_incident", "incident_id"),
    "ticket": ("staff.show_ticket", "ticket_id"),
    "violation": ("staff.show_violation", "violation_id"),
}


def alert_link(alert):
    """The page an alert is about, or the list of alerts when it names no page."""
    endpoint = SUBJECT_LINKS.get(alert.subject_type)
    if endpoint and alert.subject_id:
        return url_for(endpoint[0], **{endpoint[1]: alert.subject_id})
    return url_for("staff.list_alerts")


def console_alerts():
    """(urgent unacknowledged alerts, unread count) of the signed-in staff member, read once per request."""
    if "console_alerts" not in g:
        signed_in = current_user.is_authenticated and current_user.kind == AccountKind.STAFF
        g.console_alerts = alerts.console_alerts(current_user.id) if signed_in else ([], 0)
    return g.console_alerts


def console_live():
    """(the menu's counts, the live alarms not acknowledged) of the signed-in staff member, read once per request:
    only the polled fragment asks, so a console page itself costs no statement for them."""
    if "console_live" not in g:
        property_id = property_id_or_none()
        g.console_live = (
            (
                live.badge_counts(property_id, current_user.role),
                live.live_alarms(property_id, current_user.id, current_user.role),
            )
            if property_id is not None
            else ({}, [])
        )
    return g.console_live


#: subject -> (endpoint, its id argument or None): where a live alarm leads.
LIVE_LINKS = {
    "forward": ("staff.show_ticket", "ticket_id"),
    "complaint": ("staff.show_ticket", "ticket_id"),
    "lockout": ("staff.log_parcels", None),
}


def live_link(alarm):
    """The page a live alarm is about."""
    endpoint, argument = LIVE_LINKS[alarm.subject]
    return url_for(endpoint, **({argument: alarm.subject_id} if argument else {}))


@bp.app_context_processor
def alert_helpers():
    """The layout's banner and sidebar count ask these (a query only when a console page renders them)."""
    return {"console_alerts": console_alerts, "alert_link": alert_link, "live_link": live_link}


@bp.get("/alerts/")
def list_alerts():
    """The signed-in person's alerts, newest first, read and unread."""
    return render_page("staff/alerts/index.html", alerts=alerts.latest_alerts(current_user.id), oob=False)


@bp.get("/alerts/banner")
def alert_banner():
    """The banner, polled every few seconds by every console page; a normal request gets the list page."""
    if not is_fragment_request():
        return redirect(url_for("staff.list_alerts"), code=303)
    return _banner_fragment()


@bp.get("/alerts/counts")
def alert_counts():
    """The console's one poll (every 10 s from every console page and once on load): the banner, with the live
    alarms, and each menu entry's count as out-of-band spans; a normal request gets the list of alerts."""
    if not is_fragment_request():
        return redirect(url_for("staff.list_alerts"), code=303)
    return _banner_fragment()


def _banner_fragment():
    """The banner with its live alarms and the menu's counts out of band."""
    counts, alarms = console_live()
    return render_page("staff/alerts/index.html", "staff/_alerts.html", oob=True, counts=counts, live_alarms=alarms)


@bp.post("/alerts/live/<subject>/<int:subject_id>/acknowledge")
def acknowledge_live_alarm(subject, subject_id):
    """Acknowledge a live alarm (a repair not forwarded in time, a wrong-code lock-out, a major complaint) for
    oneself only: the banner stops showing it to this person; the record itself is unchanged."""
    live.acknowledge_alarm(current_actor(), get_property_id(), subject, subject_id)
    db.session.commit()
    g.pop("console_live", None)
    if is_fragment_request():
        return _banner_fragment()
    return redirect(_back(), code=303)


@bp.post("/alerts/<int:alert_id>/acknowledge")
def acknowledge_staff_alert(alert_id):
    """Acknowledge one of one's own alerts: it leaves the banner in every tab (404 for another person's)."""
    actor = current_actor()
    alerts.get_own_alert(actor, alert_id)
    alerts.acknowledge(actor, alert_id)
    db.session.commit()
    g.pop("console_alerts", None)
    if is_fragment_request():
        return _banner_fragment()
    return redirect(_back(), code=303)


@bp.post("/alerts/read")
def mark_alerts_read():
    """Mark all one's alerts read (the urgent ones leave the banner too)."""
    alerts.mark_all_read(current_actor())
    db.session.commit()
    return redirect(url_for("staff.list_alerts"), code=303)


def _back():
    """The list of alerts, or the console page the button was on."""
    target = request.form.get("next", "")
    return target if target.startswith("/staff/") and not target.startswith("//") else url_for("staff.list_alerts")
