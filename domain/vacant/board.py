"""Vacant units on the manager's board field-work panel (staff/board.py): a check that was due before today, one
row per unit from when it became overdue, and a key set not back by its due time, one row per set (urgent: a key
to an empty home is out with someone)."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from domain.clock import local_date, start_of_local_day
from domain.patrols.records import FieldRow
from domain.vacant.keys import overdue_keys
from domain.vacant.schedule import overdue_checks


def overdue_rows(property_id, now):
    """The FieldRows of overdue vacant-unit checks (two statements) and overdue keys (one), linking to the unit or
    the keys list."""
    checks = [
        FieldRow(
            kind="vacant_check_overdue",
            label=_l("Vacant unit check overdue"),
            what="{} · {}".format(due.label, ngettext("%(num)s day overdue", "%(num)s days overdue", due.days_overdue)),
            since=start_of_local_day(due.due_on + timedelta(days=1)),
            endpoint="staff.show_vacant_unit",
            args={"vacant_id": due.vacant.id},
        )
        for due in overdue_checks(property_id, local_date(now))
    ]
    keys = [
        FieldRow(
            kind="vacant_key_overdue",
            label=_l("Key not returned"),
            what=f"{out.label} · {out.tag} · {out.movement.taker_name}",
            since=out.movement.due_back_at,
            endpoint="staff.list_vacant_keys",
            urgent=True,
        )
        for out in overdue_keys(property_id, now)
    ]
    return checks + keys
