"""The lobby kiosk: touch-sized public screens that show no private data, for enrolled kiosks only."""

from flask import Blueprint, g, redirect, request, url_for

bp = Blueprint("kiosk", __name__)

#: The cookie that holds an enrolled kiosk's device credential.
DEVICE_COOKIE = "kiosk_device"
#: Endpoints an unenrolled browser may use: the pairing screen and its status.
PAIRING_ENDPOINTS = {"kiosk.pair", "kiosk.pairing_status"}


@bp.before_request
def enrolled_kiosks_only():
    """Every kiosk page needs an enrolled, unrevoked kiosk; any other browser sees only the pairing screen."""
    from domain.current_property import set_current_property
    from domain.kiosk.services import device
    from extensions import db

    g.kiosk = device(request.cookies.get(DEVICE_COOKIE))
    if g.kiosk is not None:
        set_current_property(g.kiosk.property_id)  # the kiosk serves its own property's units only
    if g.kiosk is not None and db.session.dirty:
        db.session.commit()  # the last-seen time, written at most once a minute
    if g.kiosk is None and request.endpoint not in PAIRING_ENDPOINTS:
        return redirect(url_for("kiosk.pair"), code=303)
    return None


from kiosk import home, incident_banner, pairing, pay, pickup, repairs, surveys  # noqa: E402,F401
