"""The allocation policy (分配策略): every weight, threshold and rule, and its TOML form.

The policy is plain data. `policy_from_toml` validates a TOML document and names the
offending key in every error, so a manager editing the file by hand learns exactly what
to fix. `DEFAULT_POLICY_TOML` is the commented file `fenpei policy init` writes; it is
parsed by the same function, so the defaults and the file can never drift apart.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from typing import Any

from fenpei.engine.model import TIERS, Intent, Level

TERRITORY_MODES = ("hard", "soft", "off")
POOL_SCOPES = ("team", "company")


class PolicyError(ValueError):
    """A policy value is unusable; the message names the key."""


@dataclass(frozen=True, slots=True)
class PriorityWeights:
    value: float = 40.0
    intent: float = 30.0
    newness: float = 10.0
    history: float = 20.0

    @property
    def total(self) -> float:
        return self.value + self.intent + self.newness + self.history


@dataclass(frozen=True, slots=True)
class PriorityScales:
    # Potential value is scored on a log scale: 0 yuan → 0, `value_full` yuan and above → 1.
    value_unit: float = 10_000.0
    value_full: float = 5_000_000.0
    intent_high: float = 1.0
    intent_medium: float = 0.6
    intent_low: float = 0.2
    intent_unknown: float = 0.35
    # History: half from the amount won (log scale up to history_full), half from recency.
    history_full: float = 1_000_000.0
    recency_half_life_days: float = 180.0

    def intent_points(self, intent: Intent) -> float:
        return {
            Intent.HIGH: self.intent_high,
            Intent.MEDIUM: self.intent_medium,
            Intent.LOW: self.intent_low,
            Intent.UNKNOWN: self.intent_unknown,
        }[intent]


@dataclass(frozen=True, slots=True)
class Tiers:
    a: float = 60.0  # priority ≥ a → tier A
    b: float = 35.0  # priority ≥ b → tier B, else C


@dataclass(frozen=True, slots=True)
class FitBonuses:
    industry: float = 0.30  # rep's expertise includes the customer's industry
    product: float = 0.20  # × share of the customer's product needs the rep sells
    level: float = 0.20  # rep level matches the tier (A → senior, B → mid, C → junior)
    incumbent: float = 0.50  # rep is the current owner (stickiness)
    region: float = 0.30  # rep covers the region, when territory is not a hard rule


#: Dimensions a performance segment may use (see performance.py), most specific first.
PERFORMANCE_SEGMENTS = ("industry", "region", "tier")


@dataclass(frozen=True, slots=True)
class PerformanceTerm:
    """Learning from results: a fit bonus from each rep's recorded win rate.

    bonus = weight × min(max(q / p_s − 1, 0), 1), where q is the rep's win rate in the
    customer's segment shrunk towards the team's rate p_s with the weight of
    `prior_deals` deals (performance.py says how and why). Off at weight 0, the default:
    results stay exactly as without the term until a manager chooses to let past
    results steer new customers, and a new installation has no deals to learn from.
    """

    weight: float = 0.0  # 0 = off
    prior_deals: float = 10.0  # k: the team's rate counts as this many deals
    min_deals: int = 5  # fewest of the rep's own deals a segment needs to be used
    months: int = 12  # deals closed in this many months before the run count
    segments: tuple[str, ...] = PERFORMANCE_SEGMENTS  # dropped from the end to back off

    @property
    def on(self) -> bool:
        return self.weight > 0


#: Which rep level suits which tier.
TIER_LEVEL = {0: Level.SENIOR, 1: Level.MID, 2: Level.JUNIOR}


@dataclass(frozen=True, slots=True)
class RuleCondition:
    regions: frozenset[str] = frozenset()
    industries: frozenset[str] = frozenset()
    tiers: frozenset[str] = frozenset()
    intents: frozenset[str] = frozenset()  # high / medium / low / unknown
    min_value: float | None = None
    max_value: float | None = None


@dataclass(frozen=True, slots=True)
class RoutingRule:
    """When a customer matches `when`, only the listed teams / reps may take it.

    Rules are tried in order; the first match decides. A customer matching no rule may go
    to any rep (subject to territory).
    """

    name: str
    when: RuleCondition
    teams: frozenset[str] = frozenset()
    reps: frozenset[str] = frozenset()  # rep keys (工号) or names
    ignore_territory: bool = False


@dataclass(frozen=True, slots=True)
class PoolRules:
    """The public pool (公海): who may claim what, and when idle customers go back.

    Reclaim days are counted from the later of the last follow-up / deal and the day the
    owner got the customer, so a customer just handed over is never reclaimed at once.
    A rule set to 0 is off.
    """

    scope: str = "team"  # "team": one pool per team; "company": one pool for all
    claims_per_day: int = 10  # claims one rep may make per day
    cooldown_days: int = 30  # a former owner waits this long to claim it again
    reclaim_no_followup_days: int = 30  # no follow-up for this long → back to the pool
    reclaim_no_deal_days: int = 180  # no deal for this long → back to the pool
    warn_days: int = 7  # the owner is warned this many days before


@dataclass(frozen=True, slots=True)
class Policy:
    priority_weights: PriorityWeights = field(default_factory=PriorityWeights)
    priority_scales: PriorityScales = field(default_factory=PriorityScales)
    tiers: Tiers = field(default_factory=Tiers)
    fit: FitBonuses = field(default_factory=FitBonuses)
    coverage_weight: float = 1000.0  # M
    balance_weight: float = 30.0  # λ
    default_capacity: int = 200
    territory: str = "hard"  # hard / soft / off
    #: a customer created one at a time (API, form) gets its best rep at once
    route_new_customers: bool = True
    #: customers of a confirmed import get their reps at once (else a run is previewed)
    route_imported_customers: bool = False
    rules: tuple[RoutingRule, ...] = ()
    pool: PoolRules = field(default_factory=PoolRules)
    #: rebalance: points of objective a move must gain to be worth changing a customer's owner
    move_cost: float = 50.0
    performance: PerformanceTerm = field(default_factory=PerformanceTerm)


def _section(doc: dict[str, Any], name: str) -> dict[str, Any]:
    value = doc.get(name, {})
    if not isinstance(value, dict):
        raise PolicyError(f"[{name}] must be a table")
    return value


def _number(
    table: dict[str, Any],
    key: str,
    default: float,
    where: str,
    *,
    low: float = 0.0,
    high: float = math.inf,
) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PolicyError(f"{where}.{key} must be a number, got {value!r}")
    if value < low:
        raise PolicyError(f"{where}.{key} must be ≥ {low:g}, got {value!r}")
    if value > high:
        raise PolicyError(f"{where}.{key} must be ≤ {high:g}, got {value!r}")
    return float(value)


# The solver works in integers (10⁻⁶ of a point) with 64-bit costs; these bounds keep every
# cost, times the number of nodes, far from overflow at millions of customers.
MAX_WEIGHT = 100_000.0
MAX_FIT_BONUS = 100.0


def _strings(table: dict[str, Any], key: str, where: str) -> frozenset[str]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{where}.{key} must be a list of strings, got {value!r}")
    return frozenset(v.strip() for v in value if v.strip())


def _unknown_keys(table: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise PolicyError(f"{where}: unknown key(s) {', '.join(extra)}")


def _whole(table: dict[str, Any], key: str, default: int, where: str) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PolicyError(f"{where}.{key} must be a whole number ≥ 0, got {value!r}")
    if value > MAX_DAYS:
        raise PolicyError(f"{where}.{key} must be ≤ {MAX_DAYS}, got {value!r}")
    return value


#: Longest period or count a pool rule may name (about 27 years): beyond it a date
#: computed from it would overflow, and no sales team means it.
MAX_DAYS = 10_000


def _pool_from_toml(raw: dict[str, Any]) -> PoolRules:
    d = PoolRules()
    _unknown_keys(raw, set(PoolRules.__slots__), "pool")
    scope = raw.get("scope", d.scope)
    if scope not in POOL_SCOPES:
        raise PolicyError(f"pool.scope must be one of team, company; got {scope!r}")
    return PoolRules(
        scope=scope,
        claims_per_day=_whole(raw, "claims_per_day", d.claims_per_day, "pool"),
        cooldown_days=_whole(raw, "cooldown_days", d.cooldown_days, "pool"),
        reclaim_no_followup_days=_whole(
            raw, "reclaim_no_followup_days", d.reclaim_no_followup_days, "pool"
        ),
        reclaim_no_deal_days=_whole(raw, "reclaim_no_deal_days", d.reclaim_no_deal_days, "pool"),
        warn_days=_whole(raw, "warn_days", d.warn_days, "pool"),
    )


def _rule_from_toml(raw: Any, position: int) -> RoutingRule:
    where = f"rules[{position}]"
    if not isinstance(raw, dict):
        raise PolicyError(f"{where} must be a table")
    _unknown_keys(raw, {"name", "when", "teams", "reps", "ignore_territory"}, where)
    name = raw.get("name", f"rule {position + 1}")
    if not isinstance(name, str) or not name.strip():
        raise PolicyError(f"{where}.name must be a non-empty string")
    when = raw.get("when", {})
    if not isinstance(when, dict):
        raise PolicyError(f"{where}.when must be a table")
    w = f"{where}.when"
    _unknown_keys(when, {"regions", "industries", "tiers", "intents", "min_value", "max_value"}, w)
    tiers = _strings(when, "tiers", w)
    if not tiers <= set(TIERS):
        raise PolicyError(f"{w}.tiers may only contain A, B, C")
    intents = _strings(when, "intents", w)
    if not intents <= {i.label for i in Intent}:
        raise PolicyError(f"{w}.intents may only contain high, medium, low, unknown")
    min_value = _number(when, "min_value", -1.0, w, low=-1.0) if "min_value" in when else None
    max_value = _number(when, "max_value", -1.0, w, low=-1.0) if "max_value" in when else None
    teams, reps = _strings(raw, "teams", where), _strings(raw, "reps", where)
    if not teams and not reps:
        raise PolicyError(f"{where} must name at least one team or rep")
    ignore = raw.get("ignore_territory", False)
    if not isinstance(ignore, bool):
        raise PolicyError(f"{where}.ignore_territory must be true or false")
    return RoutingRule(
        name=name.strip(),
        when=RuleCondition(
            regions=_strings(when, "regions", w),
            industries=_strings(when, "industries", w),
            tiers=tiers,
            intents=intents,
            min_value=min_value,
            max_value=max_value,
        ),
        teams=teams,
        reps=reps,
        ignore_territory=ignore,
    )


def policy_from_dict(doc: dict[str, Any]) -> Policy:
    _unknown_keys(
        doc,
        {
            "priority",
            "intent",
            "value",
            "history",
            "tiers",
            "fit",
            "allocation",
            "rules",
            "pool",
            "rebalance",
            "performance",
        },
        "policy",
    )
    d = Policy()
    pw, ps = d.priority_weights, d.priority_scales
    pri = _section(doc, "priority")
    _unknown_keys(pri, {"value", "intent", "newness", "history"}, "priority")
    weights = PriorityWeights(
        value=_number(pri, "value", pw.value, "priority"),
        intent=_number(pri, "intent", pw.intent, "priority"),
        newness=_number(pri, "newness", pw.newness, "priority"),
        history=_number(pri, "history", pw.history, "priority"),
    )
    if weights.total <= 0:
        raise PolicyError("priority: at least one weight must be positive")
    intent = _section(doc, "intent")
    _unknown_keys(intent, {"high", "medium", "low", "unknown"}, "intent")
    value = _section(doc, "value")
    _unknown_keys(value, {"unit", "full"}, "value")
    history = _section(doc, "history")
    _unknown_keys(history, {"full", "half_life_days"}, "history")
    scales = PriorityScales(
        value_unit=_number(value, "unit", ps.value_unit, "value", low=1.0),
        value_full=_number(value, "full", ps.value_full, "value", low=1.0),
        intent_high=_number(intent, "high", ps.intent_high, "intent"),
        intent_medium=_number(intent, "medium", ps.intent_medium, "intent"),
        intent_low=_number(intent, "low", ps.intent_low, "intent"),
        intent_unknown=_number(intent, "unknown", ps.intent_unknown, "intent"),
        history_full=_number(history, "full", ps.history_full, "history", low=1.0),
        recency_half_life_days=_number(
            history, "half_life_days", ps.recency_half_life_days, "history", low=1.0
        ),
    )
    for key in ("high", "medium", "low", "unknown"):
        if getattr(scales, f"intent_{key}") > 1:
            raise PolicyError(f"intent.{key} must be between 0 and 1")
    if scales.value_full <= scales.value_unit:
        raise PolicyError("value.full must be greater than value.unit")
    tiers_raw = _section(doc, "tiers")
    _unknown_keys(tiers_raw, {"a", "b"}, "tiers")
    tiers = Tiers(
        a=_number(tiers_raw, "a", d.tiers.a, "tiers"),
        b=_number(tiers_raw, "b", d.tiers.b, "tiers"),
    )
    if not 0 <= tiers.b <= tiers.a <= 100:
        raise PolicyError("tiers: need 0 ≤ b ≤ a ≤ 100")
    fit_raw = _section(doc, "fit")
    _unknown_keys(fit_raw, {"industry", "product", "level", "incumbent", "region"}, "fit")
    fit = FitBonuses(
        **{
            k: _number(fit_raw, k, getattr(d.fit, k), "fit", high=MAX_FIT_BONUS)
            for k in FitBonuses.__slots__
        }
    )
    alloc = _section(doc, "allocation")
    _unknown_keys(
        alloc,
        {
            "coverage_weight",
            "balance_weight",
            "default_capacity",
            "territory",
            "route_new",
            "route_imports",
        },
        "allocation",
    )
    route_new = alloc.get("route_new", d.route_new_customers)
    if not isinstance(route_new, bool):
        raise PolicyError(f"allocation.route_new must be true or false, got {route_new!r}")
    route_imports = alloc.get("route_imports", d.route_imported_customers)
    if not isinstance(route_imports, bool):
        raise PolicyError(f"allocation.route_imports must be true or false, got {route_imports!r}")
    territory = alloc.get("territory", d.territory)
    if territory not in TERRITORY_MODES:
        raise PolicyError(f"allocation.territory must be one of hard, soft, off; got {territory!r}")
    capacity = alloc.get("default_capacity", d.default_capacity)
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0:
        raise PolicyError(
            f"allocation.default_capacity must be a whole number ≥ 0, got {capacity!r}"
        )
    rules_raw = doc.get("rules", [])
    if not isinstance(rules_raw, list):
        raise PolicyError("rules must be an array of tables ([[rules]])")
    return Policy(
        priority_weights=weights,
        priority_scales=scales,
        tiers=tiers,
        fit=fit,
        coverage_weight=_number(
            alloc, "coverage_weight", d.coverage_weight, "allocation", high=MAX_WEIGHT
        ),
        balance_weight=_number(
            alloc, "balance_weight", d.balance_weight, "allocation", high=MAX_WEIGHT
        ),
        default_capacity=capacity,
        territory=territory,
        route_new_customers=route_new,
        route_imported_customers=route_imports,
        rules=tuple(_rule_from_toml(r, i) for i, r in enumerate(rules_raw)),
        pool=_pool_from_toml(_section(doc, "pool")),
        move_cost=_move_cost(_section(doc, "rebalance"), d.move_cost),
        performance=_performance_from_toml(_section(doc, "performance")),
    )


#: Longest look-back a performance term may use; older deals say little about a rep now.
MAX_PERFORMANCE_MONTHS = 120


def _performance_from_toml(raw: dict[str, Any]) -> PerformanceTerm:
    d = PerformanceTerm()
    where = "performance"
    _unknown_keys(raw, set(PerformanceTerm.__slots__), where)
    prior = _number(raw, "prior_deals", d.prior_deals, where, high=MAX_WEIGHT)
    if prior <= 0:
        raise PolicyError(f"performance.prior_deals must be > 0, got {raw.get('prior_deals')!r}")
    months = _whole(raw, "months", d.months, where)
    if not 1 <= months <= MAX_PERFORMANCE_MONTHS:
        raise PolicyError(
            f"performance.months must be between 1 and {MAX_PERFORMANCE_MONTHS}, got {months!r}"
        )
    min_deals = _whole(raw, "min_deals", d.min_deals, where)
    if min_deals < 1:
        raise PolicyError("performance.min_deals must be at least 1, got 0")
    segments = raw.get("segments", list(d.segments))
    if isinstance(segments, str):
        segments = [segments]
    if (
        not isinstance(segments, list | tuple)
        or not all(isinstance(s, str) and s in PERFORMANCE_SEGMENTS for s in segments)
        or len(set(segments)) != len(segments)
    ):
        raise PolicyError(
            "performance.segments must list distinct names from industry, region, tier; "
            f"got {segments!r}"
        )
    return PerformanceTerm(
        weight=_number(raw, "weight", d.weight, where, high=MAX_FIT_BONUS),
        prior_deals=prior,
        min_deals=min_deals,
        months=months,
        segments=tuple(segments),
    )


def _move_cost(raw: dict[str, Any], default: float) -> float:
    _unknown_keys(raw, {"move_cost"}, "rebalance")
    return _number(raw, "move_cost", default, "rebalance", high=MAX_WEIGHT)


def policy_from_toml(text: str) -> Policy:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"not valid TOML: {exc}") from exc
    return policy_from_dict(doc)


DEFAULT_POLICY_TOML = """\
# Fenpei 分配策略 / allocation policy
# 每个数值都可以修改；删掉的键取默认值。 Every value may be changed; a removed key takes its default.
#
# 目标 / objective:  maximise  Σ (M + priority × fit)  −  λ · Σ_rep Σ_k (k − 1) / capacity
#   M = coverage_weight（覆盖权重：有容量就不让客户落空 / leave nobody out while capacity remains）
#   λ = balance_weight（均衡权重：0 = 只看匹配，越大越平均 / 0 = best match only, larger = even load）
#   fit = 1 + [fit] 各项加成 + [performance] 业绩加成 / 1 + the [fit] bonuses + the [performance] bonus

[priority]
# 优先级 0–100 = 以下四项按权重加权 / priority 0–100 = weighted mix of four parts
value = 40     # 潜在价值 / potential value
intent = 30    # 合作意向 / intent
newness = 10   # 新客户 / new customer
history = 20   # 历史交易（金额与最近成交）/ past deals (amount and recency)

[value]
# 潜在价值按对数计分：0 元得 0 分，full 元及以上得满分
# potential value is scored on a log scale: 0 yuan scores 0, `full` yuan and above score 1
unit = 10000       # 元 / yuan
full = 5000000     # 500万

[intent]
# 各意向等级得分（0–1）/ points per intent level (0–1)
high = 1.0
medium = 0.6
low = 0.2
unknown = 0.35

[history]
full = 1000000        # 历史交易额满分线（元）/ deal amount that scores full
half_life_days = 180  # 最近成交的半衰期（天）/ recency half-life in days

[tiers]
# 等级阈值 / tier thresholds: priority ≥ a → A, ≥ b → B, otherwise C
a = 60
b = 35

[fit]
# 匹配度 = 1 + 以下加成 / fit = 1 + these bonuses
industry = 0.3    # 擅长该行业 / rep knows the customer's industry
product = 0.2     # × 客户所需产品中该销售能卖的比例 / × share of needed products the rep sells
level = 0.2       # 级别对口：A→高级，B→中级，C→初级 / level suits tier: A→senior, B→mid, C→junior
incumbent = 0.5   # 现负责人（保持稳定）/ current owner (stickiness)
region = 0.3      # 负责该地区（仅当地区不是硬性规则时）/ covers the region (when territory is soft)

[performance]
# 业绩学习（智能化）：按销售过往的成交胜率给匹配度加分；weight = 0 关闭（默认）
# learning from results: a fit bonus from each rep's recorded win rate; weight = 0 is off (default)
#   加成 = weight × min(max(销售胜率 / 团队胜率 − 1, 0), 1)：高于团队才加分，不扣分，最多到团队的两倍
#   bonus = weight × min(max(rep rate / team rate − 1, 0), 1): never negative, full at twice the team
#   销售胜率向团队收缩 / the rep's rate is shrunk towards the team's:
#   (赢单 + k × 团队胜率) / (成交 + k) = (wins + k × team rate) / (deals + k),  k = prior_deals
weight = 0          # 建议 0.3–1（行业加成为 0.3）/ try 0.3–1 (the industry bonus is 0.3)
prior_deals = 10    # k：团队胜率相当于多少笔成交（越大越保守）/ the team's rate counts as k deals
min_deals = 5       # 细分中销售本人至少有这么多笔成交才使用 / fewest own deals a segment needs
months = 12         # 只看最近几个月内结束的成交 / deals closed in the last N months
segments = ["industry", "region", "tier"]  # 细分维度；不够时从末尾依次去掉 / dropped from the end when too few

[allocation]
coverage_weight = 1000   # M
balance_weight = 30      # λ
default_capacity = 200   # 未填容量的销售 / capacity of reps whose sheet leaves it empty
territory = "hard"       # hard：只分给负责该地区的销售 / only reps covering the region
                         # soft：地区只加分 / region only adds the bonus;  off：不看地区 / ignored
route_new = true         # 新建客户时立即分配最合适的销售 / a new customer gets its best rep at once
route_imports = false    # 导入确认后立即分配新客户（否则先预览）/ imported customers too (else preview a run)

[pool]
# 公海：无负责人的客户，销售可以领取 / the pool: customers with no owner, open to claim
scope = "team"                  # team：每个团队一个公海 / one pool per team;  company：全公司一个 / one for all
claims_per_day = 10             # 每人每天最多领取 / claims per rep per day
cooldown_days = 30              # 原负责人再次领取同一客户须等待的天数 / a former owner waits this long
reclaim_no_followup_days = 30   # 超过这么多天未跟进则回收（0 = 不回收）/ no follow-up this long → back (0 = off)
reclaim_no_deal_days = 180      # 超过这么多天未成交则回收（0 = 不回收）/ no deal this long → back (0 = off)
warn_days = 7                   # 回收前提前几天提醒负责人 / warn the owner this many days before

[rebalance]
# 再平衡：每调整一个客户的负责人扣除的分数（越大调整越少）
# rebalance: points charged per customer whose owner changes (larger = fewer moves)
move_cost = 50

# 路由规则按顺序匹配，第一条命中的规则决定可分配的团队或销售
# Routing rules are tried in order; the first match decides which teams or reps may take it.
# 条件 / conditions: regions, industries, tiers, intents, min_value, max_value
#
# [[rules]]
# name = "大客户归大客户部 / key accounts to the KA team"
# when = { min_value = 5000000 }
# teams = ["大客户部"]
# ignore_territory = true
#
# [[rules]]
# name = "金融行业 / finance"
# when = { industries = ["金融"], tiers = ["A", "B"] }
# reps = ["S001", "S007"]
"""


def default_policy() -> Policy:
    return policy_from_toml(DEFAULT_POLICY_TOML)


# ------------------------------------------------------------------ writing a policy back
#
# The web editor saves versions as TOML so that every stored version is a file a manager
# can read, diff and load with `policy_from_toml`. The emitter is hand-written because
# the standard library only reads TOML; it needs nothing beyond tables, an array of
# tables, strings, numbers, booleans and string lists. Sets are written sorted (tiers and
# intents in their natural order) so the same policy always gives the same text, and two
# versions diff line by line.

_INTENT_ORDER = ("high", "medium", "low", "unknown")


def _sorted_strings(values: frozenset[str], order: tuple[str, ...] = ()) -> list[str]:
    rank = {v: i for i, v in enumerate(order)}
    return sorted(values, key=lambda v: (rank.get(v, len(rank)), v))


def _rule_to_dict(rule: RoutingRule) -> dict[str, Any]:
    c = rule.when
    when: dict[str, Any] = {}
    for key, values, order in (
        ("regions", c.regions, ()),
        ("industries", c.industries, ()),
        ("tiers", c.tiers, TIERS),
        ("intents", c.intents, _INTENT_ORDER),
    ):
        if values:
            when[key] = _sorted_strings(values, tuple(order))
    if c.min_value is not None:
        when["min_value"] = c.min_value
    if c.max_value is not None:
        when["max_value"] = c.max_value
    out: dict[str, Any] = {"name": rule.name}
    if rule.teams:
        out["teams"] = _sorted_strings(rule.teams)
    if rule.reps:
        out["reps"] = _sorted_strings(rule.reps)
    out["ignore_territory"] = rule.ignore_territory
    out["when"] = when
    return out


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    """The policy as the plain document `policy_from_dict` reads (every key present)."""
    pw, ps, f = policy.priority_weights, policy.priority_scales, policy.fit
    return {
        "priority": {
            "value": pw.value,
            "intent": pw.intent,
            "newness": pw.newness,
            "history": pw.history,
        },
        "value": {"unit": ps.value_unit, "full": ps.value_full},
        "intent": {
            "high": ps.intent_high,
            "medium": ps.intent_medium,
            "low": ps.intent_low,
            "unknown": ps.intent_unknown,
        },
        "history": {"full": ps.history_full, "half_life_days": ps.recency_half_life_days},
        "tiers": {"a": policy.tiers.a, "b": policy.tiers.b},
        "fit": {k: getattr(f, k) for k in FitBonuses.__slots__},
        "allocation": {
            "coverage_weight": policy.coverage_weight,
            "balance_weight": policy.balance_weight,
            "default_capacity": policy.default_capacity,
            "territory": policy.territory,
            "route_new": policy.route_new_customers,
            "route_imports": policy.route_imported_customers,
        },
        "pool": {key: getattr(policy.pool, key) for key in PoolRules.__slots__},
        "rebalance": {"move_cost": policy.move_cost},
        "performance": {
            "weight": policy.performance.weight,
            "prior_deals": policy.performance.prior_deals,
            "min_deals": policy.performance.min_deals,
            "months": policy.performance.months,
            "segments": list(policy.performance.segments),
        },
        "rules": [_rule_to_dict(r) for r in policy.rules],
    }


_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f"}
_TOML_ESCAPES["\r"] = "\\r"
# Whole numbers are written without ".0" (as a person would type them) while they are
# exactly representable; larger ones keep Python's shortest round-trip float form.
_WHOLE_LIMIT = 2.0**53


def _toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PolicyError(f"cannot write {value!r} as a policy number")
        if value.is_integer() and abs(value) < _WHOLE_LIMIT:
            return str(int(value))
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _toml_table(lines: list[str], header: str, table: dict[str, Any]) -> None:
    lines.append(header)
    lines.extend(f"{key} = {_toml_value(value)}" for key, value in table.items())


_SECTION_COMMENTS = {
    "priority": "# 优先级权重 / priority weights",
    "value": "# 潜在价值计分（元）/ potential value scale (yuan)",
    "intent": "# 合作意向得分（0–1）/ points per intent level (0–1)",
    "history": "# 历史交易 / past deals",
    "tiers": "# 等级阈值 / tier thresholds: priority ≥ a → A, ≥ b → B, otherwise C",
    "fit": "# 匹配度 = 1 + 加成 / fit = 1 + bonuses",
    "performance": (
        "# 业绩学习：weight × min(max(胜率 / 团队胜率 − 1, 0), 1)，0 = 关闭"
        " / learning from results (weight 0 = off)"
    ),
    "allocation": "# M = coverage_weight, λ = balance_weight; territory = hard / soft / off",
    "pool": "# 公海 / pool: scope = team / company; days 0 = rule off",
    "rebalance": "# 再平衡 / rebalance: points charged per customer whose owner changes",
}


def policy_to_toml(policy: Policy) -> str:
    """The policy as a TOML document; `policy_from_toml` reads it back to an equal policy.

    Deterministic: equal policies give identical text. Routing rules keep their order
    (the first match decides), each as `[[rules]]` followed by its `[rules.when]`.
    """
    doc = policy_to_dict(policy)
    lines = ["# Fenpei 分配策略 / allocation policy"]
    for name, comment in _SECTION_COMMENTS.items():
        lines.append("")
        lines.append(comment)
        _toml_table(lines, f"[{name}]", doc[name])
    if doc["rules"]:
        lines.append("")
        lines.append("# 路由规则按顺序匹配，第一条命中的规则决定")
        lines.append("# routing rules are tried in order; the first match decides")
    for rule in doc["rules"]:
        when = rule.pop("when")
        lines.append("")
        _toml_table(lines, "[[rules]]", rule)
        _toml_table(lines, "[rules.when]", when)
    return "\n".join(lines) + "\n"
