"""A survey's state machine, written as data: a draft is edited (its questions too) and opened; an open survey is
closed by the manager or reads as closed after its last day (computed on read, no scheduler). Services call
`check_survey`; pages ask `survey_actions`."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from domain.accounts.roles import Role
from domain.clock import today
from domain.surveys.models import SurveyStatus
from domain.transitions import actions_of, step

DRAFT, OPEN, CLOSED = SurveyStatus.DRAFT, SurveyStatus.OPEN, SurveyStatus.CLOSED
#: 1.1.19: the manager plans and runs the surveys; the assistants help (1.2.7) and read the results.
ORGANISERS = frozenset({Role.MANAGER})

#: (action, from state) -> (to state, who may take it).
SURVEY_TRANSITIONS = {
    ("edit", DRAFT): (DRAFT, ORGANISERS),
    ("open", DRAFT): (OPEN, ORGANISERS),
    ("close", OPEN): (CLOSED, ORGANISERS),
}

STATE_LABELS = {
    DRAFT: _l("Draft"),
    OPEN: lazy_pgettext("survey", "Open"),
    CLOSED: lazy_pgettext("survey", "Closed"),
}


def state_of(survey, day=None):
    """DRAFT, OPEN or CLOSED; an open survey past its last day is closed."""
    if survey.status == OPEN and (day or today()) > survey.closes_on:
        return CLOSED
    return survey.status


def takes_answers(survey, day=None):
    """Whether residents may answer on `day` (today by default): open, and between its first and last day."""
    day = day or today()
    return state_of(survey, day) == OPEN and survey.opens_on <= day


def check_survey(actor, action, survey):
    """The state `action` takes the survey to, or InvalidTransition / NotAllowed."""
    return step(SURVEY_TRANSITIONS, actor, action, state_of(survey))


def survey_actions(actor, survey):
    """The actions `actor` may take on the survey now."""
    return actions_of(SURVEY_TRANSITIONS, actor, state_of(survey))
