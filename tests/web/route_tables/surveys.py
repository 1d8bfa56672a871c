"""Opinion surveys: the console routes and who may use them."""

from domain.accounts.roles import Role
from tests.survey_builders import create_survey

READERS = frozenset({Role.MANAGER, Role.ASSISTANT})
MANAGER = frozenset({Role.MANAGER})

#: endpoint -> (method, URL template, roles that may use it)
TABLE = {
    "staff.list_surveys": ("GET", "/staff/surveys/", READERS),
    "staff.create_survey": ("GET", "/staff/surveys/new", MANAGER),
    "staff.show_survey": ("GET", "/staff/surveys/{survey}", READERS),
    "staff.edit_survey": ("GET", "/staff/surveys/{survey_draft}/edit", MANAGER),
    "staff.add_survey_question": ("POST", "/staff/surveys/{survey_draft}/questions", MANAGER),
    "staff.edit_survey_question": ("GET", "/staff/surveys/{survey_draft}/questions/{survey_question}/edit", MANAGER),
    "staff.remove_survey_question": (
        "POST",
        "/staff/surveys/{survey_draft}/questions/{survey_question_to_remove}/remove",
        MANAGER,
    ),
    "staff.move_survey_question": (
        "POST",
        "/staff/surveys/{survey_draft}/questions/{survey_question}/move",
        MANAGER,
    ),
    "staff.open_survey": ("POST", "/staff/surveys/{survey_to_open}/open", MANAGER),
    "staff.close_survey": ("POST", "/staff/surveys/{survey}/close", MANAGER),
    "staff.survey_results": ("GET", "/staff/surveys/{survey}/results", READERS),
    "staff.survey_results_csv": ("GET", "/staff/surveys/{survey}/results.csv", READERS),
}


def records(prop, unit, resident):
    """The ids this area's URL templates name: an open survey, a draft with questions, another draft to open."""
    survey, _questions = create_survey(prop)
    draft, questions = create_survey(prop, open_it=False, title="草稿")
    to_open, _ = create_survey(prop, open_it=False, title="待开")
    return {
        "survey": survey.id,
        "survey_draft": draft.id,
        "survey_question": questions[0].id,
        "survey_question_to_remove": questions[-1].id,
        "survey_to_open": to_open.id,
    }
