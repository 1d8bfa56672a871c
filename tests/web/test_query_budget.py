"""Key pages send a fixed number of SQL statements, whatever the size of the register."""

import random

import pytest

from domain.accounts.roles import Role
from domain.demo import generate_register
from domain.property.models import Property, Unit
from extensions import db
from tests import builders

BUDGET = 6


def grow_register(size):
    """Add a property with `size` x 20 units and a resident in most of them."""
    prop = Property(name="大", address="", service_phone="", desk_hours="")
    db.session.add(prop)
    db.session.flush()
    generate_register(prop, buildings=size, floors=5, per_floor=4, residents_target=size * 40, rng=random.Random(size))
    db.session.commit()
    return prop


def statements(client, count_queries, url):
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


@pytest.mark.parametrize("url", ["/staff/", "/staff/units/", "/staff/units/?q=01", "/staff/residents/", "/staff/residents/?q=1"])
def test_console_pages_stay_within_budget_as_the_register_grows(client, auth, count_queries, url):
    grow_register(1)
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    small = statements(client, count_queries, url)
    grow_register(10)
    large = statements(client, count_queries, url)
    assert large == small <= BUDGET, (small, large)


def test_second_page_of_units_stays_within_budget(client, auth, count_queries):
    grow_register(10)
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    first_id = db.session.query(Unit.id).order_by(Unit.id).limit(60).all()[-1][0]
    assert statements(client, count_queries, f"/staff/units/?after={first_id}") <= BUDGET


def test_resident_home_stays_within_budget(client, auth, count_queries):
    prop = grow_register(1)
    unit = db.session.query(Unit).first()
    me = builders.create_resident(prop, unit=unit)
    auth.login_resident(me.user)
    small = statements(client, count_queries, "/portal/")
    grow_register(10)
    large = statements(client, count_queries, "/portal/")
    assert large == small <= BUDGET, (small, large)
