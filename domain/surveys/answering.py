"""The resident's side of a survey: the open surveys their households are asked, and answering one once per
household. An anonymous survey's answers are written without the resident or the unit; the participation row, which
has no link to them, is what refuses the household's second answer (also when two residents send at the same
moment: its primary key is the survey and the unit).

An anonymous survey the manager shows on the kiosk is also answered there by anyone, without signing in: those
answers go through the same `answer_survey`, marked as the kiosk's, with no resident, no unit and no participation
row (they count in each question's figures, not in the households' response rate)."""

import secrets
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from domain.clock import today
from domain.errors import Conflict, DomainError, NotFound
from domain.property.occupancies import resident_unit_ids
from domain.property.units import unit_labels
from domain.surveys.models import (
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyHousehold,
    SurveyParticipation,
    SurveyQuestion,
    SurveyStatus,
)
from domain.surveys.workflow import takes_answers
from extensions import db

MAX_TEXT = 1000


class Invitation(NamedTuple):
    """A survey one of the resident's households is asked: the unit, its label, and whether it has answered."""

    survey: Survey
    unit_id: int
    unit: str
    answered: bool


def _invitations(resident_id, day, survey_id=None):
    """[Invitation] for the resident's current units that an open survey asks (three statements)."""
    units = resident_unit_ids(resident_id, day)
    if not units:
        return []
    query = (
        select(Survey, SurveyHousehold.unit_id)
        .join(SurveyHousehold, SurveyHousehold.survey_id == Survey.id)
        .where(SurveyHousehold.unit_id.in_(units), Survey.status != SurveyStatus.DRAFT)
        .order_by(Survey.closes_on, Survey.id, SurveyHousehold.unit_id)
    )
    if survey_id is not None:
        query = query.where(Survey.id == survey_id)
    rows = db.session.execute(query).all()
    if not rows:
        return []
    answered = set(
        db.session.execute(
            select(SurveyParticipation.survey_id, SurveyParticipation.unit_id).where(
                SurveyParticipation.survey_id.in_({s.id for s, _u in rows}), SurveyParticipation.unit_id.in_(units)
            )
        ).all()
    )
    labels = unit_labels(units)
    return [Invitation(s, unit_id, labels.get(unit_id, ""), (s.id, unit_id) in answered) for s, unit_id in rows]


def open_invitations(resident_id, day=None):
    """The resident's invitations to surveys taking answers today, the unanswered first."""
    day = day or today()
    found = [i for i in _invitations(resident_id, day) if takes_answers(i.survey, day)]
    return sorted(found, key=lambda i: i.answered)


def resident_survey(resident_id, survey_id, day=None):
    """(survey, [Invitation]) for a survey asking one of the resident's households (open or closed); NotFound for
    any other, so a survey of other buildings does not show that it exists."""
    found = _invitations(resident_id, day or today(), survey_id)
    if not found:
        raise NotFound()
    return found[0].survey, found


def kiosk_surveys(property_id, day=None):
    """The property's surveys the kiosk offers on `day`: shown on the kiosk and taking answers, the one closing
    first first (one statement)."""
    day = day or today()
    found = db.session.scalars(
        select(Survey)
        .where(Survey.property_id == property_id, Survey.shown_on_kiosk.is_(True), Survey.status == SurveyStatus.OPEN)
        .order_by(Survey.closes_on, Survey.id)
    ).all()
    return [s for s in found if takes_answers(s, day)]


def kiosk_survey(property_id, survey_id):
    """A survey of the property shown on the kiosk (open or closed), or NotFound (a draft, another property's, one
    the kiosk does not show)."""
    survey = db.session.get(Survey, survey_id) if survey_id else None
    if (
        survey is None
        or survey.property_id != property_id
        or not survey.shown_on_kiosk
        or survey.status == SurveyStatus.DRAFT
    ):
        raise NotFound()
    return survey


def _choice(question, raw):
    """The option index a posted value names, or a DomainError."""
    if not str(raw).isdigit() or int(raw) >= len(question.options):
        raise DomainError(_l("Choose one of the options."), field=f"q{question.id}")
    return int(raw)


def clean_answers(questions, posted):
    """[(question, choice, scale, text)] rows from `posted` ({question id: [values]}), every required question
    answered; a DomainError on the first question missing or wrong (its field is "q<id>")."""
    rows = []
    for question in questions:
        values = [str(v).strip() for v in posted.get(question.id, []) if str(v).strip()]
        field = f"q{question.id}"
        if not values:
            if question.is_required:
                raise DomainError(_l("Please answer this question."), field=field)
            continue
        if question.kind == QuestionKind.SINGLE:
            rows.append((question, _choice(question, values[0]), None, None))
        elif question.kind == QuestionKind.MULTIPLE:
            rows.extend((question, choice, None, None) for choice in sorted({_choice(question, v) for v in values}))
        elif question.kind == QuestionKind.SCALE:
            if values[0] not in {"1", "2", "3", "4", "5"}:
                raise DomainError(_l("Choose a value from 1 to 5."), field=field)
            rows.append((question, None, int(values[0]), None))
        else:
            text = values[0]
            if len(text) > MAX_TEXT:
                raise DomainError(_l("Write at most %(count)s characters.", count=MAX_TEXT), field=field)
            rows.append((question, None, None, text))
    return rows


def answer_survey(resident_id, survey_id, unit_id, posted, day=None, *, kiosk=None):
    """Record the household's answer: `posted` is {question id: [values]}. Refused when the survey does not ask the
    resident's unit (NotFound), takes no answers today, or the household has answered (Conflict, also for the second
    of two answers sent at once). The caller commits.

    With `kiosk` (a lobby kiosk; resident_id and unit_id None) it is an answer sent there: the survey must be one
    of the kiosk's property shown on the kiosk (else NotFound), and the answer is stored as the kiosk's, without
    anyone's resident or unit and without a household's participation. The questions are checked the same way."""
    day = day or today()
    if kiosk is None:
        survey, invitations = resident_survey(resident_id, survey_id, day)
        invitation = next((i for i in invitations if i.unit_id == unit_id), None)
        if invitation is None:
            raise NotFound()
    else:
        if resident_id is not None or unit_id is not None:
            raise ValueError("a kiosk's answer belongs to nobody")
        survey, invitation = kiosk_survey(kiosk.property_id, survey_id), None
    if not takes_answers(survey, day):
        raise DomainError(_l("This survey is closed: it no longer takes answers."))
    if invitation is not None and invitation.answered:
        raise Conflict(_l("Your household has already answered this survey. Thank you!"))
    questions = db.session.scalars(
        select(SurveyQuestion).where(SurveyQuestion.survey_id == survey.id).order_by(SurveyQuestion.position)
    ).all()
    rows = clean_answers(questions, posted)
    if invitation is not None:
        try:
            with db.session.begin_nested():
                db.session.execute(
                    insert(SurveyParticipation).values(
                        property_id=survey.property_id, survey_id=survey.id, unit_id=unit_id, answered_on=day
                    )
                )
        except IntegrityError:
            raise Conflict(_l("Your household has already answered this survey. Thank you!")) from None
    key = secrets.token_hex(16)
    who = {} if survey.is_anonymous or kiosk is not None else {"resident_id": resident_id, "unit_id": unit_id}
    if rows:
        db.session.execute(
            insert(SurveyAnswer),
            [
                {
                    "property_id": survey.property_id,
                    "survey_id": survey.id,
                    "question_id": question.id,
                    "response_key": key,
                    "resident_id": who.get("resident_id"),
                    "unit_id": who.get("unit_id"),
                    "choice": choice,
                    "scale": scale,
                    "text": text,
                    "from_kiosk": kiosk is not None,
                }
                for question, choice, scale, text in rows
            ],
        )
    return survey
