"""Field work end to end in Chromium on a phone: a patrol round whose first label is read by the phone's camera (a fake
video of the printed label), the second typed, the third kept on the phone while offline; a finding with a photo made
a ticket in one tap; the round signed, its 巡视记录表 page and PDF. A special incident reported on a phone, the alert
banner in the manager's open console acknowledged, the incident closed only with its outcome, cause and measures, and
its 特殊事件报告 PDF. Incident mode's notice on the portal of the affected building only, and on the kiosk."""

import io
import re
import time

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from domain.accounts.roles import Role
from domain.incidents.models import Incident, IncidentStatus
from domain.patrols import labels, routes
from domain.patrols.models import PatrolFinding, PatrolRound, PatrolVisit, RoundStatus
from domain.tickets.models import Channel, Department, Ticket
from extensions import db
from staff.patrols.pages import scan_url
from tests import builders
from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    CheckedPages,
    pdf_text,
    photo,
    save_first_page,
    shot,
    sign_in,
    sign_with_a_finger,
    view_shot,
)
from tests.incident_mode_builders import create_incident
from tests.patrol_builders import manager_actor
from tests.patrol_walk_builders import window_around_now

pytestmark = pytest.mark.e2e
#: The fake camera's frame, as Chromium reads a .y4m file: 4:2:0, ten frames a second, played in a loop.
FRAME_SIZE = (640, 480)


def y4m_of(png, path, frames=10):
    """Write a Y4M video of `png` (bytes) held up to the camera: scaled to fit the frame, on white, still."""
    width, height = FRAME_SIZE
    label = Image.open(io.BytesIO(png)).convert("RGB")
    label.thumbnail((width - 40, height - 40))
    frame = Image.new("RGB", FRAME_SIZE, "white")
    frame.paste(label, ((width - label.width) // 2, (height - label.height) // 2))
    luma, blue, red = frame.convert("YCbCr").split()
    chroma = [plane.resize((width // 2, height // 2)).tobytes() for plane in (blue, red)]
    body = b"FRAME\n" + luma.tobytes() + chroma[0] + chroma[1]
    path.write_bytes(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode() + body * frames)
    return path


def top_shot(page, name):
    """A full-page screenshot taken from the top (the walk page's progress line sticks to the top of the screen, and
    would be drawn over the page where it was scrolled to)."""
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, name)


@pytest.fixture
def camera_phone(playwright_driver, live_server):
    """`camera_phone(video)`: a checked phone page of a Chromium of its own whose camera films `video` (.y4m), the
    camera allowed for the live server."""
    launched = []

    def make(video):
        browser = playwright_driver.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
            headless=True,
        )
        pages = CheckedPages(browser)
        launched.append((browser, pages))
        page = pages.new_page(**PHONE)
        page.context.grant_permissions(["camera"], origin=live_server)
        return page

    yield make
    problems = []
    for browser, pages in launched:
        problems += pages.problems()
        pages.close()
        browser.close()
    if problems:
        pytest.fail("the browser saw errors:\n" + "\n".join(problems))


def test_a_patrol_round_scanned_typed_and_kept_offline_with_a_finding_made_a_ticket(
    live_server, camera_phone, live_uploads, prop, tmp_path
):
    # The manager's night-shift route for security: three checkpoints, its window open now.
    guard = builders.create_staff(Role.SECURITY, username="guard")
    guard.display_name = "王保安"
    manager = manager_actor()
    route = routes.save_route(
        manager, name="1号楼安全巡视", role=Role.SECURITY, windows=[window_around_now()], property_id=prop.id
    )
    for name, place, checklist in (
        ("1号楼大堂", "1号楼一层", "消防通道畅通\n照明正常"),
        ("地下车库入口", "B1 坡道", "道闸正常\n照明正常"),
        ("2号水泵房", "B2 设备层", "无渗漏\n门已上锁"),
    ):
        routes.save_checkpoint(manager, route, name=name, place=place, look_for="看一眼有无异常", checklist=checklist)
    db.session.commit()
    first, second, third = route.checkpoints
    # The first label as printed (the QR of its scan address on the live server), filmed by the phone's camera.
    with live_server.app.test_request_context(base_url=live_server):
        png = labels.label_png(first, scan_url(first.code))
    phone = camera_phone(y4m_of(png, tmp_path / "label.y4m"))

    sign_in(phone, live_server, "staff", "guard")
    phone.goto(f"{live_server}/staff/patrols/today")
    slot = phone.locator(".patrol-slot", has_text="1号楼安全巡视")
    expect(slot.locator(".badge")).to_have_text("应巡视")
    shot(phone, "staff-patrols-today")
    slot.locator("button[type=submit]").click()
    phone.wait_for_url(re.compile(r".*/staff/patrols/today/rounds/\d+$"))
    round_id = int(phone.url.rsplit("/", 1)[1])

    # 1. The camera reads the first label: its form opens, marked as scanned.
    phone.click("[data-scan]")
    point = phone.locator(f".walk-point[data-code='{first.code}']")
    form = point.locator("[data-visit-form]")
    expect(form).to_be_visible(timeout=15_000)
    expect(form.locator("input[name=method]")).to_have_value("scan")
    expect(phone.locator("[data-scanner]")).to_be_hidden()  # the camera stops once a label is read
    for question in form.locator("fieldset.question").all():
        question.locator("label.answer-ok").click()
    form.locator("button[type=submit]").click()
    expect(point).to_have_class(re.compile("is-recorded"))
    expect(phone.locator("[data-progress]")).to_contain_text("1")

    # 2. The second label's code typed as printed ("ABC 123", lower case): one answer a fault, with a note.
    phone.fill("#typed-code", f"{second.code[:3]} {second.code[3:]}".lower())
    phone.click("form[data-code-form] button[type=submit]")
    point = phone.locator(f".walk-point[data-code='{second.code}']")
    form = point.locator("[data-visit-form]")
    expect(form).to_be_visible()
    expect(form.locator("input[name=method]")).to_have_value("code")
    form.locator("fieldset.question", has_text="道闸正常").locator("label.answer-ok").click()
    form.locator("fieldset.question", has_text="照明正常").locator("label.answer-fault").click()
    form.locator("textarea[name=note]").fill("坡道顶灯不亮")
    view_shot(phone, "staff-patrol-walk-screen")
    form.locator("button[type=submit]").click()
    expect(point).to_have_class(re.compile("is-recorded"))

    # 3. The third point in the basement, with no connection: kept on the phone, sent when the connection is back.
    phone.context.set_offline(True)
    phone.fill("#typed-code", third.code)
    phone.click("form[data-code-form] button[type=submit]")
    point = phone.locator(f".walk-point[data-code='{third.code}']")
    form = point.locator("[data-visit-form]")
    for question in form.locator("fieldset.question").all():
        question.locator("label.answer-ok").click()
    form.locator("button[type=submit]").click()
    expect(phone.locator("[data-queue]")).to_have_text("1 条待发送")
    expect(point.locator("[data-point-state]")).to_have_text("待发送")
    expect(phone.locator("[data-finish]")).to_be_disabled()
    top_shot(phone, "staff-patrol-walk-offline")
    phone.context.set_offline(False)
    expect(phone.locator("[data-queue]")).to_be_hidden(timeout=10_000)
    expect(point).to_have_class(re.compile("is-recorded"))
    expect(phone.locator("[data-finish]")).to_be_enabled()
    # The send that failed while offline is the point of this step, not an error of the page.
    phone.failed_responses[:] = [r for r in phone.failed_responses if "ERR_INTERNET_DISCONNECTED" not in r]
    phone.console_errors[:] = [e for e in phone.console_errors if "ERR_INTERNET_DISCONNECTED" not in e]

    # 4. A finding with a photo at the second point; the page reloads with it, then one tap makes it a ticket.
    phone.click("details.finding-new summary")
    phone.fill("#description", "地下车库入口坡道顶灯不亮，夜间车辆看不清坡道。")
    phone.select_option("#checkpoint_id", str(second.id))
    phone.select_option("#department", "engineering")
    phone.set_input_files("#finding-photos", photo(tmp_path / "顶灯.jpg"))
    phone.click("form[data-finding-form] button[type=submit]")
    finding = phone.locator("li.walk-finding[id^=finding-]", has_text="坡道顶灯不亮")
    expect(finding).to_be_visible()
    expect(finding.locator(".item-photos img")).to_have_count(1)
    finding.locator("button[type=submit]").click()
    expect(finding.locator(".finding-ticket a")).to_be_visible()
    top_shot(phone, "staff-patrol-walk")

    # 5. Finish and sign with a finger.
    phone.fill("#note", "B1 坡道顶灯已报修。")
    sign_with_a_finger(phone, phone.locator("[data-signature-pad]"))
    phone.click("form[data-finish-form] button[data-finish]")
    phone.wait_for_url(f"{live_server}/staff/patrols/today")
    expect(phone.locator(".alert-success").first).to_have_text(re.compile("巡视已完成并签字"))

    db.session.expire_all()
    patrol_round = db.session.get(PatrolRound, round_id)
    assert patrol_round.status == RoundStatus.FINISHED and patrol_round.patroller_id == guard.id
    visits = db.session.scalars(select(PatrolVisit).where(PatrolVisit.round_id == round_id)).all()
    assert {v.checkpoint_id: v.method for v in visits} == {first.id: "scan", second.id: "code", third.id: "code"}
    assert next(v for v in visits if v.checkpoint_id == second.id).answers == {"道闸正常": "ok", "照明正常": "fault"}
    found = db.session.scalars(select(PatrolFinding)).one()
    assert (found.round_id, found.checkpoint_id) == (round_id, second.id)
    ticket = db.session.get(Ticket, found.ticket_id)
    assert ticket.channel == Channel.PATROL and ticket.department == Department.ENGINEERING
    assert "坡道顶灯不亮" in ticket.description

    # 6. The 巡视记录表: the page with the points, how each was recorded, the finding and its ticket.
    phone.goto(f"{live_server}/staff/patrols/rounds/{round_id}")
    expect(phone.locator("h1")).to_contain_text("巡视记录表")
    rows = phone.locator("table.patrol-points tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("扫码")
    expect(rows.nth(1)).to_contain_text("坡道顶灯不亮")
    findings = phone.locator(".patrol-findings")
    expect(findings).to_contain_text("夜间车辆看不清坡道")
    expect(findings.locator(f"a[href='/staff/tickets/{ticket.id}']")).to_be_visible()
    shot(phone, "staff-patrol-record")

    # 7. ... and its PDF: one page, the title, the route, the points, the finding and its ticket.
    pdf, text = pdf_text(phone.request.get(f"{live_server}/staff/patrols/rounds/{round_id}.pdf"))
    assert len(pdf) == 1
    for words in (
        "巡视记录表",
        "1号楼安全巡视",
        "1号楼大堂",
        "地下车库入口",
        "2号水泵房",
        "坡道顶灯不亮",
        str(ticket.id),
    ):
        assert words in text, words
    save_first_page(pdf, "patrol-record")
    pdf.close()


def test_an_incident_reported_on_a_phone_alerts_the_open_console_and_closes_with_its_analysis(
    live_server, page_factory, prop
):
    builders.create_staff(Role.SECURITY, username="guard").display_name = "王保安"
    builders.create_staff(Role.MANAGER, username="manager").display_name = "刘经理"
    db.session.commit()

    # The manager's console is open on the board before anything happens.
    console = page_factory()
    sign_in(console, live_server, "staff", "manager")
    console.goto(f"{live_server}/staff/board")
    expect(console.locator("#alert-banner .urgent-alert")).to_have_count(0)

    # Security reports a water leak from a phone: kind, where, what happened, in well under a minute.
    phone = page_factory(**PHONE)
    sign_in(phone, live_server, "staff", "guard")
    began = time.monotonic()
    phone.goto(f"{live_server}/staff/incidents/new")
    phone.click("label.chip:has(input[value=water_leak])")
    phone.fill("#place", "2号楼地下车库 B2")
    phone.fill("#description", "B2 消防水管接头爆裂，地面积水约 5 厘米，已关闭阀门。")
    phone.evaluate("document.querySelector('h1').scrollIntoView()")  # the form, under the console's menu
    view_shot(phone, "staff-incident-report-screen")
    phone.click("form.incident-form button[type=submit]")
    phone.wait_for_url(re.compile(r".*/staff/incidents/\d+$"))
    assert time.monotonic() - began < 60
    expect(phone.locator(".alert-success").first).to_be_visible()
    incident_id = int(phone.url.rsplit("/", 1)[1])
    shot(phone, "staff-incident-reported")

    # The console's banner brings it by its own polling (every 10 s), then the manager acknowledges it.
    banner = console.locator("#alert-banner .urgent-alert")
    expect(banner).to_have_count(1, timeout=15_000)
    expect(banner).to_contain_text("2号楼地下车库")
    shot(console, "staff-alert-banner")
    view_shot(console, "staff-alert-banner-screen")
    banner.locator("button[type=submit]").click()
    expect(banner).to_have_count(0)
    with console.expect_response(lambda r: r.url.endswith("/staff/alerts/counts"), timeout=15_000):
        pass  # the next poll
    expect(banner).to_have_count(0)
    console.reload()
    expect(console.locator("#alert-banner")).to_be_attached()
    expect(banner).to_have_count(0)

    # The manager adds to the timeline, writes the outcome only and closing is refused, the outcome kept, until the
    # cause and measures are written too.
    console.goto(f"{live_server}/staff/incidents/{incident_id}")
    timeline = console.locator("#incident-timeline")
    timeline.locator("textarea[name=body]").fill("工程部到场更换接头，保洁清理积水。")
    timeline.locator("button[type=submit]").click()
    expect(console.locator("#incident-timeline .timeline")).to_contain_text("工程部到场更换接头")
    outcome = console.locator("#incident-outcome")
    outcome.locator("textarea[name=outcome]").fill("接头已更换，积水已清理，车库恢复使用。")
    outcome.locator("button[formaction$='/close']").click()  # typed, not saved: closing keeps it when refused
    console.expect_status(422)
    outcome = console.locator("#incident-outcome")
    expect(outcome.locator(".has-error")).to_have_count(2)  # the cause analysis and the measures
    expect(outcome.locator("textarea[name=outcome]")).to_have_value("接头已更换，积水已清理，车库恢复使用。")
    shot(console, "staff-incident-close-refused")
    outcome.locator("textarea[name=cause]").fill("接头老化，冬季水压波动。")
    outcome.locator("textarea[name=measures]").fill("同批次接头全部更换；每月巡视检查水管接头。")
    outcome.locator("button[formaction$='/close']").click()
    expect(console.locator(".alert-success").first).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Incident, incident_id).status == IncidentStatus.CLOSED

    # The 特殊事件报告 as a PDF for the general manager.
    pdf, text = pdf_text(console.request.get(f"{live_server}/staff/incidents/{incident_id}/report.pdf"))
    assert len(pdf) >= 1
    for words in ("特殊事件报告", "2号楼地下车库", "消防水管接头爆裂", "工程部到场更换接头", "接头老化", "同批次接头"):
        assert words in text, words
    save_first_page(pdf, "incident-report")
    pdf.close()


def test_incident_mode_shows_its_notice_to_the_affected_building_and_on_the_kiosk(live_server, page_factory, prop):
    first = prop.buildings[0]
    second = builders.create_building(prop, code="2", name="2号楼")
    builders.create_resident(prop, unit=builders.create_unit(first, number="0101"), phone="13800000001")
    builders.create_resident(prop, unit=builders.create_unit(second, number="0101"), phone="13800000002")
    builders.create_staff(Role.MANAGER, username="manager")
    incident = create_incident(prop, building=second)
    _kiosk, credential = builders.create_kiosk(prop, name="2号楼大堂")

    console = page_factory()
    sign_in(console, live_server, "staff", "manager")
    console.goto(f"{live_server}/staff/incidents/{incident.id}")
    panel = console.locator("#incident-mode")
    panel.locator("input[name=title]").fill("2号楼停水")
    panel.locator("textarea[name=body]").fill("水泵故障抢修中，预计今天 18:00 前恢复供水。")
    panel.locator("label.chip", has_text="2号楼").locator("input").check()
    panel.locator("button[type=submit]").first.click()
    expect(console.locator("#incident-mode .badge-overdue")).to_be_visible()

    affected = page_factory(**PHONE)
    sign_in(affected, live_server, "portal", "13800000002")
    notice = affected.locator(".incident-banner")
    expect(notice).to_contain_text("【2号楼】2号楼停水")
    expect(notice).to_contain_text("预计今天 18:00 前恢复供水")
    view_shot(affected, "portal-incident-notice-screen")

    other = page_factory(**PHONE)
    sign_in(other, live_server, "portal", "13800000001")
    expect(other.locator(".portal-tabs")).to_be_visible()
    expect(other.locator(".incident-banner")).to_have_count(0)

    kiosk = page_factory(1080, 1920)
    kiosk.context.add_cookies([{"name": "kiosk_device", "value": credential, "url": f"{live_server}/kiosk/"}])
    kiosk.goto(f"{live_server}/kiosk/")
    expect(kiosk.locator(".incident-banner.kiosk-incidents")).to_contain_text("2号楼停水")
    shot(kiosk, "kiosk-incident-notice")
