"""Answering a survey at the kiosk: anyone may answer an anonymous survey the manager shows there, without signing
in. Each showing of the form opens a short errand whose token the form carries; the answer uses it up, so a form
sent twice, or sent again from the browser's history, stores one answer. The answer itself is checked and stored by
the portal's `answer_survey`, as the kiosk's."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l

from domain.errors import Conflict, DomainError, NotFound
from domain.kiosk.sessions import end_session, live_session, open_session
from domain.surveys import answering
from domain.surveys.workflow import takes_answers

FLOW = "survey"
#: Long enough to read and answer a short survey; the idle reset ends it sooner when nobody is there.
SURVEY_TIME = timedelta(minutes=15)


class AnswerAlreadySent(Conflict):
    """The form's errand is over: its answer was sent, or it timed out, or the kiosk went back to its start."""

    default_message = _l("This form has already been sent, or it waited too long. Thank you!")


def start(kiosk, survey_id, now=None):
    """Show the survey on the kiosk: returns (survey, token for the form). NotFound for a survey the kiosk does not
    show; a DomainError when it takes no more answers."""
    survey = answering.kiosk_survey(kiosk.property_id, survey_id)
    if not takes_answers(survey):
        raise DomainError(_l("This survey is closed: it no longer takes answers."))
    _session, token = open_session(kiosk, FLOW, {"survey_id": survey.id}, SURVEY_TIME, now)
    return survey, token


def answer(kiosk, survey_id, token, posted, now=None):
    """Record one anonymous answer from the kiosk with the form's token, which it uses up: AnswerAlreadySent for a
    token already used, timed out or not this survey's. A bad answer raises the DomainError of `answer_survey`
    (its field is the question's); the caller then rolls back, which keeps the token for the corrected form. The
    caller commits."""
    try:
        session = live_session(kiosk, token, FLOW, now)
    except NotFound:
        raise AnswerAlreadySent() from None
    if session.data.get("survey_id") != survey_id or not end_session(kiosk, token, FLOW, now):
        raise AnswerAlreadySent()
    return answering.answer_survey(None, survey_id, None, posted, kiosk=kiosk)
