"""Rebalance (再平衡): re-optimise books that already have owners, paying for every move.

    maximise  published objective  −  move_cost × (customers whose owner changes)

The published objective is the one `solve` maximises (M per covered customer + priority ×
fit − λ · convex balance cost), with the current owner's fit carrying the stickiness bonus
as always. Only *movable* customers take part: they have a known owner and are neither
locked nor protected (protected = recent follow-ups, open deals; the caller decides, the
manager may clear it). Everything else stays with its owner and counts as existing load,
so loads are recomputed from the current owners: a rep's existing load here is
`Rep.existing_load` (customers owned outside the table, the same contract as `solve`)
plus the table's fixed customers it owns.

Exact: every customer whose owner changes loses the move cost, and a customer who stays
does not, so the move cost is a bonus on the incumbent arc plus a constant
(−move_cost × movable customers). In the solver's integer units (10⁻⁶ point, see
solve.py) the bonus is `round(move_cost · 10⁶)`, so the integer problem stays the one
the flow solver optimises exactly; the move cost is precise to 10⁻⁶ of a point.

The network is one arc per eligible (customer, rep) pair and one unit arc per free slot.
The class/fit-level hubs of solve.py are not used: every movable customer has its own
owner arc with its own bonus, so customers rarely collapse into groups, and a rebalance
covers the owned book (10⁵ customers), not the million-row imports the hubs were built for.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from fenpei.engine.eligibility import Problem, build_problem, fit_parts, fit_total
from fenpei.engine.explain import Reason, explain_assignments, reason_text
from fenpei.engine.model import Allocation, BoolArray, CustomerTable, IntArray, Rep, RepLoad
from fenpei.engine.policy import Policy
from fenpei.engine.solve import SCALE, SolveError, objective_of, slot_costs


@dataclass(frozen=True, slots=True)
class Move:
    customer: int  # row in the caller's table
    from_rep: int  # index into reps
    to_rep: int  # index into reps; -1: the customer could not stay anywhere (capacity)


@dataclass(frozen=True, slots=True)
class RebalanceLoad:
    rep: int
    capacity: int
    fixed: int  # outside the table + the table's locked/protected/unmovable customers
    before: int  # total load with the current owners
    after: int  # total load after the rebalance


@dataclass(slots=True)
class RebalanceResult:
    """New owner per customer (rows of the caller's table; -1 no owner) and the trade-off.

    Objectives are the published objective over the movable customers (fixed load is a
    constant); `net_after` subtracts the move cost. `gain = net_after − objective_before`,
    never negative when the current book is feasible (it is itself a candidate)."""

    owner: IntArray  # new owner per row, index into reps, -1 none
    owner_before: IntArray
    movable: BoolArray
    moves: list[Move]  # every changed row, duplicates included
    charged_moves: int  # real customers moved: what the move cost is paid for
    move_cost: float
    objective_before: float
    objective_after: float
    net_after: float
    gain: float
    loads: list[RebalanceLoad]
    #: the current book breaks capacity or eligibility somewhere (a rebalance must move)
    before_feasible: bool
    reasons: dict[int, list[Reason]]  # per moved customer row
    #: the movable customers' problem (its row j is the caller's row `rows[j]`); None when
    #: nothing is movable (the engine builds no problem over zero customers)
    problem: Problem | None
    rows: npt.NDArray[np.int64]
    active: BoolArray  # per rep

    def load_spread(self, which: str = "after") -> float:
        """Max − min utilisation (load / capacity) over active reps with capacity."""
        active = [lo for lo in self.loads if lo.capacity > 0 and self.active[lo.rep]]
        if not active:
            return 0.0
        util = [float(getattr(lo, which)) / lo.capacity for lo in active]
        return float(max(util) - min(util))


@dataclass(frozen=True, slots=True)
class TradeOffPoint:
    move_cost: float
    moves: int
    improvement: float  # published objective after − before (what the moves buy)
    net_gain: float  # improvement − move_cost × moves
    spread_before: float
    spread_after: float


def _take(table: CustomerTable, rows: npt.NDArray[np.int64]) -> CustomerTable:
    """The given rows as a table of their own; vocabularies are shared, duplicates remapped."""
    new_index = np.full(len(table), -1, dtype=np.int64)
    new_index[rows] = np.arange(rows.size)
    same_as = table.same_as[rows].astype(np.int64)
    same_as = np.where(same_as >= 0, new_index[np.maximum(same_as, 0)], -1)
    pick = rows.tolist()
    return CustomerTable(
        keys=[table.keys[i] for i in pick],
        names=[table.names[i] for i in pick],
        region=table.region[rows],
        regions=table.regions,
        city=[table.city[i] for i in pick],
        industry=table.industry[rows],
        industries=table.industries,
        product_set=table.product_set[rows],
        product_sets=table.product_sets,
        potential_value=table.potential_value[rows],
        intent=table.intent[rows],
        deal_count=table.deal_count[rows],
        deal_amount=table.deal_amount[rows],
        last_deal_day=table.last_deal_day[rows],
        is_new=table.is_new[rows],
        owner=[table.owner[i] for i in pick],
        locked=table.locked[rows],
        same_as=same_as.astype(np.int32),
    )


@dataclass(slots=True)
class _Prepared:
    table: CustomerTable
    reps: list[Rep]
    owner_before: IntArray  # per caller row
    movable: BoolArray
    rows: npt.NDArray[np.int64]
    fixed: npt.NDArray[np.int64]  # per rep
    problem: Problem
    before_rep: IntArray  # per problem row: the current owner
    before_score: npt.NDArray[np.float64]
    before_feasible: bool
    arc_cust: npt.NDArray[np.int64]
    arc_rep: npt.NDArray[np.int64]
    arc_value: npt.NDArray[np.int64]  # M + priority × fit, in units
    slot_rep: npt.NDArray[np.int64]
    slot_cost: npt.NDArray[np.int64]


def _prepare(
    table: CustomerTable,
    reps: Sequence[Rep],
    policy: Policy,
    protected: BoolArray | None,
    as_of: date,
) -> _Prepared:
    reps = list(reps)
    n, n_reps = len(table), len(reps)
    index = {r.key: j for j, r in enumerate(reps)}
    owner = np.fromiter(
        (index.get(o, -1) if o else -1 for o in table.owner), dtype=np.int32, count=n
    )
    protect = np.zeros(n, dtype=np.bool_) if protected is None else np.asarray(protected, bool)
    if protect.shape != (n,):
        raise ValueError("protected must have one flag per customer")
    # decided per real customer: a duplicate row follows the row that stands for it
    stand = np.where(table.same_as >= 0, table.same_as, np.arange(n))
    movable_stand = (owner >= 0) & ~table.locked & ~protect
    movable = movable_stand[stand] & (owner[stand] >= 0)
    rows = np.flatnonzero(movable).astype(np.int64)
    counted_fixed = (owner >= 0) & ~movable & (table.same_as < 0)
    fixed = np.bincount(owner[counted_fixed], minlength=n_reps).astype(np.int64)
    adjusted = [
        dataclasses.replace(r, existing_load=r.existing_load + int(fixed[j]))
        for j, r in enumerate(reps)
    ]
    sub = _take(table, rows)
    problem = build_problem(sub, adjusted, policy, as_of=as_of)

    before_rep = owner[rows].astype(np.int32)
    lead = np.flatnonzero(sub.same_as < 0).astype(np.int64)
    before_fit = np.full(rows.size, np.nan)
    before_fit[lead] = fit_total(fit_parts(problem, lead, before_rep[lead]))
    before_score = np.round(problem.priority * before_fit, 4)
    follow = np.flatnonzero(sub.same_as >= 0)
    before_score[follow] = before_score[sub.same_as[follow]]
    # the current book: every lead customer eligible with its owner, no rep over capacity
    eligible_now = ~np.isnan(problem.incumbent_fit[lead])
    added = np.bincount(before_rep[lead], minlength=n_reps)
    feasible = bool(eligible_now.all() and (added <= problem.slots).all())

    ptr, arc_rep, fit = problem.arcs(lead)
    arc_cust = np.repeat(lead, np.diff(ptr))
    p100 = np.rint(problem.priority * 100).astype(np.int64)
    arc_value = round(policy.coverage_weight * SCALE) + p100[arc_cust] * np.rint(fit * 100).astype(
        np.int64
    ) * (SCALE // 10_000)
    reach = np.bincount(arc_rep, minlength=n_reps).astype(np.int64)
    slot_ptr, all_cost = slot_costs(problem, reach)
    slots = np.minimum(np.diff(slot_ptr), reach)
    slot_rep = np.repeat(np.arange(n_reps, dtype=np.int64), slots)
    k = np.arange(slot_rep.size, dtype=np.int64) - np.repeat(np.cumsum(slots) - slots, slots)
    return _Prepared(
        table=table,
        reps=reps,
        owner_before=owner,
        movable=movable,
        rows=rows,
        fixed=fixed,
        problem=problem,
        before_rep=before_rep,
        before_score=before_score,
        before_feasible=feasible,
        arc_cust=arc_cust,
        arc_rep=arc_rep.astype(np.int64),
        arc_value=arc_value,
        slot_rep=slot_rep,
        slot_cost=all_cost[slot_ptr[slot_rep] + k],
    )


def _solve(prep: _Prepared, bonus_units: int) -> IntArray:
    """Min-cost flow: customer → rep (−value, −bonus on the owner arc) → slot → sink."""
    problem = prep.problem
    m, n_reps = problem.n_customers, len(problem.reps)
    rep0, sink = m, m + n_reps
    on_owner = prep.arc_rep == prep.before_rep[prep.arc_cust]
    value = prep.arc_value + np.where(on_owner, bonus_units, 0)
    customers = np.arange(m, dtype=np.int64)
    tails = np.concatenate([prep.arc_cust, customers, rep0 + prep.slot_rep])
    heads = np.concatenate(
        [rep0 + prep.arc_rep, np.full(m, sink), np.full(prep.slot_rep.size, sink)]
    )
    costs = np.concatenate([-value, np.zeros(m, np.int64), prep.slot_cost])
    caps = np.ones(tails.size, dtype=np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps, costs.astype(np.int64)
    )
    supplies = np.zeros(sink + 1, dtype=np.int64)
    lead = problem.customers.same_as < 0
    supplies[:m] = lead  # a duplicate row has no supply: it follows its stand-in
    supplies[sink] = -int(lead.sum())
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolveError(f"min-cost flow ended with status {status}")
    n_arcs = prep.arc_cust.size
    used = np.asarray(flow.flows(np.arange(n_arcs, dtype=np.int32)), dtype=np.int64) > 0
    rep_of = np.full(m, -1, dtype=np.int32)
    rep_of[prep.arc_cust[used]] = prep.arc_rep[used].astype(np.int32)
    follow = np.flatnonzero(~lead)
    rep_of[follow] = rep_of[problem.customers.same_as[follow]]
    return rep_of


def _scores(problem: Problem, rep_of: IntArray) -> tuple[npt.NDArray[np.float64], ...]:
    fit = np.full(problem.n_customers, np.nan)
    lead = np.flatnonzero((rep_of >= 0) & (problem.customers.same_as < 0)).astype(np.int64)
    if lead.size:
        fit[lead] = fit_total(fit_parts(problem, lead, rep_of[lead]))
    follow = np.flatnonzero(problem.customers.same_as >= 0)
    fit[follow] = fit[problem.customers.same_as[follow]]
    return fit, np.round(problem.priority * fit, 4)


def _move_reasons(
    prep: _Prepared,
    after: Allocation,
    moved: npt.NDArray[np.int64],
    move_cost: float,
    lang: str,
) -> dict[int, list[Reason]]:
    """Why each moved customer left its owner: the score it gains net of the move cost
    and the two reps' loads, followed by the usual assignment reasons for the new rep."""
    problem = prep.problem
    placed = moved[after.rep[moved] >= 0]
    usual = dict(
        zip(placed.tolist(), explain_assignments(problem, after, placed, lang), strict=True)
    )
    load_after = problem.existing_load + np.array([lo.assigned for lo in after.loads], np.int64)
    lead = prep.problem.customers.same_as < 0
    before_added = np.bincount(prep.before_rep[lead], minlength=len(problem.reps))
    load_before = problem.existing_load + before_added
    out: dict[int, list[Reason]] = {}
    for i in moved.tolist():
        old, new = int(prep.before_rep[i]), int(after.rep[i])
        head: Reason = {
            "kind": "rebalance_move",
            "from": problem.reps[old].key,
            "to": problem.reps[new].key if new >= 0 else "",
            "score_from": float(prep.before_score[i]),
            "score_to": float(after.score[i]) if new >= 0 else 0.0,
            "score_gain": round(
                (float(after.score[i]) if new >= 0 else 0.0) - float(prep.before_score[i]), 4
            ),
            "move_cost": move_cost,
            "owner_eligible": not np.isnan(problem.incumbent_fit[i]),
            "from_load": [int(load_before[old]), int(load_after[old])],
            "from_capacity": int(problem.capacity[old]),
        }
        if new >= 0:
            head["to_load"] = [int(load_before[new]), int(load_after[new])]
            head["to_capacity"] = int(problem.capacity[new])
        out[int(prep.rows[i])] = [head, *usual.get(i, [])]
    return out


def move_reason_text(reason: Reason, lang: str = "zh") -> str:
    """`reason_text` that also words the rebalance head ("rebalance_move").

    The score difference is per customer; what pays for a move that lowers the score is
    the balance term of both reps' whole books, hence the loads are shown next to it."""
    if reason.get("kind") != "rebalance_move":
        return reason_text(reason, lang)
    zh = lang == "zh"
    src, dst = reason["from"], reason["to"]
    lo_from = reason["from_load"]
    parts = []
    if not dst:
        parts.append(
            f"从 {src} 释放：没有可容纳的销售" if zh else f"released from {src}: no rep has room"
        )
    else:
        gain = reason["score_gain"]
        parts.append(
            f"从 {src} 调至 {dst}：得分 {reason['score_from']:g} → {reason['score_to']:g}"
            f"（{gain:+g}），移动代价 {reason['move_cost']:g}"
            if zh
            else f"moved from {src} to {dst}: score {reason['score_from']:g} → "
            f"{reason['score_to']:g} ({gain:+g}), move cost {reason['move_cost']:g}"
        )
    parts.append(
        f"{src} 负载 {lo_from[0]} → {lo_from[1]}/{reason['from_capacity']}"
        if zh
        else f"{src} load {lo_from[0]} → {lo_from[1]}/{reason['from_capacity']}"
    )
    if dst:
        lo_to = reason["to_load"]
        parts.append(
            f"{dst} 负载 {lo_to[0]} → {lo_to[1]}/{reason['to_capacity']}"
            if zh
            else f"{dst} load {lo_to[0]} → {lo_to[1]}/{reason['to_capacity']}"
        )
    if not reason["owner_eligible"]:
        parts.append(
            "原负责人已不可分配（停用、满额或不再符合规则）"
            if zh
            else "the owner may no longer take it (inactive, full or outside the rules)"
        )
    return ("；" if zh else "; ").join(parts)


def _result(
    prep: _Prepared, rep_of: IntArray, move_cost: float, *, explain: bool, lang: str
) -> RebalanceResult:
    problem = prep.problem
    n_reps = len(problem.reps)
    fit, score = _scores(problem, rep_of)
    after_objective = objective_of(problem, rep_of, score)
    before_objective = objective_of(problem, prep.before_rep, prep.before_score)
    lead = problem.customers.same_as < 0
    moved = np.flatnonzero(lead & (rep_of != prep.before_rep)).astype(np.int64)
    all_moved = np.flatnonzero(rep_of != prep.before_rep).astype(np.int64)
    net = after_objective - move_cost * moved.size
    added_after = np.bincount(rep_of[lead & (rep_of >= 0)], minlength=n_reps)
    added_before = np.bincount(prep.before_rep[lead], minlength=n_reps)
    outside = np.array([r.existing_load for r in prep.reps], dtype=np.int64)
    loads = [
        RebalanceLoad(
            rep=r,
            capacity=int(problem.capacity[r]),
            fixed=int(outside[r] + prep.fixed[r]),
            before=int(problem.existing_load[r] + added_before[r]),
            after=int(problem.existing_load[r] + added_after[r]),
        )
        for r in range(n_reps)
    ]
    owner = prep.owner_before.copy()
    owner[prep.rows] = rep_of
    reasons: dict[int, list[Reason]] = {}
    if explain and all_moved.size:
        allocation = Allocation(
            rep=rep_of,
            priority=problem.priority,
            priority_parts=problem.priority_parts,
            tier=problem.tier,
            fit=fit,
            score=score,
            objective=after_objective,
            loads=[
                RepLoad(
                    rep=r,
                    capacity=int(problem.capacity[r]),
                    existing_load=int(problem.existing_load[r]),
                    assigned=int(added_after[r]),
                )
                for r in range(n_reps)
            ],
            capacity=problem.capacity,
            solver="rebalance",
        )
        reasons = _move_reasons(prep, allocation, all_moved, move_cost, lang)
    return RebalanceResult(
        owner=owner,
        owner_before=prep.owner_before,
        movable=prep.movable,
        moves=[
            Move(
                customer=int(prep.rows[i]),
                from_rep=int(prep.before_rep[i]),
                to_rep=int(rep_of[i]),
            )
            for i in all_moved.tolist()
        ],
        charged_moves=int(moved.size),
        move_cost=move_cost,
        objective_before=before_objective,
        objective_after=after_objective,
        net_after=net,
        gain=net - before_objective,
        loads=loads,
        before_feasible=prep.before_feasible,
        reasons=reasons,
        problem=problem,
        rows=prep.rows,
        active=np.array([r.active for r in prep.reps], dtype=np.bool_),
    )


def _nothing_movable(
    table: CustomerTable,
    reps: Sequence[Rep],
    policy: Policy,
    protected: BoolArray | None,
    cost: float,
) -> RebalanceResult | None:
    """The result when no customer may move (all unowned, locked or protected), else None."""
    n = len(table)
    index = {r.key: j for j, r in enumerate(reps)}
    owner = np.fromiter(
        (index.get(o, -1) if o else -1 for o in table.owner), dtype=np.int32, count=n
    )
    protect = np.zeros(n, dtype=np.bool_) if protected is None else np.asarray(protected, bool)
    if protect.shape != (n,):
        raise ValueError("protected must have one flag per customer")
    if ((owner >= 0) & ~table.locked & ~protect).any():
        return None
    counted = (owner >= 0) & (table.same_as < 0)
    fixed = np.bincount(owner[counted], minlength=len(reps))
    loads = []
    for j, r in enumerate(reps):
        total = r.existing_load + int(fixed[j])
        capacity = policy.default_capacity if r.capacity is None else r.capacity
        loads.append(
            RebalanceLoad(rep=j, capacity=capacity, fixed=total, before=total, after=total)
        )
    return RebalanceResult(
        owner=owner.copy(),
        owner_before=owner,
        movable=np.zeros(n, dtype=np.bool_),
        moves=[],
        charged_moves=0,
        move_cost=cost,
        objective_before=0.0,
        objective_after=0.0,
        net_after=0.0,
        gain=0.0,
        loads=loads,
        before_feasible=True,
        reasons={},
        problem=None,
        rows=np.zeros(0, dtype=np.int64),
        active=np.array([r.active for r in reps], dtype=np.bool_),
    )


def _check_cost(move_cost: float) -> float:
    cost = float(move_cost)
    if not np.isfinite(cost) or cost < 0:
        raise ValueError(f"move cost must be a number ≥ 0, got {move_cost!r}")
    return cost


def rebalance(
    table: CustomerTable,
    reps: Sequence[Rep],
    policy: Policy,
    *,
    move_cost: float | None = None,
    protected: BoolArray | None = None,
    as_of: date,
    explain: bool = True,
    lang: str = "zh",
) -> RebalanceResult:
    """The exact optimum of the published objective minus `move_cost` per changed owner.

    `move_cost` defaults to the policy's `rebalance.move_cost`. `protected` marks the
    customers that must stay (recent follow-ups, open deals); locked ones stay anyway.
    Moves count real customers (a duplicate row moves with the row that stands for it,
    and is listed too, but is charged once)."""
    cost = _check_cost(policy.move_cost if move_cost is None else move_cost)
    empty = _nothing_movable(table, reps, policy, protected, cost)
    if empty is not None:
        return empty
    prep = _prepare(table, reps, policy, protected, as_of)
    rep_of = _solve(prep, round(cost * SCALE))
    return _result(prep, rep_of, cost, explain=explain, lang=lang)


def trade_off(
    table: CustomerTable,
    reps: Sequence[Rep],
    policy: Policy,
    costs: Sequence[float] = (0.0, 10.0, 25.0, 50.0, 100.0, 200.0),
    *,
    protected: BoolArray | None = None,
    as_of: date,
) -> list[TradeOffPoint]:
    """Moves against improvement for each move cost (the manager's curve), cheapest first.

    The problem is built once; each point is one exact solve. Higher costs never move more
    customers (the incumbent bonus only grows), so the curve is monotone."""
    ordered = sorted({_check_cost(c) for c in costs})
    empty = _nothing_movable(table, reps, policy, protected, 0.0)
    prep = None if empty is not None else _prepare(table, reps, policy, protected, as_of)
    points = []
    for raw in ordered:
        if prep is None:
            assert empty is not None
            res = empty
        else:
            res = _result(prep, _solve(prep, round(raw * SCALE)), raw, explain=False, lang="zh")
        improvement = res.objective_after - res.objective_before
        charged = res.charged_moves
        points.append(
            TradeOffPoint(
                move_cost=raw,
                moves=charged,
                improvement=improvement,
                net_gain=improvement - raw * charged,
                spread_before=res.load_spread("before"),
                spread_after=res.load_spread("after"),
            )
        )
    return points


__all__ = [
    "Move",
    "RebalanceLoad",
    "RebalanceResult",
    "TradeOffPoint",
    "move_reason_text",
    "rebalance",
    "trade_off",
]
