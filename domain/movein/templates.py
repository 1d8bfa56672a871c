"""The default move-in checklist (SOP 2.4.1-2.4.2): the papers the desk checks, the forms signed, the keys and cards
handed over and the fees collected. The manager edits the property's list (MoveInTemplateItem); each new case copies
it, so a later edit never changes a case already under way."""

from typing import NamedTuple

from sqlalchemy import func, or_, select

from domain.billing.models import ChargeBasis, ChargeType
from domain.movein.models import ItemKind, MoveInItem, MoveInTemplateItem
from extensions import db

#: 防火责任协议书: the short text the owner signs at the desk (its hash is kept with the signature).
FIRE_AGREEMENT_TEXT = (
    "防火责任协议书\n"
    "一、业主（使用人）是本单元的防火责任人，遵守消防法律法规和本物业的消防管理规定。\n"
    "二、不在单元内存放易燃易爆物品，不私拉乱接电线，不超负荷用电，离家时关闭燃气和电器。\n"
    "三、不占用、堵塞疏散通道和安全出口，不损坏、挪用消防设施和器材。\n"
    "四、装修须经物管中心批准，动火作业须办理动火手续并配备灭火器材。\n"
    "五、发现火情立即拨打119并通知物管中心，积极配合扑救。\n"
    "六、因违反本协议造成火灾或损失的，由责任人依法承担责任。\n"
    "本协议一式两份，业主与物管中心各执一份。"
)
#: 业主登记表: what the owner confirms by signing it.
REGISTRATION_FORM_TEXT = (
    "业主登记表\n本人确认所填写的本人及家庭成员信息真实、准确；信息仅用于物业管理服务，物管中心依法保密。"
)
#: 协议及物品交接单: what the owner confirms by signing it (the list of keys and cards follows, as ticked).
HANDOVER_LIST_TEXT = "协议及物品交接单\n本人已签订上列协议，并已收到上列钥匙及功能卡，数量无误。"
#: How many months of 物业管理费 are collected in advance at the desk.
FEE_MONTHS_IN_ADVANCE = 3
#: Codes and name fragments by which the fee schedule's 物业管理费 is recognised (a per-m² monthly charge).
MANAGEMENT_FEE_CODES = ("PM", "PROPERTY", "WYF")
MANAGEMENT_FEE_WORDS = ("物业", "property")


class DefaultItem(NamedTuple):
    """One line of the default checklist."""

    kind: ItemKind
    code: str
    name: str
    quantity: int = 0
    text: str = ""
    proxy_only: bool = False


#: The checklist a property starts with (SOP 2.4.1-2.4.2); codes are stable: the desk ticks and files by them, and
#: the document codes are the owner's file's type codes.
DEFAULT_CHECKLIST = (
    DefaultItem(ItemKind.DOCUMENT, "handover_notice", "入住通知书"),
    DefaultItem(ItemKind.DOCUMENT, "purchase_contract", "房屋买卖合同复印件（核对公章和签字一致）"),
    DefaultItem(ItemKind.DOCUMENT, "owner_id", "业主身份证（核实并留存复印件）"),
    DefaultItem(ItemKind.DOCUMENT, "proxy_id", "受托人身份证（核实并留存复印件）", proxy_only=True),
    DefaultItem(ItemKind.DOCUMENT, "power_of_attorney", "授权委托书原件", proxy_only=True),
    DefaultItem(ItemKind.FORM, "registration_form", "业主登记表", text=REGISTRATION_FORM_TEXT),
    DefaultItem(ItemKind.FORM, "fire_agreement", "防火责任协议书", text=FIRE_AGREEMENT_TEXT),
    DefaultItem(ItemKind.FORM, "handover_list", "协议及物品交接单", text=HANDOVER_LIST_TEXT),
    DefaultItem(ItemKind.KEY, "room_keys", "房间钥匙", quantity=3),
    DefaultItem(ItemKind.KEY, "owner_card", "业主卡", quantity=1),
    DefaultItem(ItemKind.KEY, "meter_card", "电表IC卡", quantity=1),
)
#: The fee line's code.
MANAGEMENT_FEE_CODE = "management_fee"


def management_charge(property_id):
    """The fee schedule's 物业管理费 (an active per-m² monthly charge recognised by its code or name), or None."""
    code = func.upper(ChargeType.code)
    return db.session.scalars(
        select(ChargeType)
        .where(
            ChargeType.property_id == property_id,
            ChargeType.is_active.is_(True),
            ChargeType.basis == ChargeBasis.PER_AREA,
            or_(code.in_(MANAGEMENT_FEE_CODES), *(ChargeType.name.contains(w) for w in MANAGEMENT_FEE_WORDS)),
        )
        .order_by(ChargeType.id)
        .limit(1)
    ).first()


def ensure_templates(property_id):
    """Install the default checklist for a property that has none yet; idempotent (a list the manager has edited,
    even emptied by deactivating every line, is left alone). Returns the property's template lines."""
    existing = db.session.scalars(
        select(MoveInTemplateItem)
        .where(MoveInTemplateItem.property_id == property_id)
        .order_by(MoveInTemplateItem.position, MoveInTemplateItem.id)
    ).all()
    if existing:
        return existing
    lines = [
        MoveInTemplateItem(
            property_id=property_id,
            kind=item.kind,
            code=item.code,
            name=item.name,
            quantity=item.quantity,
            text=item.text,
            proxy_only=item.proxy_only,
            position=(position + 1) * 10,
        )
        for position, item in enumerate(DEFAULT_CHECKLIST)
    ]
    charge = management_charge(property_id)
    if charge is not None:
        lines.append(
            MoveInTemplateItem(
                property_id=property_id,
                kind=ItemKind.FEE,
                code=MANAGEMENT_FEE_CODE,
                name=f"{charge.name}（预收{FEE_MONTHS_IN_ADVANCE}个月）",
                charge_type_id=charge.id,
                months=FEE_MONTHS_IN_ADVANCE,
                position=(len(lines) + 1) * 10,
            )
        )
    db.session.add_all(lines)
    db.session.flush()
    return lines


def copy_checklist(case):
    """Give a new case its checklist: a copy of the property's active template lines (installing the defaults
    first when the property has none). Returns the case's items."""
    templates = [t for t in ensure_templates(case.property_id) if t.is_active]
    items = [
        MoveInItem(
            case_id=case.id,
            kind=t.kind,
            code=t.code,
            name=t.name,
            quantity=t.quantity,
            charge_type_id=t.charge_type_id,
            months=t.months,
            proxy_only=t.proxy_only,
            position=t.position,
        )
        for t in templates
    ]
    db.session.add_all(items)
    db.session.flush()
    return items
