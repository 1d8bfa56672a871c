"""Special incidents: reporting (bad input refused, nothing saved), who is told at once, the timeline entries, the
outcome, closing only with outcome, cause and measures, reopening, every step's role, the list queries."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from domain.accounts.roles import Role
from domain.alerts.models import StaffAlert
from domain.audit.models import AuditEntry
from domain.clock import to_local_input, utcnow
from domain.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from domain.incidents import demo, queries, services
from domain.incidents.models import Incident, IncidentStatus
from extensions import db
from tests import builders
from tests.incident_builders import act, close_ready, create_team, report


@pytest.fixture
def team(prop):
    """Every role, one each."""
    return create_team()


def alerted(incident):
    """The user ids alerted about `incident`."""
    return set(
        db.session.scalars(
            select(StaffAlert.user_id).where(
                StaffAlert.subject_type == "incident", StaffAlert.subject_id == incident.id
            )
        )
    )


def test_report_tells_the_manager_and_the_kinds_departments_at_once(team):
    incident = report(team[Role.SECURITY], kind="water_leak")
    told = {team[r].id for r in (Role.MANAGER, Role.ENGINEERING, Role.CLEANING, Role.FRONTDESK)}
    assert alerted(incident) == told
    urgent = db.session.scalars(select(StaffAlert).where(StaffAlert.subject_id == incident.id)).all()
    assert all(a.urgent and a.kind == "incident" for a in urgent)
    assert "2号楼地下车库" in urgent[0].message
    actions = [e.action for e in incident.events]
    assert actions == ["reported", "notified"]
    notified = incident.events[1]
    assert set(notified.data["user_ids"]) == told
    assert team[Role.MANAGER].display_name in notified.body
    assert "engineering" in notified.data["roles"]
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "incident.report")) == 1


def test_a_theft_tells_security_and_the_manager_only(team):
    incident = report(team[Role.FRONTDESK], kind="theft")
    assert alerted(incident) == {team[Role.MANAGER].id, team[Role.SECURITY].id}


def test_report_with_a_typed_unit_names_its_building(team):
    unit = builders.create_unit(number="1203")
    incident = report(team[Role.ASSISTANT], unit_label="1-1203")
    assert incident.unit_id == unit.id and incident.building_id == unit.building_id


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"place": "  "}, "place"),
        ({"description": ""}, "description"),
        ({"kind": "alien"}, "kind"),
        ({"unit_label": "9-9999"}, "unit_label"),
    ],
)
def test_bad_report_is_refused_and_nothing_is_saved(team, values, field):
    fields = {"kind": "fire", "occurred_at": None, "place": "大堂", "description": "冒烟", **values}
    with pytest.raises(DomainError) as refused:
        services.report_incident(act(team[Role.FRONTDESK]), **fields)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Incident)) == 0
    assert db.session.scalar(select(func.count()).select_from(StaffAlert)) == 0


def test_the_time_cannot_be_in_the_future_but_defaults_to_now(team, clock):
    later = to_local_input(utcnow() + timedelta(hours=1))
    with pytest.raises(DomainError) as refused:
        services.report_incident(
            act(team[Role.FRONTDESK]), kind="fire", occurred_at=later, place="大堂", description="冒烟"
        )
    assert refused.value.field == "occurred_at"
    db.session.rollback()
    earlier = to_local_input(utcnow() - timedelta(minutes=30))
    incident = services.report_incident(
        act(team[Role.FRONTDESK]), kind="fire", occurred_at=earlier, place="大堂", description="冒烟"
    )
    assert incident.occurred_at == utcnow() - timedelta(minutes=30)
    assert report(team[Role.FRONTDESK]).occurred_at == utcnow()


def test_entries_go_on_the_timeline_and_are_audited(team):
    incident = report(team[Role.SECURITY])
    services.add_entry(act(team[Role.ENGINEERING]), incident, kind="action", body="关闭总阀")
    services.add_entry(act(team[Role.FINANCE]), incident, kind="affected", body="2-0101 至 2-0104")
    db.session.commit()
    assert [e.action for e in incident.events][-2:] == ["action", "affected"]
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "incident.entry")) == 2
    with pytest.raises(DomainError):
        services.add_entry(act(team[Role.ENGINEERING]), incident, kind="action", body="  ")
    with pytest.raises(DomainError):
        services.add_entry(act(team[Role.ENGINEERING]), incident, kind="gossip", body="x")
    with pytest.raises(DomainError) as refused:
        services.add_entry(act(team[Role.ENGINEERING]), incident, kind="photo", body="")
    assert refused.value.field == "photos"


def test_an_incident_cannot_close_without_outcome_cause_and_measures(team):
    manager = act(team[Role.MANAGER])
    incident = report(team[Role.SECURITY])
    with pytest.raises(DomainError) as refused:
        services.close_incident(manager, incident)
    assert refused.value.field == "outcome"
    message = str(refused.value.message)
    assert all(str(services.CLOSING_FIELDS[field]) in message for field in ("outcome", "cause", "measures"))
    services.record_outcome(manager, incident, outcome="已修复", cause="", measures="")
    with pytest.raises(DomainError) as refused:
        services.close_incident(manager, incident)
    assert refused.value.field == "cause"
    assert str(services.CLOSING_FIELDS["outcome"]) not in str(refused.value.message)
    services.record_outcome(manager, incident, outcome="已修复", cause="管道老化", measures="")
    with pytest.raises(DomainError) as refused:
        services.close_incident(manager, incident)
    assert refused.value.field == "measures"
    services.record_outcome(manager, incident, outcome="已修复", cause="管道老化", measures="每月巡查")
    services.close_incident(manager, incident)
    db.session.commit()
    assert incident.status == IncidentStatus.CLOSED and incident.closed_by_id == team[Role.MANAGER].id
    assert incident.events[-1].action == "closed"


def test_only_the_manager_records_closes_and_reopens(team):
    incident = report(team[Role.SECURITY])
    for role in Role:
        if role == Role.MANAGER:
            continue
        with pytest.raises(NotAllowed):
            services.record_outcome(act(team[role]), incident, outcome="x", cause="y", measures="z")
        with pytest.raises(NotAllowed):
            services.close_incident(act(team[role]), incident)
        with pytest.raises(NotAllowed):
            services.reopen_incident(act(team[role]), incident, reason="再查")


def test_closed_incident_refuses_entries_and_reopens_with_a_reason(team):
    manager = act(team[Role.MANAGER])
    incident = close_ready(team[Role.MANAGER], report(team[Role.SECURITY]))
    services.close_incident(manager, incident)
    db.session.commit()
    with pytest.raises(InvalidTransition):
        services.add_entry(act(team[Role.SECURITY]), incident, kind="action", body="再次检查")
    with pytest.raises(InvalidTransition):
        services.close_incident(manager, incident)
    with pytest.raises(InvalidTransition):
        services.record_outcome(manager, incident, outcome="a", cause="b", measures="c")
    with pytest.raises(DomainError) as refused:
        services.reopen_incident(manager, incident, reason=" ")
    assert refused.value.field == "reason"
    services.reopen_incident(manager, incident, reason="又漏水了")
    db.session.commit()
    assert incident.status == IncidentStatus.OPEN and incident.closed_at is None
    with pytest.raises(InvalidTransition):
        services.reopen_incident(manager, incident, reason="again")
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "incidents")).all()
    assert {"incident.report", "incident.outcome", "incident.close", "incident.reopen"} <= set(actions)


def test_get_incident_is_scoped_to_the_property(team, prop):
    incident = report(team[Role.SECURITY])
    assert services.get_incident(incident.id, prop.id) is incident
    with pytest.raises(NotFound):
        services.get_incident(incident.id, prop.id + 1)
    with pytest.raises(NotFound):
        services.get_incident(incident.id + 100, prop.id)


def test_lists_open_first_by_month_and_kind(team, prop, clock):
    first = report(team[Role.SECURITY], kind="theft")
    second = report(team[Role.SECURITY], kind="fire")
    close_ready(team[Role.MANAGER], first)
    services.close_incident(act(team[Role.MANAGER]), first)
    db.session.commit()
    assert queries.open_incidents(prop.id) == [second]
    month = clock.local().strftime("%Y-%m")
    rows, more = queries.list_incidents(prop.id, month=month)
    assert {i.id for i in rows} == {first.id, second.id} and more is None
    assert queries.list_incidents(prop.id, kind="theft", month=month)[0] == [first]
    assert queries.counts_by_kind(prop.id, month) == {first.kind: 1, second.kind: 1}
    page, key = queries.list_incidents(prop.id, limit=1)
    assert len(page) == 1 and key is not None
    rest, key = queries.list_incidents(prop.id, after=key, limit=1)
    assert len(rest) == 1 and rest[0] != page[0] and key is None


def test_the_demo_adds_three_closed_incidents_and_an_open_water_cut(team, prop, clock):
    open_id = demo.load_incidents_demo(prop, rng=random.Random(1), today=clock.local().date())
    db.session.commit()
    incidents = db.session.scalars(select(Incident).order_by(Incident.id)).all()
    assert [i.status for i in incidents] == [IncidentStatus.CLOSED] * 3 + [IncidentStatus.OPEN]
    assert incidents[-1].id == open_id and incidents[-1].kind.value == "water_cut"
    assert all(i.cause and i.measures and i.occurred_at < utcnow() for i in incidents[:3])
    assert queries.open_incidents(prop.id) == [incidents[-1]]
