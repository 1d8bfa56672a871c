"""Opinion surveys (1.1.19, 1.2.7): the list, a new survey, a draft with its questions (added, edited, moved, taken
out), opening and closing, and the results with their CSV."""

from io import BytesIO

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from domain.accounts.roles import Permission
from domain.clock import today
from domain.errors import DomainError
from domain.property import buildings
from domain.property.models import Building
from domain.surveys import results, services
from domain.surveys.models import Audience
from domain.surveys.services import options_text
from domain.surveys.workflow import STATE_LABELS, check_survey, state_of, survey_actions
from domain.tickets.labels import DEPARTMENT_LABELS
from extensions import db
from staff import bp
from staff.surveys.forms import AUDIENCE_LABELS, KIND_LABELS, QuestionForm, SurveyForm
from web.auth import current_actor, staff_permission
from web.downloads import send_private_file
from web.refusals import flash_refusal, show_domain_error


def _survey(survey_id):
    """The property's survey, or 404."""
    return services.get_survey(survey_id, buildings.get_property_id())


def _building_choices(form):
    """The property's buildings as the form's choices."""
    rows = db.session.execute(
        db.select(Building.id, Building.name)
        .where(Building.property_id == buildings.get_property_id())
        .order_by(Building.code)
    ).all()
    form.building_ids.choices = [(str(i), name) for i, name in rows]


def _status(posted):
    """422 for a form sent back with a refusal, else 200."""
    return 422 if posted else 200


@bp.get("/surveys/")
@staff_permission(Permission.VIEW_SURVEYS)
def list_surveys():
    """The surveys, newest first, with their state and response rate."""
    return render_template(
        "staff/surveys/index.html",
        rows=services.list_surveys(buildings.get_property_id()),
        state_of=state_of,
        states=STATE_LABELS,
        percent=results.percent,
        locale=str(get_locale()),
    )


@bp.route("/surveys/new", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_SURVEYS)
def create_survey():
    """A new draft: titles, intro, who is asked, its period, anonymous or not."""
    form = SurveyForm()
    _building_choices(form)
    if request.method == "GET":
        form.opens_on.data = today()
        form.closes_on.data = today() + services.DEFAULT_DAYS
        form.audience.data = Audience.ALL.value
    if form.validate_on_submit():
        try:
            survey = services.create_survey(current_actor(), buildings.get_property_id(), **form.values())
            db.session.commit()
            flash(_("Draft saved. Add its questions, then open it."), "success")
            return redirect(url_for("staff.show_survey", survey_id=survey.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/surveys/edit.html", form=form, survey=None), _status(request.method == "POST")


@bp.route("/surveys/<int:survey_id>/edit", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_SURVEYS)
def edit_survey(survey_id):
    """Change a draft's fields."""
    survey = _survey(survey_id)
    check_survey(current_actor(), "edit", survey)
    form = SurveyForm(obj=survey)
    _building_choices(form)
    if request.method == "GET":
        form.audience.data = survey.audience.value
        form.building_ids.data = [str(i) for i in survey.building_ids]
    if form.validate_on_submit():
        try:
            services.update_survey(current_actor(), survey, **form.values())
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("staff.show_survey", survey_id=survey.id), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/surveys/edit.html", form=form, survey=survey), _status(request.method == "POST")


def _show(survey, form, *, status=200):
    """A survey's page: its fields, its questions (with the builder's actions on a draft) and the question form."""
    actor = current_actor()
    names = dict(
        db.session.execute(db.select(Building.id, Building.name).where(Building.id.in_(survey.building_ids))).all()
    )
    return render_template(
        "staff/surveys/show.html",
        survey=survey,
        questions=services.questions_of(survey.id),
        actions=survey_actions(actor, survey),
        state=STATE_LABELS[state_of(survey)],
        audience=AUDIENCE_LABELS[survey.audience],
        building_names=[names[i] for i in survey.building_ids if i in names],
        kinds=KIND_LABELS,
        departments=DEPARTMENT_LABELS,
        locale=str(get_locale()),
        form=form,
    ), status


@bp.get("/surveys/<int:survey_id>")
@staff_permission(Permission.VIEW_SURVEYS)
def show_survey(survey_id):
    """A survey: a draft with its questions and the form to add one; an open or closed one as residents see it."""
    form = QuestionForm(formdata=None)
    form.kind.data, form.is_required.data = "single", True
    return _show(_survey(survey_id), form)


@bp.post("/surveys/<int:survey_id>/questions")
@staff_permission(Permission.MANAGE_SURVEYS)
def add_survey_question(survey_id):
    """Add a question at the end of a draft."""
    survey = _survey(survey_id)
    check_survey(current_actor(), "edit", survey)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            services.add_question(current_actor(), survey, **form.values())
            db.session.commit()
            flash(_("Question added."), "success")
            return redirect(url_for("staff.show_survey", survey_id=survey.id, _anchor="questions"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return _show(survey, form, status=422)


@bp.route("/surveys/<int:survey_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@staff_permission(Permission.MANAGE_SURVEYS)
def edit_survey_question(survey_id, question_id):
    """Change a draft's question."""
    survey = _survey(survey_id)
    check_survey(current_actor(), "edit", survey)
    question = services.get_question(survey, question_id)
    form = QuestionForm(obj=question)
    if request.method == "GET":
        form.kind.data = question.kind.value
        form.options.data = options_text(question.options)
        form.department.data = question.department.value if question.department else ""
    if form.validate_on_submit():
        try:
            services.update_question(current_actor(), survey, question, **form.values())
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("staff.show_survey", survey_id=survey.id, _anchor="questions"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/surveys/question.html", form=form, survey=survey, question=question), _status(
        request.method == "POST"
    )


@bp.post("/surveys/<int:survey_id>/questions/<int:question_id>/remove")
@staff_permission(Permission.MANAGE_SURVEYS)
def remove_survey_question(survey_id, question_id):
    """Take a question out of a draft."""
    survey = _survey(survey_id)
    question = services.get_question(survey, question_id)
    with flash_refusal():
        services.remove_question(current_actor(), survey, question)
        db.session.commit()
        flash(_("Question taken out."), "success")
    return redirect(url_for("staff.show_survey", survey_id=survey_id, _anchor="questions"), code=303)


@bp.post("/surveys/<int:survey_id>/questions/<int:question_id>/move")
@staff_permission(Permission.MANAGE_SURVEYS)
def move_survey_question(survey_id, question_id):
    """Move a draft's question one place up or down."""
    survey = _survey(survey_id)
    question = services.get_question(survey, question_id)
    with flash_refusal():
        services.move_question(current_actor(), survey, question, request.form.get("direction", "down"))
        db.session.commit()
    return redirect(url_for("staff.show_survey", survey_id=survey_id, _anchor="questions"), code=303)


@bp.post("/surveys/<int:survey_id>/open")
@staff_permission(Permission.MANAGE_SURVEYS)
def open_survey(survey_id):
    """Open a draft: the households asked are fixed and told."""
    survey = _survey(survey_id)
    with flash_refusal():
        asked = services.open_survey(current_actor(), survey)
        db.session.commit()
        flash(_("Open. %(n)s households were told.", n=asked), "success")
    return redirect(url_for("staff.show_survey", survey_id=survey_id), code=303)


@bp.post("/surveys/<int:survey_id>/close")
@staff_permission(Permission.MANAGE_SURVEYS)
def close_survey(survey_id):
    """Close an open survey: no more answers."""
    survey = _survey(survey_id)
    with flash_refusal():
        services.close_survey(current_actor(), survey)
        db.session.commit()
        flash(_("Closed: it takes no more answers."), "success")
    return redirect(url_for("staff.show_survey", survey_id=survey_id), code=303)


@bp.get("/surveys/<int:survey_id>/results")
@staff_permission(Permission.VIEW_SURVEYS)
def survey_results(survey_id):
    """The results: the response rate, each question's counts with bars, the scales' averages, the departments'
    satisfaction and the free texts."""
    survey = _survey(survey_id)
    return render_template(
        "staff/surveys/results.html",
        survey=survey,
        results=results.survey_results(survey),
        state=STATE_LABELS[state_of(survey)],
        departments=DEPARTMENT_LABELS,
        scale=results.SCALE,
        locale=str(get_locale()),
    )


@bp.get("/surveys/<int:survey_id>/results.csv")
@staff_permission(Permission.VIEW_SURVEYS)
def survey_results_csv(survey_id):
    """The results as a CSV file for Excel."""
    survey = _survey(survey_id)
    locale = str(get_locale())
    text = results.results_csv(survey, results.survey_results(survey), locale, DEPARTMENT_LABELS)
    response = send_private_file(
        BytesIO(text.encode("utf-8")),
        mimetype="text/csv",
        download_name=f"survey-{survey.id}-results.csv",
        as_attachment=True,
    )
    return response
