"""A short public survey on the lobby kiosk: the manager's kiosk mark (anonymous surveys only), the kiosk's tile,
answering without signing in (stored without who answered, once per form) and the kiosk's count in the results."""

import re

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.errors import DomainError
from domain.surveys import results, services
from domain.surveys.models import SurveyAnswer, SurveyParticipation
from extensions import db
from tests import builders
from tests.survey_builders import answer, create_survey

#: These tests name days of 2026: the clock stands at the suite's Tuesday whatever TEST_NOW says.
pytestmark = pytest.mark.usefixtures("named_days")


def kiosk_survey(prop, *, open_it=True, title="大堂小调查"):
    """An anonymous survey of `prop` shown on the kiosk (the four questions of the survey builders)."""
    survey, questions = create_survey(prop, open_it=False, title=title)
    survey.shown_on_kiosk = True
    if open_it:
        services.open_survey(Actor.system("test"), survey, tell=False)
    db.session.commit()
    return survey, questions


def form_token(html):
    """The one-use token of the kiosk's survey form."""
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


@pytest.fixture
def kiosk_client(client, prop):
    """`client`, carrying the device cookie of an enrolled kiosk of `prop`."""
    builders.create_kiosk(prop, client=client)
    db.session.commit()
    return client


def test_the_kiosk_mark_is_refused_on_a_survey_that_keeps_who_answered(client, auth, prop):
    auth.login_staff(builders.create_staff(Role.MANAGER))
    data = {"title_zh": "入户调查", "audience": "all", "opens_on": "2026-11-17", "closes_on": "2026-11-30"}
    refused = client.post("/staff/surveys/new", data={**data, "shown_on_kiosk": "y"})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'id="shown_on_kiosk-error"' in body and "只有匿名问卷才能在自助机上显示" in body and "入户调查" in body
    english = client.post("/staff/surveys/new?lang=en", data={**data, "shown_on_kiosk": "y"})
    assert "Only an anonymous survey can be shown on the kiosk" in english.get_data(as_text=True)
    assert client.get("/staff/surveys/").get_data(as_text=True).count("入户调查") == 0
    shown = client.post("/staff/surveys/new", data={**data, "shown_on_kiosk": "y", "is_anonymous": "y"})
    assert shown.status_code == 303
    assert "Shown on the lobby kiosk" in client.get(shown.headers["Location"]).get_data(as_text=True)


def test_the_database_refuses_a_kiosk_survey_that_is_not_anonymous_and_a_kiosk_answer_with_a_unit(prop):
    survey, questions = kiosk_survey(prop)
    with pytest.raises(DomainError) as refused:
        services.update_survey(Actor.system("test"), survey, **{"shown_on_kiosk": True, "is_anonymous": False})
    assert refused.value.field in {"shown_on_kiosk", None}
    db.session.rollback()
    survey.is_anonymous = False
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    unit = builders.create_unit()
    db.session.add(
        SurveyAnswer(
            property_id=prop.id,
            survey_id=survey.id,
            question_id=questions[0].id,
            response_key="k",
            unit_id=unit.id,
            choice=0,
            from_kiosk=True,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_kiosk_home_shows_the_open_kiosk_survey_of_its_own_property_only(kiosk_client, prop):
    assert "kiosk-survey-tile" not in kiosk_client.get("/kiosk/").get_data(as_text=True)
    create_survey(prop, title="门户问卷")  # open, but not shown on the kiosk
    closed, _ = kiosk_survey(prop, title="已结束问卷")
    services.close_survey(Actor.system("test"), closed)
    kiosk_survey(prop, open_it=False, title="草稿问卷")
    other = builders.create_property(name="别的小区")
    theirs, _ = kiosk_survey(other, title="别人的问卷")
    home = kiosk_client.get("/kiosk/").get_data(as_text=True)
    assert "kiosk-survey-tile" not in home
    for survey in (closed, theirs):
        assert kiosk_client.get(f"/kiosk/survey/{survey.id}").status_code == (409 if survey is closed else 404)
    ours, _ = kiosk_survey(prop)
    home = kiosk_client.get("/kiosk/").get_data(as_text=True)
    assert "kiosk-survey-tile" in home and f'href="/kiosk/survey/{ours.id}"' in home and "大堂小调查" in home
    assert "别人的问卷" not in home and "已结束问卷" not in home and "门户问卷" not in home


def test_a_kiosk_answer_is_stored_without_who_answered_once_and_counted_in_the_results(
    kiosk_client, client, app, auth, prop
):
    unit = builders.create_unit(number="0301")
    resident = builders.create_resident(prop, unit=unit)
    survey, questions = kiosk_survey(prop)
    single, multiple, scale, text = questions
    answer(survey, questions, resident, unit, single="0", scale="5")
    page = kiosk_client.get(f"/kiosk/survey/{survey.id}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    data = {
        "token": form_token(page.get_data(as_text=True)),
        f"q{single.id}": "2",
        f"q{multiple.id}": ["0", "2"],
        f"q{scale.id}": "2",
        f"q{text.id}": "大堂太冷",
    }
    sent = kiosk_client.post(f"/kiosk/survey/{survey.id}", data=data)
    assert sent.status_code == 200 and 'href="/kiosk/"' in sent.get_data(as_text=True)
    again = kiosk_client.post(f"/kiosk/survey/{survey.id}", data=data)  # a double tap, or the browser's history
    assert again.status_code == 409
    kiosk_rows = db.session.scalars(select(SurveyAnswer).where(SurveyAnswer.from_kiosk.is_(True))).all()
    assert len(kiosk_rows) == 5 and len({a.response_key for a in kiosk_rows}) == 1
    assert all(a.resident_id is None and a.unit_id is None for a in kiosk_rows)
    assert db.session.query(SurveyParticipation).count() == 1  # the household's, not the kiosk's
    figures = results.survey_results(survey)
    assert (figures.answered, figures.kiosk_answers) == (1, 1)
    assert figures.response_rate == results.percent(1, figures.asked)  # households answered / households asked
    by_question = {r.question.id: r for r in figures.questions}
    assert by_question[single.id].answered == 2 and by_question[single.id].counts == [1, 0, 1]
    assert by_question[scale.id].average == 3.5 and by_question[text.id].texts == ["大堂太冷"]
    manager = app.test_client()
    manager.post(
        "/staff/login", data={"login": builders.create_staff(Role.MANAGER).username, "password": builders.PASSWORD}
    )
    shown = manager.get(f"/staff/surveys/{survey.id}/results").get_data(as_text=True)
    assert "自助机答卷：1" in shown
    assert "自助机答卷,1" in manager.get(f"/staff/surveys/{survey.id}/results.csv").get_data(as_text=True)


def test_a_required_question_left_out_at_the_kiosk_keeps_what_was_chosen(kiosk_client, prop):
    survey, questions = kiosk_survey(prop)
    single, multiple, scale, _text = questions
    token = form_token(kiosk_client.get(f"/kiosk/survey/{survey.id}").get_data(as_text=True))
    data = {"token": token, f"q{single.id}": "1", f"q{multiple.id}": ["0", "2"]}
    refused = kiosk_client.post(f"/kiosk/survey/{survey.id}", data=data)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert f'id="q{scale.id}-error"' in body and "请回答此题" in body and 'role="alert"' in body
    assert f'name="q{single.id}" value="1" checked' in body
    assert f'name="q{multiple.id}" value="0" checked' in body and f'name="q{multiple.id}" value="2" checked' in body
    assert form_token(body) == token and db.session.query(SurveyAnswer).count() == 0
    fixed = kiosk_client.post(f"/kiosk/survey/{survey.id}", data={**data, f"q{scale.id}": "4"})
    assert fixed.status_code == 200
    assert db.session.query(SurveyAnswer).filter_by(from_kiosk=True).count() == 4


def test_a_kiosk_form_is_its_own_kiosks_and_survey_only(kiosk_client, app, prop):
    survey, questions = kiosk_survey(prop)
    second, _ = kiosk_survey(prop, title="第二份")
    token = form_token(kiosk_client.get(f"/kiosk/survey/{survey.id}").get_data(as_text=True))
    data = {"token": token, f"q{questions[0].id}": "0", f"q{questions[2].id}": "3"}
    assert kiosk_client.post(f"/kiosk/survey/{second.id}", data=data).status_code == 409
    elsewhere = app.test_client()
    builders.create_kiosk(prop, name="2号楼大堂", client=elsewhere)
    db.session.commit()
    assert elsewhere.post(f"/kiosk/survey/{survey.id}", data=data).status_code == 409
    assert kiosk_client.post(f"/kiosk/pay/{token}").status_code in (404, 405)  # not a payment errand either
    assert kiosk_client.get(f"/kiosk/pay/{token}").status_code == 404
    kiosk_client.get("/kiosk/")  # the start screen forgets the errand
    assert kiosk_client.post(f"/kiosk/survey/{survey.id}", data=data).status_code == 409
    assert db.session.query(SurveyAnswer).count() == 0


def test_an_unpaired_browser_is_refused_the_kiosk_survey(client, prop):
    survey, questions = kiosk_survey(prop)
    for response in (
        client.get(f"/kiosk/survey/{survey.id}"),
        client.post(f"/kiosk/survey/{survey.id}", data={f"q{questions[0].id}": "0"}),
    ):
        assert response.status_code == 303 and response.headers["Location"] == "/kiosk/pair"
    assert db.session.query(SurveyAnswer).count() == 0


def test_a_kiosk_answer_without_the_pages_csrf_token_is_refused(kiosk_client, app, prop, monkeypatch):
    survey, questions = kiosk_survey(prop)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    html = kiosk_client.get(f"/kiosk/survey/{survey.id}").get_data(as_text=True)
    data = {"token": form_token(html), f"q{questions[0].id}": "0", f"q{questions[2].id}": "3"}
    assert kiosk_client.post(f"/kiosk/survey/{survey.id}", data=data).status_code == 400
    assert db.session.query(SurveyAnswer).count() == 0
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert kiosk_client.post(f"/kiosk/survey/{survey.id}", data={**data, "csrf_token": csrf}).status_code == 200
    assert db.session.query(SurveyAnswer).count() == 2
