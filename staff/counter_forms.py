"""Forms of the desk's counter: parcel intake and pickup, items left at the desk, lending."""

from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from domain.parcels.carriers import CARRIERS
from domain.parcels.pickup import RECIPIENT_LABELS
from web.forms import LOCAL_INPUT_FORMATS, SensibleDate, TwoDecimals

_NO_AUTOFILL = {"autocomplete": "off"}


#: locale -> {carrier key: label}; translations never change while the process runs.
_CARRIER_LABELS = {}


def carrier_labels():
    """{carrier key: label} in the user's language, translated once per process and locale: the intake's choices
    and the carrier names on the parcel pages."""
    key = str(get_locale())
    labels = _CARRIER_LABELS.get(key)
    if labels is None:
        labels = _CARRIER_LABELS[key] = {k: str(label) for k, label in CARRIERS.items()}
    return labels


def _intake_carriers():
    """The intake's carrier choices: first "from the number" (the default, never the last parcel's carrier)."""
    return [("", gettext("Tell from the number"))] + list(carrier_labels().items())


class ParcelIntakeForm(FlaskForm):
    """One parcel (or a batch for one unit) arriving at the desk; built for a barcode scanner and the keyboard."""

    tracking_number = StringField(
        _l("Tracking number"),
        validators=[Optional(), Length(max=40)],
        render_kw={**_NO_AUTOFILL, "autocapitalize": "characters", "spellcheck": "false"},
        description=_l("Scan or type; Enter goes on to the unit."),
    )
    carrier = SelectField(
        _l("Carrier"),
        choices=_intake_carriers,
        default="",
        description=_l("Told from the tracking number where it can be; otherwise choose."),
    )
    unit_label = StringField(
        _l("Unit"),
        validators=[DataRequired(message=_l("Type the unit, e.g. 1-1203.")), Length(max=20)],
        render_kw={**_NO_AUTOFILL, "list": "unit-options"},
        description=_l("Type the number; pick from the list."),
    )
    shelf = StringField(_l("Shelf"), validators=[Optional(), Length(max=16)], render_kw=_NO_AUTOFILL)
    more = TextAreaField(
        _l("More tracking numbers for the same unit"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 3, **_NO_AUTOFILL},
        description=_l("One per line: a batch for one unit is logged in one go."),
    )

    def entries(self):
        """(tracking number, carrier or "" to tell it from the number, shelf) for every number typed in either field."""
        numbers = [self.tracking_number.data or ""] + (self.more.data or "").splitlines()
        return [(n, self.carrier.data, self.shelf.data) for n in numbers if n.strip()]


class PickupForm(FlaskForm):
    """Unit and code as typed, or the text of a scanned pickup QR code in the unit field."""

    unit_label = StringField(
        _l("Unit (or scan the QR code)"), validators=[DataRequired(), Length(max=40)], render_kw=_NO_AUTOFILL
    )
    code = StringField(
        _l("Pickup code"), validators=[Optional(), Length(max=12)], render_kw={**_NO_AUTOFILL, "inputmode": "numeric"}
    )


class HandOverForm(FlaskForm):
    """Who collects the parcels the code shows."""

    unit_label = HiddenField()
    code = HiddenField()
    recipient = RadioField(
        _l("Collected by"),
        default="resident",
        choices=lambda: [(r.value, str(RECIPIENT_LABELS[r])) for r in RECIPIENT_LABELS if r.value != "visitor"],
    )
    name = StringField(_l("Collector's name"), validators=[Optional(), Length(max=80)], render_kw=_NO_AUTOFILL)
    authorisation_id = SelectField(_l("Authorised person"), coerce=int, choices=[], validate_choice=False)
    id_last4 = StringField(
        _l("Last 4 characters of their ID"),
        validators=[DataRequired(), Length(min=4, max=4)],
        render_kw={**_NO_AUTOFILL, "maxlength": 4},
    )


class ReasonForm(FlaskForm):
    """Why something is returned or voided."""

    note = TextAreaField(
        _l("Reason"), validators=[DataRequired(message=_l("Give the reason.")), Length(max=500)], render_kw={"rows": 2}
    )


class StoreItemForm(FlaskForm):
    """An item left at the desk."""

    unit_label = StringField(
        _l("For unit"), validators=[DataRequired(), Length(max=20)], render_kw={**_NO_AUTOFILL, "list": "unit-options"}
    )
    description = TextAreaField(
        _l("Item"),
        validators=[DataRequired(), Length(max=1000)],
        render_kw={"rows": 2},
        description=_l("What it is, colour, size, anything fragile."),
    )
    depositor_name = StringField(_l("Left by"), validators=[DataRequired(), Length(max=80)], render_kw=_NO_AUTOFILL)
    depositor_phone = StringField(_l("Their phone"), validators=[Optional(), Length(max=20)], render_kw=_NO_AUTOFILL)
    by_visitor = BooleanField(_l("Left by a visitor for the residents"))
    collector_name = StringField(
        _l("To be collected by"),
        validators=[Optional(), Length(max=80)],
        render_kw=_NO_AUTOFILL,
        description=_l("Leave empty when the depositor collects it."),
    )
    days = IntegerField(
        _l("Keep for (days)"),
        validators=[InputRequired(message=_l("Give a number of days.")), NumberRange(min=1, max=90)],
    )
    photo = FileField(_l("Photo"), render_kw={"accept": "image/*", "capture": "environment"})


class ClaimForm(FlaskForm):
    """A claim code brought to the desk."""

    code = StringField(
        _l("Claim code"),
        validators=[DataRequired(), Length(max=12)],
        render_kw={**_NO_AUTOFILL, "inputmode": "numeric"},
    )


class ReleaseForm(FlaskForm):
    """Who takes the stored item."""

    code = HiddenField()
    item_id = HiddenField()
    name = StringField(_l("Collector's name"), validators=[DataRequired(), Length(max=80)], render_kw=_NO_AUTOFILL)
    id_last4 = StringField(
        _l("Last 4 characters of their ID"),
        validators=[DataRequired(), Length(min=4, max=4)],
        render_kw={**_NO_AUTOFILL, "maxlength": 4},
    )


class LendableForm(FlaskForm):
    """An entry of the lending catalogue."""

    name = StringField(_l("Item"), validators=[DataRequired(), Length(max=80)])
    quantity = IntegerField(
        _l("How many the office has"),
        validators=[InputRequired(message=_l("Give a number.")), NumberRange(min=0, max=999)],
    )
    deposit = StringField(
        _l("Deposit (yuan)"),
        default="0",
        validators=[TwoDecimals(_l("Write an amount like 50 or 50.00."), positive=False, blank_is_zero=True)],
    )
    loan_hours = IntegerField(
        _l("Usual loan (hours)"),
        default=24,
        validators=[InputRequired(message=_l("Give a number of hours.")), NumberRange(min=1, max=720)],
    )
    is_active = BooleanField(_l("Can be lent"), default=True)


class LoanForm(FlaskForm):
    """One item lent to a resident."""

    item_id = SelectField(_l("Item"), coerce=int, choices=[], validate_choice=False)
    unit_label = StringField(
        _l("Unit"), validators=[DataRequired(), Length(max=20)], render_kw={**_NO_AUTOFILL, "list": "unit-options"}
    )
    borrower_name = StringField(_l("Borrower"), validators=[DataRequired(), Length(max=80)], render_kw=_NO_AUTOFILL)
    borrower_phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20)], render_kw=_NO_AUTOFILL)
    due_at = DateTimeLocalField(
        _l("Back by"),
        format=LOCAL_INPUT_FORMATS,
        validators=[Optional(), SensibleDate()],
        description=_l("Empty: the item's usual loan time."),
    )
    deposit = StringField(
        _l("Deposit taken (yuan)"),
        validators=[TwoDecimals(_l("Write an amount like 50 or 50.00."), positive=False)],
        description=_l("Empty: the item's deposit."),
    )


class ReturnForm(FlaskForm):
    """The return of a loan."""

    note = StringField(_l("Condition on return"), validators=[Optional(), Length(max=500)])
