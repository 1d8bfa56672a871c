"""The monthly report laid out once for its three forms (page, PDF, workbook): a list of sections, each a title, a
table of cells and optionally a chart. Cells are ints (counts), Money (fen), Percent or text; each form writes
them its own way (the workbook keeps numbers as numbers)."""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from domain.incidents.services import KIND_LABELS as INCIDENT_KIND_LABELS
from domain.money import fen_to_decimal
from domain.reports import charts
from domain.reports.models import CallReason
from domain.tickets.labels import CATEGORY_LABELS, DEPARTMENT_LABELS, KIND_LABELS, SEVERITY_LABELS
from domain.tickets.models import Severity

AGE_LABELS = {
    "d0_30": _l("0–30 days"),
    "d31_90": _l("31–90 days"),
    "d91_180": _l("91–180 days"),
    "d180_plus": _l("Over 180 days"),
}
CLOCK_LABELS = {
    "dispatch": _l("Forwarded on time"),
    "response": _l("Answered on time"),
    "resolve": _l("Finished on time"),
}


@dataclass(frozen=True)
class Money:
    """An amount in fen, shown as yuan."""

    fen: int

    @property
    def yuan(self):
        """The amount as a Decimal of yuan (for the workbook)."""
        return fen_to_decimal(self.fen)

    def __str__(self):
        return f"¥{self.yuan:,.2f}"


@dataclass(frozen=True)
class Percent:
    """A share in hundredths of a percent (None: nothing to divide by), marked against a target when given."""

    x100: int | None
    target: int | None = None

    @property
    def below_target(self):
        """Whether the share falls short of its target."""
        return self.target is not None and self.x100 is not None and self.x100 < self.target * 100

    def __str__(self):
        return "—" if self.x100 is None else f"{self.x100 // 100}.{self.x100 % 100:02d}%"


def _share(part, whole, target=None):
    """part / whole as a Percent."""
    return Percent(part * 10000 // whole if whole else None, target)


@dataclass
class Section:
    """One block of the report."""

    key: str
    title: object
    headers: list
    rows: list
    chart: object = None
    #: What the chart shows, for screen readers and the SVG's title.
    chart_label: object = ""
    note: object = ""
    extra: list = field(default_factory=list)


def _label(labels, key):
    """A label from one of the label tables, or the key itself."""
    return str(labels.get(key, key)) if key is not None else "—"


def _month(first):
    """A month as "YYYY-MM"."""
    return first.strftime("%Y-%m")


def collection_sections(report):
    """Collection rate: the trend, by building, by charge type and by assistant's area."""
    target = report.target
    col = report.collection
    heads = [_l("Billed"), _l("Collected"), lazy_pgettext("collection", "Rate")]
    trend_title = _l("Collection rate, last 12 months (target %(target)s%%)", target=target)
    trend = Section(
        "collection",
        _l("Collection rate"),
        [_l("Month"), *heads],
        [[_month(m), Money(b), Money(c), Percent(r, target)] for m, b, c, r in report.trend],
        charts.collection_chart(
            str(trend_title), [_month(m)[2:] for m, *_r in report.trend], [_pct(r) for *_m, r in report.trend], target
        ),
        trend_title,
        note=_l(
            "%(month)s: billed %(billed)s, collected %(collected)s, rate %(rate)s.",
            month=_month(report.month),
            billed=str(Money(col.billed_fen)),
            collected=str(Money(col.collected_fen)),
            rate=str(Percent(col.rate_x100)),
        ),
    )
    building_title = _l("Collection rate by building (target %(target)s%%)", target=target)
    buildings = Section(
        "buildings",
        _l("By building"),
        [_l("Building"), *heads],
        [[name, Money(b), Money(c), _share(c, b, target)] for name, b, c in col.buildings],
        charts.collection_chart(
            str(building_title),
            [name for name, *_r in col.buildings],
            [_pct(_share(c, b).x100) for _n, b, c in col.buildings],
            target,
        )
        if col.buildings
        else None,
        building_title,
    )
    types = Section(
        "charge_types",
        _l("By charge type"),
        [_l("Charge type"), *heads],
        [[name, Money(b), Money(c), Percent(r, target)] for name, b, c, r in report.charge_types],
        note=_l("A bill's payment is shared among its lines in proportion to their amounts."),
    )
    areas = Section(
        "areas",
        _l("By assistant's area"),
        [_l("Assistant"), *heads],
        [[name, Money(b), Money(c), Percent(r, target)] for name, b, c, r in report.areas],
    )
    return [trend, buildings, types, areas]


def _pct(x100):
    """Hundredths of a percent as a whole-ish percent for a chart (0 when None)."""
    return 0 if x100 is None else x100 / 100


def arrears_section(report):
    """Arrears by age on the month's last day (or today)."""
    arrears = report.arrears
    rows = [[str(AGE_LABELS[key]), Money(arrears[key])] for key in AGE_LABELS]
    rows.append([str(_l("Total")), Money(arrears["total_fen"])])
    return Section(
        "arrears",
        _l("Arrears by age"),
        [_l("Days past due"), _l("Owed")],
        rows,
        note=_l("%(units)s units in arrears on %(day)s.", units=arrears["units"], day=report.arrears_on.isoformat()),
    )


def tickets_sections(report):
    """Tickets by kind and department with each clock's on-time share; complaints by category and severity and the
    major ones."""
    rows = []
    by_kind = {}
    for kind, department, n, clocks in report.tickets:
        by_kind[kind.value] = by_kind.get(kind.value, 0) + n
        rows.append(
            [
                _label(KIND_LABELS, kind.value),
                _label(DEPARTMENT_LABELS, department.value if department else None),
                n,
                *(_share(on_time, met) for met, on_time in (clocks[key] for key in CLOCK_LABELS)),
            ]
        )
    kinds_title = _l("Tickets by kind")
    tickets = Section(
        "tickets",
        _l("Tickets by kind and department"),
        [_l("Kind"), _l("Department"), _l("Tickets"), *CLOCK_LABELS.values()],
        rows,
        charts.share_chart(str(kinds_title), [_label(KIND_LABELS, k) for k in by_kind], list(by_kind.values()))
        if by_kind
        else None,
        kinds_title,
        note=_l("On time: of the clocks met, the share met by the service level's deadline."),
    )
    categories = sorted({category for category, _s in report.complaints})
    severities = [Severity.MINOR, Severity.SERIOUS, Severity.MAJOR, None]
    complaint_rows = []
    totals = []
    for category in categories:
        counts = [report.complaints.get((category, severity), 0) for severity in severities]
        total = sum(counts)
        complaint_rows.append([_label(CATEGORY_LABELS, category), *counts, total])
        totals.append(total)
    complaints_title = _l("Complaints by category")
    complaints = Section(
        "complaints",
        _l("Complaints by category and severity"),
        [_l("Category"), *(SEVERITY_LABELS[s.value] if s else _l("Not graded") for s in severities), _l("Total")],
        complaint_rows,
        charts.bar_chart(str(complaints_title), [row[0] for row in complaint_rows], totals) if complaint_rows else None,
        complaints_title,
    )
    majors = Section(
        "majors",
        _l("Major complaints"),
        [_l("Ticket"), _l("Unit"), _l("Category"), _l("What happened")],
        [[f"#{m.id}", m.unit_label or "—", _label(CATEGORY_LABELS, m.category), m.description] for m in report.majors],
    )
    return [tickets, complaints, majors]


def callbacks_section(report):
    """Callback rate and satisfaction by kind, and by month."""
    rows = [
        [_label(KIND_LABELS, kind.value), f.needing, f.done, _share(f.done, f.needing), _share(f.satisfied, f.done)]
        for kind, f in sorted(report.callbacks.items(), key=lambda item: item[0].value)
    ]
    trend = [
        [_month(first), f.needing, f.done, _share(f.done, f.needing), _share(f.satisfied, f.done)]
        for first, f in report.callback_trend
    ]
    return Section(
        "callbacks",
        _l("Callbacks and satisfaction"),
        [_l("Kind or month"), _l("Needing a callback"), _l("Called back"), _l("Callback rate"), _l("Satisfied")],
        rows + trend,
    )


def volumes_sections(report):
    """The counter's volumes, renovations, incidents and patrols."""
    counter, renovations, patrols = report.counter, report.renovations, report.patrols
    volumes = Section(
        "volumes",
        _l("Counter, renovations and patrols"),
        [_l("What"), lazy_pgettext("report", "Count")],
        [
            [str(_l("Parcels logged")), counter["parcels_in"]],
            [str(_l("Parcels picked up")), counter["parcels_out"]],
            [str(_l("Items stored")), counter["stored"]],
            [str(_l("Items lent")), counter["lent"]],
            [str(_l("Items returned")), counter["returned"]],
            [str(_l("Renovation applications submitted")), renovations["submitted"]],
            [str(_l("Renovation applications decided")), renovations["decided"]],
            [str(_l("Renovation permits issued")), renovations["permitted"]],
            [str(_l("Renovations closed")), renovations["closed"]],
            [str(_l("Patrol rounds started")), patrols["rounds"]],
            [str(_l("Patrol rounds finished")), patrols["finished"]],
            [str(_l("Patrol findings")), patrols["findings"]],
        ],
    )
    incidents_title = _l("Incidents by kind")
    labels = [_label(INCIDENT_KIND_LABELS, kind) for kind in report.incidents]
    incidents = Section(
        "incidents",
        _l("Incidents"),
        [_l("Kind"), lazy_pgettext("report", "Count")],
        [[label, n] for label, n in zip(labels, report.incidents.values(), strict=True)],
        charts.share_chart(str(incidents_title), labels, list(report.incidents.values())) if report.incidents else None,
        incidents_title,
    )
    return [volumes, incidents]


def calls_section(report):
    """Collection calls by the resident's reason."""
    reasons = [reason for reason in CallReason if report.call_reasons.get(reason)]
    title = _l("Reasons for paying late")
    return Section(
        "calls",
        _l("Collection calls"),
        [_l("Reason"), _l("Calls")],
        [[str(reason.label), report.call_reasons[reason]] for reason in reasons],
        charts.bar_chart(str(title), [str(r.label) for r in reasons], [report.call_reasons[r] for r in reasons])
        if reasons
        else None,
        title,
    )


def sections(report):
    """The report's sections in reading order."""
    return [
        *collection_sections(report),
        arrears_section(report),
        *tickets_sections(report),
        callbacks_section(report),
        calls_section(report),
        *volumes_sections(report),
    ]
