"""Error pages in the user's language that leak nothing, for pages and for htmx requests."""

from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from domain.errors import DomainError
from extensions import db

TITLES = {
    400: lambda: _("Bad request"),
    403: lambda: _("Not allowed"),
    404: lambda: _("Page not found"),
    405: lambda: _("Not allowed"),
    409: lambda: _("Conflict"),
    413: lambda: _("File too large"),
    429: lambda: _("Too many attempts"),
    503: lambda: _("Not available right now"),
    500: lambda: _("Something went wrong"),
}
MESSAGES = {
    400: lambda: _("The request could not be understood."),
    403: lambda: _("You do not have permission to see this page."),
    404: lambda: _("The page you asked for does not exist or has been removed."),
    405: lambda: _("This address does not accept that kind of request."),
    409: lambda: _("This clashes with existing data."),
    413: lambda: _("The upload is larger than allowed."),
    429: lambda: _("Too many attempts. Please wait a minute and try again."),
    500: lambda: _("The error has been logged. Please try again later."),
}


def render_error(code, message=None):
    """Render the error page (or, for htmx, only its message) with status `code`."""
    title = TITLES.get(code, TITLES[500])()
    message = message or MESSAGES.get(code, MESSAGES[500])()
    template = "errors/_message.html" if request.headers.get("HX-Request") == "true" else "errors/error.html"
    response = render_template(template, code=code, title=title, message=message), code
    return response


def register(app):
    """Install the handlers on `app`."""

    def http_error(error):
        """Any HTTP error the app or Werkzeug raised."""
        return render_error(error.code)

    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, http_error)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        """A form or htmx request without a valid CSRF token: usually a page left open too long."""
        return render_error(400, _("Your session expired or the form was stale. Reload the page and try again."))

    @app.errorhandler(DomainError)
    def domain_error(error):
        """A business rule refused the request outside a form: roll back and explain."""
        db.session.rollback()
        return render_error(error.status_code, str(error.message))

    @app.errorhandler(500)
    def server_error(error):
        """An unexpected exception: roll back, log (Flask does), show nothing internal."""
        db.session.rollback()
        return render_error(500)
