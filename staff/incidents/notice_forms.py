"""Forms of incident mode: switching the notice on, an update, the all-clear, attaching tickets and closing them with
one message. The services are the real check; these give early, friendly errors and keep what was typed."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from domain.incidents.models import IncidentKind
from domain.incidents.notices import MAX_TITLE
from web.forms import Checkboxes

#: The title a notice starts with, by the incident's kind (the manager edits it).
DEFAULT_TITLES = {
    IncidentKind.WATER_CUT: lazy_pgettext("notice title", "Water supply cut"),
    IncidentKind.POWER_CUT: lazy_pgettext("notice title", "Power cut"),
    IncidentKind.LIFT_ENTRAPMENT: lazy_pgettext("notice title", "Lift out of service"),
    IncidentKind.WATER_LEAK: lazy_pgettext("notice title", "Water leak"),
    IncidentKind.GAS: lazy_pgettext("notice title", "Gas leak: keep away"),
    IncidentKind.FIRE: lazy_pgettext("notice title", "Fire: keep away"),
    IncidentKind.PUBLIC_HEALTH: lazy_pgettext("notice title", "Public health notice"),
}
#: The title for the other kinds.
NOTICE_TITLE = lazy_pgettext("notice title", "Notice to residents")


class AnyTicked(Checkboxes):
    """Check boxes (buildings, tickets) that accept any ticked value: the service refuses strangers with a message
    next to the field."""

    def pre_validate(self, form):
        """Accept any ticked value."""


class NoticeOnForm(FlaskForm):
    """Incident mode on: the notice's title and text and the buildings whose residents it is for."""

    title = StringField(
        _l("Title"),
        validators=[DataRequired(message=_l("Give the notice a title.")), Length(max=MAX_TITLE)],
        description=_l("Residents see the buildings in front of it, e.g. 【2号楼】."),
    )
    body = TextAreaField(
        _l("What residents should know"),
        validators=[DataRequired(message=_l("Write what residents should know.")), Length(max=2000)],
        description=_l("What happened, what to do, and when it should be over."),
    )
    building_ids = AnyTicked(_l("Affected buildings"), coerce=str)


class NoticeUpdateForm(FlaskForm):
    """A later word on the live notice."""

    body = TextAreaField(_l("Update"), validators=[DataRequired(message=_l("Write the update.")), Length(max=2000)])


class NoticeOffForm(FlaskForm):
    """The all-clear (the standard words when left empty)."""

    body = TextAreaField(_l("All-clear message"), validators=[Optional(), Length(max=2000)])


class AttachTicketsForm(FlaskForm):
    """The open tickets ticked to attach to the incident."""

    ticket_ids = AnyTicked(_l("Tickets"), coerce=str)


class CloseTicketsForm(FlaskForm):
    """The one message every attached ticket's resident sees as it closes."""

    message = TextAreaField(
        _l("Message to the residents"),
        validators=[DataRequired(message=_l("Write the message the residents will see.")), Length(max=1000)],
    )
