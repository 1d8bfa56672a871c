"""The patroller's phone pages: today's rounds that are theirs, the walk page (scan or type each label, answer its
checklist, report findings with photos, make a finding a ticket in one tap, sign the finish), and the address a
label's QR opens. The page's script sends what it could not send before, so each POST answers JSON to it (the
`Accept` header says so) and a page with a message to everyone else. Each route calls one service."""

from datetime import UTC, datetime

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from domain.accounts.roles import Permission, Role
from domain.clock import utcnow
from domain.errors import DomainError
from domain.files.photos import get_field_photo, photos_of
from domain.patrols import rounds
from domain.patrols.models import PatrolFinding, PatrolRoute
from domain.patrols.workflow import round_actions
from domain.property.buildings import get_property_id
from domain.tickets.labels import DEPARTMENT_LABELS, KIND_LABELS
from extensions import db
from staff import bp
from staff.patrols.today_forms import ANSWER_LABELS, FindingForm, FinishForm, StartForm, VisitForm
from web.auth import current_actor, staff_permission
from web.downloads import send_stored
from web.htmx import is_fragment_request, render_page
from web.refusals import flash_domain_error, refusal_message, refuse_fragment, show_domain_error


def slot_labels():
    """How a slot of today reads (its state from domain/patrols/schedule.Slot.state)."""
    return {
        "upcoming": pgettext("patrol slot", "Later today"),
        "due": pgettext("patrol slot", "Due now"),
        "in_progress": pgettext("patrol slot", "Under way"),
        "finished": pgettext("patrol slot", "Finished"),
        "late": pgettext("patrol slot", "Finished late"),
        "missed": pgettext("patrol slot", "Missed"),
        "unfinished": pgettext("patrol slot", "Not finished"),
    }


def _wants_json():
    """Whether the walk page's script sent the request (it asks for JSON and queues what fails)."""
    return request.accept_mimetypes.best == "application/json"


def _is_mine(patrol_round):
    """Whether the signed-in person walks this round (the manager may stand in on any)."""
    return patrol_round.patroller_id == current_user.id or current_user.role == Role.MANAGER


def _my_round(round_id):
    """The round, if it is the signed-in person's to walk; 404 otherwise (another patroller's round is not theirs
    to see here: the console's history shows the records)."""
    patrol_round = rounds.get_round(round_id, get_property_id())
    if not _is_mine(patrol_round):
        abort(404)
    return patrol_round


def _answers_from_form(checkpoint):
    """{question: "ok" | "fault"} from the toggles answer-0, answer-1, ... of the checkpoint's form, each beside its
    question's text; a DomainError when the manager changed the checklist after the page was opened (an answer
    kept on the phone is never filed against a question it was not given for)."""
    questions = list(checkpoint.checklist or ())
    shown = [request.form.get(f"answer-{index}-text") for index in range(len(questions) + 1)]
    if any(text is not None and text != question for text, question in zip(shown, questions)) or shown[-1] is not None:
        raise DomainError(
            _("This point's checklist was changed since the page was opened: answer it again as it is now."),
            field="answers",
        )
    return {
        question: request.form.get(f"answer-{index}", "")
        for index, question in enumerate(questions)
        if request.form.get(f"answer-{index}")
    }


def _phone_time(text):
    """The phone's time of a scan from its ISO text, or None when missing or unreadable."""
    try:
        moment = datetime.fromisoformat((text or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _finding_form(patrol_round, data=None):
    """The finding form with the round's checkpoints to choose from."""
    form = FindingForm(data) if data is not None else FindingForm(formdata=None)
    form.checkpoint_id.choices = [
        SelectChoice(0, _("Between points")),
        *(SelectChoice(c.id, f"{c.position}. {c.name}") for c in patrol_round.route.checkpoints if c.is_active),
    ]
    return form


def _walk_page(patrol_round, *, status=200, chosen_code="", code_error=None, typed=None, **forms):
    """The walk page: progress, the label reader, each checkpoint's form (the chosen one open), the findings and
    the finish. `typed` keeps a refused visit's answers and note."""
    route = patrol_round.route
    points = [c for c in route.checkpoints if c.is_active]
    visits = {v.checkpoint_id: v for v in patrol_round.visits}
    chosen = next((c for c in points if c.code.upper() == rounds.code_of(chosen_code)), None) if chosen_code else None
    if chosen_code and chosen is None and code_error is None:
        code_error = _("This label is not on this route.")
    finding_ids = [f.id for f in patrol_round.findings]
    return render_template(
        "staff/patrols/today/walk.html",
        patrol_round=patrol_round,
        route=route,
        points=points,
        visits=visits,
        recorded=sum(1 for c in points if c.id in visits),
        next_point=next((c for c in points if c.id not in visits), None),
        chosen=chosen,
        chosen_method=request.values.get("method", "code") if chosen else "code",
        code_error=code_error,
        typed_code=chosen_code,
        typed=typed,
        visit_form=forms.get("visit_form") or VisitForm(formdata=None),
        finding_form=forms.get("finding_form") or _finding_form(patrol_round),
        finish_form=forms.get("finish_form") or FinishForm(formdata=None),
        signature_error=forms.get("signature_error"),
        photos=photos_of(rounds.FINDING_PHOTOS, finding_ids),
        actions=round_actions(current_actor(), route, patrol_round),
        answers=ANSWER_LABELS,
        kinds=KIND_LABELS,
        departments=DEPARTMENT_LABELS,
    ), status


# Today's rounds ----------------------------------------------------------------------------------------------------


@bp.get("/patrols/today")
@staff_permission(Permission.WALK_PATROLS)
def patrols_today():
    """The patroller's phone page: today's rounds that are theirs to walk, each with its state and one big button."""
    now = utcnow()
    slots = rounds.my_slots(current_actor(), get_property_id(), now)
    startable = set()
    for slot in slots:
        if slot.round is None and any(start == slot.start for _d, start, _e in rounds.open_windows(slot.route, now)):
            startable.add((slot.route.id, slot.start))
    return render_template(
        "staff/patrols/today/index.html",
        slots=slots,
        now=now,
        startable=startable,
        labels=slot_labels(),
        form=StartForm(formdata=None),
    )


@bp.post("/patrols/today/start")
@staff_permission(Permission.WALK_PATROLS)
def start_patrol_round():
    """Start (or rejoin) a round of a route in one of today's windows, then walk it; from a scanned label, straight
    to that label's checkpoint."""
    form = StartForm()
    code = request.form.get("code", "")
    window_start = _phone_time(form.window_start.data)
    if not form.validate() or window_start is None:
        flash(_("Choose a round to start."), "error")
        return redirect(url_for("staff.patrols_today"), code=303)
    route = db.session.scalar(
        select(PatrolRoute).where(PatrolRoute.id == form.route_id.data, PatrolRoute.property_id == get_property_id())
    )
    if route is None:
        abort(404)
    try:
        patrol_round = rounds.start_round(current_actor(), route, window_start)
        db.session.commit()
    except DomainError as error:
        flash_domain_error(error)
        return redirect(url_for("staff.patrols_today"), code=303)
    if not _is_mine(patrol_round):
        flash(_("%(name)s is already walking this round.", name=patrol_round.patroller.display_name), "error")
        return redirect(url_for("staff.patrols_today"), code=303)
    if code:
        return redirect(url_for("staff.walk_round", round_id=patrol_round.id, code=code, method="scan"), code=303)
    return redirect(url_for("staff.walk_round", round_id=patrol_round.id), code=303)


@bp.get("/patrols/today/scan/<code>")
@staff_permission(Permission.WALK_PATROLS)
def scan_checkpoint(code):
    """Where a label's QR opened by the phone's own camera app lands: the checkpoint's form in the patroller's open
    round on its route, or an offer to start that round."""
    try:
        checkpoint, open_round, startable = rounds.scan_target(current_actor(), get_property_id(), code)
    except DomainError:
        abort(404)
    if open_round is not None:
        return redirect(
            url_for("staff.walk_round", round_id=open_round.id, code=checkpoint.code, method="scan"), code=303
        )
    may_start = startable is not None and "start" in round_actions(current_actor(), checkpoint.route)
    return render_template(
        "staff/patrols/today/scan.html",
        checkpoint=checkpoint,
        route=checkpoint.route,
        startable=startable if may_start else None,
        form=StartForm(formdata=None),
    )


# The walk page -----------------------------------------------------------------------------------------------------


@bp.get("/patrols/today/rounds/<int:round_id>")
@staff_permission(Permission.WALK_PATROLS)
def walk_round(round_id):
    """The walk page; ?code= opens that label's checkpoint (typed, or read by the camera without the script)."""
    patrol_round = _my_round(round_id)
    return _walk_page(patrol_round, chosen_code=request.args.get("code", "").strip())


@bp.post("/patrols/today/rounds/<int:round_id>/visits")
@staff_permission(Permission.WALK_PATROLS)
def record_patrol_visit(round_id):
    """Record a checkpoint reached with its checklist's answers (a repeat or a resend updates it)."""
    patrol_round = _my_round(round_id)
    form = VisitForm()
    code = (form.code.data or "").strip()
    point = next((c for c in patrol_round.route.checkpoints if c.code.upper() == rounds.code_of(code)), None)
    typed = {"answers": {}, "note": form.note.data or ""}
    try:
        answers = _answers_from_form(point) if point else {}
        typed["answers"] = answers
        if not form.validate():
            raise DomainError(form.code.errors[0] if form.code.errors else _("Check the answers."), field="code")
        visit = rounds.record_visit(
            current_actor(),
            patrol_round,
            code=code,
            method=form.method.data or "code",
            answers=answers,
            note=form.note.data,
            scanned_at=_phone_time(form.scanned_at.data),
        )
        db.session.commit()
    except DomainError as error:
        if error.status_code == 409:
            # A finished round refuses visits: the same everywhere (JSON, a page) so the phone drops its queue.
            message = refusal_message(error)
            if _wants_json():
                return jsonify(error=message, field=error.field, final=True), 409
            flash(message, "error")
            return redirect(url_for("staff.walk_round", round_id=round_id), code=303)
        if error.status_code == 403:
            raise
        message = refusal_message(error)
        if _wants_json():
            return jsonify(error=message, field=error.field), 422
        db.session.expire_all()
        patrol_round = _my_round(round_id)
        if point is None:
            return _walk_page(patrol_round, status=422, chosen_code=code, code_error=message)
        return _walk_page(patrol_round, status=422, chosen_code=code, typed={**typed, "error": message})
    recorded = len({v.checkpoint_id for v in patrol_round.visits})
    if _wants_json():
        return jsonify(ok=True, visit=visit.id, checkpoint=visit.checkpoint_id, recorded=recorded)
    flash(_("%(point)s recorded.", point=visit.checkpoint.name), "success")
    return redirect(url_for("staff.walk_round", round_id=round_id), code=303)


@bp.post("/patrols/today/rounds/<int:round_id>/findings")
@staff_permission(Permission.WALK_PATROLS)
def add_patrol_finding(round_id):
    """Report a finding with photos from the camera (sent again after a lost connection, it is kept once)."""
    patrol_round = _my_round(round_id)
    form = _finding_form(patrol_round, request.form)
    if not form.validate():
        if _wants_json():
            field = next(iter(form.errors))
            return jsonify(error=str(form.errors[field][0]), field=field), 422
        return _walk_page(patrol_round, status=422, finding_form=form)
    try:
        finding = rounds.add_finding(
            current_actor(),
            patrol_round,
            description=form.description.data,
            checkpoint_id=form.checkpoint_id.data or None,
            department=form.department.data or None,
            kind=form.kind.data,
            files=request.files.getlist("photos"),
            client_key=form.client_key.data,
        )
        db.session.commit()
    except DomainError as error:
        if error.status_code == 403:
            raise
        if _wants_json():
            message = refusal_message(error)
            return jsonify(error=message, field=error.field, final=error.status_code == 409), error.status_code
        show_domain_error(form, error)
        return _walk_page(patrol_round, status=422, finding_form=form)
    if _wants_json():
        return jsonify(ok=True, finding=finding.id)
    flash(_("The finding is saved."), "success")
    return redirect(url_for("staff.walk_round", round_id=round_id, _anchor="findings"), code=303)


@bp.post("/patrols/today/rounds/<int:round_id>/findings/<int:finding_id>/ticket")
@staff_permission(Permission.WALK_PATROLS)
def raise_finding_ticket(round_id, finding_id):
    """Make a finding a ticket for its department in one tap; htmx gets the finding back with its ticket number."""
    patrol_round = _my_round(round_id)
    finding = next((f for f in patrol_round.findings if f.id == finding_id), None)
    if finding is None:
        abort(404)
    back = url_for("staff.walk_round", round_id=round_id, _anchor=f"finding-{finding_id}")
    try:
        ticket = rounds.raise_ticket(current_actor(), finding)
        db.session.commit()
    except DomainError as error:
        return refuse_fragment(error, back=back)
    if is_fragment_request():
        return render_page(
            "staff/patrols/today/walk.html",
            "staff/patrols/today/_finding.html",
            finding=finding,
            patrol_round=patrol_round,
            photos=photos_of(rounds.FINDING_PHOTOS, [finding.id]),
            kinds=KIND_LABELS,
            departments=DEPARTMENT_LABELS,
            trigger="patrolFindingTicket",
        )
    flash(_("Ticket #%(number)s opened.", number=ticket.id), "success")
    return redirect(back, code=303)


@bp.post("/patrols/today/rounds/<int:round_id>/finish")
@staff_permission(Permission.WALK_PATROLS)
def finish_patrol_round(round_id):
    """Sign and finish the round: the 巡视记录表."""
    patrol_round = _my_round(round_id)
    form = FinishForm()
    if not form.validate():
        return _walk_page(patrol_round, status=422, finish_form=form)
    try:
        rounds.finish_round(
            current_actor(), patrol_round, signature_data_url=request.form.get("signature", ""), note=form.note.data
        )
        db.session.commit()
    except DomainError as error:
        if error.status_code == 403:
            raise
        if error.status_code == 409:
            flash_domain_error(error)
            return redirect(url_for("staff.walk_round", round_id=round_id), code=303)
        message = refusal_message(error)
        db.session.expire_all()
        patrol_round = _my_round(round_id)
        return _walk_page(patrol_round, status=422, finish_form=form, signature_error=message)
    flash(_("Round finished and signed."), "success")
    return redirect(url_for("staff.patrols_today"), code=303)


@bp.get("/patrols/today/rounds/<int:round_id>/findings/<int:finding_id>/photos/<int:photo_id>")
@staff_permission(Permission.WALK_PATROLS)
def show_patrol_finding_photo(round_id, finding_id, photo_id):
    """A finding's photo (its preview with ?preview=1)."""
    patrol_round = _my_round(round_id)
    finding = db.session.get(PatrolFinding, finding_id)
    if finding is None or finding.round_id != patrol_round.id:
        abort(404)
    try:
        photo = get_field_photo(rounds.FINDING_PHOTOS, finding.id, photo_id)
    except DomainError:
        abort(404)
    return send_stored(photo.stored_name, photo.content_type, preview=request.args.get("preview") == "1")
