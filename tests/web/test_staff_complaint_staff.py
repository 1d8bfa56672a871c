"""Complaints about a staff member in the console: the desk names the person when recording or classifying, a bad
choice is refused with what was typed kept, the resident never sees whom it names, and the scorecard's figures open
the queue narrowed to exactly the records they count."""

import re

import pytest
from sqlalchemy import func, select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.clock import utcnow
from domain.evaluation.models import Scorecard
from domain.tickets import steps
from domain.tickets.models import Ticket
from extensions import db
from tests import builders
from tests.evaluation_builders import OCTOBER, complaint_about, handled_ticket, october_complaints


def sign_in(auth, role):
    """A staff member of `role`, signed in, reading English."""
    user = builders.create_staff(role)
    auth.login_staff(user)
    auth._client.get("/staff/?lang=en")
    return user


def listed_ids(html):
    """The ticket ids a queue page lists in its results (not in the panel of what waits to be forwarded)."""
    results = html[html.index('<div id="ticket-results">') :] if 'id="ticket-results"' in html else html
    return {int(n) for n in re.findall(r'<td><a href="/staff/tickets/(\d+)">#', results)}


def link_of(html, key):
    """The link of a scorecard's figure `key` (None when it is not one)."""
    row = html[html.index(f'id="figure-{key}"') :]
    row = row[: row.index("</tr>")]
    found = re.search(r'<a href="([^"]+)"', row)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.fixture
def home(prop):
    """Unit 1-1203 and its owner."""
    unit = builders.create_unit(number="1203")
    return unit, builders.create_resident(prop, unit=unit, name="王芳", phone="13800138000")


def complaint_form(person_id, **values):
    """The desk's recording form for a phoned complaint about `person_id`."""
    return {
        "kind": "complaint",
        "channel": "phone",
        "category": "service",
        "description": "保安对业主态度恶劣",
        "unit_label": "1-1203",
        "contact_name": "李先生",
        "contact_phone": "13800138000",
        "priority": "normal",
        "about_staff_id": str(person_id),
        **values,
    }


def test_the_desk_records_a_complaint_about_a_staff_member(client, auth, prop, home):
    guard = builders.create_staff(Role.SECURITY)
    sign_in(auth, Role.FRONTDESK)
    form = client.get("/staff/tickets/new").get_data(as_text=True)
    assert f'<option value="{guard.id}">{guard.display_name}</option>' in form
    response = client.post("/staff/tickets/new", data=complaint_form(guard.id))
    assert response.status_code == 303
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.about_staff_id == guard.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'<dd id="about-staff">{guard.display_name}</dd>' in page
    assert f"Complaint about: — → {guard.display_name}" in page


@pytest.mark.parametrize("who", ["resident", "former staff"])
def test_naming_a_resident_or_a_former_staff_member_is_refused_keeping_what_was_typed(client, auth, prop, home, who):
    """Staff accounts belong to the installation (one property); what a forged or stale choice can name is a
    resident's account or a staff account disabled since."""
    _unit, owner = home
    if who == "resident":
        person_id = owner.user.id
    else:
        former = builders.create_staff(Role.SECURITY)
        former.is_active = False
        db.session.commit()
        person_id = former.id
    sign_in(auth, Role.FRONTDESK)
    response = client.post("/staff/tickets/new", data=complaint_form(person_id))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="about_staff_id-error"' in html and "Choose a staff member from the list." in html
    assert "保安对业主态度恶劣" in html and 'value="李先生"' in html
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_classifying_names_the_person_and_a_bad_choice_changes_nothing(client, auth, prop, home):
    unit, owner = home
    guard, cleaner = builders.create_staff(Role.SECURITY), builders.create_staff(Role.CLEANING)
    complaint = complaint_about(prop, unit, guard)
    sign_in(auth, Role.ASSISTANT)
    page = client.get(f"/staff/tickets/{complaint.id}").get_data(as_text=True)
    assert f'<option selected value="{guard.id}">' in page
    classify = {
        "classify-category": "noise",
        "classify-severity": "",
        "classify-priority": "normal",
        "classify-department": "security",
    }
    refused = client.post(
        f"/staff/tickets/{complaint.id}/classify", data=classify | {"classify-about_staff_id": str(owner.user.id)}
    )
    assert refused.status_code == 422 and "Choose a staff member from the list." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Ticket, complaint.id).about_staff_id == guard.id
    assert db.session.get(Ticket, complaint.id).category == ""
    done = client.post(
        f"/staff/tickets/{complaint.id}/classify", data=classify | {"classify-about_staff_id": str(cleaner.id)}
    )
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(Ticket, complaint.id).about_staff_id == cleaner.id
    page = client.get(f"/staff/tickets/{complaint.id}").get_data(as_text=True)
    assert f"Complaint about: {guard.display_name} → {cleaner.display_name}" in page


def test_the_resident_never_sees_whom_the_complaint_names(client, auth, app, prop, home):
    unit, owner = home
    guard = builders.create_staff(Role.SECURITY)
    complaint = complaint_about(prop, unit, guard, resident=owner)
    steps.dispatch(Actor.system("test"), complaint)
    db.session.commit()
    type(auth)(client).login_resident(owner.user)
    for url in ("/portal/tickets", f"/portal/tickets/{complaint.id}"):
        response = client.get(url)
        assert response.status_code == 200 and guard.display_name not in response.get_data(as_text=True)


def test_a_department_sees_neither_whom_a_complaint_names_nor_lists_by_it(client, auth, prop, home):
    unit, _owner = home
    guard = builders.create_staff(Role.SECURITY)
    complaint = complaint_about(prop, unit, guard)
    steps.dispatch(Actor.system("test"), complaint, department="security")
    db.session.commit()
    sign_in(auth, Role.SECURITY)
    page = client.get(f"/staff/tickets/{complaint.id}").get_data(as_text=True)
    assert 'id="about-staff"' not in page and guard.display_name not in page
    listed = client.get(f"/staff/tickets/?status=any&about={guard.id}").get_data(as_text=True)
    assert 'id="filter-about"' not in listed


def test_the_cards_figures_open_exactly_the_records_they_count(client, auth, prop, home):
    unit, _owner = home
    clerk, other = builders.create_staff(Role.FRONTDESK), builders.create_staff(Role.FRONTDESK)
    counted = october_complaints(prop, unit, clerk, other)
    finished = [handled_ticket(prop, unit, clerk, satisfaction=5), handled_ticket(prop, unit, clerk, day=31)]
    handled_ticket(prop, unit, other)
    sign_in(auth, Role.MANAGER)
    card = client.get(f"/staff/evaluation/people/{clerk.id}?month=2026-10").get_data(as_text=True)
    complaints_row = card[card.index('id="figure-complaints"') :]
    assert ">2</a>" in complaints_row[: complaints_row.index("</tr>")]
    listed = client.get(link_of(card, "complaints"))
    assert listed.status_code == 200 and listed_ids(listed.get_data(as_text=True)) == {t.id for t in counted}
    assert clerk.display_name in listed.get_data(as_text=True)
    for key in ("handled", "response_kept", "resolve_kept", "satisfied"):
        assert listed_ids(client.get(link_of(card, key)).get_data(as_text=True)) == {t.id for t in finished}
    # The same list alone for htmx, and its pager keeps the filters.
    fragment = client.get(link_of(card, "complaints"), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert listed_ids(fragment) == {t.id for t in counted} and "<form" not in fragment


def test_staff_see_links_only_to_pages_they_may_open_on_their_own_card(client, auth, prop, home):
    unit, _owner = home
    engineer = sign_in(auth, Role.ENGINEERING)
    complaint_about(prop, unit, engineer)
    mine = client.get("/staff/evaluation/mine?month=2026-10").get_data(as_text=True)
    assert link_of(mine, "complaints") is None  # a department does not list complaints by whom they name
    assert link_of(mine, "handled") is not None
    assert client.get(link_of(mine, "handled")).status_code == 200


def test_a_card_signed_before_complaints_were_counted_shows_as_signed(client, auth, prop):
    clerk = builders.create_staff(Role.FRONTDESK)
    manager = sign_in(auth, Role.MANAGER)
    figures = {"handled": [3, 3, 0], "late": [None, 0, 0], "manager": [80, 0, 0]}
    weights = {"handled": [10, 20], "late": [5, 10], "manager": [20, 100]}
    db.session.add(
        Scorecard(
            property_id=prop.id,
            user_id=clerk.id,
            month=OCTOBER,
            manager_score=80,
            comments="",
            signed_at=utcnow(),
            signed_by_id=manager.id,
            snapshot={
                "role": "frontdesk",
                "figures": figures,
                "scores": {"handled": 15, "late": None, "manager": 80},
                "weights": weights,
                "score": 60,
                "rank": 1,
                "of": 1,
            },
        )
    )
    db.session.commit()
    html = client.get(f"/staff/evaluation/people/{clerk.id}?month=2026-10").get_data(as_text=True)
    assert 'id="signed"' in html and 'id="figure-handled"' in html and 'id="figure-complaints"' not in html
