"""The counter's domain on a frozen clock: parcel intake, notices and pickup codes, hand-over, authorised
collectors, the wrong-code throttle, reminders, return and void, the shelf's aging and the day's counts;
items left at the desk; lending."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.audit.models import AuditEntry
from domain.errors import Conflict, DomainError, InvalidTransition, NotAllowed, NotFound
from domain.notify.models import Notification
from domain.parcels import arrivals, authorisations, carriers, codes, intake, lending, pickup, queries, storage
from domain.parcels.models import (
    LendableItem,
    Loan,
    LoanStatus,
    Parcel,
    ParcelStatus,
    PickupCode,
    Recipient,
    StorageStatus,
    StoredItem,
)
from domain.parcels.tasks import notify_parcels
from domain.property.models import Occupancy, Relation
from domain.tasks import held, run_queued, waiting_count
from domain.throttle import services as throttle
from domain.throttle.models import DeskAlert, FailedAttempt
from extensions import db
from tests import builders

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 on 2 March in Shanghai
SYSTEM = Actor.system("test")
DESK = "desk-1@127.0.0.1"


def act(user, source="127.0.0.1"):
    """The domain's Actor for a user."""
    return Actor.for_user(user, source)


def count(model, *where):
    """Rows of `model` matching `where`."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audit(action):
    """The audit entries of one action, oldest first."""
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


@pytest.fixture(autouse=True)
def counter_settings(app, monkeypatch):
    """The counter's settings these tests assume, whatever the environment says."""
    for key, value in {"PARCEL_CODE_DAYS": 14, "PARCEL_REMIND_DAYS": 3, "STORAGE_DAYS": 7}.items():
        monkeypatch.setitem(app.config, key, value)


@pytest.fixture(autouse=True)
def held_tasks():
    """Keep after-commit tasks (the arrival notice) in the queue instead of running them, so each test runs them
    on its clock."""
    with held(notify_parcels):
        yield


@pytest.fixture
def outbox(app, monkeypatch):
    """E-mail configured; what would be sent is collected here as (to, subject, body)."""
    sent = []
    monkeypatch.setitem(app.config, "MAIL_SERVER", "mail.invalid")
    monkeypatch.setattr("domain.notify.mail._send", lambda messages: sent.extend(messages))
    return sent


@pytest.fixture
def desk():
    """A front-desk clerk as an actor."""
    return act(builders.create_staff(Role.FRONTDESK))


@pytest.fixture
def home(prop):
    """Unit 1-1203 with its owner 王芳 (e-mail, reads English) and her husband 李强 (no e-mail)."""
    unit = builders.create_unit(number="1203")
    owner = builders.create_resident(prop, unit=unit, name="王芳", phone="13800138000")
    owner.email, owner.user.locale = "wangfang@example.com", "en"
    husband = builders.create_resident(prop, unit=unit, name="李强", relation=Relation.FAMILY)
    db.session.commit()
    return unit, owner, husband


@pytest.fixture
def neighbour(prop):
    """Unit 1-0901 with its owner."""
    unit = builders.create_unit(number="0901", floor=9)
    return unit, builders.create_resident(prop, unit=unit, name="赵邻居")


def log(actor, label, *numbers, carrier="sf", shelf="A1", now=T0):
    """Log parcels for one unit and commit, as the intake route does."""
    logged, _label = intake.log_parcels(
        actor, unit_label=label, entries=[(n, carrier, shelf) for n in numbers], now=now
    )
    db.session.commit()
    return logged


def issue(unit, now=T0):
    """A fresh pickup code for `unit`, committed."""
    code, _expires = arrivals.issue_pickup_code(unit.id, now)
    db.session.commit()
    return code


def wrong_code(code):
    """A 6-digit code that is not `code`."""
    return f"{(int(code) + 1) % 10**6:06d}"


def check(actor, label, code, *, place=DESK, now=T0):
    """check_pickup_code, committing the counted failure when the code is wrong (as the route does)."""
    try:
        return pickup.check_pickup_code(actor, unit_label=label, code=code, place=place, now=now)
    except throttle.WrongCode:
        db.session.commit()
        raise


def hand_over(actor, label, code, parcels, *, recipient="resident", name="王芳", id_last4="123x", now=T0, **kwargs):
    """Hand parcels over and commit."""
    result = pickup.hand_over(
        actor,
        unit_label=label,
        code=code,
        parcel_ids=[p.id for p in parcels],
        recipient=recipient,
        name=name,
        id_last4=id_last4,
        place=DESK,
        now=now,
        **kwargs,
    )
    db.session.commit()
    return result


# Intake ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "carrier"),
    [
        ("SF1234567890123", "sf"),
        ("sf 1234 5678 9012", "sf"),
        ("JDVA01234567890", "jd"),
        ("JDX012345678901", "jd"),
        ("YT7512345678901", "yto"),
        ("YT1234567890123456", "yto"),
        ("73123456789012", "zto"),
        ("78123456789012", "zto"),
        ("773123456789012", "sto"),
        ("268123456789", "sto"),
        ("4312345678901", "yunda"),
        ("462345678901234", "yunda"),
        ("EA123456789CN", "ems"),
        ("1123456789012", "ems"),
        ("JT0001234567890", "jt"),
    ],
)
def test_each_carrier_is_told_from_its_tracking_numbers(number, carrier):
    from domain.parcels.carriers import recognise_carrier

    assert recognise_carrier(number) == carrier


@pytest.mark.parametrize(
    "number",
    [
        "768123456789",  # 12 digits from 768: ZTO's older numbers and STO's both look like this
        "123456",
        "ABCDEFGHIJ",
        "98765432109876543",
        "",
        None,
    ],
)
def test_a_number_that_fits_no_carrier_or_several_is_left_to_the_clerk(number):
    from domain.parcels.carriers import recognise_carrier

    assert recognise_carrier(number) is None


def test_every_carrier_in_the_table_is_one_the_desk_can_choose():
    from domain.parcels.carriers import PATTERNS

    assert {carrier for carrier, _pattern in PATTERNS} <= set(carriers.CARRIERS)
    assert {carrier for carrier, _pattern in PATTERNS} == {"sf", "jd", "yto", "zto", "sto", "yunda", "ems", "jt"}


def test_an_intake_without_a_carrier_takes_each_numbers_own(desk, home):
    logged, _label = intake.log_parcels(
        desk,
        unit_label="1-1203",
        entries=[("SF1234567890123", "", "A1"), ("JDVA01234567890", "", "A1"), ("YT7512345678901", "", "A1")],
        now=T0,
    )
    assert [p.carrier for p in logged] == ["sf", "jd", "yto"]
    # A carrier the clerk chose is theirs: they see the parcel.
    logged, _label = intake.log_parcels(desk, unit_label="1-1203", entries=[("SF9999999999999", "other", "")], now=T0)
    assert logged[0].carrier == "other"


def test_an_intake_whose_carrier_cannot_be_told_is_refused_on_the_carrier_field(desk, home):
    with pytest.raises(DomainError) as caught:
        intake.log_parcels(
            desk, unit_label="1-1203", entries=[("SF1234567890123", "", ""), ("768123456789", "", "")], now=T0
        )
    assert caught.value.field == "carrier" and "768123456789" in str(caught.value.message)
    assert count(Parcel) == 0


def test_a_batch_for_one_unit_is_logged_in_one_audit_entry(desk, home):
    unit, _owner, _husband = home
    logged = log(desk, "1-1203", "sf 1234 5678", "JD0000000001", "yt-777-888", shelf="b2 ")
    assert [p.tracking_number for p in logged] == ["SF12345678", "JD0000000001", "YT-777-888"]
    parcels = db.session.scalars(select(Parcel).order_by(Parcel.id)).all()
    assert len(parcels) == 3
    assert {(p.unit_id, p.status, p.shelf, p.arrived_at, p.logged_by_id) for p in parcels} == {
        (unit.id, ParcelStatus.WAITING, "B2", T0, desk.user_id)
    }
    assert all(db.session.get(Parcel, p.id).tracking_number == p.tracking_number for p in logged)
    entries = audit("parcel.log")
    assert len(entries) == 1
    assert entries[0].summary == "1-1203: SF12345678, JD0000000001, YT-777-888"
    assert entries[0].actor_id == desk.user_id


def test_arrival_notices_cost_the_same_statements_for_one_household_or_many(desk, prop, count_queries):
    def arrive(count, start):
        units = [builders.create_unit(number=f"{start + n:04d}") for n in range(count)]
        for unit in units:
            for n in range(3):
                builders.create_resident(
                    prop, unit=unit, account=False, relation=Relation.FAMILY if n else Relation.OWNER
                )
        db.session.commit()
        ids = [p.id for unit in units for p in log(desk, unit.label, f"SF{unit.number}")]
        db.session.commit()
        with count_queries() as notices:
            assert arrivals.notify_arrivals(ids, now=T0) == count
            db.session.commit()
        return notices

    one, many = arrive(1, 2001), arrive(20, 2101)
    assert one.count == many.count, many.statements  # the notices of every household in one statement
    assert count(Notification) == 3 + 60


def test_logging_takes_three_statements_whatever_the_number_of_parcels(desk, home, count_queries):
    with count_queries() as one:
        intake.log_parcels(desk, unit_label="1-1203", entries=[("SF0000", "sf", "A1")], now=T0)
        db.session.commit()
    with count_queries() as many:
        intake.log_parcels(desk, unit_label="1-1203", entries=[(f"JD{n:04d}", "jd", "B1") for n in range(20)], now=T0)
        db.session.commit()
    assert one.count == many.count == 3, many.statements  # the unit, the parcels, the audit entry
    assert count(Parcel) == 21


def test_a_unit_number_only_one_building_has_is_enough(desk, home):
    _logged, label = intake.log_parcels(desk, unit_label="1203", entries=[("SF1111", "sf", "")], now=T0)
    assert label == "1-1203"


def test_a_unit_number_several_buildings_have_needs_the_building(desk, home, prop):
    builders.create_unit(builders.create_building(prop, code="2"), number="1203")
    with pytest.raises(DomainError) as refused:
        intake.log_parcels(desk, unit_label="1203", entries=[("SF1111", "sf", "")], now=T0)
    assert refused.value.field == "unit_label"
    _logged, label = intake.log_parcels(desk, unit_label="2-1203", entries=[("SF1111", "sf", "")], now=T0)
    assert label == "2-1203"


@pytest.mark.parametrize("label", ["9-9999", "", "1-", "-1203"])
def test_an_unknown_unit_is_refused_on_the_unit_field(desk, home, label):
    with pytest.raises(DomainError) as refused:
        intake.log_parcels(desk, unit_label=label, entries=[("SF1111", "sf", "")], now=T0)
    assert refused.value.field == "unit_label"
    assert count(Parcel) == 0


@pytest.mark.parametrize("number", ["ab!", "SF1", "X" * 41, "SF 12/34"])
def test_a_malformed_tracking_number_is_refused(desk, home, number):
    with pytest.raises(DomainError) as refused:
        intake.log_parcels(desk, unit_label="1-1203", entries=[(number, "sf", "")], now=T0)
    assert refused.value.field == "tracking_number"
    assert count(Parcel) == 0


def test_an_unknown_carrier_or_an_empty_or_oversized_batch_is_refused(desk, home):
    with pytest.raises(DomainError) as refused:
        intake.log_parcels(desk, unit_label="1-1203", entries=[("SF1111", "ups", "")], now=T0)
    assert refused.value.field == "carrier"
    with pytest.raises(DomainError):
        intake.log_parcels(desk, unit_label="1-1203", entries=[], now=T0)
    with pytest.raises(DomainError):
        intake.log_parcels(
            desk, unit_label="1-1203", entries=[(f"SF{n:06d}", "sf", "") for n in range(intake.MAX_BATCH + 1)], now=T0
        )
    assert count(Parcel) == 0


def test_a_tracking_number_already_waiting_is_refused_and_nothing_of_the_batch_is_saved(desk, home):
    log(desk, "1-1203", "SF0001")
    with pytest.raises(Conflict) as refused:
        intake.log_parcels(
            desk,
            unit_label="1-1203",
            entries=[("SF0002", "sf", ""), ("sf 0001", "sf", "")],
            now=T0 + timedelta(hours=1),
        )
    assert refused.value.field == "tracking_number"
    assert "SF0001" in str(refused.value.message)
    db.session.commit()  # whatever the failed intake left would be kept now
    assert db.session.scalars(select(Parcel.tracking_number)).all() == ["SF0001"]
    assert len(audit("parcel.log")) == 1


def test_the_same_number_twice_in_one_batch_is_refused(desk, home):
    with pytest.raises(DomainError) as refused:
        intake.log_parcels(desk, unit_label="1-1203", entries=[("SF0001", "sf", ""), ("sf0001", "sf", "")], now=T0)
    assert refused.value.field == "tracking_number" and "SF0001" in str(refused.value.message)
    db.session.commit()
    assert count(Parcel) == 0


def test_a_tracking_number_may_come_again_once_the_earlier_parcel_was_picked_up(desk, home):
    first = log(desk, "1-1203", "SF0001")
    hand_over(desk, "1-1203", issue(home[0]), first)
    again = log(desk, "1-1203", "SF0001", now=T0 + timedelta(days=2))
    assert again[0].id != first[0].id
    assert count(Parcel, Parcel.tracking_number == "SF0001") == 2


def test_a_tracking_number_may_come_again_once_the_earlier_parcel_went_back_to_the_carrier(desk, home):
    first = log(desk, "1-1203", "SF0001")
    pickup.return_to_carrier(desk, first[0].id, "地址错误", now=T0 + timedelta(days=1))
    db.session.commit()
    assert log(desk, "1-1203", "SF0001", now=T0 + timedelta(days=2))


@pytest.mark.parametrize("role", [Role.CLEANING, Role.ENGINEERING, Role.FINANCE])
def test_departments_outside_the_counter_may_not_log_parcels(home, role):
    clerk = act(builders.create_staff(role))
    with pytest.raises(NotAllowed):
        intake.log_parcels(clerk, unit_label="1-1203", entries=[("SF0001", "sf", "")], now=T0)
    assert count(Parcel) == 0


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ASSISTANT, Role.FRONTDESK, Role.SECURITY])
def test_the_desk_its_stand_ins_and_night_security_may_log_parcels(home, role):
    assert log(act(builders.create_staff(role)), "1-1203", "SF0001")


@pytest.mark.parametrize("role", [Role.CLEANING, Role.ENGINEERING])
def test_departments_outside_the_counter_may_not_check_codes_return_or_void(home, desk, role):
    parcel = log(desk, "1-1203", "SF0001")[0]
    code = issue(home[0])
    clerk = act(builders.create_staff(role))
    with pytest.raises(NotAllowed):
        pickup.check_pickup_code(clerk, unit_label="1-1203", code=code, place=DESK, now=T0)
    with pytest.raises(NotAllowed):
        pickup.return_to_carrier(clerk, parcel.id, "无人领取")
    with pytest.raises(NotAllowed):
        pickup.void_parcel(clerk, parcel.id, "录错")
    assert count(FailedAttempt) == 0


# Telling the residents ---------------------------------------------------------------------------------


def test_the_residents_are_told_only_after_the_intake_commits(app, desk, home):
    unit, owner, _husband = home
    intake.log_parcels(desk, unit_label="1-1203", entries=[("SF0001", "sf", "")], now=T0)
    db.session.rollback()  # an intake that never commits tells nobody
    assert waiting_count() == 0
    log(desk, "1-1203", "SF0002")
    assert count(Notification) == 0  # not during the request
    assert run_queued() == 1
    db.session.expire_all()
    assert count(Notification, Notification.resident_id == owner.id) == 1
    parcel = db.session.scalars(select(Parcel)).one()
    assert parcel.notified_at is not None
    assert count(PickupCode, PickupCode.unit_id == unit.id) == 0  # no mail to carry one: the portal gives it


def test_arrivals_notify_every_current_resident_of_the_unit_and_nobody_else(outbox, desk, prop, home, neighbour):
    unit, owner, husband = home
    former = builders.create_resident(prop, unit=None, name="前租客")
    db.session.add(
        Occupancy(
            unit=unit,
            resident=former,
            relation=Relation.TENANT,
            start_date=date(2020, 1, 1),
            end_date=date(2025, 12, 31),
        )
    )
    db.session.commit()
    logged = log(desk, "1-1203", "SF0001", "JD0002", shelf="A3")
    assert arrivals.notify_arrivals([p.id for p in logged], now=T0) == 2
    db.session.commit()
    notices = db.session.scalars(select(Notification).order_by(Notification.resident_id)).all()
    assert sorted(n.resident_id for n in notices) == sorted([owner.id, husband.id])
    mine = next(n for n in notices if n.resident_id == owner.id)  # 王芳 reads English
    assert "1-1203" in mine.message and "A3" in mine.message and mine.message.startswith("2 parcel(s)")
    assert all(p.notified_at == T0 for p in db.session.scalars(select(Parcel)))
    live = db.session.scalars(select(PickupCode)).one()
    assert live.unit_id == unit.id and live.created_at == T0 and live.expires_at == T0 + timedelta(days=14)


def test_notifying_again_changes_nothing(desk, home):
    logged = log(desk, "1-1203", "SF0001")
    ids = [p.id for p in logged]
    assert arrivals.notify_arrivals(ids, now=T0) == 1
    db.session.commit()
    assert arrivals.notify_arrivals(ids, now=T0 + timedelta(minutes=5)) == 0
    assert arrivals.notify_unsent(now=T0 + timedelta(minutes=5)) == 0
    db.session.commit()
    assert count(Notification) == 2 and count(PickupCode) == 0
    assert db.session.scalars(select(Parcel)).one().notified_at == T0


def test_a_parcel_no_longer_waiting_is_not_announced(desk, home):
    parcel = log(desk, "1-1203", "SF0001")[0]
    pickup.void_parcel(desk, parcel.id, "录错了", now=T0)
    db.session.commit()
    assert arrivals.notify_arrivals([parcel.id], now=T0) == 0
    assert count(Notification) == 0 and count(PickupCode) == 0


def test_a_parcel_for_an_empty_unit_waits_untold_and_without_a_code(desk, prop):
    builders.create_unit(number="0808", floor=8)
    parcel = log(desk, "1-0808", "SF0001")[0]
    arrivals.notify_arrivals([parcel.id], now=T0)
    db.session.commit()
    assert count(Notification) == 0 and count(PickupCode) == 0
    assert db.session.get(Parcel, parcel.id).notified_at is None


def test_an_arrival_nobody_is_mailed_about_leaves_the_residents_code_working(desk, home):
    unit, owner, _husband = home  # no MAIL_SERVER: the notice is in-app only
    log(desk, "1-1203", "SF0001")
    code, _expires, _label = arrivals.code_for_resident(SYSTEM, owner.id, unit.id, allowed_units={unit.id}, now=T0)
    db.session.commit()
    later = log(desk, "1-1203", "JD0002", now=T0 + timedelta(minutes=10))  # while she walks down to the desk
    arrivals.notify_arrivals([p.id for p in later], now=T0 + timedelta(minutes=10))
    db.session.commit()
    _row, _unit_id, _label, waiting = check(desk, "1-1203", code, now=T0 + timedelta(minutes=12))
    assert [p.tracking_number for p in waiting] == ["SF0001", "JD0002"]


def test_the_sweep_tells_residents_of_parcels_whose_notice_never_went_out(desk, home):
    log(desk, "1-1203", "SF0001")
    assert arrivals.notify_unsent(now=T0 + timedelta(seconds=30)) == 0  # the job may still be running
    assert arrivals.notify_unsent(now=T0 + timedelta(minutes=2)) == 1
    db.session.commit()
    assert count(Notification) == 2


def test_the_arrival_mail_carries_a_pickup_code_that_works(outbox, desk, home):
    unit, _owner, _husband = home  # only 王芳 has an e-mail address
    logged = log(desk, "1-1203", "SF0001", shelf="C1")
    arrivals.notify_arrivals([p.id for p in logged], now=T0)
    db.session.commit()
    assert len(outbox) == 1
    to, subject, body = outbox[0]
    assert to == "wangfang@example.com" and "1-1203" in subject
    code = re.search(r"Pickup code: (\d{6}) \(unit 1-1203\), valid until 2026-03-16", body).group(1)
    _row, unit_id, label, waiting = pickup.check_pickup_code(
        desk, unit_label="1-1203", code=code, place=DESK, now=T0 + timedelta(hours=1)
    )
    assert (unit_id, label, [p.tracking_number for p in waiting]) == (unit.id, "1-1203", ["SF0001"])


def test_without_a_mail_server_nobody_is_mailed(desk, home, monkeypatch):
    sent = []
    monkeypatch.setattr("domain.notify.mail._send", lambda messages: sent.extend(messages))
    logged = log(desk, "1-1203", "SF0001")
    arrivals.notify_arrivals([p.id for p in logged], now=T0)
    db.session.commit()
    assert sent == [] and count(Notification) == 2


# Pickup codes ------------------------------------------------------------------------------------------


def test_a_new_pickup_code_revokes_the_previous_one(desk, home):
    unit = home[0]
    log(desk, "1-1203", "SF0001")
    first = issue(unit)
    second = issue(unit, now=T0 + timedelta(minutes=1))
    rows = db.session.scalars(select(PickupCode).order_by(PickupCode.id)).all()
    assert rows[0].revoked_at == T0 + timedelta(minutes=1) and rows[1].revoked_at is None
    with pytest.raises(throttle.WrongCode):
        check(desk, "1-1203", first, now=T0 + timedelta(minutes=2))
    assert check(desk, "1-1203", second, now=T0 + timedelta(minutes=2))[1] == unit.id


def test_codes_are_stored_only_as_a_keyed_hash(home):
    code = issue(home[0])
    row = db.session.scalars(select(PickupCode)).one()
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.code_hash == codes.code_hash("pickup", home[0].id, code)
    assert row.code_hash != codes.code_hash("pickup", home[0].id + 1, code)


def test_the_right_code_shows_only_that_units_waiting_parcels(desk, home, neighbour):
    unit = home[0]
    mine = log(desk, "1-1203", "SF0001", "SF0002")
    log(desk, "1-0901", "JD0003")
    code = issue(unit)
    row, unit_id, label, waiting = check(desk, "1-1203", f"{code[:3]} {code[3:]}")
    assert row.unit_id == unit.id and unit_id == unit.id and label == "1-1203"
    assert [p.id for p in waiting] == [p.id for p in mine]
    assert count(FailedAttempt) == 0


def test_a_wrong_code_is_refused_and_counted(desk, home):
    log(desk, "1-1203", "SF0001")
    code = issue(home[0])
    with pytest.raises(throttle.WrongCode) as refused:
        check(desk, "1-1203", wrong_code(code))
    assert refused.value.field == "code"
    attempts = db.session.scalars(select(FailedAttempt)).all()
    assert [(a.scope, a.place, a.at) for a in attempts] == [("parcel_code", DESK, T0)]


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef"])
def test_something_that_is_not_a_code_is_refused_and_counted(desk, home, typed):
    issue(home[0])
    with pytest.raises(throttle.WrongCode):
        check(desk, "1-1203", typed)
    assert count(FailedAttempt) == 1


def test_a_right_code_for_the_wrong_unit_is_a_wrong_code(desk, home, neighbour):
    log(desk, "1-1203", "SF0001")
    log(desk, "1-0901", "JD0002")
    code = issue(home[0])
    with pytest.raises(throttle.WrongCode):
        check(desk, "1-0901", code)
    with pytest.raises(throttle.WrongCode):
        check(desk, "7-7777", code)
    assert count(FailedAttempt) == 2


def test_an_expired_code_is_refused(desk, home, app):
    log(desk, "1-1203", "SF0001")
    code = issue(home[0])
    days = app.config["PARCEL_CODE_DAYS"]
    assert check(desk, "1-1203", code, now=T0 + timedelta(days=days) - timedelta(seconds=1))
    with pytest.raises(throttle.WrongCode):
        check(desk, "1-1203", code, now=T0 + timedelta(days=days))


def test_the_code_lifetime_follows_the_setting(desk, home, monkeypatch, app):
    monkeypatch.setitem(app.config, "PARCEL_CODE_DAYS", 2)
    _code, expires_at = arrivals.issue_pickup_code(home[0].id, T0)
    assert expires_at == T0 + timedelta(days=2)


def test_a_used_code_is_refused(desk, home):
    parcels = log(desk, "1-1203", "SF0001", "SF0002")
    code = issue(home[0])
    hand_over(desk, "1-1203", code, parcels[:1])
    with pytest.raises(throttle.WrongCode):
        check(desk, "1-1203", code, now=T0 + timedelta(minutes=1))


# Hand-over --------------------------------------------------------------------------------------------


def test_hand_over_records_who_took_what_and_uses_the_code_up(desk, home):
    parcels = log(desk, "1-1203", "SF0001", "SF0002", "SF0003")
    code = issue(home[0])
    later = T0 + timedelta(hours=3)
    handed, label = hand_over(
        desk, "1-1203", code, parcels[:2], recipient="household", name=" 李强 ", id_last4="123x", now=later
    )
    assert label == "1-1203" and [p.id for p in handed] == [p.id for p in parcels[:2]]
    db.session.expire_all()
    row = db.session.scalars(select(PickupCode)).one()
    assert row.used_at == later
    for parcel in parcels[:2]:
        parcel = db.session.get(Parcel, parcel.id)
        assert (parcel.status, parcel.picked_up_by, parcel.picked_up_name, parcel.picked_up_id_last4) == (
            ParcelStatus.PICKED_UP,
            Recipient.HOUSEHOLD,
            "李强",
            "123X",
        )
        assert (parcel.picked_up_at, parcel.closed_at, parcel.closed_by_id, parcel.pickup_code_id) == (
            later,
            later,
            desk.user_id,
            row.id,
        )
    assert db.session.get(Parcel, parcels[2].id).status == ParcelStatus.WAITING  # not ticked: stays on the shelf
    [entry] = audit("parcel.hand_over")
    assert entry.summary == "1-1203: SF0001, SF0002 -> household 李强 (123X)"
    assert entry.actor_id == desk.user_id


def test_a_second_hand_over_with_the_same_code_fails(desk, home):
    parcels = log(desk, "1-1203", "SF0001", "SF0002")
    code = issue(home[0])
    hand_over(desk, "1-1203", code, parcels[:1])
    with pytest.raises(throttle.WrongCode):
        hand_over(desk, "1-1203", code, parcels[1:], now=T0 + timedelta(minutes=1))
    assert db.session.get(Parcel, parcels[1].id).status == ParcelStatus.WAITING
    assert len(audit("parcel.hand_over")) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"recipient": "visitor"}, "recipient"),
        ({"recipient": ""}, "recipient"),
        ({"id_last4": "12"}, "id_last4"),
        ({"id_last4": "12a4"}, "id_last4"),
        ({"name": "  "}, "name"),
        ({"parcel_ids": []}, "parcel_ids"),
    ],
)
def test_hand_over_needs_who_their_id_and_the_parcels(desk, home, changes, field):
    parcels = log(desk, "1-1203", "SF0001")
    code = issue(home[0])
    values = {"recipient": "resident", "name": "王芳", "id_last4": "1234", "parcel_ids": [parcels[0].id], **changes}
    with pytest.raises(DomainError) as refused:
        pickup.hand_over(desk, unit_label="1-1203", code=code, place=DESK, now=T0, **values)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalars(select(PickupCode)).one().used_at is None  # the code still works
    assert db.session.get(Parcel, parcels[0].id).status == ParcelStatus.WAITING


def test_only_waiting_parcels_of_the_codes_unit_are_handed_over(desk, home, neighbour):
    mine = log(desk, "1-1203", "SF0001")
    theirs = log(desk, "1-0901", "JD0002")
    code = issue(home[0])
    with pytest.raises(DomainError) as refused:
        pickup.hand_over(
            desk,
            unit_label="1-1203",
            code=code,
            parcel_ids=[theirs[0].id],
            recipient="resident",
            name="王芳",
            id_last4="1234",
            place=DESK,
            now=T0,
        )
    assert refused.value.field == "parcel_ids"
    handed, _label = hand_over(desk, "1-1203", code, mine + theirs)
    assert [p.id for p in handed] == [mine[0].id]
    assert db.session.get(Parcel, theirs[0].id).status == ParcelStatus.WAITING


def test_an_authorised_person_collects_under_their_own_name(desk, home):
    unit, owner, _husband = home
    parcels = log(desk, "1-1203", "SF0001")
    authorisation = authorisations.authorise_collector(
        SYSTEM, resident_id=owner.id, unit_id=unit.id, allowed_units={unit.id}, name="快递柜阿姨", phone="138-0000-1111"
    )
    db.session.commit()
    assert authorisation.phone == "13800001111"
    code = issue(unit)
    hand_over(desk, "1-1203", code, parcels, recipient="authorised", name="", authorisation_id=authorisation.id)
    parcel = db.session.get(Parcel, parcels[0].id)
    assert (parcel.picked_up_by, parcel.picked_up_name) == (Recipient.AUTHORISED, "快递柜阿姨")


def test_an_authorised_pickup_needs_an_authorisation_of_that_unit(desk, home, neighbour):
    unit, _owner, _husband = home
    their_unit, them = neighbour
    parcels = log(desk, "1-1203", "SF0001")
    theirs = authorisations.authorise_collector(
        SYSTEM,
        resident_id=them.id,
        unit_id=their_unit.id,
        allowed_units={their_unit.id},
        name="邻居的保姆",
        phone="13900001111",
    )
    db.session.commit()
    code = issue(unit)
    for authorisation_id in (None, theirs.id, 99999):
        with pytest.raises(DomainError) as refused:
            pickup.hand_over(
                desk,
                unit_label="1-1203",
                code=code,
                parcel_ids=[parcels[0].id],
                recipient="authorised",
                name="邻居的保姆",
                id_last4="1234",
                authorisation_id=authorisation_id,
                place=DESK,
                now=T0,
            )
        assert refused.value.field == "authorisation_id"
    assert db.session.get(Parcel, parcels[0].id).status == ParcelStatus.WAITING


def test_a_withdrawn_authorisation_no_longer_lets_anyone_collect(desk, home):
    unit, owner, _husband = home
    parcels = log(desk, "1-1203", "SF0001")
    authorisation = authorisations.authorise_collector(
        SYSTEM, resident_id=owner.id, unit_id=unit.id, allowed_units={unit.id}, name="快递柜阿姨", phone="13800001111"
    )
    authorisations.revoke_collector(SYSTEM, authorisation.id, allowed_units={unit.id}, now=T0)
    db.session.commit()
    assert authorisations.collectors([unit.id]) == []
    code = issue(unit)
    with pytest.raises(DomainError) as refused:
        pickup.hand_over(
            desk,
            unit_label="1-1203",
            code=code,
            parcel_ids=[parcels[0].id],
            recipient="authorised",
            name="",
            id_last4="1234",
            authorisation_id=authorisation.id,
            place=DESK,
            now=T0,
        )
    assert refused.value.field == "authorisation_id"


def test_a_resident_authorises_and_withdraws_only_for_their_own_units(home, neighbour):
    unit, owner, _husband = home
    their_unit, them = neighbour
    with pytest.raises(NotFound):
        authorisations.authorise_collector(
            SYSTEM,
            resident_id=owner.id,
            unit_id=their_unit.id,
            allowed_units={unit.id},
            name="某人",
            phone="13800001111",
        )
    with pytest.raises(DomainError) as refused:
        authorisations.authorise_collector(
            SYSTEM, resident_id=owner.id, unit_id=unit.id, allowed_units={unit.id}, name=" ", phone="13800001111"
        )
    assert refused.value.field == "name"
    with pytest.raises(DomainError) as refused:
        authorisations.authorise_collector(
            SYSTEM, resident_id=owner.id, unit_id=unit.id, allowed_units={unit.id}, name="某人", phone="12-34"
        )
    assert refused.value.field == "phone"
    theirs = authorisations.authorise_collector(
        SYSTEM,
        resident_id=them.id,
        unit_id=their_unit.id,
        allowed_units={their_unit.id},
        name="邻居的保姆",
        phone="13900001111",
    )
    db.session.commit()
    with pytest.raises(NotFound):
        authorisations.revoke_collector(SYSTEM, theirs.id, allowed_units={unit.id})
    authorisations.revoke_collector(SYSTEM, theirs.id, allowed_units={their_unit.id})
    with pytest.raises(NotFound):  # withdrawing twice
        authorisations.revoke_collector(SYSTEM, theirs.id, allowed_units={their_unit.id})


def test_a_resident_gets_a_code_only_for_their_unit_with_waiting_parcels(desk, home, neighbour):
    unit, owner, _husband = home
    their_unit, _them = neighbour
    log(desk, "1-0901", "JD0002")
    with pytest.raises(NotFound):
        arrivals.code_for_resident(SYSTEM, owner.id, their_unit.id, allowed_units={unit.id}, now=T0)
    with pytest.raises(InvalidTransition):
        arrivals.code_for_resident(SYSTEM, owner.id, unit.id, allowed_units={unit.id}, now=T0)
    assert count(PickupCode) == 0
    log(desk, "1-1203", "SF0001")
    code, expires_at, label = arrivals.code_for_resident(SYSTEM, owner.id, unit.id, allowed_units={unit.id}, now=T0)
    db.session.commit()
    assert re.fullmatch(r"\d{6}", code) and label == "1-1203" and expires_at == T0 + timedelta(days=14)
    assert check(desk, "1-1203", code)[1] == unit.id


# The wrong-code throttle ---------------------------------------------------------------------------------


def five_wrong_codes(desk, code, *, place=DESK, start=T0, step=timedelta(seconds=1)):
    """Type five wrong codes at `place`, one every `step`; returns when the last was typed."""
    at = start
    for n in range(5):
        at = start + n * step
        with pytest.raises(throttle.WrongCode):
            check(desk, "1-1203", wrong_code(code), place=place, now=at)
    return at


def test_five_wrong_codes_in_five_minutes_lock_the_place_even_for_the_right_code(desk, home):
    log(desk, "1-1203", "SF0001")
    code = issue(home[0])
    last = five_wrong_codes(desk, code)
    with pytest.raises(throttle.Throttled) as locked:
        check(desk, "1-1203", code, now=last + timedelta(seconds=1))
    assert locked.value.status_code == 429
    with pytest.raises(throttle.Throttled):
        check(desk, "1-1203", code, now=last + timedelta(minutes=4, seconds=59))
    assert count(FailedAttempt) == 5  # refused while locked: not counted again
    assert check(desk, "1-1203", code, now=last + timedelta(minutes=5))[1] == home[0].id


def test_the_fifth_wrong_code_raises_exactly_one_desk_alert(desk, home):
    code = issue(home[0])
    five_wrong_codes(desk, code)
    for _ in range(3):
        with pytest.raises(throttle.Throttled):
            check(desk, "1-1203", wrong_code(code), now=T0 + timedelta(minutes=1))
    [alert] = db.session.scalars(select(DeskAlert)).all()
    assert (alert.scope, alert.place, alert.message, alert.created_at) == (
        "parcel_code",
        DESK,
        "1-1203",
        T0 + timedelta(seconds=4),
    )
    assert alert.acknowledged_at is None
    assert len(audit("throttle.alarm")) == 1
    assert throttle.open_alerts() == [alert]


def test_four_wrong_codes_neither_lock_nor_alarm(desk, home):
    code = issue(home[0])
    for n in range(4):
        with pytest.raises(throttle.WrongCode):
            check(desk, "1-1203", wrong_code(code), now=T0 + timedelta(seconds=n))
    assert check(desk, "1-1203", code, now=T0 + timedelta(seconds=5))
    assert count(DeskAlert) == 0


def test_wrong_codes_spread_over_more_than_five_minutes_do_not_lock(desk, home):
    code = issue(home[0])
    last = five_wrong_codes(desk, code, step=timedelta(minutes=2))
    assert check(desk, "1-1203", code, now=last + timedelta(seconds=1))
    assert count(DeskAlert) == 0


def test_a_locked_place_does_not_lock_another(desk, home):
    code = issue(home[0])
    five_wrong_codes(desk, code, place="desk-1@10.0.0.1")
    assert check(desk, "1-1203", code, place="kiosk@10.0.0.9", now=T0 + timedelta(seconds=10))


def test_a_place_locked_for_pickup_codes_may_still_check_claim_codes(desk, home, prop):
    code = issue(home[0])
    five_wrong_codes(desk, code)
    item, claim = storage.store_item(desk, unit_label="1-1203", description="一袋水果", depositor_name="李女士", now=T0)
    db.session.commit()
    assert (
        storage.find_by_code(desk, property_id=prop.id, code=claim, place=DESK, now=T0 + timedelta(seconds=10)) == item
    )


def test_acknowledging_an_alert_once_closes_it(desk, home):
    five_wrong_codes(desk, issue(home[0]))
    alert = db.session.scalars(select(DeskAlert)).one()
    assert throttle.acknowledge_alert(desk, alert.id, now=T0 + timedelta(minutes=1)) is True
    assert throttle.acknowledge_alert(desk, alert.id, now=T0 + timedelta(minutes=2)) is False
    db.session.commit()
    db.session.expire_all()
    alert = db.session.get(DeskAlert, alert.id)
    assert (alert.acknowledged_at, alert.acknowledged_by_id) == (T0 + timedelta(minutes=1), desk.user_id)
    assert throttle.open_alerts() == [] and len(audit("throttle.acknowledge")) == 1


def test_the_place_of_a_clerk_is_the_person_and_their_address():
    clerk = Actor(7, "前台", Role.FRONTDESK, "10.1.2.3")
    assert throttle.place_of(clerk) == "7@10.1.2.3"
    assert throttle.place_of(Actor.system("kiosk-lobby")) == "kiosk-lobby@kiosk-lobby"


# Reminders ------------------------------------------------------------------------------------------------


def test_parcels_waiting_long_enough_are_reminded_once_per_period(desk, home, app):
    days = app.config["PARCEL_REMIND_DAYS"]
    old = log(desk, "1-1203", "SF0001", now=T0 - timedelta(days=days))[0]
    fresh = log(desk, "1-1203", "SF0002", now=T0 - timedelta(days=days) + timedelta(hours=1))[0]
    gone = log(desk, "1-1203", "SF0003", now=T0 - timedelta(days=10))
    hand_over(desk, "1-1203", issue(home[0], now=T0 - timedelta(days=9)), gone, now=T0 - timedelta(days=9))

    assert arrivals.remind_waiting(now=T0) == 1
    db.session.commit()
    assert count(Notification) == 2  # both residents
    assert db.session.get(Parcel, old.id).reminded_at == T0 and db.session.get(Parcel, fresh.id).reminded_at is None
    assert (
        "since 2026-02-27"
        in db.session.scalars(select(Notification).where(Notification.resident_id == home[1].id)).one().message
    )

    assert arrivals.remind_waiting(now=T0 + timedelta(days=days) - timedelta(minutes=1)) == 1  # only the fresh one
    db.session.commit()
    assert arrivals.remind_waiting(now=T0 + timedelta(days=days)) == 1  # the old one, a period later
    db.session.commit()
    assert arrivals.remind_waiting(now=T0 + timedelta(days=days, minutes=30)) == 0
    assert count(Notification) == 6


def test_no_reminder_for_a_parcel_younger_than_the_setting(desk, home, monkeypatch, app):
    monkeypatch.setitem(app.config, "PARCEL_REMIND_DAYS", 5)
    log(desk, "1-1203", "SF0001", now=T0 - timedelta(days=4))
    assert arrivals.remind_waiting(now=T0) == 0
    assert count(Notification) == 0


# Return and void ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("close", "status", "action"),
    [
        (pickup.return_to_carrier, ParcelStatus.RETURNED, "parcel.return"),
        (pickup.void_parcel, ParcelStatus.VOIDED, "parcel.void"),
    ],
)
def test_return_and_void_need_a_reason_and_keep_it(desk, home, close, status, action):
    parcel = log(desk, "1-1203", "SF0001")[0]
    for reason in ("", "   ", None):
        with pytest.raises(DomainError) as refused:
            close(desk, parcel.id, reason, now=T0)
        assert refused.value.field == "note"
    assert db.session.get(Parcel, parcel.id).status == ParcelStatus.WAITING
    close(desk, parcel.id, " 超过15天无人领取 ", now=T0 + timedelta(days=15))
    db.session.commit()
    parcel = db.session.get(Parcel, parcel.id)
    assert (parcel.status, parcel.close_note, parcel.closed_by_id, parcel.closed_at) == (
        status,
        "超过15天无人领取",
        desk.user_id,
        T0 + timedelta(days=15),
    )
    assert parcel.picked_up_at is None
    [entry] = audit(action)
    assert entry.object_type == "parcels" and entry.object_id == parcel.id and "SF0001" in entry.summary


@pytest.mark.parametrize("close", [pickup.return_to_carrier, pickup.void_parcel])
def test_return_and_void_work_only_while_the_parcel_waits(desk, home, close):
    picked, voided = log(desk, "1-1203", "SF0001", "SF0002")
    hand_over(desk, "1-1203", issue(home[0]), [picked])
    pickup.void_parcel(desk, voided.id, "录错了", now=T0)
    db.session.commit()
    for parcel in (picked, voided):
        with pytest.raises(InvalidTransition):
            close(desk, parcel.id, "再来一次", now=T0)
    with pytest.raises(NotFound):
        close(desk, 99999, "不存在", now=T0)
    assert db.session.get(Parcel, picked.id).status == ParcelStatus.PICKED_UP


def test_a_voided_parcel_can_no_longer_be_handed_over(desk, home):
    kept, voided = log(desk, "1-1203", "SF0001", "SF0002")
    pickup.void_parcel(desk, voided.id, "录错了", now=T0)
    db.session.commit()
    _row, _unit_id, _label, waiting = check(desk, "1-1203", issue(home[0]))
    assert [p.id for p in waiting] == [kept.id]


# The shelf and the day's counts ------------------------------------------------------------------------


def test_aging_counts_put_each_waiting_parcel_in_one_bucket(desk, home, prop):
    unit = home[0]
    for n, age in enumerate(
        [
            timedelta(0),
            timedelta(days=2, hours=23),
            timedelta(days=3),
            timedelta(days=6),
            timedelta(days=7),
            timedelta(days=14),
            timedelta(days=15),
            timedelta(days=40),
        ]
    ):
        builders.create_parcel(unit, f"SF{n:04d}", arrived_at=T0 - age)
    builders.create_parcel(unit, "PICKED", arrived_at=T0 - timedelta(days=1), status="picked_up")
    builders.create_parcel(unit, "GONE", arrived_at=T0 - timedelta(days=20), status="returned")
    assert queries.aging_counts(prop.id, T0) == {"0-3": 2, "3-7": 2, "7-15": 2, "15+": 2}


def test_the_waiting_shelf_filters_by_bucket_and_matches_the_counts(desk, home, neighbour, prop):
    unit, their_unit = home[0], neighbour[0]
    builders.create_parcel(unit, "SF0000000001", arrived_at=T0 - timedelta(days=1))
    builders.create_parcel(their_unit, "JD0000000002", arrived_at=T0 - timedelta(days=5))
    builders.create_parcel(unit, "YT0000000003", arrived_at=T0 - timedelta(days=20))
    counts = queries.aging_counts(prop.id, T0)
    for bucket in counts:
        rows, _next = queries.waiting_shelf(prop.id, now=T0, bucket=bucket)
        assert len(rows) == counts[bucket]
    rows, _next = queries.waiting_shelf(prop.id, now=T0, bucket="3-7")
    assert [(r.tracking_number, r.unit_label) for r in rows] == [("JD0000000002", "1-0901")]
    assert [r.tracking_number for r in queries.waiting_shelf(prop.id, now=T0, q="1-1203")[0]] == [
        "SF0000000001",
        "YT0000000003",
    ]
    assert [r.tracking_number for r in queries.waiting_shelf(prop.id, now=T0, q="jd000")[0]] == ["JD0000000002"]
    assert [r.tracking_number for r in queries.waiting_shelf(prop.id, now=T0, q="0901")[0]] == ["JD0000000002"]
    assert queries.waiting_shelf(prop.id, now=T0, q="%")[0] == []


def test_the_waiting_shelf_pages_by_key(home, prop):
    ids = [builders.create_parcel(home[0], f"SF{n:04d}", arrived_at=T0).id for n in range(5)]
    first, after = queries.waiting_shelf(prop.id, now=T0, limit=2)
    assert [r.id for r in first] == ids[:2] and after == ids[1]
    second, after = queries.waiting_shelf(prop.id, now=T0, limit=2, after=after)
    assert [r.id for r in second] == ids[2:4]
    last, after = queries.waiting_shelf(prop.id, now=T0, limit=2, after=ids[3])
    assert [r.id for r in last] == ids[4:] and after is None


def test_the_days_counts(desk, home, prop):
    unit = home[0]
    day = date(2026, 3, 2)  # T0 is 10:00 that day in Shanghai
    midnight = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # 00:00 on 2 March in Shanghai
    builders.create_parcel(unit, "YESTERDAY", arrived_at=midnight - timedelta(seconds=1))
    builders.create_parcel(unit, "OLD", arrived_at=T0 - timedelta(days=4))
    taken = builders.create_parcel(unit, "TAKEN", arrived_at=midnight)
    returned = builders.create_parcel(unit, "RETURNED", arrived_at=T0 - timedelta(days=16))
    builders.create_parcel(unit, "NEW", arrived_at=T0)
    hand_over(desk, "1-1203", issue(unit), [taken], now=T0)
    pickup.return_to_carrier(desk, returned.id, "超期", now=T0)
    db.session.commit()
    storage.store_item(
        desk, unit_label="1-1203", description="钥匙", depositor_name="王芳", days=1, now=T0 - timedelta(days=2)
    )
    storage.store_item(desk, unit_label="1-1203", description="雨伞", depositor_name="王芳", now=T0)
    item = builders.create_lendable(prop, quantity=5)
    builders.create_loan(item, unit, lent_at=T0 - timedelta(days=2), due_at=T0 - timedelta(hours=1))
    builders.create_loan(item, unit, lent_at=T0, due_at=T0 + timedelta(hours=1))
    db.session.commit()
    counts = queries.day_counts(prop.id, day, T0)
    assert counts == queries.DayCounts(
        parcels_in=2,
        parcels_out=1,
        parcels_returned=1,
        parcels_waiting=3,
        parcels_overdue=1,
        storage_open=2,
        storage_overdue=1,
        loans_open=2,
        loans_overdue=1,
    )
    assert queries.day_counts(prop.id, date(2026, 3, 1), T0).parcels_in == 1


# Items left at the desk -------------------------------------------------------------------------------------


def test_storing_an_item_gives_a_six_digit_claim_code_that_finds_it(desk, home, prop):
    unit = home[0]
    item, code = storage.store_item(
        desk,
        unit_label="1203",
        description=" 一袋水果 ",
        depositor_name="李女士",
        depositor_phone="13900001111",
        by_visitor=True,
        collector_name="王芳",
        now=T0,
    )
    db.session.commit()
    assert re.fullmatch(r"\d{6}", code)
    item = db.session.get(StoredItem, item.id)
    assert (item.unit_id, item.description, item.depositor_name, item.by_visitor, item.collector_name) == (
        unit.id,
        "一袋水果",
        "李女士",
        True,
        "王芳",
    )
    assert item.status == StorageStatus.STORED and item.expires_on == date(2026, 3, 9)  # STORAGE_DAYS = 7
    assert code not in item.code_hash
    assert storage.find_by_code(desk, property_id=prop.id, code=f"{code[:3]} {code[3:]}", place=DESK, now=T0) == item
    assert len(audit("storage.store")) == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"description": " "}, "description"),
        ({"depositor_name": ""}, "depositor_name"),
        ({"days": 0}, "days"),
        ({"days": storage.MAX_DAYS + 1}, "days"),
        ({"unit_label": "9-9999"}, "unit_label"),
    ],
)
def test_storing_needs_an_item_who_left_it_a_unit_and_a_sane_duration(desk, home, values, field):
    arguments = {"unit_label": "1-1203", "description": "一袋水果", "depositor_name": "李女士", **values}
    with pytest.raises(DomainError) as refused:
        storage.store_item(desk, now=T0, **arguments)
    assert refused.value.field == field
    assert count(StoredItem) == 0


def test_a_wrong_claim_code_is_counted_and_throttled(desk, home, prop):
    _item, code = storage.store_item(desk, unit_label="1-1203", description="钥匙", depositor_name="王芳", now=T0)
    db.session.commit()
    for n in range(5):
        with pytest.raises(throttle.WrongCode):
            storage.find_by_code(
                desk, property_id=prop.id, code=wrong_code(code), place=DESK, now=T0 + timedelta(seconds=n)
            )
        db.session.commit()
    assert count(FailedAttempt, FailedAttempt.scope == "storage_code") == 5
    assert db.session.scalars(select(DeskAlert.scope)).all() == ["storage_code"]
    with pytest.raises(throttle.Throttled):
        storage.find_by_code(desk, property_id=prop.id, code=code, place=DESK, now=T0 + timedelta(minutes=1))
    assert storage.find_by_code(desk, property_id=prop.id, code=code, place=DESK, now=T0 + timedelta(minutes=6))


def test_releasing_an_item_records_who_took_it_and_the_code_stops_working(desk, home, prop):
    item, code = storage.store_item(desk, unit_label="1-1203", description="钥匙", depositor_name="王芳", now=T0)
    db.session.commit()
    later = T0 + timedelta(days=1)
    storage.release_item(
        desk, property_id=prop.id, item_id=item.id, code=code, name=" 李强 ", id_last4="567x", place=DESK, now=later
    )
    db.session.commit()
    item = db.session.get(StoredItem, item.id)
    assert (item.status, item.picked_up_name, item.picked_up_id_last4, item.picked_up_at, item.closed_by_id) == (
        StorageStatus.PICKED_UP,
        "李强",
        "567X",
        later,
        desk.user_id,
    )
    assert len(audit("storage.release")) == 1
    with pytest.raises(throttle.WrongCode):
        storage.find_by_code(desk, property_id=prop.id, code=code, place=DESK, now=later)


def test_releasing_needs_the_name_the_id_digits_and_the_items_own_code(desk, home, prop):
    item, code = storage.store_item(desk, unit_label="1-1203", description="钥匙", depositor_name="王芳", now=T0)
    other, _other_code = storage.store_item(
        desk, unit_label="1-1203", description="雨伞", depositor_name="王芳", now=T0
    )
    db.session.commit()
    arguments = {
        "property_id": prop.id,
        "item_id": item.id,
        "code": code,
        "name": "李强",
        "id_last4": "1234",
        "place": DESK,
        "now": T0,
    }
    with pytest.raises(Conflict):
        storage.release_item(desk, **{**arguments, "item_id": other.id})
    with pytest.raises(DomainError) as refused:
        storage.release_item(desk, **{**arguments, "name": ""})
    assert refused.value.field == "name"
    with pytest.raises(DomainError) as refused:
        storage.release_item(desk, **{**arguments, "id_last4": "12"})
    assert refused.value.field == "id_last4"
    db.session.rollback()
    assert {i.status for i in db.session.scalars(select(StoredItem))} == {StorageStatus.STORED}


def test_voiding_an_item_needs_a_reason_and_takes_it_off_the_shelf(desk, home, prop):
    item, code = storage.store_item(desk, unit_label="1-1203", description="钥匙", depositor_name="王芳", now=T0)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        storage.void_item(desk, item.id, " ")
    assert refused.value.field == "note"
    storage.void_item(desk, item.id, "登记错了", now=T0)
    db.session.commit()
    item = db.session.get(StoredItem, item.id)
    assert (item.status, item.close_note, item.closed_by_id) == (StorageStatus.VOIDED, "登记错了", desk.user_id)
    with pytest.raises(InvalidTransition):
        storage.void_item(desk, item.id, "再来一次")
    with pytest.raises(throttle.WrongCode):
        storage.find_by_code(desk, property_id=prop.id, code=code, place=DESK, now=T0)
    with pytest.raises(NotFound):
        storage.void_item(desk, 99999, "不存在")


def test_departments_outside_the_counter_may_not_store_items(home):
    with pytest.raises(NotAllowed):
        storage.store_item(
            act(builders.create_staff(Role.CLEANING)),
            unit_label="1-1203",
            description="钥匙",
            depositor_name="王芳",
            now=T0,
        )


# Lending ----------------------------------------------------------------------------------------------------


@pytest.fixture
def ladder(prop):
    """One folding ladder, lent for 4 hours against a ¥100 deposit."""
    return builders.create_lendable(prop, name="折叠梯", quantity=1, deposit_fen=10000, loan_hours=4)


def lend(actor, item, *, now=T0, **values):
    """Lend `item` to 1-1203 and commit."""
    loan = lending.lend(
        actor,
        item_id=item.id,
        unit_label="1-1203",
        borrower_name=values.pop("borrower_name", "王芳"),
        now=now,
        **values,
    )
    db.session.commit()
    return loan


def test_a_loan_takes_the_items_deposit_and_loan_time_by_default(desk, home, ladder):
    loan = lend(desk, ladder, borrower_phone="13800138000")
    assert (loan.unit_id, loan.borrower_name, loan.deposit_fen, loan.lent_at, loan.due_at, loan.status) == (
        home[0].id,
        "王芳",
        10000,
        T0,
        T0 + timedelta(hours=4),
        LoanStatus.OUT,
    )
    assert loan.lent_by_id == desk.user_id
    [entry] = audit("lending.lend")
    assert "10000 fen" in entry.summary and "1-1203" in entry.summary


def test_the_desk_may_take_another_deposit_and_due_time(desk, home, ladder):
    loan = lend(desk, ladder, deposit_fen=0, due_at=T0 + timedelta(days=2))
    assert (loan.deposit_fen, loan.due_at) == (0, T0 + timedelta(days=2))


def test_nothing_more_is_lent_than_the_office_has(desk, home, ladder):
    lend(desk, ladder)
    with pytest.raises(Conflict) as refused:
        lend(desk, ladder, borrower_name="李强")
    assert refused.value.field == "item_id"
    assert count(Loan) == 1


def test_a_returned_item_can_be_lent_again(desk, home, ladder):
    loan = lend(desk, ladder)
    lending.return_loan(desk, loan.id, note="完好", now=T0 + timedelta(hours=2))
    db.session.commit()
    loan = db.session.get(Loan, loan.id)
    assert (loan.status, loan.returned_at, loan.close_note, loan.closed_by_id) == (
        LoanStatus.RETURNED,
        T0 + timedelta(hours=2),
        "完好",
        desk.user_id,
    )
    assert lend(desk, ladder, now=T0 + timedelta(hours=3))
    assert lending.lent_out({ladder.id}) == {ladder.id: 1}


@pytest.mark.parametrize("due", [T0, T0 - timedelta(minutes=1), T0 + timedelta(days=30, seconds=1)])
def test_the_due_time_is_in_the_future_and_within_thirty_days(desk, home, ladder, due):
    with pytest.raises(DomainError) as refused:
        lending.lend(desk, item_id=ladder.id, unit_label="1-1203", borrower_name="王芳", due_at=due, now=T0)
    assert refused.value.field == "due_at"
    assert count(Loan) == 0


def test_a_thirty_day_loan_is_allowed(desk, home, ladder):
    assert lend(desk, ladder, due_at=T0 + timedelta(days=30)).due_at == T0 + timedelta(days=30)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"borrower_name": " "}, "borrower_name"),
        ({"deposit_fen": -1}, "deposit"),
        ({"unit_label": "9-9999"}, "unit_label"),
        ({"item_id": None}, "item_id"),
        ({"item_id": 99999}, "item_id"),
    ],
)
def test_a_loan_needs_a_borrower_a_unit_an_item_and_no_negative_deposit(desk, home, ladder, values, field):
    arguments = {"item_id": ladder.id, "unit_label": "1-1203", "borrower_name": "王芳", **values}
    with pytest.raises(DomainError) as refused:
        lending.lend(desk, now=T0, **arguments)
    assert refused.value.field == field
    assert count(Loan) == 0


def test_an_item_taken_off_the_list_is_not_lent(desk, home, prop):
    item = builders.create_lendable(prop, name="旧推车", is_active=False)
    with pytest.raises(DomainError) as refused:
        lending.lend(desk, item_id=item.id, unit_label="1-1203", borrower_name="王芳", now=T0)
    assert refused.value.field == "item_id"


def test_voiding_a_loan_needs_a_reason_and_frees_the_item(desk, home, ladder):
    loan = lend(desk, ladder)
    with pytest.raises(DomainError) as refused:
        lending.void_loan(desk, loan.id, "")
    assert refused.value.field == "note"
    lending.void_loan(desk, loan.id, "登记错了")
    db.session.commit()
    loan = db.session.get(Loan, loan.id)
    assert (loan.status, loan.close_note) == (LoanStatus.VOIDED, "登记错了")
    assert lending.lent_out({ladder.id}) == {}
    with pytest.raises(InvalidTransition):
        lending.return_loan(desk, loan.id)
    with pytest.raises(InvalidTransition):
        lending.void_loan(desk, loan.id, "再来一次")
    with pytest.raises(NotFound):
        lending.return_loan(desk, 99999)


def test_a_returned_loan_cannot_be_returned_again(desk, home, ladder):
    loan = lend(desk, ladder)
    lending.return_loan(desk, loan.id, now=T0)
    db.session.commit()
    with pytest.raises(InvalidTransition):
        lending.return_loan(desk, loan.id, now=T0)


def test_overdue_loans_are_reminded_once_a_day(desk, home, ladder, prop):
    umbrella = builders.create_lendable(prop, name="雨伞", quantity=5, deposit_fen=0)
    overdue = lend(desk, ladder, now=T0 - timedelta(hours=5))  # due an hour ago
    lend(desk, umbrella, now=T0)  # due tomorrow
    assert lending.remind_overdue(now=T0) == 1
    db.session.commit()
    message = db.session.scalars(select(Notification).where(Notification.resident_id == home[1].id)).one().message
    assert "折叠梯" in message and "1-1203" in message and "雨伞" not in message
    assert db.session.get(Loan, overdue.id).reminded_at == T0
    assert lending.remind_overdue(now=T0 + timedelta(hours=23, minutes=59)) == 0
    assert lending.remind_overdue(now=T0 + timedelta(days=1)) == 1
    db.session.commit()
    lending.return_loan(desk, overdue.id, now=T0 + timedelta(days=1, hours=1))
    db.session.commit()
    assert lending.remind_overdue(now=T0 + timedelta(days=3)) == 1  # now only the umbrella, overdue since day 2
    assert count(Notification) == 6


def test_open_loans_lists_the_overdue_on_request(desk, home, ladder, prop):
    umbrella = builders.create_lendable(prop, name="雨伞", quantity=5, deposit_fen=0)
    late = lend(desk, ladder, now=T0 - timedelta(hours=5))
    on_time = lend(desk, umbrella, now=T0)
    assert [loan.id for loan, _label in lending.open_loans(prop.id, now=T0)] == [late.id, on_time.id]
    assert [(loan.id, label) for loan, label in lending.open_loans(prop.id, now=T0, overdue_only=True)] == [
        (late.id, "1-1203")
    ]


def test_the_catalogue_is_kept_by_the_desk_and_the_manager(prop):
    manager = act(builders.create_staff(Role.MANAGER))
    item = lending.create_lendable(
        manager, property_id=prop.id, name=" 手推车 ", quantity=3, deposit_fen=5000, loan_hours=2
    )
    db.session.commit()
    assert (item.name, item.quantity, item.deposit_fen, item.loan_hours, item.is_active) == ("手推车", 3, 5000, 2, True)
    for role in (Role.ASSISTANT, Role.SECURITY, Role.CLEANING):
        with pytest.raises(NotAllowed):
            lending.create_lendable(act(builders.create_staff(role)), property_id=prop.id, name="梯子", quantity=1)
    assert count(LendableItem) == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": ""}, "name"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": 1000}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"deposit_fen": -100}, "deposit"),
        ({"loan_hours": 0}, "loan_hours"),
        ({"loan_hours": 30 * 24 + 1}, "loan_hours"),
    ],
)
def test_a_catalogue_entry_needs_sane_values(desk, prop, values, field):
    arguments = {"name": "梯子", "quantity": 1, "deposit_fen": 0, "loan_hours": 24, **values}
    with pytest.raises(DomainError) as refused:
        lending.create_lendable(desk, property_id=prop.id, **arguments)
    assert refused.value.field == field
    assert count(LendableItem) == 0


def test_the_quantity_cannot_drop_below_what_is_lent_out(desk, home, prop):
    item = builders.create_lendable(prop, name="雨伞", quantity=3, deposit_fen=0)
    lend(desk, item)
    lend(desk, item, borrower_name="李强")
    with pytest.raises(DomainError) as refused:
        lending.update_lendable(desk, item, name="雨伞", quantity=1, deposit_fen=0, loan_hours=24, is_active=True)
    assert refused.value.field == "quantity"
    db.session.rollback()
    assert db.session.get(LendableItem, item.id).quantity == 3
    lending.update_lendable(desk, item, name="大雨伞", quantity=2, deposit_fen=2000, loan_hours=12, is_active=False)
    db.session.commit()
    item = db.session.get(LendableItem, item.id)
    assert (item.name, item.quantity, item.deposit_fen, item.loan_hours, item.is_active) == (
        "大雨伞",
        2,
        2000,
        12,
        False,
    )
    [entry] = audit("lending.item_update")
    assert entry.changes["quantity"] == [3, 2] and entry.changes["is_active"] == [True, False]


def test_an_update_that_changes_nothing_is_not_logged(desk, prop):
    item = builders.create_lendable(prop, name="雨伞", quantity=3, deposit_fen=0, loan_hours=24)
    lending.update_lendable(desk, item, name="雨伞", quantity=3, deposit_fen=0, loan_hours=24, is_active=True)
    db.session.commit()
    assert audit("lending.item_update") == []


def test_security_lends_at_night_but_does_not_keep_the_catalogue(home, ladder):
    guard = act(builders.create_staff(Role.SECURITY))
    assert lend(guard, ladder).lent_by_id == guard.user_id
    with pytest.raises(NotAllowed):
        lending.update_lendable(guard, ladder, name="梯子", quantity=5, deposit_fen=0, loan_hours=4, is_active=True)


def test_an_item_a_visitor_leaves_is_announced_to_the_residents_with_the_code_by_mail(outbox, desk, home):
    unit, owner, husband = home
    item, code = storage.store_item(
        desk, unit_label="1-1203", description="一袋水果", depositor_name="李女士", by_visitor=True, now=T0
    )
    db.session.commit()
    notices = db.session.scalars(select(Notification)).all()
    assert sorted(n.resident_id for n in notices) == sorted([owner.id, husband.id])
    assert all(code not in n.message for n in notices)  # the code is never stored in clear
    assert len(outbox) == 1 and code in outbox[0][2]


def test_an_item_a_resident_leaves_for_themself_tells_nobody(outbox, desk, home):
    storage.store_item(desk, unit_label="1-1203", description="雨伞", depositor_name="王芳", now=T0)
    db.session.commit()
    assert count(Notification) == 0 and outbox == []


def test_the_shift_handover_carries_what_is_overdue_at_the_counter(app, desk, home):
    from domain.tickets.handover import draft_handover

    unit, _owner, _husband = home
    log(desk, "1-1203", "SF0001", now=T0 - timedelta(days=4))  # waiting too long
    log(desk, "1-1203", "SF0002", now=T0)
    storage.store_item(
        desk, unit_label="1-1203", description="伞", depositor_name="王芳", days=1, now=T0 - timedelta(days=3)
    )
    db.session.commit()
    draft = draft_handover(desk, unit.building.property_id, now=T0)
    assert draft["counter"] == {"parcels": 1, "storage": 1, "loans": 0}


def test_without_a_code_only_a_resident_named_as_in_the_register_may_collect(desk, home, neighbour):
    unit, _owner, _husband = home
    logged = log(desk, "1-1203", "SF0001", "SF0002")
    ids = [p.id for p in logged]
    with pytest.raises(DomainError) as refused:
        pickup.hand_over_by_id(
            desk, unit_label="1-1203", parcel_ids=ids, recipient="household", name="张三", id_last4="1234", now=T0
        )
    assert refused.value.field == "name"
    db.session.rollback()
    handed, label = pickup.hand_over_by_id(
        desk, unit_label="1-1203", parcel_ids=ids[:1], recipient="household", name="李强", id_last4="567x", now=T0
    )
    db.session.commit()
    parcel = db.session.get(Parcel, ids[0])
    assert (parcel.status, parcel.picked_up_name, parcel.picked_up_id_last4, parcel.pickup_code_id) == (
        ParcelStatus.PICKED_UP,
        "李强",
        "567X",
        None,
    )
    assert db.session.get(Parcel, ids[1]).status == ParcelStatus.WAITING
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "parcel.hand_over_by_id")).one()
    with pytest.raises(DomainError):  # the neighbour's resident is not of this unit
        pickup.hand_over_by_id(
            desk, unit_label="1-1203", parcel_ids=ids[1:], recipient="resident", name="赵邻居", id_last4="1234", now=T0
        )
