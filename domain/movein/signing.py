"""Signing on screen at the desk (SOP 2.4.2): the owner (or their proxy) signs the 防火责任协议书 and the
协议及物品交接单 on a signature pad. What is signed is the agreement's text (the manager's template at that
moment) or the hand-over list's state (each key and card with its count, each paper seen); its hash is kept with
the signature, and a PDF of the signed paper with the signature image goes into the owner's file."""

import io

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Image, SimpleDocTemplate, Spacer
from sqlalchemy import select

from domain.accounts.roles import Permission, require
from domain.audit.services import record
from domain.clock import local_text
from domain.errors import DomainError, InvalidTransition
from domain.files.pdf import cjk_style, paragraph
from domain.files.store import stored_image
from domain.movein.cases import record_event
from domain.movein.checklist import handover_state_text, has_proxy, line_of, required_items
from domain.movein.models import CaseStatus, ItemKind, MoveInTemplateItem
from domain.signatures.services import record_signature, signatures_of
from extensions import db

#: The papers signed at the desk; each is also the owner's file's document type of its PDF.
AGREEMENTS = ("fire_agreement", "handover_list")
#: Their names when the checklist has no line for them.
AGREEMENT_NAMES = {"fire_agreement": "防火责任协议书", "handover_list": "协议及物品交接单"}
#: A Signature's subject_type for a move-in case.
SUBJECT = "move_in"

_signals = Namespace()
#: Sent when the owner has signed a paper at the desk, in the same transaction, with the case as sender and the
#: `signature`. The owner's file files the signed paper (domain.archives.move_in_papers): the move-in package does
#: not import the archives, which read move-in cases.
paper_signed = _signals.signal("move-in-paper-signed")

_TITLE = cjk_style("title", 18, leading=24, align=1, spaceAfter=6 * mm)
_BODY = cjk_style("body", 11, leading=17)
_SMALL = cjk_style("small", 9, leading=13)


def paper_pdf(title, heading_lines, body, signers=()):
    """An A4 PDF of a paper in Chinese: the title, a few heading lines (unit, owner), the body text (one paragraph per
    line) and each signer as (label, name, when, signature image as domain.files.store.stored_image gives it, or
    None). Returns the bytes."""
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm, bottomMargin=18 * mm
    )
    document.title = title
    story = [paragraph(title, _TITLE)]
    story += [paragraph(line, _SMALL) for line in heading_lines]
    story.append(Spacer(1, 5 * mm))
    # A blank line is space, not an empty paragraph (the CID font has no glyph for a no-break space).
    story += [paragraph(line, _BODY) if line.strip() else Spacer(1, 4 * mm) for line in body.splitlines()]
    for label, name, when, image in signers:
        story.append(Spacer(1, 8 * mm))
        story.append(paragraph(f"{label}: {name}    {when}", _BODY))
        if image:
            story.append(Image(image, width=60 * mm, height=22 * mm, kind="proportional"))
    document.build(story)
    return out.getvalue()


def agreement_name(case, purpose):
    """The paper's name as the case's checklist calls it."""
    line = line_of(case, purpose)
    return line.name if line is not None else AGREEMENT_NAMES[purpose]


def _template_text(case, purpose):
    """The agreement's text in the manager's template now (the fire agreement's clauses), or ""."""
    return (
        db.session.scalar(
            select(MoveInTemplateItem.text)
            .where(MoveInTemplateItem.property_id == case.property_id, MoveInTemplateItem.code == purpose)
            .order_by(MoveInTemplateItem.is_active.desc(), MoveInTemplateItem.id)
            .limit(1)
        )
        or ""
    )


def signed_text(case, purpose):
    """Exactly what the owner signs for `purpose`: the case's unit and owner, then the agreement's text (and, for the
    hand-over list, its state: each key and card with the count handed over, each paper seen)."""
    head = [agreement_name(case, purpose), f"房屋: {case.unit.label}", f"业主: {case.owner.name}"]
    if has_proxy(case):
        head.append(f"受托人: {case.proxy_name} {case.proxy_id_masked}")
    text = _template_text(case, purpose).strip()
    first, _newline, rest = text.partition("\n")
    if first.strip() == head[0]:
        text = rest.strip()  # the template's text opens with the paper's name, already the first line here
    if purpose == "handover_list":
        return "\n".join([*head, handover_state_text(case), text])
    return "\n".join([*head, text])


def case_signatures(case):
    """Every signature given on the case, oldest first (read once for a page that asks about several papers)."""
    return signatures_of(SUBJECT, case.id)


def signature_for(case, purpose, signatures=None):
    """The latest signature under `purpose` on the case, or None (`signatures`: the case's, when already read)."""
    if signatures is None:
        signatures = case_signatures(case)
    found = [s for s in signatures if s.purpose == purpose]
    return found[-1] if found else None


def _is_current(signature, purpose, text):
    """Whether a signature still stands for a paper whose text to sign is now `text`."""
    return signature is not None and (purpose != "handover_list" or signature.signed_text == text)


def signature_current(case, purpose, signatures=None):
    """Whether the paper is signed and still says what is true: for the hand-over list, the keys and papers have not
    changed since it was signed (the agreement's text may have changed in the template: what was signed stands)."""
    signature = signature_for(case, purpose, signatures)
    return _is_current(signature, purpose, signed_text(case, purpose) if signature is not None else "")


def signing_view(case, signatures=None):
    """[(purpose, name, text to sign now, latest signature or None, current?)] for the signing panel."""
    if signatures is None:
        signatures = case_signatures(case)
    view = []
    for purpose in AGREEMENTS:
        latest = signature_for(case, purpose, signatures)
        text = signed_text(case, purpose)
        view.append((purpose, agreement_name(case, purpose), text, latest, _is_current(latest, purpose, text)))
    return view


def sign_paper(actor, case, purpose, *, signer_role, signer_name, data_url):
    """The owner (signer_role "owner") or their proxy ("proxy") signs `purpose` on screen at the desk: the signature
    is stored with the text signed and the checklist line ticked; `paper_signed` has the signed paper filed.
    The hand-over list is signed once every key and card is handed over."""
    require(actor, Permission.HANDLE_MOVE_IN)
    if purpose not in AGREEMENTS:
        raise DomainError(_l("There is no such paper to sign."))
    if case.status != CaseStatus.AT_DESK:
        raise InvalidTransition(_l("Receive the owner at the desk first: the papers are signed on the day."))
    if signer_role not in ("owner", "proxy"):
        raise DomainError(_l("Choose who signs."), field="signer_role")
    if signer_role == "proxy" and not has_proxy(case):
        raise DomainError(_l("Record the proxy first."), field="signer_role")
    if purpose == "handover_list":
        waiting = [i.name for i in required_items(case) if i.kind == ItemKind.KEY and i.done_at is None]
        if waiting:
            raise InvalidTransition(
                _l("Hand over the keys and cards first: %(items)s.", items="、".join(waiting)),
            )
    text = signed_text(case, purpose)
    signature = record_signature(
        actor,
        property_id=case.property_id,
        subject_type=SUBJECT,
        subject_id=case.id,
        purpose=purpose,
        signer_role=signer_role,
        signer_name=signer_name,
        data_url=data_url,
        signed_text=text,
    )
    name = agreement_name(case, purpose)
    line = line_of(case, purpose)
    if line is not None:
        line.done_at, line.done_by_id = signature.signed_at, actor.user_id
    record_event(actor, case, "sign", body=f"{name}: {signature.signer_name}", data={"signature": signature.id})
    record(actor, "move_in.sign", case, summary=f"{case.unit.label} {name} {signature.signer_name}")
    paper_signed.send(case, actor=actor, signature=signature)
    return signature


def signed_paper_pdf(case, signature):
    """The signed paper as a PDF: its name, the unit, the text exactly as signed and the signature image."""
    when = local_text(signature.signed_at)
    label = "受托人" if signature.signer_role == "proxy" else "业主"
    return paper_pdf(
        agreement_name(case, signature.purpose),
        [f"房屋 {case.unit.label}", f"签署时间 {when}", f"签署内容 SHA-256 {signature.content_hash}"],
        signature.signed_text,
        [(label, signature.signer_name, when, stored_image(signature.stored_name))],
    )
