"""Move-in cases before the day: opening a case (the owner in the register, the checklist), the state machine and
its roles, the invitation (one-time, expiring), the registration form and the appointment slots."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from domain.accounts.models import Actor, User
from domain.accounts.roles import Role
from domain.audit.models import AuditEntry
from domain.clock import today
from domain.errors import Conflict, DomainError, InvalidTransition, NotAllowed, NotFound
from domain.movein import appointments, cases, importing, invitations, registration, templates
from domain.movein.models import CaseStatus, ItemKind, MoveInCase, MoveInPerson, PersonRole
from domain.movein.workflow import case_actions
from domain.property.id_numbers import open_id_number
from domain.property.models import Occupancy, Resident
from extensions import db
from tests import builders

ID_NUMBER = "11010519491231002X"


def act(user):
    """A signed-in user as a domain actor."""
    return Actor.for_user(user, "127.0.0.1")


@pytest.fixture
def desk(prop):
    """A front-desk clerk."""
    return act(builders.create_staff(Role.FRONTDESK))


@pytest.fixture
def manager(prop):
    """The customer-service manager."""
    return act(builders.create_staff(Role.MANAGER))


@pytest.fixture
def unit(prop):
    """An empty unit."""
    return builders.create_unit(number="2203")


def open_case(actor, unit, **values):
    """A case for `unit` with an owner."""
    values = {"owner_name": "王业主", "owner_phone": "13900000001", **values}
    case = cases.create_case(actor, unit_id=unit.id, **values)
    db.session.commit()
    return case


def owner_actor(case):
    """The case's owner signed in to the portal (their account made by redeeming an invitation)."""
    code = invitations.issue_invitation(Actor.system(), case)
    user = invitations.redeem_invitation(code, username="wangyezhu", password="Movein-2026!")
    db.session.commit()
    return act(user)


# Opening a case -----------------------------------------------------------------------------------------------------


def test_a_case_registers_the_owner_without_an_occupancy(desk, unit, prop):
    builders.create_charge(prop)
    case = open_case(desk, unit, planned_on=date(2026, 11, 20), notice_number="RZ-001", owner_email="w@example.com")
    assert case.status == CaseStatus.NOTIFIED
    assert case.owner.name == "王业主" and case.owner.phone == "13900000001" and case.owner.email == "w@example.com"
    assert db.session.scalar(select(func.count()).select_from(Occupancy)) == 0
    [person] = case.people
    assert person.role == PersonRole.OWNER and person.resident_id == case.owner_id
    codes = [item.code for item in case.items]
    assert codes[:3] == ["handover_notice", "purchase_contract", "owner_id"]
    assert {"fire_agreement", "handover_list", "registration_form", "room_keys", "meter_card"} <= set(codes)
    keys = {item.code: item.quantity for item in case.items if item.kind == ItemKind.KEY}
    assert keys == {"room_keys": 3, "owner_card": 1, "meter_card": 1}
    [fee] = [item for item in case.items if item.kind == ItemKind.FEE]
    assert fee.months == 3 and fee.charge_type_id is not None
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "move_in.create"))
    assert [e.action for e in cases.timeline(case)] == ["create"]


def test_a_known_phone_reuses_the_register_resident(desk, prop, unit):
    known = builders.create_resident(prop, name="王业主", phone="13900000001", account=False)
    case = open_case(desk, unit)
    assert case.owner_id == known.id
    assert db.session.scalar(select(func.count()).select_from(Resident)) == 1


def test_one_open_case_per_unit(desk, manager, unit):
    case = open_case(desk, unit)
    with pytest.raises(Conflict):
        open_case(desk, unit, owner_phone="13900000002")
    cases.cancel(manager, case, "开发商撤回")
    db.session.commit()
    assert open_case(desk, unit, owner_phone="13900000002").status == CaseStatus.NOTIFIED


def test_bad_owner_details_are_refused_on_their_field(desk, unit):
    with pytest.raises(DomainError) as refused:
        open_case(desk, unit, owner_phone="12345")
    assert refused.value.field == "owner_phone"
    with pytest.raises(DomainError) as refused:
        open_case(desk, unit, owner_name="  ")
    assert refused.value.field == "owner_name"


def test_only_move_in_roles_open_cases(unit):
    for role in (Role.ENGINEERING, Role.SECURITY, Role.FINANCE, Role.CLEANING):
        with pytest.raises(NotAllowed):
            open_case(act(builders.create_staff(role)), unit)


def test_templates_are_installed_once(prop):
    first = templates.ensure_templates(prop.id)
    again = templates.ensure_templates(prop.id)
    assert [t.id for t in first] == [t.id for t in again]
    assert not any(t.kind == ItemKind.FEE for t in first)  # no 物业管理费 in the schedule: no fee line


# The state machine ----------------------------------------------------------------------------------------------------


def test_receive_and_cancel_follow_the_table(desk, manager, unit):
    case = open_case(desk, unit)
    with pytest.raises(NotAllowed):
        cases.cancel(desk, case, "不办了")
    with pytest.raises(DomainError):
        cases.cancel(manager, case, " ")
    cases.receive(desk, case)
    assert case.status == CaseStatus.AT_DESK
    with pytest.raises(InvalidTransition):
        cases.receive(desk, case)
    with pytest.raises(InvalidTransition):
        invitations.issue_invitation(desk, case)
    cases.cancel(manager, case, "业主要求")
    assert case.status == CaseStatus.CANCELLED and case.cancelled_reason == "业主要求"
    with pytest.raises(InvalidTransition):
        cases.cancel(manager, case, "again")
    assert case_actions(manager, case) == []


def test_engineering_may_not_receive(desk, unit):
    case = open_case(desk, unit)
    with pytest.raises(NotAllowed):
        cases.receive(act(builders.create_staff(Role.ENGINEERING)), case)


# Invitations ---------------------------------------------------------------------------------------------------------


def test_an_invitation_is_one_time(desk, unit):
    case = open_case(desk, unit)
    code = invitations.issue_invitation(desk, case)
    db.session.commit()
    assert case.status == CaseStatus.INVITED
    assert len(code) >= 8 and not set(code) & set("0O1IL")
    assert case.invitation_hash != code and code not in case.invitation_hash
    assert invitations.find_invitation(invitations.grouped(code).lower()) is case
    user = invitations.redeem_invitation(code, username="", password="Movein-2026!")
    db.session.commit()
    assert user.username == "13900000001" and case.owner.user_id == user.id
    assert invitations.find_invitation(code) is None
    with pytest.raises(DomainError):
        invitations.redeem_invitation(code, username="other", password="Movein-2026!")
    assert cases.case_for_owner(user) == [case]


def test_a_new_invitation_replaces_the_old_one(desk, unit):
    case = open_case(desk, unit)
    old = invitations.issue_invitation(desk, case)
    new = invitations.issue_invitation(desk, case)
    assert invitations.find_invitation(old) is None
    assert invitations.find_invitation(new) is case


def test_an_invitation_expires(desk, unit, clock):
    case = open_case(desk, unit)
    code = invitations.issue_invitation(desk, case)
    clock.advance(days=invitations.INVITATION_DAYS, seconds=1)
    assert invitations.find_invitation(code) is None
    with pytest.raises(DomainError):
        invitations.redeem_invitation(code, username="late", password="Movein-2026!")


def test_redeeming_keeps_the_password_rules(desk, unit):
    case = open_case(desk, unit)
    code = invitations.issue_invitation(desk, case)
    with pytest.raises(DomainError) as refused:
        invitations.redeem_invitation(code, username="wang", password="123")
    assert refused.value.field == "password"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "wang")) == 0


def test_the_invitation_is_mailed_when_the_owner_has_an_address(desk, unit, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "mail.example.com")
    case = open_case(desk, unit, owner_email="w@example.com")
    code = invitations.issue_invitation(desk, case, portal_url="http://example.com/portal/move-in")
    assert [e.action for e in cases.timeline(case)][-1] == "invite_mailed"
    [(to, _subject, body)] = db.session.info.get("outbox", [])
    assert to == "w@example.com" and invitations.grouped(code) in body and "http://example.com/portal/move-in" in body


# The registration form ----------------------------------------------------------------------------------------------


def test_desk_adds_a_household_member_with_a_sealed_id(desk, unit):
    case = open_case(desk, unit)
    person = registration.save_person(
        desk,
        case,
        role="family",
        kinship="配偶",
        name="李家属",
        gender="female",
        birth_date=date(1990, 5, 1),
        id_number=ID_NUMBER,
        employer="沈阳某公司",
    )
    db.session.commit()
    assert person.id_number_masked == "1*************002X"
    assert ID_NUMBER not in person.id_number_cipher and open_id_number(person.id_number_cipher) == ID_NUMBER
    assert person.entered_by == "staff"
    assert [p.name for p in registration.people_of(case)] == ["王业主", "李家属"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "move_in.person_save"))
    assert ID_NUMBER not in str(entry.changes)


def test_the_form_refuses_bad_values_on_their_field(desk, unit):
    case = open_case(desk, unit)
    for fields, field in (
        ({"name": ""}, "name"),
        ({"name": "李", "id_number": "123"}, "id_number"),
        ({"name": "李", "phone": "999"}, "phone"),
        ({"name": "李", "birth_date": date(2030, 1, 1)}, "birth_date"),
        ({"name": "李", "gender": "other"}, "gender"),
    ):
        with pytest.raises(DomainError) as refused:
            registration.save_person(desk, case, **fields)
        assert refused.value.field == field
    owner = case.people[0]
    with pytest.raises(DomainError) as refused:
        registration.save_person(desk, case, owner.id, name="王业主", phone="")
    assert refused.value.field == "phone"


def test_the_owner_cannot_be_removed_but_family_can(desk, unit):
    case = open_case(desk, unit)
    member = registration.save_person(desk, case, name="王小明", kinship="子女")
    with pytest.raises(NotAllowed):
        registration.remove_person(desk, case, case.people[0].id)
    registration.remove_person(desk, case, member.id)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(MoveInPerson)) == 1


def test_the_owner_fills_in_online_only_while_invited_or_booked(desk, unit):
    case = open_case(desk, unit)
    owner = owner_actor(case)
    person = registration.save_person(owner, case, name="王小明", kinship="子女")
    assert person.entered_by == "resident" and case.prefilled_at is not None
    cases.receive(desk, case)
    with pytest.raises(InvalidTransition):
        registration.save_person(owner, case, name="王小红")
    registration.save_person(desk, case, name="王小红")  # the desk still may


def test_a_neighbour_cannot_touch_the_form(desk, prop, unit):
    case = open_case(desk, unit)
    owner_actor(case)
    neighbour = builders.create_resident(prop, unit=builders.create_unit())
    with pytest.raises(NotFound):
        registration.save_person(act(neighbour.user), case, name="冒名")
    with pytest.raises(NotFound):
        registration.remove_person(act(neighbour.user), case, case.people[0].id)


# Appointments --------------------------------------------------------------------------------------------------------


def slot(day, hour, minute=0):
    """A slot start at the property (UTC+8) as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


#: The desk's slot starts on any day (property time): 9:00-11:00 and 14:00-16:30, every half hour.
SLOT_TIMES = [(9, 0), (9, 30), (10, 0), (10, 30), (11, 0), (14, 0), (14, 30), (15, 0), (15, 30), (16, 0), (16, 30)]


def past_slot(now):
    """A slot start that has already begun at `now`: today's first one, or yesterday's if today's is still ahead."""
    at = slot(today(), 9)
    return at if at <= now else at - timedelta(days=1)


def test_slots_are_half_hours_in_the_desk_hours(prop, clock):
    tomorrow = today() + timedelta(days=1)
    slots = appointments.open_slots(prop.id, tomorrow)
    assert slots[0] == (slot(tomorrow, 9), appointments.CASES_PER_SLOT)
    assert [at for at, _free in slots] == [slot(tomorrow, hour, minute) for hour, minute in SLOT_TIMES]
    # today: the slots already begun are gone (at 10:00 the first one left is 10:30; late at night, none)
    ahead = [slot(today(), hour, minute) for hour, minute in SLOT_TIMES if slot(today(), hour, minute) > clock()]
    assert [at for at, _free in appointments.open_slots(prop.id, today())] == ahead


def test_a_full_or_past_slot_is_refused(desk, unit, prop, clock):
    day = today() + timedelta(days=1)
    first = open_case(desk, unit)
    second = open_case(desk, builders.create_unit(), owner_phone="13900000002")
    third = open_case(desk, builders.create_unit(), owner_phone="13900000003")
    appointments.book_appointment(desk, first, slot(day, 9))
    appointments.book_appointment(desk, second, slot(day, 9))
    assert first.status == CaseStatus.BOOKED
    assert slot(day, 9) not in [at for at, _free in appointments.open_slots(prop.id, day)]
    with pytest.raises(Conflict):
        appointments.book_appointment(desk, third, slot(day, 9))
    with pytest.raises(DomainError):
        appointments.book_appointment(desk, third, past_slot(clock()))
    with pytest.raises(DomainError):
        appointments.book_appointment(desk, third, slot(day, 12))
    appointments.book_appointment(desk, first, slot(day, 9, 30))  # moving within the day frees the old place
    appointments.book_appointment(desk, third, slot(day, 9))


def test_the_owner_books_only_once_invited(desk, unit):
    day = today() + timedelta(days=2)
    case = open_case(desk, unit)
    owner = owner_actor(case)
    appointments.book_appointment(owner, case, slot(day, 14))
    assert case.status == CaseStatus.BOOKED
    cases.receive(desk, case)
    with pytest.raises(InvalidTransition):
        appointments.book_appointment(owner, case, slot(day, 15))


# The list -----------------------------------------------------------------------------------------------------------


def test_the_list_filters_and_pages_by_key(desk, prop, count_queries):
    for n in range(5):
        open_case(desk, builders.create_unit(number=f"50{n}"), owner_name=f"业主{n}", owner_phone=f"1390000001{n}")
    page = cases.list_cases(prop.id, limit=2)
    assert len(page.cases) == 2 and page.next_after == page.cases[-1].id
    rest = cases.list_cases(prop.id, after=page.next_after, limit=10)
    assert len(rest.cases) == 3 and rest.next_after is None
    assert [c.unit.number for c in cases.list_cases(prop.id, q="1-502").cases] == ["502"]
    assert [c.owner.name for c in cases.list_cases(prop.id, q="13900000013").cases] == ["业主3"]
    assert cases.list_cases(prop.id, status="at_desk").cases == []
    assert len(cases.list_cases(prop.id, status="open").cases) == 5
    db.session.expunge_all()
    with count_queries() as counter:
        page = cases.list_cases(prop.id)
        labels = [(c.unit.label, c.owner.name) for c in page.cases]
    assert len(labels) == 5 and counter.count == 1


# The handover list ----------------------------------------------------------------------------------------------------


def test_the_handover_list_is_all_or_nothing(desk, prop, unit):
    builders.create_unit(number="2204")
    first, second = today() + timedelta(days=14), today() + timedelta(days=15)
    bad = f"building,unit,owner,phone,planned_date\n1,2203,张三,13800138000,{first}\n1,2204,李四,13800138001,明天\n"
    result = importing.import_handover_list(desk, bad.encode("utf-8"), prop.id)
    assert not result.ok and [e.line for e in result.errors] == [3]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(MoveInCase)) == 0
    good = bad.replace("明天", f"{second.year}年{second.month}月{second.day}日")
    result = importing.import_handover_list(desk, good.encode("gb18030"), prop.id)
    assert result.ok and result.created == 2
    assert db.session.scalar(select(MoveInCase.planned_on).order_by(MoveInCase.id.desc()).limit(1)) == second


def test_the_handover_list_refuses_a_file_without_its_columns(desk, prop):
    result = importing.import_handover_list(desk, "unit,name\n2203,张三\n".encode(), prop.id)
    assert [e.line for e in result.errors] == [1]


def test_the_handover_list_is_the_desks(prop):
    with pytest.raises(NotAllowed):
        importing.import_handover_list(act(builders.create_staff(Role.ENGINEERING)), b"", prop.id)


def test_correcting_the_owners_line_corrects_the_register(desk, prop, unit):
    case = open_case(desk, unit)
    owner = owner_actor(case)
    registration.save_person(desk, case, case.people[0].id, name="王大业", phone="13900000077")
    db.session.commit()
    assert (case.owner.name, case.owner.phone, case.owner.user.login_phone) == ("王大业", "13900000077", "13900000077")
    other = builders.create_resident(prop, phone="13900000088")
    with pytest.raises(DomainError) as refused:
        registration.save_person(owner, case, case.people[0].id, name="王大业", phone=other.phone)
    assert refused.value.field == "phone"
