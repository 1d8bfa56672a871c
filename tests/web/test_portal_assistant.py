"""The portal's "your property assistant": the assistant on duty for each of the resident's units, with the area's
desk phone (never a private number), or the service desk when the unit is in no area; the unit page shows it too."""

from datetime import timedelta

from domain.accounts.roles import Role
from domain.clock import today
from extensions import db
from tests import builders
from tests.areas_builders import create_area, create_cover


def two_assistants():
    """李助理 and 吴助理 (names that are not part of each other)."""
    li, wu = builders.create_staff(Role.ASSISTANT), builders.create_staff(Role.ASSISTANT)
    li.display_name, wu.display_name = "李助理", "吴助理"
    db.session.commit()
    return li, wu


def home_html(client, auth, resident):
    """The portal home of `resident`, signed in."""
    auth.login_resident(resident.user)
    response = client.get("/portal/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_each_resident_sees_their_own_assistant_and_desk_phone(client, auth, prop):
    """Building 1 -> 李; building 2 -> 吴: each resident sees their own, never the other's nor a mobile number."""
    li, wu = two_assistants()
    second = builders.create_building(prop, code="2")
    create_area(prop, assistant=li, desk_phone="024-2345 6789 转 801")
    create_area(prop, assistant=wu, desk_phone="024-2345 6789 转 802", scopes=[(second.id, None, None)])
    mine = builders.create_resident(prop, unit=builders.create_unit(number="1203"))
    theirs = builders.create_resident(prop, unit=builders.create_unit(second, number="0501", floor=5))
    html = home_html(client, auth, mine)
    assert "您的物业助理" in html and li.display_name in html and "转 801" in html
    assert wu.display_name not in html and "转 802" not in html
    auth.logout()
    html = home_html(client, auth, theirs)
    assert wu.display_name in html and "转 802" in html and li.display_name not in html


def test_the_deputy_shows_on_a_covered_day(client, auth, prop):
    """On the assistant's day off the resident sees the deputy."""
    li, wu = two_assistants()
    area = create_area(prop, assistant=li, deputy=wu)
    create_cover(area, today(), today() + timedelta(days=1))
    html = home_html(client, auth, builders.create_resident(prop, unit=builders.create_unit(number="0808", floor=8)))
    assert wu.display_name in html and li.display_name not in html


def test_a_unit_in_no_area_shows_the_service_desk(client, auth, prop):
    """No area: the service desk's phone."""
    html = home_html(client, auth, builders.create_resident(prop, unit=builders.create_unit(number="0909", floor=9)))
    assert "您的房屋由客服中心负责" in html and prop.service_phone in html


def test_the_unit_page_shows_its_area_and_assistant_on_duty(client, auth, prop):
    """The console's unit page names the area and who is on duty."""
    li = builders.create_staff(Role.ASSISTANT)
    area = create_area(prop, assistant=li, name="一号楼片区")
    unit = builders.create_unit(number="1001", floor=10)
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    html = client.get(f"/staff/units/{unit.id}").get_data(as_text=True)
    assert area.name in html and li.display_name in html and f"/staff/areas/{area.id}" in html
