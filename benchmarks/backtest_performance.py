"""Backtest of learning from results (the `[performance]` term) on recorded deals.

    uv run python benchmarks/backtest_performance.py                 # the demo, loaded afresh
    uv run python benchmarks/backtest_performance.py --db fenpei.sqlite3   # any Fenpei database

Does steering customers to reps who won more often raise the value won? A time split
answers it without peeking:

1. The deals are split at a cutoff (by default two thirds into the period they span).
   The term learns only from deals closed up to the cutoff: exactly what
   `fenpei.allocation.inputs.engine_reps` gives the engine on that day.
2. The customers that arrived after the cutoff (`Customer.created_at`) are allocated
   twice by the engine, as new customers (no owner), with the term off and on; the rest
   of the policy is the active one.
3. Each allocation is scored by its expected won value Σ potential value × p(win | rep,
   segment), with p estimated from the held-out deals after the cutoff only, shrunk
   the same way (one fixed scorer, by default k = 20 over industry, region and tier, and
   every held-out deal counts: min_deals = 1). It is
   an off-policy estimate: the held-out deals were closed by whoever owned those
   customers, so a rep × segment pair with few held-out deals is scored near the team's
   rate. A bootstrap over the held-out deals gives the interval of the lift.
4. Calibration: the Brier score of the rates learnt before the cutoff on the held-out
   outcomes, against the team's rate alone. Below the team's score means the rates carry
   information; equal means they are noise the shrinkage has (rightly) flattened.

When the database is the demo's and its hidden win probabilities can be read
(`fenpei.web.demo.win_probability`), the same two allocations are also scored with the
true probabilities: the figure a real team never has, printed as a check of the
off-policy estimate. Reads only the tables (deals, customers, reps), so it works on any
version of the demo and on a real database. Markdown goes to stdout.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np


def _django(db: str | None, work: Path) -> bool:
    """Set up Django on `db` (a SQLite file), or on a fresh file in `work`. → fresh?"""
    path = Path(db).resolve() if db else work / "fenpei.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fenpei.config.settings")
    import django  # noqa: PLC0415

    django.setup()
    return db is None


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@dataclasses.dataclass
class History:
    rep_keys: list[str]
    deal_rep: np.ndarray  # index into rep_keys
    deal_segment: list[tuple[str, str, str]]  # customer's industry, province, tier
    deal_won: np.ndarray  # bool
    deal_day: np.ndarray  # datetime64[D]


def _history() -> tuple[History, list[Any]]:
    from fenpei.followups.models import Deal, DealResult  # noqa: PLC0415
    from fenpei.teams.models import Rep  # noqa: PLC0415

    reps = list(Rep.objects.select_related("team").order_by("key"))
    index = {r.pk: j for j, r in enumerate(reps)}
    rows = list(
        Deal.objects.filter(rep__isnull=False)
        .order_by("closed_on", "pk")
        .values_list(
            "rep_id",
            "customer__industry",
            "customer__region",
            "customer__tier",
            "result",
            "closed_on",
        )
    )
    return (
        History(
            rep_keys=[r.key for r in reps],
            deal_rep=np.array([index[r[0]] for r in rows], dtype=np.int64),
            deal_segment=[(r[1], r[2], r[3]) for r in rows],
            deal_won=np.array([r[4] == DealResult.WON for r in rows], dtype=np.bool_),
            deal_day=np.array([r[5] for r in rows], dtype="datetime64[D]"),
        ),
        reps,
    )


def _rates(history: History, mask: np.ndarray, term: Any, min_deals: int) -> Any:
    from fenpei.engine.performance import tallies_of, win_rates  # noqa: PLC0415

    rows = [
        (int(history.deal_rep[k]), *history.deal_segment[k], 1, int(history.deal_won[k]))
        for k in np.flatnonzero(mask).tolist()
    ]
    return win_rates(tallies_of(rows), term.segments, term.prior_deals, min_deals)


def _codes(rates: Any, segments: Sequence[tuple[str, str, str]]) -> np.ndarray:
    from fenpei.engine.model import TIERS  # noqa: PLC0415

    tier = {t: i for i, t in enumerate(TIERS)}
    return np.column_stack(
        [
            rates.codes_of(0, [s[0] for s in segments]),
            rates.codes_of(1, [s[1] for s in segments]),
            np.array([tier.get(s[2], -1) for s in segments], dtype=np.int64),
        ]
    ).astype(np.int64)


def _expected_won(
    rates: Any, rep: np.ndarray, segments: list[tuple[str, str, str]], value: np.ndarray
) -> float:
    """Σ value × p(win | rep, segment) over assigned customers (rep ≥ 0)."""
    from fenpei.engine.performance import pair_rates  # noqa: PLC0415

    done = rep >= 0
    if not done.any():
        return 0.0
    seg = [s for s, d in zip(segments, done.tolist(), strict=True) if d]
    p = pair_rates(rates, rep[done], _codes(rates, seg)).rate
    return float((value[done] * p).sum())


def _brier(history: History, train: Any, held: np.ndarray) -> tuple[float, float, int]:
    from fenpei.engine.performance import pair_rates  # noqa: PLC0415

    idx = np.flatnonzero(held)
    seg = [history.deal_segment[k] for k in idx.tolist()]
    won = history.deal_won[idx].astype(np.float64)
    model = pair_rates(train, history.deal_rep[idx], _codes(train, seg)).rate
    return (
        float(((model - won) ** 2).mean()),
        float(((train.team_rate - won) ** 2).mean()),
        int(idx.size),
    )


def _k_estimates(history: History, train_mask: np.ndarray) -> tuple[float, float]:
    """Method-of-moments k over rep × industry cells and over reps (training deals)."""
    from fenpei.engine.performance import prior_deals_estimate  # noqa: PLC0415

    idx = np.flatnonzero(train_mask)
    industry = [history.deal_segment[k][0] for k in idx.tolist()]
    rep = history.deal_rep[idx]
    won = history.deal_won[idx].astype(np.float64)
    p = float(won.mean()) if won.size else 0.0
    names = sorted(set(industry))
    ind = np.array([names.index(x) for x in industry], dtype=np.int64)
    n_i = np.bincount(ind, minlength=len(names)).astype(np.float64)
    p_i = np.bincount(ind, weights=won, minlength=len(names)) / np.maximum(n_i, 1)
    cell = rep * len(names) + ind
    uniq, inv = np.unique(cell, return_inverse=True)
    cell_n = np.bincount(inv).astype(np.float64)
    cell_w = np.bincount(inv, weights=won)
    cell_p = p_i[uniq % len(names)]
    by_rep_n = np.bincount(rep).astype(np.float64)
    by_rep_w = np.bincount(rep, weights=won)
    return (
        prior_deals_estimate(cell_n, cell_w, cell_p),
        prior_deals_estimate(by_rep_n, by_rep_w, np.full(by_rep_n.size, p)),
    )


@dataclasses.dataclass
class Allocated:
    rep: np.ndarray  # index into the History's reps, -1 unassigned
    seconds: float


def _allocate(customers: list[Any], reps: list[Any], policy: Any, day: date) -> Allocated:
    from fenpei.allocation.inputs import engine_customers, engine_reps  # noqa: PLC0415
    from fenpei.allocation.selectors import rep_loads  # noqa: PLC0415
    from fenpei.engine import allocate  # noqa: PLC0415

    # the customers arrive: no owner, nothing held for them; every other customer a rep
    # owns today stays in the rep's load
    loads = rep_loads([r.pk for r in reps])
    own = {r.pk: 0 for r in reps}
    for c in customers:
        if c.owner_id in own:
            own[c.owner_id] += 1
        c.locked = False
    existing = {r.pk: loads.get(r.pk, 0) - own[r.pk] for r in reps}
    table = engine_customers(customers, {})
    started = time.perf_counter()
    _, allocation = allocate(
        table, engine_reps(reps, existing, day, policy=policy), policy, as_of=day
    )
    return Allocated(allocation.rep.astype(np.int64), time.perf_counter() - started)


def _true_won(
    reps: list[Any], rep: np.ndarray, segments: list[tuple[str, str, str]], value: np.ndarray
) -> float | None:
    """The demo's hidden win probabilities, when this is the demo and they can be read."""
    try:
        from fenpei.web.demo import win_probability  # noqa: PLC0415

        total = 0.0
        for i in np.flatnonzero(rep >= 0).tolist():
            r = reps[int(rep[i])]
            who = dataclasses.make_dataclass("R", ["key", "industries", "level"])(
                r.key, frozenset(r.industries or ()), r.level
            )
            total += float(value[i]) * float(win_probability(who, segments[i][0]))
    except (ImportError, AttributeError, TypeError, KeyError, ValueError):
        return None
    return total


def _pct(after: float, before: float) -> str:
    return f"{100 * (after - before) / before:+.2f} %" if before else "n/a"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--db", help="a Fenpei SQLite file (default: load the demo into a temporary one)"
    )
    ap.add_argument("--split", type=float, default=2 / 3, help="share of the period to learn from")
    ap.add_argument("--weight", type=float, default=0.3, help="performance weight when on")
    ap.add_argument("--prior-deals", type=float, default=None, help="k (default: the policy's)")
    ap.add_argument("--min-deals", type=int, default=None, help="(default: the policy's)")
    ap.add_argument(
        "--segments", default=None, help="e.g. industry,region,tier (default: the policy's)"
    )
    ap.add_argument(
        "--score-prior-deals", type=float, default=20.0, help="k of the held-out scorer"
    )
    ap.add_argument(
        "--score-segments",
        default="industry,region,tier",
        help="segments of the held-out scorer (every held-out deal counts)",
    )
    ap.add_argument("--bootstrap", type=int, default=200, help="resamples of the held-out deals")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="fenpei-backtest-") as work:
        fresh = _django(args.db, Path(work))
        from django.core.management import call_command  # noqa: PLC0415
        from django.db import connections  # noqa: PLC0415

        if fresh:
            _log("loading the demo company into a temporary database …")
            call_command("migrate", interactive=False, verbosity=0)
            from fenpei.web.demo import demo_load  # noqa: PLC0415

            demo_load()
        try:
            report(args)
        finally:
            connections.close_all()


def report(args: argparse.Namespace) -> None:
    from fenpei.allocation.selectors import policy_current  # noqa: PLC0415
    from fenpei.customers.models import Customer  # noqa: PLC0415
    from fenpei.engine.policy import PerformanceTerm  # noqa: PLC0415

    history, reps = _history()
    if history.deal_day.size < 20:
        print(f"Only {history.deal_day.size} deals with a rep: nothing to learn from.")
        return
    first, last = history.deal_day.min(), history.deal_day.max()
    span = int((last - first).astype(int))
    cutoff = first + np.timedelta64(round(span * args.split), "D")
    cut_day = cutoff.astype(date)
    train = history.deal_day <= cutoff
    held = ~train

    base = policy_current()
    d = base.performance if base.performance.on else PerformanceTerm()
    term = PerformanceTerm(
        weight=args.weight,
        prior_deals=args.prior_deals if args.prior_deals is not None else d.prior_deals,
        min_deals=args.min_deals if args.min_deals is not None else d.min_deals,
        months=max(d.months, span // 28 + 2),  # every deal before the cutoff
        segments=tuple(args.segments.split(",")) if args.segments else d.segments,
    )
    off = dataclasses.replace(base, performance=PerformanceTerm())
    on = dataclasses.replace(base, performance=term)

    customers = list(Customer.objects.filter(created_at__date__gt=cut_day).order_by("pk"))
    arrived = "arrived after the cutoff (created_at)"
    if len(customers) < 30:  # a database without arrival dates: the customers of the held-out deals
        customers = list(
            Customer.objects.filter(deals__closed_on__gt=cut_day).distinct().order_by("pk")
        )
        arrived = "with a deal after the cutoff (no arrival dates)"
    segments = [(c.industry, c.region, c.tier) for c in customers]
    value = np.array([float(c.potential_value) for c in customers])

    a_off = _allocate(customers, reps, off, cut_day)
    a_on = _allocate(customers, reps, on, cut_day)
    # one scorer for every configuration, so "term off" is the same figure in every run
    scorer = PerformanceTerm(
        prior_deals=args.score_prior_deals,
        min_deals=1,
        segments=tuple(args.score_segments.split(",")) if args.score_segments else (),
    )
    held_rates = _rates(history, held, scorer, 1)
    ev_off = _expected_won(held_rates, a_off.rep, segments, value)
    ev_on = _expected_won(held_rates, a_on.rep, segments, value)

    rng = np.random.default_rng(args.seed)
    held_idx = np.flatnonzero(held)
    lifts = []
    for _ in range(args.bootstrap):
        pick = rng.choice(held_idx, size=held_idx.size, replace=True)
        boot = History(
            history.rep_keys,
            history.deal_rep[pick],
            [history.deal_segment[k] for k in pick.tolist()],
            history.deal_won[pick],
            history.deal_day[pick],
        )
        rates = _rates(boot, np.ones(pick.size, dtype=np.bool_), scorer, 1)
        b_off = _expected_won(rates, a_off.rep, segments, value)
        lifts.append(100 * (_expected_won(rates, a_on.rep, segments, value) - b_off) / b_off)
    low, high = np.percentile(lifts, [5, 95]) if lifts else (np.nan, np.nan)

    train_rates = _rates(history, train, term, term.min_deals)
    brier_model, brier_team, n_brier = _brier(history, train_rates, held)
    k_cells, k_reps = _k_estimates(history, train)
    true_off = _true_won(reps, a_off.rep, segments, value)
    true_on = _true_won(reps, a_on.rep, segments, value)

    moved = int((a_off.rep != a_on.rep).sum())
    print("## Learning from results: backtest\n")
    print(
        f"Deals with a rep: {history.deal_day.size:,} from {first} to {last} "
        f"({int(history.deal_won.sum()):,} won, {100 * history.deal_won.mean():.1f} %). "
        f"Cutoff {cut_day}: learn from {int(train.sum()):,} deals up to it, score with the "
        f"{int(held.sum()):,} after it.  "
    )
    print(
        f"Allocated: {len(customers):,} customers {arrived}, over {len(reps)} reps; "
        f"the term on changes the rep of {moved:,} ({100 * moved / max(len(customers), 1):.1f} %). "
        f"Term: weight {term.weight:g}, k = {term.prior_deals:g}, min_deals {term.min_deals}, "
        f"segments {', '.join(term.segments) or '(all deals)'}.  \n"
    )
    print(
        "| allocation | assigned | expected won value (held-out rates) | lift | true expected won value (demo) | lift |"
    )
    print("|---|---|---|---|---|---|")
    for name, a, ev, tv in (
        ("term off", a_off, ev_off, true_off),
        ("term on", a_on, ev_on, true_on),
    ):
        lift = "—" if a is a_off else _pct(ev_on, ev_off)
        tlift = "—" if a is a_off or tv is None or true_off is None else _pct(tv, true_off)
        tcell = f"{tv:,.0f} 元" if tv is not None else "n/a"
        print(
            f"| {name} | {int((a.rep >= 0).sum()):,} | {ev:,.0f} 元 | {lift} | {tcell} | {tlift} |"
        )
    print(
        f"\nLift on held-out rates: {_pct(ev_on, ev_off)}, 90 % bootstrap interval over the "
        f"held-out deals {low:+.2f} % … {high:+.2f} % ({args.bootstrap} resamples; it rests on "
        f"{int(held.sum()):,} deals).  "
    )
    print(
        f"Calibration on the {n_brier:,} held-out deals: Brier score of the learnt rates "
        f"{brier_model:.4f} vs the team's rate alone ({train_rates.team_rate:.1%}) "
        f"{brier_team:.4f} (skill {100 * (1 - brier_model / brier_team):+.2f} %; lower is better).  "
    )
    print(
        f"Spread between reps in the training deals, as the k of a beta prior (method of "
        f"moments): rep × industry cells k ≈ {k_cells:.0f}, reps overall k ≈ {k_reps:.0f} "
        f"(∞: no more spread than chance; the policy's k = {term.prior_deals:g}).\n"
    )

    print("### Sensitivity (held-out-rate estimate)\n")
    print("| weight | k | min_deals | reps changed | lift | true lift (demo) |")
    print("|---|---|---|---|---|---|")
    for weight in (0.3, 1.0):
        for k in (5.0, 10.0, 20.0, 50.0):
            for min_deals in (3, 5, 10):
                t = dataclasses.replace(term, weight=weight, prior_deals=k, min_deals=min_deals)
                a = _allocate(customers, reps, dataclasses.replace(base, performance=t), cut_day)
                ev = _expected_won(held_rates, a.rep, segments, value)
                tv = _true_won(reps, a.rep, segments, value)
                tl = _pct(tv, true_off) if tv is not None and true_off is not None else "n/a"
                changed = int((a.rep != a_off.rep).sum())
                print(
                    f"| {weight:g} | {k:g} | {min_deals} | {changed:,} | {_pct(ev, ev_off)} | {tl} |"
                )
    print(f"\nEngine time per allocation: off {a_off.seconds:.2f} s, on {a_on.seconds:.2f} s.")


if __name__ == "__main__":
    main()
