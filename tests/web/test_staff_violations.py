"""The violation pages: the phone record (bad input keeps what was typed, nothing saved), the violation's page and
its steps (each refused to the wrong role and at the wrong stage, bad input kept), the notice PDF, the open list
with its filters and statement budget, repeat offenders, the month's count, the kinds and notice texts."""

import io
import re
from datetime import timedelta

import pypdfium2
import pytest
from PIL import Image
from sqlalchemy import func, select

from domain.accounts.roles import Role
from domain.billing.models import Bill
from domain.clock import local_now, today
from domain.violations import services
from domain.violations.models import Stage, Violation, ViolationKind, ViolationNotice
from extensions import db
from tests import builders
from tests.incident_builders import create_team
from tests.violation_builders import act, create_fine_charge, create_kind, record


@pytest.fixture
def team(prop):
    """Every role, one each."""
    return create_team()


@pytest.fixture
def unit(prop):
    """Unit 1-1203 with its owner."""
    unit = builders.create_unit(number="1203")
    builders.create_resident(prop, unit=unit)
    return unit


@pytest.fixture
def kind(prop):
    """楼道堆放杂物: reminder 1 day, notice 3, order 7."""
    return create_kind(prop)


def png():
    """A small real PNG picture."""
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 20)).save(out, "PNG")
    return out.getvalue()


def count(model):
    """How many rows `model` has."""
    return db.session.scalar(select(func.count()).select_from(model))


def record_form(kind, **values):
    """The record form's fields, filled."""
    return {"kind_id": str(kind.id), "unit_label": "1-1203", "place": "1号楼12层走廊", "seen": "走廊堆放纸箱", **values}


def test_the_record_form_is_phone_first(client, auth, team, kind):
    auth.login_staff(team[Role.SECURITY])
    html = client.get("/staff/violations/new").get_data(as_text=True)
    assert 'name="kind_id"' in html and "楼道堆放杂物" in html and 'capture="environment"' in html
    assert 'enctype="multipart/form-data"' in html and 'name="place"' in html


def test_recording_with_a_photo_opens_the_violation_at_its_first_stage(client, auth, team, kind, unit):
    auth.login_staff(team[Role.SECURITY])
    data = record_form(kind, photos=(io.BytesIO(png()), "corridor.png"))
    response = client.post("/staff/violations/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    violation = db.session.scalar(select(Violation))
    assert response.headers["Location"].endswith(f"/staff/violations/{violation.id}")
    assert violation.stage == Stage.REMINDED and violation.unit_id == unit.id and violation.place == "1号楼12层走廊"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "走廊堆放纸箱" in page and f"/staff/violations/{violation.id}/photos/" in page
    assert f"/staff/violations/{violation.id}/notices/" in page


@pytest.mark.parametrize(
    ("values", "field_text"),
    [
        ({"kind_id": ""}, "选择违章类型"),
        ({"seen": ""}, ""),
        ({"unit_label": "9-9999"}, "9-9999"),
        ({"unit_label": "", "place": ""}, ""),
    ],
)
def test_bad_record_keeps_what_was_typed_and_saves_nothing(client, auth, team, kind, unit, values, field_text):
    auth.login_staff(team[Role.ASSISTANT])
    response = client.post("/staff/violations/new", data=record_form(kind, **values))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    typed = {**record_form(kind), **values}
    for name in ("unit_label", "place", "seen"):
        if typed[name]:
            assert typed[name] in html, name
    assert 'class="errors"' in html or "error" in html
    assert count(Violation) == 0


@pytest.mark.parametrize("role", [Role.ENGINEERING, Role.FINANCE, Role.CLEANING])
def test_other_departments_cannot_record(client, auth, team, kind, unit, role):
    auth.login_staff(team[role])
    assert client.post("/staff/violations/new", data=record_form(kind)).status_code == 403
    assert count(Violation) == 0


def test_the_page_offers_only_the_steps_the_role_may_take_now(client, auth, team, kind, unit):
    violation = record(team[Role.SECURITY], kind, unit=unit)
    auth.login_staff(team[Role.SECURITY])
    html = client.get(f"/staff/violations/{violation.id}").get_data(as_text=True)
    assert f"/staff/violations/{violation.id}/check" in html and f"{violation.id}/advance" not in html
    assert f"{violation.id}/withdraw" not in html
    auth.logout("staff")
    auth.login_staff(team[Role.FRONTDESK])
    html = client.get(f"/staff/violations/{violation.id}").get_data(as_text=True)
    assert f"{violation.id}/check" not in html and f"{violation.id}/advance" not in html
    auth.logout("staff")
    auth.login_staff(team[Role.MANAGER])
    html = client.get(f"/staff/violations/{violation.id}").get_data(as_text=True)
    for step in ("check", "advance", "extend", "withdraw"):
        assert f"/staff/violations/{violation.id}/{step}" in html, step
    assert f"{violation.id}/fine" not in html  # the kind allows no fine


def test_a_check_not_rectified_then_the_next_notice_in_one_step(client, auth, team, kind, unit):
    violation = record(team[Role.SECURITY], kind, unit=unit)
    auth.login_staff(team[Role.ASSISTANT])
    data = {"outcome": "next", "note": "纸箱仍在", "days": "5", "photos": (io.BytesIO(png()), "still.png")}
    response = client.post(f"/staff/violations/{violation.id}/check", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    db.session.refresh(violation)
    assert violation.stage == Stage.NOTICED and violation.deadline == today() + timedelta(days=5)
    assert [e.action for e in violation.events] == ["recorded", "not_rectified", "issue_notice"]


def test_a_check_with_a_later_deadline_needs_a_reason_and_keeps_what_was_typed(client, auth, team, kind, unit):
    violation = record(team[Role.SECURITY], kind, unit=unit)
    auth.login_staff(team[Role.ASSISTANT])
    response = client.post(
        f"/staff/violations/{violation.id}/check", data={"outcome": "extend", "note": "业主说周末清理", "days": "9"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "业主说周末清理" in html
    assert "复查：未整改" not in html  # the check is not shown as if it had been kept
    db.session.refresh(violation)
    assert [e.action for e in violation.events] == ["recorded"] and violation.stage == Stage.REMINDED


def test_the_notice_sent_twice_from_the_same_page_goes_out_once(client, auth, team, kind, unit):
    violation = record(team[Role.SECURITY], kind, unit=unit)
    auth.login_staff(team[Role.ASSISTANT])
    page = client.get(f"/staff/violations/{violation.id}").get_data(as_text=True)
    assert 'name="stage" value="reminded"' in page
    for _click in range(2):  # a double click, or the button pressed again after a slow answer
        response = client.post(f"/staff/violations/{violation.id}/advance", data={"stage": "reminded", "days": ""})
        assert response.status_code == 303
    db.session.refresh(violation)
    assert violation.stage == Stage.NOTICED
    assert [e.action for e in violation.events] == ["recorded", "issue_notice"]
    html = client.get(f"/staff/violations/{violation.id}").get_data(as_text=True)
    assert "already moved on" in html or "已经进入下一步" in html


def test_a_check_rectified_closes_it(client, auth, team, kind, unit):
    violation = record(team[Role.SECURITY], kind, unit=unit)
    auth.login_staff(team[Role.SECURITY])
    response = client.post(f"/staff/violations/{violation.id}/check", data={"outcome": "rectified", "note": "已清理"})
    assert response.status_code == 303
    db.session.refresh(violation)
    assert violation.stage == Stage.RECTIFIED
    html = client.get(f"/staff/violations/{violation.id}").get_data(as_text=True)
    assert f"{violation.id}/check" not in html


def test_security_cannot_send_the_notice_nor_refer(client, auth, team, kind, unit):
    violation = record(team[Role.SECURITY], kind, unit=unit)
    auth.login_staff(team[Role.SECURITY])
    assert client.post(f"/staff/violations/{violation.id}/advance", data={}).status_code == 403
    assert client.post(f"/staff/violations/{violation.id}/refer", data={}).status_code == 403
    assert count(ViolationNotice) == 1


def test_a_step_the_stage_does_not_allow_is_refused(client, auth, team, kind, unit):
    violation = record(team[Role.SECURITY], kind, unit=unit)
    auth.login_staff(team[Role.MANAGER])
    form = {"authority": "urban", "referred_to": "城管中队"}
    assert client.post(f"/staff/violations/{violation.id}/refer", data=form).status_code == 409
    services.record_check(act(team[Role.SECURITY]), violation, rectified=True)
    db.session.commit()
    assert client.post(f"/staff/violations/{violation.id}/advance", data={}).status_code == 409
    assert client.post(f"/staff/violations/{violation.id}/extend", data={"days": "9", "reason": "x"}).status_code == 409
    assert count(ViolationNotice) == 1


def test_the_referral_keeps_what_was_typed_when_who_is_missing(client, auth, team, kind, unit):
    violation = record(team[Role.SECURITY], kind, unit=unit)
    services.issue_notice(act(team[Role.MANAGER]), violation)
    services.issue_order(act(team[Role.MANAGER]), violation)
    db.session.commit()
    auth.login_staff(team[Role.MANAGER])
    response = client.post(
        f"/staff/violations/{violation.id}/refer", data={"authority": "fire", "referred_to": "", "referred_at": ""}
    )
    assert response.status_code == 422
    assert re.search(r'<input checked[^>]*value="fire"', response.get_data(as_text=True))
    response = client.post(
        f"/staff/violations/{violation.id}/refer", data={"authority": "fire", "referred_to": "消防大队 李警官"}
    )
    assert response.status_code == 303
    db.session.refresh(violation)
    assert violation.stage == Stage.REFERRED and violation.referred_to == "消防大队 李警官"


def test_a_fine_is_refused_where_the_kind_does_not_allow_it(client, auth, team, kind, unit):
    violation = record(team[Role.SECURITY], kind, unit=unit)
    auth.login_staff(team[Role.MANAGER])
    response = client.post(f"/staff/violations/{violation.id}/fine", data={"amount": "200"})
    assert response.status_code == 422 and "200" in response.get_data(as_text=True)
    assert count(Bill) == 0


def test_a_fine_over_the_maximum_keeps_what_was_typed_and_a_fine_within_it_is_billed(client, auth, team, prop, unit):
    charge = create_fine_charge(prop)
    kind = create_kind(prop, "高空抛物", fine_allowed=True, fine_max_fen=50000, fine_charge=charge)
    violation = record(team[Role.SECURITY], kind, unit=unit)
    auth.login_staff(team[Role.ASSISTANT])
    assert client.post(f"/staff/violations/{violation.id}/fine", data={"amount": "100"}).status_code == 403
    auth.logout("staff")
    auth.login_staff(team[Role.MANAGER])
    response = client.post(f"/staff/violations/{violation.id}/fine", data={"amount": "600", "note": "再犯"})
    assert response.status_code == 422 and "再犯" in response.get_data(as_text=True)
    assert count(Bill) == 0
    response = client.post(f"/staff/violations/{violation.id}/fine", data={"amount": "300", "note": "再犯"})
    assert response.status_code == 303
    bill = db.session.scalar(select(Bill))
    assert bill.total_fen == 30000 and bill.unit_id == unit.id


def test_the_notice_pdf_is_the_notice_as_sent(client, auth, team, kind, unit):
    violation = record(team[Role.SECURITY], kind, unit=unit, place="1号楼12层走廊")
    notice = violation.notices[0]
    auth.login_staff(team[Role.FRONTDESK])
    response = client.get(f"/staff/violations/{violation.id}/notices/{notice.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = pypdfium2.PdfDocument(response.get_data())
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    pdf.close()
    for expected in ("违章提醒", "1-1203", "走廊", "管理规约", "物业服务中心（盖章）"):
        assert expected in text, expected
    other = record(team[Role.SECURITY], kind, unit=unit)
    assert client.get(f"/staff/violations/{other.id}/notices/{notice.id}.pdf").status_code == 404


def test_the_open_list_filters_and_puts_the_overdue_first(client, auth, team, prop, kind, unit, clock):
    parking = create_kind(prop, "占用消防通道", reminder_days=0)
    late = record(team[Role.SECURITY], parking, place="地库消防通道")
    later = record(team[Role.SECURITY], kind, unit=unit)
    done = record(team[Role.SECURITY], kind, unit=unit)
    services.record_check(act(team[Role.SECURITY]), done, rectified=True)
    db.session.commit()
    clock.advance(days=1)
    auth.login_staff(team[Role.FRONTDESK])
    html = client.get("/staff/violations/").get_data(as_text=True)
    assert html.index(f">#{late.id}<") < html.index(f">#{later.id}<") and f">#{done.id}<" not in html
    html = client.get("/staff/violations/?due=overdue").get_data(as_text=True)
    assert f">#{late.id}<" in html and f">#{later.id}<" not in html
    html = client.get(f"/staff/violations/?kind={kind.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert html.lstrip().startswith('<section id="violation-list">') and f">#{late.id}<" not in html
    html = client.get("/staff/violations/?stage=noticed").get_data(as_text=True)
    assert "没有未结的违章" in html or "No open violation" in html


def test_the_open_list_pages_with_its_filters_kept_and_the_counts_of_all(client, auth, team, prop, kind, unit, clock):
    from staff.violations.pages import LIST_PAGE

    parking = create_kind(prop, "占用消防通道", reminder_days=0)
    late = record(team[Role.SECURITY], parking, place="地库消防通道")
    for _ in range(LIST_PAGE):
        record(team[Role.SECURITY], kind, unit=unit)
    clock.advance(days=1)
    auth.login_staff(team[Role.FRONTDESK])
    first = client.get("/staff/violations/").get_data(as_text=True)
    assert "未结违章 51 宗" in first and f">#{late.id}<" in first and first.count("<tr") == LIST_PAGE + 1
    assert "/staff/violations/?page=2" in first
    second = client.get("/staff/violations/?page=2", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert second.count("<tr") == 2 and f">#{late.id}<" not in second and "未结违章 51 宗" in second
    filtered = client.get(f"/staff/violations/?kind={kind.id}").get_data(as_text=True)
    assert "未结违章 50 宗" in filtered and "page=2" not in filtered.partition("violation-list")[2]


def test_the_list_stays_within_its_statement_budget(client, auth, team, prop, kind, unit, count_queries):
    record(team[Role.SECURITY], kind, unit=unit)
    auth.login_staff(team[Role.MANAGER])

    def statements():
        with count_queries() as counter:
            assert client.get("/staff/violations/").status_code == 200
        return counter.count

    few = statements()
    other_kind = create_kind(prop, "违章搭建")
    for n in range(6):
        record(team[Role.SECURITY], other_kind if n % 2 else kind, unit=builders.create_unit(number=f"0{n}01"))
    assert statements() == few


def test_repeat_offenders_take_n_from_the_query(client, auth, team, kind, unit):
    for _ in range(2):
        record(team[Role.SECURITY], kind, unit=unit)
    auth.login_staff(team[Role.ASSISTANT])
    assert "1-1203" not in client.get("/staff/violations/repeat").get_data(as_text=True)
    assert "1-1203" in client.get("/staff/violations/repeat?more_than=1").get_data(as_text=True)
    assert client.get("/staff/violations/repeat?more_than=abc").status_code == 200


def test_the_manager_reads_the_months_count_by_kind(client, auth, team, kind, unit):
    record(team[Role.SECURITY], kind, unit=unit)
    auth.login_staff(team[Role.MANAGER])
    month = local_now().strftime("%Y-%m")
    html = client.get(f"/staff/violations/monthly?month={month}").get_data(as_text=True)
    assert "楼道堆放杂物" in html


def test_a_new_kind_with_bad_input_keeps_what_was_typed_and_saves_nothing(client, auth, team):
    auth.login_staff(team[Role.MANAGER])
    data = {
        "name": "饲养宠物扰民",
        "rule": "",
        "first_stage": "reminded",
        "reminder_days": "1",
        "notice_days": "3",
        "order_days": "7",
        "authority": "police",
        "fine_max": "",
        "fine_charge_type_id": "",
    }
    response = client.post("/staff/violations/kinds/new", data=data)
    assert response.status_code == 422 and "饲养宠物扰民" in response.get_data(as_text=True)
    assert count(ViolationKind) == 0
    response = client.post(
        "/staff/violations/kinds/new", data={**data, "rule": "《养犬管理规定》", "fine_allowed": "y"}
    )
    assert response.status_code == 422 and "《养犬管理规定》" in response.get_data(as_text=True)
    assert count(ViolationKind) == 0
    response = client.post("/staff/violations/kinds/new", data={**data, "rule": "《养犬管理规定》"})
    assert response.status_code == 303
    assert db.session.scalar(select(ViolationKind)).templates  # the default notice texts


def test_a_notice_text_with_an_unknown_placeholder_keeps_what_was_typed(client, auth, team, kind):
    auth.login_staff(team[Role.MANAGER])
    url = f"/staff/violations/kinds/{kind.id}/templates/noticed"
    assert "{deadline}" in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"title": "通知", "body": "请{owner}整改"})
    assert response.status_code == 422 and "请{owner}整改" in response.get_data(as_text=True)
    response = client.post(url, data={"title": "通知", "body": "请{unit}于{deadline}前整改"})
    assert response.status_code == 303
    assert client.get(f"/staff/violations/kinds/{kind.id}/templates/closed").status_code == 404


def test_the_kind_editor_shows_the_kind_as_saved_and_saves_a_change(client, auth, team, prop):
    kind = create_kind(prop, "违章搭建", first_stage="noticed", authority="urban")
    auth.login_staff(team[Role.MANAGER])
    html = client.get(f"/staff/violations/kinds/{kind.id}").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="noticed"', html)
    assert re.search(r'<option selected value="urban">', html)
    data = {
        "name": "违章搭建",
        "rule": "《管理规约》第九条",
        "first_stage": "noticed",
        "reminder_days": "1",
        "notice_days": "10",
        "order_days": "20",
        "authority": "urban",
        "fine_max": "",
        "fine_charge_type_id": "",
        "is_active": "y",
    }
    assert client.post(f"/staff/violations/kinds/{kind.id}", data=data).status_code == 303
    db.session.refresh(kind)
    assert (kind.notice_days, kind.order_days, kind.rule) == (10, 20, "《管理规约》第九条")


def test_the_timeline_reads_an_extended_deadline_as_a_date(client, auth, team, kind, unit):
    violation = record(team[Role.SECURITY], kind, unit=unit)
    services.extend_deadline(act(team[Role.ASSISTANT]), violation, days=10, reason="业主出差")
    db.session.commit()
    auth.login_staff(team[Role.ASSISTANT])
    later = today() + timedelta(days=10)
    timeline = client.get(f"/staff/violations/{violation.id}").get_data(as_text=True).split("violation-timeline")[1]
    assert f"{later.year}年{later.month}月{later.day}日" in timeline and later.isoformat() not in timeline


def test_the_board_counts_the_violations_past_their_deadline_and_links_to_them(client, auth, team, unit, kind, clock):
    first = record(team[Role.SECURITY], kind, unit=unit)
    record(team[Role.SECURITY], kind)  # a public place: counted too
    auth.login_staff(team[Role.MANAGER])
    assert "violation_overdue" not in client.get("/staff/board").get_data(as_text=True)  # due tomorrow
    clock.advance(days=2)
    auth.login_staff(team[Role.MANAGER])  # two days later the session has lapsed
    panel = client.get("/staff/board").get_data(as_text=True).partition('data-panel="field"')[2]
    assert 'data-field-kind="violation_overdue"' in panel and "2 项违章未按期整改" in panel
    assert "/staff/violations/?due=overdue" in panel
    overdue = client.get("/staff/violations/?due=overdue").get_data(as_text=True)
    assert f"/staff/violations/{first.id}" in overdue
