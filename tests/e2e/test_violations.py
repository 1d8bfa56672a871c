"""Violations end to end in Chromium: security records goods piled in a corridor on a phone with a photo, in well
under a minute; the assistant sends the written notice (违章通知书) and prints it as a PDF; the resident reads it under
通知 in the portal and answers with a photo; the follow-up check on a phone finds it put right and closes it."""

import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from domain.accounts.roles import Role
from domain.violations.models import Stage, Violation, ViolationNotice, ViolationReply
from extensions import db
from tests import builders
from tests.e2e.conftest import PHONE, pdf_text, photo, save_first_page, shot, sign_in, view_shot
from tests.violation_builders import create_kind

pytestmark = pytest.mark.e2e


def test_a_corridor_violation_recorded_on_a_phone_noticed_answered_and_closed(
    live_server, page_factory, live_uploads, prop, tmp_path
):
    building = builders.create_building(prop, code="3", name="3号楼")
    unit = builders.create_unit(building, number="1201")
    builders.create_resident(prop, unit=unit, name="陈业主", phone="13800000003")
    builders.create_staff(Role.SECURITY, username="guard").display_name = "孙安管"
    builders.create_staff(Role.ASSISTANT, username="assistant").display_name = "李助理"
    db.session.commit()
    create_kind(prop, "楼道堆放杂物")

    # 1. Security records it on a phone: the kind, the unit, the place, what was seen and a photo.
    guard = page_factory(**PHONE)
    sign_in(guard, live_server, "staff", "guard")
    began = time.monotonic()
    guard.goto(f"{live_server}/staff/violations/new")
    guard.click("label.chip:has-text('楼道堆放杂物')")
    guard.fill("#unit_label", "3-1201")
    guard.fill("#place", "3号楼12层电梯厅")
    guard.fill("#seen", "电梯厅旁堆放纸箱和旧沙发，堵住一半通道。")
    guard.set_input_files("#photos", photo(tmp_path / "楼道.jpg"))
    view_shot(guard, "staff-violation-record-screen")
    guard.click("form.incident-form button[type=submit]")
    guard.wait_for_url(re.compile(r".*/staff/violations/\d+$"))
    assert time.monotonic() - began < 60
    violation_id = int(guard.url.rsplit("/", 1)[1])
    expect(guard.locator("h1")).to_contain_text("楼道堆放杂物")
    expect(guard.locator(".timeline")).to_contain_text("堵住一半通道")

    # 2. The assistant sends the written notice, then prints it for the door.
    desk = page_factory()
    sign_in(desk, live_server, "staff", "assistant")
    desk.goto(f"{live_server}/staff/violations/{violation_id}")
    desk.click("button:has-text('发出通知')")
    expect(desk.locator(".alert-success").first).to_be_visible()
    notices = desk.locator("#violation-notices")
    expect(notices).to_contain_text("违章通知书")
    shot(desk, "staff-violation")
    href = notices.locator("a[href$='.pdf']").last.get_attribute("href")
    pdf, text = pdf_text(desk.request.get(f"{live_server}{href}"))
    for words in ("违章通知书", "3-1201", "不得占用公共通道堆放物品", "堵住一半通道", "盖章"):
        assert words in text, words
    save_first_page(pdf, "violation-notice")
    pdf.close()

    # 3. The resident finds it under 通知 in the portal and answers with a photo.
    resident = page_factory(**PHONE)
    sign_in(resident, live_server, "portal", "13800000003")
    resident.click(".portal-tabs a:has-text('通知')")
    resident.wait_for_url(f"{live_server}/portal/notices")
    resident.click("a:has-text('违章通知书')")
    resident.wait_for_url(re.compile(rf".*/portal/notices/violations/{violation_id}$"))
    expect(resident.locator(".violation-notice").first).to_contain_text("堵住一半通道")
    resident.fill("#body", "纸箱已清走，旧沙发周末找人搬走。")
    resident.set_input_files("#photos", photo(tmp_path / "已清理.jpg"))
    resident.click("form button[type=submit].primary")
    expect(resident.locator("#answers-title")).to_be_visible()
    expect(resident.locator(".thumbs img")).to_have_count(1)
    shot(resident, "portal-violation-notice")

    # 4. The follow-up check on the guard's phone finds it put right: the violation closes.
    guard.goto(f"{live_server}/staff/violations/{violation_id}")
    expect(guard.locator(".timeline")).to_contain_text("纸箱已清走")  # the resident's answer reached the console
    guard.click("label.chip:has(input[value=rectified])")
    guard.fill("#note", "复查：通道已清空。")
    guard.click("button:has-text('记录复查')")
    expect(guard.locator(".alert-success").first).to_be_visible()
    expect(guard.locator("h1")).to_contain_text("已整改")

    db.session.expire_all()
    violation = db.session.get(Violation, violation_id)
    assert violation.stage == Stage.RECTIFIED and violation.unit_id == unit.id
    assert [n.title for n in db.session.scalars(select(ViolationNotice)).all()][-1].startswith("违章通知书")
    assert db.session.scalars(select(ViolationReply)).one().body.startswith("纸箱已清走")
