"""Forms and labels of the resident's requests (报修, 投诉, 求助, 查询, 申请服务, 建议, 表扬)."""

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Regexp, ValidationError

from domain.tickets.urgency import MAX_REASON
from domain.tickets.workflow import STATUS_LABELS
from web.filters import fen

KIND_LABELS = {
    "repair": _l("Repair"),
    "complaint": _l("Complaint"),
    "help": _l("Help"),
    "inquiry": _l("Question"),
    "service": _l("Service"),
    "suggestion": _l("Suggestion"),
    "praise": _l("Praise"),
}
#: What each kind is for, under its choice on the form.
KIND_HINTS = {
    "repair": _l("Something is broken or leaking"),
    "complaint": _l("Something is not as it should be"),
    "help": _l("You need a hand now"),
    "inquiry": _l("Ask us anything"),
    "service": _l("Book a paid or free service"),
    "suggestion": _l("An idea to make things better"),
    "praise": _l("Thank someone for good work"),
}
REPAIR_CATEGORY_LABELS = {
    "water": _l("Water and drains"),
    "electricity": _l("Electricity"),
    "doors_locks": _l("Doors and locks"),
    "elevator": _l("Lift"),
    "public_area": _l("Public area"),
    "gas_heating": _l("Gas and heating"),
    "other": _l("Something else"),
}
COMPLAINT_CATEGORY_LABELS = {
    "service": _l("Our service"),
    "noise": _l("Noise"),
    "environment": _l("Cleanliness and surroundings"),
    "security": _l("Safety and security"),
    "charges": _l("Fees and charges"),
    "neighbour": _l("Neighbours"),
    "other": _l("Something else"),
}
DEPARTMENT_LABELS = {
    "customer_service": _l("the service desk"),
    "engineering": _l("engineering"),
    "security": _l("security"),
    "cleaning": _l("cleaning"),
    "finance": _l("finance"),
}

#: The value of the place choice for "a public area" (the others are unit ids).
PUBLIC_AREA = "public"
#: Kinds whose category the resident chooses, and the form field that holds it.
CATEGORY_FIELDS = {"repair": "repair_category", "complaint": "complaint_category"}
#: Kinds the resident may mark urgent (domain/tickets/urgency.URGENT_KINDS).
URGENT_KIND_VALUES = ("repair", "help")


def urgent_reason_field(label):
    """The short reason a request is urgent, at most MAX_REASON characters."""
    return StringField(
        label,
        validators=[Length(max=MAX_REASON, message=_l("Keep the reason to %(n)s characters.", n=MAX_REASON))],
        render_kw={"maxlength": MAX_REASON, "placeholder": _l("e.g. water is coming through the ceiling")},
    )


PHONE_PATTERN = r"^\+?[0-9][0-9 ()\-]{5,18}[0-9]$"


#: {locale: ticket_labels()}: the labels only change with the language, and translating the five tables' lazy
#: strings was a tenth of the resident home's time.
_LABELS_BY_LOCALE = {}


def ticket_labels():
    """Kind, category, status and department labels in the user's language (made once per language; read-only)."""
    locale = str(get_locale())
    labels = _LABELS_BY_LOCALE.get(locale)
    if labels is None:
        labels = _LABELS_BY_LOCALE[locale] = {
            "kinds": {key: str(label) for key, label in KIND_LABELS.items()},
            "repair": {key: str(label) for key, label in REPAIR_CATEGORY_LABELS.items()},
            "complaint": {key: str(label) for key, label in COMPLAINT_CATEGORY_LABELS.items()},
            "statuses": {status.value: str(label) for status, label in STATUS_LABELS.items()},
            "departments": {key: str(label) for key, label in DEPARTMENT_LABELS.items()},
        }
    return labels


def service_label(item):
    """A catalogue entry as a choice: its name and price, or "free"."""
    return f"{item.name} · {fen(item.price_fen) if item.price_fen else _l('free')}"


def _choose(labels):
    """Select choices with an empty "choose" entry first."""
    return [SelectChoice("", _l("Choose…"))] + [SelectChoice(key, label) for key, label in labels.items()]


class TicketForm(FlaskForm):
    """A new request: kind, category, what and where, photos, when and how to reach the resident.

    The place and service choices depend on the resident; the view fills them in (`set_choices`).
    """

    kind = RadioField(
        _l("What is it about?"),
        choices=[SelectChoice(key, label) for key, label in KIND_LABELS.items()],
        default="repair",
        validators=[InputRequired(message=_l("Choose what kind of request this is."))],
    )
    # No Optional() on these three: it would stop the checks below, which depend on the kind.
    repair_category = SelectField(_l("What needs repairing?"), choices=_choose(REPAIR_CATEGORY_LABELS), default="")
    complaint_category = SelectField(
        _l("What is the complaint about?"), choices=_choose(COMPLAINT_CATEGORY_LABELS), default=""
    )
    service_item_id = SelectField(_l("Which service?"), choices=[], default="")
    description = TextAreaField(
        _l("Describe it"),
        validators=[InputRequired(message=_l("Describe what is wrong or what you need.")), Length(max=2000)],
        render_kw={"rows": 5, "maxlength": 2000},
        description=_l("What happened, since when, and anything the team should know before coming."),
    )
    urgent = BooleanField(_l("It is urgent"), description=_l("Repairs and help requests: the team comes sooner."))
    urgent_reason = urgent_reason_field(_l("Why is it urgent?"))
    photos = MultipleFileField(_l("Photos (up to 6)"), render_kw={"accept": "image/*"})
    place = RadioField(
        _l("Where?"), choices=[], validators=[InputRequired(message=_l("Say where: your unit or a public area."))]
    )
    location = StringField(
        _l("Which public area?"),
        validators=[Length(max=120)],
        render_kw={"placeholder": _l("e.g. Building 2 lift lobby, B1 car park")},
    )
    preferred_time = StringField(
        _l("When suits you for a visit?"),
        validators=[Length(max=80)],
        render_kw={"placeholder": _l("e.g. Saturday morning")},
    )
    contact_phone = StringField(
        _l("Phone to reach you"),
        validators=[
            InputRequired(message=_l("Give a phone number we can call.")),
            Regexp(PHONE_PATTERN, message=_l("Enter a phone number we can call, e.g. 13800000000.")),
        ],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )

    def set_choices(self, households, services):
        """Offer the resident's own units (the first is the default) and the active service catalogue."""
        units = [SelectChoice(str(h.unit.id), f"{h.unit.building_name} {h.unit.number}") for h in households]
        self.place.choices = [*units, SelectChoice(PUBLIC_AREA, _l("A public area"))]
        if self.place.data is None:
            self.place.data = self.place.choices[0].value
        items = [SelectChoice(str(item.id), service_label(item)) for item in services]
        self.service_item_id.choices = [SelectChoice("", _l("Choose…")), *items]

    def category(self):
        """The category chosen for the kind ("" for kinds without one)."""
        field = CATEGORY_FIELDS.get(self.kind.data)
        return getattr(self, field).data if field else ""

    def unit_id(self):
        """The chosen unit's id, or None for a public area."""
        return None if self.place.data == PUBLIC_AREA else int(self.place.data)

    def chosen_service_id(self):
        """The chosen catalogue entry (service requests only)."""
        return int(self.service_item_id.data) if self.kind.data == "service" and self.service_item_id.data else None

    def urgent_reason_given(self):
        """The reason the request is urgent, or None when it is not marked (or is not a kind that can be)."""
        if self.kind.data in URGENT_KIND_VALUES and self.urgent.data:
            return self.urgent_reason.data or ""
        return None

    def validate_urgent_reason(self, field):
        """An urgent repair or help request says why."""
        if self.urgent_reason_given() is not None and not (field.data or "").strip():
            raise ValidationError(_l("Say in a few words why it is urgent."))

    def validate_repair_category(self, field):
        """A repair says what needs repairing."""
        if self.kind.data == "repair" and not field.data:
            raise ValidationError(_l("Choose what needs repairing."))

    def validate_complaint_category(self, field):
        """A complaint says what it is about."""
        if self.kind.data == "complaint" and not field.data:
            raise ValidationError(_l("Choose what the complaint is about."))

    def validate_service_item_id(self, field):
        """A service request names the service."""
        if self.kind.data == "service" and not field.data:
            raise ValidationError(_l("Choose a service from the list."))

    def validate_location(self, field):
        """A public area is named."""
        if self.place.data == PUBLIC_AREA and not (field.data or "").strip():
            raise ValidationError(_l("Say which public area."))


class UrgentForm(FlaskForm):
    """The resident marks an open repair or help request urgent, with a short reason."""

    urgent_reason = urgent_reason_field(_l("Why is it urgent?"))

    def validate_urgent_reason(self, field):
        """The reason is required."""
        if not (field.data or "").strip():
            raise ValidationError(_l("Say in a few words why it is urgent."))


class CommentForm(FlaskForm):
    """A comment (or an answer to the team's question) on the resident's own request, with photos."""

    body = TextAreaField(
        _l("Add a comment"),
        validators=[InputRequired(message=_l("Write a comment.")), Length(max=2000)],
        render_kw={"rows": 3, "maxlength": 2000},
    )
    photos = MultipleFileField(_l("Photos"), render_kw={"accept": "image/*"})


class RateForm(FlaskForm):
    """The resident's rating of finished work: 1 to 5 stars and a comment."""

    rating = RadioField(
        _l("How did we do?"),
        choices=[SelectChoice(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        validators=[InputRequired(message=_l("Choose 1 to 5 stars."))],
    )
    comment = TextAreaField(
        _l("Anything to add? (optional)"), validators=[Length(max=1000)], render_kw={"rows": 2, "maxlength": 1000}
    )
