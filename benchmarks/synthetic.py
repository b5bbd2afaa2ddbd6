"""Deterministic synthetic allocation instances, 1k to 1M customers and 50 to 2,000 reps.

    inst = make_instance(100_000, 1_000, seed=7)
    problem = build_problem(inst.customers, inst.reps, inst.policy, as_of=inst.as_of)
    write_csv_pair(inst, Path("benchmarks/data"))   # customers.csv, reps.csv, policy.toml

What the instances look like (all drawn from one numpy Generator, so the same
(customers, reps, seed) gives the same instance, byte for byte):

* 31 mainland provinces, customers spread by rough economic weight (广东, 江苏, 浙江 …
  heavy; 西藏, 青海 light); 15 industries, 8 products (customers need 0–3, reps sell 2–5);
  potential value, intent, deal history and recency with skewed, realistic spreads.
* Territory-sparse eligibility with about 20 eligible reps per customer at every size.
  Provinces alone cannot give that with 2,000 reps (2,000 reps over 31 provinces is ≥ 64
  per province even when each rep covers one), so large sales forces are split into
  *industry lines* (行业线), as real ones are: each line owns a group of industries, a
  routing rule in the policy sends a customer to the teams of its line, and inside a line
  reps cover provinces. The number of lines grows with the rep count (1 line up to a few
  hundred reps); inside a line, each province is covered by a number of reps proportional
  to its demand, chosen so that a customer sees ≈ 20 reps on average (small provinces at
  least 2; a few nationwide 全国 reps per line count towards the 20).
* Capacity: each rep's capacity is its fair share of the demand it covers (with ±25 %
  noise), scaled so that total capacity (including existing load) ≈ 1.1 × customers;
  existing loads are 0–15 % of capacity; ~1 % of reps are inactive (在岗 否); ~10 % of
  customers have a current owner (95 % of them one of their eligible reps).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt

from fenpei.engine import (
    DEFAULT_POLICY_TOML,
    NATIONWIDE,
    CustomerTable,
    Level,
    Policy,
    Rep,
    default_policy,
)
from fenpei.engine.policy import RoutingRule, RuleCondition

AS_OF = date(2026, 6, 30)
TARGET_ELIGIBLE = 20.0

# (short name, city used in the 地区 cell, weight ≈ share of business customers, 大区)
PROVINCES: tuple[tuple[str, str, float, str], ...] = (
    ("北京", "北京", 6.0, "华北"),
    ("天津", "天津", 2.2, "华北"),
    ("河北", "石家庄", 3.8, "华北"),
    ("山西", "太原", 2.0, "华北"),
    ("内蒙古", "呼和浩特", 1.8, "华北"),
    ("辽宁", "沈阳", 2.7, "东北"),
    ("吉林", "长春", 1.2, "东北"),
    ("黑龙江", "哈尔滨", 1.4, "东北"),
    ("上海", "上海", 6.0, "华东"),
    ("江苏", "南京", 10.0, "华东"),
    ("浙江", "杭州", 8.0, "华东"),
    ("安徽", "合肥", 4.0, "华东"),
    ("福建", "福州", 4.5, "华东"),
    ("江西", "南昌", 2.7, "华东"),
    ("山东", "济南", 7.5, "华东"),
    ("河南", "郑州", 5.0, "华中"),
    ("湖北", "武汉", 4.5, "华中"),
    ("湖南", "长沙", 4.0, "华中"),
    ("广东", "广州", 12.0, "华南"),
    ("广西", "南宁", 2.2, "华南"),
    ("海南", "海口", 0.6, "华南"),
    ("重庆", "重庆", 2.8, "西南"),
    ("四川", "成都", 5.0, "西南"),
    ("贵州", "贵阳", 1.8, "西南"),
    ("云南", "昆明", 2.4, "西南"),
    ("西藏", "拉萨", 0.2, "西南"),
    ("陕西", "西安", 3.0, "西北"),
    ("甘肃", "兰州", 1.0, "西北"),
    ("青海", "西宁", 0.3, "西北"),
    ("宁夏", "银川", 0.4, "西北"),
    ("新疆", "乌鲁木齐", 1.5, "西北"),
)
OFFICIAL_SUFFIX = {"北京": "市", "天津": "市", "上海": "市", "重庆": "市", "内蒙古": "自治区"}
OFFICIAL_SUFFIX |= {"广西": "壮族自治区", "西藏": "自治区", "宁夏": "回族自治区"}
OFFICIAL_SUFFIX |= {"新疆": "维吾尔自治区"}

# (industry, weight, company-name suffix)
INDUSTRIES: tuple[tuple[str, float, str], ...] = (
    ("制造业", 16.0, "机械制造"),
    ("零售", 10.0, "商贸"),
    ("互联网", 9.0, "网络科技"),
    ("金融", 7.0, "投资"),
    ("医疗", 7.0, "医疗器械"),
    ("教育", 6.0, "教育科技"),
    ("物流", 6.0, "物流"),
    ("建筑", 6.0, "建设工程"),
    ("房地产", 5.0, "置业"),
    ("汽车", 5.0, "汽车服务"),
    ("能源", 5.0, "能源"),
    ("化工", 4.0, "化工"),
    ("餐饮", 4.0, "餐饮管理"),
    ("农业", 3.0, "农业科技"),
    ("公共事业", 3.0, "公用事业"),
)
PRODUCTS: tuple[tuple[str, float], ...] = (
    ("CRM系统", 5.0),
    ("ERP系统", 4.0),
    ("云服务器", 4.0),
    ("数据分析", 3.0),
    ("网络安全", 2.5),
    ("办公软件", 2.5),
    ("硬件设备", 2.0),
    ("咨询服务", 1.5),
)
LEVEL_NAMES = {Level.JUNIOR: "初级", Level.MID: "中级", Level.SENIOR: "高级"}
INTENT_NAMES = ("", "低", "中", "高")  # index = Intent value; unknown stays blank

_NAME_CHARS = (
    "华信达中恒泰瑞丰鑫源盛隆安宏嘉和天成正通新远博创金星东海明德永兴润众合利康晨汇锦凯腾飞龙佳美宇光辉顺"
    "祥益旺亿诚世纪联普奥盈昌富荣万国际泽浩森林峰岳川江河湖山云雅智慧思睿捷迅速卓越精英优品尚鼎鸿运夏长城巨力大宝乐欣悦禾绿洲蓝"
)  # ≥ 100 distinct, so 3 of them name 1M companies uniquely
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯健俊帆鹏辉晨阳鑫"


@dataclass(slots=True)
class Instance:
    """A generated instance: engine input plus the raw columns the CSV writer needs."""

    n_customers: int
    n_reps: int
    seed: int
    customers: CustomerTable
    reps: list[Rep]
    policy: Policy
    policy_toml: str
    as_of: date
    lines: list[tuple[str, list[str]]]  # industry lines: (name, industries)
    # raw customer columns (codes into the tables above)
    c_province: npt.NDArray[np.int64]
    c_industry: npt.NDArray[np.int64]
    c_products: npt.NDArray[np.int64]  # bitmask over PRODUCTS
    c_value: npt.NDArray[np.float64]
    c_intent: npt.NDArray[np.int8]
    c_deal_count: npt.NDArray[np.int32]
    c_deal_amount: npt.NDArray[np.float64]
    c_last_deal_day: npt.NDArray[np.int64]  # days since 1970-01-01, -1 none
    c_owner: npt.NDArray[np.int64]  # rep index, -1 none
    mean_covering_per_customer: float  # territory ∩ line, before status and capacity
    mean_covering_per_province: float  # mean over (line, province) cells, unweighted


def _split_lines(n_lines: int) -> list[list[int]]:
    """Industries into n_lines groups of about equal weight (largest first, to the lightest)."""
    groups: list[list[int]] = [[] for _ in range(n_lines)]
    load = [0.0] * n_lines
    for i in sorted(range(len(INDUSTRIES)), key=lambda i: -INDUSTRIES[i][1]):
        g = min(range(n_lines), key=lambda g: (load[g], g))
        groups[g].append(i)
        load[g] += INDUSTRIES[i][1]
    return [sorted(g) for g in groups]


def _covers(alpha: float, w: npt.NDArray[np.float64], regional: int) -> npt.NDArray[np.int64]:
    return np.clip(np.rint(alpha * w), min(2, regional), regional).astype(np.int64)


def _province_cover(
    w: npt.NDArray[np.float64], regional: int, target: float
) -> npt.NDArray[np.int64]:
    """Reps per province (∝ demand) so that the demand-weighted mean is ≈ target."""
    lo, hi = 0.0, 1e7
    for _ in range(60):
        mid = (lo + hi) / 2
        if float(w @ _covers(mid, w, regional)) < target:
            lo = mid
        else:
            hi = mid
    return _covers(hi, w, regional)


def _line_plan(n_reps: int, w: npt.NDArray[np.float64]) -> int:
    """Fewest industry lines such that every regional rep covers at least one province."""
    ind_w = np.array([x[1] for x in INDUSTRIES])
    for n_lines in range(1, len(INDUSTRIES) + 1):
        ok = True
        for group in _split_lines(n_lines):
            share = ind_w[group].sum() / ind_w.sum()
            reps = max(1, round(n_reps * share))
            nationwide = _nationwide_count(reps)
            regional = reps - nationwide
            cover = _province_cover(w, regional, TARGET_ELIGIBLE - nationwide)
            if int(cover.sum()) < regional:
                ok = False
                break
        if ok:
            return n_lines
    return len(INDUSTRIES)


def _nationwide_count(reps: int) -> int:
    return 0 if reps < 100 else 1 + reps // 400


def _pick_k(
    rng: np.random.Generator, n: int, weights: npt.NDArray[np.float64], k: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Bitmask of k[i] distinct items per row, drawn by weight (Gumbel top-k)."""
    keys = np.log(weights)[None, :] + rng.gumbel(size=(n, weights.size))
    order = np.argsort(-keys, axis=1)
    take = np.arange(weights.size)[None, :] < k[:, None]
    bits = np.where(take, np.left_shift(1, order), 0)
    return bits.sum(axis=1).astype(np.int64)


def _mask_items(mask: int, names: list[str]) -> list[str]:
    return [names[b] for b in range(len(names)) if mask >> b & 1]


def make_instance(n_customers: int, n_reps: int, seed: int = 20260630) -> Instance:
    rng = np.random.default_rng([seed, n_customers, n_reps])
    n, n_prov = n_customers, len(PROVINCES)
    w = np.array([p[2] for p in PROVINCES])
    w = w / w.sum()
    ind_w = np.array([x[1] for x in INDUSTRIES])
    ind_w = ind_w / ind_w.sum()
    prod_names = [p[0] for p in PRODUCTS]
    prod_w = np.array([p[1] for p in PRODUCTS])

    # ---- reps: industry lines, territories, capacities -------------------------------
    n_lines = _line_plan(n_reps, w)
    groups = _split_lines(n_lines)
    line_share = np.array([ind_w[g].sum() for g in groups])
    line_reps = np.maximum(1, np.floor(n_reps * line_share).astype(np.int64))
    for i in np.argsort(-line_share)[: n_reps - int(line_reps.sum())]:
        line_reps[i] += 1  # largest lines get the remainder
    line_names = (
        ["综合"]
        if n_lines == 1
        else [INDUSTRIES[g[0]][0].removesuffix("业") + "线" for g in groups]
    )
    line_of_industry = np.zeros(len(INDUSTRIES), dtype=np.int64)
    for li, g in enumerate(groups):
        line_of_industry[g] = li

    rep_line = np.repeat(np.arange(n_lines), line_reps)
    rep_regions: list[list[int]] = []  # province indices; [] = nationwide
    demand_share = np.zeros(n_reps)  # fair share of the line's demand, before noise
    covering = np.zeros((n_lines, n_prov), dtype=np.int64)
    start = 0
    for li in range(n_lines):
        reps_here = int(line_reps[li])
        nat = _nationwide_count(reps_here)
        regional = reps_here - nat
        cover = _province_cover(w, regional, TARGET_ELIGIBLE - nat)
        covering[li] = cover + nat
        tokens = np.repeat(np.arange(n_prov), cover)  # province p appears cover[p] times
        perm = rng.permutation(regional)  # which rep receives which pile of tokens
        mine: list[list[int]] = [[] for _ in range(regional)]
        for t, p in enumerate(tokens.tolist()):
            mine[perm[t % regional]].append(p)  # cover[p] ≤ regional, so distinct
        for j in range(regional):
            rep_regions.append(sorted(mine[j]))
            demand_share[start + j] = float(np.sum(w[mine[j]] / covering[li, mine[j]]))
        regional_mean = float(demand_share[start : start + regional].mean()) if regional else 1.0
        for _ in range(nat):
            rep_regions.append([])  # nationwide key-account reps: half again a regional load
        demand_share[start + regional : start + reps_here] = 1.5 * regional_mean
        demand_share[start : start + reps_here] *= line_share[li]
        start += reps_here

    raw = demand_share * rng.lognormal(0.0, 0.25, n_reps)
    capacity = np.maximum(5, np.rint(raw * (1.1 * n) / raw.sum())).astype(np.int64)
    existing = np.rint(capacity * rng.uniform(0.0, 0.15, n_reps)).astype(np.int64)
    active = np.ones(n_reps, dtype=bool)
    n_inactive = max(1, n_reps // 100)
    active[rng.choice(n_reps, size=n_inactive, replace=False)] = False
    level = rng.choice(
        np.array([Level.JUNIOR, Level.MID, Level.SENIOR]), size=n_reps, p=[0.45, 0.35, 0.20]
    )
    rep_products = _pick_k(rng, n_reps, prod_w, rng.integers(2, 6, n_reps))
    rep_keys = [f"S{j + 1:05d}" for j in range(n_reps)]
    sn, gv = len(_SURNAMES), len(_GIVEN)
    name_code = rng.permutation(sn * gv * (gv + 1))[:n_reps]
    rep_names = [
        _SURNAMES[c // (gv * (gv + 1))]
        + _GIVEN[c // (gv + 1) % gv]
        + ("" if c % (gv + 1) == gv else _GIVEN[c % (gv + 1)])
        for c in name_code.tolist()
    ]
    reps: list[Rep] = []
    teams_of_line: list[set[str]] = [set() for _ in range(n_lines)]
    for j in range(n_reps):
        li = int(rep_line[j])
        regions = rep_regions[j]
        area = PROVINCES[regions[0]][3] if regions else "全国"
        team = f"{area}{line_names[li]}" if n_lines > 1 else f"{area}销售部"
        teams_of_line[li].add(team)
        own = [INDUSTRIES[i][0] for i in groups[li]]
        k = int(rng.integers(1, min(3, len(own)) + 1))
        expert = [own[i] for i in sorted(rng.choice(len(own), size=k, replace=False).tolist())]
        if rng.random() < 0.2:
            expert.append(INDUSTRIES[int(rng.integers(len(INDUSTRIES)))][0])
        reps.append(
            Rep(
                key=rep_keys[j],
                name=rep_names[j],
                team=team,
                regions=frozenset(PROVINCES[p][0] for p in regions)
                if regions
                else frozenset({NATIONWIDE}),
                industries=frozenset(expert),
                products=frozenset(_mask_items(int(rep_products[j]), prod_names)),
                level=Level(int(level[j])),
                capacity=int(capacity[j]),
                existing_load=int(existing[j]),
                active=bool(active[j]),
            )
        )

    # ---- customers -----------------------------------------------------------------
    province = rng.choice(n_prov, size=n, p=w)
    industry = rng.choice(len(INDUSTRIES), size=n, p=ind_w)
    n_need = rng.choice(4, size=n, p=[0.2, 0.4, 0.3, 0.1])
    products = _pick_k(rng, n, prod_w, n_need)
    size = rng.normal(size=n)  # how big the customer is; value and intent both follow it
    value = np.rint(np.exp(math.log(80_000) + 1.6 * size) / 1000) * 1000
    warmth = 0.7 * size + 0.71 * rng.normal(size=n)
    intent = np.digitize(warmth, [-0.4, 0.9]).astype(np.int8) + 1  # low / medium / high
    intent[rng.random(n) < 0.2] = 0  # unknown
    has_deals = rng.random(n) < 0.4
    deal_count = np.where(has_deals, rng.geometric(0.35, n), 0).astype(np.int32)
    deal_amount = np.where(
        has_deals,
        np.rint(np.exp(rng.normal(math.log(150_000), 1.0, n)) * np.sqrt(np.maximum(deal_count, 1))),
        0.0,
    )
    today = (AS_OF - date(1970, 1, 1)).days
    last_day = np.where(has_deals, today - rng.integers(0, 3 * 365, n), -1).astype(np.int64)

    # current owner: one of the reps covering (line, province), 5 % anyone
    line = line_of_industry[industry]
    rep_cover = np.zeros((n_reps, n_prov), dtype=bool)
    for j, regions in enumerate(rep_regions):
        rep_cover[j, regions if regions else slice(None)] = True
    cell_lists = [
        np.flatnonzero(rep_cover[:, p] & (rep_line == li))
        for li in range(n_lines)
        for p in range(n_prov)
    ]
    cell_len = np.array([c.size for c in cell_lists])
    cell_ptr = np.r_[0, np.cumsum(cell_len)]
    cell_rep = np.concatenate(cell_lists)
    has_owner = rng.random(n) < 0.10
    cell = line * n_prov + province
    pick = cell_ptr[cell] + np.floor(rng.random(n) * cell_len[cell]).astype(np.int64)
    owner = np.where(has_owner, cell_rep[np.minimum(pick, cell_rep.size - 1)], -1)
    stray = has_owner & (rng.random(n) < 0.05)
    owner = np.where(stray, rng.integers(0, n_reps, n), owner).astype(np.int64)

    covering_per_customer = float(covering[line, province].mean()) if n else 0.0
    covering_per_province = float(covering.mean())  # per (line, province) cell

    # ---- engine input ----------------------------------------------------------------
    keys = [f"C{i + 1:07d}" for i in range(n)]
    code = rng.permutation(len(_NAME_CHARS) ** 3)[:n] if n <= len(_NAME_CHARS) ** 3 else None
    if code is None:
        raise ValueError("too many customers for unique names")
    nc = len(_NAME_CHARS)
    city = [PROVINCES[p][1] for p in range(n_prov)]
    suffix = [x[2] for x in INDUSTRIES]
    names = [
        f"{city[p]}{_NAME_CHARS[c // (nc * nc)]}{_NAME_CHARS[c // nc % nc]}{_NAME_CHARS[c % nc]}{suffix[i]}有限公司"
        for p, i, c in zip(province.tolist(), industry.tolist(), code.tolist(), strict=True)
    ]
    prov_names = [p[0] for p in PROVINCES]
    ind_names = [x[0] for x in INDUSTRIES]
    set_of_mask = {m: frozenset(_mask_items(m, prod_names)) for m in range(1 << len(PRODUCTS))}
    epoch = date(1970, 1, 1)
    day_cache: dict[int, date | None] = {-1: None}
    for d in np.unique(last_day).tolist():
        if d >= 0:
            day_cache[d] = epoch + timedelta(days=d)
    customers = CustomerTable.from_columns(
        keys=keys,
        names=names,
        region=[prov_names[p] for p in province.tolist()],
        city=[city[p] for p in province.tolist()],
        industry=[ind_names[i] for i in industry.tolist()],
        products=[set_of_mask[m] for m in products.tolist()],
        potential_value=value,
        intent=intent,
        deal_count=deal_count,
        deal_amount=deal_amount,
        last_deal=[day_cache[d] for d in last_day.tolist()],
        owner=[rep_keys[o] if o >= 0 else "" for o in owner.tolist()],
    )

    lines = [(line_names[li], [INDUSTRIES[i][0] for i in groups[li]]) for li in range(n_lines)]
    rules = (
        tuple(
            RoutingRule(
                name=f"{name}：{'、'.join(inds)}",
                when=RuleCondition(industries=frozenset(inds)),
                teams=frozenset(teams_of_line[li]),
            )
            for li, (name, inds) in enumerate(lines)
        )
        if n_lines > 1
        else ()
    )
    policy = dataclasses.replace(default_policy(), rules=rules)
    toml = DEFAULT_POLICY_TOML
    for rule in rules:
        toml += (
            f'\n[[rules]]\nname = "{rule.name}"\n'
            f"when = {{ industries = [{', '.join(f'{chr(34)}{x}{chr(34)}' for x in sorted(rule.when.industries))}] }}\n"
            f"teams = [{', '.join(f'{chr(34)}{t}{chr(34)}' for t in sorted(rule.teams))}]\n"
        )
    return Instance(
        n_customers=n,
        n_reps=n_reps,
        seed=seed,
        customers=customers,
        reps=reps,
        policy=policy,
        policy_toml=toml,
        as_of=AS_OF,
        lines=lines,
        c_province=province,
        c_industry=industry,
        c_products=products,
        c_value=value,
        c_intent=intent,
        c_deal_count=deal_count,
        c_deal_amount=deal_amount,
        c_last_deal_day=last_day,
        c_owner=owner,
        mean_covering_per_customer=covering_per_customer,
        mean_covering_per_province=covering_per_province,
    )


CUSTOMER_HEADERS = (
    "客户编号",
    "客户名称",
    "行业",
    "地区",
    "潜在价值",
    "合作意向",
    "产品需求",
    "历史交易额",
    "交易次数",
    "最近交易日期",
    "现负责人",
)
REP_HEADERS = (
    "姓名",
    "工号",
    "团队",
    "负责地区",
    "擅长行业",
    "产品",
    "级别",
    "容量",
    "在岗",
    "现有客户数",
)


def write_csv_pair(inst: Instance, folder: Path) -> tuple[Path, Path, Path]:
    """customers.csv, reps.csv (canonical Chinese headers, UTF-8) and policy.toml in folder.

    No cell contains a comma, quote or newline, so rows are joined directly (the csv module
    would only add quoting that is never needed, at several times the cost).
    """
    folder.mkdir(parents=True, exist_ok=True)
    c = inst.customers
    prod_names = [p[0] for p in PRODUCTS]
    region_cell = [
        f"{short}{OFFICIAL_SUFFIX.get(short, '省')}" + ("" if short == city else f"{city}市")
        for short, city, _, _ in PROVINCES
    ]
    need_cell = ["、".join(_mask_items(m, prod_names)) for m in range(1 << len(PRODUCTS))]
    ind_names = [x[0] for x in INDUSTRIES]
    epoch = date(1970, 1, 1)
    day_cell = {-1: ""} | {
        d: (epoch + timedelta(days=d)).isoformat()
        for d in np.unique(inst.c_last_deal_day).tolist()
        if d >= 0
    }
    rep_keys = [r.key for r in inst.reps]
    columns = [
        c.keys,
        c.names,
        [ind_names[i] for i in inst.c_industry.tolist()],
        [region_cell[p] for p in inst.c_province.tolist()],
        [str(v) for v in inst.c_value.astype(np.int64).tolist()],
        [INTENT_NAMES[i] for i in inst.c_intent.tolist()],
        [need_cell[m] for m in inst.c_products.tolist()],
        [str(v) if v else "" for v in inst.c_deal_amount.astype(np.int64).tolist()],
        [str(v) for v in inst.c_deal_count.tolist()],
        [day_cell[d] for d in inst.c_last_deal_day.tolist()],
        [rep_keys[o] if o >= 0 else "" for o in inst.c_owner.tolist()],
    ]
    customers_csv = folder / "customers.csv"
    with customers_csv.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(CUSTOMER_HEADERS) + "\n")
        rows = zip(*columns, strict=True)
        chunk = 100_000
        while True:
            block = [",".join(row) for _, row in zip(range(chunk), rows, strict=False)]
            if not block:
                break
            out.write("\n".join(block) + "\n")

    reps_csv = folder / "reps.csv"
    order = [p[0] for p in PROVINCES]
    with reps_csv.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(REP_HEADERS) + "\n")
        for r in inst.reps:
            regions = NATIONWIDE if r.nationwide else "、".join(sorted(r.regions, key=order.index))
            row = (
                r.name,
                r.key,
                r.team,
                regions,
                "、".join(sorted(r.industries, key=ind_names.index)),
                "、".join(sorted(r.products, key=prod_names.index)),
                LEVEL_NAMES[r.level],
                str(r.capacity),
                "是" if r.active else "否",
                str(r.existing_load),
            )
            out.write(",".join(row) + "\n")
    policy_toml = folder / "policy.toml"
    policy_toml.write_text(inst.policy_toml, encoding="utf-8")
    return customers_csv, reps_csv, policy_toml


def describe(inst: Instance) -> str:
    caps = np.array([r.capacity or 0 for r in inst.reps])
    existing = np.array([r.existing_load for r in inst.reps])
    return (
        f"{inst.n_customers:,} customers × {inst.n_reps:,} reps, {len(inst.lines)} industry line(s), "
        f"covering reps per customer {inst.mean_covering_per_customer:.1f} "
        f"(unweighted mean per province and line {inst.mean_covering_per_province:.1f}), "
        f"capacity {caps.sum() / max(inst.n_customers, 1):.2f}× customers "
        f"(free {(caps - existing).sum() / max(inst.n_customers, 1):.2f}×), "
        f"{sum(not r.active for r in inst.reps)} inactive, "
        f"{sum(r.nationwide for r in inst.reps)} nationwide"
    )


if __name__ == "__main__":
    import argparse
    import time

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("customers", type=int)
    parser.add_argument("reps", type=int)
    parser.add_argument("--seed", type=int, default=20260630)
    parser.add_argument(
        "--csv", type=Path, help="also write customers.csv / reps.csv / policy.toml here"
    )
    args = parser.parse_args()
    t0 = time.perf_counter()
    instance = make_instance(args.customers, args.reps, args.seed)
    print(f"generated in {time.perf_counter() - t0:.2f} s: {describe(instance)}")
    if args.csv:
        t0 = time.perf_counter()
        write_csv_pair(instance, args.csv)
        print(f"CSV written in {time.perf_counter() - t0:.2f} s to {args.csv}")
