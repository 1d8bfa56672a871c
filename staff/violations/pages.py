"""What the violation pages render, gathered in one place so routes stay thin."""

from domain.clock import local_now, today
from domain.files.photos import photos_of
from domain.property.units import unit_labels
from domain.violations import queries, services
from domain.violations.models import OPEN_STAGES, TIMED_STAGES
from domain.violations.replies import REPLY_PHOTO_SUBJECT
from domain.violations.workflow import AUTHORITY_LABELS, NEXT_STEP, STAGE_LABELS, allowed_actions
from staff.violations.forms import (
    CHECK_OUTCOMES,
    AdvanceForm,
    CheckForm,
    ExtendForm,
    FineForm,
    RecordForm,
    ReferForm,
    WithdrawForm,
)
from web.auth import current_actor


def kind_choices(property_id):
    """The active kinds for the record form's big buttons."""
    return [(str(kind.id), kind.name) for kind in services.kinds_of(property_id)]


def record_form(property_id, formdata=None):
    """The record form with the property's kinds (what was typed kept when `formdata` is given)."""
    form = RecordForm() if formdata is None else RecordForm(formdata=formdata)
    form.kind_id.choices = kind_choices(property_id)
    return form


def check_outcomes(actions, stage):
    """The outcomes the check form offers now: "next" only where the next stage is a written one."""
    offered = []
    if "check_rectified" in actions:
        offered.append("rectified")
    if "check_not_rectified" in actions:
        offered.append("not_rectified")
        if NEXT_STEP.get(stage) in actions and NEXT_STEP[stage] != "refer":
            offered.append("next")
        if "extend" in actions:
            offered.append("extend")
    return offered


def violation_page(violation, **forms):
    """The violation page's context: the facts, the timeline with photos, the notices, the answers, the actions the
    signed-in person may take now and their forms (a refused one keeps what was typed)."""
    actor = current_actor()
    actions = allowed_actions(actor, violation)
    check_form = forms.get("check_form") or CheckForm(formdata=None)
    offered = check_outcomes(actions, violation.stage)
    check_form.outcome.choices = [(key, CHECK_OUTCOMES[key]) for key in offered]
    reply_ids = [reply.id for reply in violation.replies]
    labels = unit_labels([violation.unit_id])
    return {
        "violation": violation,
        "labels": labels,
        "where": services.where_text(violation, labels),
        "stage_label": STAGE_LABELS[violation.stage],
        "stage_labels": STAGE_LABELS,
        "authority_labels": AUTHORITY_LABELS,
        "overdue": services.is_overdue(violation, today()),
        "is_open": violation.stage in OPEN_STAGES,
        "deadline_runs": violation.stage in TIMED_STAGES,
        "events": violation.events,
        "event_labels": services.EVENT_LABELS,
        "photos": {p.id: p for p in photos_of(services.PHOTO_SUBJECT, [violation.id]).get(violation.id, [])},
        "reply_photos": photos_of(REPLY_PHOTO_SUBJECT, reply_ids),
        "actions": actions,
        "next_action": NEXT_STEP.get(violation.stage) if NEXT_STEP.get(violation.stage) in actions else None,
        "fine_charge": services.fine_charge(violation.kind),
        "check_form": check_form,
        "advance_form": forms.get("advance_form") or AdvanceForm(formdata=None),
        "refer_form": forms.get("refer_form") or ReferForm(formdata=None, authority=violation.kind.authority.value),
        "extend_form": forms.get("extend_form") or ExtendForm(formdata=None),
        "fine_form": forms.get("fine_form") or FineForm(formdata=None),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(formdata=None),
    }


#: Open violations per page of the list.
LIST_PAGE = 50


def list_page(property_id, *, kind_id, stage, due, page=1):
    """The open violations page's context, filtered by kind, stage and deadline, overdue first, LIST_PAGE a page,
    with how many there are and how many are overdue in all."""
    day = today()
    filters = {"today": day, "kind_id": kind_id, "stage": stage, "due": due}
    total, overdue_count = queries.open_counts(property_id, **filters)
    rows = queries.open_violations(property_id, **filters, limit=LIST_PAGE, offset=(page - 1) * LIST_PAGE)
    labels = unit_labels([v.unit_id for v in rows])
    return {
        "violations": rows,
        "total": total,
        "overdue_count": overdue_count,
        "page": page,
        "has_next": total > page * LIST_PAGE,
        "where": {v.id: services.where_text(v, labels) for v in rows},
        "overdue": {v.id for v in rows if services.is_overdue(v, day)},
        "timed": {v.id for v in rows if v.stage in TIMED_STAGES},
        "kinds": services.kinds_of(property_id, active_only=False),
        "kind_id": kind_id,
        "stage": stage,
        "due": due,
        "open_stages": [(s.value, STAGE_LABELS[s]) for s in OPEN_STAGES],
        "stage_labels": STAGE_LABELS,
        "today": day,
    }


def offenders_page(property_id, more_than):
    """The repeat offenders page's context."""
    rows = queries.repeat_offenders(property_id, today=today(), more_than=more_than)
    return {"rows": rows, "labels": unit_labels([r[0] for r in rows]), "more_than": more_than}


def month_page(property_id, month):
    """The month's count by kind."""
    rows = queries.month_counts(property_id, month)
    return {
        "rows": rows,
        "month": month,
        "this_month": local_now().strftime("%Y-%m"),
        "total": sum(r[1] for r in rows),
    }
