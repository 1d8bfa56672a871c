"""The notices of a violation's stages: made from the kind's template for the stage (text with placeholders the
manager edits), stored exactly as sent, and told to the unit's residents in the portal (and by e-mail where they
have an address). A violation without a unit tells nobody: it is never shown to residents.

The notices are in Chinese, as the office writes them on paper; the message that points the resident to them is in
the resident's own language."""

from string import Formatter

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from domain.clock import local_date, utcnow
from domain.errors import DomainError
from domain.notify.services import tell_household
from domain.property.models import Property
from domain.property.units import unit_label
from domain.violations.models import TIMED_STAGES, Authority, NoticeTemplate, Stage, ViolationNotice
from extensions import db

#: What a template may name, and what each stands for (the editor lists them).
PLACEHOLDERS = {
    "unit": _l("the unit (1-1203)"),
    "place": _l("where it was found: the public place, or the unit"),
    "kind": _l("the kind of violation"),
    "rule": _l("the rule broken"),
    "seen": _l("what was seen"),
    "found": _l("the day it was found"),
    "deadline": _l("the deadline to put it right"),
    "authority": _l("whom it is referred to"),
    "property": _l("the property's name"),
}

#: The authorities as the notices name them.
AUTHORITY_NAMES = {Authority.URBAN: "城市管理部门（城管）", Authority.FIRE: "消防部门", Authority.POLICE: "公安机关"}

#: A new kind's templates, one per stage that sends a notice: the office's usual wording.
DEFAULT_TEMPLATES = {
    Stage.REMINDED: (
        "违章提醒",
        "{unit}业主/住户：\n"
        "您好！我中心工作人员于{found}发现{place}存在“{kind}”的情况：{seen}。\n"
        "此行为违反了{rule}。我中心已当面提醒，请您于{deadline}前自行整改。\n"
        "感谢您的理解与配合！",
    ),
    Stage.NOTICED: (
        "违章通知书",
        "{unit}业主/住户：\n"
        "经我中心工作人员于{found}检查发现，{place}存在“{kind}”行为：{seen}。\n"
        "该行为违反了{rule}。请您于{deadline}前自行整改完毕。逾期未整改的，我中心将发出整改通知，"
        "并视情况报请有关部门依法处理。\n"
        "特此通知。",
    ),
    Stage.ORDERED: (
        "整改通知",
        "{unit}业主/住户：\n"
        "我中心已就{place}“{kind}”行为（{seen}）向您发出违章通知书，截至目前仍未整改。该行为违反了{rule}。\n"
        "请您务必于{deadline}前整改完毕。逾期仍未整改的，我中心将移交城管、消防或公安等有关部门依法处理，"
        "由此产生的一切后果由您自行承担。\n"
        "特此通知。",
    ),
    Stage.REFERRED: (
        "移交处理告知书",
        "{unit}业主/住户：\n"
        "{place}“{kind}”行为（{seen}）经我中心多次通知仍未整改，违反了{rule}。"
        "我中心已将此事移交{authority}依法处理，请您配合有关部门的调查处理。\n"
        "特此告知。",
    ),
}

_NOTICE_TOLD = _l("%(title)s about %(where)s: %(kind)s. Read it under Notices in the portal.")
_NOTICE_SUBJECT = _l("%(property)s: %(title)s")


def chinese_date(day):
    """A date as the notices write it: 2026年11月20日."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _fields(text):
    """The placeholders `text` names; DomainError on the body for a brace that is not one of them."""
    names = []
    try:
        parsed = list(Formatter().parse(text))
    except ValueError:
        raise DomainError(_l("Braces mark placeholders: write {unit}, not { or } alone."), field="body") from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            raise DomainError(_l("Unknown placeholder {%(name)s}.", name=name), field="body")
        names.append(name)
    return names


def check_template_text(text):
    """Raise DomainError unless every placeholder of `text` is one the notices fill."""
    _fields(text)


def fill(text, values):
    """`text` with its placeholders replaced by `values` (never read as a format string beyond plain names)."""
    _fields(text)
    return "".join(
        literal + (values.get(name, "") if name else "") for literal, name, _s, _c in Formatter().parse(text)
    )


def template_for(kind, stage):
    """(title, body) of the kind's template for `stage`, or the default wording when it has none."""
    for template in kind.templates:
        if template.stage == stage:
            return template.title, template.body
    return DEFAULT_TEMPLATES[stage]


def default_templates():
    """New NoticeTemplate rows of the default wording, one per stage that sends a notice."""
    return [NoticeTemplate(stage=stage, title=title, body=body) for stage, (title, body) in DEFAULT_TEMPLATES.items()]


def notice_values(violation, *, prop_name):
    """What the placeholders stand for on this violation now."""
    label = unit_label(violation.unit_id) if violation.unit_id else ""
    return {
        "unit": label or "相关",
        "place": violation.place or (f"{label}室内" if label else ""),
        "kind": violation.kind.name,
        "rule": violation.kind.rule,
        # The templates put their own full stop or bracket after what was seen: one typed with its own would double it.
        "seen": violation.seen.strip().rstrip("。.；;，,！!"),
        "found": chinese_date(local_date(violation.recorded_at)),
        "deadline": chinese_date(violation.deadline),
        "authority": AUTHORITY_NAMES.get(violation.authority, ""),
        "property": prop_name,
    }


def send_notice(actor, violation, stage, *, now=None, tell_residents=True):
    """Make the stage's notice from the kind's template, store it as sent, and tell the unit's residents (none when
    the violation has no unit, or when the caller tells them its own way: `tell_residents` false). Returns the
    ViolationNotice."""
    now = now or utcnow()
    prop = db.session.get(Property, violation.property_id)
    title, body = template_for(violation.kind, stage)
    notice = ViolationNotice(
        violation=violation,
        stage=stage,
        title=title,
        body=fill(body, notice_values(violation, prop_name=prop.name)),
        rule=violation.kind.rule,
        deadline=violation.deadline if stage in TIMED_STAGES else None,
        sent_at=now,
        sent_by_id=actor.user_id,
    )
    db.session.add(notice)
    db.session.flush()
    if violation.unit_id and tell_residents:
        where = violation.place or unit_label(violation.unit_id)
        values = {"title": title, "where": where, "kind": violation.kind.name, "property": prop.name}
        text = notice.body
        tell_household(
            violation.unit_id,
            LazyString(lambda: str(_NOTICE_TOLD) % values),
            LazyString(lambda: str(_NOTICE_SUBJECT) % values),
            mail_body=LazyString(lambda: f"{str(_NOTICE_TOLD) % values}\n\n{text}"),
            today=local_date(now),
            now=now,
        )
    return notice
