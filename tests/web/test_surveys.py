"""Opinion surveys in the console and the portal: building a survey, answering on a phone, the results."""

import pytest
from sqlalchemy import select

from domain.accounts.roles import Role
from domain.surveys.models import SurveyAnswer, SurveyParticipation, SurveyQuestion
from extensions import db
from tests import builders
from tests.survey_builders import answer, create_survey

#: These tests name days of 2026: the clock stands at the suite's Tuesday whatever TEST_NOW says.
pytestmark = pytest.mark.usefixtures("named_days")


def _household(prop, building=None):
    """A unit with two residents."""
    unit = builders.create_unit(building)
    return unit, builders.create_resident(prop, unit=unit), builders.create_resident(prop, unit=unit)


def test_manager_builds_a_survey_and_a_bad_question_keeps_what_was_typed(client, auth, prop):
    auth.login_staff(builders.create_staff(Role.MANAGER))
    response = client.post(
        "/staff/surveys/new",
        data={"title_zh": "2026满意度", "audience": "all", "opens_on": "2026-11-17", "closes_on": "2026-11-30"},
    )
    assert response.status_code == 303
    page = response.headers["Location"]
    bad = client.post(f"{page}/questions", data={"kind": "single", "text_zh": "是否满意？", "options": "满意"})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "是否满意？" in body and 'id="options-error"' in body
    assert db.session.query(SurveyQuestion).count() == 0
    good = client.post(
        f"{page}/questions",
        data={"kind": "single", "text_zh": "是否满意？", "options": "满意\n不满意", "is_required": "y"},
    )
    assert good.status_code == 303
    assert client.post(f"{page}/open").status_code == 303
    assert "是否满意？" in client.get(page).get_data(as_text=True)


def test_a_survey_with_a_bad_period_is_refused_and_nothing_saved(client, auth, prop):
    auth.login_staff(builders.create_staff(Role.MANAGER))
    response = client.post(
        "/staff/surveys/new",
        data={"title_zh": "期间错", "audience": "all", "opens_on": "2026-11-30", "closes_on": "2026-11-20"},
    )
    assert response.status_code == 422
    assert "期间错" in response.get_data(as_text=True)
    assert client.get("/staff/surveys/").get_data(as_text=True).count("期间错") == 0


def test_resident_answers_once_and_the_second_resident_sees_it_answered(client, auth, prop):
    unit, first, second = _household(prop)
    survey, questions = create_survey(prop)
    auth.login_resident(first.user)
    assert "满意度调查" in client.get("/portal/surveys").get_data(as_text=True)
    single, multiple, scale, text = questions
    data = {"unit_id": str(unit.id), f"q{single.id}": "0", f"q{scale.id}": "4", f"q{text.id}": "好"}
    assert client.post(f"/portal/surveys/{survey.id}", data=data).status_code == 303
    again = client.post(f"/portal/surveys/{survey.id}", data=data)  # a double submit
    assert again.status_code == 409
    auth.logout()
    auth.login_resident(second.user)
    seen = client.get(f"/portal/surveys/{survey.id}").get_data(as_text=True)
    assert 'name="unit_id"' not in seen and "alert-success" in seen  # answered: no form
    assert client.post(f"/portal/surveys/{survey.id}", data=data).status_code == 409
    assert db.session.query(SurveyParticipation).count() == 1
    assert len(set(db.session.scalars(select(SurveyAnswer.response_key)))) == 1


def test_a_required_question_left_out_keeps_what_was_typed(client, auth, prop):
    unit, resident, _ = _household(prop)
    survey, questions = create_survey(prop)
    auth.login_resident(resident.user)
    single, _multiple, scale, text = questions
    response = client.post(
        f"/portal/surveys/{survey.id}", data={"unit_id": str(unit.id), f"q{single.id}": "1", f"q{text.id}": "电梯慢"}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "电梯慢" in body and f'id="q{scale.id}-error"' in body and 'value="1" checked' in body
    assert db.session.query(SurveyParticipation).count() == db.session.query(SurveyAnswer).count() == 0


def test_a_resident_of_another_building_gets_404(client, auth, prop):
    other = builders.create_building(prop, code="2")
    _household(prop, other)
    unit, outsider, _ = _household(prop)
    survey, questions = create_survey(prop, audience="buildings", building_ids=[other.id])
    auth.login_resident(outsider.user)
    assert client.get(f"/portal/surveys/{survey.id}").status_code == 404
    assert client.post(f"/portal/surveys/{survey.id}", data={"unit_id": str(unit.id)}).status_code == 404
    assert "满意度调查" not in client.get("/portal/surveys").get_data(as_text=True)


def test_a_closed_survey_refuses_answers(client, auth, prop, clock):
    unit, resident, _ = _household(prop)
    survey, questions = create_survey(prop)
    clock.advance(days=20)
    auth.login_resident(resident.user)
    response = client.post(f"/portal/surveys/{survey.id}", data={"unit_id": str(unit.id), f"q{questions[0].id}": "0"})
    assert response.status_code == 400
    assert db.session.query(SurveyParticipation).count() == 0


def test_results_page_shows_the_counts_and_keeps_its_statement_count(client, auth, prop, count_queries):
    households = [_household(prop) for _ in range(5)]
    survey, questions = create_survey(prop)
    unit, resident, _ = households[0]
    answer(survey, questions, resident, unit, single="1")
    auth.login_staff(builders.create_staff(Role.ASSISTANT))
    with count_queries() as few:
        page = client.get(f"/staff/surveys/{survey.id}/results")
    assert page.status_code == 200 and "20.0 %" in page.get_data(as_text=True)
    for unit, resident, _ in households[1:]:
        answer(survey, questions, resident, unit, multiple=("0",), text="好")
    with count_queries() as many:
        page = client.get(f"/staff/surveys/{survey.id}/results")
    assert "100.0 %" in page.get_data(as_text=True)
    assert many.count == few.count
    csv = client.get(f"/staff/surveys/{survey.id}/results.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv" and "满意度调查" in csv.get_data(as_text=True)
