"""The demo's surveys for 亿丰时代广场: the annual 满意度调查 2026, over and closed, answered anonymously by 120
households (most satisfied, engineering's repairs rated lowest, a few comments), an open survey about the winter
heating that resident1's household has not answered yet, and a short anonymous survey about the lobby that the
lobby kiosk shows to anyone."""

from datetime import timedelta

from domain.accounts.models import Actor
from domain.notify.services import households
from domain.surveys import answering, services
from domain.surveys.models import SurveyHousehold, SurveyStatus
from extensions import db

ANSWERS = 120
ANNUAL = (
    (
        "single",
        "您对物业服务的总体评价是？",
        "How do you rate our service overall?",
        "满意 | Satisfied\n比较满意 | Fairly satisfied\n一般 | Neutral\n不满意 | Dissatisfied",
        True,
        "",
    ),
    ("scale", "前台接待与咨询服务", "The front desk and inquiries", "", True, "customer_service"),
    ("scale", "报修维修的及时性与质量", "Repairs: speed and quality", "", True, "engineering"),
    ("scale", "小区安全与秩序", "Safety and order", "", True, "security"),
    ("scale", "公共区域清洁", "Cleanliness of public areas", "", True, "cleaning"),
    (
        "multiple",
        "您最希望我们改进的方面（可多选）",
        "What should we improve first? (several allowed)",
        "绿化 | Greenery\n停车 | Parking\n电梯 | Lifts\n快递收发 | Parcels\n噪音管理 | Noise",
        False,
        "",
    ),
    ("text", "其他意见和建议", "Other comments", "", False, ""),
)
HEATING = (
    (
        "single",
        "今年冬季室内温度是否达标？",
        "Is your home warm enough this winter?",
        "达标 | Warm enough\n偏低 | Too cold\n偏高 | Too warm",
        True,
        "",
    ),
    ("scale", "供暖报修处理满意度", "Heating repairs", "", False, "engineering"),
    ("text", "您的建议", "Your suggestions", "", False, ""),
)
LOBBY = (
    (
        "single",
        "大堂环境是否整洁舒适？",
        "Is the lobby clean and pleasant?",
        "整洁舒适 | Clean and pleasant\n一般 | Fair\n需要改进 | Needs work",
        True,
        "",
    ),
    ("scale", "前台服务态度", "The front desk's manner", "", True, "customer_service"),
    ("text", "一句话建议", "One suggestion", "", False, ""),
)
COMMENTS = (
    "电梯高峰期等待时间较长",
    "希望增加非机动车停放位置",
    "保洁阿姨很认真，谢谢",
    "地下车库照明不足",
    "快递柜不够用",
)
#: Each department's typical scores (engineering's repairs rated lowest).
SCORES = {
    "customer_service": (5, 5, 4, 4, 5, 3),
    "engineering": (4, 3, 5, 4, 2, 3),
    "security": (5, 4, 4, 5, 4, 3),
    "cleaning": (5, 4, 5, 4, 4, 5),
}


def _survey(actor, prop, title, english, intro, questions, *, opens_on, closes_on, shown_on_kiosk=False):
    """A draft with its questions (anonymous; shown on the kiosk when asked)."""
    survey = services.create_survey(
        actor,
        prop.id,
        title_zh=title,
        title_en=english,
        intro_zh=intro,
        intro_en="",
        is_anonymous=True,
        shown_on_kiosk=shown_on_kiosk,
        audience="all",
        opens_on=opens_on,
        closes_on=closes_on,
    )
    for kind, text_zh, text_en, options, required, department in questions:
        services.add_question(
            actor,
            survey,
            kind=kind,
            text_zh=text_zh,
            text_en=text_en,
            options=options,
            is_required=required,
            department=department,
        )
    return survey


def load_surveys_demo(prop, *, rng, today, answers=ANSWERS):
    """Load the three surveys, the annual one answered by `answers` households; returns how many answers it has."""
    actor = Actor.system("demo")
    annual = _survey(
        actor,
        prop,
        "满意度调查 2026",
        "Satisfaction survey 2026",
        "感谢您抽出时间填写本年度物业服务满意度调查。",
        ANNUAL,
        opens_on=today,
        closes_on=today + timedelta(days=1),
    )
    services.open_survey(actor, annual, tell=False)
    units = db.session.scalars(
        db.select(SurveyHousehold.unit_id)
        .where(SurveyHousehold.survey_id == annual.id)
        .order_by(SurveyHousehold.unit_id)
    ).all()
    chosen = rng.sample(units, min(answers, len(units)))
    people = households(chosen, today)
    questions = services.questions_of(annual.id)
    for unit_id in chosen:
        resident = people[unit_id][0].resident_id
        posted = {}
        for q in questions:
            if q.kind.value == "single":
                posted[q.id] = [str(rng.choice((0, 0, 0, 1, 1, 2, 3)))]
            elif q.kind.value == "scale":
                posted[q.id] = [str(rng.choice(SCORES[q.department.value]))]
            elif q.kind.value == "multiple":
                posted[q.id] = [str(i) for i in rng.sample(range(len(q.options)), rng.choice((0, 1, 1, 2)))]
            else:
                posted[q.id] = [rng.choice(COMMENTS)] if rng.random() < 0.15 else []
        answering.answer_survey(resident, annual.id, unit_id, posted, day=today)
    # It ran for three weeks last month and is over.
    annual.opens_on, annual.closes_on = today - timedelta(days=40), today - timedelta(days=19)
    annual.status = SurveyStatus.CLOSED
    heating = _survey(
        actor,
        prop,
        "冬季供暖意见征询",
        "Winter heating survey",
        "请告诉我们您家的供暖情况，帮助我们改进服务。",
        HEATING,
        opens_on=today,
        closes_on=today + timedelta(days=14),
    )
    services.open_survey(actor, heating)
    lobby = _survey(
        actor,
        prop,
        "大堂服务小调查",
        "Lobby quick survey",
        "三个问题，一分钟答完，无需登录。",
        LOBBY,
        opens_on=today,
        closes_on=today + timedelta(days=21),
        shown_on_kiosk=True,
    )
    # Residents find it in the portal's list; it is meant for the kiosk, so nobody is sent a notice about it.
    services.open_survey(actor, lobby, tell=False)
    db.session.flush()
    return len(chosen)
