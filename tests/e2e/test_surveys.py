"""Surveys end to end in Chromium: the manager builds a survey with a scale for engineering and opens it; a resident
answers it on a phone; the results' bar chart shows the answer."""

import re

import pytest
from playwright.sync_api import expect

from domain.accounts.roles import Role
from extensions import db
from tests import builders
from tests.e2e.conftest import PHONE, shot, sign_in

pytestmark = pytest.mark.e2e


def test_manager_builds_and_opens_a_survey_a_resident_answers_on_a_phone_and_the_chart_shows_it(
    live_server, page_factory, prop
):
    unit = builders.create_unit(number="1201")
    builders.create_resident(prop, unit=unit, name="陈业主", phone="13800000005")
    builders.create_staff(Role.MANAGER, username="boss")
    db.session.commit()

    # 1. The manager writes the survey and its two questions, then opens it.
    manager = page_factory()
    sign_in(manager, live_server, "staff", "boss")
    manager.goto(f"{live_server}/staff/surveys/new")
    manager.fill("#title_zh", "维修满意度回访")
    manager.fill("#title_en", "Repairs survey")
    manager.click("form button[type=submit].primary")
    manager.wait_for_url(re.compile(r".*/staff/surveys/\d+$"))
    survey_url = manager.url
    manager.select_option("#kind", "single")
    manager.fill("#text_zh", "维修人员是否准时到达？")
    manager.fill("#options", "准时 | On time\n迟到 | Late")
    manager.click("button:has-text('添加题目')")
    expect(manager.locator(".survey-questions > li")).to_have_count(1)
    manager.select_option("#kind", "scale")
    manager.select_option("#department", "engineering")
    manager.fill("#text_zh", "维修质量评分")
    manager.click("button:has-text('添加题目')")
    expect(manager.locator(".survey-questions > li")).to_have_count(2)
    shot(manager, "staff-survey-builder")
    manager.click("button:has-text('发布问卷')")
    expect(manager.locator(".alert-success").first).to_contain_text("1")

    # 2. The resident answers on a phone.
    resident = page_factory(**PHONE)
    sign_in(resident, live_server, "portal", "13800000005")
    resident.goto(f"{live_server}/portal/surveys")
    resident.click("a.button:has-text('填写')")
    resident.wait_for_url(re.compile(r".*/portal/surveys/\d+$"))
    resident.click("label.choice:has-text('准时')")
    resident.click(".survey-scale label:has-text('4')")
    shot(resident, "portal-survey")
    resident.click("button:has-text('提交')")
    expect(resident.locator(".alert-success").first).to_be_visible()

    # 3. The results: one household of one asked, the bar of 准时 full, the scale's average 4.
    manager.goto(f"{survey_url}/results")
    expect(manager.locator(".survey-rate")).to_contain_text("100.0 %")
    first = manager.locator(".survey-result").first
    expect(first.locator("tr:has-text('准时') .bar-fill")).to_have_attribute("width", "100.0")
    expect(manager.locator(".survey-result").nth(1)).to_contain_text("4.0")
    shot(manager, "staff-survey-results")
