"""The console's scorecards: a month of cards within one statement budget whatever the number of staff, a card its
own person reads and nobody else but the manager, figures linked to their records, and the weights and review forms
refusing bad input while keeping what was typed."""

import re

import pytest
from sqlalchemy import func, select

from domain.accounts.roles import Role
from domain.evaluation.models import EvaluationScheme, Scorecard
from extensions import db
from tests import builders
from tests.evaluation_builders import complaint_about, handled_ticket

#: These tests name days of 2026: the clock stands at the suite's Tuesday whatever TEST_NOW says.
pytestmark = pytest.mark.usefixtures("named_days")


def sign_in(auth, role):
    """A staff member of `role`, signed in."""
    user = builders.create_staff(role)
    auth.login_staff(user)
    return user


def count(model):
    """How many rows `model` has."""
    return db.session.scalar(select(func.count()).select_from(model))


def staff_with_tickets(prop, unit, n):
    """`n` staff of each of the desk and the assistants, each with a ticket finished in October and a complaint about
    them recorded then."""
    for _ in range(n):
        for role in (Role.FRONTDESK, Role.ASSISTANT):
            person = builders.create_staff(role)
            handled_ticket(prop, unit, person, satisfaction=5)
            complaint_about(prop, unit, person)


def test_a_month_of_cards_costs_the_same_statements_for_3_staff_as_for_50(client, auth, prop, count_queries):
    unit = builders.create_unit()
    sign_in(auth, Role.MANAGER)
    staff_with_tickets(prop, unit, 1)
    builders.create_staff(Role.SECURITY)
    with count_queries() as few:
        response = client.get("/staff/evaluation/?month=2026-10")
    assert response.status_code == 200 and response.get_data(as_text=True).count('id="card-') == 3
    staff_with_tickets(prop, unit, 22)
    builders.create_staff(Role.ENGINEERING)
    builders.create_staff(Role.CLEANING)
    builders.create_staff(Role.FINANCE)
    with count_queries() as many:
        response = client.get("/staff/evaluation/?month=2026-10")
    assert response.status_code == 200 and response.get_data(as_text=True).count('id="card-') == 50
    assert many.count == few.count


def test_staff_read_their_own_card_and_nobody_elses(client, auth, prop):
    unit = builders.create_unit()
    other = builders.create_staff(Role.FRONTDESK)
    handled_ticket(prop, unit, other, satisfaction=5)
    me = sign_in(auth, Role.FRONTDESK)
    mine = client.get("/staff/evaluation/mine?month=2026-10")
    assert mine.status_code == 200 and me.display_name in mine.get_data(as_text=True)
    assert client.get(f"/staff/evaluation/people/{me.id}?month=2026-10").status_code == 200
    refused = client.get(f"/staff/evaluation/people/{other.id}?month=2026-10")
    assert refused.status_code == 403 and other.display_name not in refused.get_data(as_text=True)
    assert client.get("/staff/evaluation/?month=2026-10").status_code == 403


def test_the_card_shows_the_figures_with_links_to_their_records_and_the_manager_signs_it(client, auth, prop):
    unit = builders.create_unit()
    clerk = builders.create_staff(Role.ASSISTANT)
    handled_ticket(prop, unit, clerk, satisfaction=5)
    handled_ticket(prop, unit, clerk, satisfaction=2, responded_in_time=False)
    sign_in(auth, Role.MANAGER)
    html = client.get(f"/staff/evaluation/people/{clerk.id}?month=2026-10").get_data(as_text=True)
    row = html[html.index('id="figure-response_kept"') :][:400]
    assert "50 % (1/2)" in row
    assert f"/staff/attendance/people/{clerk.id}" not in html  # no shift planned: nothing measured, nothing to open
    assert f"/staff/callbacks/records?month=2026-10&amp;which=done&amp;by={clerk.id}" in html
    response = client.post(f"/staff/evaluation/people/{clerk.id}/sign?month=2026-10")
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="signed"' in html and "/review" not in html


def test_bad_weights_say_why_keep_what_was_typed_and_save_nothing(client, auth, prop):
    sign_in(auth, Role.MANAGER)
    form = client.get("/staff/evaluation/weights/frontdesk").get_data(as_text=True)
    data = dict(re.findall(r'name="((?:weight|target)_[a-z_]+)"[^>]*value="(\d+)"', form))
    assert len(data) > 10
    response = client.post("/staff/evaluation/weights/frontdesk", data=data | {"weight_handled": "150"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="weight_handled-error"' in html and 'value="150"' in html
    response = client.post("/staff/evaluation/weights/frontdesk", data=data | {"target_satisfied": "abc"})
    assert response.status_code == 422 and 'value="abc"' in response.get_data(as_text=True)
    zero = {key: ("0" if key.startswith("weight_") else value) for key, value in data.items()}
    response = client.post("/staff/evaluation/weights/frontdesk", data=zero)
    assert response.status_code == 422 and "至少有一项的权重应大于0" in response.get_data(as_text=True)
    assert count(EvaluationScheme) == 0
    response = client.post("/staff/evaluation/weights/frontdesk", data=data | {"weight_handled": "40"})
    assert response.status_code == 303 and count(EvaluationScheme) == 1


def test_a_bad_review_says_why_keeps_what_was_typed_and_saves_nothing(client, auth, prop):
    clerk = builders.create_staff(Role.FRONTDESK)
    sign_in(auth, Role.MANAGER)
    url = f"/staff/evaluation/people/{clerk.id}/review?month=2026-10"
    response = client.post(url, data={"manager_score": "150", "comments": "态度积极"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="manager_score-error"' in html
    assert 'value="150"' in html and "态度积极" in html
    assert count(Scorecard) == 0
    response = client.post(url, data={"manager_score": "85", "comments": "态度积极"})
    assert response.status_code == 303 and db.session.scalar(select(Scorecard.manager_score)) == 85
