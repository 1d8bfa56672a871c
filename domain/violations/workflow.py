"""The violation's state machine, written as data: the staged notices (verbal reminder → 违章通知书 → 整改通知 →
referral to the authorities), the follow-up check at every stage, and who takes each step. Services call
`check_violation`; pages ask `allowed_actions` and never restate the stage lists.

Who, following the source: security, the property assistants and the desk record what they see (1.2.6, 1.2.13,
1.3.1); the assistant follows up in their area and sends the written notice, reporting to the manager (1.2.6,
1.2.13); the manager, who coordinates security and answers for the department (1.1.1), issues the rectification
order, refers to the authorities, allows fines, and withdraws a violation recorded in error. The follow-up check is
made on the spot: by security, the assistant or the manager.

A violation found during renovation works follows the renovation's own, shorter table (RENOVATION_TRANSITIONS): it
starts at the written notice, and the renovation's inspectors (security, engineering, the manager) check it
rectified or waive it; it is never escalated, extended or billed (its fine comes from the deposit)."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from domain.accounts.roles import Role
from domain.transitions import actions_of, step
from domain.violations.models import Authority, Stage

S = Stage
MANAGER = frozenset({Role.MANAGER})
#: Who sends the written notice and extends a deadline: the area's assistant, or the manager.
FOLLOWERS = frozenset({Role.ASSISTANT, Role.MANAGER})
#: Who checks on the spot whether it was put right.
CHECKERS = frozenset({Role.SECURITY, Role.ASSISTANT, Role.MANAGER})
#: Who records a violation (Permission.RECORD_VIOLATIONS says the same for the pages).
RECORDERS = frozenset({Role.SECURITY, Role.ASSISTANT, Role.FRONTDESK, Role.MANAGER})

#: (action, from stage) -> (to stage, who may take it).
VIOLATION_TRANSITIONS = {
    ("issue_notice", S.REMINDED): (S.NOTICED, FOLLOWERS),
    ("issue_order", S.NOTICED): (S.ORDERED, MANAGER),
    ("refer", S.ORDERED): (S.REFERRED, MANAGER),
    **{("check_rectified", stage): (S.RECTIFIED, CHECKERS) for stage in (S.REMINDED, S.NOTICED, S.ORDERED, S.REFERRED)},
    **{("check_not_rectified", stage): (stage, CHECKERS) for stage in (S.REMINDED, S.NOTICED, S.ORDERED, S.REFERRED)},
    **{("extend", stage): (stage, FOLLOWERS) for stage in (S.REMINDED, S.NOTICED, S.ORDERED)},
    # A fine may follow the violation to its end (it is put right, then fined); never once it is withdrawn.
    **{("fine", stage): (stage, MANAGER) for stage in (S.REMINDED, S.NOTICED, S.ORDERED, S.REFERRED, S.RECTIFIED)},
    **{("withdraw", stage): (S.WITHDRAWN, MANAGER) for stage in (S.REMINDED, S.NOTICED, S.ORDERED, S.REFERRED)},
}

#: Who inspects renovation works and records, checks and waives their violations (SOPs 11, 12, 15: patrols and
#: violations); domain/renovation/workflow.py names them INSPECTORS.
RENOVATION_INSPECTORS = frozenset({Role.SECURITY, Role.ENGINEERING, Role.MANAGER})

#: A renovation violation's moves: from the written notice it is put right, or waived (withdrawn: no fine).
RENOVATION_TRANSITIONS = {
    ("check_rectified", S.NOTICED): (S.RECTIFIED, RENOVATION_INSPECTORS),
    ("withdraw", S.NOTICED): (S.WITHDRAWN, RENOVATION_INSPECTORS),
}

#: The next stage's action from each stage, for a "not rectified" check that goes on.
NEXT_STEP = {S.REMINDED: "issue_notice", S.NOTICED: "issue_order", S.ORDERED: "refer"}

STAGE_LABELS = {
    S.REMINDED: _l("Verbal reminder"),
    S.NOTICED: _l("Written notice"),
    S.ORDERED: _l("Rectification order"),
    S.REFERRED: _l("Referred to the authorities"),
    S.RECTIFIED: _l("Rectified"),
    S.WITHDRAWN: lazy_pgettext("violation", "Withdrawn"),
}

AUTHORITY_LABELS = {
    Authority.URBAN: _l("Urban management (城管)"),
    Authority.FIRE: _l("Fire brigade (消防)"),
    Authority.POLICE: _l("Police (公安)"),
}


def transitions_of(violation):
    """The table `violation` follows: the renovation's when it was found during renovation works."""
    return RENOVATION_TRANSITIONS if violation.renovation_id else VIOLATION_TRANSITIONS


def check_violation(actor, action, violation):
    """The stage `action` takes `violation` to, or InvalidTransition / NotAllowed."""
    return step(transitions_of(violation), actor, action, violation.stage)


def allowed_actions(actor, violation):
    """The actions `actor` may take on `violation` now, in the table's order."""
    return actions_of(transitions_of(violation), actor, violation.stage)
