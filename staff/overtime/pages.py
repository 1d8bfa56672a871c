"""What the overtime pages show: one's own applications of a month (the manager: everyone's, and what waits for them
whatever the month), one application with the steps open to the viewer and the 36-hour warning before approving, the
monthly totals, and the holiday calendar of a year. Each page is a fixed number of statements."""

from datetime import timedelta

from domain.accounts.services import role_of
from domain.clock import to_local_input, utcnow
from domain.dates import month_after, month_before
from domain.overtime import applications, calendar, totals
from domain.overtime.workflow import STATUS_LABELS, allowed_actions


def month_links(first):
    """The months before and after `first`, as "YYYY-MM"."""
    return {"previous": f"{month_before(first):%Y-%m}", "next": f"{month_after(first):%Y-%m}"}


def index_context(actor, property_id, first):
    """The month's applications (one's own; the manager's view: everyone's) and, for the manager, what waits."""
    see_all = applications.may_see_all(actor)
    rows = applications.applications_between(
        property_id, first, month_after(first), user_id=None if see_all else actor.user_id
    )
    to_decide, to_confirm = applications.awaiting_manager(property_id) if see_all else ([], [])
    entries = calendar.entries_between(property_id, first, month_after(first) - timedelta(days=1))
    return {
        "first": first,
        "month": f"{first:%Y-%m}",
        **month_links(first),
        "rows": rows,
        "see_all": see_all,
        "to_decide": to_decide,
        "to_confirm": to_confirm,
        "kinds": {a.id: a.day_kind or calendar.kind_of(a.work_date, entries) for a in rows},
        "statuses": STATUS_LABELS,
        "day_labels": calendar.DAY_LABELS,
        "multiplier": calendar.MULTIPLIER,
        "now": utcnow(),
    }


def _time_of(moment):
    """The local time of an aware moment, for a time field."""
    return to_local_input(moment).time() if moment else None


def prefill_times(form, application):
    """Fill the worked from–to with what was reported, else what was planned."""
    start = application.reported_start_at or application.planned_start_at
    end = application.reported_end_at or application.planned_end_at
    form.start.data, form.end.data = _time_of(start), _time_of(end)


def show_context(actor, application, **forms):
    """One application: its facts, how its day rates, the steps open to `actor`, and the warning when approving
    would take the applicant's month past 36 hours."""
    actions = allowed_actions(actor, application)
    now = utcnow()
    kind = application.day_kind or calendar.day_kind(application.property_id, application.work_date)
    return {
        "application": application,
        "applicant_role": role_of(application.user_id, application.property_id),
        "actions": actions,
        "lapsed": application.status == applications.APPLIED and application.planned_start_at <= now,
        "work_over": application.planned_end_at <= now,
        "kind": kind,
        "day_label": calendar.DAY_LABELS[kind],
        "multiplier": calendar.MULTIPLIER[kind],
        "warning": totals.approval_warning(application) if "approve" in actions else None,
        "month_load": totals.month_load(application.user_id, application.work_date.replace(day=1)),
        "cap": totals.CAP_MINUTES,
        "statuses": STATUS_LABELS,
        **forms,
    }


def totals_context(property_id, first):
    """Everyone's month: confirmed hours by rate, approved hours not yet confirmed, the 36-hour warnings."""
    months = totals.month_totals(property_id, first)
    return {
        "first": first,
        "month": f"{first:%Y-%m}",
        **month_links(first),
        "months": months,
        "cap": totals.CAP_MINUTES,
        "kinds": list(calendar.MULTIPLIER),
        "day_labels": calendar.DAY_LABELS,
        "multiplier": calendar.MULTIPLIER,
    }


def calendar_context(property_id, year, form):
    """A year of the calendar with the entry form, and the published days still missing."""
    return {
        "year": year,
        "entries": calendar.year_entries(property_id, year),
        "entry_labels": calendar.ENTRY_LABELS,
        "missing": len(calendar.missing_published(property_id)),
        "published_years": calendar.PUBLISHED_YEARS,
        "form": form,
    }
