"""手续完成 (SOP 2.4.2, 2.4.4): once every required line is done, the fees paid and both agreements signed, the owner
and household become residents of the unit, the 业主登记表 is filed as a PDF (masked ID numbers only) and the case is
complete."""

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.audit.services import record
from domain.clock import local_text, today, utcnow
from domain.errors import DomainError
from domain.movein.cases import record_event
from domain.movein.checklist import missing_items
from domain.movein.fees import fees_settled
from domain.movein.models import ItemKind, PersonRole
from domain.movein.signing import AGREEMENTS, agreement_name, case_signatures, paper_pdf, signature_current
from domain.movein.workflow import check_case
from domain.property.models import Occupancy, Relation, Resident
from domain.property.occupancies import add_occupancy
from domain.property.residents import create_resident
from extensions import db

_signals = Namespace()
#: Sent when a case is complete, in the same transaction, with the case as sender: the owner's file files the
#: registration form (domain.archives.move_in_papers).
move_in_completed = _signals.signal("move-in-completed")


def what_is_missing(case, signatures=None):
    """What still stands between the case and 手续完成, as short texts for the desk (empty when nothing does);
    `signatures`: the case's, when the page has read them already."""
    if signatures is None:
        signatures = case_signatures(case)
    missing = []
    for item in missing_items(case):
        if item.kind == ItemKind.FEE or item.code in AGREEMENTS:
            continue  # said below, once, in the words of the bill and the signature
        missing.append(item.name)
    if not fees_settled(case):
        missing.append(str(_l("the fees (the case's bill is not paid)")))
    for purpose in AGREEMENTS:
        if not signature_current(case, purpose, signatures):
            missing.append(str(_l("%(paper)s signed by the owner", paper=agreement_name(case, purpose))))
    owner = next((p for p in case.people if p.role == PersonRole.OWNER), None)
    if owner is None or not owner.name or not owner.phone:
        missing.append(str(_l("the owner's name and phone on the registration form")))
    return missing


def _lives_there(unit_id, resident_id, day):
    """Whether the resident already lives in the unit on `day` (a household member registered before, say)."""
    return (
        db.session.scalar(
            select(Occupancy.id).where(
                Occupancy.unit_id == unit_id, Occupancy.resident_id == resident_id, Occupancy.is_current(day)
            )
        )
        is not None
    )


def registration_pdf(case):
    """The 业主登记表 as filled in, with masked ID numbers only."""
    body = []
    for person in case.people:
        role = "业主" if person.role == PersonRole.OWNER else f"家庭成员({person.kinship or '—'})"
        fields = [
            ("性别", {"male": "男", "female": "女"}.get(person.gender, "")),
            ("出生日期", person.birth_date.isoformat() if person.birth_date else ""),
            ("民族", person.ethnicity),
            ("籍贯", person.native_place),
            ("政治面貌", person.political_status),
            ("学历", person.education),
            ("身份证号", person.id_number_masked),
            ("工作单位", person.employer),
            ("联系电话", person.phone),
        ]
        body.append(f"{role}: {person.name}")
        body.append("    ".join(f"{label}: {value}" for label, value in fields if value))
        body.append("")
    heading = [f"房屋 {case.unit.label}", f"办理日期 {local_text(utcnow(), '%Y-%m-%d')}"]
    if case.proxy_name:
        heading.append(f"受托人 {case.proxy_name} {case.proxy_id_masked}")
    return paper_pdf("业主登记表", heading, "\n".join(body))


def complete(actor, case):
    """Complete the case (手续完成): refused with what is missing, else the owner (OWNER) and the household (FAMILY)
    live in the unit from today, household members get their own register entries, the case moves to COMPLETED and
    `move_in_completed` has the registration form filed. Returns the case."""
    to = check_case(actor, "complete", case)
    missing = what_is_missing(case)
    if missing:
        raise DomainError(
            _l("The move-in cannot be completed yet. Still missing: %(items)s.", items="、".join(missing))
        )
    day = today()
    if not _lives_there(case.unit_id, case.owner_id, day):
        add_occupancy(actor, unit=case.unit, resident=case.owner, relation=Relation.OWNER, start_date=day)
    for person in case.people:
        if person.role == PersonRole.OWNER:
            person.resident_id = person.resident_id or case.owner_id
            continue
        resident = db.session.get(Resident, person.resident_id) if person.resident_id else None
        if resident is None:
            resident = create_resident(
                actor, name=person.name, phone=person.phone, id_number_masked=person.id_number_masked
            )
            person.resident_id = resident.id
        if not _lives_there(case.unit_id, resident.id, day):
            add_occupancy(actor, unit=case.unit, resident=resident, relation=Relation.FAMILY, start_date=day)
    case.status, case.completed_at, case.completed_by_id = to, utcnow(), actor.user_id
    record_event(actor, case, "complete")
    record(actor, "move_in.complete", case, summary=f"{case.unit.label} {case.owner.name}")
    move_in_completed.send(case, actor=actor)
    return case
