"""The company's pages: who may use them, what they show of which property, and setting up a property."""

from sqlalchemy import func, select

from domain.accounts.models import AccountKind, StaffRole, User
from domain.accounts.roles import CompanyRole, Role
from domain.accounts.services import hash_password
from domain.audit.models import AuditEntry
from domain.property.models import Property
from extensions import db
from tests import builders
from tests.company_scene import build_two_properties


def _company_person(company_role, *, roles=()):
    """A staff account with `company_role` and a role in each of the properties `roles`."""
    user = User(
        username=f"co{company_role.value.replace('_', '')}{len(roles)}",
        display_name="公司员工",
        kind=AccountKind.STAFF,
        password_hash=hash_password(builders.PASSWORD),
        company_role=company_role,
        roles=[StaffRole(property_id=prop.id, role=Role.MANAGER) for prop in roles],
    )
    db.session.add(user)
    db.session.commit()
    return user


def test_general_manager_sees_every_property_ranked_by_collection_rate(client, auth):
    a, b = build_two_properties()
    auth.login_staff(_company_person(CompanyRole.GENERAL_MANAGER))
    page = client.get("/company/").get_data(as_text=True)
    assert page.index("甲小区") < page.index("乙花园")
    assert "95.00%" in page and "50.00%" in page
    assert "¥30.00" in page and "¥40.00" in page
    assert "50%" in page  # A's satisfaction
    assert f'href="/company/properties/{a.id}/report"' in page
    assert "进入此项目工作" not in page and 'name="property_id"' not in page  # no role in either


def test_dashboard_offers_to_work_in_the_properties_where_the_person_holds_a_role(client, auth):
    a, b = build_two_properties()
    person = _company_person(CompanyRole.GENERAL_MANAGER, roles=[a])
    auth.login_staff(person)
    page = client.get("/company/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert page.count('name="property_id"') == 1
    assert f'name="property_id" value="{a.id}"' in page
    response = client.post("/staff/properties/choose", data={"property_id": a.id})
    assert response.status_code == 303


def test_area_manager_sees_only_their_properties(client, auth):
    a, b = build_two_properties()
    auth.login_staff(_company_person(CompanyRole.AREA_MANAGER, roles=[b]))
    for url in ("/company/", "/company/reports/monthly"):
        page = client.get(url).get_data(as_text=True)
        assert "乙花园" in page and "甲小区" not in page
    assert client.get(f"/company/properties/{a.id}/report").status_code == 404
    assert client.get("/company/properties/999999/report").status_code == 404
    page = client.get(f"/company/properties/{b.id}/report").get_data(as_text=True)
    assert "乙花园" in page and "甲小区" not in page
    assert client.get("/company/properties/").status_code == 403
    assert client.get("/company/properties/new").status_code == 403


def test_property_report_shows_the_propertys_own_month(client, auth, count_queries):
    a, b = build_two_properties()
    auth.login_staff(_company_person(CompanyRole.GENERAL_MANAGER))
    with count_queries() as counter:
        response = client.get(f"/company/properties/{b.id}/report")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "乙花园" in page and "甲小区" not in page
    assert counter.count <= 25  # the console's report page keeps to 40


def test_dashboard_statements_do_not_grow_with_the_properties(client, auth, count_queries):
    build_two_properties()
    auth.login_staff(_company_person(CompanyRole.GENERAL_MANAGER))
    with count_queries() as small:
        client.get("/company/")
    with count_queries() as small_month:
        client.get("/company/reports/monthly")
    for n in range(3):
        builders.create_property(f"新项目{n}")
    with count_queries() as large:
        client.get("/company/")
    with count_queries() as large_month:
        client.get("/company/reports/monthly")
    # the sign-in, the properties seen, a statement per figure family (and the person's roles on the dashboard)
    assert large.count == small.count <= 9, "\n".join(s[:90] for s in large.statements)
    assert large_month.count == small_month.count <= 7


def test_residents_and_property_staff_are_refused(client, auth):
    a, b = build_two_properties()
    resident = builders.create_resident(a, builders.create_unit(builders.create_building(a)))
    auth.login_resident(resident.user)
    assert client.get("/company/").status_code == 403
    auth.logout("portal")
    auth.login_staff(builders.create_staff(Role.MANAGER, prop=a))
    for url in ("/company/", "/company/reports/monthly", f"/company/properties/{a.id}/report", "/company/properties/"):
        assert client.get(url).status_code == 403


def test_only_the_administrator_sets_up_properties(client, auth):
    build_two_properties()
    auth.login_staff(_company_person(CompanyRole.GENERAL_MANAGER))
    before = _properties()
    assert client.get("/company/properties/").status_code == 403
    assert client.post("/company/properties/new", data=GOOD).status_code == 403
    assert _properties() == before


def test_signed_out_visitors_go_to_the_console_login(client):
    response = client.get("/company/")
    assert response.status_code in (302, 303)
    assert "/staff/login" in response.headers["Location"]


def test_staff_sidebar_links_to_the_company_for_company_roles_only(client, auth):
    a, b = build_two_properties()
    auth.login_staff(_company_person(CompanyRole.AREA_MANAGER, roles=[a]))
    assert 'href="/company/"' in client.get("/staff/").get_data(as_text=True)
    auth.logout("staff")
    auth.login_staff(builders.create_staff(Role.MANAGER, prop=a))
    assert 'href="/company/"' not in client.get("/staff/").get_data(as_text=True)


GOOD = {
    "name": "丁家园",
    "address": "测试路9号",
    "service_phone": "024-8888 0000",
    "desk_hours": "8:00-20:00",
    "time_zone": "Asia/Shanghai",
    "receipt_prefix": "DJY",
    "manager_username": "dingmanager",
    "manager_name": "丁经理",
    "manager_password": "a-good-pass-9",
}


def _properties():
    return db.session.scalar(select(func.count(Property.id)))


def test_bad_input_saves_nothing_and_keeps_what_was_typed(client, auth):
    build_two_properties()
    auth.login_staff(_company_person(CompanyRole.ADMIN))
    before = _properties()
    bad = GOOD | {"time_zone": "Mars/Olympus", "receipt_prefix": "yf 2026!", "manager_password": ""}
    response = client.post("/company/properties/new", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Asia/Shanghai" in page  # the zone's message
    assert 'value="丁家园"' in page and 'value="dingmanager"' in page and 'value="Mars/Olympus"' in page
    assert _properties() == before
    taken = client.post("/company/properties/new", data=GOOD | {"manager_username": "dingmanager", "name": "甲小区"})
    assert taken.status_code == 422 and _properties() == before
    weak = client.post("/company/properties/new", data=GOOD | {"manager_password": "12345678"})
    assert weak.status_code == 422
    assert _properties() == before
    assert db.session.scalar(select(func.count(User.id)).where(User.username == "dingmanager")) == 0


def test_admin_creates_a_property_whose_manager_signs_in_and_works_there(client, auth):
    build_two_properties()
    auth.login_staff(_company_person(CompanyRole.ADMIN))
    response = client.post("/company/properties/new", data=GOOD)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    prop = db.session.scalar(select(Property).where(Property.name == "丁家园"))
    assert (prop.time_zone, prop.receipt_prefix, prop.service_phone) == ("Asia/Shanghai", "DJY", "024-8888 0000")
    assert "丁家园" in client.get("/company/properties/").get_data(as_text=True)
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.property_id == prop.id)).all()
    assert {"property.create", "staff.create"} <= set(actions)
    auth.logout("staff")
    manager = db.session.scalar(select(User).where(User.username == "dingmanager"))
    auth.login_staff(manager, password=GOOD["manager_password"])
    page = client.get("/staff/").get_data(as_text=True)
    assert "丁家园" in page


def test_the_administrator_copies_settings_to_other_properties_and_each_keeps_its_own(client, auth):
    from domain.archives.models import DocumentType
    from domain.surveys.models import Survey, SurveyQuestion, SurveyStatus
    from domain.violations.models import ViolationKind
    from tests import survey_builders, violation_builders

    a, b = build_two_properties()
    db.session.add(DocumentType(property_id=a.id, code="lease", name="租赁合同", required=True))
    db.session.add(DocumentType(property_id=b.id, code="lease", name="乙的租赁合同"))  # b's own: kept
    db.session.commit()
    violation_builders.create_kind(a, "楼道堆放杂物")
    survey_builders.create_survey(a, title="年度满意度调查")
    auth.login_staff(_company_person(CompanyRole.ADMIN))

    refused = client.post("/company/settings/copy", data={"source_id": a.id, "target_ids": [a.id], "sets": ["surveys"]})
    assert (
        refused.status_code == 422
        and "至少" in refused.get_data(as_text=True)
        or "at least" in refused.get_data(as_text=True)
    )
    nothing = client.post("/company/settings/copy", data={"source_id": a.id, "target_ids": [b.id]})
    assert nothing.status_code == 422
    assert db.session.scalar(select(func.count(ViolationKind.id)).where(ViolationKind.property_id == b.id)) == 0

    sets = ["document_types", "violation_kinds", "surveys"]
    done = client.post("/company/settings/copy", data={"source_id": a.id, "target_ids": [b.id], "sets": sets})
    assert done.status_code == 303
    names = db.session.scalars(select(DocumentType.name).where(DocumentType.property_id == b.id)).all()
    assert names.count("乙的租赁合同") == 1 and "租赁合同" not in names  # the same code: b's own stays
    kind = db.session.scalar(select(ViolationKind).where(ViolationKind.property_id == b.id))
    assert kind.name == "楼道堆放杂物" and not kind.fine_allowed and len(kind.templates) >= 1
    survey = db.session.scalar(select(Survey).where(Survey.property_id == b.id))
    assert survey.title_zh == "年度满意度调查" and survey.status == SurveyStatus.DRAFT
    questions = db.session.scalar(select(func.count(SurveyQuestion.id)).where(SurveyQuestion.survey_id == survey.id))
    assert questions == 4
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "company.copy_settings"))
    assert entry.property_id == b.id

    again = client.post("/company/settings/copy", data={"source_id": a.id, "target_ids": [b.id], "sets": sets})
    assert again.status_code == 303  # nothing twice
    assert db.session.scalar(select(func.count(Survey.id)).where(Survey.property_id == b.id)) == 1


def test_only_the_administrator_copies_settings(client, auth):
    a, b = build_two_properties()
    auth.login_staff(_company_person(CompanyRole.GENERAL_MANAGER))
    assert client.get("/company/settings/copy").status_code == 403
    data = {"source_id": a.id, "target_ids": [b.id], "sets": ["surveys"]}
    assert client.post("/company/settings/copy", data=data).status_code == 403
