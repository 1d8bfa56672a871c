"""The payment state machine as data: which status may follow which."""

from flask_babel import lazy_gettext as _l

from domain.errors import InvalidTransition
from domain.payments.models import PaymentStatus as S

#: status -> the statuses it may move to. SUCCEEDED is final for online payments (refunds do not
#: change the status, they add Refund rows); only desk payments can be VOIDED.
TRANSITIONS = {
    S.PENDING: {S.PROCESSING, S.SUCCEEDED, S.FAILED, S.EXPIRED},
    S.PROCESSING: {S.SUCCEEDED, S.FAILED},
    S.SUCCEEDED: {S.VOIDED},
    S.FAILED: set(),
    S.EXPIRED: set(),
    S.VOIDED: set(),
}


class AlreadyPaid(InvalidTransition):
    """The payment has already succeeded; applying it again would count the money twice."""

    default_message = _l("This payment has already been recorded.")


def can_move(payment, new_status):
    """Whether `payment` may move to `new_status`."""
    return new_status in TRANSITIONS[payment.status]


def move(payment, new_status):
    """Move `payment` to `new_status` or raise (AlreadyPaid when it has already succeeded)."""
    if not can_move(payment, new_status):
        if payment.status == S.SUCCEEDED and new_status == S.SUCCEEDED:
            raise AlreadyPaid()
        raise InvalidTransition()
    payment.status = new_status
