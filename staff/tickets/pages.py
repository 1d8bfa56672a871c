"""The console's ticket page as a view model built from the domain: the steps the signed-in person may take now
(workflow.allowed_actions), each with its form, the service-level clocks, the timeline in words; and durations
("2 min 10 s") as the queues and the callbacks show them."""

from datetime import datetime

from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from domain.accounts.services import active_staff
from domain.clock import utcnow
from domain.tickets import desk, queries, workflow
from domain.tickets.complaint_staff import sees_about_staff
from domain.tickets.models import TicketKind
from staff.tickets.forms import (
    ClassifyForm,
    CommentForm,
    ConfirmForm,
    DispatchForm,
    FinishForm,
    OutcomeForm,
    QuestionForm,
    ReasonForm,
    RedirectForm,
    ScheduleForm,
    WorkForm,
    ticket_labels,
)
from web.filters import fen

# Durations as people say them ---------------------------------------------------------------------


#: locale -> the translated duration formats; translations never change while the process runs.
_SPAN_FORMATS = {}


def span_formats():
    """The five duration formats in the user's language, translated once per process and locale."""
    key = str(get_locale())
    formats = _SPAN_FORMATS.get(key)
    if formats is None:
        formats = _SPAN_FORMATS[key] = {
            "s": _("%(s)s s"),
            "ms": _("%(m)s min %(s)s s"),
            "m": _("%(m)s min"),
            "hm": _("%(h)s h %(m)s min"),
            "dh": _("%(d)s d %(h)s h"),
        }
    return formats


def span(seconds, formats=None):
    """A duration as people say it: "45 s", "2 min 10 s", "25 min", "3 h 5 min", "2 d 4 h".

    A page of durations passes `formats` (span_formats()) rather than looking the language up per row.
    """
    seconds = int(abs(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, mins = divmod(minutes, 60)
    days, hrs = divmod(hours, 24)
    formats = formats or span_formats()
    if minutes == 0:
        return formats["s"] % {"s": secs}
    if minutes < 10:
        return formats["ms"] % {"m": minutes, "s": secs}
    if hours == 0:
        return formats["m"] % {"m": minutes}
    if days == 0:
        return formats["hm"] % {"h": hours, "m": mins}
    return formats["dh"] % {"d": days, "h": hrs}


def countdown(seconds):
    """Time left to a deadline ("2 min 10 s left"), or how late it is ("late by 1 min 5 s")."""
    return _("%(span)s left", span=span(seconds)) if seconds >= 0 else _("late by %(span)s", span=span(seconds))


# The ticket page ----------------------------------------------------------------------------------


#: The console's steps: name (= endpoint verb and URL) -> (workflow action, form).
STEPS = {
    "dispatch": ("dispatch", DispatchForm),
    "redirect": ("redirect", RedirectForm),
    "claim": ("claim", ConfirmForm),
    "schedule": ("schedule", ScheduleForm),
    "hand_back": ("hand_back", ReasonForm),
    "ask_resident": ("ask_resident", QuestionForm),
    "resume": ("resume", ConfirmForm),
    "record_work": ("record_work", WorkForm),
    "cannot_come": ("cannot_come", ReasonForm),
    "finish": ("finish", FinishForm),
    "close": ("close", ConfirmForm),
    "cancel": ("cancel", ReasonForm),
    "comment": ("staff_comment", CommentForm),
    "classify": ("classify", ClassifyForm),
    "record_outcome": ("record_outcome", OutcomeForm),
}


def _steps_for(actor, ticket):
    """The console's steps for the actions `actor` may take on `ticket` now (workflow.allowed_actions)."""
    allowed = workflow.allowed_actions(actor, ticket)
    return [name for name, (action, _form) in STEPS.items() if action in allowed]


def _blank_form(name, ticket):
    """A step's form as first shown, with the ticket's current values where it has any."""
    form_class = STEPS[name][1]
    values = {}
    if name in ("dispatch", "redirect", "classify") and ticket.department is not None:
        values["department"] = ticket.department.value
    if name == "classify":
        values.update(
            category=ticket.category,
            priority=ticket.priority.value,
            severity=ticket.severity.value if ticket.severity else "",
            about_staff_id=ticket.about_staff_id,
        )
    return form_class(prefix=name, formdata=None, **values)


def fill_about_staff(field):
    """Fill a complaint's "about which staff member" select with the active staff (one statement)."""
    field.choices = [SelectChoice("", _("— nobody —"))] + [
        SelectChoice(str(user_id), name) for user_id, name in active_staff()
    ]


def _clock_rows(ticket, now):
    """[(key, clock, state, text)] for the ticket page: met, met late, late, due, paused or stopped."""
    rows = []
    for key, clock in queries.clocks(ticket, now).items():
        if clock.met is not None:
            state, text = ("late", _("met late")) if clock.late else ("ok", _("met"))
        elif not ticket.is_open:
            state, text = "stopped", _("stopped")
        elif ticket.waiting_since is not None:
            state, text = "paused", _("paused while waiting for the resident")
        elif clock.late:
            state, text = "late", countdown((clock.due - now).total_seconds())
        else:
            state, text = "due", countdown((clock.due - now).total_seconds())
        rows.append((key, clock, state, text))
    return rows


#: A classification change's field -> the label group its values are in, and the field's name in words.
CLASSIFIED_FIELDS = {
    "category": "categories",
    "severity": "severities",
    "priority": "priorities",
    "department": "departments",
}


CLASSIFIED_NAMES = {
    "about_staff": lambda: _("Complaint about"),
    "category": lambda: _("Category"),
    "severity": lambda: _("Severity"),
    "priority": lambda: _("Priority"),
    "department": lambda: _("Department"),
}


def _timeline(ticket, labels, *, about_staff_visible):
    """The ticket's events, each with the details its data holds, in words (whom a complaint names only for those who
    see it)."""
    items = []
    for event in ticket.events:
        data = event.data or {}
        details = []
        if event.action == "classified":
            for name, change in data.items():
                if name == "about_staff" and not about_staff_visible:
                    continue
                old, new = (list(change) + [None, None])[:2] if isinstance(change, list) else (None, change)
                words = labels.get(CLASSIFIED_FIELDS.get(name, ""), {})
                details.append(
                    f"{CLASSIFIED_NAMES[name]() if name in CLASSIFIED_NAMES else name}: "
                    f"{words.get(old, old) or '—'} → {words.get(new, new) or '—'}"
                )
        else:
            if data.get("department"):
                details.append(_("To %(department)s", department=labels["departments"].get(data["department"], "")))
            if data.get("when"):
                details.append(_("For %(when)s", when=format_datetime(datetime.fromisoformat(data["when"]), "short")))
            if data.get("materials"):
                details.append(_("Materials: %(materials)s", materials=data["materials"]))
            if data.get("satisfaction"):
                details.append(_("Satisfaction: %(n)s/5", n=data["satisfaction"]))
            if data.get("rating"):
                details.append(_("Rating: %(n)s/5", n=data["rating"]))
            if data.get("reaction"):
                details.append(_("Resident's reaction: %(text)s", text=data["reaction"]))
            if data.get("paused_seconds"):
                details.append(_("Paused for %(span)s", span=span(data["paused_seconds"])))
            if data.get("by") == "resident":
                details.append(_("Cancelled by the resident."))
            if data.get("amount_fen"):
                details.append(_("Amount: %(amount)s", amount=fen(data["amount_fen"])))
        items.append((event, details))
    return items


def ticket_page(actor, ticket, *, bound=None, now=None):
    """What the ticket page shows `actor`: details, timeline, photos, clocks and the forms of the steps allowed now.

    `bound` is (step name, form) of a submitted form to show again with its errors and what was typed.
    """
    forms = {name: _blank_form(name, ticket) for name in _steps_for(actor, ticket)}
    if bound is not None and bound[0] in forms:
        forms[bound[0]] = bound[1]
    is_complaint = ticket.kind == TicketKind.COMPLAINT
    about_staff_visible = is_complaint and (actor.is_system or sees_about_staff(actor.role))
    if is_complaint and "classify" in forms:
        fill_about_staff(forms["classify"].about_staff_id)
    callback = desk.callback_for(ticket.id)
    labels = ticket_labels()
    now = now or utcnow()
    return dict(
        ticket=ticket,
        forms=forms,
        labels=labels,
        callback=callback,
        clock_rows=_clock_rows(ticket, now),
        timeline=_timeline(ticket, labels, about_staff_visible=about_staff_visible),
        now=now,
        department_open=ticket.status in workflow.QUEUED,
        close_waits=callback is not None and callback.status.value == "open" and ticket.rating is None,
        is_assignee=ticket.assignee_id == actor.user_id,
        is_complaint=is_complaint,
        about_staff_visible=about_staff_visible,
    )
