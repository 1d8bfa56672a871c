"""Forms of the fee pages: the schedule, meter readings, billing runs and late fees.

The domain services are the real check; these give early, friendly errors and turn typed yuan and
meter values into integer hundredths (`field.fen`, `field.x100`) without floats.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from domain.billing.schedule import parse_period
from domain.errors import DomainError
from web.forms import SensibleDate, TwoDecimals

BASIS_CHOICES = [
    SelectChoice("per_area", _l("Per m² of area, monthly")),
    SelectChoice("per_unit", _l("Per unit, monthly")),
    SelectChoice("metered", _l("Metered (water, electricity)")),
    SelectChoice("one_off", _l("One-off (charged to a unit when needed)")),
]
SCOPE_CHOICES = [
    SelectChoice("all", _l("All units")),
    SelectChoice("building", _l("One building")),
    SelectChoice("units", _l("Listed units")),
]

VACANCY_RULE_CHOICES = [
    SelectChoice("full_months", _l("Full months only")),
    SelectChoice("pro_rata", _l("Pro rata by the day")),
]


#: A yuan amount with at most two decimals, more than zero (kept as field.fen).
YUAN_AMOUNT = _l("Write an amount in yuan with at most two decimals, e.g. 2.50.")
#: A meter value with at most two decimals, zero for a new meter (kept as field.x100).
METER_VALUE = _l("Write the meter value as a number with at most two decimals, e.g. 1234.50.")


class Month:
    """A month typed as YYYY-MM; kept as `field.month` (its first day)."""

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            field.month = parse_period(field.data)
        except DomainError as error:
            raise ValidationError(str(error.message)) from None


class ChargeScopeForm(FlaskForm):
    """Which units a charge applies to; shared by the new and edit forms."""

    scope = SelectField(_l("Applies to"), choices=SCOPE_CHOICES, default="all")
    #: 0 stands for "no building"; the route fills in the buildings.
    building_id = SelectField(_l("Building"), coerce=int, choices=[], default=0)
    unit_labels = TextAreaField(
        _l("Units"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Unit labels separated by commas, e.g. 1-1201, 2-0302."),
    )
    meter_unit = StringField(
        _l("Meter unit"),
        validators=[Length(max=16)],
        description=_l("What the meter counts, printed on bills: 吨, kWh, m³."),
    )


class VacancyForm(ChargeScopeForm):
    """The vacancy rate (空置费) of a monthly charge; shared by the new and edit forms."""

    vacancy_percent = StringField(
        _l("Vacancy rate (%)"),
        validators=[Length(max=8)],
        description=_l("What a vacant unit pays of this charge, e.g. 70. Leave empty for no vacancy rate."),
    )
    vacancy_rule = SelectField(
        _l("A month the status changes"),
        choices=VACANCY_RULE_CHOICES,
        default="full_months",
        description=_l(
            "Full months only: the vacancy rate only for a month vacant from its first to its last day. "
            "Pro rata: the vacant days at the vacancy rate, the other days in full."
        ),
    )

    def validate_vacancy_percent(self, field):
        """A whole percentage above 0 and at most 100; kept as `field.percent` (None when left empty)."""
        text = (field.data or "").strip().rstrip("%％").strip()
        field.percent = None
        if not text:
            return
        if not text.isdecimal() or not 0 < int(text) <= 100:
            raise ValidationError(_l("Write a whole percentage above 0 and at most 100, e.g. 70."))
        field.percent = int(text)


class ChargeTypeForm(VacancyForm):
    """A new charge type of the fee schedule with its first rate."""

    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=16),
            Regexp(r"^[A-Za-z0-9_-]+$", message=_l("Letters, digits, - and _ only, e.g. WATER.")),
        ],
        description=_l("Short code used in CSV imports, e.g. PM or WATER."),
    )
    name = StringField(
        _l("Charge name"),
        validators=[DataRequired(), Length(max=60)],
        description=_l("As printed on bills, e.g. 物业管理费."),
    )
    basis = SelectField(_l("Charged"), choices=BASIS_CHOICES)
    rate = StringField(
        _l("Rate (¥)"),
        validators=[DataRequired(), TwoDecimals(YUAN_AMOUNT)],
        description=_l("Per m² a month, per unit a month, per metered unit, or the one-off amount."),
    )
    effective_from = DateField(
        _l("In force from"), validators=[InputRequired(message=_l("Enter a date.")), SensibleDate()]
    )

    def validate_meter_unit(self, field):
        """A metered charge says what its meter counts."""
        if self.basis.data == "metered" and not (field.data or "").strip():
            raise ValidationError(_l("Say what the meter counts, e.g. 吨 or kWh."))


class ChargeTypeEditForm(VacancyForm):
    """Changes to a charge type; its code and basis stay, its rates change with RateForm."""

    name = StringField(_l("Charge name"), validators=[DataRequired(), Length(max=60)])
    is_active = BooleanField(_l("Active (billed by the monthly runs)"))


class RateForm(FlaskForm):
    """A new rate of a charge type from a date on."""

    rate = StringField(_l("New rate (¥)"), validators=[DataRequired(), TwoDecimals(YUAN_AMOUNT)])
    effective_from = DateField(
        _l("In force from"), validators=[InputRequired(message=_l("Enter a date.")), SensibleDate()]
    )


class ReadingForm(FlaskForm):
    """One meter reading of one unit for the month shown."""

    period = HiddenField(validators=[DataRequired(), Month()])
    unit_label = StringField(_l("Unit"), validators=[DataRequired(), Length(max=40)], description=_l("e.g. 1-1203"))
    charge_type_id = SelectField(_l("Meter"), coerce=int, choices=[])
    previous = StringField(
        _l("Previous reading"),
        validators=[Optional(), TwoDecimals(METER_VALUE, attr="x100", positive=False)],
        description=_l("Leave empty to use last month's reading."),
    )
    current = StringField(
        _l("Current reading"), validators=[DataRequired(), TwoDecimals(METER_VALUE, attr="x100", positive=False)]
    )


class ReadingImportForm(FlaskForm):
    """A CSV file of meter readings."""

    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Choose a file.")), FileAllowed(["csv", "txt"], _l("Only .csv files."))],
    )


class RunForm(FlaskForm):
    """The month to bill and the bills' due date (preview, then start)."""

    period = StringField(
        _l("Month (YYYY-MM)"), validators=[DataRequired(), Month()], render_kw={"placeholder": "2026-11"}
    )
    due_date = DateField(_l("Due date"), validators=[InputRequired(message=_l("Enter a date.")), SensibleDate()])

    def validate_due_date(self, field):
        """Early word of the domain's rule: a bill cannot fall due before its month."""
        month = getattr(self.period, "month", None)
        if month and field.data and field.data < month:
            raise ValidationError(_l("The due date cannot be before the month billed."))


class ReverseRunForm(FlaskForm):
    """The confirmation a reversal needs."""

    confirm = BooleanField(
        _l("I understand the bills of this run will be deleted"),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )


class LateFeePolicyForm(FlaskForm):
    """The late-fee (滞纳金) policy."""

    enabled = BooleanField(_l("Charge late fees"))
    daily_rate_per_10000 = IntegerField(
        _l("Daily rate (per 10,000)"),
        validators=[InputRequired(message=_l("Enter a whole number.")), NumberRange(min=0, max=100)],
        description=_l("Of the overdue charges, per day: 5 means 万分之五, 0.05 % a day."),
    )
    grace_days = IntegerField(
        _l("Grace days"),
        validators=[InputRequired(message=_l("Enter a whole number.")), NumberRange(min=0, max=365)],
        description=_l("Days after the due date before a fee starts."),
    )
    cap_percent = IntegerField(
        _l("Cap (%)"),
        validators=[InputRequired(message=_l("Enter a whole number.")), NumberRange(min=0, max=100)],
        description=_l("The fee never exceeds this share of the overdue charges."),
    )


class OneOffChargeForm(FlaskForm):
    """Bill a one-off charge to one unit."""

    charge_type_id = SelectField(_l("Charge"), coerce=int, choices=[])
    unit_label = StringField(_l("Unit"), validators=[DataRequired(), Length(max=40)], description=_l("e.g. 1-1203"))
    due_date = DateField(_l("Due date"), validators=[InputRequired(message=_l("Enter a date.")), SensibleDate()])
    note = StringField(_l("Note on the bill"), validators=[Optional(), Length(max=120)])
