"""The demo's visit plans (SOP 13): two VIP residents, a quarterly plan for VIPs and a yearly one per area started
ten days ago, so that households never visited are due, and visits made over the past year, a few with a remark for a
department."""

from datetime import timedelta

from sqlalchemy import select

from domain.accounts.models import Actor
from domain.areas.services import list_areas
from domain.clock import local_day_bounds
from domain.dates import months_later
from domain.property import residents
from domain.property.models import Building, Occupancy, Resident, Unit
from domain.tickets.models import Department, ResidentVisit
from domain.visits import plans as visit_plans
from extensions import db


def _households(prop, today, limit):
    """[(unit id, resident id)] of lived-in units, one row per unit, by label (the first `limit`)."""
    rows = db.session.execute(
        select(Unit.id, Occupancy.resident_id)
        .join(Building, Unit.building_id == Building.id)
        .join(Occupancy, Occupancy.unit_id == Unit.id)
        .where(Building.property_id == prop.id, Occupancy.is_current(today))
        .order_by(Building.code, Unit.floor, Unit.number, Occupancy.id)
    ).all()
    return list(dict(reversed(rows)).items())[::-1][:limit]


def load_visits_demo(prop, *, today):
    """Load the demo's VIPs, visit plans and visits made; returns how many visit plans it made."""
    system = Actor.system("demo")
    homes = _households(prop, today, 60)
    # Two VIP residents, a quarterly plan for them and a yearly one per area.
    for _unit_id, resident_id in homes[:2]:
        residents.mark_vip(system, db.session.get(Resident, resident_id), is_vip=True, note="业委会委员")
    start = months_later(today, -14)
    visit_plans.create_rule(system, prop.id, scope="vip", interval_months=3, starts_on=start)
    for area in list_areas(prop.id):
        visit_plans.create_rule(
            system, prop.id, scope="area", area_id=area.id, interval_months=12, starts_on=today - timedelta(days=10)
        )
    # Visits made over the past year: most households of the first ones, a few with a remark for a department.
    for k, (unit_id, resident_id) in enumerate(homes[: len(homes) * 2 // 3]):
        at = local_day_bounds(today - timedelta(days=20 + k * 5))[0] + timedelta(hours=10 + k % 7)  # office hours
        remark = "楼道声控灯不亮" if k % 9 == 4 else ("小区绿化需要修剪" if k % 9 == 7 else "")
        department = Department.ENGINEERING if k % 9 == 4 else (Department.CLEANING if remark else None)
        category = "public_area" if k % 9 == 4 else ("environment" if remark else "")
        db.session.add(
            ResidentVisit(
                property_id=prop.id,
                unit_id=unit_id,
                resident_id=resident_id,
                planned_for=at,
                purpose="年度走访",
                notes="业主对物业服务总体满意",
                done_at=at,
                remark=remark,
                remark_department=department,
                remark_category=category,
            )
        )
    db.session.flush()
    return len(visit_plans.active_rules(prop.id))
