"""A survey's results, every figure counted by the database with one statement per family of figures (GROUP BY),
never by loading the answers: the households asked and answered, the responses per question, the count of each
option, each scale's distribution and average, the satisfaction per department, and the free texts (newest first,
up to TEXT_LIMIT). The results page is therefore a fixed number of statements whatever the number of answers."""

import csv
import io
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from domain.surveys.models import QuestionKind, SurveyAnswer, SurveyHousehold, SurveyParticipation, SurveyQuestion
from domain.surveys.services import questions_of
from extensions import db

#: The most free-text answers the results list (and export) per survey.
TEXT_LIMIT = 500
SCALE = (1, 2, 3, 4, 5)


#: A cell starting with one of these is a formula to a spreadsheet: a resident's text is written with a quote first.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """A text cell that a spreadsheet shows as typed, never runs."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def percent(part, whole):
    """`part` of `whole` in per cent, one decimal; 0 for nothing asked."""
    return round(100 * part / whole, 1) if whole else 0.0


@dataclass
class QuestionResult:
    """One question's figures: how many answered it, the count per option (choices) or per value (a scale) with
    their per cents of those who answered it, the scale's average, and its texts."""

    question: SurveyQuestion
    answered: int = 0
    counts: list = field(default_factory=list)
    average: float | None = None
    texts: list = field(default_factory=list)

    @property
    def rows(self):
        """[(count, per cent)] per option or scale value."""
        return [(n, percent(n, self.answered)) for n in self.counts]

    @property
    def widest(self):
        """The largest count (the chart's full width), at least 1."""
        return max(self.counts or [0]) or 1


@dataclass
class SurveyResults:
    """The survey's figures: households asked and answered, the response rate, each question's result, the
    average of the scales per department ([(department, average, answers)]), and how many answers came from the
    lobby kiosks (counted in each question's figures, not in the households' response rate)."""

    asked: int
    answered: int
    questions: list
    departments: list
    kiosk_answers: int = 0

    @property
    def response_rate(self):
        """Households answered / households asked, in per cent."""
        return percent(self.answered, self.asked)


def survey_results(survey):
    """The survey's figures (eight statements, whatever the number of answers)."""
    questions = questions_of(survey.id)
    # The households asked and answered and the kiosk's responses (counted by key) in one statement.
    asked, answered, kiosk_answers = db.session.execute(
        select(
            select(func.count()).where(SurveyHousehold.survey_id == survey.id).scalar_subquery(),
            select(func.count()).where(SurveyParticipation.survey_id == survey.id).scalar_subquery(),
            select(func.count(func.distinct(SurveyAnswer.response_key)))
            .where(SurveyAnswer.survey_id == survey.id, SurveyAnswer.from_kiosk.is_(True))
            .scalar_subquery(),
        )
    ).one()
    by_id = {q.id: QuestionResult(q) for q in questions}
    for result in by_id.values():
        size = len(result.question.options) if result.question.kind != QuestionKind.SCALE else len(SCALE)
        result.counts = [0] * (size if result.question.kind != QuestionKind.TEXT else 0)
    # Responses per question: a multiple choice has one row per chosen option, so responses are counted by key.
    for question_id, n in db.session.execute(
        select(SurveyAnswer.question_id, func.count(func.distinct(SurveyAnswer.response_key)))
        .where(SurveyAnswer.survey_id == survey.id)
        .group_by(SurveyAnswer.question_id)
    ):
        if question_id in by_id:
            by_id[question_id].answered = n
    for question_id, choice, n in db.session.execute(
        select(SurveyAnswer.question_id, SurveyAnswer.choice, func.count())
        .where(SurveyAnswer.survey_id == survey.id, SurveyAnswer.choice.is_not(None))
        .group_by(SurveyAnswer.question_id, SurveyAnswer.choice)
    ):
        result = by_id.get(question_id)
        if result is not None and choice < len(result.counts):
            result.counts[choice] = n
    for question_id, scale, n in db.session.execute(
        select(SurveyAnswer.question_id, SurveyAnswer.scale, func.count())
        .where(SurveyAnswer.survey_id == survey.id, SurveyAnswer.scale.is_not(None))
        .group_by(SurveyAnswer.question_id, SurveyAnswer.scale)
    ):
        if question_id in by_id:
            by_id[question_id].counts[scale - 1] = n
    for question_id, average in db.session.execute(
        select(SurveyAnswer.question_id, func.avg(SurveyAnswer.scale))
        .where(SurveyAnswer.survey_id == survey.id, SurveyAnswer.scale.is_not(None))
        .group_by(SurveyAnswer.question_id)
    ):
        if question_id in by_id:
            by_id[question_id].average = round(float(average), 2)
    departments = [
        (department, round(float(average), 2), n)
        for department, average, n in db.session.execute(
            select(SurveyQuestion.department, func.avg(SurveyAnswer.scale), func.count())
            .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
            .where(
                SurveyAnswer.survey_id == survey.id,
                SurveyAnswer.scale.is_not(None),
                SurveyQuestion.department.is_not(None),
            )
            .group_by(SurveyQuestion.department)
            .order_by(SurveyQuestion.department)
        )
    ]
    for question_id, text in db.session.execute(
        select(SurveyAnswer.question_id, SurveyAnswer.text)
        .where(SurveyAnswer.survey_id == survey.id, SurveyAnswer.text.is_not(None))
        .order_by(SurveyAnswer.id.desc())
        .limit(TEXT_LIMIT)
    ):
        if question_id in by_id:
            by_id[question_id].texts.append(text)
    return SurveyResults(asked, answered, [by_id[q.id] for q in questions], departments, kiosk_answers)


def results_csv(survey, results, locale, department_labels):
    """The results as CSV text (UTF-8 with a BOM, so Excel opens the Chinese): the response rate, then one line per
    option or scale value with its count and per cent, each scale's average, the departments' averages, and the
    free texts."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_cell(survey.title(locale))])
    writer.writerow([_("Households asked"), results.asked])
    writer.writerow([_("Households answered"), results.answered])
    writer.writerow([_("Response rate (%)"), results.response_rate])
    if survey.shown_on_kiosk or results.kiosk_answers:
        writer.writerow([_("Kiosk answers"), results.kiosk_answers])
    writer.writerow([])
    writer.writerow([_("Question"), _("Answer"), _("Count"), _("Per cent")])
    for n, result in enumerate(results.questions, start=1):
        question = result.question
        text = f"{n}. {question.text(locale)}"
        if question.kind == QuestionKind.TEXT:
            for answer in result.texts:
                writer.writerow([_cell(text), _cell(answer), "", ""])
            continue
        labels = question.option_texts(locale) if question.kind != QuestionKind.SCALE else [str(v) for v in SCALE]
        for label, (count, share) in zip(labels, result.rows, strict=True):
            writer.writerow([_cell(text), _cell(label), count, share])
        if result.average is not None:
            writer.writerow([_cell(text), _("Average"), result.average, ""])
    if results.departments:
        writer.writerow([])
        writer.writerow([_("Department"), _("Average (1-5)"), _("Answers")])
        for department, average, count in results.departments:
            writer.writerow([str(department_labels.get(department.value, department.value)), average, count])
    return out.getvalue()
