"""Opinion surveys (对客意见征询): a survey with its questions, the households it asks (fixed when it opens), which
households answered (once each), and the answers.

An anonymous survey's answers carry no resident and no unit: the participation row (survey, unit, day) is what stops
a household answering twice, and nothing links it to the answers. Its primary key is the pair itself (no row number
in the order of answering) and it keeps only the day, so the answers cannot be matched to it by order or time."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.clock import utcnow
from domain.tickets.models import Department
from domain.types import PropertyOwned, UTCDateTime, value_enum
from extensions import db


class Audience(str, enum.Enum):
    """Who is asked: every household, the households of chosen buildings, or those with a ticket in the last month."""

    ALL = "all"
    BUILDINGS = "buildings"
    RECENT_TICKET = "recent_ticket"


class SurveyStatus(str, enum.Enum):
    """A draft is edited; an open survey takes answers until its last day; a closed one is only read."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class QuestionKind(str, enum.Enum):
    """One choice, several choices, a 1-5 scale or free text."""

    SINGLE = "single"
    MULTIPLE = "multiple"
    SCALE = "scale"
    TEXT = "text"


class Survey(PropertyOwned, db.Model):
    """A survey of the property's households: its title and intro in Chinese and English, whom it asks, its period
    (property-local days) and whether its answers are anonymous."""

    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint("closes_on >= opens_on", name="period_ordered"),
        # Nobody signs in at a kiosk: only an anonymous survey may take answers there.
        CheckConstraint("NOT shown_on_kiosk OR is_anonymous", name="kiosk_only_anonymous"),
        Index("ix_surveys_property", "property_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    title_zh: Mapped[str] = mapped_column(String(120))
    #: Empty: the Chinese title is shown in English too.
    title_en: Mapped[str] = mapped_column(String(120), default="")
    intro_zh: Mapped[str] = mapped_column(Text, default="")
    intro_en: Mapped[str] = mapped_column(Text, default="")
    #: Anonymous: the answers keep neither the resident nor the unit.
    is_anonymous: Mapped[bool] = mapped_column(default=True)
    #: Also answered by anyone at the property's lobby kiosks, without signing in (an anonymous survey only).
    shown_on_kiosk: Mapped[bool] = mapped_column(default=False)
    audience: Mapped[Audience] = mapped_column(value_enum(Audience, length=20))
    #: The chosen buildings' ids, for Audience.BUILDINGS.
    building_ids: Mapped[list] = mapped_column(JSON, default=list)
    #: The first and last local day residents may answer.
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    #: DRAFT, OPEN or CLOSED as stored; an open survey past its last day reads as closed (domain/surveys/workflow.py).
    status: Mapped[SurveyStatus] = mapped_column(value_enum(SurveyStatus), default=SurveyStatus.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    questions: Mapped[list["SurveyQuestion"]] = relationship(
        back_populates="survey", order_by="SurveyQuestion.position", lazy="raise_on_sql"
    )

    def title(self, locale):
        """The title in `locale` ("en..." or Chinese), the Chinese one when there is no English."""
        return self.title_en if str(locale).startswith("en") and self.title_en else self.title_zh

    def intro(self, locale):
        """The intro in `locale`, as `title` chooses."""
        return self.intro_en if str(locale).startswith("en") and self.intro_en else self.intro_zh


class SurveyQuestion(PropertyOwned, db.Model):
    """One question: its kind, text in Chinese and English, options for a choice ([{"zh": ..., "en": ...}]), its
    place, whether it must be answered, and the department whose service it rates (工程部 for repair quality)."""

    __tablename__ = "survey_questions"
    __table_args__ = (Index("ix_survey_questions_survey", "survey_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    position: Mapped[int] = mapped_column()
    kind: Mapped[QuestionKind] = mapped_column(value_enum(QuestionKind))
    text_zh: Mapped[str] = mapped_column(String(300))
    text_en: Mapped[str] = mapped_column(String(300), default="")
    #: A choice question's options in order; an answer names an option by its index.
    options: Mapped[list] = mapped_column(JSON, default=list)
    is_required: Mapped[bool] = mapped_column(default=True)
    #: The department the question rates, for satisfaction per department.
    department: Mapped[Department | None] = mapped_column(value_enum(Department, length=20))

    survey: Mapped[Survey] = relationship(back_populates="questions")

    def text(self, locale):
        """The question in `locale`, the Chinese text when there is no English."""
        return self.text_en if str(locale).startswith("en") and self.text_en else self.text_zh

    def option_texts(self, locale):
        """The options in `locale`, each the Chinese text when it has no English."""
        english = str(locale).startswith("en")
        return [(o.get("en") if english and o.get("en") else o["zh"]) for o in self.options]


class SurveyHousehold(PropertyOwned, db.Model):
    """A household (a unit) the survey asks, fixed when it opens: whom it was sent to and the response rate's
    denominator."""

    __tablename__ = "survey_households"

    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class SurveyParticipation(PropertyOwned, db.Model):
    """A household answered the survey: once per unit, whoever of its residents answered. No row number and no time
    of day, so that nothing matches it to an anonymous survey's answers."""

    __tablename__ = "survey_participations"

    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    #: The local day it answered.
    answered_on: Mapped[date] = mapped_column(Date)


class SurveyAnswer(PropertyOwned, db.Model):
    """One answer to one question: a chosen option (one row per option of a multiple choice), a scale value or a
    text. The answers of one response share a random `response_key`; a survey that is not anonymous also keeps the
    resident and the unit, an anonymous one neither."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        CheckConstraint("scale IS NULL OR (scale >= 1 AND scale <= 5)", name="scale_range"),
        CheckConstraint("NOT from_kiosk OR (resident_id IS NULL AND unit_id IS NULL)", name="kiosk_anonymous"),
        Index("ix_survey_answers_question", "survey_id", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id"))
    #: Random, the same for every answer of one response (to count responses); says nothing about who.
    response_key: Mapped[str] = mapped_column(String(32))
    #: Who answered, only for a survey that is not anonymous.
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    #: The chosen option's index, for a choice question.
    choice: Mapped[int | None] = mapped_column()
    #: 1 to 5, for a scale question.
    scale: Mapped[int | None] = mapped_column()
    text: Mapped[str | None] = mapped_column(Text)
    #: Sent from a lobby kiosk: nobody signed in, so never a resident or a unit, and no household's participation.
    from_kiosk: Mapped[bool] = mapped_column(default=False)
