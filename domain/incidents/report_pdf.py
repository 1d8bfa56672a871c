"""The 特殊事件报告 as an A4 PDF in Chinese, for the general manager: the incident's number, kind, time and place,
what happened and who was involved, the actions taken (its timeline), who was told and when, the outcome, the cause
analysis and the preventive measures, the reporter and who closed it, and its photos as small images.

Like the other records it uses reportlab's built-in CID font (domain/files/pdf.py), so no font file ships; the report
is always in Chinese, as the paper form is."""

import io

from flask_babel import force_locale
from reportlab.lib.units import mm
from reportlab.platypus import Image, Spacer, Table, TableStyle

from domain.accounts.models import User
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
from domain.files.photos import photos_of
from domain.files.store import stored_image
from domain.incidents import services
from domain.incidents.workflow import INCIDENT_STATUS_LABELS
from domain.property.units import unit_label
from extensions import db

TITLE = "特殊事件报告"
#: Cut absurdly long text: a table cell taller than a page cannot be split.
MAX_CELL_CHARS = 1500
#: The report's language (the paper form's).
LOCALE = "zh_Hans_CN"


def _p(text, style=FORM_BODY):
    """A paragraph of plain text (escaped, cut to a sane length)."""
    return paragraph(str(text or "")[:MAX_CELL_CHARS], style)


def _facts(incident, prop, *, closed_by):
    """The head of the report: a two-column table of the facts."""
    with force_locale(LOCALE):
        kind = str(services.kind_label(incident.kind))
        status = str(INCIDENT_STATUS_LABELS[incident.status])
    place = incident.place + (f"（{unit_label(incident.unit_id)}）" if incident.unit_id else "")
    reporter = incident.reported_by.display_name if incident.reported_by else ""
    rows = [
        ("物业项目", prop.name),
        ("事件编号", f"#{incident.id}"),
        ("事件类型", kind),
        ("发生时间", local_text(incident.occurred_at)),
        ("发生地点", place),
        ("事件经过", incident.description),
        ("涉及人员", incident.people or "无"),
        ("报告人", f"{reporter}　{local_text(incident.reported_at)}"),
        ("状态", status),
    ]
    if incident.closed_at:
        rows.append(("结案", f"{closed_by}　{local_text(incident.closed_at)}"))
    table = Table([[_p(a), _p(b)] for a, b in rows], colWidths=[28 * mm, 152 * mm])
    table.setStyle(FORM_GRID)
    return table


def _timeline(incident):
    """The actions taken and who was told, in order: time, what, by whom, details."""
    with force_locale(LOCALE):
        labels = {key: str(label) for key, label in services.EVENT_LABELS.items()}
    rows = [[_p("时间"), _p("事项"), _p("记录人"), _p("内容")]]
    for event in incident.events:
        body = event.body
        if event.action == "notified" and event.data and event.data.get("automatic"):
            body = f"系统即时通知：{body or '（无在岗人员）'}"
        photo_ids = (event.data or {}).get("photo_ids") or []
        if photo_ids:
            body = f"{body}（照片{len(photo_ids)}张）".strip()
        rows.append(
            [_p(local_text(event.at)), _p(labels.get(event.action, event.action)), _p(event.actor_name), _p(body)]
        )
    table = Table(rows, colWidths=[30 * mm, 32 * mm, 24 * mm, 94 * mm], repeatRows=1)
    table.setStyle(FORM_TABLE)
    return table


def _photos(incident):
    """The photos as small images, three to a row (a missing file is left out)."""
    images = []
    for photo in photos_of(services.PHOTO_SUBJECT, [incident.id]).get(incident.id, []):
        source = stored_image(photo.stored_name, preview=True)
        if source is None:
            continue
        try:
            images.append(Image(source, width=56 * mm, height=42 * mm, kind="proportional"))
        except OSError:
            continue
    if not images:
        return []
    rows = [images[i : i + 3] for i in range(0, len(images), 3)]
    rows[-1] += [""] * (3 - len(rows[-1]))
    table = Table(rows, colWidths=[60 * mm] * 3)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [_p("现场照片", FORM_SUBHEADING), table]


def incident_report_pdf(incident, prop, *, printed_at):
    """The PDF bytes of the 特殊事件报告 of `incident` of the property `prop`, printed at `printed_at`."""
    out = io.BytesIO()
    doc = form_document(out, title=f"{TITLE} #{incident.id}")
    closed_by = db.session.get(User, incident.closed_by_id).display_name if incident.closed_by_id else ""
    story = [
        _p(TITLE, FORM_HEADING),
        _p(f"{prop.name}　编号 #{incident.id}　打印时间 {local_text(printed_at)}", FORM_SMALL),
        Spacer(1, 4 * mm),
        _facts(incident, prop, closed_by=closed_by),
        _p("处置经过及通知情况", FORM_SUBHEADING),
        _timeline(incident),
        _p("处理结果", FORM_SUBHEADING),
        _p(incident.outcome or "（未填写）"),
        _p("原因分析", FORM_SUBHEADING),
        _p(incident.cause or "（未填写）"),
        _p("预防措施", FORM_SUBHEADING),
        _p(incident.measures or "（未填写）"),
        *_photos(incident),
        Spacer(1, 8 * mm),
        _p("客服部经理：____________　　总经理：____________　　日期：____________"),
    ]
    doc.build(story)
    return out.getvalue()
