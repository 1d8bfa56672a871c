"""The desk's open alarms after wrong codes (domain.throttle) with the names the desk reads: the kiosk's, or the
clerk's. The throttle, below the kiosks and the accounts, knows only the places the wrong codes came from."""

from sqlalchemy import select

from domain.accounts.models import User
from domain.kiosk.models import Kiosk
from domain.throttle import services as throttle
from extensions import db


def _names(name_column, id_column, ids):
    """{id: name} for `ids`, in one query (none when there are no ids)."""
    if not ids:
        return {}
    return dict(db.session.execute(select(id_column, name_column).where(id_column.in_(ids))).all())


def open_alert_notices():
    """The open alarms as the desk reads them (throttle.AlertNotice), newest first: kiosk and clerk names in one
    query each."""
    alerts = throttle.open_alerts()
    kiosk_ids, user_ids = throttle.named_places(alerts)
    return throttle.alert_notices(
        alerts,
        kiosk_names=_names(Kiosk.name, Kiosk.id, kiosk_ids),
        clerk_names=_names(User.display_name, User.id, user_ids),
    )
