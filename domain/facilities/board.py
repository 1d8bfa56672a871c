"""Overdue facility checks as rows of the manager's board field-work panel (staff/board.py), next to the patrol
alarms: one row per facility whose check was due before today, from when it became overdue."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from domain.clock import local_date, start_of_local_day
from domain.facilities.models import FacilityKind
from domain.facilities.schedule import overdue_checks
from domain.patrols.records import FieldRow

#: Kinds whose overdue check is a safety matter: their rows are marked urgent.
SAFETY_KINDS = frozenset({FacilityKind.LIFT, FacilityKind.FIRE})


def overdue_rows(property_id, now):
    """A FieldRow for each overdue check (two statements), linking to the facility; lifts and fire equipment
    urgent."""
    return [
        FieldRow(
            kind="facility_overdue",
            label=_l("Check overdue"),
            what="{} · {}".format(
                due.facility.name,
                ngettext("%(num)s day overdue", "%(num)s days overdue", due.days_overdue),
            ),
            since=start_of_local_day(due.due_on + timedelta(days=1)),
            endpoint="staff.show_facility",
            args={"facility_id": due.facility.id},
            urgent=due.facility.kind in SAFETY_KINDS,
        )
        for due in overdue_checks(property_id, local_date(now))
    ]
