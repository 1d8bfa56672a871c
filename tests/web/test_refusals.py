"""The one way a route refuses: a form page, a button action and an htmx fragment; a missing record stays 404."""

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired

from domain.accounts.roles import Role
from domain.errors import DomainError, InvalidTransition, NotFound
from domain.property.models import Building
from extensions import db
from tests import builders
from web.refusals import flash_domain_error, flash_refusal, refuse_fragment, show_domain_error

HX = {"HX-Request": "true"}


class NameForm(FlaskForm):
    """A form with one field for the refusal to land on."""

    name = StringField()


def _buildings():
    """How many buildings are saved."""
    return db.session.scalar(select(func.count()).select_from(Building))


def _unsaved_building(prop):
    """A building added and flushed but not committed: what a refused service leaves behind."""
    db.session.add(Building(property_id=prop.id, code="9", name="九栋", floors=3))
    db.session.flush()


def test_a_form_refusal_keeps_what_was_typed_and_shows_the_message_with_nothing_saved(app, prop):
    before = _buildings()
    with app.test_request_context(method="POST", data={"name": "九栋"}):
        form = NameForm()
        _unsaved_building(prop)
        show_domain_error(form, DomainError("That name is taken.", field="name"))
        assert form.name.data == "九栋"
        assert form.name.errors == ["That name is taken."]
    assert _buildings() == before


def test_a_form_refusal_without_a_field_goes_above_the_form(app, prop):
    with app.test_request_context(method="POST", data={"name": "九栋"}):
        form = NameForm()
        show_domain_error(form, DomainError("Not now."))
        assert form.form_errors == ["Not now."] and not form.name.errors


class RequiredNameForm(FlaskForm):
    """A form whose own validation can fail."""

    name = StringField(validators=[DataRequired(message="Enter a name.")])


def test_a_form_that_failed_its_own_checks_keeps_its_messages_alone_and_saves_nothing(app, prop):
    before = _buildings()
    with app.test_request_context(method="POST", data={"name": ""}):
        form = RequiredNameForm(meta={"csrf": False})
        assert not form.validate()
        _unsaved_building(prop)
        show_domain_error(form, DomainError("A name is required.", field="name"))
        assert form.name.errors == ["Enter a name."] and not form.form_errors
    assert _buildings() == before


def test_a_form_shows_a_not_found_next_to_what_was_chosen(app, prop):
    with app.test_request_context(method="POST", data={"name": "九栋"}):
        form = NameForm()
        error = NotFound(field="name")
        show_domain_error(form, error)
        assert form.name.errors == [str(error.message)]


def test_an_action_refusal_rolls_back_and_flashes(app, prop):
    before = _buildings()
    with app.test_request_context(method="POST"):
        with flash_refusal():
            _unsaved_building(prop)
            raise InvalidTransition("Already done.")
        assert get_flashed_messages(with_categories=True) == [("error", "Already done.")]
    assert _buildings() == before


def test_a_refused_button_flashes_and_redirects_back(client, auth, prop):
    ladder = builders.create_lendable(prop)
    loan = builders.create_loan(ladder, builders.create_unit(), borrower_name="王芳")
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    client.get("/staff/?lang=en")
    assert client.post(f"/staff/lending/{loan.id}/return", data={"note": "完好"}).status_code == 303
    response = client.post(f"/staff/lending/{loan.id}/return", data={"note": "完好"})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/lending/"
    assert "This loan is already closed." in client.get("/staff/lending/").get_data(as_text=True)


def test_a_fragment_refusal_answers_htmx_with_the_message_fragment(app, prop):
    before = _buildings()
    with app.test_request_context(method="POST", headers=HX):
        _unsaved_building(prop)
        response = refuse_fragment(InvalidTransition("Already done."), back="/staff/")
        html = response.get_data(as_text=True)
        assert response.status_code == 409 and "Already done." in html and 'class="alert alert-error"' in html
        assert "<html" not in html and "HX-Request" in response.headers["Vary"]
        assert get_flashed_messages() == []
    assert _buildings() == before


def test_a_fragment_refusal_without_htmx_flashes_and_redirects_back(app):
    with app.test_request_context(method="POST"):
        response = refuse_fragment(InvalidTransition("Already done."), back="/staff/")
        assert (response.status_code, response.headers["Location"]) == (303, "/staff/")
        assert get_flashed_messages(with_categories=True) == [("error", "Already done.")]


def _in_action(error):
    with flash_refusal():
        raise error


@pytest.mark.parametrize(
    "refuse",
    [flash_domain_error, _in_action, lambda error: refuse_fragment(error, back="/")],
    ids=["action", "action block", "fragment"],
)
@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_a_missing_record_stays_404_in_the_action_and_fragment_helpers(app, prop, refuse, headers):
    before = _buildings()
    with app.test_request_context(method="POST", headers=headers):
        _unsaved_building(prop)
        with pytest.raises(NotFound):
            refuse(NotFound())
        assert get_flashed_messages() == []
    assert _buildings() == before


# The buttons that used to flash "Not found." and go back now answer 404 like any other missing record.
SWALLOWED_404 = {
    "return a loan": (Role.FRONTDESK, "/staff/lending/9999/return", {"note": "完好"}),
    "void a loan": (Role.FRONTDESK, "/staff/lending/9999/void", {"note": "登记错了"}),
    "void an item left at the desk": (Role.FRONTDESK, "/staff/storage/9999/void", {"note": "登记错了"}),
}


@pytest.mark.parametrize("role, url, data", SWALLOWED_404.values(), ids=SWALLOWED_404.keys())
def test_a_button_on_a_missing_record_answers_404(client, auth, prop, role, url, data):
    auth.login_staff(builders.create_staff(role))
    assert client.post(url, data=data).status_code == 404
