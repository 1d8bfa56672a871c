"""Parcel pickup at the kiosk: unit + code on the on-screen keypad, or the resident's QR code scanned; the kiosk
shows how many parcels and on which shelves, nothing else, and the desk hands them over."""

from flask import g, render_template, request

from domain.errors import DomainError
from domain.kiosk import pickup
from domain.parcels import codes
from domain.throttle.services import SlowDown, Throttled, WrongCode
from extensions import db
from kiosk import bp
from web.refusals import refusal_message


@bp.route("/pickup", methods=["GET", "POST"])
def pick_up():
    """The keypad (unit and code), then the result: how many parcels, which shelves."""
    if request.method == "GET":
        return render_template("kiosk/pickup.html", error=None)
    unit_label = (request.form.get("unit") or "").strip()
    code = request.form.get("code") or ""
    scanned = codes.parse_pickup_payload(unit_label) or codes.parse_pickup_payload(code)
    if scanned:
        unit_label, code = scanned
    try:
        count, shelves = pickup.start_pickup(g.kiosk, unit_label=unit_label, code=code)
        db.session.commit()
    except WrongCode as error:
        db.session.commit()  # the wrong guess counts
        return render_template("kiosk/pickup.html", error=refusal_message(error)), 422
    except Throttled as error:
        # A kiosk slowed down keeps its keypad for the next try; a locked unit sends the resident to the desk.
        return render_template(
            "kiosk/pickup.html", error=refusal_message(error), locked=not isinstance(error, SlowDown)
        ), 429
    except DomainError as error:
        return render_template("kiosk/pickup.html", error=refusal_message(error)), 409
    return render_template("kiosk/pickup_done.html", count=count, shelves=shelves)
