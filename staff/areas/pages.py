"""What the areas pages show: an area's page with its forms, and the assistant's "my area" (open tickets, callbacks
and visits due, arrears and the collection rate against 90 %, today's patrol), assembled from the domain's own
queries restricted to the area's units."""

from dataclasses import dataclass, field

from flask import render_template
from sqlalchemy import select

from domain.accounts.roles import Permission
from domain.areas import lookup, services
from domain.clock import local_text, today, utcnow
from domain.patrols.models import PatrolRoute
from domain.patrols.schedule import slots_on
from domain.payments import collection
from domain.property import buildings
from domain.property.units import unit_labels
from domain.tickets import desk, queries
from domain.vacant import schedule as vacant_schedule
from extensions import db
from staff.areas.forms import SPARE_SCOPE_ROWS, AreaForm, CoverForm, DeleteAreaForm, ScopesForm
from staff.patrols.today import slot_labels
from staff.tickets.forms import ticket_labels
from web.auth import user_can


def person_choices(form):
    """Fill the assistant and deputy lists (a blank first: an area may wait for its assistant)."""
    blank = [("", "—")]
    form.assistant_id.choices = blank + [(str(i), n) for i, n in services.assistant_choices()]
    form.deputy_id.choices = blank + [(str(i), n) for i, n in services.deputy_choices()]
    return form


def building_choices():
    """The property's buildings for a scope row: (id, "1号楼 (18)")."""
    return [(str(b.id), f"{b.name} ({b.floors})") for b in buildings.list_buildings()]


def scopes_form_for(area):
    """The scopes form filled from the area's scopes, with a few blank rows to add more."""
    rows = [
        {
            "building_id": str(s.building_id),
            "floor_from": "" if s.floor_from is None else str(s.floor_from),
            "floor_to": "" if s.floor_to is None else str(s.floor_to),
        }
        for s in area.scopes
    ]
    form = ScopesForm(formdata=None, rows=rows)
    for _ in range(SPARE_SCOPE_ROWS):
        form.rows.append_entry()
    return form


def area_page(area, *, forms=None, status=200):
    """An area: its details, buildings/floors, units and covers; the manager's forms (`forms` bound ones)."""
    forms = dict(forms or {})
    day = today()
    context = {
        "area": area,
        "unit_count": lookup.unit_counts(area.property_id).get(area.id, 0),
        "covers": services.covers_of(area, day),
        "covered_today": lookup.covered_on(area, day),
        "on_duty": lookup.on_duty(area, day),
        "routes": services.routes_of_area(area),
        "scope_texts": [services.scope_text(s.building.code, s.floor_from, s.floor_to) for s in area.scopes],
    }
    if user_can(Permission.MANAGE_AREAS):
        if "area" not in forms:
            forms["area"] = AreaForm(
                formdata=None,
                name=area.name,
                assistant_id=str(area.assistant_id or ""),
                deputy_id=str(area.deputy_id or ""),
                desk_phone=area.desk_phone,
            )
        person_choices(forms["area"])
        forms.setdefault("scopes", scopes_form_for(area))
        forms["scopes"].set_building_choices(building_choices())
        forms.setdefault("cover", CoverForm(formdata=None))
        forms.setdefault("delete", DeleteAreaForm(formdata=None))
    context["forms"] = forms
    return render_template("staff/areas/show.html", **context), status


@dataclass
class AreaDesk:
    """One area on "my area": what is open in it today."""

    area: object
    #: The user stands in for the assistant today (a cover).
    covering: bool
    unit_count: int
    tickets: list = field(default_factory=list)
    more_tickets: bool = False
    callbacks: list = field(default_factory=list)
    visits: list = field(default_factory=list)
    figures: object = None
    arrears: dict = field(default_factory=dict)
    slots: list = field(default_factory=list)
    labels: dict = field(default_factory=dict)
    #: The checks of the area's vacant units due today or overdue (domain/vacant/schedule.py).
    vacant_checks: list = field(default_factory=list)


def area_desks(user_id, property_id):
    """The user's areas (their own, and those they cover today) with what is open in each."""
    day, now = today(), utcnow()
    period = day.replace(day=1)
    desks = []
    for area in lookup.areas_of_user(user_id, day):
        unit_ids = lookup.unit_ids_in_area(area)
        tickets, more = queries.open_tickets_of_units(property_id, unit_ids)
        callbacks = queries.open_callbacks(property_id, unit_ids=unit_ids, limit=20) if unit_ids else []
        visits = desk.list_visits(property_id, unit_ids=unit_ids, limit=20) if unit_ids else []
        route_ids = db.session.scalars(
            select(PatrolRoute.id).where(PatrolRoute.area_id == area.id, PatrolRoute.is_active.is_(True))
        ).all()
        desks.append(
            AreaDesk(
                area=area,
                covering=area.assistant_id != user_id,
                unit_count=len(unit_ids),
                tickets=tickets,
                more_tickets=more,
                callbacks=callbacks,
                visits=visits,
                figures=collection.collection_for(property_id, period, unit_ids=unit_ids),
                arrears=collection.arrears_totals(property_id, day, unit_ids=unit_ids),
                slots=_patrol_rows(property_id, day, route_ids, now),
                labels=unit_labels(cb.ticket.unit_id for cb in callbacks),
                vacant_checks=vacant_schedule.due_checks(property_id, day, unit_ids=unit_ids),
            )
        )
    return desks


def _patrol_rows(property_id, day, route_ids, now):
    """Today's windows of the area's routes: (route name, "08:00", "11:00", state) by start."""
    if not route_ids:
        return []
    return [
        (slot.route.name, local_text(slot.start, "%H:%M"), local_text(slot.end, "%H:%M"), slot.state(now))
        for slot in slots_on(property_id, day, route_ids=route_ids, details=False)
    ]


def my_area_page(user_id, property_id):
    """The assistant's console home."""
    return render_template(
        "staff/areas/mine.html",
        desks=area_desks(user_id, property_id),
        period=today().replace(day=1),
        target=collection.TARGET_PERCENT,
        now=utcnow(),
        labels=ticket_labels(),
        slot_states=slot_labels(),
    )
