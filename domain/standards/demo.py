"""The demo's service-standards spot-checks (SOP 8): the desk and an assistant checked a few times in the past weeks,
one check with failed items."""

from datetime import timedelta

from sqlalchemy import select

from domain.accounts.models import Actor, User
from domain.standards import services
from extensions import db


def load_standards_demo(prop, *, today):
    """Record a few spot-checks of the demo desk and assistant; returns how many."""
    manager = db.session.scalar(select(User).where(User.username == "manager"))
    people = [db.session.scalar(select(User).where(User.username == name)) for name in ("frontdesk", "assistant")]
    if manager is None:
        return 0
    actor = Actor.for_user(manager, "demo")
    items = services.checklist_items(prop.id)
    made = 0
    for k, person in enumerate(p for p in people if p is not None):
        for weeks in (1, 3, 6):
            answers = {item: "ok" for item in items}
            notes = ""
            if k == 0 and weeks == 3:
                answers[items[1]], answers[items[3]] = "fault", "fault"
                notes = "电话响五声才接；台面文件堆放杂乱"
            services.record_spot_check(
                actor,
                prop.id,
                staff_id=person.id,
                checked_on=today - timedelta(weeks=weeks),
                answers=answers,
                notes=notes,
            )
            made += 1
    return made
