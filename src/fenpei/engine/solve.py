"""The exact optimum of the published objective, as a min-cost flow.

    maximise  Σ_{(c,r)} (M + priority(c) · fit(c,r))  −  λ Σ_r Σ_{k=L0_r+1}^{L0_r+n_r} (k−1)/C_r

Network (all arcs carry whole customers):

    customer group ──(−(M + p·f))──▶ fit hub ──(0)──▶ rep ──(λ(k−1)/C, one arc per slot k)──▶ sink
          └──────────────────(0: stays unassigned)──────────────────────────────────────────────┘

Why this shape and not one arc per eligible pair (what a generic solver is handed):

* Reps of one class that have the *same* fit are interchangeable for every customer of the
  class, so the customer needs one arc to a hub per distinct fit level, not one per rep.
  Real policies produce a handful of levels per class against ~20 eligible reps.
* Customers of one class with the same (two-decimal) priority and no owner arc are
  interchangeable too, so they become one node with a supply equal to their number.
* The balance penalty is convex in the load, so unit slot arcs with increasing cost model
  it exactly; a rep gets no more slot arcs than customers could ever reach it.

Integers without loss: priority and fit are published with two decimals, so
priority × fit × 10⁴ is an integer; M and the slot costs are scaled by 10⁶ as well and only
the slot costs (λ(k−1)/C) are rounded, by at most 5·10⁻⁷ each. OR-Tools' cost-scaling
min-cost flow then returns an exact optimum of that integer problem, which is deterministic
for a given input (arcs are added in a fixed order).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from fenpei.engine.eligibility import Problem, fit_parts, fit_total
from fenpei.engine.model import Allocation, IntArray, RepLoad

SCALE = 1_000_000  # cost units per point of objective
HUB_MIN_REPS = 4  # a fit level shared by fewer reps gets direct arcs (measured best, 100k × 200)
Progress = Callable[[str, float], None]


class SolveError(RuntimeError):
    """The flow solver reported something other than an optimum (a bug, not bad input)."""


def _noop(stage: str, fraction: float) -> None:
    return None


def balance_cost(balance_weight: float, existing: int, added: int, capacity: int) -> float:
    """λ · Σ_{k=L0+1}^{L0+n} (k−1)/C, in closed form."""
    if added <= 0 or capacity <= 0:
        return 0.0
    return balance_weight * (added * existing + added * (added - 1) / 2) / capacity


def objective_of(problem: Problem, rep_of: IntArray, score: npt.NDArray[np.float64]) -> float:
    """The published objective; a duplicate follower is part of its stand-in, not counted."""
    assigned = (rep_of >= 0) & ~problem.customers.followers
    m = problem.policy.coverage_weight
    value = float(np.sum(score[assigned])) + m * int(assigned.sum())
    added = np.bincount(rep_of[assigned], minlength=len(problem.reps))
    penalty = sum(
        balance_cost(
            problem.policy.balance_weight,
            int(problem.existing_load[r]),
            int(added[r]),
            int(problem.capacity[r]),
        )
        for r in range(len(problem.reps))
    )
    return value - penalty


def _solve_flow(problem: Problem, report: Progress) -> tuple[IntArray, dict[str, float]]:
    """The reference: OR-Tools on the class/fit-level network described above."""
    started = time.perf_counter()
    n, n_reps = problem.n_customers, len(problem.reps)
    policy = problem.policy
    report("network", 0.0)

    # --- customer groups: same class, same priority, same owner arc -----------------
    p100 = np.rint(problem.priority * 100).astype(np.int64)
    owner_arc = np.where(np.isnan(problem.incumbent_fit), -1, problem.owner).astype(np.int64)
    gkey = (problem.klass.astype(np.int64) * 10_001 + p100) * (n_reps + 1) + (owner_arc + 1)
    gkeys, group_first, group_of = np.unique(gkey, return_index=True, return_inverse=True)
    group_of = group_of.astype(np.int64)
    n_groups = gkeys.size
    supply = np.bincount(group_of, minlength=n_groups).astype(np.int64)
    g_class = problem.klass[group_first].astype(np.int64)
    g_p100 = p100[group_first]
    g_owner = owner_arc[group_first]
    g_inc_f100 = np.rint(np.nan_to_num(problem.incumbent_fit[group_first]) * 100).astype(np.int64)

    # --- fit hubs: one per (class, distinct fit); a level with one rep needs no hub --
    counts = np.diff(problem.class_ptr)
    pair_class = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    f100 = np.rint(problem.class_fit * 100).astype(np.int64)
    # class_rep is sorted by fit descending inside each class, so levels are contiguous
    new_level = np.r_[True, (pair_class[1:] != pair_class[:-1]) | (f100[1:] != f100[:-1])]
    new_level = new_level[: f100.size]
    level_id = np.cumsum(new_level) - 1
    n_levels = int(new_level.sum())
    level_size = np.bincount(level_id, minlength=n_levels)
    needs_hub = level_size >= HUB_MIN_REPS
    hub_index = np.cumsum(needs_hub) - 1
    pair_hubbed = needs_hub[level_id]
    # a target is what a group's arc points at: a hub (one per shared fit level) or a rep
    target_start = new_level | ~pair_hubbed
    target_id = np.cumsum(target_start) - 1
    n_targets = int(target_start.sum())
    target_class = pair_class[target_start]
    target_f100 = f100[target_start]

    # node numbering: groups | hubs | reps | sink
    n_hubs = int(needs_hub.sum())
    hub0, rep0 = n_groups, n_groups + n_hubs
    sink = rep0 + n_reps
    target_node = np.where(
        pair_hubbed[target_start],
        hub0 + hub_index[level_id[target_start]],
        rep0 + problem.class_rep[target_start].astype(np.int64),
    )

    m_units = round(policy.coverage_weight * SCALE)
    to_units = SCALE // 10_000  # p100 · f100 is priority · fit · 10⁴

    # group → target arcs: every group of class k gets an arc to each target of class k
    targets_per_class = np.bincount(target_class, minlength=counts.size)
    target_first = np.r_[0, np.cumsum(targets_per_class)[:-1]]
    tg = targets_per_class[g_class]
    arc_group = np.repeat(np.arange(n_groups, dtype=np.int64), tg)
    offs = np.arange(arc_group.size, dtype=np.int64) - np.repeat(np.cumsum(tg) - tg, tg)
    arc_target = np.repeat(target_first[g_class], tg) + offs
    value_units = m_units + g_p100[arc_group] * target_f100[arc_target] * to_units

    # group → owner arcs (stickiness bonus)
    own = np.flatnonzero(g_owner >= 0)
    own_value = m_units + g_p100[own] * g_inc_f100[own] * to_units

    # hub → rep arcs
    hub_tail = hub0 + hub_index[level_id[pair_hubbed]]
    hub_head = rep0 + problem.class_rep[pair_hubbed].astype(np.int64)

    # rep → sink slot arcs, no more than the customers that can reach the rep
    target_reach = np.bincount(arc_target, weights=supply[arc_group], minlength=n_targets)
    reach = np.bincount(
        problem.class_rep.astype(np.int64), weights=target_reach[target_id], minlength=n_reps
    ).astype(np.int64)
    if own.size:
        reach += np.bincount(g_owner[own], weights=supply[own], minlength=n_reps).astype(np.int64)
    slot_ptr, all_slot_cost = slot_costs(problem, reach)
    slots = np.minimum(np.diff(slot_ptr), reach)
    slot_rep = np.repeat(np.arange(n_reps, dtype=np.int64), slots)
    k = np.arange(slot_rep.size, dtype=np.int64) - np.repeat(np.cumsum(slots) - slots, slots)
    slot_cost = all_slot_cost[slot_ptr[slot_rep] + k]

    tails = np.concatenate(
        [arc_group, own, np.arange(n_groups, dtype=np.int64), hub_tail, rep0 + slot_rep]
    )
    heads = np.concatenate(
        [
            target_node[arc_target],
            rep0 + g_owner[own],
            np.full(n_groups, sink, dtype=np.int64),
            hub_head,
            np.full(slot_rep.size, sink, dtype=np.int64),
        ]
    )
    big = int(n) + 1
    caps = np.concatenate(
        [
            supply[arc_group],
            supply[own],
            supply,
            np.full(hub_tail.size, big, dtype=np.int64),
            np.ones(slot_rep.size, dtype=np.int64),
        ]
    )
    costs = np.concatenate(
        [
            -value_units,
            -own_value,
            np.zeros(n_groups, dtype=np.int64),
            np.zeros(hub_tail.size, dtype=np.int64),
            slot_cost,
        ]
    )
    n_arc_value = arc_group.size
    n_arc_own = own.size
    report("solve", 0.1)
    built = time.perf_counter()

    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps, costs
    )
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n_groups] = supply
    supplies[sink] = -int(supply.sum())
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolveError(f"min-cost flow ended with status {status}")
    flows = np.asarray(flow.flows(np.arange(tails.size, dtype=np.int32)), dtype=np.int64)
    solved = time.perf_counter()

    rep_of = _decompose(
        n=n,
        group_of=group_of,
        n_groups=n_groups,
        arc_group=arc_group,
        arc_target=heads[:n_arc_value],
        value_flow=flows[:n_arc_value],
        own=own,
        own_target=heads[n_arc_value : n_arc_value + n_arc_own],
        own_flow=flows[n_arc_value : n_arc_value + n_arc_own],
        hub_tail=hub_tail,
        hub_head=hub_head,
        hub_flow=flows[
            n_arc_value + n_arc_own + n_groups : n_arc_value + n_arc_own + n_groups + hub_tail.size
        ],
        hub0=hub0,
        rep0=rep0,
    )
    return rep_of, {
        "groups": float(n_groups),
        "hubs": float(n_hubs),
        "arcs": float(tails.size),
        "build_seconds": built - started,
        "solve_seconds": solved - built,
    }


def _solve_ssp(problem: Problem, report: Progress) -> tuple[IntArray, dict[str, float]]:
    """Successive shortest paths over the reps (ssp.py), certified by duality."""
    # numba is imported (and compiles on first use) only when this solver is chosen
    from fenpei.engine import ssp  # noqa: PLC0415

    started = time.perf_counter()
    n_reps = len(problem.reps)
    ptr, rep, fit = problem.arcs()
    p100 = np.rint(problem.priority * 100).astype(np.int64)
    cust = np.repeat(np.arange(problem.n_customers, dtype=np.int64), np.diff(ptr))
    value = round(problem.policy.coverage_weight * SCALE) + p100[cust] * np.rint(fit * 100).astype(
        np.int64
    ) * (SCALE // 10_000)
    del cust
    slot_ptr, slot_cost = slot_costs(problem, problem.n_customers)
    nbr_ptr, nbr, pid = ssp.rep_neighbours(problem.class_ptr, problem.class_rep, n_reps)
    # highest priority first: later (smaller) customers rarely need to displace anyone
    order = np.lexsort((np.arange(problem.n_customers), -p100))
    built = time.perf_counter()
    report("solve", 0.1)
    assign, load, phi, pops = ssp.ssp_solve(
        order, ptr, rep.astype(np.int64), value, slot_ptr, slot_cost, nbr_ptr, nbr, pid
    )
    solved = time.perf_counter()
    primal, dual = ssp.certify(
        assign, ptr, rep.astype(np.int64), value, slot_ptr, slot_cost, load, phi
    )
    if primal != dual:
        raise SolveError(f"optimality certificate failed: primal {primal} ≠ dual {dual}")
    return assign.astype(np.int32), {
        "arcs": float(rep.size),
        "rep_pairs": float(nbr.size),
        "dijkstra_pops": float(pops),
        "build_seconds": built - started,
        "solve_seconds": solved - built,
        "certify_seconds": time.perf_counter() - solved,
        "primal_units": float(primal),
        "dual_units": float(dual),
    }


def slot_costs(
    problem: Problem, limit: npt.NDArray[np.int64] | int | None = None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Convex balance cost of each free slot, as CSR per rep: λ · (L0 + k) / C in units.

    `limit` caps the slots per rep (no rep can take more customers than can reach it, nor
    more than the run has): without it a rep with a capacity of a million would cost a
    million entries even when routing one customer."""
    slots = problem.slots.astype(np.int64)
    if limit is not None:
        slots = np.minimum(slots, limit)
    ptr = np.zeros(slots.size + 1, dtype=np.int64)
    np.cumsum(slots, out=ptr[1:])
    owner = np.repeat(np.arange(slots.size, dtype=np.int64), slots)
    k = np.arange(owner.size, dtype=np.int64) - ptr[:-1][owner]
    before = problem.existing_load[owner].astype(np.float64) + k
    cap = np.maximum(problem.capacity[owner], 1)
    cost = np.rint(problem.policy.balance_weight * before / cap * SCALE).astype(np.int64)
    return ptr, cost


METHODS = {"ssp": _solve_ssp, "flow": _solve_flow}


def solve(problem: Problem, progress: Progress | None = None, method: str = "flow") -> Allocation:
    """The exact optimum. `method` "ssp" is the engine's own solver; "flow" hands the
    class/fit-level network to OR-Tools (kept as an independent reference)."""
    report = progress or _noop
    started = time.perf_counter()
    stats: dict[str, float]
    if len(problem.customers) == 0:  # nothing to give out (an empty sheet or selection)
        rep_of, stats = np.zeros(0, dtype=np.int32), {}
    else:
        rep_of, stats = METHODS[method](problem, report)
    report("assign", 0.9)
    n_reps = len(problem.reps)
    fit = _chosen_fit(problem, rep_of)
    score = np.round(problem.priority * fit, 4)
    # duplicate rows follow the row that stands for their real customer
    same_as = problem.customers.same_as
    followers = np.flatnonzero(same_as >= 0)
    stand = same_as[followers]
    rep_of[followers] = rep_of[stand]
    fit[followers], score[followers] = fit[stand], score[stand]
    counted = rep_of[(rep_of >= 0) & (same_as < 0)]
    added = np.bincount(counted, minlength=n_reps)
    loads = [
        RepLoad(
            rep=r,
            capacity=int(problem.capacity[r]),
            existing_load=int(problem.existing_load[r]),
            assigned=int(added[r]),
        )
        for r in range(n_reps)
    ]
    report("done", 1.0)
    return Allocation(
        rep=rep_of,
        priority=problem.priority,
        priority_parts=problem.priority_parts,
        tier=problem.tier,
        fit=fit,
        score=score,
        objective=objective_of(problem, rep_of, score),
        loads=loads,
        capacity=problem.capacity,
        solver=method,
        stats={**stats, "total_seconds": time.perf_counter() - started},
    )


def _decompose(
    *,
    n: int,
    group_of: npt.NDArray[np.int64],
    n_groups: int,
    arc_group: npt.NDArray[np.int64],
    arc_target: npt.NDArray[np.int64],
    value_flow: npt.NDArray[np.int64],
    own: npt.NDArray[np.int64],
    own_target: npt.NDArray[np.int64],
    own_flow: npt.NDArray[np.int64],
    hub_tail: npt.NDArray[np.int64],
    hub_head: npt.NDArray[np.int64],
    hub_flow: npt.NDArray[np.int64],
    hub0: int,
    rep0: int,
) -> IntArray:
    """Turn arc flows back into one rep per customer, deterministically.

    Inside a group customers are taken in index order: owner arc first, then levels from
    the best fit down. Inside a hub the same, reps in index order.
    """
    # units leaving each group, in (group, owner-first, level order) order
    u_group = np.concatenate([np.repeat(own, own_flow), np.repeat(arc_group, value_flow)])
    u_target = np.concatenate([np.repeat(own_target, own_flow), np.repeat(arc_target, value_flow)])
    u_rank = np.concatenate(
        [np.zeros(int(own_flow.sum()), np.int64), np.ones(int(value_flow.sum()), np.int64)]
    )
    order = np.lexsort((np.arange(u_group.size), u_rank, u_group))
    u_group, u_target = u_group[order], u_target[order]
    # customers of each group in index order; the first `sent` of them are placed
    by_group = np.argsort(group_of, kind="stable")
    group_size = np.bincount(group_of, minlength=n_groups)
    sent = np.bincount(u_group, minlength=n_groups)
    start = np.r_[0, np.cumsum(group_size)[:-1]]
    pos_in_group = np.arange(n, dtype=np.int64) - np.repeat(start, group_size)
    placed = pos_in_group < sent[group_of[by_group]]
    placed_customers = by_group[placed]  # grouped by group, index order inside
    target = np.full(n, -1, dtype=np.int64)
    target[placed_customers] = u_target
    rep_of = np.full(n, -1, dtype=np.int32)
    direct = target >= rep0
    is_hub = (target >= hub0) & (target < rep0)
    rep_of[direct] = (target[direct] - rep0).astype(np.int32)
    # hub customers: ordered by (hub, index); hub outflows by (hub, rep)
    hub_customers = np.flatnonzero(is_hub)
    hub_customers = hub_customers[np.argsort(target[hub_customers], kind="stable")]
    out = hub_flow > 0
    h_order = np.lexsort((hub_head[out], hub_tail[out]))
    reps_in_order = np.repeat(hub_head[out][h_order], hub_flow[out][h_order]) - rep0
    rep_of[hub_customers] = reps_in_order.astype(np.int32)
    return rep_of


def _chosen_fit(problem: Problem, rep_of: IntArray) -> npt.NDArray[np.float64]:
    fit = np.full(problem.n_customers, np.nan)
    assigned = np.flatnonzero(rep_of >= 0).astype(np.int64)
    if assigned.size:
        fit[assigned] = fit_total(fit_parts(problem, assigned, rep_of[assigned]))
    return fit
