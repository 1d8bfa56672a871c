"""Move-in end to end in Chromium: the owner pre-fills on a phone, the desk completes the case on a touch screen where
the owner signs with a finger, the unit is inspected on a phone with one defect, engineering repairs it, the second
inspection passes, and the 验房记录表 PDF reads in Chinese."""

import re

import pypdfium2
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect
from sqlalchemy import select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.billing.models import MeterReading
from domain.movein.cases import create_case
from domain.movein.invitations import issue_invitation
from domain.movein.models import CaseStatus, InspectionTemplateItem, MoveInCase, UnitInspection
from domain.property.models import Occupancy, UnitStatus
from domain.signatures.models import Signature
from extensions import db
from tests import builders
from tests.e2e.conftest import SCREENSHOTS, shot, sign_in, sign_with_a_finger, view_shot

pytestmark = pytest.mark.e2e
SYSTEM = Actor.system("test")
#: The manager's checklist for this property, kept short so the walk stays readable (the default has 32 lines).
CHECKLIST = (("客厅", "墙面"), ("卫生间", "地漏及排水管"), ("电气", "开关插座"), ("入户门", "入户门及门锁"))


def jpeg(path, colour="navy"):
    """A small photo as a phone would send it."""
    image = Image.new("RGB", (320, 240), "#e8e4dc")
    ImageDraw.Draw(image).ellipse([90, 50, 230, 190], fill=colour)
    image.save(path, "JPEG")
    return str(path)


def test_a_move_in_from_the_invitation_to_the_second_inspection(
    live_server, page_factory, live_uploads, prop, tmp_path, clock
):
    # 1. Before the day: the fee schedule, the metered charges, a vacant unit, the staff, a case with an invitation.
    builders.create_charge(prop)  # 物业管理费 ¥2.50 per m²
    builders.create_charge(prop, code="WATER", name="水费", basis="metered", rate_fen=380, meter_unit="m³")
    builders.create_charge(prop, code="ELEC", name="电费", basis="metered", rate_fen=52, meter_unit="kWh")
    unit = builders.create_unit(number="1203", area_x100=8950, status=UnitStatus.VACANT)
    for role, username, name in (
        (Role.FRONTDESK, "frontdesk", "李静"),
        (Role.ASSISTANT, "assistant", "陈助理"),
        (Role.ENGINEERING, "engineer", "赵工"),
    ):
        builders.create_staff(role, username=username).display_name = name
    for position, (area, name) in enumerate(CHECKLIST, start=1):
        db.session.add(InspectionTemplateItem(property_id=prop.id, area=area, name=name, position=position))
    case = create_case(SYSTEM, unit_id=unit.id, owner_name="王业主", owner_phone="13900000001")
    code = issue_invitation(SYSTEM, case)
    db.session.commit()
    case_id, label = case.id, unit.label

    # 2. The owner on a phone: the code, an account, the 业主登记表 with one household member, a copy, a slot.
    phone = page_factory(390, 844, mobile=True)
    phone.goto(f"{live_server}/portal/move-in/invitation")
    phone.fill("#code", code)
    phone.click("button[type=submit].primary")
    expect(phone.locator("dl.facts")).to_contain_text("王业主")
    expect(phone.locator("#username")).to_have_value("13900000001")
    phone.fill("#password", "Move-in-2026!")
    phone.fill("#confirm", "Move-in-2026!")
    phone.click("button[type=submit].primary")
    phone.wait_for_url(f"{live_server}/portal/move-in")
    expect(phone.locator(f"#case-{case_id}")).to_contain_text(label)

    phone.click(f"a[href='/portal/move-in/{case_id}/registration']")
    phone.click(f"a[href='/portal/move-in/{case_id}/owner']")
    phone.select_option("#gender", "male")
    phone.fill("#birth_date", "1985-06-01")
    phone.fill("#ethnicity", "汉族")
    phone.fill("#employer", "沈阳某某有限公司")
    phone.fill("#id_number", "110101199003074514")
    phone.click("form.person-form button[type=submit]")
    expect(phone.locator("#move-in-people")).to_contain_text("1*************4514")
    phone.click(f"a[href='/portal/move-in/{case_id}/people/new']")
    phone.fill("#kinship", "配偶")
    phone.fill("#name", "李家人")
    phone.click("form.person-form button[type=submit]")
    expect(phone.locator("#move-in-people")).to_contain_text("李家人")

    phone.goto(f"{live_server}/portal/move-in/{case_id}/papers")
    phone.select_option("#type_code", "purchase_contract")
    phone.set_input_files("#upload", jpeg(tmp_path / "购房合同.jpg"))
    phone.click("form.card button[type=submit]")
    expect(phone.locator("ul.checklist li.done")).to_contain_text("房屋买卖合同")

    phone.goto(f"{live_server}/portal/move-in/{case_id}/appointment")
    phone.locator("input[name=slot]:not([disabled])").first.check()
    phone.click("form.slot-form button[type=submit]")
    phone.wait_for_url(f"{live_server}/portal/move-in")
    booked = phone.locator(f"#case-{case_id}")
    expect(booked.locator(".badge")).to_have_text("已预约")
    expect(booked).to_contain_text("1 名家庭成员")
    shot(phone, "portal-move-in")
    view_shot(phone, "portal-move-in-screen")

    # 3. The desk on a touch screen: receive, tick the papers, keys with counts, the bill paid in cash, both
    # agreements signed with a finger, complete.
    desk = page_factory(1024, 768, mobile=True)
    sign_in(desk, live_server, "staff", "frontdesk")
    desk.goto(f"{live_server}/staff/move-in/{case_id}")
    desk.click(f"form[action='/staff/move-in/{case_id}/receive'] button")
    expect(desk.locator(".alert-success").first).to_be_visible()
    desk.click(f"a[href='/staff/move-in/{case_id}/desk']")
    checklist = desk.locator("#move-in-checklist")
    keys = checklist.locator("li.checklist-line", has_text="房间钥匙")
    keys.locator("input[name=handed_quantity]").fill("3")
    keys.locator("input[name=note]").fill("入户门钥匙3把")
    keys.locator("form.checklist-tick button").click()
    expect(checklist.locator("li.checklist-line", has_text="房间钥匙")).to_contain_text("已交 3 / 应交 3")
    contract = checklist.locator("li.checklist-line", has_text="房屋买卖合同复印件")
    contract.locator("input[name=note]").fill("公章、签字一致")
    contract.locator("form.checklist-tick button").click()
    expect(checklist.locator("li.checklist-line", has_text="房屋买卖合同复印件")).to_contain_text("公章、签字一致")
    id_copy = checklist.locator("li.checklist-line", has_text="业主身份证")  # the desk photographs the ID card
    id_copy.locator("form.checklist-copy input[name=upload]").set_input_files(jpeg(tmp_path / "身份证.jpg", "teal"))
    id_copy.locator("form.checklist-copy button").click()
    expect(checklist.locator("li.checklist-line", has_text="业主身份证")).to_contain_text("已存档 1 份")
    while checklist.locator("form.checklist-tick").count():  # the other papers, the form and the cards, one by one
        form = checklist.locator("form.checklist-tick").first
        line_id = form.locator("xpath=ancestor::li[1]").get_attribute("id")
        form.locator("button[type=submit]").click()
        expect(desk.locator(f"#{line_id}")).to_have_class(re.compile("is-done"))
    checklist.locator(f"form[action='/staff/move-in/{case_id}/bill'] button").click()
    expect(checklist.locator(".checklist-bill .badge-overdue")).to_be_visible()
    checklist.locator(f"a[href='/staff/billing/units/{unit.id}']").click()
    desk.locator("input[name=bill_ids]").first.check()
    desk.select_option("#method", "cash")
    desk.click(f"form[action='/staff/billing/units/{unit.id}/payments'] button[type=submit]")
    desk.wait_for_url(f"{live_server}/staff/billing/payments/*")
    expect(desk.locator(".alert-success").first).to_be_visible()
    desk.goto(f"{live_server}/staff/move-in/{case_id}/desk")
    expect(desk.locator(".checklist-bill .badge-paid")).to_be_visible()
    for purpose in ("fire_agreement", "handover_list"):
        paper = desk.locator(f"#sign-{purpose}")
        paper.locator("input[name=signer_name]").fill("王业主")
        sign_with_a_finger(desk, paper.locator("[data-signature-pad]"))
        if purpose == "handover_list":  # the owner's finger on the tablet, the checklist's state just above
            view_shot(desk, "staff-move-in-desk-screen")
        paper.locator("button[type=submit].primary").click()
        expect(desk.locator(f"#sign-{purpose} .badge-paid")).to_be_visible()
    expect(desk.locator("#move-in-checklist")).to_contain_text("可以完成入住手续")
    shot(desk, "staff-move-in-desk")
    desk.click(f"form[action='/staff/move-in/{case_id}/complete'] button")
    expect(desk.locator("#move-in-checklist .alert-success")).to_be_visible()
    desk.goto(f"{live_server}/staff/move-in/{case_id}")
    expect(desk.locator(".page-head .badge")).to_have_text("手续完成")
    db.session.expire_all()
    assert db.session.get(MoveInCase, case_id).status == CaseStatus.COMPLETED
    assert len(db.session.scalars(select(Signature).where(Signature.subject_id == case_id)).all()) == 2
    residents = db.session.scalars(select(Occupancy).where(Occupancy.unit_id == unit.id)).all()
    assert len(residents) == 2  # the owner and the household member

    # 4. The inspection on a phone: the assistant schedules it from the case page, walks the unit with the owner.
    clock.advance(hours=4)  # the afternoon of the same day
    walker = page_factory(390, 844, mobile=True)
    sign_in(walker, live_server, "staff", "assistant")
    walker.goto(f"{live_server}/staff/move-in/{case_id}")
    walker.fill("#scheduled_at", "2026-11-17T14:00")
    walker.select_option("#engineer_id", label="赵工")
    walker.click("form.schedule-inspection button[type=submit]")
    walker.wait_for_url(f"{live_server}/staff/move-in/inspections/*")
    first_url = walker.url
    walker.click("button:has-text('开始验房')")
    items = walker.locator("li.inspect-item")
    expect(items).to_have_count(len(CHECKLIST))
    defect = items.filter(has_text="地漏及排水管")
    defect.locator("summary").click()
    defect.locator("textarea[name=note]").fill("地漏反水，需疏通并重新找坡。")
    defect.locator("input[name=photos]").set_input_files(jpeg(tmp_path / "地漏.jpg", "brown"))
    defect.locator("button.toggle-defect").click()
    photo = items.filter(has_text="地漏及排水管").locator(".item-photos img")
    expect(photo).to_have_count(1)
    photo.scroll_into_view_if_needed()
    expect(photo).to_have_js_property("complete", True)
    assert photo.evaluate("img => img.naturalWidth") > 0  # the preview of the photo just taken is shown
    for _area, name in CHECKLIST:
        if name != "地漏及排水管":
            items.filter(has_text=name).locator("button.toggle-ok").click()
            expect(items.filter(has_text=name).locator("button.toggle-ok")).to_have_attribute("aria-pressed", "true")
    walker.fill("#water", "12.5")
    walker.fill("#electricity", "305.75")
    walker.click("#readings button[type=submit]")
    expect(walker.locator("#water")).to_have_value("12.50")
    walker.fill("#owner_requests", "阳台加装晾衣架的位置请物业确认。")
    walker.click("#requests button[type=submit]")
    expect(walker.locator("#owner_requests")).to_have_value("阳台加装晾衣架的位置请物业确认。")
    walker.fill("#owner_name", "王业主")
    pads = walker.locator("#sign [data-signature-pad]")
    sign_with_a_finger(walker, pads.nth(0))
    sign_with_a_finger(walker, pads.nth(1))
    shot(walker, "staff-inspection")
    items.filter(has_text="地漏及排水管").scroll_into_view_if_needed()
    walker.evaluate("window.scrollBy(0, -120)")
    view_shot(walker, "staff-inspection-screen")
    walker.click("#sign button[type=submit].primary")
    expect(walker.locator(".badge-overdue").first).to_have_text("有不合格项")
    ticket_link = walker.locator("li.inspect-item", has_text="地漏及排水管").locator("a[href^='/staff/tickets/']")
    ticket_url = ticket_link.get_attribute("href")
    db.session.expire_all()
    readings = db.session.scalars(select(MeterReading).where(MeterReading.unit_id == unit.id)).all()
    assert sorted(r.current_x100 for r in readings) == [1250, 30575]  # the unit's first readings for billing

    # 5. The next day engineering takes the repair ticket and finishes it through the ticket page's buttons.
    clock.advance(days=1)
    engineer = page_factory()
    sign_in(engineer, live_server, "staff", "engineer")
    engineer.goto(f"{live_server}{ticket_url}")
    engineer.click(".steps form[action$='/claim'] button")
    engineer.fill("form[action$='/finish'] textarea", "疏通地漏，重新找坡，闭水试验合格。")
    engineer.click("form[action$='/finish'] button[type=submit]")
    expect(engineer.locator(".page-head .badge")).to_have_text("已完成")

    # 6. The second inspection, the same afternoon: offered on the first one's page, just the defect, passed.
    sign_in(walker, live_server, "staff", "assistant")  # the console signed them out overnight
    walker.goto(first_url)
    offer = walker.locator("#reinspection")
    expect(offer).to_be_visible()
    offer.locator("input[type=datetime-local]").fill("2026-11-18T14:20")
    offer.locator("button[type=submit]").click()
    walker.wait_for_url(re.compile(r".*/staff/move-in/inspections/\d+$"))
    assert walker.url != first_url
    clock.advance(minutes=20)
    walker.click("button:has-text('开始验房')")
    expect(walker.locator("li.inspect-item")).to_have_count(1)
    walker.locator("li.inspect-item button.toggle-ok").click()
    expect(walker.locator("li.inspect-item button.toggle-ok")).to_have_attribute("aria-pressed", "true")
    walker.fill("#owner_name", "王业主")
    pads = walker.locator("#sign [data-signature-pad]")
    sign_with_a_finger(walker, pads.nth(0))
    sign_with_a_finger(walker, pads.nth(1))
    walker.click("#sign button[type=submit].primary")
    expect(walker.locator(".badge-paid").first).to_have_text("全部合格")
    shot(walker, "staff-reinspection")

    # 7. The first round's 验房记录表 as a PDF, rendered to PNG: the Chinese text and the unit are there.
    walker.goto(first_url)
    pdf_path = walker.locator("a[href$='/record.pdf']").first.get_attribute("href")
    record = walker.request.get(f"{live_server}{pdf_path}")
    assert record.ok and record.headers["content-type"] == "application/pdf"
    pdf = pypdfium2.PdfDocument(record.body())
    text = pdf[0].get_textpage().get_text_range()
    assert "验房记录表" in text and label in text and "地漏" in text
    SCREENSHOTS.mkdir(exist_ok=True)
    pdf[0].render(scale=1.5).to_pil().save(SCREENSHOTS / "inspection-record.png")
    pdf.close()
    db.session.expire_all()
    rounds = db.session.scalars(select(UnitInspection).order_by(UnitInspection.round)).all()
    assert [(r.round, r.passed) for r in rounds] == [(1, False), (2, True)]
