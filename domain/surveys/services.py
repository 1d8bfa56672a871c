"""The manager's side of a survey (1.1.19): writing a draft and its questions, opening it (the households asked are
fixed then and told) and closing it. Every change is audited; the caller commits."""

from datetime import date, timedelta

from flask_babel import LazyString, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, insert, literal, select

from domain.accounts.roles import Permission, require
from domain.audit.services import diff, record
from domain.clock import start_of_local_day, today, utcnow
from domain.dates import month_before
from domain.errors import DomainError, NotFound
from domain.notify.services import households, notice_batch
from domain.property.models import Building, Occupancy, Unit
from domain.surveys.models import (
    Audience,
    QuestionKind,
    Survey,
    SurveyHousehold,
    SurveyParticipation,
    SurveyQuestion,
    SurveyStatus,
)
from domain.surveys.workflow import check_survey
from domain.tickets.models import Department, Ticket
from extensions import db

MAX_TITLE = 120
MAX_INTRO = 2000
MAX_QUESTION = 300
MAX_OPTION = 100
MAX_OPTIONS = 12
MAX_QUESTIONS = 40
#: The longest period a survey stays open.
MAX_DAYS = 92


def get_survey(survey_id, property_id):
    """One survey of the property, or NotFound."""
    survey = db.session.get(Survey, survey_id)
    if survey is None or survey.property_id != property_id:
        raise NotFound()
    return survey


def get_question(survey, question_id):
    """One question of the survey, or NotFound."""
    question = db.session.get(SurveyQuestion, question_id)
    if question is None or question.survey_id != survey.id:
        raise NotFound()
    return question


def questions_of(survey_id):
    """The survey's questions in order (one statement)."""
    return db.session.scalars(
        select(SurveyQuestion).where(SurveyQuestion.survey_id == survey_id).order_by(SurveyQuestion.position)
    ).all()


def list_surveys(property_id):
    """The property's surveys, newest first, with how many households each asks and how many answered: [(survey,
    asked, answered)] in three statements."""
    surveys = db.session.scalars(
        select(Survey).where(Survey.property_id == property_id).order_by(Survey.opens_on.desc(), Survey.id.desc())
    ).all()
    asked = dict(
        db.session.execute(
            select(SurveyHousehold.survey_id, func.count())
            .where(SurveyHousehold.property_id == property_id)
            .group_by(SurveyHousehold.survey_id)
        ).all()
    )
    answered = dict(
        db.session.execute(
            select(SurveyParticipation.survey_id, func.count())
            .where(SurveyParticipation.property_id == property_id)
            .group_by(SurveyParticipation.survey_id)
        ).all()
    )
    return [(s, asked.get(s.id, 0), answered.get(s.id, 0)) for s in surveys]


def _text(value, field, limit, message=None):
    """A stripped text, required when `message` is given, at most `limit` characters."""
    value = (value or "").strip()
    if message and not value:
        raise DomainError(message, field=field)
    if len(value) > limit:
        raise DomainError(_l("Write at most %(count)s characters.", count=limit), field=field)
    return value


def _clean_survey(property_id, values):
    """The survey's fields checked and normalised, or a DomainError on the first bad one."""
    clean = {
        "title_zh": _text(values.get("title_zh"), "title_zh", MAX_TITLE, _l("Give the survey a Chinese title.")),
        "title_en": _text(values.get("title_en"), "title_en", MAX_TITLE),
        "intro_zh": _text(values.get("intro_zh"), "intro_zh", MAX_INTRO),
        "intro_en": _text(values.get("intro_en"), "intro_en", MAX_INTRO),
        "is_anonymous": bool(values.get("is_anonymous")),
        "shown_on_kiosk": bool(values.get("shown_on_kiosk")),
    }
    if clean["shown_on_kiosk"] and not clean["is_anonymous"]:
        raise DomainError(
            _l("Only an anonymous survey can be shown on the kiosk: nobody signs in there."), field="shown_on_kiosk"
        )
    try:
        clean["audience"] = Audience(values.get("audience"))
    except ValueError:
        raise DomainError(_l("Choose who is asked."), field="audience") from None
    ids = []
    if clean["audience"] == Audience.BUILDINGS:
        wanted = {int(i) for i in values.get("building_ids") or [] if str(i).isdigit()}
        ids = sorted(
            db.session.scalars(
                select(Building.id).where(Building.property_id == property_id, Building.id.in_(wanted))
            ).all()
        )
        if not ids:
            raise DomainError(_l("Choose at least one building."), field="building_ids")
    clean["building_ids"] = ids
    opens_on, closes_on = values.get("opens_on"), values.get("closes_on")
    if not isinstance(opens_on, date):
        raise DomainError(_l("Give the first day of the survey."), field="opens_on")
    if not isinstance(closes_on, date):
        raise DomainError(_l("Give the last day of the survey."), field="closes_on")
    if closes_on < opens_on:
        raise DomainError(_l("The last day cannot be before the first day."), field="closes_on")
    if closes_on < today():
        raise DomainError(_l("The last day cannot be in the past."), field="closes_on")
    if (closes_on - opens_on).days >= MAX_DAYS:
        raise DomainError(_l("A survey runs for at most %(n)s days.", n=MAX_DAYS), field="closes_on")
    clean["opens_on"], clean["closes_on"] = opens_on, closes_on
    return clean


def create_survey(actor, property_id, **values):
    """A new draft survey: titles and intros (zh, en), anonymous or not, shown on the kiosk or not (anonymous
    only), the audience (all / buildings with
    building_ids / recent_ticket) and its first and last day. Audited."""
    require(actor, Permission.MANAGE_SURVEYS)
    survey = Survey(property_id=property_id, created_by_id=actor.user_id, **_clean_survey(property_id, values))
    db.session.add(survey)
    db.session.flush()
    record(actor, "survey.create", survey, summary=survey.title_zh)
    return survey


def update_survey(actor, survey, **values):
    """Change a draft's fields (as `create_survey` takes them). Audited."""
    require(actor, Permission.MANAGE_SURVEYS)
    check_survey(actor, "edit", survey)
    changes = diff(survey, _clean_survey(survey.property_id, values))
    if changes:
        record(actor, "survey.update", survey, summary=survey.title_zh, changes=changes)
    return survey


def parse_options(text):
    """Options typed one a line, "中文 | English" (the English optional), as [{"zh", "en"}]; a DomainError for a
    line too long or too many lines."""
    options = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        zh, _sep, en = line.partition("|")
        zh, en = zh.strip(), en.strip()
        if not zh:
            raise DomainError(_l("Start each option with its Chinese text."), field="options")
        if len(zh) > MAX_OPTION or len(en) > MAX_OPTION:
            raise DomainError(_l("Keep each option under %(n)s characters.", n=MAX_OPTION), field="options")
        options.append({"zh": zh, "en": en})
    if len(options) > MAX_OPTIONS:
        raise DomainError(_l("At most %(n)s options.", n=MAX_OPTIONS), field="options")
    return options


def options_text(options):
    """The options as the form shows them, one a line."""
    return "\n".join(f"{o['zh']} | {o['en']}" if o.get("en") else o["zh"] for o in options)


def _clean_question(values):
    """A question's fields checked and normalised."""
    try:
        kind = QuestionKind(values.get("kind"))
    except ValueError:
        raise DomainError(_l("Choose the kind of question."), field="kind") from None
    department = values.get("department") or None
    if department is not None:
        try:
            department = Department(department)
        except ValueError:
            raise DomainError(_l("Choose a department from the list."), field="department") from None
    options = parse_options(values.get("options")) if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) else []
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(options) < 2:
        raise DomainError(_l("A choice question needs at least two options, one a line."), field="options")
    return {
        "kind": kind,
        "text_zh": _text(values.get("text_zh"), "text_zh", MAX_QUESTION, _l("Write the question in Chinese.")),
        "text_en": _text(values.get("text_en"), "text_en", MAX_QUESTION),
        "options": options,
        "is_required": bool(values.get("is_required")),
        "department": department,
    }


def add_question(actor, survey, **values):
    """Add a question at the end of a draft: kind, text_zh, text_en, options (one a line), is_required,
    department. Audited."""
    require(actor, Permission.MANAGE_SURVEYS)
    check_survey(actor, "edit", survey)
    clean = _clean_question(values)
    count, last = db.session.execute(
        select(func.count(), func.max(SurveyQuestion.position)).where(SurveyQuestion.survey_id == survey.id)
    ).one()
    if count >= MAX_QUESTIONS:
        raise DomainError(_l("A survey has at most %(n)s questions.", n=MAX_QUESTIONS))
    question = SurveyQuestion(property_id=survey.property_id, survey_id=survey.id, position=(last or 0) + 1, **clean)
    db.session.add(question)
    db.session.flush()
    record(actor, "survey.question_add", survey, summary=question.text_zh)
    return question


def update_question(actor, survey, question, **values):
    """Change a draft's question. Audited."""
    require(actor, Permission.MANAGE_SURVEYS)
    check_survey(actor, "edit", survey)
    changes = diff(question, _clean_question(values))
    if changes:
        record(actor, "survey.question_update", survey, summary=question.text_zh, changes=changes)
    return question


def remove_question(actor, survey, question):
    """Take a question out of a draft. Audited."""
    require(actor, Permission.MANAGE_SURVEYS)
    check_survey(actor, "edit", survey)
    db.session.delete(question)
    db.session.flush()
    record(actor, "survey.question_remove", survey, summary=question.text_zh)


def move_question(actor, survey, question, direction):
    """Swap a draft's question with the one before ("up") or after ("down"); nothing at either end."""
    require(actor, Permission.MANAGE_SURVEYS)
    check_survey(actor, "edit", survey)
    ordered = questions_of(survey.id)
    at = next(i for i, q in enumerate(ordered) if q.id == question.id)
    other = at - 1 if direction == "up" else at + 1
    if not 0 <= other < len(ordered):
        return
    neighbour = ordered[other]
    question.position, neighbour.position = neighbour.position, question.position
    db.session.flush()
    record(actor, "survey.question_move", survey, summary=question.text_zh)


def _asked_units(survey, day):
    """A select of the unit ids the survey asks on `day`: units with a current resident, of the chosen buildings, or
    whose unit had a ticket since the same day last month."""
    units = (
        select(Unit.id)
        .join(Building, Unit.building_id == Building.id)
        .where(
            Building.property_id == survey.property_id,
            Unit.id.in_(select(Occupancy.unit_id).where(Occupancy.is_current(day))),
        )
    )
    if survey.audience == Audience.BUILDINGS:
        units = units.where(Building.id.in_(survey.building_ids))
    elif survey.audience == Audience.RECENT_TICKET:
        since = start_of_local_day(month_before(day))
        units = units.where(
            Unit.id.in_(
                select(distinct(Ticket.unit_id)).where(
                    Ticket.property_id == survey.property_id, Ticket.unit_id.is_not(None), Ticket.created_at >= since
                )
            )
        )
    return units


def _opened_message(survey):
    """What a resident is told, in their language (rendered when it is sent)."""

    def text():
        return _(
            "A survey is open for your household until %(day)s: %(title)s. Answer it under Surveys in the portal.",
            day=survey.closes_on.isoformat(),
            title=survey.title(get_locale()),
        )

    return LazyString(text)


def open_survey(actor, survey, now=None, *, tell=True):
    """Open a draft with at least one question: the households it asks are fixed now (one statement) and each of
    their current residents is told (a notice batch; tell=False for a survey the demo loads as already over).
    Returns how many households are asked. Audited."""
    require(actor, Permission.MANAGE_SURVEYS)
    check_survey(actor, "open", survey)
    now = now or utcnow()
    day = today()
    if not db.session.scalar(select(func.count()).where(SurveyQuestion.survey_id == survey.id)):
        raise DomainError(_l("Add at least one question before opening the survey."))
    if survey.closes_on < day:
        raise DomainError(_l("The survey's last day has passed: change its period first."), field="closes_on")
    units = _asked_units(survey, day).subquery()
    db.session.execute(
        insert(SurveyHousehold).from_select(
            ["property_id", "survey_id", "unit_id"],
            select(literal(survey.property_id), literal(survey.id), units.c.id),
        )
    )
    survey.status = SurveyStatus.OPEN
    survey.opened_at = now
    db.session.flush()
    asked = select(SurveyHousehold.unit_id).where(SurveyHousehold.survey_id == survey.id)
    told = {}
    for household in households(asked, day).values() if tell else ():
        for to in household:
            told.setdefault(to.resident_id, to)
    message = _opened_message(survey)
    with notice_batch(now) as tell:
        for to in told.values():
            tell(to, message, _l("A survey for your household"))
    count = db.session.scalar(select(func.count()).select_from(asked.subquery()))
    record(actor, "survey.open", survey, summary=f"{survey.title_zh}: {count}")
    return count


def close_survey(actor, survey, now=None):
    """Close an open survey before its last day: no more answers. Audited."""
    require(actor, Permission.MANAGE_SURVEYS)
    check_survey(actor, "close", survey)
    survey.status = SurveyStatus.CLOSED
    survey.closed_at = now or utcnow()
    db.session.flush()
    record(actor, "survey.close", survey, summary=survey.title_zh)


#: How long a new survey runs unless the manager says otherwise.
DEFAULT_DAYS = timedelta(days=14)
