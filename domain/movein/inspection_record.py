"""The signed 验房记录表 as an A4 PDF in Chinese: the items by room and system, the meters at hand-over, the owner's
requests, both signatures as images and the hash of the text they signed.

Like the receipts and the permit, it uses reportlab's built-in CID font, so no font file ships with the app; the
record is always in Chinese, as the paper form is. It lives in the domain because signing files it at once.
"""

import io

from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from domain.clock import local_text
from domain.files.pdf import (
    FORM_BODY,
    FORM_HEADING,
    FORM_SMALL,
    FORM_SUBHEADING,
    FORM_TABLE,
    form_document,
    paragraph,
    signature_flowables,
)
from domain.property.units import unit_label
from domain.signatures.services import text_hash

TITLE = "验房记录表"
#: Cut absurdly long text: a table cell taller than a page cannot be split.
MAX_CELL_CHARS = 300

_RESULT = {"ok": "合格", "defect": "不合格", "na": "不适用"}


def _p(text, style=FORM_BODY):
    """A paragraph of plain text (escaped, cut to a sane length)."""
    return paragraph(str(text or "")[:MAX_CELL_CHARS], style)


def _items_table(inspection):
    """The checklist as a table: room or system, item, result, note and repair ticket."""
    rows = [[_p("区域/系统"), _p("项目"), _p("结果"), _p("问题说明")]]
    for item in inspection.items:
        result = _RESULT.get(item.result.value if item.result else "", "未检查")
        note = item.note
        if item.photos:
            note = f"{note}（照片{len(item.photos)}张）".strip()
        if item.ticket_id:
            note = f"{note} 维修单#{item.ticket_id}".strip()
        rows.append([_p(item.area), _p(item.name), _p(result), _p(note)])
    table = Table(rows, colWidths=[28 * mm, 42 * mm, 18 * mm, 92 * mm], repeatRows=1)
    table.setStyle(FORM_TABLE)
    return table


def _signature_cell(signature):
    """A signature's image (scaled to a box) with who signed and when."""
    label = {"owner": "业主签字", "staff": "工程/物业人员签字"}.get(signature.signer_role, signature.signer_role)
    return signature_flowables(label, signature)


def inspection_record_pdf(inspection, *, text, signatures):
    """The PDF bytes of a signed inspection: `text` is what was signed (its SHA-256 is printed), `signatures` the
    owner's and staff's Signature rows."""
    out = io.BytesIO()
    doc = form_document(out, title=f"{TITLE} {unit_label(inspection.unit_id)}")
    case = inspection.case
    round_text = "第一次验房" if inspection.round == 1 else f"第{inspection.round}次验房（复验）"
    story = [
        _p(TITLE, FORM_HEADING),
        _p(f"{unit_label(inspection.unit_id)}　{round_text}　记录编号 {inspection.id}", FORM_SMALL),
        Spacer(1, 4 * mm),
        _p(f"业主：{case.owner.name}　　验房时间：{local_text(inspection.started_at or inspection.scheduled_at)}"),
        _p(f"签字时间：{local_text(inspection.signed_at)}"),
        _p("设施设备检查", FORM_SUBHEADING),
        _items_table(inspection),
    ]
    if inspection.round == 1:
        story += [
            _p("水、电表底数", FORM_SUBHEADING),
            _p(f"水表：{_meter(inspection.water_reading_x100)}　　电表：{_meter(inspection.electricity_reading_x100)}"),
        ]
    story += [
        _p("业主现场提出的整改问题及要求", FORM_SUBHEADING),
        _p(inspection.owner_requests or "无"),
        _p("签字确认", FORM_SUBHEADING),
    ]
    cells = [_signature_cell(signature) for signature in signatures]
    if cells:
        table = Table([cells], colWidths=[90 * mm] * len(cells))
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(table)
    story += [
        Spacer(1, 6 * mm),
        _p(f"签字内容 SHA-256：{text_hash(text)}", FORM_SMALL),
        _p("本记录由系统根据签字时的验房内容生成；内容如有改动，上述校验值将不再相符。", FORM_SMALL),
    ]
    doc.build(story)
    return out.getvalue()


def _meter(value):
    """A meter value in hundredths as text, or "未抄录"."""
    if value is None:
        return "未抄录"
    return f"{value // 100}.{value % 100:02d}"
