"""Settings the company defines once and each property keeps as its own copy: document types, violation kinds
(with their notice templates) and surveys. The administrator copies them from one property to others; each copy is
then the property's own, which its manager changes as the property needs (the override)."""

import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.accounts.roles import CompanyRole
from domain.archives.models import DocumentType
from domain.audit.services import record
from domain.company.access import visible_property_ids
from domain.current_property import working_for
from domain.errors import DomainError, NotAllowed
from domain.surveys.models import Audience, Survey, SurveyQuestion, SurveyStatus
from domain.violations.models import NoticeTemplate, ViolationKind
from extensions import db

#: Every statement here reads two properties on purpose: it runs outside any one property's request.
_ALL = {"all_properties": True}


class SettingSet(str, enum.Enum):
    """What can be copied."""

    DOCUMENT_TYPES = "document_types"
    VIOLATION_KINDS = "violation_kinds"
    SURVEYS = "surveys"


SET_LABELS = {
    SettingSet.DOCUMENT_TYPES: _l("Document types of the owners' files"),
    SettingSet.VIOLATION_KINDS: _l("Violation kinds and their notice texts"),
    SettingSet.SURVEYS: _l("Surveys (copied as drafts)"),
}


def copy_settings(actor, company_role, *, source_id, target_ids, sets):
    """Copy `sets` from property `source_id` to each of `target_ids`, skipping what a target already has (a document
    type of the same code, a violation kind or survey of the same name). The company's administrator only; each
    target's audit log says what came. Returns {target id: {set: rows copied}}. The caller commits."""
    if company_role is None or CompanyRole(company_role) != CompanyRole.ADMIN:
        raise NotAllowed()
    company = set(visible_property_ids(actor.user_id, company_role))
    if source_id not in company:
        raise DomainError(_l("Choose the property to copy from."), field="source_id")
    targets = sorted(set(target_ids) - {source_id})
    if not targets or not set(targets) <= company:
        raise DomainError(_l("Choose at least one other property to copy to."), field="target_ids")
    chosen = [SettingSet(value) for value in sets]
    if not chosen:
        raise DomainError(_l("Choose what to copy."), field="sets")
    copiers = {
        SettingSet.DOCUMENT_TYPES: _copy_document_types,
        SettingSet.VIOLATION_KINDS: _copy_violation_kinds,
        SettingSet.SURVEYS: _copy_surveys,
    }
    copied = {}
    for target_id in targets:
        copied[target_id] = {which: copiers[which](source_id, target_id, actor) for which in chosen}
        summary = f"from {source_id}: " + ", ".join(f"{which.value} {n}" for which, n in copied[target_id].items())
        with working_for(target_id):  # the entry belongs to the target: its log shows what came to it
            record(actor, "company.copy_settings", object_type="properties", object_id=target_id, summary=summary)
    return copied


def _rows(model, property_id, *conditions):
    return db.session.scalars(
        select(model).where(model.property_id == property_id, *conditions).order_by(model.id).execution_options(**_ALL)
    ).all()


def _copy_document_types(source_id, target_id, actor):
    have = {row.code for row in _rows(DocumentType, target_id)}
    count = 0
    for row in _rows(DocumentType, source_id, DocumentType.is_active.is_(True)):
        if row.code in have:
            continue
        db.session.add(
            DocumentType(
                property_id=target_id,
                code=row.code,
                name=row.name,
                required=row.required,
                department=row.department,
                resident_visible=row.resident_visible,
                position=row.position,
            )
        )
        count += 1
    return count


def _copy_violation_kinds(source_id, target_id, actor):
    """Hand-recorded kinds with their notice texts. A fine stays off on the copy: it is billed under a one-off charge
    of the target's own fee schedule, which its manager chooses."""
    have = {row.name for row in _rows(ViolationKind, target_id)}
    count = 0
    for row in _rows(
        ViolationKind, source_id, ViolationKind.is_active.is_(True), ViolationKind.renovation_kind.is_(None)
    ):
        if row.name in have:
            continue
        texts = db.session.scalars(
            select(NoticeTemplate).where(NoticeTemplate.kind_id == row.id).execution_options(**_ALL)
        ).all()
        db.session.add(
            ViolationKind(
                property_id=target_id,
                name=row.name,
                rule=row.rule,
                first_stage=row.first_stage,
                reminder_days=row.reminder_days,
                notice_days=row.notice_days,
                order_days=row.order_days,
                authority=row.authority,
                templates=[
                    NoticeTemplate(stage=text.stage, title=text.title, body=text.body, updated_by_id=actor.user_id)
                    for text in texts
                ],
            )
        )
        count += 1
    return count


def _copy_surveys(source_id, target_id, actor):
    """Each survey as a draft of the target, with its questions; one asked of chosen buildings is asked of every
    household until the target's manager chooses its own buildings."""
    have = {row.title_zh for row in _rows(Survey, target_id)}
    count = 0
    for row in _rows(Survey, source_id):
        if row.title_zh in have:
            continue
        questions = db.session.scalars(
            select(SurveyQuestion)
            .where(SurveyQuestion.survey_id == row.id)
            .order_by(SurveyQuestion.position)
            .execution_options(**_ALL)
        ).all()
        survey = Survey(
            property_id=target_id,
            title_zh=row.title_zh,
            title_en=row.title_en,
            intro_zh=row.intro_zh,
            intro_en=row.intro_en,
            is_anonymous=row.is_anonymous,
            shown_on_kiosk=row.shown_on_kiosk,
            audience=Audience.ALL if row.audience == Audience.BUILDINGS else row.audience,
            building_ids=[],
            opens_on=row.opens_on,
            closes_on=row.closes_on,
            status=SurveyStatus.DRAFT,
            created_by_id=actor.user_id,
        )
        db.session.add(survey)
        db.session.flush()
        for question in questions:
            db.session.add(
                SurveyQuestion(
                    property_id=target_id,
                    survey_id=survey.id,
                    position=question.position,
                    kind=question.kind,
                    text_zh=question.text_zh,
                    text_en=question.text_en,
                    options=list(question.options or []),
                    is_required=question.is_required,
                    department=question.department,
                )
            )
        count += 1
    return count
