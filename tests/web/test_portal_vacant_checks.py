"""The results of the office's checks of a vacant unit in the portal (/portal/notices): the owner sees each check of
their unit with its faults, meters and photos, and is told of it in the portal and by e-mail; a neighbour gets 404
on every result and photo, and sees none in their list."""

import io
import smtplib
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from domain.accounts.roles import Role
from domain.clock import today
from domain.files.models import FieldPhoto
from domain.notify.models import Notification
from domain.property.models import UnitStatus
from domain.vacant.models import VacantCheck
from extensions import db
from tests import builders
from tests.areas_builders import create_area
from tests.vacant_builders import create_vacant, create_vacant_check


class FakeSMTP:
    """Records the e-mails sent (the suite refuses real SMTP): (to, subject)."""

    sent = []

    def __init__(self, host, port, timeout):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_message(self, message):
        """Note the recipient and subject."""
        FakeSMTP.sent.append((message["To"], str(message["Subject"])))


@pytest.fixture
def home(prop):
    """(the vacant unit's record, its owner with an e-mail address, a neighbour)."""
    unit = builders.create_unit(number="1203", status=UnitStatus.VACANT)
    owner = builders.create_resident(prop, unit=unit)
    owner.email = "owner@example.com"
    neighbour = builders.create_resident(prop, unit=builders.create_unit(number="1204"))
    db.session.commit()
    return create_vacant(prop, unit), owner, neighbour


def jpeg():
    """A small JPEG upload."""
    data = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(data, "JPEG")
    data.seek(0)
    return (data, "window.jpg")


def record_through_the_console(client, auth, prop, vacant, monkeypatch, app):
    """The area's assistant records a check with a fault and a photo; returns the check."""
    FakeSMTP.sent = []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "mail.invalid")
    assistant = builders.create_staff(Role.ASSISTANT)
    create_area(prop, assistant=assistant)
    auth.login_staff(assistant)
    items = ("门窗关闭完好", "无渗漏水", "水电按约定关闭或开启", "无异味", "无虫鼠害")
    form = {f"item-{n}": "ok" for n in range(len(items))} | {"item-0": "fault", "note": "北侧窗户未关严"}
    form |= {"meter-0": "88.5", "meter-1": "1203", "photos": [jpeg()]}
    response = client.post(f"/staff/vacant/{vacant.id}/check", data=form, content_type="multipart/form-data")
    assert response.status_code == 303
    auth.logout("staff")
    return db.session.scalar(select(VacantCheck).order_by(VacantCheck.id.desc()))


def test_the_owner_is_told_of_a_check_and_sees_its_result(app, client, auth, prop, home, monkeypatch):
    vacant, owner, _neighbour = home
    check = record_through_the_console(client, auth, prop, vacant, monkeypatch, app)
    assert FakeSMTP.sent == [("owner@example.com", "空置房检查：1-1203")]
    [notice] = db.session.scalars(select(Notification).where(Notification.resident_id == owner.id)).all()
    assert "1-1203" in notice.message and "门窗关闭完好" in notice.message
    auth.login_resident(owner.user)
    page = client.get("/portal/notices").get_data(as_text=True)
    assert "1-1203" in page and "门窗关闭完好" in page and f"#{check.ticket_id}" in page
    assert 'href="/portal/notices"' in page  # the tab
    detail = client.get(f"/portal/notices/vacant-checks/{check.id}").get_data(as_text=True)
    assert "北侧窗户未关严" in detail and "88.5" in detail and "1203" in detail
    photo = db.session.scalar(select(FieldPhoto))
    with client.get(f"/portal/notices/vacant-checks/{check.id}/photos/{photo.id}?preview=1") as shown:
        assert shown.status_code == 200


def test_a_neighbour_gets_404_on_every_result_and_sees_none(app, client, auth, prop, home, monkeypatch):
    vacant, _owner, neighbour = home
    check = record_through_the_console(client, auth, prop, vacant, monkeypatch, app)
    photo = db.session.scalar(select(FieldPhoto))
    auth.login_resident(neighbour.user)
    page = client.get("/portal/notices").get_data(as_text=True)
    assert "1-1203" not in page
    for url in (
        f"/portal/notices/vacant-checks/{check.id}",
        f"/portal/notices/vacant-checks/{check.id}/photos/{photo.id}",
        f"/portal/notices/vacant-checks/{check.id + 1}",
    ):
        assert client.get(url).status_code == 404, url


def test_the_checks_page_takes_the_same_number_of_queries_however_many_checks(client, auth, home, count_queries):
    vacant, owner, _neighbour = home
    auth.login_resident(owner.user)
    create_vacant_check(vacant, today())
    client.get("/portal/notices")
    with count_queries() as few:
        assert client.get("/portal/notices").status_code == 200
    for n in range(1, 9):
        create_vacant_check(vacant, today() - timedelta(days=n))
    with count_queries() as many:
        page = client.get("/portal/notices")
    assert page.status_code == 200 and many.count == few.count <= 12
    assert page.get_data(as_text=True).count("/portal/notices/vacant-checks/") == 9


def test_staff_are_refused_the_portal_notices(client, auth):
    auth.login_staff(builders.create_staff(Role.MANAGER))
    assert client.get("/portal/notices").status_code == 403
