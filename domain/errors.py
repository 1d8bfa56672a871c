"""Domain exceptions; one error handler in web/ maps them to a status code and a message."""

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A business rule refused the operation; `message` is shown to the user."""

    status_code = 400
    default_message = _l("The operation could not be completed.")

    def __init__(self, message=None, *, field=None):
        super().__init__(str(message or self.default_message))
        self.message = message or self.default_message
        #: The form field the message belongs to, when there is one.
        self.field = field


class NotAllowed(DomainError):
    """The actor may not do this."""

    status_code = 403
    default_message = _l("You are not allowed to do that.")


class NotFound(DomainError):
    """The record does not exist or is not visible to the actor."""

    status_code = 404
    default_message = _l("Not found.")


class InvalidTransition(DomainError):
    """The record is not in a state that allows this step."""

    status_code = 409
    default_message = _l("This step is not possible in the record's current state.")


class Conflict(DomainError):
    """The change clashes with existing data (a duplicate, an overlap)."""

    status_code = 409
    default_message = _l("This clashes with existing data.")
