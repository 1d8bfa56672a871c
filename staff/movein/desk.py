"""The day at the desk (SOP 2.4.2): the checklist (what is still missing, ticks with notes and counts, copies into the
owner's file), the proxy, the case's bill, the signatures on screen and 手续完成. The checklist region swaps itself
through htmx and announces "moveInChanged"; the case page includes _checklist.html and _signing.html."""

from urllib.parse import urlsplit

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _

from domain.accounts.roles import Permission, can
from domain.archives import move_in_papers
from domain.errors import DomainError
from domain.movein import checklist, completion, fees, signing
from domain.movein.cases import get_case
from domain.movein.models import CaseStatus
from domain.movein.workflow import DESK_EDITABLE, case_actions
from domain.property.buildings import get_property
from extensions import db
from staff import bp
from staff.movein.desk_forms import CopyForm, ProxyForm, SignForm, TickForm
from web.auth import current_actor, staff_permission
from web.htmx import is_fragment_request, render_page
from web.refusals import flash_domain_error, refuse_fragment, show_domain_error

#: The event other panels of the case page listen to after a change here.
CHANGED = "moveInChanged"


def _case(case_id):
    """The case of this property, or 404."""
    return get_case(case_id, get_property().id)


def desk_context(case, actor=None, **forms):
    """What _checklist.html and _signing.html show for `case`: the lines by kind, what is missing, the bill, the
    signatures, the forms (`forms` replaces the ones with errors). The case page may pass it as `desk`; the partials
    call it through the `move_in_desk` template global otherwise."""
    actor = actor or current_actor()
    at_desk = case.status == CaseStatus.AT_DESK
    may_handle = can(actor.role, Permission.HANDLE_MOVE_IN) if actor.role else False
    proxy_form = forms.get("proxy_form") or ProxyForm(
        formdata=None, data={"name": case.proxy_name, "phone": case.proxy_phone}
    )
    sign_forms = forms.get("sign_forms") or {}
    signatures = signing.case_signatures(case)
    return {
        "groups": checklist.checklist_groups(case),
        "missing": completion.what_is_missing(case, signatures) if case.status in DESK_EDITABLE else [],
        "at_desk": at_desk,
        "editable": may_handle and case.status in DESK_EDITABLE,
        "may_tick": may_handle and at_desk,
        "has_proxy": checklist.has_proxy(case),
        "signed_forms": checklist.SIGNED_FORMS,
        "copy_types": checklist.DOCUMENT_TYPES,
        "filed_copies": move_in_papers.filed_copies(case),
        "bill": fees.case_bill(case),
        "fee_preview": fees.fee_preview(case),
        "fees_settled": fees.fees_settled(case),
        "signing": signing.signing_view(case, signatures),
        "may_complete": "complete" in case_actions(actor, case),
        "tick_errors": forms.get("tick_errors") or {},
        "tick_typed": forms.get("tick_typed") or {},
        "proxy_form": proxy_form,
        "copy_form": CopyForm(formdata=None),
        "sign_forms": {
            purpose: sign_forms.get(purpose)
            or SignForm(formdata=None, data={"signer_role": "owner", "signer_name": case.owner.name})
            for purpose in signing.AGREEMENTS
        },
        "error": forms.get("error"),
    }


@bp.app_template_global("move_in_desk")
def desk_of(case):
    """The desk's context for `case` (for the case page's includes), worked out once per request: both partials ask."""
    cache = g.setdefault("move_in_desk", {})
    if case.id not in cache:
        cache[case.id] = desk_context(case)
    return cache[case.id]


def _desk_page(case, *, status=200, fragment="staff/movein/_checklist.html", **forms):
    """The desk's page of the case (or, for htmx, the region `fragment`), announcing a change on success."""
    return render_page(
        "staff/movein/desk.html",
        fragment,
        status=status,
        trigger=CHANGED if request.method == "POST" and status == 200 else None,
        case=case,
        actions=case_actions(current_actor(), case),
        desk=desk_context(case, **forms),
    )


def _back(case):
    """Where a button goes back to: the case's page it was pressed on (the case page or the desk's page), else the
    desk's page."""
    desk_page = url_for("staff.move_in_desk", case_id=case.id)
    came_from = urlsplit(request.referrer or "")
    if came_from.netloc == request.host and came_from.path in (desk_page, desk_page.removesuffix("/desk")):
        return came_from.path
    return desk_page


def _done(case, message):
    """After a change: the checklist region again for htmx, else post/redirect/get with the message."""
    if is_fragment_request():
        return _desk_page(case)
    flash(message, "success")
    return redirect(_back(case), code=303)


@bp.get("/move-in/<int:case_id>/desk")
@staff_permission(Permission.HANDLE_MOVE_IN)
def move_in_desk(case_id):
    """The day at the desk for one case: what is still missing, the checklist, the bill and the signatures; htmx
    gets the checklist region alone (it refreshes itself after a change elsewhere on the page)."""
    return _desk_page(_case(case_id))


@bp.get("/move-in/<int:case_id>/signing")
@staff_permission(Permission.HANDLE_MOVE_IN)
def move_in_signing(case_id):
    """The signing region (htmx: it refreshes itself after a change of the checklist, since the hand-over list's text
    follows the keys handed over); a normal request gets the desk's page."""
    return _desk_page(_case(case_id), fragment="staff/movein/_signing.html")


@bp.post("/move-in/<int:case_id>/items/<int:item_id>/tick")
@staff_permission(Permission.HANDLE_MOVE_IN)
def tick_move_in_item(case_id, item_id):
    """Tick a line: a paper seen, a form filled in, keys and cards handed over with their count."""
    case = _case(case_id)
    form = TickForm()
    typed = {item_id: {"note": request.form.get("note", ""), "handed_quantity": request.form.get("handed_quantity")}}
    if not form.validate_on_submit():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        status = 200 if is_fragment_request() else 422
        return _desk_page(case, status=status, tick_errors={item_id: errors}, tick_typed=typed)
    try:
        checklist.tick_item(
            current_actor(), case, item_id, note=form.note.data or "", handed_quantity=form.handed_quantity.data
        )
        db.session.commit()
    except DomainError as error:
        if error.field is None or error.status_code == 404:
            return refuse_fragment(error, back=_back(case))
        db.session.rollback()
        case = _case(case_id)
        status = 200 if is_fragment_request() else 422  # htmx swaps only 2xx answers
        return _desk_page(case, status=status, tick_errors={item_id: [str(error.message)]}, tick_typed=typed)
    return _done(case, _("Ticked."))


@bp.post("/move-in/<int:case_id>/items/<int:item_id>/untick")
@staff_permission(Permission.HANDLE_MOVE_IN)
def untick_move_in_item(case_id, item_id):
    """Take a tick back."""
    case = _case(case_id)
    try:
        checklist.untick_item(current_actor(), case, item_id)
        db.session.commit()
    except DomainError as error:
        return refuse_fragment(error, back=_back(case))
    return _done(case, _("The tick is taken back."))


@bp.post("/move-in/<int:case_id>/items/<int:item_id>/copy")
@staff_permission(Permission.HANDLE_MOVE_IN)
def file_move_in_copy(case_id, item_id):
    """File a scan or photo of a paper in the owner's file."""
    case = _case(case_id)
    form = CopyForm()
    try:
        if not form.validate_on_submit():
            raise DomainError(_("Choose a file to add."), field="upload")
        move_in_papers.file_move_in_copy(current_actor(), case, item_id, form.upload.data)
        db.session.commit()
    except DomainError as error:
        if error.status_code in (403, 404):
            return refuse_fragment(error, back=_back(case))
        db.session.rollback()
        case = _case(case_id)
        status = 200 if is_fragment_request() else 422
        return _desk_page(case, status=status, tick_errors={item_id: [str(error.message)]})
    return _done(case, _("The copy is in the owner's file."))


@bp.post("/move-in/<int:case_id>/proxy")
@staff_permission(Permission.HANDLE_MOVE_IN)
def record_move_in_proxy(case_id):
    """Record the proxy (受托人) with their ID; the proxy's papers become required."""
    case = _case(case_id)
    form = ProxyForm()
    if form.validate_on_submit():
        try:
            checklist.record_proxy(
                current_actor(), case, name=form.name.data, phone=form.phone.data, id_number=form.id_number.data
            )
            db.session.commit()
            return _done(case, _("The proxy is recorded."))
        except DomainError as error:
            if error.status_code in (403, 404, 409):
                return refuse_fragment(error, back=_back(case))
            show_domain_error(form, error)
            case = _case(case_id)
    return _desk_page(case, status=200 if is_fragment_request() else 422, proxy_form=form)


@bp.post("/move-in/<int:case_id>/proxy/clear")
@staff_permission(Permission.HANDLE_MOVE_IN)
def clear_move_in_proxy(case_id):
    """The owner comes in person after all: forget the proxy."""
    case = _case(case_id)
    try:
        checklist.clear_proxy(current_actor(), case)
        db.session.commit()
    except DomainError as error:
        return refuse_fragment(error, back=_back(case))
    return _done(case, _("The proxy is removed."))


@bp.post("/move-in/<int:case_id>/bill")
@staff_permission(Permission.HANDLE_MOVE_IN)
def bill_move_in(case_id):
    """Make the case's one bill of its fees (once); the desk then takes the money on the unit's bills page."""
    case = _case(case_id)
    try:
        fees.make_case_bill(current_actor(), case)
        db.session.commit()
    except DomainError as error:
        return refuse_fragment(error, back=_back(case))
    return _done(case, _("The bill is made: take the payment on the unit's bills page."))


@bp.post("/move-in/<int:case_id>/sign/<purpose>")
@staff_permission(Permission.HANDLE_MOVE_IN)
def sign_move_in_paper(case_id, purpose):
    """The owner (or proxy) signs a paper on the pad; the signed paper goes into the owner's file as a PDF."""
    case = _case(case_id)
    if purpose not in signing.AGREEMENTS:
        return refuse_fragment(DomainError(_("There is no such paper to sign.")), back=_back(case))
    form = SignForm()
    if form.validate_on_submit():
        try:
            signing.sign_paper(
                current_actor(),
                case,
                purpose,
                signer_role=form.signer_role.data,
                signer_name=form.signer_name.data,
                data_url=form.signature.data,
            )
            back = _back(case)
            db.session.commit()
            flash(_("Signed. The signed paper is in the owner's file."), "success")
            return redirect(back, code=303)
        except DomainError as error:
            if error.status_code in (403, 404):
                raise
            show_domain_error(form, error)
            case = _case(case_id)
    return _desk_page(case, status=422, fragment=None, sign_forms={purpose: form})


@bp.post("/move-in/<int:case_id>/complete")
@staff_permission(Permission.HANDLE_MOVE_IN)
def complete_move_in(case_id):
    """手续完成: refused with what is still missing, else the owner and household become residents of the unit."""
    case = _case(case_id)
    back = _back(case)
    try:
        completion.complete(current_actor(), case)
        db.session.commit()
    except DomainError as error:
        flash_domain_error(error)  # the message says what is still missing
    else:
        message = _("The move-in is complete: the owner and household are residents of %(unit)s.", unit=case.unit.label)
        flash(message, "success")
    return redirect(back, code=303)
