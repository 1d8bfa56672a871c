"""The resident's home shows what matters first: what is owed (or all paid) with the way to pay, parcels waiting,
open requests with what to expect from the service level in words, unread notices; within its statement budget."""

from datetime import timedelta

import pytest

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.clock import today
from domain.notify.services import tell_resident
from domain.tickets import recording, steps
from domain.tickets.expected import duration_words
from domain.tickets.models import Ticket
from extensions import db
from tests import builders


@pytest.fixture
def unit(prop):
    """Unit 1-1203."""
    return builders.create_unit(number="1203", floor=12)


@pytest.fixture
def me(client, auth, prop, unit):
    """The owner of 1-1203, signed in (the portal in Chinese, the default)."""
    resident = builders.create_resident(prop, unit=unit, name="陈业主", phone="13800000001")
    auth.login_resident(resident.user)
    return resident


def in_english(resident):
    """Read the portal in English from now on."""
    resident.user.locale = "en"
    db.session.commit()


def home(client):
    """The home page's HTML."""
    response = client.get("/portal/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def block(html, block_id):
    """The HTML of one block of the home (from its id to the end of its element, roughly)."""
    start = html.index(f'id="{block_id}"')
    return html[start : html.index("</a>" if block_id != "home-tickets" else "</article>", start)]


def report(resident, unit, kind="repair", **fields):
    """A request of `resident`, reported in the portal now."""
    return recording.create_ticket(
        Actor.for_user(resident.user, "127.0.0.1"),
        property_id=resident.property_id,
        kind=kind,
        channel="portal",
        description=fields.pop("description", "厨房水龙头一直滴水"),
        category=fields.pop("category", "water" if kind == "repair" else ""),
        unit_id=unit.id,
        resident_id=resident.id,
        **fields,
    )


def bill(unit, total_fen, paid_fen=0, months_back=0):
    """A bill for `unit`, due ten days from now, for a month `months_back` before the current one."""
    first = today().replace(day=1)
    for _ in range(months_back):
        first = (first - timedelta(days=1)).replace(day=1)
    return builders.create_bill(
        unit, total_fen=total_fen, paid_fen=paid_fen, period=first, due_date=today() + timedelta(days=10)
    )


def test_the_home_shows_what_is_owed_across_the_units_with_a_link_to_pay(client, me, prop, unit):
    other_unit = builders.create_unit(number="0501", floor=5)
    builders.create_resident(prop, unit=other_unit)  # a neighbour's debt is not mine
    bill(unit, 22375)
    bill(unit, 10000, paid_fen=4000, months_back=1)
    bill(unit, 5000, paid_fen=5000, months_back=2)  # paid: not owed
    bill(other_unit, 99900)
    owed = block(home(client), "home-owed")
    assert "¥283.75" in owed and "2 张未缴账单" in owed
    assert 'href="/portal/bills"' in owed and "立即缴费" in owed


def test_the_home_says_all_paid_when_nothing_is_owed(client, me, unit):
    bill(unit, 5000, paid_fen=5000)
    owed = block(home(client), "home-owed")
    assert "全部已缴清" in owed and "立即缴费" not in owed
    in_english(me)
    assert "All paid" in block(home(client), "home-owed")


def test_the_home_counts_the_parcels_waiting_and_links_to_the_pickup_code(client, me, unit):
    builders.create_parcel(unit)
    builders.create_parcel(unit)
    builders.create_parcel(unit, status="picked_up")
    builders.create_parcel(builders.create_unit(number="0502", floor=5))  # someone else's
    parcels = block(home(client), "home-parcels")
    assert ">2<" in parcels and 'href="/portal/parcels"' in parcels and "获取取件码" in parcels


def test_an_open_repair_says_who_responds_within_how_long_in_chinese_and_english(client, me, unit):
    ticket = report(me, unit)
    db.session.commit()
    tickets = block(home(client), "home-tickets")
    assert f"#{ticket.id}" in tickets and "工程部将在 30 分钟内响应" in tickets
    in_english(me)
    assert "Engineering will respond within 30 minutes" in block(home(client), "home-tickets")


def test_once_someone_has_it_the_home_gives_the_time_it_should_be_done_by(client, me, unit, clock):
    ticket = report(me, unit)
    engineer = Actor.for_user(builders.create_staff(Role.ENGINEERING), "127.0.0.1")
    desk = Actor.for_user(builders.create_staff(Role.FRONTDESK), "127.0.0.1")
    steps.dispatch(desk, ticket)
    steps.claim(engineer, ticket)
    db.session.commit()
    in_english(me)
    tickets = block(home(client), "home-tickets")
    assert "will respond" not in tickets and "Being handled: expected to be done by" in tickets
    assert ticket.resolve_due_at.isoformat() in tickets


def test_a_late_response_is_said_plainly(client, auth, me, unit, clock):
    report(me, unit, kind="inquiry", description="请问明年物业费标准？")
    db.session.commit()
    clock.advance(hours=5)  # an inquiry is answered within 4 hours
    auth.login_resident(me.user)  # the session has timed out meanwhile
    tickets = block(home(client), "home-tickets")
    assert "客服中心尚未响应，已超出预计时间" in tickets and "expected-late" in tickets


def test_finished_requests_do_not_show_and_the_block_invites_a_report(client, me, unit):
    ticket = report(me, unit)
    steps.resident_cancel(Actor.for_user(me.user, "127.0.0.1"), ticket, resident_id=me.id)
    db.session.commit()
    tickets = block(home(client), "home-tickets")
    assert f"#{ticket.id}" not in tickets and "暂无未完成的申请" in tickets


def test_only_my_own_requests_show(client, me, prop, unit):
    neighbour_unit = builders.create_unit(number="0901", floor=9)
    neighbour = builders.create_resident(prop, unit=neighbour_unit)
    theirs = report(neighbour, neighbour_unit)
    db.session.commit()
    assert f"#{theirs.id}" not in block(home(client), "home-tickets")


def test_unread_notices_show_until_read_on_the_requests_page(client, me, unit):
    ticket = report(me, unit)
    tell_resident(me.id, "您的报修已派工", "报修", ticket_id=ticket.id)
    db.session.commit()
    assert "您的报修已派工" in home(client)
    client.get("/portal/tickets")  # shown there once as new, then read
    assert "您的报修已派工" not in home(client)


@pytest.mark.parametrize(
    ("minutes", "words"),
    [(30, "30 minutes"), (1, "1 minute"), (60, "1 hour"), (240, "4 hours"), (1440, "1 day"), (90, "90 minutes")],
)
def test_service_levels_read_in_words(app, minutes, words):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        assert str(duration_words(minutes)) == words


def test_the_home_keeps_its_statement_budget_with_every_block_full(client, me, prop, unit, count_queries):
    from tests.web.test_query_budget import HOME_BUDGET, statements

    bill(unit, 22375)
    builders.create_parcel(unit)
    ticket = report(me, unit)
    tell_resident(me.id, "通知一", "报修", ticket_id=ticket.id)
    db.session.commit()
    few = statements(client, count_queries, "/portal/")
    for n in range(1, 12):
        bill(unit, 1000 + n, months_back=n)
        builders.create_parcel(unit)
        report(me, unit, description=f"第{n}个问题")
        tell_resident(me.id, f"通知{n}", "报修")
    db.session.commit()
    many = statements(client, count_queries, "/portal/")
    assert many == few <= HOME_BUDGET, (few, many)
    assert db.session.query(Ticket).count() == 12
