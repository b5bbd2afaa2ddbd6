"""What other systems do, on exactly the engine's `Problem`: same eligible pairs, same scores.

Every baseline gets `EligiblePairs` (from `problem.pairs()`, i.e. the same eligibility the
engine uses, with the same `score = priority × fit`) and the capacity left per rep
(`problem.slots`), and returns one rep index per customer (-1 = unassigned). None of them
may break eligibility or capacity; `check_feasible` verifies that.

* `round_robin`     — customers in input order; each goes to the next eligible rep with room,
                      in a rotation over all reps (the pointer moves past the rep that took it).
* `load_balancing`  — customers in input order; each goes to the eligible rep with the lowest
                      utilisation (existing + assigned) / capacity among those with room.
* `odoo_weighted_random` — Odoo CRM's member assignment loop (crm.team.member
                      `_assign_and_convert_leads`, called after `crm.team._allocate_leads`):
                      pick a rep at random with weight = capacity still to fill, give it its
                      best remaining eligible lead (Odoo orders a member's leads by
                      probability DESC; we use priority DESC, then input order), weight − 1;
                      a rep with no lead left, or no room, leaves the draw. Odoo calls Python's
                      unseeded `random.choices`, so its result changes from run to run; here the
                      generator is seeded so that the benchmark is repeatable. (Odoo also stops
                      after 100,000 iterations as a failsafe; we do not.)
* `best_fit_greedy` — customers by priority, highest first; each goes to its highest-score
                      eligible rep with room (ties: lower rep index).
* `ortools_full_graph` — not a heuristic: OR-Tools SimpleMinCostFlow on the naive network with
                      one arc per eligible pair, i.e. what a generic solver is handed. Costs are
                      scaled exactly like solve.py, so its optimum must equal the engine's.

The heuristics are tight Python loops over customers with per-rep state in Python lists and
the pair arrays read through memoryviews; they are baselines, not products, but they are not
padded either (no per-customer numpy calls).
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from fenpei.engine import Problem

SCALE = 1_000_000  # as in fenpei.engine.solve: cost units per point of objective


@dataclass(slots=True)
class EligiblePairs:
    """Eligible pairs in CSR form by customer, reps ascending inside a customer."""

    ptr: npt.NDArray[np.int64]  # pairs of customer i are [ptr[i], ptr[i+1])
    cust: npt.NDArray[np.int64]
    rep: npt.NDArray[np.int32]
    score: npt.NDArray[np.float64]

    @property
    def size(self) -> int:
        return int(self.rep.size)


def eligible_pairs(problem: Problem) -> EligiblePairs:
    cust, rep, score = problem.pairs()  # sorted by (customer, rep)
    ptr = np.zeros(problem.n_customers + 1, dtype=np.int64)
    np.cumsum(np.bincount(cust, minlength=problem.n_customers), out=ptr[1:])
    return EligiblePairs(
        ptr=ptr,
        cust=cust.astype(np.int64),
        rep=np.ascontiguousarray(rep, dtype=np.int32),
        score=np.ascontiguousarray(score, dtype=np.float64),
    )


def _empty(n: int) -> npt.NDArray[np.int32]:
    return np.full(n, -1, dtype=np.int32)


def round_robin(problem: Problem, pairs: EligiblePairs) -> npt.NDArray[np.int32]:
    n, n_reps = problem.n_customers, len(problem.reps)
    left = problem.slots.astype(np.int64).tolist()
    ptr = pairs.ptr.tolist()
    reps = memoryview(pairs.rep)
    out = [-1] * n
    nxt = 0  # the rotation pointer: the rep after the last one served
    for i in range(n):
        a, b = ptr[i], ptr[i + 1]
        if a == b:
            continue
        k = bisect.bisect_left(reps, nxt, a, b)  # first eligible rep at or after the pointer
        chosen = -1
        for j in range(k, b):
            if left[reps[j]] > 0:
                chosen = reps[j]
                break
        else:
            for j in range(a, k):
                if left[reps[j]] > 0:
                    chosen = reps[j]
                    break
        if chosen >= 0:
            out[i] = chosen
            left[chosen] -= 1
            nxt = chosen + 1 if chosen + 1 < n_reps else 0
    return np.array(out, dtype=np.int32)


def load_balancing(problem: Problem, pairs: EligiblePairs) -> npt.NDArray[np.int32]:
    n = problem.n_customers
    left = problem.slots.astype(np.int64).tolist()
    load = problem.existing_load.astype(np.float64).tolist()
    inv_cap = (1.0 / np.maximum(problem.capacity, 1)).tolist()
    util = [ld * ic for ld, ic in zip(load, inv_cap, strict=True)]
    ptr = pairs.ptr.tolist()
    reps = memoryview(pairs.rep)
    out = [-1] * n
    for i in range(n):
        best, best_u = -1, float("inf")
        for j in range(ptr[i], ptr[i + 1]):
            r = reps[j]
            u = util[r]
            if u < best_u and left[r] > 0:  # strict: ties keep the lower rep index
                best, best_u = r, u
        if best >= 0:
            out[i] = best
            left[best] -= 1
            load[best] += 1.0
            util[best] = load[best] * inv_cap[best]
    return np.array(out, dtype=np.int32)


def best_fit_greedy(problem: Problem, pairs: EligiblePairs) -> npt.NDArray[np.int32]:
    n = problem.n_customers
    left = problem.slots.astype(np.int64).tolist()
    ptr = pairs.ptr.tolist()
    reps = memoryview(pairs.rep)
    scores = memoryview(pairs.score)
    out = [-1] * n
    order = np.argsort(-problem.priority, kind="stable").tolist()
    for i in order:
        best, best_s = -1, -1.0
        for j in range(ptr[i], ptr[i + 1]):
            s = scores[j]
            if s > best_s:
                r = reps[j]
                if left[r] > 0:
                    best, best_s = r, s
        if best >= 0:
            out[i] = best
            left[best] -= 1
    return np.array(out, dtype=np.int32)


def odoo_weighted_random(
    problem: Problem, pairs: EligiblePairs, seed: int = 42
) -> npt.NDArray[np.int32]:
    n, n_reps = problem.n_customers, len(problem.reps)
    # each rep's leads, best first (Odoo: search(domain, order='probability DESC'))
    order = np.lexsort((pairs.cust, -problem.priority[pairs.cust], pairs.rep))
    leads = memoryview(np.ascontiguousarray(pairs.cust[order]))
    start = np.zeros(n_reps + 1, dtype=np.int64)
    np.cumsum(np.bincount(pairs.rep, minlength=n_reps), out=start[1:])
    pos = start[:-1].tolist()
    end = start[1:].tolist()
    weight = np.where(np.diff(start) > 0, problem.slots, 0).astype(np.int64).tolist()
    # Fenwick tree over the weights: a weighted draw and an update in O(log R) each
    size = n_reps
    tree = [0] * (size + 1)
    for r in range(size):
        k = r + 1
        while k <= size:
            tree[k] += weight[r]
            k += k & -k
    top = 1 << (size.bit_length() - 1) if size else 0
    total = sum(weight)
    done = bytearray(n)
    out = [-1] * n
    rng = np.random.default_rng(seed)
    uniforms: list[float] = []
    u_at = 0
    while total > 0:
        if u_at == len(uniforms):
            uniforms, u_at = rng.random(1 << 16).tolist(), 0
        u = int(uniforms[u_at] * total)
        u_at += 1
        # smallest rep r with prefix weight > u  (random.choices(population, weights))
        r, step = 0, top
        while step:
            k = r + step
            if k <= size and tree[k] <= u:
                r = k
                u -= tree[k]
            step >>= 1
        p, e = pos[r], end[r]
        while p < e and done[leads[p]]:
            p += 1
        if p < e:  # Odoo: first lead of the member not yet assigned
            c = leads[p]
            done[c] = 1
            out[c] = r
            pos[r] = p + 1
            dec = 1
        else:  # no lead left for this member: weight to 0, out of the draw
            pos[r] = p
            dec = weight[r]
        weight[r] -= dec
        total -= dec
        k = r + 1
        while k <= size:
            tree[k] -= dec
            k += k & -k
    return np.array(out, dtype=np.int32)


def check_feasible(problem: Problem, pairs: EligiblePairs, rep_of: npt.NDArray[np.int32]) -> None:
    """Raise if an assignment uses a non-eligible pair or exceeds a rep's capacity left."""
    assigned = np.flatnonzero(rep_of >= 0)
    key = pairs.cust * len(problem.reps) + pairs.rep
    want = assigned.astype(np.int64) * len(problem.reps) + rep_of[assigned]
    pos = np.searchsorted(key, want)
    ok = (pos < key.size) & (key[np.minimum(pos, key.size - 1)] == want)
    if not ok.all():
        raise AssertionError(f"{int((~ok).sum())} assignments are not eligible pairs")
    added = np.bincount(rep_of[assigned], minlength=len(problem.reps))
    if (added > problem.slots).any():
        raise AssertionError("a rep is over capacity")


def score_of(
    problem: Problem, pairs: EligiblePairs, rep_of: npt.NDArray[np.int32]
) -> npt.NDArray[np.float64]:
    """score of each customer's chosen pair, nan when unassigned."""
    score = np.full(rep_of.size, np.nan)
    assigned = np.flatnonzero(rep_of >= 0)
    n_reps = len(problem.reps)
    key = pairs.cust * n_reps + pairs.rep
    pos = np.searchsorted(key, assigned.astype(np.int64) * n_reps + rep_of[assigned])
    score[assigned] = pairs.score[pos]
    return score


@dataclass(slots=True)
class FullGraphResult:
    rep_of: npt.NDArray[np.int32]
    optimal_cost: int  # in cost units (objective ≈ −cost / SCALE)
    arcs: int
    nodes: int
    network_seconds: float  # building the arc arrays (numpy), not timed as the solver
    solver_seconds: float  # add_arcs + supplies + solve: "OR-Tools alone"


def ortools_full_graph(problem: Problem, pairs: EligiblePairs) -> FullGraphResult:
    """OR-Tools SimpleMinCostFlow on one arc per eligible pair, scaled like solve.py.

    customer i ──(−round((M + score)·10⁶), cap 1)──▶ rep r ──(round(λ(L0+k)/C·10⁶), cap 1,
    k = 0 … slots−1)──▶ sink, and customer i ──(0, cap 1)──▶ sink for "left unassigned".
    """
    t0 = time.perf_counter()
    n, n_reps = problem.n_customers, len(problem.reps)
    policy = problem.policy
    rep0, sink = n, n + n_reps
    slots = problem.slots.astype(np.int64)
    slot_rep = np.repeat(np.arange(n_reps, dtype=np.int64), slots)
    k = np.arange(slot_rep.size, dtype=np.int64) - np.repeat(np.cumsum(slots) - slots, slots)
    load_before = problem.existing_load[slot_rep].astype(np.float64) + k
    slot_cost = np.rint(
        policy.balance_weight * load_before / np.maximum(problem.capacity[slot_rep], 1) * SCALE
    ).astype(np.int64)
    value = np.rint((policy.coverage_weight + pairs.score) * SCALE).astype(np.int64)
    tails = np.concatenate([pairs.cust, np.arange(n, dtype=np.int64), rep0 + slot_rep])
    heads = np.concatenate(
        [
            rep0 + pairs.rep.astype(np.int64),
            np.full(n, sink, dtype=np.int64),
            np.full(slot_rep.size, sink, dtype=np.int64),
        ]
    )
    caps = np.ones(tails.size, dtype=np.int64)
    costs = np.concatenate([-value, np.zeros(n, dtype=np.int64), slot_cost])
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n] = 1
    supplies[sink] = -n
    tails32, heads32 = tails.astype(np.int32), heads.astype(np.int32)
    del tails, heads, value, slot_rep, k, load_before, slot_cost
    nodes = np.arange(sink + 1, dtype=np.int32)
    t1 = time.perf_counter()

    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails32, heads32, caps, costs)
    flow.set_nodes_supplies(nodes, supplies)
    status = flow.solve()
    t2 = time.perf_counter()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"OR-Tools min-cost flow ended with status {status}")
    pair_flow = np.asarray(flow.flows(np.arange(pairs.size, dtype=np.int32)), dtype=np.int64)
    rep_of = _empty(n)
    used = pair_flow > 0
    rep_of[pairs.cust[used]] = pairs.rep[used]
    return FullGraphResult(
        rep_of=rep_of,
        optimal_cost=int(flow.optimal_cost()),
        arcs=int(caps.size),
        nodes=int(sink + 1),
        network_seconds=t1 - t0,
        solver_seconds=t2 - t1,
    )


HEURISTICS = {
    "best-fit greedy": best_fit_greedy,
    "load balancing": load_balancing,
    "round robin": round_robin,
    "Odoo-style weighted random": odoo_weighted_random,
}
