"""Opinion surveys in the portal: the open surveys the resident's households are asked, and the answer form (phone
first). A household answers once; a survey that does not ask the resident's units answers 404."""

from flask import flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField

from domain.errors import DomainError
from domain.property.residents import resident_for_user
from domain.surveys import answering
from domain.surveys.services import questions_of
from domain.surveys.workflow import takes_answers
from extensions import db
from portal import bp
from web.htmx import render_page
from web.refusals import refusal_message, show_domain_error


class AnswerForm(FlaskForm):
    """The answer form's CSRF token and household; the answers are read question by question."""

    unit_id = HiddenField()


@bp.get("/surveys")
def list_surveys():
    """The surveys open for the resident's households, those not yet answered first."""
    resident = resident_for_user(current_user)
    return render_page(
        "portal/surveys/index.html",
        invitations=answering.open_invitations(resident.id),
        locale=str(get_locale()),
    )


def _page(survey, invitations, form, posted=None, *, errors=None, status=200):
    """The survey's page: its questions with what was typed and any message under its question, or that the
    household has answered."""
    waiting = [i for i in invitations if not i.answered]
    unit_id = int(form.unit_id.data) if str(form.unit_id.data or "").isdigit() else None
    current = next((i for i in waiting if i.unit_id == unit_id), waiting[0] if waiting else None)
    return render_page(
        "portal/surveys/show.html",
        status=status,
        survey=survey,
        questions=questions_of(survey.id),
        invitation=current,
        invitations=invitations,
        is_open=takes_answers(survey),
        posted=posted or {},
        errors=errors or {},
        form=form,
        locale=str(get_locale()),
    )


@bp.get("/surveys/<int:survey_id>")
def show_survey(survey_id):
    """A survey asking one of the resident's households: the questions, or that the household has answered."""
    resident = resident_for_user(current_user)
    survey, invitations = answering.resident_survey(resident.id, survey_id)
    return _page(survey, invitations, AnswerForm(formdata=None))


@bp.post("/surveys/<int:survey_id>")
def answer_survey(survey_id):
    """The household's answer. A required question left out keeps what was typed and says which (422); a household
    that has answered, or a closed survey, is told so (409)."""
    resident = resident_for_user(current_user)
    survey, invitations = answering.resident_survey(resident.id, survey_id)
    form = AnswerForm()
    posted = {q.id: request.form.getlist(f"q{q.id}") for q in questions_of(survey.id)}
    unit_id = int(form.unit_id.data) if str(form.unit_id.data or "").isdigit() else None
    errors, status = {}, 422
    if form.validate():
        try:
            answering.answer_survey(resident.id, survey.id, unit_id, posted)
            db.session.commit()
            flash(_("Thank you: your household's answer is recorded."), "success")
            return redirect(url_for("portal.show_survey", survey_id=survey.id), code=303)
        except DomainError as refused:
            if refused.status_code == 404:
                raise
            if refused.field:
                errors[refused.field] = refusal_message(refused)
                form.form_errors.append(_("Please check the questions marked below."))
            else:
                show_domain_error(form, refused)
                status = refused.status_code
        survey, invitations = answering.resident_survey(resident.id, survey_id)
    return _page(survey, invitations, form, posted, errors=errors, status=status)
