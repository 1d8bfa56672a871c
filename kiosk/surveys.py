"""A short public survey at the kiosk: the questions in big touch controls, answered anonymously without signing
in, then a thank-you screen that goes back to the start."""

from flask import g, render_template, request
from flask_babel import get_locale

from domain.errors import DomainError
from domain.kiosk import surveys as kiosk_surveys
from domain.surveys.answering import kiosk_survey
from domain.surveys.services import questions_of
from extensions import db
from kiosk import bp
from web.refusals import refusal_message


def _form(survey, token, *, posted=None, errors=None, status=200):
    """The survey's questions with what was chosen kept and any message under its question."""
    return render_template(
        "kiosk/survey.html",
        survey=survey,
        questions=questions_of(survey.id),
        token=token,
        posted=posted or {},
        errors=errors or {},
        locale=str(get_locale()),
    ), status


def _ended(message):
    """The survey cannot be answered with this form (closed, or the form was already sent): say so, back home."""
    return render_template("kiosk/survey_done.html", message=message), 409


@bp.get("/survey/<int:survey_id>")
def show_survey(survey_id):
    """The survey's questions, on a form that can be sent once."""
    try:
        survey, token = kiosk_surveys.start(g.kiosk, survey_id)
        db.session.commit()
    except DomainError as error:
        if error.status_code == 404:
            raise
        return _ended(refusal_message(error))
    return _form(survey, token)


@bp.post("/survey/<int:survey_id>")
def answer_survey(survey_id):
    """One anonymous answer. A required question left out keeps what was chosen and says which (422); a form sent
    twice or timed out, or a survey closed meanwhile, is told so (409)."""
    survey = kiosk_survey(g.kiosk.property_id, survey_id)
    posted = {q.id: request.form.getlist(f"q{q.id}") for q in questions_of(survey.id)}
    token = request.form.get("token", "")
    try:
        kiosk_surveys.answer(g.kiosk, survey.id, token, posted)
        db.session.commit()
    except DomainError as error:
        message = refusal_message(error)
        if not error.field:
            return _ended(message)
        return _form(survey, token, posted=posted, errors={error.field: message}, status=422)
    return render_template("kiosk/survey_done.html", message=None)
