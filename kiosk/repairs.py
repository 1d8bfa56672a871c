"""Reporting a repair at the kiosk: a public area by anyone, or one's unit after the unit + phone check."""

from flask import g, render_template, request

from domain.errors import DomainError
from domain.kiosk import repairs
from domain.kiosk.residents import check_unit_and_phone
from domain.throttle.services import Throttled, WrongCode
from extensions import db
from kiosk import bp
from web.refusals import refusal_message


def _form(error=None, status=200, **typed):
    """The repair form (public area or unit), with what was typed kept."""
    return render_template("kiosk/repair.html", places=repairs.PLACE_LABELS, error=error, typed=typed), status


@bp.route("/repair", methods=["GET", "POST"])
def report_repair():
    """Where (a public area, or one's unit with the phone check) and what is wrong."""
    if request.method == "GET":
        return _form(where=request.args.get("where", "public"))
    typed = {
        key: (request.form.get(key) or "").strip() for key in ("where", "place", "building", "unit", "description")
    }
    try:
        if typed["where"] == "unit":
            unit_id, resident_id, _label = check_unit_and_phone(
                g.kiosk, unit_label=typed["unit"], last4=request.form.get("last4", "")
            )
            ticket = repairs.report_for_unit(
                g.kiosk, unit_id=unit_id, resident_id=resident_id, description=typed["description"]
            )
        else:
            ticket = repairs.report_public(
                g.kiosk, place=typed["place"], building=typed["building"], description=typed["description"]
            )
        db.session.commit()
    except WrongCode as error:
        db.session.commit()  # the wrong answer counts
        return _form(str(error.message), 422, **typed)
    except Throttled as error:
        return _form(refusal_message(error), 429, **typed)
    except DomainError as error:
        return _form(refusal_message(error), 422, **typed)
    return render_template("kiosk/repair_done.html", ticket_id=ticket.id)
