"""The results of the office's checks of a vacant unit (SOP 17) on the notices page, for the units the resident lives
in, since they live there; a neighbour's check answers 404, as does its photo."""

from flask import render_template, request
from flask_login import current_user

from domain.clock import today
from domain.files.photos import get_field_photo, photos_of
from domain.property.residents import resident_for_user
from domain.property.units import unit_labels
from domain.vacant import checks
from domain.vacant.register import SUPPLY_LABELS
from portal import bp
from web.downloads import send_stored


def vacant_checks_section(resident_id, day):
    """What templates/portal/notices/_vacant_checks.html shows: the resident's checks, latest first, with their unit
    labels and photos."""
    rows = checks.resident_checks(resident_id, day)
    return {
        "vacant_checks": rows,
        "vacant_labels": unit_labels(unit_id for _check, unit_id in rows),
        "vacant_photos": photos_of(checks.PHOTO_SUBJECT, [check.id for check, _unit in rows]),
        "supplies": SUPPLY_LABELS,
    }


@bp.get("/notices/vacant-checks/<int:check_id>")
def show_vacant_check_notice(check_id):
    """One check of the resident's vacant unit: each item, the meters, the note, the photos and the repair ticket."""
    resident = resident_for_user(current_user)
    check, unit_id = checks.resident_check(resident.id, check_id, today())
    return render_template(
        "portal/notices/vacant_check.html",
        check=check,
        label=unit_labels([unit_id]).get(unit_id, ""),
        photos=photos_of(checks.PHOTO_SUBJECT, [check.id]).get(check.id, []),
        supplies=SUPPLY_LABELS,
    )


@bp.get("/notices/vacant-checks/<int:check_id>/photos/<int:photo_id>")
def vacant_check_notice_photo(check_id, photo_id):
    """A photo of one of the resident's checks (its preview with ?preview=1)."""
    resident = resident_for_user(current_user)
    check, _unit_id = checks.resident_check(resident.id, check_id, today())
    photo = get_field_photo(checks.PHOTO_SUBJECT, check.id, photo_id)
    return send_stored(photo.stored_name, photo.content_type, preview=request.args.get("preview") == "1")
