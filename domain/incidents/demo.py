"""The demo incidents of 亿丰时代广场: three closed ones over the past weeks (a lift entrapment, a water leak, a theft),
each with its timeline, outcome, cause and measures, and one open (a water cut in building 2) for which incident
mode is switched on by domain/incidents/notices' demo (it takes the id this returns)."""

from datetime import timedelta

from sqlalchemy import select, update

from domain.accounts.models import Actor, User
from domain.alerts.models import StaffAlert
from domain.clock import utcnow
from domain.incidents import services
from domain.property.models import Building
from extensions import db

#: (days ago, kind, place, building code, what happened, people, [(minutes after, entry kind, by, body)], outcome,
#: cause, measures, by whom reported).
CLOSED = [
    (
        19,
        "lift_entrapment",
        "3号楼2号电梯",
        "3",
        "电梯运行至12楼与13楼之间突然停止，轿厢内两名住户被困，通过五方通话报警。",
        "住户两人（3-1203 业主及其母亲），无人受伤",
        [
            (3, "action", "security", "安管员到场，通过对讲安抚被困人员，告知救援已在路上。"),
            (5, "notified", "engineer", "已通知电梯维保单位沈阳奥的斯，维保人员20分钟内到场。"),
            (28, "action", "engineer", "维保人员手动盘车至13楼平层，开门放出被困人员，用时25分钟。"),
            (40, "affected", "frontdesk", "3号楼2号电梯停用检修，住户改用1号电梯；已在3号楼大堂张贴通知。"),
        ],
        "被困两人均安全放出，无人受伤；电梯更换门锁回路继电器后恢复运行。",
        "门锁回路继电器触点老化，运行中接触不良导致安全回路断开、电梯急停。",
        "全小区电梯继电器列入维保更换计划；维保单位每半月检查安全回路；困人演练每季度一次。",
        "security",
    ),
    (
        11,
        "water_leak",
        "2号楼地下车库B2层",
        "2",
        "B2层消防水管接头渗漏，地面积水约3厘米，靠近配电室。",
        "无人员涉及；车位B2-031至B2-036车主",
        [
            (4, "action", "engineer", "关闭该段消防管道阀门，设置警示围挡，检查配电室未进水。"),
            (10, "notified", "frontdesk", "电话通知受影响车位的六位车主挪车。"),
            (35, "action", "cleaner", "保洁用吸水机清理积水，地面擦干。"),
            (120, "action", "engineer", "更换管道接头及密封圈，恢复供水，试压正常。"),
        ],
        "更换接头后无渗漏，积水清理完毕，车辆未受损，配电室正常。",
        "管道接头密封圈老化；该段管道位于车道上方，长期受车辆震动。",
        "地下车库消防管道接头全部排查一遍；接头加装防震支架；每月巡查列入巡视路线。",
        "engineer",
    ),
    (
        5,
        "theft",
        "1号楼自行车棚",
        "1",
        "住户报称停放在1号楼车棚的电动自行车电池夜间被盗。",
        "住户 1-0602 业主",
        [
            (15, "action", "security", "调取车棚及小区出入口监控，发现凌晨2点一名陌生人翻越围墙进入。"),
            (45, "notified", "security", "协助住户向辖区派出所报案，提供监控录像。"),
        ],
        "已报警并移交监控资料，派出所立案调查；住户已被告知进展。",
        "车棚所在的北侧围墙较矮，且该处监控夜间照明不足，夜巡间隔较长。",
        "北侧围墙加装防攀爬刺；车棚增补照明与监控；夜间巡逻增加一次车棚检查。",
        "security",
    ),
]


def _actors():
    """{demo username: their actor}; the system for a missing account."""
    users = {u.username: u for u in db.session.scalars(select(User))}
    names = {"manager", "security", "engineer", "frontdesk", "cleaner", "assistant"}
    return {name: Actor.for_user(users[name], "demo") if name in users else Actor.system("demo") for name in names}


def _buildings(prop):
    """{building code: id} of the property."""
    return dict(db.session.execute(select(Building.code, Building.id).where(Building.property_id == prop.id)).all())


def load_incidents_demo(prop, *, rng, today):
    """Add the three closed incidents and the open water cut (run once, on a fresh demo database); returns the open
    incident's id, for incident mode's demo."""
    actors = _actors()
    buildings = _buildings(prop)
    now = utcnow()
    manager = actors["manager"]
    for days, kind, place, code, what, people, entries, outcome, cause, measures, reporter in CLOSED:
        at = now - timedelta(days=days, hours=rng.randint(0, 6), minutes=rng.randint(0, 59))
        incident = services.report_incident(
            actors[reporter],
            kind=kind,
            occurred_at=at - timedelta(minutes=2),
            place=place,
            description=what,
            people=people,
            building_id=buildings.get(code),
            property_id=prop.id,
            now=at,
        )
        for minutes, entry, by, body in entries:
            services.add_entry(actors[by], incident, kind=entry, body=body, now=at + timedelta(minutes=minutes))
        done = at + timedelta(hours=3)
        services.record_outcome(manager, incident, outcome=outcome, cause=cause, measures=measures, now=done)
        services.close_incident(manager, incident, now=done + timedelta(days=1))
        # Past incidents were acknowledged long ago: their alerts are read, not banners today.
        db.session.execute(
            update(StaffAlert)
            .where(StaffAlert.subject_type == "incident", StaffAlert.subject_id == incident.id)
            .values(read_at=at + timedelta(minutes=10))
        )
    at = now - timedelta(hours=1, minutes=20)
    water_cut = services.report_incident(
        actors["engineer"],
        kind="water_cut",
        occurred_at=at - timedelta(minutes=5),
        place="2号楼生活水泵房",
        description="2号楼生活水泵电机故障，2号楼全楼停水。",
        people="2号楼全体住户",
        building_id=buildings.get("2"),
        property_id=prop.id,
        now=at,
    )
    services.add_entry(
        actors["engineer"],
        water_cut,
        kind="action",
        body="已联系水泵厂家，备用电机下午送到，预计18:00前恢复供水。",
        now=at + timedelta(minutes=20),
    )
    db.session.flush()
    return water_cut.id
