"""The move-in console's pages as view models: the words for statuses and timeline steps, the case page's context
(the actions the signed-in person may take, from the workflow; the people; the timeline) and the list's filters."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from domain.movein import cases, registration
from domain.movein.models import CaseStatus
from domain.movein.workflow import DESK_EDITABLE, case_actions
from staff.movein.forms import CancelForm, PersonForm

#: A case's status as the desk says it.
STATUS_LABELS = {
    CaseStatus.NOTIFIED.value: _l("Notified"),
    CaseStatus.INVITED.value: _l("Invited"),
    CaseStatus.BOOKED.value: _l("Appointment booked"),
    CaseStatus.AT_DESK.value: _l("At the desk"),
    CaseStatus.COMPLETED.value: _l("Formalities completed"),
    CaseStatus.CANCELLED.value: _l("Cancelled"),
}
#: The badge colour of each status (the console's existing badge classes).
STATUS_BADGES = {
    CaseStatus.NOTIFIED.value: "badge-t-new",
    CaseStatus.INVITED.value: "badge-t-new",
    CaseStatus.BOOKED.value: "badge-t-scheduled",
    CaseStatus.AT_DESK.value: "badge-t-scheduled",
    CaseStatus.COMPLETED.value: "badge-t-done",
    CaseStatus.CANCELLED.value: "badge-vacant",
}
#: The list's filter tabs: "open" first, then each status, then all.
FILTERS = ("open", *(s.value for s in CaseStatus), "any")
#: The workflow's actions as buttons (verbs).
ACTION_LABELS = {
    "invite": lazy_pgettext("button", "Invite to pre-fill online"),
    "book": lazy_pgettext("button", "Book an appointment"),
    "receive": lazy_pgettext("button", "Receive at the desk"),
    "complete": lazy_pgettext("button", "Complete"),
    "cancel": lazy_pgettext("button", "Cancel the case"),
}
#: Timeline steps in words (other areas' steps on the same timeline fall back to their action's name).
STEP_LABELS = {
    "create": _l("Case opened"),
    "invite": _l("Invitation issued"),
    "invite_mailed": _l("Invitation e-mailed"),
    "redeem": _l("Owner signed up for the portal"),
    "book": _l("Appointment booked"),
    "receive": _l("Received at the desk"),
    "complete": _l("Formalities completed"),
    "cancel": _l("Cancelled"),
    "person_add": _l("Person added to the form"),
    "person_edit": _l("Person changed on the form"),
    "person_remove": _l("Person removed from the form"),
    # The day at the desk, the inspections and the owner's file write on the same timeline.
    "tick": _l("Ticked"),
    "untick": _l("Tick taken back"),
    "proxy": _l("Proxy recorded"),
    "proxy_clear": _l("Proxy removed"),
    "bill": _l("Fees billed"),
    "paid": _l("Fees paid"),
    "unpaid": _l("Fee payment taken back"),
    "sign": _l("Signed on screen"),
    "upload": _l("Copy filed"),
    "schedule_inspection": _l("Inspection scheduled"),
    "start_inspection": _l("Inspection started"),
    "cancel_inspection": _l("Inspection cancelled"),
    "sign_inspection": _l("Inspection record signed"),
}
GENDER_LABELS = {"male": _l("Male"), "female": _l("Female")}


def people_context(case, actor, *, form=None, editing=None):
    """What _people.html needs: the form's people, whether they may be changed now, and the add/edit form."""
    return {
        "case": case,
        "people": registration.people_of(case),
        "people_editable": case.status in DESK_EDITABLE,
        "person_form": form or PersonForm(formdata=None),
        "editing": editing,
        "gender_labels": GENDER_LABELS,
        "purposes": registration.PURPOSES,
    }


def case_context(case, actor, *, person_form=None, editing=None, cancel_form=None, error=None):
    """The case page's context: the header, the actions `actor` may take (from the workflow), the people, the
    timeline; the includes of the other parts of the day read `case` and `actions` from it."""
    actions = case_actions(actor, case)
    return {
        **people_context(case, actor, form=person_form, editing=editing),
        "actions": actions,
        "action_labels": ACTION_LABELS,
        "status_labels": STATUS_LABELS,
        "status_badges": STATUS_BADGES,
        "step_labels": STEP_LABELS,
        "timeline": cases.timeline(case),
        "cancel_form": cancel_form or CancelForm(formdata=None),
        "error": error,
    }
