"""Engine vs OR-Tools on the full graph vs the usual heuristics, side by side, in one run.

    uv run python benchmarks/run.py                          # 1k×50, 10k×200, 100k×1,000
    uv run python benchmarks/run.py --big                    # … and 1M×2,000
    uv run python benchmarks/run.py --sizes 1000000x2000 --skip-baselines-above 100000

The Markdown report goes to stdout (paste it into the README); progress goes to stderr.

Every row runs in its own fresh process (multiprocessing "spawn"): the process generates
the instance (synthetic.py, deterministic), builds the engine's `Problem`, then resets the
kernel's peak-RSS mark (/proc/self/clear_refs) and runs the row's method. "peak MB" is the
process's peak RSS during the method (VmHWM), so it includes the instance and the Problem
held in memory; "+MB" is that peak minus the RSS just before the method. Where the mark
cannot be reset, the whole process's ru_maxrss is reported and the header says so.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import resource
import shlex
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import ortools

import baselines  # benchmarks/ is sys.path[0] when this file is run as a script
import synthetic
from fenpei.engine import Level, Problem, build_problem, solve
from fenpei.engine.solve import objective_of

DEFAULT_SIZES = "1000x50,10000x200,100000x1000"
BIG_SIZE = "1000000x2000"
ENGINE = "fenpei engine solve()"
BUILD = "build_problem (input to all rows)"
FULL = "OR-Tools min-cost flow, full graph"


# ---- memory ------------------------------------------------------------------------------
def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")  # reset VmHWM to the current RSS (Linux ≥ 4.0)
    except OSError:
        return False
    return _status_kb("VmHWM") <= _status_kb("VmRSS") + 1024


class Meter:
    """Wall time and peak RSS of one step of a fresh process."""

    def __init__(self) -> None:
        self.exact = _reset_peak()
        self.rss_before = _status_kb("VmRSS")
        self.started = time.perf_counter()

    def stop(self) -> dict[str, Any]:
        seconds = time.perf_counter() - self.started
        if self.exact:
            peak = _status_kb("VmHWM")
        else:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {
            "seconds": seconds,
            "peak_mb": peak / 1024,
            "delta_mb": (peak - self.rss_before) / 1024,
            "exact_peak": self.exact,
        }


# ---- quality metrics -----------------------------------------------------------------------
def gini(x: np.ndarray) -> float:
    x = np.sort(np.asarray(x, dtype=np.float64))
    if x.size == 0 or x.sum() == 0:
        return 0.0
    ranks = 2 * np.arange(1, x.size + 1) - x.size - 1
    return float(ranks @ x / (x.size * x.sum()))


def quality(
    problem: Problem, rep_of: np.ndarray, score: np.ndarray, objective: float
) -> dict[str, Any]:
    n = problem.n_customers
    assigned = rep_of >= 0
    senior = np.array([r.level == Level.SENIOR for r in problem.reps], dtype=bool)
    tier_a = problem.tier == 0
    a_to_senior = tier_a & assigned & senior[np.maximum(rep_of, 0)]
    active = np.array([r.active for r in problem.reps], dtype=bool)
    cap = problem.capacity.astype(np.float64)
    added = np.bincount(rep_of[assigned], minlength=len(problem.reps))
    util = ((problem.existing_load + added) / np.maximum(cap, 1))[active & (cap > 0)]
    spread = float(util.max() / util.min()) if util.size and util.min() > 0 else float("inf")
    return {
        "objective": float(objective),
        "tier_a_senior": float(a_to_senior.sum() / max(int(tier_a.sum()), 1)),
        "util_spread": spread,
        "util_gini": gini(util),
        "coverage": float(assigned.sum() / max(n, 1)),
        "assigned": int(assigned.sum()),
    }


# ---- one row, in a fresh process -------------------------------------------------------
def run_child(
    method: str, n: int, n_reps: int, *, seed: int, repeat: int, need_arcs: bool
) -> list[dict[str, Any]]:
    inst = synthetic.make_instance(n, n_reps, seed)
    if method == ENGINE:
        meter = Meter()
        problem = build_problem(inst.customers, inst.reps, inst.policy, as_of=inst.as_of)
        build = {"method": BUILD, **meter.stop()}
        build["prep_seconds"] = None
        meter = Meter()
        alloc = solve(problem)
        row = {"method": ENGINE, **meter.stop(), "prep_seconds": None}
        for _ in range(repeat - 1):
            t0 = time.perf_counter()
            again = solve(problem)
            row["seconds"] = min(row["seconds"], time.perf_counter() - t0)
            if not np.array_equal(again.rep, alloc.rep):
                raise AssertionError("engine is not deterministic")
        row.update(quality(problem, alloc.rep, alloc.score, alloc.objective))
        row["stats"] = dict(alloc.stats)
        row["instance"] = synthetic.describe(inst)
        row["solver"] = alloc.solver
        if need_arcs:
            pairs = baselines.eligible_pairs(problem)
            row["full_graph_arcs"] = pairs.size + n + int(problem.slots.sum())
        return [build, row]

    problem = build_problem(inst.customers, inst.reps, inst.policy, as_of=inst.as_of)
    meter = Meter()
    t0 = time.perf_counter()
    pairs = baselines.eligible_pairs(problem)
    prep = time.perf_counter() - t0
    if method == FULL:
        result = baselines.ortools_full_graph(problem, pairs)
        row = {"method": method, **meter.stop()}
        row["prep_seconds"] = prep + result.network_seconds
        row["seconds"] = result.solver_seconds  # add_arcs + supplies + solve only
        rep_of = result.rep_of
        row["full_graph_arcs"] = result.arcs
        row["optimal_cost"] = result.optimal_cost
    else:
        fn = baselines.HEURISTICS[method]
        t0 = time.perf_counter()
        rep_of = fn(problem, pairs)
        seconds = time.perf_counter() - t0
        row = {"method": method, **meter.stop()}
        row["prep_seconds"] = prep
        row["seconds"] = seconds
        for _ in range(repeat - 1):
            t0 = time.perf_counter()
            fn(problem, pairs)
            row["seconds"] = min(row["seconds"], time.perf_counter() - t0)
    baselines.check_feasible(problem, pairs, rep_of)
    score = baselines.score_of(problem, pairs, rep_of)
    row.update(quality(problem, rep_of, score, objective_of(problem, rep_of, score)))
    return [row]


def in_fresh_process(method: str, n: int, n_reps: int, **kwargs: Any) -> list[dict[str, Any]]:
    ctx = mp.get_context("spawn")
    with ctx.Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(run_child, (method, n, n_reps), kwargs)


# ---- report ------------------------------------------------------------------------------
def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f", {int(line.split()[1]) / 1024**2:.0f} GiB RAM"
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{cpus} CPUs (nproc), {model}{mem}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, numpy {np.__version__}, OR-Tools {ortools.__version__}"
    )


def engine_version(*, whole_tree: bool = False) -> str:
    """The commit the code comes from, and whether the working tree changes it."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "src/fenpei" if whole_tree else "src/fenpei/engine"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    where = "src/fenpei" if whole_tree else "src/fenpei/engine"
    return f"git {head}" + (f" + uncommitted changes in {where}" if dirty else "")


def _t(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def _gap(obj: float, ref: float | None) -> str:
    if ref is None:
        return "—"
    g = (ref - obj) / abs(ref) if ref else 0.0
    if g == 0:
        return "0"
    return f"{g:.1e}"


def table(rows: list[dict[str, Any]], ref_engine: float | None, ref_full: float | None) -> str:
    head = (
        "| method | time s | prep s | peak MB | +MB | objective | gap vs engine | gap vs OR-Tools "
        "| tier A → senior | util max/min | util Gini | coverage |"
    )
    out = [head, "|" + "---|" * 12]
    for r in rows:
        if "error" in r:
            out.append(f"| {r['method']} | error: {r['error']} |" + " |" * 10)
            continue
        if "objective" not in r:
            out.append(
                f"| {r['method']} | {_t(r['seconds'])} | — | {r['peak_mb']:.0f} | {r['delta_mb']:.0f} "
                "| — | — | — | — | — | — | — |"
            )
            continue
        spread = "∞" if r["util_spread"] == float("inf") else f"{r['util_spread']:.2f}"
        out.append(
            f"| {r['method']} | {_t(r['seconds'])} | {_t(r['prep_seconds'])} | {r['peak_mb']:.0f} "
            f"| {r['delta_mb']:.0f} | {r['objective']:,.2f} | {_gap(r['objective'], ref_engine)} "
            f"| {_gap(r['objective'], ref_full)} | {100 * r['tier_a_senior']:.1f}% | {spread} "
            f"| {r['util_gini']:.3f} | {100 * r['coverage']:.2f}% |"
        )
    return "\n".join(out)


def arc_ratio(full: float, ours: float) -> str:
    return f"{full / ours:.1f}× fewer" if full >= ours else f"{ours / full:.2f}× more"


def format_stats(stats: dict[str, float]) -> str:
    parts = []
    for key, value in stats.items():
        if key.endswith("_seconds"):
            parts.append(f"{key} {value:.2f} s")
        elif float(value).is_integer():
            parts.append(f"{key} {value:,.0f}")
        else:
            parts.append(f"{key} {value:.4g}")
    return ", ".join(parts)


def parse_sizes(text: str) -> list[tuple[int, int]]:
    sizes = []
    for part in text.split(","):
        if part.strip():
            c, r = part.lower().split("x")
            sizes.append((int(c.replace("_", "")), int(r.replace("_", ""))))
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default=DEFAULT_SIZES, help="CUSTOMERSxREPS,… (default %(default)s)"
    )
    parser.add_argument("--big", action="store_true", help=f"also run {BIG_SIZE}")
    parser.add_argument(
        "--skip-baselines-above", type=int, metavar="N", help="no heuristics above N customers"
    )
    parser.add_argument(
        "--skip-ortools-above",
        type=int,
        metavar="N",
        help="no full-graph OR-Tools above N customers",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="time each method N times, keep the fastest"
    )
    parser.add_argument("--seed", type=int, default=20260630)
    args = parser.parse_args()
    sizes = parse_sizes(args.sizes + ("," + BIG_SIZE if args.big else ""))

    print("## Fenpei allocation benchmark\n")
    print(f"Command: `{' '.join(['uv run python', *map(shlex.quote, sys.argv)])}`  ")
    print(f"Machine: {machine()}  ")
    print(f"Engine: {engine_version()}  ")
    print(
        f"Load average at start (1/5/15 min): {' / '.join(f'{x:.2f}' for x in os.getloadavg())}  "
    )
    print(f"Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, seed {args.seed}, best of {args.repeat}\n")
    print(
        "Each row runs in a fresh `spawn` process that first generates the instance and builds "
        "the `Problem` (eligibility, priorities, fits); **time** is the method alone on that "
        "`Problem` (for OR-Tools: `add_arcs` + supplies + `solve`; for the engine: the whole "
        "`solve()`, network building and decomposition included), **prep** is building the "
        "per-pair arrays the row needs (`problem.pairs()`, and the arc arrays for OR-Tools). "
        "**peak MB** is the process's peak RSS during the method (VmHWM after resetting it "
        "through /proc/self/clear_refs), so it includes the instance and `Problem` held in "
        "memory; **+MB** is that peak minus the RSS just before the method. "
        "**gap** = (reference − objective) / reference. **tier A → senior**: share of all tier-A "
        "customers given a senior rep. **util**: (existing + assigned) / capacity over active reps. "
        "The machine is shared with other work, so timings are noisy.\n"
    )
    sys.stdout.flush()
    all_rows: list[dict[str, Any]] = []
    for n, n_reps in sizes:
        methods: list[str] = [ENGINE]
        if args.skip_ortools_above is None or n <= args.skip_ortools_above:
            methods.append(FULL)
        if args.skip_baselines_above is None or n <= args.skip_baselines_above:
            methods.extend(baselines.HEURISTICS)
        need_arcs = FULL not in methods  # then the engine row counts the full graph's arcs
        rows: list[dict[str, Any]] = []
        for method in methods:
            print(f"[{n}x{n_reps}] {method} …", file=sys.stderr, flush=True)
            t0 = time.perf_counter()
            try:
                rows.extend(
                    in_fresh_process(
                        method, n, n_reps, seed=args.seed, repeat=args.repeat, need_arcs=need_arcs
                    )
                )
            except Exception as exc:  # report and go on with the other rows
                rows.append({"method": method, "error": f"{type(exc).__name__}: {exc}"})
            print(
                f"[{n}x{n_reps}] {method} done in {time.perf_counter() - t0:.1f} s",
                file=sys.stderr,
                flush=True,
            )
        all_rows.extend(rows)
        by = {r["method"]: r for r in rows}
        engine, full = by.get(ENGINE, {}), by.get(FULL, {})
        ref_engine = engine.get("objective")
        ref_full = full.get("objective")
        print(f"### {n:,} customers × {n_reps:,} reps\n")
        if "instance" in engine:
            print(f"Instance: {engine['instance']}.  ")
        stats = engine.get("stats", {})
        full_arcs = full.get("full_graph_arcs") or engine.get("full_graph_arcs")
        if stats:
            print(
                f"Engine: {engine.get('solver', '?')}; build_problem {by[BUILD]['seconds']:.2f} s.  "
            )
            print(f"Engine stats: {format_stats(stats)}.  ")
            if full_arcs and stats.get("arcs"):
                print(
                    f"Arcs: engine {stats['arcs']:,.0f} vs full graph {full_arcs:,} "
                    f"({arc_ratio(full_arcs, stats['arcs'])}).  "
                )
        if ref_engine is not None and ref_full is not None:
            rel = abs(ref_engine - ref_full) / abs(ref_full)
            verdict = "OK" if rel <= 1e-6 else "MISMATCH"
            speed = engine["seconds"] / full["seconds"] if full.get("seconds") else float("nan")
            print(
                f"Check: engine objective vs OR-Tools full graph |Δ|/opt = {rel:.1e} (≤ 1e-6: {verdict}); "
                f"engine time / OR-Tools time = {speed:.2f} (target ≤ 1.0).  "
            )
        print()
        print(table(rows, ref_engine, ref_full))
        print()
        sys.stdout.flush()
    print(f"Load average at end (1/5/15 min): {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    exact = all(r.get("exact_peak", True) for r in all_rows)
    if not exact:
        print("Note: peak RSS could not be reset here; peak MB is the process's whole ru_maxrss.")


if __name__ == "__main__":
    main()
