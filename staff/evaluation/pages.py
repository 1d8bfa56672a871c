"""What the scorecard pages show beside the domain's cards: where the records behind each figure are listed."""

from flask import url_for

from domain.accounts.roles import Permission, can
from domain.dates import month_after
from domain.tickets.complaint_staff import sees_about_staff

#: The figures counted from the tickets an assignee finished in the month: they open that list.
FINISHED_TICKET_FIGURES = ("handled", "response_kept", "resolve_kept", "satisfied")


def figure_links(card, viewer_role, viewer_id):
    """{figure key: URL of the list of records behind it} for the figures that have such a page the viewer may open:
    the ticket queue narrowed to the tickets the person finished in the month or to the complaints recorded in it
    that name them, the callbacks they made, their attendance, their spot-checks, the month's patrol rounds."""
    month = card.month.strftime("%Y-%m")
    following = month_after(card.month)
    last = following.toordinal() - 1
    links = {}
    if can(viewer_role, Permission.VIEW_TICKETS):
        finished = url_for("staff.list_tickets", department="all", status="any", assignee=card.user_id, done=month)
        links |= dict.fromkeys(FINISHED_TICKET_FIGURES, finished)
        if sees_about_staff(viewer_role):
            links["complaints"] = url_for(
                "staff.list_tickets",
                department="all",
                status="any",
                kind="complaint",
                about=card.user_id,
                recorded=month,
            )
    if can(viewer_role, Permission.VIEW_CALLBACK_RATES):
        links["callbacks_done"] = url_for("staff.list_callback_records", month=month, which="done", by=card.user_id)
        links["callback_rate"] = url_for("staff.callback_rates_page", month=month)
    if can(viewer_role, Permission.VIEW_ATTENDANCE) or viewer_id == card.user_id:
        record = url_for(
            "staff.show_attendance_record",
            user_id=card.user_id,
            **{"from": card.month.isoformat(), "to": type(card.month).fromordinal(last).isoformat()},
        )
        links["late"] = links["missing"] = record
    if can(viewer_role, Permission.MANAGE_STANDARDS) or viewer_id == card.user_id:
        links["spot_check_faults"] = url_for("staff.show_spot_checks", user_id=card.user_id)
    if can(viewer_role, Permission.VIEW_PATROLS):
        links["patrols"] = url_for("staff.list_rounds", before=following.isoformat())
    return links
