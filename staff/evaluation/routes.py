"""Staff evaluation (SOP 16): the manager's month of scorecards by role, a person's card (the manager's and that
person's only) with the manager's own score, comments and sign-off, and the weights per role."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from domain.accounts.roles import Permission, Role, can
from domain.clock import today
from domain.dates import month_after, month_before, parse_month
from domain.errors import DomainError
from domain.evaluation import services
from domain.evaluation.figures import BY_KEY, EVALUATED_ROLES, FIGURES
from domain.property.buildings import get_property_id
from extensions import db
from staff import bp
from staff.evaluation.forms import ReviewForm, SchemeForm
from staff.evaluation.pages import figure_links
from web.auth import current_actor, staff_permission
from web.refusals import flash_refusal, show_domain_error


def _month():
    """The first day of the ?month=YYYY-MM asked for, or of last month (the one to sign) by default."""
    days = parse_month(request.args.get("month", "")[:7])
    return days[0] if days else month_before(today().replace(day=1))


@bp.get("/evaluation/")
@staff_permission(Permission.EVALUATE_STAFF)
def list_scorecards():
    """The month's scorecards of every evaluated staff member, by role, best first, with rank and sign-off."""
    first = _month()
    return render_template(
        "staff/evaluation/index.html",
        month=first,
        previous=month_before(first),
        following=month_after(first) if month_after(first) <= today() else None,
        cards=services.month_cards(get_property_id(), first),
        roles=EVALUATED_ROLES,
    )


def _card_page(user_id, first, form=None, status=200):
    """A person's card for the month, its trend and, for the manager, the review form."""
    actor = current_actor()
    card = services.card_of(actor, get_property_id(), user_id, first)
    if form is None:
        data = {"manager_score": card.row.manager_score if card.row else None}
        form = ReviewForm(formdata=None, data=data | {"comments": card.row.comments if card.row else ""})
    return render_template(
        "staff/evaluation/card.html",
        card=card,
        figures=[BY_KEY[key] for key in card.figures if key in BY_KEY],
        links=figure_links(card, current_user.role, current_user.id),
        points=services.trend(actor, get_property_id(), user_id, first),
        form=form,
        own=card.user_id == current_user.id,
        manager=can(current_user.role, Permission.EVALUATE_STAFF),
        may_sign=month_after(first) <= today(),
        previous=month_before(first),
        following=month_after(first) if month_after(first) <= today() else None,
    ), status


@bp.get("/evaluation/people/<int:user_id>")
def show_scorecard(user_id):
    """A person's scorecard of ?month= (last month by default): the manager's and that person's only."""
    return _card_page(user_id, _month())


@bp.get("/evaluation/mine")
@staff_permission(Permission.SEE_OWN_EVALUATION)
def my_scorecard():
    """The signed-in staff member's own scorecard."""
    return _card_page(current_user.id, _month())


@bp.post("/evaluation/people/<int:user_id>/review")
@staff_permission(Permission.EVALUATE_STAFF)
def review_scorecard(user_id):
    """The manager's own score and comments on a person's month, until the card is signed."""
    first = _month()
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            services.review(
                current_actor(),
                get_property_id(),
                user_id,
                first,
                manager_score=form.manager_score.data,
                comments=form.comments.data,
            )
            db.session.commit()
            flash(_("Review saved."), "success")
            return redirect(url_for("staff.show_scorecard", user_id=user_id, month=first.strftime("%Y-%m")), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _card_page(user_id, first, form=form, status=422)


@bp.post("/evaluation/people/<int:user_id>/sign")
@staff_permission(Permission.EVALUATE_STAFF)
def sign_scorecard(user_id):
    """Sign a person's card of an ended month: it is kept as it is now."""
    first = _month()
    with flash_refusal():
        services.sign(current_actor(), get_property_id(), user_id, first)
        db.session.commit()
        flash(_("Scorecard signed."), "success")
    return redirect(url_for("staff.show_scorecard", user_id=user_id, month=first.strftime("%Y-%m")), code=303)


@bp.route("/evaluation/weights/<role>", methods=["GET", "POST"])
@staff_permission(Permission.EVALUATE_STAFF)
def edit_evaluation_weights(role):
    """A role's weights and targets: which figures count and how much."""
    if role not in {r.value for r in EVALUATED_ROLES}:
        abort(404)
    role = Role(role)
    scheme = services.schemes(get_property_id())[role]
    data = {f"weight_{key}": weight for key, (weight, _target) in scheme.items()}
    data |= {f"target_{key}": target for key, (_weight, target) in scheme.items()}
    form = SchemeForm(formdata=None, data=data)
    if request.method == "POST":
        form = SchemeForm()
        if form.validate_on_submit():
            values = {
                figure.key: (
                    form[f"weight_{figure.key}"].data,
                    form[f"target_{figure.key}"].data if f"target_{figure.key}" in form else None,
                )
                for figure in FIGURES
            }
            try:
                services.save_scheme(current_actor(), get_property_id(), role, values)
                db.session.commit()
                flash(_("Weights saved."), "success")
                return redirect(url_for("staff.list_scorecards"), code=303)
            except DomainError as error:
                show_domain_error(form, error)
    return render_template(
        "staff/evaluation/weights.html", form=form, role=role, figures=FIGURES, roles=EVALUATED_ROLES
    ), 422 if request.method == "POST" else 200
