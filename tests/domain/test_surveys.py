"""Opinion surveys: building, opening, answering once per household, anonymity, and the results' figures."""

from datetime import timedelta

import pytest
from sqlalchemy import inspect, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.clock import today
from domain.errors import Conflict, DomainError, InvalidTransition, NotAllowed, NotFound
from domain.notify.models import Notification
from domain.surveys import answering, results, services
from domain.surveys.models import SurveyAnswer, SurveyParticipation
from domain.surveys.workflow import CLOSED, state_of
from domain.tickets import recording
from extensions import db
from tests import builders
from tests.survey_builders import answer, create_survey


def _household(prop, building=None):
    """A unit with two residents."""
    unit = builders.create_unit(building)
    return unit, builders.create_resident(prop, unit=unit), builders.create_resident(prop, unit=unit)


def test_opening_asks_every_household_and_tells_each_resident(prop):
    unit, first, second = _household(prop)
    builders.create_unit()  # nobody lives there: not asked
    survey, _questions = create_survey(prop)
    assert results.survey_results(survey).asked == 1
    told = db.session.scalars(select(Notification.resident_id).where(Notification.message.contains("满意度调查")))
    assert set(told) == {first.id, second.id}


def test_a_survey_of_chosen_buildings_is_not_found_by_a_resident_elsewhere(prop):
    other = builders.create_building(prop, code="2")
    _unit, inside, _ = _household(prop, other)
    _unit2, outside, _ = _household(prop)
    survey, _questions = create_survey(prop, audience="buildings", building_ids=[other.id])
    assert answering.resident_survey(inside.id, survey.id)[0] == survey
    with pytest.raises(NotFound):
        answering.resident_survey(outside.id, survey.id)


def test_recent_ticket_audience_asks_only_units_with_a_ticket_in_the_last_month(prop):
    unit, resident, _ = _household(prop)
    quiet, _r, _ = _household(prop)
    recording.create_ticket(
        Actor.system("t"), property_id=prop.id, kind="repair", channel="phone", description="漏水", unit_id=unit.id
    )
    db.session.commit()
    survey, _questions = create_survey(prop, audience="recent_ticket")
    assert results.survey_results(survey).asked == 1
    assert [i.unit_id for i in answering.open_invitations(resident.id)] == [unit.id]


def test_one_answer_per_household_the_second_resident_is_refused(prop):
    unit, first, second = _household(prop)
    survey, questions = create_survey(prop)
    answer(survey, questions, first, unit)
    assert answering.open_invitations(second.id)[0].answered
    with pytest.raises(Conflict):
        answer(survey, questions, second, unit)
    db.session.rollback()
    assert db.session.query(SurveyParticipation).count() == 1
    assert len(set(db.session.scalars(select(SurveyAnswer.response_key)))) == 1


def test_two_answers_sent_at_once_only_the_first_is_kept(prop, monkeypatch):
    unit, first, second = _household(prop)
    survey, questions = create_survey(prop)
    answer(survey, questions, first, unit)
    # The second request read "not answered" before the first committed: the participation's key refuses it.
    real = answering._invitations
    monkeypatch.setattr(answering, "_invitations", lambda *a, **k: [i._replace(answered=False) for i in real(*a, **k)])
    with pytest.raises(Conflict):
        answer(survey, questions, second, unit)
    db.session.rollback()
    assert db.session.query(SurveyParticipation).count() == 1
    assert len(set(db.session.scalars(select(SurveyAnswer.response_key)))) == 1


def test_anonymous_answers_carry_no_resident_and_no_unit(prop):
    unit, resident, _ = _household(prop)
    survey, questions = create_survey(prop, anonymous=True)
    answer(survey, questions, resident, unit, multiple=("0", "2"), text="电梯太慢")
    rows = db.session.execute(select(SurveyAnswer.resident_id, SurveyAnswer.unit_id)).all()
    assert len(rows) == 5 and set(rows) == {(None, None)}
    # The participation that stops a second answer has no link to the answers: no id, no time of day.
    columns = {c["name"] for c in inspect(db.engine).get_columns("survey_participations")}
    assert columns == {"property_id", "survey_id", "unit_id", "answered_on"}


def test_named_answers_keep_the_resident_and_the_unit(prop):
    unit, resident, _ = _household(prop)
    survey, questions = create_survey(prop, anonymous=False)
    answer(survey, questions, resident, unit)
    assert set(db.session.execute(select(SurveyAnswer.resident_id, SurveyAnswer.unit_id)).all()) == {
        (resident.id, unit.id)
    }


def test_a_required_question_left_out_saves_nothing(prop):
    unit, resident, _ = _household(prop)
    survey, questions = create_survey(prop)
    with pytest.raises(DomainError) as refused:
        answering.answer_survey(resident.id, survey.id, unit.id, {questions[0].id: ["0"]})
    assert refused.value.field == f"q{questions[2].id}"
    db.session.rollback()
    assert db.session.query(SurveyParticipation).count() == db.session.query(SurveyAnswer).count() == 0


def test_a_closed_survey_refuses_answers_also_after_its_last_day(prop, clock):
    unit, resident, _ = _household(prop)
    survey, questions = create_survey(prop)
    clock.advance(days=15)
    assert state_of(survey) == CLOSED
    with pytest.raises(DomainError, match="closed|已结束"):
        answer(survey, questions, resident, unit)
    db.session.rollback()
    clock.advance(days=-15)
    services.close_survey(Actor.system("t"), survey)
    db.session.commit()
    with pytest.raises(DomainError, match="closed|已结束"):
        answer(survey, questions, resident, unit)


def test_an_open_surveys_questions_cannot_change_and_only_the_manager_builds(prop):
    survey, questions = create_survey(prop)
    manager = Actor.for_user(builders.create_staff(Role.MANAGER), "t")
    with pytest.raises(InvalidTransition):
        services.update_question(manager, survey, questions[0], kind="text", text_zh="改", options="")
    draft, _q = create_survey(prop, open_it=False, title="草稿")
    assistant = Actor.for_user(builders.create_staff(Role.ASSISTANT), "t")
    with pytest.raises(NotAllowed):
        services.add_question(assistant, draft, kind="text", text_zh="问", options="")


def test_a_survey_without_questions_does_not_open(prop):
    actor = Actor.system("t")
    survey = services.create_survey(
        actor, prop.id, title_zh="空", audience="all", opens_on=today(), closes_on=today() + timedelta(days=3)
    )
    with pytest.raises(DomainError, match="question|题"):
        services.open_survey(actor, survey)


def test_a_choice_question_needs_two_options(prop):
    survey, _q = create_survey(prop, open_it=False)
    with pytest.raises(DomainError) as refused:
        services.add_question(Actor.system("t"), survey, kind="single", text_zh="选", options="只有一个")
    assert refused.value.field == "options"


def test_results_match_a_hand_counted_fixture(prop):
    """Five households asked, four answer:
    single: 满意 x2, 一般 x1, 不满意 x1; multiple: 保洁 x3, 维修 x1 (3 respondents); scale: 5, 4, 4, 1 -> 3.5."""
    households = [_household(prop) for _ in range(5)]
    survey, questions = create_survey(prop)
    given = [("0", ("0",), "5", "很好"), ("0", ("0", "2"), "4", ""), ("1", (), "4", ""), ("2", ("0",), "1", "=差")]
    for (unit, resident, _), (single, multiple, scale, text) in zip(households, given, strict=False):
        answer(survey, questions, resident, unit, single=single, multiple=multiple, scale=scale, text=text)
    figures = results.survey_results(survey)
    assert (figures.asked, figures.answered, figures.response_rate) == (5, 4, 80.0)
    single, multiple, scale, text = figures.questions
    assert single.counts == [2, 1, 1] and single.answered == 4
    assert [share for _n, share in single.rows] == [50.0, 25.0, 25.0]
    assert multiple.counts == [3, 0, 1] and multiple.answered == 3
    assert [share for _n, share in multiple.rows] == [100.0, 0.0, 33.3]
    assert scale.counts == [1, 0, 0, 2, 1] and scale.average == 3.5
    assert sorted(text.texts) == ["=差", "很好"]
    assert [(d.value, avg, n) for d, avg, n in figures.departments] == [("engineering", 3.5, 4)]
    exported = results.results_csv(survey, figures, "zh_Hans_CN", {"engineering": "工程部"})
    assert "'=差" in exported and "工程部,3.5,4" in exported


def test_results_take_the_same_statements_whatever_the_number_of_answers(prop, count_queries):
    households = [_household(prop) for _ in range(6)]
    survey, questions = create_survey(prop)
    unit, resident, _ = households[0]
    answer(survey, questions, resident, unit)
    with count_queries() as few:
        results.survey_results(survey)
    for unit, resident, _ in households[1:]:
        answer(survey, questions, resident, unit, multiple=("0", "1"), text="意见")
    with count_queries() as many:
        results.survey_results(survey)
    assert many.count == few.count <= 10
