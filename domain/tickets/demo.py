"""Demo tickets for 亿丰时代广场: a service catalogue and requests of every kind, in every state, some late; a repair
the resident marked urgent, a suggestion and a praise."""

from datetime import timedelta

from sqlalchemy import select

from domain.accounts.models import Actor, User
from domain.clock import utcnow
from domain.property.models import Occupancy, Resident
from domain.tickets import recording, steps
from domain.tickets.models import Channel, Department, Priority, ServiceItem, Severity, TicketKind
from extensions import db

CATALOGUE = [
    ("疏通下水道", "厨房、卫生间下水道疏通", 5000, Department.ENGINEERING),
    ("更换灯具", "室内灯具、开关更换（不含材料）", 3000, Department.ENGINEERING),
    ("家政保洁", "两小时上门保洁", 12000, Department.CLEANING),
    ("代收代发快递", "前台代收、代寄快递", 0, Department.CUSTOMER_SERVICE),
    ("搬家协助", "协调电梯、安排安管人员看护", 0, Department.SECURITY),
]

#: (kind, category, description, minutes ago, how far it got, priority, severity)
TICKETS = [
    (TicketKind.REPAIR, "water", "厨房水龙头一直滴水，关不紧。", 2, "new", Priority.NORMAL, None),
    (TicketKind.REPAIR, "elevator", "2号楼西侧电梯按钮失灵，按了没反应。", 9, "new", Priority.URGENT, None),
    (TicketKind.REPAIR, "electricity", "卫生间插座没电，空气开关没跳。", 40, "dispatched", Priority.NORMAL, None),
    (TicketKind.REPAIR, "doors_locks", "入户门锁芯卡住，钥匙很难转动。", 180, "claimed", Priority.NORMAL, None),
    (TicketKind.REPAIR, "water", "楼上渗水，卫生间天花板有水渍。", 60 * 26, "scheduled", Priority.NORMAL, None),
    (TicketKind.REPAIR, "public_area", "地下车库B2入口处灯不亮。", 60 * 50, "done", Priority.NORMAL, None),
    (TicketKind.REPAIR, "water", "阳台地漏堵塞，已疏通。", 60 * 24 * 4, "closed", Priority.NORMAL, None),
    (
        TicketKind.COMPLAINT,
        "noise",
        "楼上每晚十一点后装修噪音，影响休息。",
        60 * 5,
        "dispatched",
        Priority.NORMAL,
        Severity.SERIOUS,
    ),
    (
        TicketKind.COMPLAINT,
        "service",
        "上周报修三次无人上门，要求经理给说法。",
        60 * 3,
        "new",
        Priority.URGENT,
        Severity.MAJOR,
    ),
    (TicketKind.HELP, "other", "家中老人摔倒，需要安管协助送医。", 30, "claimed", Priority.URGENT, None),
    (TicketKind.INQUIRY, "other", "请问明年物业费标准是否调整？", 60 * 6, "dispatched", Priority.NORMAL, None),
    (TicketKind.SERVICE, "", "希望周六上午上门保洁。", 60 * 20, "claimed", Priority.NORMAL, None),
]


#: What residents said themselves: (kind, category, description, minutes ago, the urgent reason or None).
RESIDENT_VOICE = [
    (TicketKind.REPAIR, "water", "卫生间进水管接头爆裂，一直在喷水。", 6, "水已经流到客厅，家里有老人和小孩"),
    (TicketKind.SUGGESTION, "", "建议在3号楼门口加装几把长椅，方便老人休息。", 60 * 7, None),
    (TicketKind.PRAISE, "", "工程部张师傅昨晚十点上门修好了水管，耐心又专业，特此表扬！", 60 * 20, None),
]


def _actor(username):
    """The demo staff member as an actor."""
    user = db.session.scalar(select(User).where(User.username == username))
    return Actor.for_user(user, "demo")


def load_ticket_demo(prop, *, rng, staff=("frontdesk", "engineer", "security", "cleaner")):
    """Create the catalogue and the demo tickets; returns how many tickets.

    `staff` are the usernames of the property's desk, engineer, security guard and cleaner who work them."""
    items = []
    for name, description, price, department in CATALOGUE:
        item = ServiceItem(
            property_id=prop.id, name=name, description=description, price_fen=price, department=department
        )
        db.session.add(item)
        items.append(item)
    db.session.flush()
    residents = (
        db.session.execute(
            select(Resident.id, Resident.name, Resident.phone, Occupancy.unit_id)
            .join(Occupancy.resident)
            .where(Resident.user_id.is_not(None))
        ).all()
        + db.session.execute(
            select(Resident.id, Resident.name, Resident.phone, Occupancy.unit_id).join(Occupancy.resident).limit(40)
        ).all()
    )
    desk, engineer, security, cleaner = (_actor(u) for u in staff)
    now = utcnow()
    for n, (kind, category, text, minutes_ago, reached, priority, severity) in enumerate(TICKETS):
        resident_id, name, phone, unit_id = residents[n % len(residents)]
        at = now - timedelta(minutes=minutes_ago)
        from_portal = n % 3 != 0
        ticket = recording.create_ticket(
            Actor.system("portal") if from_portal else desk,
            property_id=prop.id,
            kind=kind,
            channel=Channel.PORTAL if from_portal else Channel.PHONE,
            description=text,
            category=category,
            unit_id=unit_id if category != "public_area" else None,
            location="地下车库B2" if category == "public_area" else "",
            resident_id=resident_id,
            contact_name=name,
            contact_phone=phone,
            preferred_time="工作日晚上或周末",
            service_item_id=items[2].id if kind == TicketKind.SERVICE else None,
            priority=priority,
            severity=severity,
            now=at,
        )
        if reached == "new":
            continue
        steps.dispatch(desk, ticket, now=at + timedelta(minutes=rng.choice((1, 2, 2, 5))))
        if reached == "dispatched":
            continue
        worker = {TicketKind.HELP: security, TicketKind.SERVICE: cleaner}.get(kind, engineer)
        if kind in (TicketKind.COMPLAINT, TicketKind.INQUIRY):
            worker = desk
        steps.claim(worker, ticket, now=at + timedelta(minutes=8))
        if reached == "claimed":
            continue
        if reached == "scheduled":
            steps.schedule(worker, ticket, when=now + timedelta(hours=3))
            continue
        steps.record_work(worker, ticket, note="已到现场检查，更换损坏部件。", materials="开关 1 个")
        steps.finish(worker, ticket, summary="已修复，现场试用正常。", now=at + timedelta(hours=5))
        if reached == "closed":
            steps.rate(
                Actor.system("portal"), ticket, resident_id=resident_id, rating=5, comment_text="师傅很专业，谢谢！"
            )
    for n, (kind, category, text, minutes_ago, urgent_reason) in enumerate(RESIDENT_VOICE):
        resident_id, name, phone, unit_id = residents[n % 2]  # the residents who can sign in to the portal
        ticket = recording.create_ticket(
            Actor.system("portal"),
            property_id=prop.id,
            kind=kind,
            channel=Channel.PORTAL,
            description=text,
            category=category,
            unit_id=unit_id,
            resident_id=resident_id,
            contact_name=name,
            contact_phone=phone,
            urgent_reason=urgent_reason,
            now=now - timedelta(minutes=minutes_ago),
        )
        if kind == TicketKind.REPAIR:
            steps.dispatch(desk, ticket, now=ticket.created_at + timedelta(minutes=1))
    db.session.flush()
    return len(TICKETS) + len(RESIDENT_VOICE)
