"""Rebalance of a deliberately uneven book: time, peak memory, moves, gain, load spread.

    uv run python benchmarks/rebalance.py                      # 100,000 customers × 500 reps
    uv run python benchmarks/rebalance.py --balance-weight 300         # a manager who wants even books
    uv run python benchmarks/rebalance.py --size 10000x100 --costs 0,10,50,200

The instance comes from synthetic.py (deterministic). Every customer gets a current owner
by *greedy best match*: customers in index order, each to its best-fit eligible rep that
still has room, balance ignored. That is the spreadsheet habit the rebalance repairs: the
best-fitting reps fill up, the rest stay light. 3 % of the owned customers are marked
protected (recent follow-up / open deal) and stay put.

For each move cost the script runs `rebalance` (exact, with reasons for every move) and
prints wall time, peak RSS, moves, gain, and utilisation spread before/after. The
reference in the same run: at move cost 0 the rebalance must reach the objective of the
engine's own `solve()` (its class/fit-level network, a different graph handed to OR-Tools)
on the same movable customers; the gap is printed. Markdown goes to stdout.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import resource
import sys
import time

import numpy as np

import synthetic  # benchmarks/ is sys.path[0] when this file is run as a script
from fenpei.engine import CustomerTable, Problem, build_problem, rebalance, solve
from fenpei.engine.rebalance import RebalanceResult


def _vm_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")  # VmHWM back to the current RSS (Linux ≥ 4.0)
    except OSError:
        return False
    return True


def _peak_mb(exact: bool) -> float:
    if exact:
        return _vm_kb("VmHWM") / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def greedy_book(problem: Problem) -> list[str]:
    """Each customer to its best-fit eligible rep with room left (index order, no balance)."""
    room = problem.slots.astype(np.int64).copy()
    ptr, rep, _ = problem.arcs()
    owner = np.full(problem.n_customers, -1, dtype=np.int64)
    ptr_l, rep_l = ptr.tolist(), rep.tolist()
    for i in range(problem.n_customers):
        for k in range(ptr_l[i], ptr_l[i + 1]):
            r = rep_l[k]
            if room[r] > 0:
                room[r] -= 1
                owner[i] = r
                break
    keys = [r.key for r in problem.reps]
    return [keys[o] if o >= 0 else "" for o in owner.tolist()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100000x500", help="customers x reps")
    parser.add_argument("--costs", default="0,10,50,200", help="move costs, comma-separated")
    parser.add_argument(
        "--balance-weight", type=float, default=None, help="λ instead of the policy's (30)"
    )
    parser.add_argument("--protected", type=float, default=0.03, help="share protected")
    args = parser.parse_args()
    n, n_reps = (int(x) for x in args.size.lower().split("x"))
    costs = [float(c) for c in args.costs.split(",")]

    started = time.perf_counter()
    inst = synthetic.make_instance(n, n_reps)
    if args.balance_weight is not None:
        inst.policy = dataclasses.replace(inst.policy, balance_weight=args.balance_weight)
    # the book starts empty of owners: the greedy book below is the only current owner
    blank = dataclasses.replace(inst.customers, owner=[""] * n)
    problem = build_problem(blank, inst.reps, inst.policy, as_of=inst.as_of)
    owners = greedy_book(problem)
    table: CustomerTable = dataclasses.replace(inst.customers, owner=owners)
    rng = np.random.default_rng(20261201)
    protected = (rng.random(n) < args.protected) & (np.array(owners) != "")
    prep_s = time.perf_counter() - started
    print(f"instance + greedy book: {prep_s:.1f} s", file=sys.stderr)

    print(f"## Rebalance, {n:,} customers × {n_reps:,} reps\n")
    print(f"{synthetic.describe(inst)}\n")
    print(
        f"Current book: greedy best match, {sum(1 for o in owners if o):,} owned, "
        f"{int(protected.sum()):,} protected; policy defaults (M = {inst.policy.coverage_weight:g}, "
        f"λ = {inst.policy.balance_weight:g}, stickiness {inst.policy.fit.incumbent:g}).\n"
    )
    print(
        "| move cost | time s | peak MB | moves | improvement | move cost paid | gain "
        "| spread before | spread after | reps ≥ 95 % full before → after |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    free: RebalanceResult | None = None
    free_seconds = 0.0
    for cost in costs:
        exact = _reset_peak()
        t0 = time.perf_counter()
        res = rebalance(
            table, inst.reps, inst.policy, move_cost=cost, protected=protected, as_of=inst.as_of
        )
        seconds = time.perf_counter() - t0
        peak = _peak_mb(exact)
        util_b = [lo.before / lo.capacity for lo in res.loads if lo.capacity and res.active[lo.rep]]
        util_a = [lo.after / lo.capacity for lo in res.loads if lo.capacity and res.active[lo.rep]]
        print(
            f"| {cost:g} | {seconds:.2f} | {peak:.0f} | {res.charged_moves:,} "
            f"| {res.objective_after - res.objective_before:,.1f} "
            f"| {cost * res.charged_moves:,.1f} | {res.gain:,.1f} "
            f"| {res.load_spread('before'):.3f} | {res.load_spread('after'):.3f} "
            f"| {sum(u >= 0.95 for u in util_b)} → {sum(u >= 0.95 for u in util_a)} |",
            flush=True,
        )
        print(f"move cost {cost:g}: {seconds:.2f} s", file=sys.stderr)
        if cost == 0:
            free, free_seconds = res, seconds
    if free is not None and free.problem is not None:
        t0 = time.perf_counter()
        ref = solve(free.problem, method="flow")
        ref_s = time.perf_counter() - t0
        gap = free.objective_after - ref.objective
        print(
            f"\nReference (same run): engine `solve()` (class/fit-level network, OR-Tools) on "
            f"the same {free.problem.n_customers:,} movable customers: objective "
            f"{ref.objective:,.4f} in {ref_s:.2f} s; rebalance at move cost 0: "
            f"{free.objective_after:,.4f} in {free_seconds:.2f} s (gap {gap:+.6f})."
        )
    print(
        f"\nMachine: {platform.machine()}, {platform.python_version()}, "
        f"{len(__import__('os').sched_getaffinity(0))} CPU(s) available. "
        "Peak MB = process peak RSS during the call (instance and table included)."
    )


if __name__ == "__main__":
    main()
