"""The demo company (演示公司): five regional teams, about 40 reps and 2,000 customers.

Two halves:

- `demo_company` builds the company as plain data (dataclasses, no database) from one
  `random.Random(seed)`: the same seed and day give exactly the same company, so tests
  compare two builds without a database and a screenshot in the docs matches a fresh demo.
  Dates (last deals, leave) are counted back from the day it is built for, so the demo
  always looks current: someone is on leave *now*, recent deals are recent.
- `demo_load` writes it through the same services the app uses (derived keys, rescoring
  under the active policy, `owners_set` for the owners an import would bring) and runs a
  first allocation, so the demo shows what a real team sees after its first import.
- `demo_activity` (data again, its own random stream) gives the year before the day:
  when each customer arrived (a quarter of those after the first run came one by one and
  were routed on arrival), follow-ups, deals won and lost, a tenth of the customers
  waiting in the pool (some with a former owner), and owners' start dates, so that
  overdue next steps, reclaim warnings and reclaimable customers are there at once, and
  dashboards, reviews and the win-rate backtest have months to look at; `demo_load`
  writes them with the follow-up services' own rules (`customer_followup_effect`,
  `customer_deal_effect`).
- Deals are won or lost by a hidden skill per rep and industry (`win_probability`), which
  nothing in the app reads: the optional win-rate term in the fit must find it in the
  deals, and benchmarks/backtest_performance.py measures whether it does.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from pypinyin import lazy_pinyin

from fenpei.allocation.models import Assignment, AssignmentSource, Run, RunStatus
from fenpei.allocation.routing import customer_best_rep
from fenpei.allocation.selectors import policy_current
from fenpei.allocation.services import OwnerChange, owners_set, run_apply, run_compute, run_create
from fenpei.appeals.models import Appeal, AppealEvent, AppealEventKind, AppealKind
from fenpei.appeals.services import appeal_approve, appeal_open, appeal_reject
from fenpei.customers.models import Customer, Intent, Stage
from fenpei.customers.services import customer_derive, customers_rescore
from fenpei.engine.duplicates import normalise_name
from fenpei.followups.models import Deal, FollowUp
from fenpei.followups.services import customer_deal_effect, customer_followup_effect
from fenpei.goals.models import Metric, PeriodKind
from fenpei.goals.selectors import period_start_of
from fenpei.goals.services import feedback_give, goals_set
from fenpei.pool.models import PoolEvent, PoolEventKind, ReclaimRule
from fenpei.tables.regions import PROVINCES
from fenpei.tables.values import CREDIT_CODE_CHARS, credit_code_check
from fenpei.teams.access import viewer_of
from fenpei.teams.models import Level, Rep, RepStatus, Team

SEED = 20240601
DEMO_PASSWORD = "fenpei-demo"
#: The day `demo_company` counts dates back from when no day is given (tests).
REFERENCE_DATE = date(2025, 6, 30)
N_CUSTOMERS = 2000
#: Share of customers in regions no team covers (新疆, 西藏, 内蒙古): they stay in the pool.
OUTSIDE_SHARE = 0.02
#: Share of customers that already have an owner, as a sheet import would bring them.
OWNED_SHARE = 0.20

INDUSTRIES = ("制造业", "零售", "金融", "医疗", "教育", "物流", "互联网", "能源", "建筑", "餐饮")
INDUSTRY_WEIGHTS = (22, 12, 8, 9, 7, 9, 11, 7, 8, 7)
PRODUCTS = ("云服务", "数据分析", "安全", "协同办公", "定制开发", "运维外包")

#: What a company of each industry calls itself, between its 字号 and 有限公司.
INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    "制造业": ("精密机械", "机电设备", "汽车零部件", "电子科技", "新材料", "智能装备", "模具"),
    "零售": ("商贸", "百货", "超市", "便利店", "电器销售", "服饰"),
    "金融": ("融资租赁", "投资管理", "保险代理", "资产管理", "商业保理"),
    "医疗": ("医疗器械", "生物医药", "健康管理", "医药连锁", "口腔门诊部"),
    "教育": ("教育科技", "职业培训学校", "文化传播", "教育咨询"),
    "物流": ("物流", "供应链管理", "国际货运代理", "仓储服务"),
    "互联网": ("网络科技", "信息技术", "软件", "数字科技", "云计算"),
    "能源": ("新能源", "光伏科技", "燃气", "电力工程", "储能科技"),
    "建筑": ("建筑工程", "建设", "装饰工程", "建材", "市政工程"),
    "餐饮": ("餐饮管理", "食品", "酒店管理", "餐饮连锁"),
}

# 字号: a company's trade name, two characters drawn from these.
_TRADE_FIRST = (
    "恒华鼎宏金新瑞天永中汇博兴嘉明东长远星锦腾旭海诚正德安昌盛祥万众聚启九同凯立宝信智联优卓睿鑫泰"
)
_TRADE_SECOND = "瑞通盛达桥宇丰成信孚远业禾德方城航辰程飞日纳泰和源明创立宝润康欣隆峰锐弘晟翔冠泽"

_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董肖程曹袁邓许傅沈曾彭吕苏蒋蔡丁魏叶"
)
_GIVEN_TEXT = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 秀英 桂英 建华 志强 晓东 海燕 "
    "文博 雨婷 子涵 浩然 思远 佳怡 俊杰 欣怡 宇航 梦琪 嘉豪 诗雨 晨曦 一鸣 立新 国栋 红梅 "
    "丽娟 鹏飞 晓峰 春燕 建国 玉兰 志明 慧敏 凯文 婷婷 振宇 雪梅 文静 家豪 天宇"
)
_GIVEN = tuple(_GIVEN_TEXT.split())

_ROADS = (
    "人民路", "中山路", "解放路", "建设路", "科技园路", "工业园大道", "长江路", "黄河路",
    "和平路", "新华路", "滨江大道", "高新大道", "学府路", "创业路", "世纪大道",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Province:
    name: str
    weight: float  # share of its team's customers
    cities: tuple[tuple[str, str, float], ...]  # (city, 4-digit division code, weight)


def _p(name: str, weight: float, *cities: tuple[str, str, float]) -> Province:
    return Province(name, weight, cities)


#: Provinces with their main cities (民政部 codes, used in credit codes).
_PROVINCES: dict[str, Province] = {
    p.name: p
    for p in (
        _p("上海", 0.34, ("上海", "3101", 1.0)),
        _p(
            "江苏",
            0.34,
            ("南京", "3201", 0.25),
            ("苏州", "3205", 0.35),
            ("无锡", "3202", 0.18),
            ("常州", "3204", 0.12),
            ("南通", "3206", 0.10),
        ),
        _p(
            "浙江",
            0.22,
            ("杭州", "3301", 0.40),
            ("宁波", "3302", 0.25),
            ("温州", "3303", 0.12),
            ("嘉兴", "3304", 0.12),
            ("绍兴", "3306", 0.11),
        ),
        _p("安徽", 0.10, ("合肥", "3401", 0.7), ("芜湖", "3402", 0.3)),
        _p(
            "广东",
            0.58,
            ("广州", "4401", 0.32),
            ("深圳", "4403", 0.35),
            ("东莞", "4419", 0.13),
            ("佛山", "4406", 0.12),
            ("珠海", "4404", 0.08),
        ),
        _p("福建", 0.26, ("福州", "3501", 0.40), ("厦门", "3502", 0.35), ("泉州", "3505", 0.25)),
        _p("广西", 0.10, ("南宁", "4501", 0.55), ("柳州", "4502", 0.25), ("桂林", "4503", 0.20)),
        _p("海南", 0.06, ("海口", "4601", 0.7), ("三亚", "4602", 0.3)),
        _p("北京", 0.36, ("北京", "1101", 1.0)),
        _p("天津", 0.12, ("天津", "1201", 1.0)),
        _p("河北", 0.12, ("石家庄", "1301", 0.45), ("唐山", "1302", 0.30), ("保定", "1306", 0.25)),
        _p(
            "山东",
            0.30,
            ("济南", "3701", 0.30),
            ("青岛", "3702", 0.35),
            ("烟台", "3706", 0.18),
            ("潍坊", "3707", 0.17),
        ),
        _p("山西", 0.10, ("太原", "1401", 0.7), ("大同", "1402", 0.3)),
        _p("四川", 0.40, ("成都", "5101", 0.8), ("绵阳", "5107", 0.2)),
        _p("重庆", 0.30, ("重庆", "5001", 1.0)),
        _p("云南", 0.16, ("昆明", "5301", 1.0)),
        _p("贵州", 0.14, ("贵阳", "5201", 0.7), ("遵义", "5203", 0.3)),
        _p("湖北", 0.34, ("武汉", "4201", 0.7), ("宜昌", "4205", 0.15), ("襄阳", "4206", 0.15)),
        _p("湖南", 0.24, ("长沙", "4301", 0.75), ("株洲", "4302", 0.25)),
        _p("河南", 0.26, ("郑州", "4101", 0.65), ("洛阳", "4103", 0.35)),
        _p("江西", 0.16, ("南昌", "3601", 0.7), ("赣州", "3607", 0.3)),
        # No team covers these: their customers stay in the pool with a reason.
        _p("新疆", 0.4, ("乌鲁木齐", "6501", 1.0)),
        _p("西藏", 0.2, ("拉萨", "5401", 1.0)),
        _p("内蒙古", 0.4, ("呼和浩特", "1501", 0.6), ("包头", "1502", 0.4)),
    )
}
OUTSIDE_PROVINCES = ("新疆", "西藏", "内蒙古")
_MUNICIPALITIES = frozenset({"北京", "天津", "上海", "重庆"})
_OFFICIAL = {short: official for short, official, _ in PROVINCES}

_INTENTS = (Intent.HIGH.value, Intent.MEDIUM.value, Intent.LOW.value, Intent.UNKNOWN.value)

S, M, J = Level.SENIOR.value, Level.MID.value, Level.JUNIOR.value


@dataclass(frozen=True, slots=True)
class TeamSpec:
    name: str
    prefix: str  # of its reps' employee numbers
    manager: str  # username
    manager_name: str
    share: float  # of the customers in covered regions
    provinces: tuple[str, ...]
    #: one per rep: territory (provinces or cities), level, capacity
    reps: tuple[tuple[tuple[str, ...], int, int], ...]


TEAM_SPECS: tuple[TeamSpec, ...] = (
    TeamSpec(
        "华东",
        "E",
        "manager",
        "周建华",
        0.27,
        ("上海", "江苏", "浙江", "安徽"),
        (
            (("上海",), S, 90),
            (("上海", "江苏"), S, 85),
            (("上海",), M, 70),
            (("江苏",), M, 70),
            (("苏州", "无锡", "常州"), M, 60),
            (("浙江",), S, 80),
            (("杭州", "宁波"), J, 50),
            (("浙江", "安徽"), M, 65),
            (("安徽",), J, 45),
            (("南京", "苏州"), J, 50),
        ),
    ),
    TeamSpec(
        "华南",
        "S",
        "manager_south",
        "黄志明",
        0.19,
        ("广东", "福建", "广西", "海南"),
        (
            (("广东",), S, 90),
            (("广州", "深圳"), S, 80),
            (("广东",), M, 70),
            (("深圳", "东莞", "佛山"), J, 55),
            (("福建",), M, 70),
            (("厦门", "泉州"), J, 45),
            (("广西", "海南"), M, 65),
            (("广西",), J, 40),
        ),
    ),
    TeamSpec(
        "华北",
        "N",
        "manager_north",
        "赵国栋",
        0.21,
        ("北京", "天津", "河北", "山东", "山西"),
        (
            (("北京",), S, 90),
            (("北京", "天津"), S, 80),
            (("天津", "河北"), M, 65),
            (("山东",), S, 85),
            (("青岛", "烟台", "潍坊"), M, 60),
            (("山东", "山西"), J, 50),
            (("山西",), J, 40),
            (("河北",), J, 45),
        ),
    ),
    TeamSpec(
        "西南",
        "W",
        "manager_southwest",
        "蒋雪梅",
        0.16,
        ("四川", "重庆", "云南", "贵州"),
        (
            (("四川", "重庆"), S, 85),
            (("成都",), M, 70),
            (("重庆",), M, 65),
            (("云南",), M, 60),
            (("贵州",), J, 50),
            (("四川",), J, 45),
            (("云南", "贵州"), J, 40),
        ),
    ),
    TeamSpec(
        "华中",
        "C",
        "manager_central",
        "曾立新",
        0.17,
        ("湖北", "湖南", "河南", "江西"),
        (
            (("湖北",), S, 85),
            (("武汉",), M, 65),
            (("湖南",), M, 70),
            (("河南",), S, 80),
            (("郑州", "洛阳"), J, 50),
            (("江西",), M, 60),
            (("湖南", "江西"), J, 45),
        ),
    ),
)

#: The rep who gets the `rep` login: a 华东 rep covering busy 江苏.
REP_LOGIN_KEY = "E04"
#: Reps on leave now (from two weeks ago for a month and a half) and the one who left.
ON_LEAVE_KEYS = ("E07", "C07")
DEPARTED_KEY = "W06"
#: Every login the demo creates; all share DEMO_PASSWORD.
DEMO_USERNAMES = ("admin", *(t.manager for t in TEAM_SPECS), "rep")


# ------------------------------------------------------------------------------ data


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    name: str
    superuser: bool = False


@dataclass(frozen=True, slots=True)
class DemoTeam:
    name: str
    region: str
    manager: str  # username


@dataclass(frozen=True, slots=True)
class DemoRep:
    key: str
    name: str
    team: str
    level: int
    capacity: int
    status: str
    leave_from: date | None
    leave_until: date | None
    regions: tuple[str, ...]
    industries: tuple[str, ...]
    products: tuple[str, ...]
    username: str  # "" when the rep has no login


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    key: str
    name: str
    credit_code: str
    industry: str
    region: str
    city: str
    address: str
    potential_value: int  # yuan
    intent: int
    products: tuple[str, ...]
    contact: str
    phone: str
    email: str
    deal_count: int
    deal_amount: int  # yuan
    last_deal: date | None
    is_new: bool | None
    stage: str
    team: str  # "" = not routed to a team
    owner: str  # rep key, "" = no owner
    locked: bool


@dataclass(frozen=True, slots=True)
class DemoCompany:
    users: tuple[DemoUser, ...]
    teams: tuple[DemoTeam, ...]
    reps: tuple[DemoRep, ...]
    customers: tuple[DemoCustomer, ...]


# ------------------------------------------------------------------------- generators


class _Names:
    """Person names, never the same one twice within one company."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def person(self) -> str:
        while True:
            name = self.rng.choice(_SURNAMES) + self.rng.choice(_GIVEN)
            if name not in self.used:
                self.used.add(name)
                return name


def _org_code(rng: random.Random) -> str:
    """A 9-character 组织机构代码: 8 characters and the GB 11714 check character."""
    if rng.random() < 0.5:
        body = "MA" + "".join(rng.choice(CREDIT_CODE_CHARS) for _ in range(6))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c, 36) * w for c, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def credit_code_make(rng: random.Random, division: str) -> str:
    """A 统一社会信用代码 with a valid check character: 91 (a company registered with the
    market regulator) + the 6-digit division + organisation code + check."""
    body = "91" + division + _org_code(rng)
    return body + credit_code_check(body)


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


def _weighted(rng: random.Random, items: Sequence[str], weights: Sequence[float]) -> str:
    return rng.choices(items, weights=weights)[0]


def _company_name(rng: random.Random, city: str, industry: str) -> tuple[str, str]:
    """(name, trade name): mostly 苏州恒瑞精密机械有限公司, sometimes other common forms."""
    first = rng.choice(_TRADE_FIRST)
    second = rng.choice(_TRADE_SECOND.replace(first, ""))
    trade = first + second
    word = rng.choice(INDUSTRY_WORDS[industry])
    form = rng.random()
    if form < 0.72:
        return f"{city}{trade}{word}有限公司", trade
    if form < 0.84:
        return f"{city}{trade}{word}股份有限公司", trade
    if form < 0.90:
        return f"{city}{trade}集团有限公司", trade
    if form < 0.96:
        return f"{trade}{word}（{city}）有限公司", trade
    return f"{city}市{trade}{word}有限公司", trade


def _value(rng: random.Random) -> int:
    """Potential value: log-normal around 20万, within 1万–500万, rounded like a manager would."""
    raw = min(max(rng.lognormvariate(math.log(200_000), 1.15), 10_000), 5_000_000)
    step = 10_000 if raw >= 1_000_000 else 1_000
    return int(round(raw / step) * step)


def _email(rng: random.Random, contact: str, trade: str) -> str:
    person = "".join(lazy_pinyin(contact[1:])) + "." + "".join(lazy_pinyin(contact[0]))
    if rng.random() < 0.6:
        return f"{person}@{''.join(lazy_pinyin(trade))}.com.cn"
    if rng.random() < 0.5:
        return f"{rng.randint(10_000_000, 999_999_999)}@qq.com"
    return f"{person}{rng.randint(1, 99)}@{rng.choice(('163.com', '126.com', 'sina.com'))}"


def _covers(rep: DemoRep, province: str, city: str) -> bool:
    return province in rep.regions or city in rep.regions


def _reps(rng: random.Random, names: _Names, today: date) -> list[DemoRep]:
    reps = []
    for spec in TEAM_SPECS:
        for n, (regions, level, capacity) in enumerate(spec.reps, start=1):
            key = f"{spec.prefix}{n:02d}"
            status, leave_from, leave_until = RepStatus.ACTIVE.value, None, None
            if key in ON_LEAVE_KEYS:
                status = RepStatus.ON_LEAVE.value
                leave_from, leave_until = today - timedelta(days=14), today + timedelta(days=31)
            elif key == DEPARTED_KEY:
                status = RepStatus.DEPARTED.value
            industries = tuple(rng.sample(INDUSTRIES, rng.choice((2, 2, 3))))
            products = tuple(sorted(rng.sample(PRODUCTS, rng.randint(2, 4)), key=PRODUCTS.index))
            reps.append(
                DemoRep(
                    key=key,
                    name=names.person(),
                    team=spec.name,
                    level=level,
                    capacity=capacity,
                    status=status,
                    leave_from=leave_from,
                    leave_until=leave_until,
                    regions=regions,
                    industries=industries,
                    products=products,
                    username="rep" if key == REP_LOGIN_KEY else "",
                )
            )
    return reps


def _place(rng: random.Random, outside: bool) -> tuple[str, str, str, str]:
    """(team, province, city, division code) of one customer."""
    if outside:
        team = ""
        province = _weighted(
            rng, OUTSIDE_PROVINCES, [_PROVINCES[p].weight for p in OUTSIDE_PROVINCES]
        )
    else:
        spec = rng.choices(TEAM_SPECS, weights=[t.share for t in TEAM_SPECS])[0]
        team = spec.name
        province = _weighted(rng, spec.provinces, [_PROVINCES[p].weight for p in spec.provinces])
    cities = _PROVINCES[province].cities
    city, code, _ = rng.choices(cities, weights=[c[2] for c in cities])[0]
    return team, province, city, code


def _address(rng: random.Random, province: str, city: str) -> str:
    street = f"{rng.choice(_ROADS)}{rng.randint(1, 999)}号"
    if province in _MUNICIPALITIES:
        return f"{_OFFICIAL[province]}{street}"
    return f"{_OFFICIAL[province]}{city}市{street}"


class _Unique:
    """Person names, company names (after normalising), phones and credit codes used."""

    def __init__(self, people: _Names) -> None:
        self.people = people
        self.names: set[str] = set()
        self.phones: set[str] = set()
        self.codes: set[str] = set()

    @staticmethod
    def take(seen: set[str], value: str) -> bool:
        if value in seen:
            return False
        seen.add(value)
        return True


def _customer(
    rng: random.Random, unique: _Unique, i: int, outside: bool, today: date
) -> DemoCustomer:
    team, province, city, code = _place(rng, outside)
    industry = _weighted(rng, INDUSTRIES, INDUSTRY_WEIGHTS)
    while True:
        name, trade = _company_name(rng, city, industry)
        if unique.take(unique.names, normalise_name(name)):
            break
    credit = ""
    if rng.random() < 0.9:
        while not unique.take(unique.codes, credit := credit_code_make(rng, code + "00")):
            pass
    contact = unique.people.person() if rng.random() < 0.95 else ""
    phone = ""
    if contact and rng.random() < 0.92:
        while not unique.take(unique.phones, phone := _phone(rng)):
            pass
    email = _email(rng, contact, trade) if contact and rng.random() < 0.45 else ""
    deal_count, deal_amount, last_deal, is_new = 0, 0, None, None
    if rng.random() < 0.35:
        deal_count = min(1 + int(rng.expovariate(1 / 3)), 30)
        deal_amount = int(round(deal_count * rng.lognormvariate(math.log(40_000), 0.9), -2))
        last_deal = today - timedelta(days=rng.randint(7, 1000))
        is_new = False
    elif rng.random() < 0.8:
        is_new = True
    n_products = rng.choices((0, 1, 2, 3), weights=(8, 45, 35, 12))[0]
    return DemoCustomer(
        key=f"KH{i:05d}",
        name=name,
        credit_code=credit,
        industry=industry,
        region=province,
        city=city,
        address=_address(rng, province, city) if rng.random() < 0.8 else "",
        potential_value=_value(rng),
        intent=rng.choices(_INTENTS, weights=(15, 30, 25, 30))[0],
        products=tuple(sorted(rng.sample(PRODUCTS, n_products), key=PRODUCTS.index)),
        contact=contact,
        phone=phone,
        email=email,
        deal_count=deal_count,
        deal_amount=deal_amount,
        last_deal=last_deal,
        is_new=is_new,
        stage=Stage.LEAD.value,
        # Most customers arrive already routed to the team of their region; the rest wait
        # in the unrouted pool that managers and the first run sort out.
        team=team if team and rng.random() < 0.85 else "",
        owner="",
        locked=False,
    )


def _with_owners(
    rng: random.Random, customers: list[DemoCustomer], reps: Sequence[DemoRep]
) -> list[DemoCustomer]:
    """Give about OWNED_SHARE of the covered customers an owner whose territory covers them,
    never more than half a rep's capacity, as a sheet with 现负责人 would."""
    load = {r.key: 0 for r in reps}
    out = []
    for c in customers:
        if c.region in OUTSIDE_PROVINCES or rng.random() >= OWNED_SHARE:
            out.append(c)
            continue
        fits = [
            r
            for r in reps
            if _covers(r, c.region, c.city)
            and (r.status != RepStatus.DEPARTED or load[r.key] < 12)
            and load[r.key] < r.capacity // 2
        ]
        if not fits:
            out.append(c)
            continue
        rep = rng.choices(fits, weights=[r.capacity for r in fits])[0]
        load[rep.key] += 1
        stage = Stage.WON.value if c.deal_count else Stage.FOLLOWING.value
        out.append(
            replace(c, owner=rep.key, team=rep.team, stage=stage, locked=rng.random() < 0.08)
        )
    return out


def demo_company(seed: int = SEED, today: date = REFERENCE_DATE) -> DemoCompany:
    """The whole demo company as data. Same seed and day → the same company."""
    rng = random.Random(seed)
    names = _Names(rng)
    reps = _reps(rng, names, today)
    users = [DemoUser("admin", "系统管理员", superuser=True)]
    users += [DemoUser(t.manager, t.manager_name) for t in TEAM_SPECS]
    users.append(DemoUser("rep", next(r.name for r in reps if r.key == REP_LOGIN_KEY)))
    teams = [DemoTeam(t.name, "、".join(t.provinces), t.manager) for t in TEAM_SPECS]
    n_outside = round(N_CUSTOMERS * OUTSIDE_SHARE)
    outside = set(rng.sample(range(N_CUSTOMERS), n_outside))
    unique = _Unique(names)
    customers = [_customer(rng, unique, i + 1, i in outside, today) for i in range(N_CUSTOMERS)]
    customers = _with_owners(rng, customers, reps)
    # Its own stream, so the company above stays exactly as it was without duplicates.
    customers += _duplicates(random.Random(seed + 1), customers, reps)
    return DemoCompany(tuple(users), tuple(teams), tuple(reps), tuple(customers))


#: 撞单 in the demo: records of companies that another rep already has, the way two
#: teams' old spreadsheets overlap, so the 撞单 / duplicates page has something to merge.
N_DUPLICATES = 6


def _duplicates(
    rng: random.Random, customers: Sequence[DemoCustomer], reps: Sequence[DemoRep]
) -> list[DemoCustomer]:
    """Second records of owned companies, each owned by another rep: half with the same
    name (typed again by another team), half with the same phone under a shorter name;
    the first four held in another team (two teams chasing one company), the rest by a
    colleague in the same team."""
    owned = [c for c in customers if c.owner]
    active = [r for r in reps if r.status == "active"]
    out: list[DemoCustomer] = []
    for k, original in enumerate(rng.sample(owned, N_DUPLICATES)):
        across = k < 4
        others = [
            r for r in active if r.key != original.owner and (r.team != original.team) == across
        ]
        rep = rng.choice(others)
        short = original.name.removesuffix("有限公司").removesuffix("股份")
        same_name = k % 2 == 0
        out.append(
            replace(
                original,
                key=f"KH{len(customers) + k + 1:05d}",
                name=original.name if same_name else short,
                credit_code="",  # unique when given: the second record never had it
                phone=original.phone if not same_name else "",
                email="",
                deal_count=0,
                deal_amount=0,
                last_deal=None,
                stage="following",
                team=rep.team,
                owner=rep.key,
                locked=False,
            )
        )
    return out


# ------------------------------------------------------------------- activity
#
# Follow-ups and deals over the ~90 days before the day the demo is built for, chosen so
# that the pool, the reclaim warnings and a handover can be tried at once with the default
# pool policy (reclaim after 30 days without a follow-up or 180 without a deal, counted
# from the later of the last contact / deal and `owned_since`; warned 7 days before).

#: Share of the customers held back from the first run: they wait in the pool (公海).
POOL_SHARE = 0.095
#: Of those, the share that had an owner before and went back to the pool.
POOL_PAST_OWNER_SHARE = 0.3
#: The first allocation run is dated this many days before the demo's day.
FIRST_RUN_DAYS_AGO = 95
#: The default pool policy's numbers, which the profiles below are placed around.
RECLAIM_NO_FOLLOWUP_DAYS = 30
RECLAIM_NO_DEAL_DAYS = 180
WARN_DAYS = 7

#: The history reaches back this far: customers arrive, deals close and follow-ups are
#: logged over the last year, so dashboards, reviews and the win-rate backtest have months
#: to look at.
HISTORY_DAYS = 365
#: Share of the import's owners who have had their customer for 6–12 months (the rest got
#: theirs 3–6 months ago): their deals and follow-ups make the older half of the history.
LONG_TENURE_SHARE = 0.5
#: Share of the customers the first run would take that in fact arrived after it, one by
#: one, and were routed on arrival (`AssignmentSource.ROUTE`, dated the arrival day).
ARRIVAL_SHARE = 0.25
#: Share of the contacted customers with an earlier deal in the last three months as
#: well (a first order before the renewal, a lost bid before the won one).
EARLIER_DEAL_SHARE = 0.35
#: Win rate of a mid-level rep of average skill. A rep's real rate in an industry is this
#: times a hidden skill (log-normal, σ below, one draw per rep and industry), times the
#: level's factor, and a little higher in the industries the rep lists as theirs. Nobody
#: in the app sees these numbers: only the deals they cause, which is what the optional
#: win-rate term in the fit has to learn from (benchmarks/backtest_performance.py).
BASE_WIN_RATE = 0.36
SKILL_SIGMA = 0.5
LEVEL_WIN_FACTOR = {Level.JUNIOR: 0.8, Level.MID: 1.0, Level.SENIOR: 1.2}
OWN_INDUSTRY_WIN_FACTOR = 1.15

#: Share of the imported owners' customers without deals that went 200+ days without one,
#: though still contacted: reclaimable under the no-deal rule.
STALE_SHARE = 0.15
#: What an owned customer's last three months looked like → its share of owned customers.
PROFILES: dict[str, float] = {
    "active": 0.52,  # contacted within 18 days, next step ahead
    "overdue": 0.12,  # contacted recently, next step due and not done
    "warning": 0.12,  # last contact 23–29 days ago: the owner is being warned
    "idle": 0.05,  # no contact for 31+ days (or never): reclaimable
    "deal": 0.19,  # a deal closed in the last 80 days, won or lost by the owner's skill
}

_NOTES: dict[str, tuple[str, ...]] = {
    "phone": (
        "电话沟通了采购计划，对方在比较两家供应商",
        "电话回访，联系人出差，约下周再谈",
        "确认了预算范围，需要内部审批",
        "电话介绍了新版本功能，对方感兴趣",
    ),
    "visit": (
        "上门拜访，见了IT负责人，演示了产品",
        "拜访采购部，了解了明年的项目规划",
        "到客户现场调研，梳理了需求清单",
    ),
    "wechat": (
        "微信发了产品资料和案例，对方已读",
        "微信沟通报价细节",
        "微信确认了演示时间",
    ),
    "email": (
        "邮件发送报价单和方案书",
        "邮件回复了技术问题",
        "邮件发送了合同草稿",
    ),
    "other": (
        "行业展会上碰面，交换了名片",
        "参加了客户的供应商大会",
    ),
}
_CHANNEL_WEIGHTS = {"phone": 40, "wechat": 28, "visit": 16, "email": 12, "other": 4}
_OUTCOMES = ("有意向", "需要内部讨论", "预算待批", "暂无需求", "已约下次见面", "对价格有顾虑", "")
_NEXT_STEPS = (
    "发送报价",
    "安排产品演示",
    "约技术交流",
    "跟进审批进度",
    "寄送合同",
    "回访确认需求",
    "邀请参观公司",
)
_WON_NOTES = ("签订年度服务合同", "首单采购", "续约并增购", "试点项目验收后签约")
_LOST_NOTES = ("价格原因丢单", "选择了竞争对手", "项目取消", "预算被砍")


@dataclass(frozen=True, slots=True)
class DemoFollowUp:
    customer: str  # customer key
    contact_at: datetime  # naive, local time
    channel: str
    note: str
    outcome: str
    next_step: str
    next_step_due: date | None
    rep: str = ""  # the rep who logged it; "" = whoever owns the customer at load


@dataclass(frozen=True, slots=True)
class DemoDeal:
    customer: str
    closed_on: date
    result: str  # won / lost; "" = decided when loaded, by the owner the first run gives
    amount: int  # yuan, if won (a lost deal records what was quoted)
    note: str
    rep: str = ""  # who closed it; "" = whoever owns the customer at load
    draw: float = 0.0  # uniform 0–1: won when below the closing rep's win probability


def win_probability(rep: DemoRep, industry: str, seed: int = SEED) -> float:
    """The hidden chance that `rep` wins a deal in `industry` (see BASE_WIN_RATE). The
    same rep, industry and seed always give the same number."""
    skill = random.Random(f"{seed}:{rep.key}:{industry}").lognormvariate(0.0, SKILL_SIGMA)
    p = BASE_WIN_RATE * skill * LEVEL_WIN_FACTOR[Level(rep.level)]
    if industry in rep.industries:
        p *= OWN_INDUSTRY_WIN_FACTOR
    return min(max(p, 0.05), 0.85)


def deal_result(deal: DemoDeal, rep: DemoRep, industry: str, seed: int = SEED) -> str:
    """Won or lost: the deal's own draw against the closing rep's win probability."""
    return "won" if deal.draw < win_probability(rep, industry, seed) else "lost"


@dataclass(frozen=True, slots=True)
class DemoPastOwner:
    """A pool customer's former owner: owned from `since` until `until`, then reclaimed."""

    customer: str
    rep: str
    since: date
    until: date


@dataclass(frozen=True, slots=True)
class DemoActivity:
    pool: frozenset[str]  # customers kept out of the first run
    past_owners: tuple[DemoPastOwner, ...]
    #: customer → (profile, days before the demo's day its owner got it)
    profiles: tuple[tuple[str, str, int], ...]
    followups: tuple[DemoFollowUp, ...]
    deals: tuple[DemoDeal, ...]
    #: customer → days before the demo's day it was entered (every customer)
    created: tuple[tuple[str, int], ...] = ()
    #: customers that arrived after the first run and were routed on arrival
    arrivals: frozenset[str] = frozenset()


def _contact(
    rng: random.Random,
    key: str,
    day: date,
    due: date | None,
    rep: str = "",
) -> DemoFollowUp:
    channel = _weighted(rng, list(_CHANNEL_WEIGHTS), list(_CHANNEL_WEIGHTS.values()))
    at = datetime.combine(day, time(rng.randint(9, 18), rng.choice((0, 10, 20, 30, 40, 50))))
    return DemoFollowUp(
        customer=key,
        contact_at=at,
        channel=channel,
        note=rng.choice(_NOTES[channel]),
        outcome=rng.choice(_OUTCOMES),
        next_step=rng.choice(_NEXT_STEPS) if due is not None else "",
        next_step_due=due,
        rep=rep,
    )


def _history(
    rng: random.Random, key: str, first: date, last: date, rep: str = ""
) -> list[DemoFollowUp]:
    """Contacts from `first` to `last` (the last one on `last`), each next step due
    between its contact and the next one, the last one's next step left to the caller."""
    span = (last - first).days
    # About the same pace in every quarter of a long relationship.
    n_before = sum(rng.choice((0, 1, 1, 2, 3)) for _ in range(max(1, math.ceil(span / 90))))
    n_before = min(n_before, max(span // 7, 0))
    days = sorted(rng.sample(range(span), n_before)) if n_before else []
    out = []
    for i, offset in enumerate(days):
        day = first + timedelta(days=offset)
        following = first + timedelta(days=days[i + 1]) if i + 1 < len(days) else last
        due = day + timedelta(days=max(1, (following - day).days // 2))
        out.append(_contact(rng, key, day, due, rep))
    return out


def _deal(
    rng: random.Random,
    c: DemoCustomer,
    closed: date,
    owner: DemoRep | None,
    seed: int,
) -> DemoDeal:
    """A deal closed on `closed`: decided now when the closing rep is known (the import's
    owners), else when the demo is loaded and the first run has given the customer a rep."""
    draw = rng.random()
    quoted = int(round(rng.lognormvariate(math.log(90_000), 0.8), -2))
    deal = DemoDeal(c.key, closed, "", quoted, "", owner.key if owner else "", draw)
    if owner is None:
        return deal
    result = deal_result(deal, owner, c.industry, seed)
    return replace(deal, result=result, note=_deal_note(rng, result))


def _deal_note(rng: random.Random, result: str) -> str:
    return rng.choice(_WON_NOTES if result == "won" else _LOST_NOTES)


def _activity_of(
    rng: random.Random,
    c: DemoCustomer,
    profile: str,
    today: date,
    *,
    owned_days: int,
    owner: DemoRep | None,
    seed: int,
) -> tuple[list[DemoFollowUp], list[DemoDeal]]:
    """(follow-ups, deals) of one customer owned for `owned_days` by `owner` (None: the
    rep the first run or routing will give it)."""
    start = today - timedelta(days=owned_days - 1)
    deals: list[DemoDeal] = []
    contacts: list[DemoFollowUp] = []
    # Deals from before the last three months, by the import's owner: the older half of
    # the history the win-rate backtest learns from.
    if owner is not None and owned_days > FIRST_RUN_DAYS_AGO + 10 and profile != "stale":
        span = range(FIRST_RUN_DAYS_AGO, owned_days - 5)
        # About one deal in 75 days: the same pace whenever the relationship began.
        n = sum(rng.random() < 0.8 for _ in range(math.ceil(len(span) / 60)))
        for ago in sorted(rng.sample(span, min(len(span), n)), reverse=True):
            closed = today - timedelta(days=ago)
            deals.append(_deal(rng, c, closed, owner, seed))
            contacts.append(_contact(rng, c.key, closed - timedelta(days=rng.randint(0, 3)), None))
    if profile in ("active", "stale"):
        last = today - timedelta(days=rng.randint(1, 18))
        due: date | None = today + timedelta(days=rng.randint(1, 21))
    elif profile == "overdue":
        last = today - timedelta(days=rng.randint(6, 20))
        due = last + timedelta(days=rng.randint(1, (today - last).days - 1))
    elif profile == "warning":
        last = today - timedelta(days=rng.randint(RECLAIM_NO_FOLLOWUP_DAYS - WARN_DAYS, 29))
        due = last + timedelta(days=rng.randint(3, 14)) if rng.random() < 0.4 else None
    elif profile == "idle":
        if rng.random() < 0.4:  # never contacted since the owner got it (but the deals)
            return contacts, deals
        last = today - timedelta(days=rng.randint(RECLAIM_NO_FOLLOWUP_DAYS + 1, 75))
        due = last + timedelta(days=rng.randint(3, 14))
    else:  # a deal, the contacts that led to it, and one after it
        closed = today - timedelta(days=rng.randint(3, min(80, owned_days - 3)))
        last = closed - timedelta(days=rng.randint(0, 3))
        due = None
        deals.append(_deal(rng, c, closed, owner, seed))
    if last < start:  # owned for less time than the profile's gap: move the contact up
        due = due + (start - last) if due is not None else None
        last = start
    # An earlier deal in the last three months, won or lost, before the latest contact.
    earliest = max(start, today - timedelta(days=FIRST_RUN_DAYS_AGO)) + timedelta(days=7)
    gap = (last - earliest).days - 5
    if profile != "idle" and gap > 0 and rng.random() < EARLIER_DEAL_SHARE:
        closed = earliest + timedelta(days=rng.randrange(gap))
        deals.insert(len(deals) - (profile == "deal"), _deal(rng, c, closed, owner, seed))
        contacts.append(_contact(rng, c.key, closed - timedelta(days=rng.randint(0, 3)), None))
    followups = _history(rng, c.key, start, last)
    followups.append(_contact(rng, c.key, last, due))
    followups += [f for f in contacts if f.contact_at.date() >= start]
    if profile == "deal" and deals[-1].closed_on < today - timedelta(days=7):
        after = deals[-1].closed_on + timedelta(days=rng.randint(2, 7))
        followups.append(_contact(rng, c.key, after, today + timedelta(days=rng.randint(5, 40))))
    return followups, deals


def _owned_days(rng: random.Random, c: DemoCustomer, profile: str, arrived: int | None) -> int:
    """How long the current owner has had the customer, as of the demo's day."""
    if profile == "stale":
        return rng.randint(RECLAIM_NO_DEAL_DAYS + 20, 330)
    if c.owner:  # an owner the import brought: had it before the first run
        if rng.random() < LONG_TENURE_SHARE:
            return rng.randint(RECLAIM_NO_DEAL_DAYS + 5, HISTORY_DAYS - 5)
        return rng.randint(FIRST_RUN_DAYS_AGO + 5, RECLAIM_NO_DEAL_DAYS - 10)
    return arrived if arrived is not None else FIRST_RUN_DAYS_AGO


def demo_activity(
    company: DemoCompany, seed: int = SEED, today: date = REFERENCE_DATE
) -> DemoActivity:
    """A year of history of the demo company, as data: when each customer arrived, the
    follow-ups, the deals, the pool and its former owners. Same company, seed and day →
    the same activity. Customers the first run leaves unassigned simply get none."""
    rng = random.Random(seed + 1)  # its own stream: the company's data does not move
    reps_of_team: dict[str, list[DemoRep]] = {}
    rep_of = {r.key: r for r in company.reps}
    for r in company.reps:
        if r.status != RepStatus.DEPARTED:
            reps_of_team.setdefault(r.team, []).append(r)
    pool: set[str] = set()
    arrivals: set[str] = set()
    created: list[tuple[str, int]] = []
    past: list[DemoPastOwner] = []
    profiles: list[tuple[str, str, int]] = []
    followups: list[DemoFollowUp] = []
    deals: list[DemoDeal] = []
    names, weights = list(PROFILES), list(PROFILES.values())
    for c in company.customers:
        if c.region in OUTSIDE_PROVINCES:
            created.append((c.key, rng.randint(1, HISTORY_DAYS)))
            continue
        if not c.owner and c.team and rng.random() < POOL_SHARE / 0.8:
            pool.add(c.key)
            fits = [r for r in reps_of_team[c.team] if _covers(r, c.region, c.city)]
            if fits and rng.random() < POOL_PAST_OWNER_SHARE:
                rep = rng.choice(fits)
                until = today - timedelta(days=rng.randint(5, 60))
                since = until - timedelta(days=rng.randint(45, 120))
                past.append(DemoPastOwner(c.key, rep.key, since, until))
                created.append((c.key, (today - since).days + rng.randint(0, 30)))
                last = until - timedelta(days=RECLAIM_NO_FOLLOWUP_DAYS + rng.randint(0, 10))
                followups += _history(rng, c.key, since + timedelta(days=1), last, rep.key)
                followups.append(_contact(rng, c.key, last, None, rep.key))
            else:
                created.append((c.key, rng.randint(1, HISTORY_DAYS)))
            continue
        arrived = None
        if not c.owner and rng.random() < ARRIVAL_SHARE:
            arrived = rng.randint(10, FIRST_RUN_DAYS_AGO - 5)
            arrivals.add(c.key)
        if c.owner and not (c.deal_count or c.locked) and rng.random() < STALE_SHARE:
            # Only a customer the import brought, without deals, can have gone 180 days
            # without one: everyone else got their owner with the first run or later.
            profile = "stale"
        else:
            profile = rng.choices(names, weights=weights)[0]
        owned_days = _owned_days(rng, c, profile, arrived)
        if arrived is not None:
            created.append((c.key, arrived))
        elif c.owner:
            created.append((c.key, owned_days + rng.randint(0, 90)))
        else:  # the backlog the first run sorted out
            created.append((c.key, FIRST_RUN_DAYS_AGO + rng.randint(1, 270)))
        owner = rep_of[c.owner] if c.owner else None
        fs, ds = _activity_of(rng, c, profile, today, owned_days=owned_days, owner=owner, seed=seed)
        profiles.append((c.key, profile, owned_days))
        followups += fs
        deals += ds
    return DemoActivity(
        frozenset(pool),
        tuple(past),
        tuple(profiles),
        tuple(followups),
        tuple(deals),
        tuple(created),
        frozenset(arrivals),
    )


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True, slots=True)
class DemoLoaded:
    customers: int
    owned_before: int  # owners the "import" brought
    run_id: int
    assigned: int  # by the first run
    followups: int = 0
    deals: int = 0


def demo_present() -> bool:
    """Anything a demo load would create is already there: never load twice, never mix
    the demo into someone's real data."""
    return (
        Customer.objects.exists()
        or Team.objects.exists()
        or Rep.objects.exists()
        or User.objects.filter(username__in=DEMO_USERNAMES).exists()
    )


def _users_create(users: Sequence[DemoUser]) -> dict[str, User]:
    # One hash for all: hashing is slow on purpose (~0.3 s each), and these accounts
    # share a published password anyway.
    password = make_password(DEMO_PASSWORD)
    created = {}
    for u in users:
        user = User(
            username=u.username,
            first_name=u.name,
            password=password,
            is_superuser=u.superuser,
            is_staff=u.superuser,
        )
        user.save()
        created[u.username] = user
    return created


def _customer_row(c: DemoCustomer, teams: dict[str, Team]) -> Customer:
    row = Customer(
        key=c.key,
        name=c.name,
        credit_code=c.credit_code,
        industry=c.industry,
        region=c.region,
        city=c.city,
        address=c.address,
        potential_value=Decimal(c.potential_value),
        intent=c.intent,
        products=list(c.products),
        contact=c.contact,
        phone=c.phone,
        email=c.email,
        deal_count=c.deal_count,
        deal_amount=Decimal(c.deal_amount),
        last_deal=c.last_deal,
        is_new=c.is_new,
        stage=c.stage,
        locked=c.locked,
        team=teams[c.team] if c.team else None,
    )
    customer_derive(row)
    return row


@transaction.atomic
def _company_write(company: DemoCompany, today: date) -> tuple[User, int]:
    """Users, teams, reps and customers (with the owners an import brings). → admin, owned."""
    users = _users_create(company.users)
    teams = {
        t.name: Team.objects.create(name=t.name, region=t.region, manager=users[t.manager])
        for t in company.teams
    }
    reps = Rep.objects.bulk_create(
        Rep(
            key=r.key,
            name=r.name,
            user=users.get(r.username) if r.username else None,
            team=teams[r.team],
            level=r.level,
            capacity=r.capacity,
            status=r.status,
            leave_from=r.leave_from,
            leave_until=r.leave_until,
            regions=list(r.regions),
            industries=list(r.industries),
            products=list(r.products),
        )
        for r in company.reps
    )
    rep_of = {r.key: r for r in reps}
    rows = [_customer_row(c, teams) for c in company.customers]
    customers_rescore(rows, policy_current(), today)
    rows = Customer.objects.bulk_create(rows, batch_size=500)
    changes = [
        OwnerChange(row, rep_of[c.owner], [{"kind": "import"}])
        for row, c in zip(rows, company.customers, strict=True)
        if c.owner
    ]
    owned = owners_set(
        changes,
        source=AssignmentSource.IMPORT,
        user_id=users["admin"].pk,
        note="演示数据 / demo data",
    )
    return users["admin"], owned


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment)


def _at(day: date, hour: int = 10) -> datetime:
    return _aware(datetime.combine(day, time(hour)))


def _past_owners_write(activity: DemoActivity, customers: dict[str, Customer]) -> None:
    """The pool customers that had an owner: claimed from the pool and reclaimed for want
    of follow-ups, through `owners_set` and dated back to when that happened, with the
    pool's own events (so the pool's size over time can be told from them)."""
    reps = {r.key: r for r in Rep.objects.all()}
    events = []
    for past in activity.past_owners:
        customer = customers[past.customer]
        rep = reps[past.rep]
        owners_set(
            [OwnerChange(customer, rep, [{"kind": "claim"}])],
            source=AssignmentSource.CLAIM,
            user_id=rep.user_id,
            note="演示数据 / demo data",
            at=_at(past.since),
        )
        idle = RECLAIM_NO_FOLLOWUP_DAYS + (past.until - past.since).days % 10
        events += [
            PoolEvent(
                kind=PoolEventKind.CLAIM,
                customer=customer,
                rep=rep,
                team_id=customer.team_id,
                user_id=rep.user_id,
                at=_at(past.since),
                day=past.since,
            ),
            PoolEvent(
                kind=PoolEventKind.RECLAIM,
                customer=customer,
                rep=rep,
                team_id=customer.team_id,
                reason=f"{RECLAIM_NO_FOLLOWUP_DAYS} 天未跟进，回收到公海",
                rule=ReclaimRule.NO_FOLLOWUP,
                days=idle,
                at=_at(past.until, 2),
                day=past.until,
            ),
        ]
        owners_set(
            [OwnerChange(customer, None, [])],
            source=AssignmentSource.MANUAL,
            user_id=None,
            end_reason=f"{RECLAIM_NO_FOLLOWUP_DAYS} 天未跟进，回收到公海",
            audit_source="reclaim",
            at=_at(past.until, 2),
        )
    PoolEvent.objects.bulk_create(events, batch_size=500)


@transaction.atomic
def _arrivals_route(activity: DemoActivity, today: date, admin: User) -> int:
    """The customers that arrived after the first run, routed one by one in the order they
    came (oldest first), each to the rep the objective prefers given the loads of the
    moment, as `customer_route` does on creation; one write for all of them."""
    days = dict(activity.created)
    customers = sorted(
        Customer.objects.filter(key__in=activity.arrivals, owner__isnull=True),
        key=lambda c: (-days[c.key], c.key),
    )
    reps = list(Rep.objects.exclude(status=RepStatus.DEPARTED).order_by("pk"))
    loads = dict(
        Customer.objects.filter(owner__isnull=False)
        .values_list("owner_id")
        .annotate(n=Count("pk"))
        .values_list("owner_id", "n")
    )
    policy = policy_current()
    routed = 0
    for customer in customers:
        candidates = [r for r in reps if r.team_id == customer.team_id or not customer.team_id]
        rep, reasons = customer_best_rep(customer, candidates, loads, policy)
        if rep is None:
            continue
        loads[rep.pk] = loads.get(rep.pk, 0) + 1
        # Dated the day it arrived, in the history and in the audit trail alike.
        routed += owners_set(
            [OwnerChange(customer, rep, reasons)],
            source=AssignmentSource.ROUTE,
            user_id=admin.pk,
            note="演示数据 / demo data",
            at=_at(today - timedelta(days=days[customer.key]), 9),
        )
    return routed


def _created_write(activity: DemoActivity, today: date) -> None:
    """Every customer dated to the day it was entered (spread over the last year)."""
    days = dict(activity.created)
    rows = list(Customer.objects.filter(key__in=days).only("pk", "key"))
    for row in rows:
        row.created_at = _at(today - timedelta(days=days[row.key]), 9)
    Customer.objects.bulk_update(rows, ["created_at"], batch_size=500)


def _deal_rows(
    activity: DemoActivity,
    customers: dict[str, Customer],
    touched: dict[str, Customer],
    *,
    company_reps: dict[str, DemoRep],
    reps: dict[str, Rep],
    seed: int,
) -> list[Deal]:
    """The deals, oldest first, each applied to its customer by the follow-up services'
    rule; a deal left open by the data is decided by its closing rep's hidden skill."""
    rows = []
    for d in sorted(activity.deals, key=lambda d: (d.closed_on, d.customer)):
        customer = customers[d.customer]
        if d.customer not in touched or customer.owner is None:
            continue
        rep = reps[d.rep] if d.rep else customer.owner
        result = d.result or deal_result(d, company_reps[rep.key], customer.industry, seed)
        note = d.note or _deal_note(random.Random(f"{seed}:{d.customer}:{d.closed_on}"), result)
        deal = Deal(
            customer=customer,
            rep=rep,
            author=rep.user,
            result=result,
            amount=Decimal(d.amount),
            closed_on=d.closed_on,
            note=note,
        )
        customer_deal_effect(customer, deal, latest=True)  # oldest first: the last one wins
        rows.append(deal)
    return rows


def _activity_write(
    activity: DemoActivity, company: DemoCompany, today: date, run_id: int, seed: int
) -> tuple[int, int]:
    """Owners' start dates, follow-ups and deals, with their effect on the customers (the
    follow-up services' own rules). → (follow-ups, deals) written."""
    first_run = _at(today - timedelta(days=FIRST_RUN_DAYS_AGO))
    Run.objects.filter(pk=run_id).update(
        created_at=first_run, decided_at=first_run + timedelta(minutes=20)
    )
    customers = {c.key: c for c in Customer.objects.select_related("owner__user")}
    _past_owners_write(activity, customers)
    current = {a.customer_id: a for a in Assignment.objects.filter(ended_at__isnull=True)}
    touched: dict[str, Customer] = {}
    for key, _profile, days in activity.profiles:
        customer = customers[key]
        if customer.owner is None:  # the first run left it in the pool
            continue
        customer.owned_since = _at(today - timedelta(days=days))
        current[customer.pk].started_at = customer.owned_since
        touched[key] = customer
    Assignment.objects.bulk_update(list(current.values()), ["started_at"], batch_size=500)
    reps = {r.key: r for r in Rep.objects.select_related("user")}
    followups = []
    for f in activity.followups:
        customer = customers[f.customer]
        author = reps[f.rep] if f.rep else customer.owner
        if author is None or (not f.rep and f.customer not in touched):
            continue
        followup = FollowUp(
            customer=customer,
            rep=author,
            author=author.user,
            contact_at=_aware(f.contact_at),
            channel=f.channel,
            note=f.note,
            outcome=f.outcome,
            next_step=f.next_step,
            next_step_due=f.next_step_due,
        )
        customer_followup_effect(customer, followup)
        touched[f.customer] = customer
        followups.append(followup)
    company_reps = {r.key: r for r in company.reps}
    deals = _deal_rows(
        activity, customers, touched, company_reps=company_reps, reps=reps, seed=seed
    )
    FollowUp.objects.bulk_create(followups, batch_size=500)
    Deal.objects.bulk_create(deals, batch_size=500)
    rows = list(touched.values())
    customers_rescore(rows, policy_current(), today)
    Customer.objects.bulk_update(
        rows,
        [
            "owned_since",
            "last_followup_at",
            "next_step",
            "next_step_due",
            "stage",
            "deal_count",
            "deal_amount",
            "last_deal",
            "is_new",
            "priority",
            "tier",
        ],
        batch_size=500,
    )
    return len(followups), len(deals)


def demo_load(today: date | None = None, *, seed: int = SEED) -> DemoLoaded | None:
    """Load the demo company and apply a first allocation run of the unowned customers.
    None (and nothing written) when the database already has data."""
    if demo_present():
        return None
    day = today or timezone.localdate()
    company = demo_company(seed, day)
    activity = demo_activity(company, seed, day)
    admin, owned = _company_write(company, day)
    viewer = viewer_of(admin)
    # Everyone without an owner but the customers meant to wait in the pool and those
    # that arrived after the first run (routed on arrival below).
    waiting = Customer.objects.filter(owner__isnull=True).exclude(
        key__in=activity.pool | activity.arrivals
    )
    run = run_create(
        viewer,
        scope="selection",
        customer_ids=list(waiting.values_list("pk", flat=True)),
        as_of=day,
    )
    if run.status == RunStatus.QUEUED:
        # A big scope (FENPEI_BACKGROUND_RUN_SIZE lowered) went to the task queue; the demo
        # wants the allocation before it serves, and the task skips a computed run.
        run_compute(run.pk)
    assigned = run_apply(viewer, run.pk)
    assigned += _arrivals_route(activity, day, admin)
    _created_write(activity, day)
    followups, deals = _activity_write(activity, company, day, run.pk, seed)
    _goals_write(day)
    _appeals_write(day)
    return DemoLoaded(len(company.customers), owned, run.pk, assigned, followups, deals)


def _goals_write(today: date) -> None:
    """Last month's and this month's goals for every team and its reps, this quarter's
    for the teams, and two feedback notes in 华东, so 目标与反馈, the reps' progress bars
    and the review of last month have something to show."""
    this_month = period_start_of(PeriodKind.MONTH, today)
    last_month = period_start_of(PeriodKind.MONTH, this_month - timedelta(days=1))
    quarter = period_start_of(PeriodKind.QUARTER, today)
    for team in Team.objects.select_related("manager").order_by("name"):
        if team.manager is None:
            continue
        manager = viewer_of(team.manager)
        reps = list(team.reps.filter(status=RepStatus.ACTIVE).order_by("key"))
        targets: dict[tuple[int, str], Decimal | None] = {}
        for i, rep in enumerate(reps):
            targets[(rep.pk, Metric.WON_AMOUNT)] = Decimal(200_000 + 50_000 * (i % 3))
            targets[(rep.pk, Metric.NEW_CUSTOMERS)] = Decimal(5)
            targets[(rep.pk, Metric.FOLLOWUPS)] = Decimal(30)
        team_target: dict[tuple[int, str], Decimal | None] = {
            (team.pk, Metric.WON_AMOUNT): Decimal(250_000 * max(len(reps), 1))
        }
        for month in (last_month, this_month):
            goals_set(
                manager, PeriodKind.MONTH, month, rep_targets=targets, team_targets=team_target
            )
        quarter_target: dict[tuple[int, str], Decimal | None] = {
            (team.pk, Metric.WON_AMOUNT): Decimal(700_000 * max(len(reps), 1))
        }
        goals_set(manager, PeriodKind.QUARTER, quarter, rep_targets={}, team_targets=quarter_target)
    east = Team.objects.filter(name="华东").select_related("manager").first()
    if east is None or east.manager is None:
        return
    manager = viewer_of(east.manager)
    reps = list(east.reps.filter(status=RepStatus.ACTIVE).order_by("key"))
    with_login = [r for r in reps if r.user_id is not None] or reps
    notes = ["本月跟进节奏不错，继续保持。", "大客户的下一步要写清楚截止日期。"]
    for rep, text in zip(with_login[:2] * 2, notes, strict=False):
        feedback_give(manager, rep, text)


def _appeals_write(today: date) -> None:
    """Three appeals of the rep login (E04) in the last weeks, so the queue, the appeal
    trail and the review of last month show each outcome: a hand-back rejected two weeks
    ago, a claim on a pool customer still open, and a hand-back approved today (an owner
    change is recorded when it happens, so that one is decided now)."""
    login = User.objects.filter(username="rep").first()
    east = Team.objects.filter(name="华东").select_related("manager").first()
    if login is None or east is None or east.manager is None:
        return
    rep, manager = viewer_of(login), viewer_of(east.manager)
    own = list(
        Customer.objects.filter(owner__user=login, locked=False)
        .exclude(stage=Stage.WON)
        .order_by("key")[:2]
    )
    pool = Customer.objects.filter(owner__isnull=True, team=east).order_by("key").first()
    if len(own) < 2 or pool is None:
        return
    rejected = appeal_open(
        rep,
        kind=AppealKind.HAND_BACK,
        reason="客户说明年再谈，想先放回公海。",
        customer_id=own[0].pk,
    )
    appeal_reject(manager, rejected.pk, "先保持跟进，下个月再看。")
    _appeal_dated(
        rejected.pk, opened=today - timedelta(days=16), decided=today - timedelta(days=14)
    )
    claimed = appeal_open(
        rep,
        kind=AppealKind.CLAIM,
        reason="去年展会上就是我对接的，有名片为证。",
        customer_id=pool.pk,
    )
    _appeal_dated(claimed.pk, opened=today - timedelta(days=9), decided=None)
    approved = appeal_open(
        rep, kind=AppealKind.HAND_BACK, reason="对方已换供应商，跟不动了。", customer_id=own[1].pk
    )
    _appeal_dated(approved.pk, opened=today - timedelta(days=3), decided=None)
    appeal_approve(manager, approved.pk, None, "同意，放回公海。")


def _appeal_dated(appeal_id: int, *, opened: date, decided: date | None) -> None:
    Appeal.objects.filter(pk=appeal_id).update(
        created_at=_at(opened, 11), **({"decided_at": _at(decided, 16)} if decided else {})
    )
    for event in AppealEvent.objects.filter(appeal_id=appeal_id):
        opening = event.kind == AppealEventKind.OPENED
        if opening or decided is not None:
            event.at = _at(opened, 11) if opening else _at(decided or opened, 16)
            event.save(update_fields=["at"])


# ------------------------------------------------------------------------- overview


@dataclass(frozen=True, slots=True)
class TeamLine:
    name: str
    manager: str  # username
    reps: int
    owned: int  # customers owned by the team's reps
    pool: int  # customers routed to the team with no owner


def demo_overview() -> tuple[list[TeamLine], int]:
    """One line per team, and the number of customers in the pool (no owner)."""
    teams = (
        Team.objects.select_related("manager")
        .annotate(
            n_reps=Count("reps", distinct=True),
            n_owned=Count("reps__customers", distinct=True),
            n_pool=Count("customers", filter=Q(customers__owner__isnull=True), distinct=True),
        )
        .order_by("pk")
    )
    lines = [
        TeamLine(t.name, t.manager.username if t.manager else "", t.n_reps, t.n_owned, t.n_pool)
        for t in teams
    ]
    return lines, Customer.objects.filter(owner__isnull=True).count()
