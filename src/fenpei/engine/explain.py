"""Reasons (分配理由): why each customer went where it went, or why it went nowhere.

Reasons are structured dicts (a `kind` or `code` plus the numbers behind it) so that other
tools can read them; `reason_text` renders one in Chinese or English. The wording lives
here, next to the numbers it describes, because the CLI has no Django and no gettext
catalogue; the web app can render the same dicts through its own translations.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from fenpei.engine.eligibility import (
    FIT_PARTS,
    VIA_LOCKED,
    VIA_NATIONWIDE,
    VIA_OPEN,
    VIA_RULE,
    VIA_TERRITORY,
    Problem,
    area_name,
    eligibility_via,
    fit_parts,
    performance_rates,
)
from fenpei.engine.model import TIERS, Allocation
from fenpei.engine.performance import segment_names
from fenpei.engine.scoring import PARTS

Reason = dict[str, Any]
LANGS = ("zh", "en")

_PART_NAMES = {
    "zh": {
        "value": "潜在价值",
        "intent": "合作意向",
        "newness": "新客户",
        "history": "历史交易",
        "industry": "行业对口",
        "product": "产品匹配",
        "level": "级别对口",
        "incumbent": "现负责人",
        "region": "负责地区",
        "performance": "业绩",
    },
    "en": {
        "value": "value",
        "intent": "intent",
        "newness": "new customer",
        "history": "history",
        "industry": "industry",
        "product": "products",
        "level": "level",
        "incumbent": "current owner",
        "region": "region",
        "performance": "track record",
    },
}


def _parts_text(reason: Reason, names: tuple[str, ...], lang: str) -> str:
    labels = _PART_NAMES[lang]
    shown = [f"{labels[k]} {reason[k]:+g}" for k in names if reason.get(k)]
    return ", ".join(shown) if lang == "en" else "，".join(shown)


def _fit_head(reason: Reason, lang: str) -> str:
    """The fit text without the score: shared by every customer with the same fit parts."""
    parts = _parts_text(reason, FIT_PARTS, lang)
    if lang == "zh":
        return f"匹配度 {reason['total']:g}（1{'，' + parts if parts else ''}），得分 "
    return f"fit {reason['total']:g} (1{', ' + parts if parts else ''}), score "


def _percent(rate: float) -> str:
    return f"{100 * rate:.0f}%"


def _performance_text(r: Reason, lang: str) -> str:
    """金融行业成交 12/20（估计胜率 52%），团队 35% / won 12 of 20 deals in 金融 industry
    (estimated win rate 52%), team 35%."""
    industry, region, tier = r["industry"], r["region"], r["tier"]
    rate, team = _percent(r["rate"]), _percent(r["team_rate"])
    counts = f"{r['wins']}/{r['deals']}" if lang == "zh" else f"{r['wins']} of {r['deals']}"
    if lang == "zh":
        parts = [f"{industry}行业" if industry else "", region, f"{tier} 类客户" if tier else ""]
        label = "、".join(p for p in parts if p) or "全部客户"
        return f"{label}成交 {counts}（估计胜率 {rate}），团队 {team}"
    parts = [f"{industry} industry" if industry else "", region, f"tier {tier}" if tier else ""]
    label = ", ".join(p for p in parts if p)
    where = f" in {label}" if label else ""
    return f"won {counts} deals{where} (estimated win rate {rate}), team {team}"


def _eligible_text(r: Reason, lang: str) -> str:
    via, detail = r["via"], r["detail"]
    zh = lang == "zh"
    if via == VIA_RULE:
        return f"路由规则「{detail}」允许" if zh else f"allowed by routing rule “{detail}”"
    if via == VIA_NATIONWIDE:
        return "负责全国" if zh else "covers the whole country"
    if via == VIA_LOCKED:
        return "客户已锁定给现负责人" if zh else "customer is locked to its current owner"
    if via == VIA_OPEN:
        return "地区不是硬性规则" if zh else "territory is not a hard rule"
    region = detail or ("未知地区" if zh else "unknown region")
    return f"负责地区含{region}" if zh else f"territory includes {region}"


def _runner_up_text(r: Reason, lang: str) -> str:
    zh = lang == "zh"
    why = r["why"]
    if why == "only_candidate":
        return "没有其他可分配的销售" if zh else "no other eligible rep"
    who, score = r["rep"], r["score"]
    if why == "lower_score":
        return (
            f"次优：{who}（得分 {score:g}，低于本次）"
            if zh
            else f"runner-up: {who} (score {score:g}, lower)"
        )
    if why == "tie":
        return (
            f"并列：{who}（同分 {score:g}、同样的均衡代价，按固定顺序决定）"
            if zh
            else f"tied: {who} (same score {score:g} and balance cost; settled by a fixed order)"
        )
    if why == "at_capacity":
        return (
            f"次优：{who}（得分 {score:g}，已满额 {r['load']}/{r['capacity']}）"
            if zh
            else f"runner-up: {who} (score {score:g}, full at {r['load']}/{r['capacity']})"
        )
    return (
        f"次优：{who}（得分 {score:g}，但负载 {r['load']}/{r['capacity']}，均衡代价更高）"
        if zh
        else f"runner-up: {who} (score {score:g}, but load {r['load']}/{r['capacity']} costs more balance)"
    )


def _unassigned_text(r: Reason, lang: str) -> str:
    zh = lang == "zh"
    code = r["code"]
    region = r.get("region") or ("未知地区" if zh else "an unknown region")
    if code == "duplicate":
        inner = r["reason"]["text"]
        return f"与 {r['of']} 是同一客户：{inner}" if zh else f"same customer as {r['of']}: {inner}"
    if code == "locked_owner_unavailable":
        return (
            "客户已锁定，但现负责人不在岗或已满额"
            if zh
            else "locked, but its owner is inactive, unknown or full"
        )
    if code == "rule_no_rep":
        return (
            f"路由规则「{r['rule']}」限定的销售中没有人负责{region}"
            if zh
            else f"routing rule “{r['rule']}” allows no rep who covers {region}"
        )
    if code == "no_rep_in_region":
        return f"没有销售负责{region}" if zh else f"no rep covers {region}"
    if code == "all_unavailable" and r["reps"] == 1:
        return (
            f"唯一负责{region}的销售不在岗或已满额"
            if zh
            else f"the only rep covering {region} is inactive or already full"
        )
    if code == "all_unavailable":
        return (
            f"负责{region}的 {r['reps']} 名销售都不在岗或已满额"
            if zh
            else f"all {r['reps']} reps covering {region} are inactive or already full"
        )
    if code == "not_worth_balance":
        return (
            "可分配的销售还有空位，但均衡代价高于该客户的价值（覆盖权重 M 小于均衡权重 λ）"
            if zh
            else "eligible reps have room, but the balance cost exceeds this customer's value (M below λ)"
        )
    if r["reps"] == 1:
        return (
            "唯一可分配的销售容量已被优先级更高的客户占满"
            if zh
            else "the only eligible rep was filled by higher-value customers"
        )
    return (
        f"{r['reps']} 名可分配的销售容量已被优先级更高的客户占满"
        if zh
        else f"all {r['reps']} eligible reps were filled by higher-value customers"
    )


def reason_text(reason: Reason, lang: str = "zh") -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    zh = lang == "zh"
    kind = reason.get("kind")
    if kind == "eligible":
        return _eligible_text(reason, lang)
    if kind == "duplicate":
        of = reason["of"]
        return (
            f"与 {of} 是同一客户，随其分配" if zh else f"same customer as {of}: allocated with it"
        )
    if kind == "priority":
        head = (
            f"优先级 {reason['total']:g}（{reason['tier']} 类）"
            if zh
            else f"priority {reason['total']:g} (tier {reason['tier']})"
        )
        return (
            f"{head}：{_parts_text(reason, PARTS, lang)}"
            if zh
            else f"{head}: {_parts_text(reason, PARTS, lang)}"
        )
    if kind == "fit":
        return f"{_fit_head(reason, lang)}{reason['score']:g}"
    if kind == "performance":
        return _performance_text(reason, lang)
    if kind == "balance":
        if zh:
            return f"分配后负载 {reason['load']}/{reason['capacity']}，均衡代价 {reason['cost']:g}"
        return f"load after {reason['load']}/{reason['capacity']}, balance cost {reason['cost']:g}"
    if kind == "runner_up":
        return _runner_up_text(reason, lang)
    return _unassigned_text(reason, lang)


def _final_load(problem: Problem, allocation: Allocation, rep: int) -> int:
    return int(problem.existing_load[rep]) + allocation.loads[rep].assigned


def explain_assignment(
    problem: Problem, allocation: Allocation, i: int, lang: str = "zh"
) -> list[Reason]:
    return explain_assignments(problem, allocation, np.array([i], dtype=np.int64), lang)[0]


def _runner_ups(
    problem: Problem, allocation: Allocation, idx: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Best other eligible rep of each customer (highest fit, then lowest index): (rep, fit·100).

    Vectorised over the batch: the arcs of every customer laid out flat, the own rep
    masked, and each customer's best is a segment maximum of fit·100·(R+1) + (R − rep).
    """
    n_reps = len(problem.reps)
    own = allocation.rep[idx].astype(np.int64)
    ptr, reps, fits = problem.arcs(idx)
    seg = np.repeat(np.arange(idx.size, dtype=np.int64), np.diff(ptr))
    rep = reps.astype(np.int64)
    f100 = np.rint(fits * 100).astype(np.int64)
    key = np.where(rep != own[seg], f100 * (n_reps + 1) + (n_reps - rep), -1)
    best = np.full(idx.size, -1, dtype=np.int64)
    if key.size:
        np.maximum.at(best, seg, key)
    alt = np.where(best >= 0, n_reps - best % (n_reps + 1), -1)
    return alt, np.where(best >= 0, best // (n_reps + 1), 0)


def explain_assignments(
    problem: Problem, allocation: Allocation, indices: npt.ArrayLike, lang: str = "zh"
) -> list[list[Reason]]:
    """Reasons for many assigned customers at once; the numbers are computed as arrays and
    texts that repeat (eligibility, fit, balance) are rendered once per distinct value."""
    asked = np.asarray(indices, dtype=np.int64).reshape(-1)
    same_as = problem.customers.same_as[asked]
    if (same_as >= 0).any():  # duplicates: explained by the row that stands for them
        stand = np.where(same_as >= 0, same_as, asked)
        reasons = explain_assignments(problem, allocation, stand, lang)
        keys = problem.customers.keys
        for j in np.flatnonzero(same_as >= 0).tolist():
            note: Reason = {"kind": "duplicate", "of": keys[int(same_as[j])]}
            note["text"] = reason_text(note, lang)
            reasons[j] = [note, *(dict(r) for r in reasons[j])]
        return reasons
    idx = asked
    rep = allocation.rep[idx].astype(np.int64)
    if (rep < 0).any():
        raise ValueError(f"customer {int(idx[rep < 0][0])} is not assigned")
    lam = problem.policy.balance_weight
    load = problem.existing_load.astype(np.int64) + np.bincount(
        allocation.rep[allocation.rep >= 0], minlength=len(problem.reps)
    )
    cap = problem.capacity.astype(np.int64)
    fit = fit_parts(problem, idx, rep.astype(np.int32))
    fit_r = np.round(fit, 2)
    performance = _performance_reasons(problem, idx, rep, fit_r[:, 5], lang)
    pri = np.round(problem.priority_parts[idx], 2)
    alt, alt_f100 = _runner_ups(problem, allocation, idx)
    priority = problem.priority[idx]
    own_score = allocation.score[idx]
    alt_score = np.round(priority * alt_f100 / 100.0, 4)
    alt_safe = np.maximum(alt, 0)
    alt_load, alt_cap = load[alt_safe], cap[alt_safe]
    own_cost = lam * (load[rep] - 1) / np.maximum(cap[rep], 1)
    alt_cost = lam * alt_load / np.maximum(alt_cap, 1)
    why = np.where(
        alt < 0,
        0,
        np.where(
            alt_score < own_score,
            1,
            np.where(
                alt_load >= alt_cap,
                2,
                np.where((alt_score == own_score) & (alt_cost == own_cost), 3, 4),
            ),
        ),
    )
    whys = ("only_candidate", "lower_score", "at_capacity", "tie", "balance")
    # plain Python lists: one numpy scalar access per value would cost more than the rest
    rep_l, why_l, alt_l = rep.tolist(), why.tolist(), alt.tolist()
    prio_l, tier_l = priority.tolist(), problem.tier[idx].tolist()
    pri_l, fit_l = pri.tolist(), fit_r.tolist()
    fit_total_l, score_l = allocation.fit[idx].tolist(), own_score.tolist()
    alt_score_l, alt_load_l, alt_cap_l = alt_score.tolist(), alt_load.tolist(), alt_cap.tolist()
    via_key = np.column_stack(
        [problem.customers.locked[idx], problem.rule[idx], problem.area[idx], rep]
    ).tolist()  # what decides the eligibility reason: lock, rule, area and rep
    vias: dict[tuple[int, ...], Reason] = {}
    balances: dict[int, Reason] = {}
    heads: dict[tuple[Any, ...], str] = {}
    out: list[list[Reason]] = []
    for j, i in enumerate(idx.tolist()):
        r = rep_l[j]
        vk = tuple(via_key[j])
        eligible = vias.get(vk)
        if eligible is None:
            via, detail = eligibility_via(problem, i, r)
            eligible = vias[vk] = {"kind": "eligible", "via": via, "detail": detail}
            eligible["text"] = reason_text(eligible, lang)
        pp = pri_l[j]
        prio: Reason = {
            "kind": "priority",
            "total": prio_l[j],
            "tier": TIERS[tier_l[j]],
            "value": pp[0],
            "intent": pp[1],
            "newness": pp[2],
            "history": pp[3],
        }
        prio["text"] = reason_text(prio, lang)
        fp = fit_l[j]
        score = score_l[j]
        fitr: Reason = {
            "kind": "fit",
            "total": fit_total_l[j],
            "industry": fp[0],
            "product": fp[1],
            "level": fp[2],
            "incumbent": fp[3],
            "region": fp[4],
            "performance": fp[5],
            "score": score,
        }
        head_key = (fit_total_l[j], *fp)
        head = heads.get(head_key)
        if head is None:
            head = heads[head_key] = _fit_head(fitr, lang)
        fitr["text"] = f"{head}{score:g}"
        bal = balances.get(r)
        if bal is None:
            bal = balances[r] = {
                "kind": "balance",
                "load": int(load[r]),
                "capacity": int(cap[r]),
                "cost": round(lam * (int(load[r]) - 1) / max(int(cap[r]), 1), 4),
            }
            bal["text"] = reason_text(bal, lang)
        w = why_l[j]
        runner: Reason = {"kind": "runner_up", "why": whys[w]}
        if w:
            other = problem.reps[alt_l[j]]
            runner["rep_key"] = other.key
            runner["rep"] = other.name
            runner["score"] = alt_score_l[j]
            runner["load"] = alt_load_l[j]
            runner["capacity"] = alt_cap_l[j]
        runner["text"] = reason_text(runner, lang)
        # shared reasons are copied so that a caller editing one list cannot change another
        said = [dict(eligible), prio, fitr]
        if j in performance:  # only where the term changed the fit: right after it
            said.append(performance[j])
        out.append([*said, dict(bal), runner])
    return out


def _performance_reasons(
    problem: Problem,
    idx: npt.NDArray[np.int64],
    rep: npt.NDArray[np.int64],
    bonus: npt.NDArray[np.float64],
    lang: str,
) -> dict[int, Reason]:
    """The track record behind each performance bonus, by position in `idx`."""
    shown = np.flatnonzero(bonus > 0)
    if shown.size == 0 or problem.performance is None:
        return {}
    rates = problem.performance.rates
    pairs = performance_rates(problem, idx[shown], rep[shown].astype(np.int32))
    assert pairs is not None  # the term is on: performance data exists
    out: dict[int, Reason] = {}
    for k, j in enumerate(shown.tolist()):
        reason: Reason = {
            "kind": "performance",
            **segment_names(rates, pairs, k),
            "wins": int(pairs.wins[k]),
            "deals": int(pairs.deals[k]),
            "rate": round(float(pairs.rate[k]), 4),
            "team_rate": round(float(pairs.team_rate[k]), 4),
            "bonus": float(bonus[j]),
        }
        reason["text"] = reason_text(reason, lang)
        out[j] = reason
    return out


def _any_room(problem: Problem, allocation: Allocation, i: int) -> bool:
    """Does an eligible rep still have a free slot after the run?"""
    reps, _ = problem.candidates(i)
    return any(
        _final_load(problem, allocation, int(r)) < int(problem.capacity[int(r)]) for r in reps
    )


def explain_unassigned(
    problem: Problem, allocation: Allocation, i: int, lang: str = "zh"
) -> Reason:
    if int(allocation.rep[i]) >= 0:
        raise ValueError(f"customer {i} is assigned")
    c = problem.customers
    stand = int(c.same_as[i])
    if stand >= 0:
        inner = explain_unassigned(problem, allocation, stand, lang)
        reason: Reason = {"code": "duplicate", "of": c.keys[stand], "reason": inner}
        reason["text"] = reason_text(reason, lang)
        return reason
    region = area_name(problem, i)
    k = int(problem.klass[i])
    n_candidates = int(problem.class_ptr[k + 1] - problem.class_ptr[k])
    cover = int(problem.class_cover[k])
    if c.locked[i]:
        reason = {"code": "locked_owner_unavailable"}
    elif n_candidates > 0 and _any_room(problem, allocation, i):
        reason = {"code": "not_worth_balance", "reps": n_candidates}
    elif n_candidates > 0:
        reason = {"code": "capacity_used", "reps": n_candidates}
    elif cover > 0:
        reason = {"code": "all_unavailable", "reps": cover, "region": region}
    elif int(problem.rule[i]) >= 0:
        reason = {
            "code": "rule_no_rep",
            "rule": problem.policy.rules[int(problem.rule[i])].name,
            "region": region,
        }
    else:
        reason = {"code": "no_rep_in_region", "region": region}
    reason["text"] = reason_text(reason, lang)
    return reason


__all__ = ["VIA_TERRITORY", "explain_assignment", "explain_unassigned", "reason_text"]
