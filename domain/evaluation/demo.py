"""The demo's scorecards (SOP 16): the manager's review of the three months before this one for every evaluated
staff member, the last two of them signed, scored from the demo's own records."""

from sqlalchemy import select

from domain.accounts.models import Actor, User
from domain.dates import month_before
from domain.evaluation import services
from domain.evaluation.figures import evaluated_staff
from extensions import db

COMMENTS = ("工作认真，回访及时。", "服务态度好，注意按时到岗。", "本月表现稳定，继续保持。")


def load_evaluation_demo(prop, *, rng, today):
    """Review three months of cards (the manager's own score and a comment) and sign the last two; returns how many
    cards were signed."""
    manager = db.session.scalar(select(User).where(User.username == "manager"))
    if manager is None:
        return 0
    actor = Actor.for_user(manager, "demo")
    last = month_before(today.replace(day=1))
    months = [month_before(month_before(last)), month_before(last), last]
    signed = 0
    for k, first in enumerate(months):
        for user_id, _name, _role in evaluated_staff():
            services.review(
                actor, prop.id, user_id, first, manager_score=rng.randrange(70, 96), comments=rng.choice(COMMENTS)
            )
            if k > 0:
                services.sign(actor, prop.id, user_id, first)
                signed += 1
    return signed
