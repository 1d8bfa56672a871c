"""The desk's alarms after wrong codes, as the desk reads them: the throttle knows only places, the kiosks'
alarm module names the kiosk or the clerk."""

from datetime import UTC, datetime, timedelta

from domain.accounts.roles import Role
from domain.kiosk.alarms import open_alert_notices
from domain.throttle import services as throttle
from domain.throttle.models import DeskAlert
from extensions import db
from tests import builders

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def alarm(place, *, unit_id=None, minutes=0):
    """An open alarm from `place`, `minutes` after T0."""
    alert = DeskAlert(
        scope="parcel_code", place=place, message="1-1203", unit_id=unit_id, created_at=T0 + timedelta(minutes=minutes)
    )
    db.session.add(alert)
    db.session.commit()
    return alert


def test_the_desk_reads_the_kiosks_name_and_the_clerks_name(prop):
    kiosk, _credential = builders.create_kiosk(prop, name="1号楼大堂")
    clerk = builders.create_staff(Role.FRONTDESK)
    from_kiosk = alarm(throttle.kiosk_place(kiosk.id), minutes=1)
    from_desk = alarm(f"{clerk.id}@10.0.0.5", minutes=2)
    notices = open_alert_notices()
    assert [(n.alert, n.kind, n.where) for n in notices] == [
        (from_desk, "desk", clerk.display_name),
        (from_kiosk, "kiosk", "1号楼大堂"),
    ]
    assert notices[0].until == from_desk.created_at + throttle.LOCKOUT and notices[1].until is None


def test_a_place_nobody_can_name_is_shown_as_it_is():
    alert = DeskAlert(scope="parcel_code", place="kiosk:999", message="", created_at=T0)
    other = DeskAlert(scope="parcel_code", place="someone@10.0.0.5", message="", created_at=T0)
    assert throttle.named_places([alert, other]) == ({999}, set())
    notices = throttle.alert_notices([alert, other], kiosk_names={}, clerk_names={})
    assert [n.where for n in notices] == ["kiosk:999", "someone@10.0.0.5"]


def test_an_alarm_about_a_unit_names_where_the_last_wrong_code_came_from(prop):
    unit = builders.create_unit(number="1203")
    clerk = builders.create_staff(Role.FRONTDESK)
    alert = DeskAlert(scope="parcel_code", place=f"{clerk.id}@10.0.0.5", message="", unit_id=unit.id, created_at=T0)
    kiosk_ids, user_ids = throttle.named_places([alert])
    assert (kiosk_ids, user_ids) == (set(), {clerk.id})
    [notice] = throttle.alert_notices([alert], kiosk_names={}, clerk_names={clerk.id: "王"})
    assert (notice.kind, notice.where, notice.until) == ("unit", "王", T0 + throttle.UNIT_LOCKOUT)
