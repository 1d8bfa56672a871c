"""Key pages send a fixed number of SQL statements, whatever the size of the register."""

import random

import pytest

from domain.accounts.roles import Role
from domain.demo import generate_register
from domain.property.companies import ensure_company
from domain.property.models import Property, Unit
from extensions import db
from tests import builders

#: One of them is the console's alerts (the urgent banner and the sidebar count, staff/incidents/alerts.py).
BUDGET = 7
#: The desk's "today" page has six blocks, each its area's query (tests/web/test_staff_today.py holds every role's).
PAGE_BUDGETS = {"/staff/": 9}


def grow_register(size):
    """Add a property with `size` x 20 units and a resident in most of them."""
    prop = Property(company_id=ensure_company().id, name="大", address="", service_phone="", desk_hours="")
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


@pytest.mark.parametrize(
    "url", ["/staff/", "/staff/units/", "/staff/units/?q=01", "/staff/residents/", "/staff/residents/?q=1"]
)
def test_console_pages_stay_within_budget_as_the_register_grows(client, auth, count_queries, url):
    grow_register(1)
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    small = statements(client, count_queries, url)
    grow_register(10)
    large = statements(client, count_queries, url)
    assert large == small <= PAGE_BUDGETS.get(url, BUDGET), (small, large)


def test_second_page_of_units_stays_within_budget(client, auth, count_queries):
    grow_register(10)
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    first_id = db.session.query(Unit.id).order_by(Unit.id).limit(60).all()[-1][0]
    assert statements(client, count_queries, f"/staff/units/?after={first_id}") <= BUDGET


#: The resident's home: the portal's pages' budget and its "what matters" blocks (the figures of what is owed, parcels
#: and unread notices in one statement; the open requests in one; the unread notices in one, when there are any).
HOME_BUDGET = BUDGET + 3


def test_resident_home_stays_within_budget(client, auth, count_queries):
    prop = grow_register(1)
    unit = db.session.query(Unit).first()
    me = builders.create_resident(prop, unit=unit)
    auth.login_resident(me.user)
    small = statements(client, count_queries, "/portal/")
    grow_register(10)
    large = statements(client, count_queries, "/portal/")
    assert large == small <= HOME_BUDGET, (small, large)


BILLING_BUDGET = 11  # with the console's alerts


def bill_history(unit, months, paid_every=2):
    """`months` monthly bills for `unit`, every other one paid at the desk."""
    from datetime import date, timedelta

    from domain.accounts.models import Actor
    from domain.payments.desk import record_desk_payment

    for i in range(months):
        period = date(2020 + i // 12, i % 12 + 1, 1)
        bill = builders.create_bill(unit, total_fen=20000 + i, period=period, due_date=period + timedelta(days=30))
        if i % paid_every == 0:
            record_desk_payment(Actor.system("test"), unit_id=unit.id, bill_ids=[bill.id], method="cash")
    db.session.commit()


def test_resident_bill_list_stays_within_budget_as_bills_pile_up(client, auth, count_queries, prop, app):
    new_unit, old_unit = builders.create_unit(), builders.create_unit()
    newcomer, old_timer = builders.create_resident(prop, unit=new_unit), builders.create_resident(prop, unit=old_unit)
    bill_history(new_unit, 3)
    bill_history(old_unit, 36)
    auth.login_resident(newcomer.user)
    few = statements(client, count_queries, "/portal/bills")
    other = app.test_client()
    type(auth)(other).login_resident(old_timer.user)
    many = statements(other, count_queries, "/portal/bills")
    assert many == few <= BILLING_BUDGET, (few, many)


def test_arrears_page_stays_within_budget_as_arrears_grow(client, auth, count_queries, prop):
    from datetime import date

    auth.login_staff(builders.create_staff(Role.FINANCE))
    for _ in range(3):
        builders.create_bill(builders.create_unit(), due_date=date(2025, 1, 31))
    few = statements(client, count_queries, "/staff/billing/arrears")
    big = grow_register(5)
    for unit in db.session.query(Unit).filter(Unit.building.has(property_id=big.id)).all():
        builders.create_bill(unit, due_date=date(2025, 1, 31))
    many = statements(client, count_queries, "/staff/billing/arrears")
    assert many == few <= BILLING_BUDGET, (few, many)


def test_billing_home_stays_within_budget(client, auth, count_queries, prop):
    auth.login_staff(builders.create_staff(Role.MANAGER))
    builders.create_bill(builders.create_unit())
    # One more than the lists: the home also lists, in one statement, the refunds finance must follow.
    assert statements(client, count_queries, "/staff/billing/") <= BILLING_BUDGET + 1
