"""The console's menu: what each role sees, built in Python once per request (not by template macros)."""

from flask import current_app, request, url_for
from flask_babel import get_locale, lazy_pgettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from domain.accounts.roles import Permission, Role, can
from domain.dashboards.live import badge_keys
from staff import bp
from web.filters import view_section

#: The menu's groups, each (heading, entries), a role seeing only the groups it has an entry of. An entry is
#: (endpoint, label, the view module that makes it current, permission needed or None). The module is the area's
#: ("patrols" for every module of staff/patrols/) or, for an entry of its own inside an area, the module itself
#: ("patrols.today": the patroller's phone pages).
MENU = (
    (
        lazy_pgettext("menu", "Daily"),
        (
            ("staff.home", _l("Overview"), "account", None),
            ("staff.my_area", _l("My area"), "areas", Permission.OWN_AREA),
            ("staff.my_attendance", _l("My attendance"), "attendance", Permission.CLOCK_IN),
            ("staff.patrols_today", _l("Today's patrol"), "patrols.today", Permission.WALK_PATROLS),
            ("staff.list_incidents", _l("Incidents"), "incidents", Permission.REPORT_INCIDENTS),
            ("staff.list_violations", _l("Violations"), "violations", Permission.RECORD_VIOLATIONS),
            ("staff.handover", _l("Shift handover"), "board", Permission.HAND_OVER),
            ("staff.show_board", _l("Manager's board"), "board", Permission.VIEW_BOARD),
            ("staff.service_levels", _l("Service levels"), "board", Permission.MANAGE_SERVICE),
            ("staff.monthly_report", _l("Monthly report"), "reports", Permission.VIEW_MONTHLY_REPORT),
        ),
    ),
    (
        lazy_pgettext("menu", "Tickets and callbacks"),
        (
            ("staff.list_tickets", _l("Tickets"), "tickets", Permission.VIEW_TICKETS),
            ("staff.list_contacts", _l("Calls and visits"), "tickets", Permission.RECORD_TICKETS),
            ("staff.list_callbacks", _l("Callbacks"), "tickets", Permission.CALL_BACK),
            (
                "staff.callback_rates_page",
                _l("Callback rates"),
                "tickets.callback_figures",
                Permission.VIEW_CALLBACK_RATES,
            ),
            ("staff.list_visits", _l("Resident visits"), "tickets", Permission.CALL_BACK),
            ("staff.visits_due", _l("Visits due"), "tickets.visit_plans", Permission.CALL_BACK),
            ("staff.list_surveys", _l("Surveys"), "surveys", Permission.VIEW_SURVEYS),
        ),
    ),
    (
        lazy_pgettext("menu", "Counter"),
        (
            ("staff.log_parcels", _l("Parcels"), "parcels", Permission.HANDLE_COUNTER),
            ("staff.store_item", _l("Storage"), "storage", Permission.HANDLE_COUNTER),
            ("staff.lend_item", _l("Lending"), "lending", Permission.HANDLE_COUNTER),
            ("staff.counter_report", _l("Counter today"), "parcels", Permission.HANDLE_COUNTER),
        ),
    ),
    (
        lazy_pgettext("menu", "Units and residents"),
        (
            ("staff.list_units", _l("Units"), "units", Permission.VIEW_UNITS),
            ("staff.list_residents", _l("Residents"), "residents", Permission.VIEW_RESIDENTS),
            ("staff.list_buildings", _l("Buildings"), "buildings", Permission.VIEW_UNITS),
            ("staff.import_register", _l("Import"), "imports", Permission.IMPORT_REGISTER),
            ("staff.list_files", _l("Owner files"), "archives", Permission.VIEW_ARCHIVES),
            ("staff.list_vacant_units", _l("Vacant units"), "vacant", Permission.VIEW_VACANT_UNITS),
            ("staff.list_areas", _l("Areas"), "areas", Permission.VIEW_AREAS),
        ),
    ),
    (
        lazy_pgettext("menu", "Move-in and renovation"),
        (
            ("staff.list_move_ins", _l("Move-in"), "movein", Permission.HANDLE_MOVE_IN),
            ("staff.list_inspections", _l("Unit inspections"), "movein", Permission.INSPECT_UNITS),
            ("staff.move_in_board", _l("Move-in board"), "movein", Permission.SUPERVISE_MOVE_IN),
            ("staff.list_follow_ups", _l("Spot-check follow-ups"), "movein", Permission.HANDLE_MOVE_IN),
            ("staff.list_move_in_template", _l("Move-in checklist template"), "movein", Permission.SUPERVISE_MOVE_IN),
            ("staff.list_renovations", _l("Renovations"), "renovations", Permission.VIEW_RENOVATIONS),
        ),
    ),
    (
        lazy_pgettext("menu", "Patrols and facilities"),
        (
            ("staff.list_rounds", _l("Patrol records"), "patrols", Permission.VIEW_PATROLS),
            ("staff.list_routes", _l("Patrol routes"), "patrols", Permission.MANAGE_PATROLS),
            ("staff.list_facilities", _l("Facilities"), "facilities", Permission.VIEW_FACILITIES),
        ),
    ),
    (
        lazy_pgettext("menu", "Billing"),
        (
            ("staff.billing_home", _l("Billing"), "billing", Permission.VIEW_BILLING),
            ("staff.list_charges", _l("Fee schedule"), "fees", Permission.MANAGE_FEES),
            # Engineering reads the meters without seeing the fee schedule; for finance the fee pages' tabs lead here.
            ("staff.list_readings", _l("Meter readings"), "fees", Permission.ENTER_READINGS),
        ),
    ),
    (
        lazy_pgettext("menu", "Staff"),
        (
            ("staff.show_rota", _l("Rota"), "attendance", Permission.PLAN_ROTA),
            ("staff.list_attendance_exceptions", _l("Late, early, missing"), "attendance", Permission.VIEW_ATTENDANCE),
            ("staff.list_leave", _l("Leave requests"), "attendance", Permission.DECIDE_LEAVE),
            ("staff.list_overtime", _l("Overtime"), "overtime", Permission.APPLY_OVERTIME),
            ("staff.list_standards", _l("Service standards"), "standards", Permission.MANAGE_STANDARDS),
            ("staff.my_spot_checks", _l("My spot-checks"), "standards", Permission.SEE_OWN_SPOT_CHECKS),
            ("staff.list_scorecards", _l("Staff evaluation"), "evaluation", Permission.EVALUATE_STAFF),
            ("staff.my_scorecard", _l("My scorecard"), "evaluation", Permission.SEE_OWN_EVALUATION),
            ("staff.list_accounts", _l("Staff accounts"), "accounts", Permission.MANAGE_STAFF),
        ),
    ),
    (
        lazy_pgettext("menu", "Administration"),
        (
            ("staff.list_announcements", _l("Announcements"), "announcements", Permission.PUBLISH_ANNOUNCEMENTS),
            ("staff.property_settings_page", _l("Property settings"), "property_settings", Permission.MANAGE_PROPERTY),
            ("staff.list_kiosks", _l("Kiosks"), "kiosks", Permission.MANAGE_KIOSKS),
            ("staff.list_audit", _l("Audit log"), "audit", Permission.VIEW_AUDIT),
            ("staff.list_failed_tasks", _l("Failed tasks"), "tasks", Permission.MANAGE_TASKS),
        ),
    ),
)
#: endpoint -> the counts (domain/dashboards/live.py badge keys) shown beside its entry, for the roles that have them.
BADGES = {
    "staff.list_tickets": ("to_forward", "queue"),
    "staff.list_callbacks": ("callbacks_due",),
    "staff.log_parcels": ("parcels_waiting", "alarms"),
    "staff.list_incidents": ("incidents",),
}
#: (locale, role) -> [(url, label, section, endpoint, heading)]; menus never change while the process runs.
_cache = {}


def _entries():
    """The signed-in staff member's entries as [(url, label, section, endpoint, heading)], in the menu's order."""
    key = (str(get_locale()), current_user.role)
    items = _cache.get(key)
    if items is None:
        items = _cache[key] = [
            (url_for(endpoint), str(label), section, endpoint, str(heading))
            for heading, entries in MENU
            for endpoint, label, section, permission in entries
            if permission is None or can(current_user.role, permission)
        ]
    return items


def console_menu():
    """The signed-in staff member's menu as [(heading, [(url, label, is_current, badge keys)])], the groups they have
    entries of; each badge key is a placeholder the console's poll fills with a count (staff.alert_counts)."""
    keys = set(badge_keys(Role(current_user.role)))
    items = _entries()
    # The entry of this very page if there is one; else the first entry of the page's module.
    exact = next((endpoint for _u, _l, _s, endpoint, _h in items if endpoint == request.endpoint), None)
    if exact is None:
        view = current_app.view_functions.get(request.endpoint or "")
        module = view.__module__.split(".", 1)[-1] if view else ""
        for section in (module, view_section()):
            exact = next((endpoint for _u, _l, s, endpoint, _h in items if s == section), None)
            if exact is not None:
                break
    groups = []
    for url, label, _section, endpoint, heading in items:
        if not groups or groups[-1][0] != heading:
            groups.append((heading, []))
        badges = tuple(key for key in BADGES.get(endpoint, ()) if key in keys)
        groups[-1][1].append((url, label, endpoint == exact, badges))
    return groups


@bp.context_processor
def inject_menu():
    """Give console templates their menu."""
    return {"console_menu": console_menu}
