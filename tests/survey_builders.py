"""Builders for surveys: a survey with questions of each kind, opened for the households asked, and answers written
through the service."""

from datetime import timedelta

from domain.accounts.models import Actor
from domain.clock import today
from domain.surveys import answering, services
from extensions import db

#: The questions of `create_survey`: (kind, text, options, required, department).
QUESTIONS = (
    ("single", "您对物业服务总体是否满意？", "满意 | Satisfied\n一般 | Neutral\n不满意 | Dissatisfied", True, ""),
    ("multiple", "您希望改进哪些方面？", "保洁 | Cleaning\n安保 | Security\n维修 | Repairs", False, ""),
    ("scale", "维修质量评分", "", True, "engineering"),
    ("text", "其他意见", "", False, ""),
)


def create_survey(prop, *, anonymous=True, audience="all", building_ids=(), open_it=True, title="满意度调查"):
    """A survey of `prop` with the four QUESTIONS, running from today for two weeks; opened unless open_it=False.
    Returns (survey, [questions])."""
    actor = Actor.system("test")
    survey = services.create_survey(
        actor,
        prop.id,
        title_zh=title,
        title_en="Satisfaction survey",
        intro_zh="感谢您的参与",
        intro_en="",
        is_anonymous=anonymous,
        audience=audience,
        building_ids=[str(i) for i in building_ids],
        opens_on=today(),
        closes_on=today() + timedelta(days=14),
    )
    questions = [
        services.add_question(
            actor, survey, kind=kind, text_zh=text, text_en="", options=options, is_required=required, department=dept
        )
        for kind, text, options, required, dept in QUESTIONS
    ]
    if open_it:
        services.open_survey(actor, survey)
    db.session.commit()
    return survey, questions


def answer(survey, questions, resident, unit, *, single="0", multiple=(), scale="5", text=""):
    """`resident`'s answer for `unit`, through the service."""
    single_q, multiple_q, scale_q, text_q = questions
    answering.answer_survey(
        resident.id,
        survey.id,
        unit.id,
        {single_q.id: [single], multiple_q.id: list(multiple), scale_q.id: [scale], text_q.id: [text]},
    )
    db.session.commit()
