"""The demo violations of 亿丰时代广场: five kinds the manager keeps (goods in corridors, parking in the fire lane,
illegal structures, pets, objects thrown from height), the fee schedule's one-off charge fines are billed under, and
violations in every stage: a verbal reminder due today, a written notice past its deadline, a rectification order,
one referred to the fire brigade, one rectified and fined, one withdrawn, and one in a public place with no unit.
resident1's unit (1-1201) has a written notice with their answer, so the portal's notices page has something to
show."""

from datetime import date, timedelta

from sqlalchemy import select

from domain.accounts.models import Actor, User
from domain.billing.models import ChargeBasis, ChargeRate, ChargeType
from domain.clock import utcnow
from domain.property.models import Resident
from domain.violations import kinds, replies, services
from extensions import db

#: (name, rule, first stage, days after reminder / notice / order, referred to, highest fine in fen or None).
KINDS = [
    ("楼道堆放杂物", "《管理规约》第十二条：不得占用楼道、楼梯间等公共通道堆放物品", "reminded", 1, 3, 7, "fire", None),
    (
        "占用消防通道停车",
        "《中华人民共和国消防法》第二十八条：不得占用、堵塞、封闭消防车通道",
        "reminded",
        0,
        1,
        3,
        "fire",
        None,
    ),
    ("违章搭建", "《管理规约》第九条：不得擅自改变房屋外观、搭建建筑物或构筑物", "noticed", 3, 7, 15, "urban", None),
    (
        "饲养宠物扰民",
        "《管理规约》第十五条：饲养宠物不得影响他人正常生活，出户须牵绳",
        "reminded",
        1,
        3,
        7,
        "police",
        None,
    ),
    (
        "高空抛物",
        "《中华人民共和国民法典》第一千二百五十四条：禁止从建筑物中抛掷物品",
        "noticed",
        1,
        1,
        3,
        "police",
        50000,
    ),
]

#: The fee schedule's one-off charge for fines (code, name, default amount in fen).
FINE_CHARGE = ("FINE", "违章罚款", 20000)


def _actor(username):
    """The demo staff member as an actor (the system when the account is missing)."""
    user = db.session.scalar(select(User).where(User.username == username))
    return Actor.for_user(user, "demo") if user else Actor.system("demo")


def _fine_charge(prop):
    """The property's one-off fine charge, made when missing; returns its id."""
    code, name, amount = FINE_CHARGE
    charge = db.session.scalar(select(ChargeType).where(ChargeType.property_id == prop.id, ChargeType.code == code))
    if charge is None:
        charge = ChargeType(property_id=prop.id, code=code, name=name, basis=ChargeBasis.ONE_OFF)
        charge.rates.append(ChargeRate(rate_fen=amount, effective_from=date(2020, 1, 1)))
        db.session.add(charge)
        db.session.flush()
    return charge.id


def create_kinds(prop, rows, actor):
    """{name: ViolationKind} of `rows` (name, rule, first stage, reminder, notice and order days, authority, the
    maximum fine or None) made through the kinds service, fines billed under the property's fine charge (made once)."""
    fine_charge_id = _fine_charge(prop)
    return {
        name: kinds.create_kind(
            actor,
            property_id=prop.id,
            name=name,
            rule=rule,
            first_stage=first,
            reminder_days=reminder,
            notice_days=notice,
            order_days=order,
            authority=authority,
            fine_allowed=fine_max is not None,
            fine_max_fen=fine_max,
            fine_charge_type_id=fine_charge_id if fine_max else None,
        )
        for name, rule, first, reminder, notice, order, authority, fine_max in rows
    }


def load_violations_demo(prop, *, rng, today):
    """Add the kinds, the fine charge and the violations (run once, on a fresh demo database); returns how many
    violations were recorded. `rng` varies the hour of each record; `today` is the demo's local date."""
    system = Actor.system("demo")
    security, assistant, desk, manager = (_actor(n) for n in ("security", "assistant", "frontdesk", "manager"))
    by_name = create_kinds(prop, KINDS, system)
    now = utcnow()

    def ago(days):
        """A moment `days` ago, in working hours."""
        return now - timedelta(days=days, hours=rng.randint(0, 4), minutes=rng.randint(0, 59))

    def record(by, kind, days, seen, unit="", place=""):
        """One violation recorded `days` ago."""
        return services.record_violation(
            by, kind_id=by_name[kind].id, unit_label=unit, place=place, seen=seen, property_id=prop.id, now=ago(days)
        )

    # A verbal reminder recorded this morning, due today.
    record(
        security,
        "占用消防通道停车",
        0,
        "白色轿车（辽A·5K2**）停在3号楼北侧消防通道内",
        unit="3-0101",
        place="3号楼北侧消防通道",
    )
    # resident1's written notice, past its deadline, with their answer.
    corridor = record(
        assistant,
        "楼道堆放杂物",
        6,
        "12层电梯厅旁堆放纸箱和旧沙发，堵住一半通道",
        unit="1-1201",
        place="1号楼12层电梯厅",
    )
    services.issue_notice(assistant, corridor, now=ago(5))
    owner = db.session.scalar(select(Resident).join(User).where(User.username == "resident1"))
    if owner is not None:
        replies.reply(
            Actor.for_user(owner.user, "demo"),
            owner.id,
            corridor,
            body="沙发周末会找人搬走，纸箱今天清理。",
            now=ago(1),
        )
    # An illegal structure: written notice, then the rectification order.
    shed = record(assistant, "违章搭建", 20, "顶层露台搭建彩钢板房约12平方米", unit="2-1802")
    services.record_check(assistant, shed, rectified=False, note="彩钢板房仍在，业主称是临时储物", now=ago(13))
    services.issue_order(manager, shed, now=ago(12))
    # A dog off the lead: reminder, then the written notice.
    dog = record(
        desk,
        "饲养宠物扰民",
        4,
        "业主遛狗未牵绳，狗在儿童游乐区追逐儿童，有住户投诉",
        unit="1-0603",
        place="中心花园儿童游乐区",
    )
    services.issue_notice(assistant, dog, now=ago(3))
    # Parking in the fire lane, referred to the fire brigade after the order.
    lane = record(
        security,
        "占用消防通道停车",
        16,
        "黑色SUV连续多日停在2号楼消防登高场地",
        unit="2-0304",
        place="2号楼消防登高场地",
    )
    services.issue_notice(assistant, lane, now=ago(15))
    services.issue_order(manager, lane, now=ago(14))
    services.record_check(security, lane, rectified=False, note="车辆仍未挪走", now=ago(11))
    services.refer(manager, lane, authority="fire", referred_to="和平区消防救援大队 王警官 024-2288 1119", now=ago(10))
    # Objects thrown from height: rectified, then fined.
    thrown = record(security, "高空抛物", 9, "监控显示从3号楼15层抛下装有垃圾的塑料袋，落在单元门口", unit="3-1502")
    services.record_check(security, thrown, rectified=True, note="已约谈业主，业主承认并书面保证不再发生", now=ago(8))
    services.record_fine(manager, thrown, amount_fen=20000, note="首次", now=ago(7))
    # Rectified at the first check.
    bikes = record(
        security, "楼道堆放杂物", 11, "消防楼梯间停放两辆电动自行车", unit="2-0701", place="2号楼7层消防楼梯间"
    )
    services.record_check(security, bikes, rectified=True, note="电动车已移至车棚", now=ago(9))
    # Withdrawn: the goods belonged to the cleaning contractor.
    tools = record(desk, "楼道堆放杂物", 7, "地下室走廊堆放清洁工具和水桶", place="1号楼地下室走廊")
    services.withdraw(manager, tools, reason="物品为保洁公司工具，已安排移至工具间，不属业主违章", now=ago(6))
    # A public place, nobody known.
    record(security, "楼道堆放杂物", 2, "18层楼梯间堆放装修垃圾", place="3号楼18层楼梯间")
    db.session.flush()
    return 9
