"""Monthly scorecards: the figures against hand-counted records, the manager's weights changing the score, and a
signed card that later records leave as it was."""

from datetime import date

import pytest
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.errors import DomainError
from domain.evaluation import services
from domain.evaluation.models import Scorecard
from domain.standards.models import SpotCheck
from extensions import db
from tests import builders
from tests.attendance_builders import clocked, create_shift, plan
from tests.evaluation_builders import OCTOBER, handled_ticket

#: These tests name days of 2026: the clock stands at the suite's Tuesday whatever TEST_NOW says.
pytestmark = pytest.mark.usefixtures("named_days")


@pytest.fixture
def manager():
    """The manager, acting."""
    return Actor.for_user(builders.create_staff(Role.MANAGER), "test")


def card_of(prop, person, first=OCTOBER):
    """`person`'s card of the month, read as the system."""
    return services.card_of(Actor.system("test"), prop.id, person.id, first)


def october_records(prop, clerk):
    """The clerk's October, counted by hand: 4 tickets finished, 3 answered in time, 2 finished in time, 3 callbacks
    answered (two 5s and a 2, so 2 satisfied); 2 shifts planned, one clocked in 20 minutes late, one missed; a
    spot-check with 2 items failed."""
    unit = builders.create_unit()
    handled_ticket(prop, unit, clerk, satisfaction=5)
    handled_ticket(prop, unit, clerk, satisfaction=5, finished_in_time=False)
    handled_ticket(prop, unit, clerk, satisfaction=2, responded_in_time=False)
    handled_ticket(prop, unit, clerk, finished_in_time=False)
    shift = create_shift(prop)
    plan(prop, clerk, shift, date(2026, 10, 12))
    plan(prop, clerk, shift, date(2026, 10, 13))
    clocked(prop, clerk, "2026-10-12 08:20", "2026-10-12 20:00")
    db.session.add(
        SpotCheck(
            property_id=prop.id, staff_id=clerk.id, checked_on=date(2026, 10, 20), answers={}, failed=2, notes="n"
        )
    )
    db.session.commit()


def test_a_card_counts_the_months_records_of_its_person(prop):
    clerk = builders.create_staff(Role.FRONTDESK)
    other = builders.create_staff(Role.FRONTDESK)
    october_records(prop, clerk)
    card = card_of(prop, clerk)
    figures = {key: (value.value, value.count, value.base) for key, value in card.figures.items()}
    assert figures["handled"][0] == 4
    assert figures["response_kept"] == (75, 3, 4)
    assert figures["resolve_kept"] == (50, 2, 4)
    assert figures["satisfied"] == (66, 2, 3)
    assert figures["late"] == (1, 1, 2) and figures["missing"] == (1, 1, 2)
    assert figures["spot_check_faults"] == (2, 2, 1)
    assert figures["manager"][0] is None
    # The other clerk did nothing that month: nothing measured but the counts, and no share of the clerk's work.
    theirs = card_of(prop, other)
    assert theirs.figures["handled"].value == 0 and theirs.figures["response_kept"].value is None
    assert theirs.figures["late"].value is None
    assert card.rank == 1 and theirs.rank == 2 and card.of == 2


def test_the_score_is_the_weighted_average_of_the_figures_measured(prop, manager):
    clerk = builders.create_staff(Role.FRONTDESK)
    october_records(prop, clerk)
    only = {key: (0, target) for key, (_weight, target) in services.schemes(prop.id)[Role.FRONTDESK].items()}
    services.save_scheme(manager, prop.id, Role.FRONTDESK, only | {"response_kept": (1, 100)})
    assert card_of(prop, clerk).score == 75
    services.save_scheme(manager, prop.id, Role.FRONTDESK, only | {"response_kept": (1, 75)})
    assert card_of(prop, clerk).score == 100
    # Late once and missing once, 10 and 20 points each, weighted 1 and 3: (90 + 3 x 80) / 4.
    services.save_scheme(manager, prop.id, Role.FRONTDESK, only | {"late": (1, 10), "missing": (3, 20)})
    assert card_of(prop, clerk).score == 82
    services.review(manager, prop.id, clerk.id, OCTOBER, manager_score=60, comments="服务热情")
    services.save_scheme(manager, prop.id, Role.FRONTDESK, only | {"late": (1, 10), "manager": (1, 100)})
    assert card_of(prop, clerk).score == 75


def test_weights_out_of_range_are_refused_and_change_nothing(prop, manager):
    before = services.schemes(prop.id)[Role.FRONTDESK]
    with pytest.raises(DomainError) as refused:
        services.save_scheme(manager, prop.id, Role.FRONTDESK, before | {"handled": (101, 20)})
    assert refused.value.field == "weight_handled"
    with pytest.raises(DomainError):
        services.save_scheme(manager, prop.id, Role.FRONTDESK, {key: (0, t) for key, (_w, t) in before.items()})
    assert services.schemes(prop.id)[Role.FRONTDESK] == before


def test_a_signed_card_stays_as_it_was_signed_when_its_records_change(prop, manager):
    clerk = builders.create_staff(Role.FRONTDESK)
    october_records(prop, clerk)
    services.review(manager, prop.id, clerk.id, OCTOBER, manager_score=80, comments="好")
    services.sign(manager, prop.id, clerk.id, OCTOBER)
    db.session.commit()
    signed = card_of(prop, clerk)
    # Later: more tickets of October, a better late clock-in record, other weights.
    unit = builders.create_unit()
    for _ in range(3):
        handled_ticket(prop, unit, clerk, satisfaction=1, responded_in_time=False, day=20)
    scheme = services.schemes(prop.id)[Role.FRONTDESK]
    services.save_scheme(manager, prop.id, Role.FRONTDESK, scheme | {"handled": (90, 1)})
    db.session.commit()
    again = card_of(prop, clerk)
    assert again.signed and again.score == signed.score and again.rank == signed.rank
    assert again.figures == signed.figures and again.figures["handled"].value == 4
    with pytest.raises(DomainError):
        services.review(manager, prop.id, clerk.id, OCTOBER, manager_score=10, comments="")
    with pytest.raises(DomainError):
        services.sign(manager, prop.id, clerk.id, OCTOBER)
    assert db.session.scalar(select(Scorecard.manager_score)) == 80
    assert services.trend(manager, prop.id, clerk.id, OCTOBER)[-1] == (OCTOBER, signed.score, True)


def test_a_month_is_signed_only_once_it_has_ended(prop, manager):
    clerk = builders.create_staff(Role.FRONTDESK)
    with pytest.raises(DomainError):
        services.sign(manager, prop.id, clerk.id, date(2026, 11, 1))
    assert db.session.scalar(select(func.count()).select_from(Scorecard).where(Scorecard.signed_at.is_not(None))) == 0


def test_an_assistants_card_counts_the_collection_of_their_area_and_their_patrols(prop):
    from tests.areas_builders import create_area
    from tests.patrol_builders import create_route, walk_round

    assistant = builders.create_staff(Role.ASSISTANT)
    unit = builders.create_unit()
    create_area(prop, assistant=assistant, scopes=[(unit.building_id, None, None)])
    builders.create_bill(unit, total_fen=30000, paid_fen=30000)
    builders.create_bill(builders.create_unit(), total_fen=10000)
    elsewhere = builders.create_building(prop)
    builders.create_bill(builders.create_unit(building=elsewhere), total_fen=50000)
    route = create_route(prop)
    walk_round(route, date(2026, 10, 5), assistant)
    walk_round(route, date(2026, 10, 6), assistant, finished=False)
    card = card_of(prop, assistant)
    assert (card.figures["collection"].value, card.figures["collection"].base) == (75, 40000)
    assert card.figures["patrols"].value == 1
