"""A violation's notice (违章提醒, 违章通知书, 整改通知, 移交处理告知书) as an A4 PDF in Chinese, to hand over or
post on the door: the notice's number, to whom, its text as it was sent, the rule broken and the deadline, the
office's seal line and a receipt line for the resident's signature.

Everything on it comes from the notice as stored (its title, text, rule and deadline) and from the violation's facts
that never change (where, when found), so a later edit of the template or the kind never changes a reprint."""

import io

from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from domain.clock import local_date, local_text
from domain.files.pdf import FORM_BODY, FORM_GRID, FORM_HEADING, FORM_SMALL, cjk_style, form_document, paragraph
from domain.property.models import Property
from domain.property.units import unit_label
from domain.violations.notices import chinese_date
from extensions import db

#: The notice's text, larger than a form's: it is read on a door.
NOTICE_BODY = cjk_style("violation_notice_body", 12, leading=20, firstLineIndent=0)
SEAL = cjk_style("violation_notice_seal", 12, leading=20, align=2)


def notice_number(notice):
    """The notice's number as printed: 违字第{violation}-{notice}号."""
    return f"违字第{notice.violation_id}-{notice.id}号"


def _facts(notice, violation):
    """The facts under the text: where and when it was found, the rule broken, the deadline."""
    label = unit_label(violation.unit_id) if violation.unit_id else ""
    if violation.place:
        place = f"{violation.place}（邻近{label}）" if label else violation.place
    else:
        place = f"{label}室内"
    rows = [
        ("发现地点", place),
        ("发现时间", local_text(violation.recorded_at)),
        ("违反规定", notice.rule),
        ("整改期限", f"{chinese_date(notice.deadline)}前" if notice.deadline else "—"),
    ]
    table = Table([[paragraph(a, FORM_BODY), paragraph(b, FORM_BODY)] for a, b in rows], colWidths=[28 * mm, 152 * mm])
    table.setStyle(FORM_GRID)
    return table


def violation_notice_pdf(notice, violation, *, printed_at):
    """The PDF bytes of one notice of `violation`, under its own property's name, printed at `printed_at`."""
    prop = db.session.get(Property, violation.property_id)
    out = io.BytesIO()
    doc = form_document(out, title=f"{notice.title} {notice_number(notice)}")
    seal = Table(
        [
            [paragraph(f"{prop.name}物业服务中心（盖章）", SEAL)],
            [paragraph(chinese_date(local_date(notice.sent_at)), SEAL)],
        ],
        colWidths=[180 * mm],
    )
    seal.setStyle(TableStyle([("TOPPADDING", (0, 0), (-1, -1), 2)]))
    story = [
        paragraph(prop.name, FORM_SMALL),
        paragraph(notice.title, FORM_HEADING),
        paragraph(notice_number(notice), cjk_style("violation_notice_number", 9.5, align=1)),
        Spacer(1, 6 * mm),
        paragraph(notice.body, NOTICE_BODY),
        Spacer(1, 6 * mm),
        _facts(notice, violation),
        Spacer(1, 14 * mm),
        seal,
        Spacer(1, 14 * mm),
        paragraph("签收人：______________　　签收日期：______________", FORM_BODY),
        Spacer(1, 4 * mm),
        paragraph(
            f"如有疑问请联系物业服务中心：{prop.service_phone or ''}　打印时间 {local_text(printed_at)}", FORM_SMALL
        ),
    ]
    doc.build(story)
    return out.getvalue()
