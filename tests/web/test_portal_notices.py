"""The resident's notices: the violation notices of their own units (each stage as sent, and as PDF), the answer
with photos (bad input kept, nothing saved), told of every stage; a neighbour gets 404 on every notice and answer,
and a public-place violation without a unit is never shown."""

import io

import pypdfium2
import pytest
from PIL import Image
from sqlalchemy import func, select

from domain.accounts.roles import Role
from domain.alerts.models import StaffAlert
from domain.notify.models import Notification
from domain.violations import services
from domain.violations.models import ViolationEvent, ViolationReply
from extensions import db
from tests import builders
from tests.areas_builders import create_area
from tests.incident_builders import create_team
from tests.violation_builders import act, create_kind, record


@pytest.fixture
def team(prop):
    """Every role, one each."""
    return create_team()


@pytest.fixture
def home(prop):
    """Unit 1-1203 and its owner."""
    unit = builders.create_unit(number="1203")
    return unit, builders.create_resident(prop, unit=unit)


@pytest.fixture
def neighbour(prop):
    """The owner of 1-1204."""
    return builders.create_resident(prop, unit=builders.create_unit(number="1204"))


def png():
    """A small real PNG picture."""
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


def test_the_resident_sees_each_stage_as_sent_and_is_told_of_each(client, auth, prop, team, home):
    unit, owner = home
    violation = record(team[Role.SECURITY], create_kind(prop), unit=unit, place="1号楼12层走廊")
    services.issue_notice(act(team[Role.ASSISTANT]), violation)
    db.session.commit()
    told = db.session.scalars(select(Notification.message).where(Notification.resident_id == owner.id)).all()
    assert len(told) == 2 and "违章通知书" in told[1]
    auth.login_resident(owner.user)
    html = client.get("/portal/notices").get_data(as_text=True)
    assert "违章通知书" in html and f"/portal/notices/violations/{violation.id}" in html
    html = client.get(f"/portal/notices/violations/{violation.id}").get_data(as_text=True)
    assert "违章提醒" in html and "违章通知书" in html and violation.notices[1].body.splitlines()[1] in html
    notice = violation.notices[1]
    response = client.get(f"/portal/notices/violations/{violation.id}/notices/{notice.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = pypdfium2.PdfDocument(response.get_data())
    assert "违章通知书" in pdf[0].get_textpage().get_text_range()
    pdf.close()


def test_a_public_place_violation_without_a_unit_is_never_shown(client, auth, prop, team, home):
    _unit, owner = home
    public = record(team[Role.SECURITY], create_kind(prop), place="地库消防通道")
    auth.login_resident(owner.user)
    assert "地库消防通道" not in client.get("/portal/notices").get_data(as_text=True)
    assert client.get(f"/portal/notices/violations/{public.id}").status_code == 404
    notice = public.notices[0]
    assert client.get(f"/portal/notices/violations/{public.id}/notices/{notice.id}.pdf").status_code == 404


def test_a_neighbour_gets_404_on_every_notice_and_every_answer(client, auth, prop, team, home, neighbour):
    unit, owner = home
    violation = record(team[Role.SECURITY], create_kind(prop), unit=unit)
    answer = ViolationReply(violation_id=violation.id, resident_id=owner.id, body="已清理")
    db.session.add(answer)
    db.session.commit()
    notice = violation.notices[0]
    auth.login_resident(neighbour.user)
    assert f"/portal/notices/violations/{violation.id}" not in client.get("/portal/notices").get_data(as_text=True)
    base = f"/portal/notices/violations/{violation.id}"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/notices/{notice.id}.pdf").status_code == 404
    assert client.get(f"{base}/replies/{answer.id}/photos/1").status_code == 404
    assert client.post(f"{base}/reply", data={"body": "不是我家的"}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(ViolationReply)) == 1


def test_the_resident_answers_with_text_and_a_photo_and_the_assistant_is_told(client, auth, prop, team, home):
    unit, owner = home
    create_area(prop, assistant=team[Role.ASSISTANT])
    violation = record(team[Role.SECURITY], create_kind(prop), unit=unit)
    auth.login_resident(owner.user)
    data = {"body": "纸箱已经清理了", "photos": (io.BytesIO(png()), "clean.png")}
    response = client.post(
        f"/portal/notices/violations/{violation.id}/reply", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 303
    answer = db.session.scalar(select(ViolationReply))
    assert answer.body == "纸箱已经清理了" and answer.resident_id == owner.id
    html = client.get(f"/portal/notices/violations/{violation.id}").get_data(as_text=True)
    assert "纸箱已经清理了" in html and f"/replies/{answer.id}/photos/" in html
    alert = db.session.scalar(select(StaffAlert).where(StaffAlert.subject_type == "violation"))
    assert alert.user_id == team[Role.ASSISTANT].id and "纸箱已经清理了" in alert.message
    auth.logout()
    auth.login_staff(team[Role.SECURITY])
    html = client.get(f"/staff/violations/{violation.id}").get_data(as_text=True)
    assert "纸箱已经清理了" in html and f"/replies/{answer.id}/photos/" in html


def test_an_empty_answer_is_refused_keeping_nothing_saved(client, auth, prop, team, home):
    unit, owner = home
    violation = record(team[Role.SECURITY], create_kind(prop), unit=unit)
    auth.login_resident(owner.user)
    response = client.post(f"/portal/notices/violations/{violation.id}/reply", data={"body": "  "})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(ViolationReply)) == 0
    long_text = "很长" * 1001
    response = client.post(f"/portal/notices/violations/{violation.id}/reply", data={"body": long_text})
    assert response.status_code == 422 and long_text in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ViolationEvent)) == 1


def test_a_closed_violation_takes_no_more_answers(client, auth, prop, team, home):
    unit, owner = home
    violation = record(team[Role.SECURITY], create_kind(prop), unit=unit)
    services.record_check(act(team[Role.SECURITY]), violation, rectified=True)
    db.session.commit()
    auth.login_resident(owner.user)
    html = client.get(f"/portal/notices/violations/{violation.id}").get_data(as_text=True)
    assert "/reply" not in html
    response = client.post(f"/portal/notices/violations/{violation.id}/reply", data={"body": "已清理"})
    assert response.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(ViolationReply)) == 0


def test_the_notices_page_stays_within_its_statement_budget(client, auth, prop, team, home, count_queries):
    unit, owner = home
    kind = create_kind(prop)
    record(team[Role.SECURITY], kind, unit=unit)
    auth.login_resident(owner.user)

    def statements():
        with count_queries() as counter:
            assert client.get("/portal/notices").status_code == 200
        return counter.count

    few = statements()
    for _ in range(5):
        violation = record(team[Role.SECURITY], kind, unit=unit)
        services.issue_notice(act(team[Role.ASSISTANT]), violation)
    db.session.commit()
    assert statements() == few


def test_an_extended_deadline_is_the_one_the_resident_reads(client, auth, prop, team, home):
    from datetime import timedelta

    from domain.clock import today

    unit, owner = home
    violation = record(team[Role.SECURITY], create_kind(prop, reminder_days=1), unit=unit)
    services.extend_deadline(act(team[Role.ASSISTANT]), violation, days=10, reason="业主出差，下周回来")
    db.session.commit()
    later = today() + timedelta(days=10)
    auth.login_resident(owner.user)
    wanted = f"{later.year}年{later.month}月{later.day}日"
    assert wanted in client.get("/portal/notices").get_data(as_text=True)
    html = client.get(f"/portal/notices/violations/{violation.id}").get_data(as_text=True)
    assert wanted in html and "已延长整改期限" in html
