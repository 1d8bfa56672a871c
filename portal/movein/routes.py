"""The owner's move-in in the portal: the invitation (a public page: the one-time code becomes a portal account), the
case's status, the 业主登记表 for the owner and the household, the copies of the papers and the appointment slot.
Nothing is required online: the desk can do all of it on the day."""

from datetime import UTC, datetime, timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from domain.archives.documents import documents_of_source, file_document
from domain.clock import local_date, today
from domain.errors import DomainError, NotFound
from domain.movein import online
from domain.movein.appointments import book_appointment
from domain.movein.cases import case_for_owner
from domain.movein.invitations import redeem_invitation as redeem_code
from domain.movein.models import CaseStatus, PersonRole
from domain.movein.registration import remove_person, save_person
from domain.movein.workflow import OWNER_EDITABLE
from domain.property.units import unit_label, unit_labels
from extensions import db, limiter
from portal import bp
from portal.movein.forms import (
    AccountForm,
    InvitationCodeForm,
    OwnerForm,
    PaperForm,
    PersonForm,
    SlotForm,
    privacy_lines,
)
from web.auth import client_address, current_actor, sign_in
from web.htmx import client_redirect, is_fragment_request, render_page
from web.refusals import refuse_fragment, show_domain_error

#: How far ahead the owner may book a slot at the desk.
BOOKING_DAYS = 14
#: The case's status in the owner's words.
STATUS_WORDS = {
    CaseStatus.NOTIFIED: _l("On the developer's hand-over list"),
    CaseStatus.INVITED: _l("Invited to prepare online"),
    CaseStatus.BOOKED: _l("Appointment booked"),
    CaseStatus.AT_DESK: _l("Being handled at the desk"),
    CaseStatus.COMPLETED: _l("Move-in complete"),
    CaseStatus.CANCELLED: _l("Cancelled"),
}
PAPER_NAMES = {
    "purchase_contract": _l("House purchase contract (copy)"),
    "owner_id": _l("Owner's ID card (copy)"),
}

# The invitation ----------------------------------------------------------------------------------------------------


def _invitation_page(*, code_form=None, account_form=None, case=None, status=200):
    """The invitation page: the code form, or (a good code typed) the unit, the name and the account form."""
    return (
        render_template(
            "portal/movein/invitation.html",
            code_form=code_form,
            account_form=account_form,
            case=case,
            unit=unit_label(case.unit_id) if case else None,
        ),
        status,
    )


def _code_refused(code, error):
    """Back to the first step with the refusal next to the code, as typed; the wrong code stays counted."""
    db.session.commit()  # the throttle's count of wrong codes survives the refusal's rollback
    form = InvitationCodeForm(formdata=None, data={"code": code})
    show_domain_error(form, error)
    return _invitation_page(code_form=form, status=error.status_code if error.status_code == 429 else 422)


@bp.route("/move-in/invitation", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def redeem_invitation():
    """The owner types the one-time code, sees their unit and name, then chooses a username and a password: the
    portal account bound to the case, signed in at once."""
    if request.method == "POST" and "username" in request.form:
        return _create_account()
    form = InvitationCodeForm()
    if not form.validate_on_submit():
        return _invitation_page(code_form=form, status=422 if form.errors else 200)
    try:
        case = online.look_up_invitation(form.code.data, source=client_address())
    except DomainError as error:
        return _code_refused(form.code.data, error)
    account = AccountForm(formdata=None, data={"code": form.code.data.strip(), "username": case.owner.phone})
    return _invitation_page(account_form=account, case=case)


def _create_account():
    """The invitation's second step: the account is made and signed in, or the form comes back as typed."""
    form = AccountForm()
    valid = form.validate_on_submit()
    try:
        case = online.look_up_invitation(form.code.data, source=client_address())
    except DomainError as error:
        return _code_refused(form.code.data, error)
    if valid:
        try:
            user = redeem_code(form.code.data.strip(), username=form.username.data.strip(), password=form.password.data)
            sign_in(user)  # commits the account and the sign-in together
            flash(_("Welcome! Your account is ready. You can now prepare your move-in here."), "success")
            return redirect(url_for("portal.move_in"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
            form.form_errors.extend(form.code.errors)  # the code is a hidden field: its message goes above the form
    return _invitation_page(account_form=form, case=case, status=422)


def _progress(case):
    """The case as its owner sees it, with the copies filed from the portal."""
    return online.owner_progress(case, documents_of_source(online.SOURCE, case.id))


# The case's status -------------------------------------------------------------------------------------------------


@bp.get("/move-in")
def move_in():
    """The owner's move-in: what is done, what the desk still needs, the appointment, and what may be done online."""
    cases = sorted(case_for_owner(current_user), key=lambda c: c.id, reverse=True)
    return render_template(
        "portal/movein/index.html",
        progresses=[_progress(case) for case in cases],
        labels=unit_labels(case.unit_id for case in cases),
        status_words=STATUS_WORDS,
        paper_names=PAPER_NAMES,
    )


# The registration form (业主登记表) --------------------------------------------------------------------------------


def _registration(case, *, status=200, trigger=None):
    """The people on the case's form with the privacy notice, or for htmx only the list of people."""
    return render_page(
        "portal/movein/registration.html",
        "portal/movein/_people.html",
        progress=_progress(case),
        privacy_lines=privacy_lines,
        status=status,
        trigger=trigger,
    )


@bp.get("/move-in/<int:case_id>/registration")
def move_in_registration(case_id):
    """The 业主登记表: the owner and the household as entered, each with a link to change it."""
    return _registration(online.owner_case(current_user, case_id))


def _person_page(case, form, person=None, *, status=200):
    """The form for one person (the owner, or a household member new or already entered)."""
    return (
        render_template(
            "portal/movein/person.html",
            case=case,
            form=form,
            person=person,
            is_owner=isinstance(form, OwnerForm),
            privacy_lines=privacy_lines,
            editable=case.status in OWNER_EDITABLE,
        ),
        status,
    )


def _save_person(case, form, person=None, *, role):
    """Save the form through registration.save_person; on any refusal the form comes back as typed (422)."""
    if form.validate_on_submit():
        try:
            save_person(current_actor(), case, person_id=person.id if person else None, role=role, **form.values())
            db.session.commit()
            flash(_("Saved. You can change it until the day at the desk."), "success")
            return redirect(url_for("portal.move_in_registration", case_id=case.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    elif not form.errors:
        return _person_page(case, form, person)
    return _person_page(case, form, person, status=422)


@bp.route("/move-in/<int:case_id>/owner", methods=["GET", "POST"])
def edit_move_in_owner(case_id):
    """The owner's own line on the form (made with the case from the developer's list)."""
    case = online.owner_case(current_user, case_id)
    owner = next((p for p in case.people if p.role == PersonRole.OWNER), None)
    if owner is None:
        raise NotFound()
    form = OwnerForm(obj=owner)
    if request.method == "GET":
        form.id_number.data = ""  # the full number is never sent back; the masked one is shown beside the field
    return _save_person(case, form, owner, role=PersonRole.OWNER)


@bp.route("/move-in/<int:case_id>/people/new", methods=["GET", "POST"])
def add_move_in_person(case_id):
    """Add a household member to the form."""
    case = online.owner_case(current_user, case_id)
    return _save_person(case, PersonForm(), role=PersonRole.FAMILY)


def _household_member(case, person_id):
    """A household member on the owner's own case (the owner's line and anybody else's people are 404)."""
    person = next((p for p in case.people if p.id == person_id and p.role != PersonRole.OWNER), None)
    if person is None:
        raise NotFound()
    return person


@bp.route("/move-in/<int:case_id>/people/<int:person_id>", methods=["GET", "POST"])
def edit_move_in_person(case_id, person_id):
    """Change a household member's line."""
    case = online.owner_case(current_user, case_id)
    person = _household_member(case, person_id)
    form = PersonForm(obj=person)
    if request.method == "GET":
        form.id_number.data = ""
    return _save_person(case, form, person, role=PersonRole.FAMILY)


@bp.post("/move-in/<int:case_id>/people/<int:person_id>/remove")
def remove_move_in_person(case_id, person_id):
    """Take a household member off the form; htmx gets the list of people again."""
    case = online.owner_case(current_user, case_id)
    person = _household_member(case, person_id)
    back = url_for("portal.move_in_registration", case_id=case.id)
    try:
        remove_person(current_actor(), case, person.id)
        db.session.commit()
    except DomainError as error:
        return refuse_fragment(error, back=back)
    db.session.expire(case)
    if not is_fragment_request():
        flash(_("%(name)s was taken off the form.", name=person.name), "success")
        return redirect(back, code=303)
    return _registration(case, trigger="moveInPeopleChanged")


# The copies of the papers ------------------------------------------------------------------------------------------


def _papers_page(case, form, *, status=200):
    """The copies uploaded so far and the upload form."""
    return (
        render_template(
            "portal/movein/papers.html",
            progress=_progress(case),
            form=form,
            paper_names=PAPER_NAMES,
        ),
        status,
    )


@bp.route("/move-in/<int:case_id>/papers", methods=["GET", "POST"])
def move_in_papers(case_id):
    """Upload a photo or scan of the purchase contract or the ID card into the owner's file."""
    case = online.owner_case(current_user, case_id)
    form = PaperForm()
    if not form.validate_on_submit():
        return _papers_page(case, form, status=422 if form.errors else 200)
    try:
        online.require_owner_editable(case)
        file_document(
            current_actor(),
            unit_id=case.unit_id,
            type_code=form.type_code.data,
            upload=form.upload.data,
            resident_id=case.owner_id,
            source=online.SOURCE,
            source_id=case.id,
        )
        db.session.commit()
    except DomainError as error:
        show_domain_error(form, error)
        return _papers_page(case, form, status=422)
    flash(_("Thank you: the copy is in your file."), "success")
    return redirect(url_for("portal.move_in_papers", case_id=case.id), code=303)


# The appointment ---------------------------------------------------------------------------------------------------


def _booking_days():
    """The days the owner may pick: today and the next BOOKING_DAYS - 1."""
    first = today()
    return [first + timedelta(days=n) for n in range(BOOKING_DAYS)]


def _chosen_day(days):
    """The day asked for in ?day=, if it is one of `days`; else the first."""
    try:
        asked = datetime.strptime(request.args.get("day", ""), "%Y-%m-%d").date()
    except ValueError:
        return days[0]
    return asked if asked in days else days[0]


def _slot_page(case, form, day, *, status=200):
    """The days and the chosen day's slots (full ones disabled), or for htmx only the slots."""
    days = _booking_days()
    return render_page(
        "portal/movein/appointment.html",
        "portal/movein/_slots.html",
        case=case,
        form=form,
        days=days,
        day=day,
        slots=online.day_slots(case.property_id, day),
        editable=case.status in OWNER_EDITABLE,
        status=status,
    )


def _slot_time(text):
    """The slot's start as the page wrote it (ISO 8601, UTC), or None when it is not one."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@bp.route("/move-in/<int:case_id>/appointment", methods=["GET", "POST"])
def book_move_in_slot(case_id):
    """Pick a time at the desk in the next two weeks; a full or past slot is refused."""
    case = online.owner_case(current_user, case_id)
    days = _booking_days()
    form = SlotForm()
    if request.method == "GET":
        return _slot_page(case, form, _chosen_day(days))
    at = _slot_time(form.slot.data) if form.validate_on_submit() else None
    if at is None:
        if not form.errors:
            form.slot.errors = [_("Choose one of the times shown.")]
        return _slot_page(case, form, days[0], status=422)
    day = local_date(at)
    try:
        if day not in days:
            raise DomainError(_l("Choose a time in the next two weeks."), field="slot")
        book_appointment(current_actor(), case, at)
        db.session.commit()
    except DomainError as error:
        show_domain_error(form, error)
        return _slot_page(case, form, day if day in days else days[0], status=422)
    flash(_("Your appointment is booked. See you at the service desk."), "success")
    return client_redirect(url_for("portal.move_in"))
