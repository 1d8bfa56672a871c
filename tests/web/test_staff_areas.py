"""The areas pages: the manager assigns and edits, the desk and assistants read, bad input keeps what was typed,
units in no area are counted, and the assistant's console opens on "my area"."""

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.areas.models import Area, AreaCover, AreaScope
from domain.billing.models import Bill
from domain.clock import today, utcnow
from domain.patrols.models import PatrolRound, PatrolRoute, PatrolVisit
from domain.patrols.routes import save_checkpoint, save_route
from domain.tickets import recording
from domain.tickets.models import ResidentVisit
from extensions import db
from tests import builders
from tests.areas_builders import create_area, create_cover
from tests.patrol_builders import manager_actor, walk_round

SYSTEM = Actor.system("test")


def page(client, url):
    """The HTML of a page that answered 200."""
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.fixture
def manager(auth):
    """The manager, signed in."""
    user = builders.create_staff(Role.MANAGER)
    auth.login_staff(user)
    return user


def test_the_manager_creates_an_area_then_gives_it_floors(client, prop, manager):
    """New area -> its page -> floors 1-9 of building 1; the list shows it with its unit count."""
    li = builders.create_staff(Role.ASSISTANT)
    builders.create_unit(number="0301", floor=3)
    builders.create_unit(number="1501", floor=15)
    response = client.post(
        "/staff/areas/new", data={"name": "一号楼低区", "assistant_id": li.id, "deputy_id": "", "desk_phone": "801"}
    )
    area = db.session.scalar(select(Area))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/staff/areas/{area.id}")
    response = client.post(
        f"/staff/areas/{area.id}/scopes",
        data={"rows-0-building_id": prop.buildings[0].id, "rows-0-floor_from": "1", "rows-0-floor_to": "9"},
    )
    assert response.status_code == 303
    html = page(client, "/staff/areas/")
    assert "一号楼低区" in html and li.display_name in html and "1号楼 1-9层" in html
    assert "1 户不属于任何区域" in html
    assert page(client, "/staff/areas/unassigned").count('class="chip"') == 1


def test_bad_input_keeps_what_was_typed_and_saves_nothing(client, prop, manager):
    """A blank name, a private-looking phone of words, an overlap: 422, the message, the typed values."""
    response = client.post("/staff/areas/new", data={"name": "", "desk_phone": "李助理手机"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "请填写区域名称" in html and "李助理手机" in html
    response = client.post("/staff/areas/new", data={"name": "一号楼", "desk_phone": "李助理手机"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "请填写办公座机或分机号" in html and 'value="一号楼"' in html
    assert db.session.scalar(select(func.count()).select_from(Area)) == 0
    other = create_area(prop, name="二号区")
    area = create_area(prop, name="一号区", scopes=[])
    building = prop.buildings[0]
    response = client.post(
        f"/staff/areas/{area.id}/scopes",
        data={"rows-0-building_id": building.id, "rows-0-floor_from": "3", "rows-0-floor_to": "7"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and other.name in html and 'value="7"' in html
    assert db.session.scalar(select(func.count()).select_from(AreaScope).where(AreaScope.area_id == area.id)) == 0
    response = client.post(
        f"/staff/areas/{area.id}/scopes",
        data={"rows-0-building_id": "", "rows-1-building_id": building.id, "rows-1-floor_from": "3"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="rows-1-building_id-error"' in html and "请同时填写起止楼层" in html
    response = client.post(
        f"/staff/areas/{area.id}/covers", data={"starts_on": (today() - timedelta(days=1)).isoformat(), "ends_on": ""}
    )
    assert response.status_code == 422 and db.session.scalar(select(func.count()).select_from(AreaCover)) == 0


def test_edit_changes_the_assistant_and_a_cover_is_added_and_removed(client, prop, manager):
    """The edit form saves; the deputy's days are listed and can be taken back; the log has each change."""
    li, wu, zhao = (builders.create_staff(Role.ASSISTANT) for _ in range(3))
    area = create_area(prop, assistant=li, deputy=wu)
    response = client.post(
        f"/staff/areas/{area.id}",
        data={"name": area.name, "assistant_id": zhao.id, "deputy_id": wu.id, "desk_phone": "024-2345 6789 转 802"},
    )
    assert response.status_code == 303
    assert (db.session.get(Area, area.id).assistant_id, area.desk_phone) == (zhao.id, "024-2345 6789 转 802")
    start = today() + timedelta(days=7)
    response = client.post(
        f"/staff/areas/{area.id}/covers",
        data={"starts_on": start.isoformat(), "ends_on": (start + timedelta(days=1)).isoformat(), "note": "年假"},
    )
    assert response.status_code == 303
    assert "年假" in page(client, f"/staff/areas/{area.id}")
    cover = db.session.scalar(select(AreaCover))
    assert client.post(f"/staff/areas/{area.id}/covers/{cover.id}/remove").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(AreaCover)) == 0


def test_an_area_with_a_route_is_deleted_only_when_detached(client, prop, manager):
    """Without the tick the route is named and the area stays; with it the area goes and the route stays."""
    area_id = create_area(prop).id
    db.session.add(PatrolRoute(property_id=prop.id, name="一号楼日巡", area_id=area_id, role=Role.ASSISTANT))
    db.session.commit()
    response = client.post(f"/staff/areas/{area_id}/delete", data={})
    assert response.status_code == 422 and "一号楼日巡" in response.get_data(as_text=True)
    assert db.session.get(Area, area_id) is not None
    assert client.post(f"/staff/areas/{area_id}/delete", data={"detach_routes": "y"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Area, area_id) is None
    assert db.session.scalar(select(PatrolRoute.area_id)) is None


@pytest.mark.parametrize("role", [Role.FRONTDESK, Role.ASSISTANT])
def test_the_desk_and_assistants_read_areas_without_forms(client, auth, prop, role):
    """They see the area, not the manager's forms."""
    area = create_area(prop, name="一号区")
    auth.login_staff(builders.create_staff(role))
    html = page(client, f"/staff/areas/{area.id}")
    assert "一号区" in html and "/scopes" not in html and "/delete" not in html


def test_an_area_of_nowhere_is_404(client, manager):
    """An id that is no area."""
    assert client.get("/staff/areas/999").status_code == 404


def test_the_list_stays_within_its_query_budget(client, prop, manager, count_queries):
    """More areas and scopes, same statements."""
    create_area(prop, deputy=builders.create_staff(Role.ASSISTANT))

    def statements():
        with count_queries() as counter:
            assert client.get("/staff/areas/").status_code == 200
        return counter.count

    small = statements()
    for n in range(4):
        building = builders.create_building(prop, code=f"X{n}")
        create_area(prop, deputy=builders.create_staff(Role.ASSISTANT), scopes=[(building.id, 1, 3)])
    assert statements() == small


# My area ---------------------------------------------------------------------------------------------


def test_the_assistants_console_opens_on_my_area(client, auth, prop):
    """/staff/ sends an assistant to "my area"; another role stays on the home page."""
    auth.login_staff(builders.create_staff(Role.ASSISTANT))
    response = client.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/areas/mine")
    assert "还没有负责区域" in page(client, "/staff/areas/mine")


def test_my_area_shows_its_tickets_visits_arrears_and_nothing_of_other_areas(client, auth, prop):
    """Tickets, visits and arrears of the area's units; another area's ticket stays out."""
    li = builders.create_staff(Role.ASSISTANT)
    other_building = builders.create_building(prop, code="2")
    mine = builders.create_unit(number="0802", floor=8)
    theirs = builders.create_unit(other_building, number="0803", floor=8)
    create_area(prop, assistant=li, name="一号楼")
    create_area(prop, name="二号楼", scopes=[(other_building.id, None, None)])
    tickets = [
        recording.create_ticket(
            SYSTEM, property_id=prop.id, kind="repair", channel="phone", description="漏水", unit_id=u.id
        )
        for u in (mine, theirs)
    ]
    builders.create_bill(mine, total_fen=10000, period=today().replace(day=1), due_date=today() - timedelta(days=1))
    db.session.add(
        ResidentVisit(
            property_id=prop.id,
            unit_id=mine.id,
            planned_for=utcnow() + timedelta(hours=2),
            purpose="上门回访装修",
        )
    )
    db.session.commit()
    auth.login_staff(li)
    html = page(client, "/staff/areas/mine")
    assert f"/staff/tickets/{tickets[0].id}" in html and f'/staff/tickets/{tickets[1].id}"' not in html
    assert "上门回访装修" in html and "¥100.00" in html and "90%" in html
    assert db.session.scalar(select(func.count()).select_from(Bill)) == 1


def test_a_deputy_covering_today_sees_the_area_marked(client, auth, prop):
    """On a covered day the deputy's "my area" has the area too, marked as covering."""
    li, wu = builders.create_staff(Role.ASSISTANT), builders.create_staff(Role.ASSISTANT)
    area = create_area(prop, assistant=li, deputy=wu, name="一号楼")
    auth.login_staff(wu)
    assert "一号楼" not in page(client, "/staff/areas/mine")
    create_cover(area, today(), today())
    html = page(client, "/staff/areas/mine")
    assert "一号楼" in html and f"今天代 {li.display_name} 值班" in html


def _busy_area(prop, assistant, n):
    """An area of a new building with `n` units, each with an open ticket and a planned visit, and a patrol route."""
    building = builders.create_building(prop, floors=18)
    area = create_area(prop, assistant=assistant, name=f"区域{building.code}", scopes=[(building.id, None, None)])
    for k in range(n):
        unit = builders.create_unit(building, number=f"{k + 1:02d}01", floor=k + 1)
        recording.create_ticket(
            SYSTEM, property_id=prop.id, kind="repair", channel="phone", description="漏水", unit_id=unit.id
        )
        db.session.add(ResidentVisit(property_id=prop.id, unit_id=unit.id, planned_for=utcnow(), purpose=f"走访{k}"))
    save_route(
        SYSTEM,
        name=f"{building.code}日巡",
        role="assistant",
        area_id=area.id,
        windows=[("00:00", "23:59")],
        property_id=prop.id,
    )
    db.session.commit()
    return area


def test_my_area_shows_todays_patrol_and_stays_within_its_query_budget(client, auth, prop, count_queries):
    """The area's route today with its state and a link to today's rounds; more units, same statements."""
    li = builders.create_staff(Role.ASSISTANT)
    _busy_area(prop, li, 1)
    auth.login_staff(li)

    def statements():
        with count_queries() as counter:
            response = client.get("/staff/areas/mine")
        assert response.status_code == 200
        return counter.count, response.get_data(as_text=True)

    small, html = statements()
    assert "日巡" in html and "/staff/patrols/today" in html and "00:00–23:59" in html and "应巡视" in html
    db.session.execute(Area.__table__.update().values(assistant_id=None))
    db.session.commit()
    _busy_area(prop, li, 6)
    large, _html = statements()
    assert large == small, (small, large)


def test_my_area_reads_only_its_own_routes_rounds_and_none_of_their_visits(client, auth, prop):
    """The patrol panel shows each window's state: it reads the area's rounds of today, not the whole property's,
    and builds none of their scans, so a large property's "my area" is as quick as a small one's."""
    li, wu = builders.create_staff(Role.ASSISTANT), builders.create_staff(Role.ASSISTANT)
    mine, theirs = _busy_area(prop, li, 1), _busy_area(prop, wu, 1)
    for area, walker in ((mine, li), (theirs, wu)):
        route = db.session.scalar(select(PatrolRoute).where(PatrolRoute.area_id == area.id))
        save_checkpoint(manager_actor(), route, name="大堂", place="1楼大堂", look_for="门窗", checklist="照明正常")
        walk_round(route, today(), walker, finished=False)
    route_name, other_name = f"{mine.name[2:]}日巡", f"{theirs.name[2:]}日巡"
    auth.login_staff(li)
    page(client, "/staff/areas/mine")
    db.session.expunge_all()
    loaded = []

    def on_load(target, context):
        loaded.append(type(target).__name__)

    for model in (PatrolRound, PatrolVisit):
        event.listen(model, "load", on_load)
    try:
        html = page(client, "/staff/areas/mine")
    finally:
        for model in (PatrolRound, PatrolVisit):
            event.remove(model, "load", on_load)
    assert route_name in html and "巡视中" in html and other_name not in html
    assert loaded == ["PatrolRound"]
