"""A staff member's monthly overtime sheet (月度加班统计表) as an A4 PDF in Chinese, for payroll: each confirmed
overtime with its day, the kind of day, the from–to worked, the hours and the rate, then the hours by rate, the total,
a line when the month passes the legal 36 hours, and lines for the staff member's and the manager's signatures.
Approved work not yet confirmed is not on it: payroll pays only what was confirmed."""

import io

from flask_babel import force_locale
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table

from domain.accounts.services import role_of
from domain.clock import local_text
from domain.files.pdf import (
    FORM_BODY,
    FORM_GRID,
    FORM_HEADING,
    FORM_SMALL,
    FORM_SUBHEADING,
    FORM_TABLE,
    form_document,
    paragraph,
)
from domain.overtime.calendar import DAY_NAMES_ZH, MULTIPLIER
from domain.overtime.models import DayKind
from domain.overtime.totals import CAP_MINUTES, PersonMonth, hours_text
from domain.property.models import Property
from extensions import db

WEEKDAYS_ZH = "一二三四五六日"
#: A reason on the sheet is cut to this many characters (the application keeps it whole).
REASON_CHARS = 60


def _p(text, style=FORM_BODY):
    """A cell's paragraph."""
    return paragraph(text, style)


def _span(start_at, end_at):
    """ "18:00–21:30" (an end at the next midnight as 24:00)."""
    end = local_text(end_at, "%H:%M")
    return f"{local_text(start_at, '%H:%M')}–{'24:00' if end == '00:00' else end}"


def _lines_table(lines):
    """The confirmed overtime, one row each."""
    rows = [[_p(h) for h in ("日期", "星期", "类别", "加班时间", "小时", "倍率", "事由")]]
    for line in lines:
        a = line.application
        rows.append(
            [
                _p(a.work_date.isoformat()),
                _p(f"周{WEEKDAYS_ZH[a.work_date.weekday()]}"),
                _p(DAY_NAMES_ZH[line.kind]),
                _p(_span(a.worked_start_at, a.worked_end_at)),
                _p(hours_text(a.worked_minutes)),
                _p(f"{line.multiplier}%"),
                paragraph(a.reason, FORM_BODY, limit=REASON_CHARS),
            ]
        )
    if not lines:
        rows.append([_p("本月无已确认的加班。"), "", "", "", "", "", ""])
    table = Table(rows, colWidths=[22 * mm, 12 * mm, 22 * mm, 26 * mm, 14 * mm, 14 * mm, 70 * mm], repeatRows=1)
    table.setStyle(FORM_TABLE)
    if not lines:
        table.setStyle([("SPAN", (0, 1), (-1, 1))])
    return table


def _totals_table(month):
    """Hours by rate and the total."""
    rows = [[_p("类别"), _p("倍率"), _p("小时")]]
    for kind in (DayKind.WORKING, DayKind.REST, DayKind.HOLIDAY):
        rows.append([_p(DAY_NAMES_ZH[kind]), _p(f"{MULTIPLIER[kind]}%"), _p(hours_text(month.by_kind[kind]))])
    rows.append([_p("合计"), _p(""), _p(hours_text(month.confirmed))])
    table = Table(rows, colWidths=[40 * mm, 30 * mm, 30 * mm])
    table.setStyle(FORM_TABLE)
    return table


def overtime_sheet_pdf(property_id, user, first, month, *, printed_at):
    """The PDF bytes of `user`'s sheet for the month starting `first`; `month` is their PersonMonth (None: nothing
    confirmed or approved that month)."""
    prop = db.session.get(Property, property_id)
    month = month or PersonMonth(user, dict.fromkeys(DayKind, 0), 0, 0, [])
    with force_locale("zh_Hans_CN"):
        held = role_of(user.id, property_id)
        role = str(held.label) if held else ""
    out = io.BytesIO()
    title = f"{first.year}年{first.month}月加班统计表"
    doc = form_document(out, title=f"{title} {user.display_name}")
    head = Table(
        [[_p(f"姓名：{user.display_name}"), _p(f"岗位：{role}"), _p(f"月份：{first.year}年{first.month}月")]],
        colWidths=[60 * mm, 60 * mm, 60 * mm],
    )
    head.setStyle(FORM_GRID)
    story = [
        paragraph(prop.name, FORM_SMALL),
        paragraph(title, FORM_HEADING),
        Spacer(1, 4 * mm),
        head,
        paragraph("已确认的加班", FORM_SUBHEADING),
        _lines_table(month.lines),
        paragraph("按倍率合计", FORM_SUBHEADING),
        _totals_table(month),
        Spacer(1, 3 * mm),
    ]
    if month.confirmed > CAP_MINUTES:
        story.append(
            paragraph(
                f"注意：本月已确认加班 {hours_text(month.confirmed)} 小时，超过法定每月 {CAP_MINUTES // 60} 小时的上限"
                "（《劳动法》第四十一条）。",
                FORM_BODY,
            )
        )
    story += [
        paragraph(
            "工作日加班按150%、休息日按200%、法定节假日按300%支付加班工资（《劳动法》第四十四条）；"
            "休息日加班已安排补休的，不再支付加班工资。",
            FORM_SMALL,
        ),
        Spacer(1, 14 * mm),
        paragraph("本人签字：______________　　部门主管签字：______________　　日期：______________", FORM_BODY),
        Spacer(1, 4 * mm),
        paragraph(f"打印时间 {local_text(printed_at)}", FORM_SMALL),
    ]
    doc.build(story)
    return out.getvalue()
