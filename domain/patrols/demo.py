"""Demo patrol routes for 亿丰时代广场: 李助理's daily round of building 1 (six checkpoints) and security's night
round, each checkpoint with its printed label code; then a week of walked rounds on them (domain/patrols/rounds_demo:
one window missed, one round late, one with findings that opened tickets)."""

from datetime import timedelta

from sqlalchemy import select

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.areas.models import Area
from domain.clock import start_of_local_day
from domain.patrols import routes
from domain.patrols.rounds_demo import load_patrol_rounds_demo
from extensions import db

#: (name, walker role, the area's name or None, description, windows, [(checkpoint, place, look for, checklist)])
ROUTES = [
    (
        "1号楼日常巡视",
        Role.ASSISTANT,
        "1号楼",
        "物业助理每日巡视负责区域：公共部位、消防设施、照明和卫生（SOP 15）。",
        [("08:30", "11:30")],
        [
            (
                "1号楼大堂",
                "1号楼一层大堂入口",
                "门禁、地面、信报箱",
                ["单元门门禁正常", "大堂地面清洁无积水", "信报箱完好"],
            ),
            (
                "1号楼电梯厅",
                "1号楼一层电梯厅",
                "电梯运行、轿厢卫生",
                ["电梯运行正常", "轿厢整洁", "电梯年检标志在有效期内"],
            ),
            (
                "1号楼消防通道",
                "1号楼东侧楼梯一层",
                "消防通道、应急照明",
                ["消防通道畅通无堆放", "应急照明正常", "防火门闭合"],
            ),
            ("1号楼18层公共走廊", "1号楼十八层", "顶层走廊、天台门", ["走廊照明正常", "天台门已上锁", "无渗漏水痕迹"]),
            ("1号楼地下车库入口", "地下车库B区坡道口", "车库照明、排水", ["车库照明正常", "排水沟无堵塞", "道闸正常"]),
            ("1号楼垃圾收集点", "1号楼北侧", "垃圾桶、异味", ["垃圾桶加盖", "周边无散落垃圾", "无明显异味"]),
        ],
    ),
    (
        "夜间安全巡逻",
        Role.SECURITY,
        None,
        "安管员夜班巡逻：出入口、车库、周界和机房门锁。",
        [("22:00", "00:30"), ("03:00", "05:00")],
        [
            ("东门岗亭", "小区东门", "出入口、道闸", ["道闸正常", "岗亭值守记录已填写"]),
            ("地下车库B区", "地下车库B区中部", "车辆、照明、可疑人员", ["照明正常", "无可疑人员或车辆", "消防栓完好"]),
            ("北侧围墙", "3号楼北侧围墙", "周界", ["围墙无破损", "周界照明正常"]),
            ("配电房", "2号楼地下一层配电房", "门锁、异响", ["门已上锁", "无异响异味"]),
            ("西门", "小区西门", "人行门", ["门禁正常", "门已关闭"]),
        ],
    ),
]


def load_patrols_demo(prop, *, rng, today):
    """Add the demo routes with their checkpoints and label codes, dated ten days back so the week of history reads
    as scheduled, then walk the week before `today`; returns the number of routes."""
    system = Actor.system("demo")
    areas = dict(db.session.execute(select(Area.name, Area.id).where(Area.property_id == prop.id)).all())
    since = start_of_local_day(today - timedelta(days=10))
    made = []
    for name, role, area_name, description, windows, points in ROUTES:
        route = routes.save_route(
            system,
            name=name,
            role=role,
            area_id=areas.get(area_name),
            description=description,
            windows=windows,
            property_id=prop.id,
        )
        route.created_at = since
        for point_name, place, look_for, checklist in points:
            routes.save_checkpoint(system, route, name=point_name, place=place, look_for=look_for, checklist=checklist)
        made.append(route)
    db.session.flush()
    for route in made:
        db.session.refresh(route)
    load_patrol_rounds_demo(prop, rng=rng, today=today)
    return len(made)
