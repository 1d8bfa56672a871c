"""One way for a route to refuse: a DomainError raised by a service becomes a message where the user acted.

Which helper to call:
- a form page (the route renders the form again): `show_domain_error(form, error)` puts the message next to
  its field, or above the form, and keeps what was typed; the route answers the form with 422.
- a button action (a POST that redirects back, post/redirect/get): wrap the service call and the commit in
  `with flash_refusal():`; a refusal is flashed and the route's redirect follows as for success. Where a refusal
  must redirect elsewhere than success, call `flash_domain_error(error)` in an `except DomainError`.
- a page that shows the message its own way (a kiosk keypad, a message above a page without a form):
  `refusal_message(error)` gives the message to render.
- an htmx fragment (a button in a swapped region): `refuse_fragment(error, back=url)` answers htmx with the
  message fragment (the page shows it as a toast) and a normal request with the flash and a 303 to `back`.

Every helper rolls back what the request changed. The action and fragment helpers let a missing record (NotFound)
answer 404 through the application's error handler: a button on a record that is gone is not a refusal to explain.
A form or a page showing the message treats it like any refusal: there it is about what was typed.
"""

from contextlib import contextmanager

from flask import flash, make_response, redirect

from domain.errors import DomainError
from extensions import db
from web.errors import render_error
from web.htmx import is_fragment_request


def _undo(error):
    """Roll back the request's changes; a missing record goes on to the 404 handler."""
    db.session.rollback()
    if error.status_code == 404:
        raise error


def refusal_message(error):
    """A page that shows a refusal in its own place (a kiosk keypad, a message above the page): undo any change
    and give the message to render. As in a form, a NotFound is a message here: it is about what was typed."""
    db.session.rollback()
    return str(error.message)


def show_domain_error(form, error):
    """A form page's refusal: undo any change and put the message next to its field (or above the form), keeping
    what was typed. A form that failed its own checks keeps just its own messages (a route may ask the service even
    then, so that a refusal of the record's state comes first). Here a NotFound is a message too: the page's own
    record was loaded before the form was read (404 there), so a NotFound now is about what was typed or chosen (a
    unit that is not the resident's)."""
    message = refusal_message(error)
    if form.errors:
        return  # the form's own messages already say what is missing (a route may ask the service regardless)
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


def flash_domain_error(error):
    """A button action's refusal: undo any change and flash why; a missing record still answers 404."""
    _undo(error)
    flash(str(error.message), "error")


@contextmanager
def flash_refusal():
    """Run a button's action (the service call and the commit); a refusal inside is flashed
    (`flash_domain_error`) and the code after the block goes on, usually to the same redirect as success."""
    try:
        yield
    except DomainError as error:
        flash_domain_error(error)


def refuse_fragment(error, *, back):
    """An htmx fragment's refusal: undo any change; htmx gets the message fragment with the error's status (the
    page shows it as a toast), a normal request the flash and a 303 to `back`. A missing record still answers
    404."""
    _undo(error)
    if not is_fragment_request():
        flash(str(error.message), "error")
        return redirect(back, code=303)
    response = make_response(render_error(error.status_code, str(error.message)))
    response.vary.add("HX-Request")
    return response
