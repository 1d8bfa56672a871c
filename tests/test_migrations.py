"""The migrations build exactly the models' schema, and go down and up again, on this run's database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect

from extensions import db


def schema_differences():
    """What autogenerate would still change: nothing, if migrations and models agree."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrated_database_matches_the_models():
    assert schema_differences() == []


def test_downgrade_to_nothing_and_upgrade_again():
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert schema_differences() == []
    assert {"users", "units", "residents", "occupancies", "audit_entries"} <= set(inspect(db.engine).get_table_names())


def test_the_vacancy_fee_migration_gives_every_existing_unit_its_current_status_as_history(prop):
    """Upgrading a register with units writes one first row per unit: its status, since the stated default."""
    from datetime import date

    from sqlalchemy import select

    from domain.property.models import UnitStatusChange
    from tests import builders

    vacant, occupied = builders.create_unit(status="vacant"), builders.create_unit(status="occupied")
    db.session.commit()
    downgrade(revision="0011_field_work")
    upgrade()
    rows = db.session.execute(
        select(
            UnitStatusChange.unit_id,
            UnitStatusChange.from_status,
            UnitStatusChange.to_status,
            UnitStatusChange.effective_on,
            UnitStatusChange.recorded_by_id,
        ).order_by(UnitStatusChange.unit_id)
    ).all()
    assert [tuple(row) for row in rows] == [
        (vacant.id, None, "vacant", date(2000, 1, 1), None),
        (occupied.id, None, "occupied", date(2000, 1, 1), None),
    ]


def test_the_renovation_violations_move_into_violations_and_back(prop):
    """Upgrading moves each renovation violation into violations (the application's unit, a kind per property and
    renovation kind, the stage its status says, its fine and note); downgrading puts them back."""
    from datetime import UTC, date, datetime

    from sqlalchemy import select, text

    from domain.accounts.models import Actor
    from domain.accounts.roles import Role
    from domain.renovation.models import RenovationApplication, RenovationInspection, RenovationStatus
    from domain.violations import kinds, services
    from domain.violations.models import Stage, Violation, ViolationKind
    from tests import builders

    unit = builders.create_unit(number="1203")
    owner = builders.create_resident(prop, unit=unit)
    guard = builders.create_staff(Role.SECURITY)
    guard.display_name = "保安小李"
    application = RenovationApplication(
        property_id=prop.id, unit_id=unit.id, resident_id=owner.id, status=RenovationStatus.PERMITTED
    )
    db.session.add(application)
    db.session.flush()
    inspection = RenovationInspection(application_id=application.id, inspector_name="保安小李", findings="超时施工")
    db.session.add(inspection)
    # The manager's own kind already bears one of the renovation kinds' names: the moved kind takes another.
    own_kind = kinds.create_kind(
        Actor.system(),
        property_id=prop.id,
        name="装修超时施工",
        rule="《管理规约》",
        first_stage="reminded",
        reminder_days=1,
        notice_days=3,
        order_days=7,
        authority="urban",
        fine_allowed=False,
        fine_max_fen=None,
        fine_charge_type_id=None,
    )
    # A violation of the estate's own, with its timeline and notice: the tables it is in are copied around it.
    services.record_violation(
        Actor.system(), kind_id=own_kind.id, seen="走廊堆放纸箱", place="1号楼12层走廊", property_id=prop.id
    )
    db.session.flush()
    # Plain ids from here on: an expired object read between two migration steps would hold a lock they wait for.
    application_id, inspection_id, unit_id, guard_id, prop_id = (
        application.id,
        inspection.id,
        unit.id,
        guard.id,
        prop.id,
    )
    db.session.commit()
    downgrade(revision="0014_vacancy_fee")
    insert = text(
        "INSERT INTO renovation_violations (application_id, inspection_id, kind, description, deadline, fine_fen, "
        "status, created_at, created_by_id, resolved_at, resolved_by_id, resolved_note) VALUES (:application, "
        ":inspection, :kind, :description, :deadline, :fine, :status, :created, :by, :resolved, :resolved_by, :note)"
    )
    created, resolved = datetime(2026, 11, 2, 3, 0), datetime(2026, 11, 3, 3, 0)
    rows = (
        ("outside_hours", "21:30 仍在施工", 30000, "open", None, None, ""),
        ("waste", "楼道堆放垃圾", 0, "rectified", resolved, guard_id, "已清运"),
        ("waste", "电梯厅堆放瓷砖", 5000, "waived", resolved, guard_id, "不是本户"),
    )
    with db.engine.begin() as conn:
        for kind, description, fine, status, resolved_at, resolved_by, note in rows:
            conn.execute(
                insert,
                {
                    "application": application_id,
                    "inspection": inspection_id if kind == "outside_hours" else None,
                    "kind": kind,
                    "description": description,
                    "deadline": date(2026, 11, 5),
                    "fine": fine,
                    "status": status,
                    "created": created,
                    "by": guard_id,
                    "resolved": resolved_at,
                    "resolved_by": resolved_by,
                    "note": note,
                },
            )
    upgrade()
    assert "renovation_violations" not in inspect(db.engine).get_table_names()
    own = db.session.scalars(select(Violation).where(Violation.renovation_id.is_(None))).one()
    assert (own.seen, len(own.events), len(own.notices)) == ("走廊堆放纸箱", 1, 1)
    moved = db.session.scalars(
        select(Violation).where(Violation.renovation_id.is_not(None)).order_by(Violation.id)
    ).all()
    assert [(v.stage, v.seen, v.fine_fen, v.deadline) for v in moved] == [
        (Stage.NOTICED, "21:30 仍在施工", 30000, date(2026, 11, 5)),
        (Stage.RECTIFIED, "楼道堆放垃圾", None, date(2026, 11, 5)),
        (Stage.WITHDRAWN, "电梯厅堆放瓷砖", 5000, date(2026, 11, 5)),
    ]
    assert {(v.renovation_id, v.unit_id, v.property_id, v.recorded_by_id) for v in moved} == {
        (application_id, unit_id, prop_id, guard_id)
    }
    assert moved[0].inspection_id == inspection_id and moved[0].closed_at is None
    assert moved[0].recorded_at == created.replace(tzinfo=UTC) and moved[2].closed_at == resolved.replace(tzinfo=UTC)
    assert moved[1].kind_id == moved[2].kind_id != moved[0].kind_id  # one kind per property and renovation kind
    assert (moved[0].kind.name, moved[0].kind.renovation_kind, moved[0].kind.first_stage) == (
        "装修超时施工（装修）",
        "outside_hours",
        Stage.NOTICED,
    )
    assert [(e.action, e.actor_name, e.body) for e in moved[2].events] == [
        ("recorded", "保安小李", "电梯厅堆放瓷砖"),
        ("withdraw", "保安小李", "不是本户"),
    ]
    from domain.renovation import inspections

    assert (
        inspections.fines_fen(db.session.get(RenovationApplication, application_id)) == 30000
    )  # the waived fine is not kept, the zero one is no fine
    assert db.session.scalar(select(func.count(ViolationKind.id))) == 3
    db.session.commit()

    downgrade(revision="0014_vacancy_fee")
    with db.engine.connect() as conn:
        back = conn.execute(
            text(
                "SELECT kind, description, fine_fen, status, resolved_by_id, resolved_note, inspection_id "
                "FROM renovation_violations ORDER BY id"
            )
        ).all()
        kinds_left = conn.execute(text("SELECT name FROM violation_kinds")).scalars().all()
        violations_left = conn.execute(text("SELECT seen FROM violations")).scalars().all()
    assert [tuple(row) for row in back] == [
        ("outside_hours", "21:30 仍在施工", 30000, "open", None, "", inspection_id),
        ("waste", "楼道堆放垃圾", 0, "rectified", guard_id, "已清运", None),
        ("waste", "电梯厅堆放瓷砖", 5000, "waived", guard_id, "不是本户", None),
    ]
    assert kinds_left == ["装修超时施工"] and violations_left == ["走廊堆放纸箱"]
    upgrade()
    assert schema_differences() == []


def test_the_overtime_migration_enters_the_published_days_for_each_property_and_goes_down(prop):
    """Upgrading a database with a property gives its calendar the published days of 2026 and 2027; downgrading drops
    the overtime tables."""
    from sqlalchemy import select

    from domain.overtime.calendar import PUBLISHED
    from domain.overtime.models import CalendarDay

    prop_id = prop.id
    db.session.commit()
    downgrade(revision="0015_renovation_violations")
    assert not {"overtime_applications", "overtime_calendar_days"} & set(inspect(db.engine).get_table_names())
    upgrade()
    rows = db.session.execute(
        select(CalendarDay.property_id, CalendarDay.day, CalendarDay.kind, CalendarDay.name).order_by(CalendarDay.day)
    ).all()
    assert [(r.day, r.kind, r.name) for r in rows] == list(PUBLISHED)
    assert {r.property_id for r in rows} == {prop_id}


def test_the_attendance_migration_goes_down_to_the_handovers_as_they_were_and_up_again(prop):
    """Down: the rota, clock-in, leave and grace tables go, handovers lose the shift they close; up: all back."""
    downgrade(revision="0017_surveys")
    tables = set(inspect(db.engine).get_table_names())
    assert not tables & {"shifts", "shift_assignments", "clockings", "leave_requests", "attendance_settings"}
    assert "shift_assignment_id" not in {c["name"] for c in inspect(db.engine).get_columns("handovers")}
    upgrade()
    assert "shift_assignment_id" in {c["name"] for c in inspect(db.engine).get_columns("handovers")}
    assert schema_differences() == []


def test_the_evaluation_migration_goes_down_without_its_tables_and_up_again(prop):
    """Down: the weights and the scorecards go; up: both back, matching the models."""
    downgrade(revision="0019_callback_plans")
    assert not {"evaluation_schemes", "scorecards"} & set(inspect(db.engine).get_table_names())
    upgrade()
    assert {"evaluation_schemes", "scorecards"} <= set(inspect(db.engine).get_table_names())
    assert schema_differences() == []


def test_the_vip_mark_moves_from_the_visits_onto_their_residents_and_back(prop):
    """Up: a resident with a VIP visit is a VIP resident, one without stays as they were; down: every visit to a VIP
    resident is a VIP visit again."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from domain.tickets.models import ResidentVisit
    from tests import builders

    unit = builders.create_unit(number="0808")
    vip, plain = builders.create_resident(prop, unit=unit), builders.create_resident(prop, unit=unit)
    planned = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
    visits = [
        ResidentVisit(property_id=prop.id, unit_id=unit.id, resident_id=who.id, planned_for=planned, purpose="走访")
        for who in (vip, vip, plain)
    ]
    db.session.add_all(visits)
    db.session.flush()
    # Plain ids before the commit: an expired object read between two migration steps would hold a lock they wait for.
    vip_id, plain_id, first_visit = vip.id, plain.id, visits[0].id
    db.session.commit()
    downgrade(revision="0018_attendance")
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE resident_visits SET is_vip = true WHERE id = :id"), {"id": first_visit})
    upgrade()
    marks = dict(db.session.execute(text("SELECT id, is_vip FROM residents")).all())
    assert bool(marks[vip_id]) and not bool(marks[plain_id])
    db.session.commit()
    downgrade(revision="0018_attendance")
    flags = db.session.execute(text("SELECT resident_id, is_vip FROM resident_visits ORDER BY id")).all()
    assert [(who, bool(flag)) for who, flag in flags] == [(vip_id, True), (vip_id, True), (plain_id, False)]
    db.session.commit()
    upgrade()
    assert schema_differences() == []


def test_confirmed_overtime_keeps_the_rate_its_day_had_and_the_column_goes_down(prop):
    """Up: overtime confirmed before the rate was kept gets the rate the calendar gives its day (a statutory holiday,
    a Saturday, a make-up working Sunday); not confirmed gets none. Down: the column goes."""
    from datetime import UTC, date, datetime

    from sqlalchemy import select, text

    from domain.overtime.models import OvertimeApplication, OvertimeStatus
    from tests import builders
    from tests.overtime_builders import load_calendar

    load_calendar(prop)
    clerk = builders.create_staff()
    at = datetime(2026, 10, 1, 1, tzinfo=UTC)
    made = []
    for day, status in (
        (date(2026, 10, 1), "confirmed"),  # 国庆节: statutory
        (date(2026, 10, 17), "confirmed"),  # a Saturday
        (date(2026, 10, 10), "confirmed"),  # 国庆节调休: a Saturday worked
        (date(2026, 10, 19), "approved"),
    ):
        application = OvertimeApplication(
            property_id=prop.id,
            user_id=clerk.id,
            status=OvertimeStatus(status),
            work_date=day,
            planned_start_at=at,
            planned_end_at=at,
            planned_minutes=60,
            reason="r",
            worked_minutes=60 if status == "confirmed" else None,
        )
        db.session.add(application)
        db.session.flush()
        made.append(application.id)
    db.session.commit()
    downgrade(revision="0022_kiosk_surveys")
    assert "day_kind" not in {c["name"] for c in inspect(db.engine).get_columns("overtime_applications")}
    upgrade()
    kinds = dict(
        db.session.execute(select(text("id"), text("day_kind")).select_from(text("overtime_applications"))).all()
    )
    assert [kinds[i] for i in made] == ["holiday", "rest", "working", None]


def test_the_complaint_about_staff_migration_goes_down_without_the_column_and_up_again(prop):
    """Down: tickets lose the staff member a complaint is about; up: the column is back, matching the models."""
    downgrade(revision="0020_evaluation")
    assert "about_staff_id" not in {c["name"] for c in inspect(db.engine).get_columns("tickets")}
    upgrade()
    assert "about_staff_id" in {c["name"] for c in inspect(db.engine).get_columns("tickets")}


def test_the_kiosk_survey_migration_goes_down_keeping_the_kiosks_answers_and_up_again(prop):
    """Down: the kiosk mark and the answers' origin go, a kiosk's answers stay as anonymous answers; up: both back,
    every survey not on the kiosk and every answer not the kiosk's, matching the models."""
    from sqlalchemy import text

    from domain.surveys.models import SurveyAnswer
    from tests.survey_builders import create_survey

    survey, questions = create_survey(prop)
    survey_id = survey.id
    db.session.add(
        SurveyAnswer(property_id=prop.id, survey_id=survey_id, question_id=questions[0].id, response_key="k", choice=0)
    )
    db.session.commit()
    downgrade(revision="0021_complaint_about_staff")
    assert "shown_on_kiosk" not in {c["name"] for c in inspect(db.engine).get_columns("surveys")}
    assert "from_kiosk" not in {c["name"] for c in inspect(db.engine).get_columns("survey_answers")}
    assert db.session.execute(text("SELECT count(*) FROM survey_answers")).scalar() == 1
    db.session.commit()
    upgrade()
    assert db.session.execute(text("SELECT shown_on_kiosk FROM surveys WHERE id = :id"), {"id": survey_id}).all() == [
        (False,)
    ]
    assert [bool(f) for (f,) in db.session.execute(text("SELECT from_kiosk FROM survey_answers"))] == [False]
    db.session.commit()
    assert schema_differences() == []


def test_the_collection_calls_migration_goes_down_without_its_tables_and_up_again(prop):
    """Down: the collection calls and the monthly summaries go; up: both back, matching the models."""
    downgrade(revision="0025_urgent_and_praise")
    assert not {"collection_calls", "monthly_summaries"} & set(inspect(db.engine).get_table_names())
    upgrade()
    assert {"collection_calls", "monthly_summaries"} <= set(inspect(db.engine).get_table_names())
    assert schema_differences() == []


def test_the_alert_acks_migration_goes_down_without_its_table_and_up_again(prop):
    """Down: the acknowledgements of live alarms go; up: the table is back, matching the models."""
    downgrade(revision="0026_collection_calls")
    assert "alert_acks" not in inspect(db.engine).get_table_names()
    upgrade()
    assert "alert_acks" in inspect(db.engine).get_table_names()


def test_the_urgent_mark_migration_goes_down_without_its_columns_keeping_the_tickets_and_up_again(prop):
    """Down: tickets lose the resident's urgent mark and reason, a suggestion stays as it was; up: both columns are
    back, empty for the tickets already there."""
    from sqlalchemy import text

    from domain.accounts.models import Actor
    from domain.tickets.recording import create_ticket
    from tests import builders

    unit = builders.create_unit()
    resident = builders.create_resident(prop, unit=unit)
    ticket = create_ticket(
        Actor.for_user(resident.user, "127.0.0.1"),
        property_id=prop.id,
        kind="suggestion",
        channel="portal",
        description="楼下多放几把长椅",
        unit_id=unit.id,
        resident_id=resident.id,
    )
    ticket_id = ticket.id  # read before the commit: reading it after would open a transaction holding the table,
    db.session.commit()  # which PostgreSQL's ALTER TABLE of the downgrade would wait for forever
    downgrade(revision="0024_visit_remark_category")
    columns = {c["name"] for c in inspect(db.engine).get_columns("tickets")}
    assert "urgent_reason" not in columns and "urgent_marked_at" not in columns
    kind = db.session.execute(text("SELECT kind FROM tickets WHERE id = :id"), {"id": ticket_id}).scalar()
    db.session.commit()  # the same for the upgrade's ALTER TABLE
    assert kind == "suggestion"
    upgrade()
    row = db.session.execute(
        text("SELECT urgent_reason, urgent_marked_at FROM tickets WHERE id = :id"), {"id": ticket_id}
    ).one()
    assert tuple(row) == ("", None)


def _row_counts(tables):
    from sqlalchemy import text

    counts = {table: db.session.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() for table in tables}
    db.session.commit()  # no transaction left open for the next ALTER TABLE (PostgreSQL would wait for it)
    return counts


def test_a_one_property_installation_becomes_the_companys_first_property_keeping_every_row(prop):
    """From a round-1 database (the previous head, one property, roles on the accounts): up, the property belongs to
    the new company, each staff member holds their old role there, open sign-ins work for it, the log's entries
    belong to it and every other row is kept; down again, the roles are back on the accounts."""
    from sqlalchemy import text

    from domain.accounts.roles import Role
    from tests import builders

    unit = builders.create_unit()
    builders.create_resident(prop, unit=unit, name="陈业主")
    manager = builders.create_staff(Role.MANAGER, username="boss")
    desk = builders.create_staff(Role.FRONTDESK, username="desk")
    ids = {"prop": prop.id, "manager": manager.id, "desk": desk.id}
    db.session.commit()
    downgrade(revision="0027_alert_acks")
    db.session.execute(
        text(
            "INSERT INTO sign_ins (user_id, token_hash, created_at, last_seen_at, expires_at, idle_seconds, remember,"
            " user_agent, address) VALUES (:user, 'h1', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 60,"
            " FALSE, '', '')"
        ),
        {"user": ids["desk"]},
    )
    db.session.execute(
        text(
            "INSERT INTO audit_entries (at, actor_id, actor_name, action, object_type, object_id, summary, source)"
            " VALUES (CURRENT_TIMESTAMP, NULL, 'system', 'demo.load', 'properties', :prop, '', 'cli')"
        ),
        {"prop": ids["prop"]},
    )
    roles = dict(db.session.execute(text("SELECT username, role FROM users WHERE kind = 'staff'")).all())
    db.session.commit()
    assert roles == {"boss": "manager", "desk": "frontdesk"}
    kept = [t for t in inspect(db.engine).get_table_names() if t not in ("alembic_version", "companies", "staff_roles")]
    before = _row_counts(kept)

    upgrade()
    assert _row_counts(kept) == before
    company_ids = db.session.execute(text("SELECT DISTINCT company_id FROM properties")).scalars().all()
    held = set(db.session.execute(text("SELECT property_id, user_id, role FROM staff_roles")).tuples())
    sign_in_properties = set(db.session.execute(text("SELECT property_id FROM sign_ins")).scalars())
    log_properties = set(db.session.execute(text("SELECT property_id FROM audit_entries")).scalars())
    companies = db.session.execute(text("SELECT COUNT(*) FROM companies")).scalar()
    db.session.commit()
    assert companies == 1 and len(company_ids) == 1 and company_ids[0] is not None
    assert held == {(ids["prop"], ids["manager"], "manager"), (ids["prop"], ids["desk"], "frontdesk")}
    assert sign_in_properties == {ids["prop"]}
    assert log_properties == {ids["prop"]}
    assert schema_differences() == []

    downgrade(revision="0027_alert_acks")
    roles = dict(db.session.execute(text("SELECT username, role FROM users WHERE kind = 'staff'")).all())
    db.session.commit()
    assert roles == {"boss": "manager", "desk": "frontdesk"}
    upgrade()


def test_the_task_failures_migration_goes_down_without_its_table_and_up_again(prop):
    """Down: the failed tasks' table goes; up: it is back, matching the models."""
    downgrade(revision="0028_companies")
    assert "task_failures" not in inspect(db.engine).get_table_names()
    upgrade()
    assert "task_failures" in inspect(db.engine).get_table_names()
    assert schema_differences() == []
