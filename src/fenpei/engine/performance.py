"""Learning from results (智能化): each rep's win rate by segment, shrunk towards the team's.

A segment is a combination of the customer's industry, province and tier. From deal
tallies (rep, segment, deals, wins) this module estimates, for any (rep, customer)
pair, how often the rep wins deals like this customer's, and how that compares with the
team. `eligibility.py` turns the comparison into a fit bonus; `explain.py` words it.

The estimate is the empirical-Bayes posterior mean under a beta prior centred on the
team (every rate is "wins plus k deals at the team's rate, over deals plus k"):

    p    = W / N                          the team's rate over all its deals
    p_s  = (W_s + k·p)   / (N_s + k)      the team's rate in segment s
    q    = (w + k·p_s)   / (n + k)        the rep's rate in s, from w wins of n deals

q is the mean of Beta(w + k·p_s, n − w + k·(1 − p_s)), the posterior of a Beta(k·p_s,
k·(1 − p_s)) prior: the prior is worth k deals won at the team's rate (`prior_deals`).
A rep with a handful of deals stays near the team (12 of 20 with the team at 35 % and
k = 10 gives (12 + 3.5) / 30 = 51.7 %, not 60 %); a rep with many deals is judged on
their own. The default k = 10 says the reps' true rates spread about ±14 points around
the team's (the prior's standard deviation √(p(1 − p)/(k + 1)) at p = 40 %): between
what the demo's deals show for rep × industry (k ≈ 5) and for reps overall (k ≈ 20),
and the order of spread a sales team has. `prior_deals_estimate` measures the spread on
real deals (benchmarks/backtest_performance.py prints it) so a manager can check it.

Segments back off from the most specific: with segments (industry, region, tier) the
rep's record in (金融, 上海, A) is used if it holds at least `min_deals` of the rep's
deals, else (金融, 上海), else (金融), else all the rep's deals; with fewer than
`min_deals` deals even overall, the rep gets no estimate. One segment is used, not a
product of one lift per dimension: a rep who is good at everything would be counted
three times in a product, since every dimension's lift carries the same overall skill.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fenpei.engine.model import TIERS, DealTally, FloatArray

#: The dimensions a segment may use, in the column order of every `codes` array here.
DIMENSIONS = ("industry", "region", "tier")

Int64Array = npt.NDArray[np.int64]
#: One tally as plain values: (rep index, industry, province, tier, deals, wins).
TallyRow = tuple[int, str, str, str, int, int]


@dataclass(slots=True)
class Tallies:
    """Deal tallies as columns; names coded into `vocab` (one list per dimension)."""

    rep: Int64Array
    codes: Int64Array  # (m, 3) codes of industry, region, tier; -1 unknown
    deals: Int64Array
    wins: Int64Array
    vocab: tuple[list[str], list[str], list[str]]

    def __len__(self) -> int:
        return int(self.rep.size)


def tallies_of(rows: Iterable[TallyRow]) -> Tallies:
    """Columns of (rep, industry, region, tier, deals, wins) rows. A tier other than
    A/B/C, like any "" value, counts as unknown; rows without deals are dropped."""
    kept = [r for r in rows if r[4] > 0]
    for r in kept:
        if not 0 <= r[5] <= r[4]:
            raise ValueError(f"a tally needs 0 ≤ wins ≤ deals, got {r[5]} of {r[4]}")
    industries = sorted({r[1] for r in kept if r[1]})
    regions = sorted({r[2] for r in kept if r[2]})
    index = (
        {v: i for i, v in enumerate(industries)},
        {v: i for i, v in enumerate(regions)},
        {v: i for i, v in enumerate(TIERS)},
    )
    codes = np.array(
        [[index[0].get(r[1], -1), index[1].get(r[2], -1), index[2].get(r[3], -1)] for r in kept],
        dtype=np.int64,
    ).reshape(len(kept), 3)
    return Tallies(
        rep=np.array([r[0] for r in kept], dtype=np.int64),
        codes=codes,
        deals=np.array([r[4] for r in kept], dtype=np.int64),
        wins=np.array([r[5] for r in kept], dtype=np.int64),
        vocab=(industries, regions, list(TIERS)),
    )


def tallies_of_records(records: Sequence[Sequence[DealTally]]) -> Tallies:
    """Tallies of reps' track records: `records[j]` is rep j's."""
    return tallies_of(
        (j, t.industry, t.region, t.tier, t.deals, t.wins)
        for j, record in enumerate(records)
        for t in record
    )


def shrunk_rate(
    wins: npt.ArrayLike, deals: npt.ArrayLike, prior_rate: npt.ArrayLike, prior_deals: float
) -> FloatArray:
    """(wins + k·prior) / (deals + k): the beta-binomial posterior mean (k > 0)."""
    w, n, p = (np.asarray(x, dtype=np.float64) for x in (wins, deals, prior_rate))
    rate: FloatArray = (w + prior_deals * p) / (n + prior_deals)
    return rate


@dataclass(slots=True)
class _Level:
    dims: tuple[int, ...]  # indices into DIMENSIONS; () is "all deals"
    span: int  # number of distinct segments (mixed radix of the dims' vocabularies)
    rep_key: Int64Array  # sorted rep·span + segment, with the counts below
    rep_deals: Int64Array
    rep_wins: Int64Array
    team_key: Int64Array  # sorted segment, with the counts below
    team_deals: Int64Array
    team_wins: Int64Array


@dataclass(slots=True)
class WinRates:
    """Everything needed to look up the shrunk rate of any (rep, segment)."""

    levels: list[_Level]  # most specific first; the last one is () (all deals)
    vocab: tuple[list[str], list[str], list[str]]
    prior_deals: float
    min_deals: int
    team_rate: float  # p, over every tallied deal
    deals: int  # N

    def codes_of(self, dimension: int, names: Sequence[str]) -> Int64Array:
        """Codes of the given names in this vocabulary (-1 for names without deals)."""
        index = {v: i for i, v in enumerate(self.vocab[dimension])}
        return np.fromiter((index.get(v, -1) for v in names), np.int64, count=len(names))


def _segment(codes: Int64Array, dims: tuple[int, ...], sizes: Sequence[int]) -> Int64Array:
    seg = np.zeros(codes.shape[0], dtype=np.int64)
    for d in dims:
        seg = seg * sizes[d] + codes[:, d]
    return seg


def _summed(key: Int64Array, *values: Int64Array) -> tuple[Int64Array, ...]:
    uniq, inverse = np.unique(key, return_inverse=True)
    sums = tuple(
        np.bincount(inverse, weights=v, minlength=uniq.size).astype(np.int64) for v in values
    )
    return (uniq.astype(np.int64), *sums)


def _levels_of(segments: Sequence[str]) -> list[tuple[int, ...]]:
    dims = tuple(DIMENSIONS.index(s) for s in segments)
    return [dims[:size] for size in range(len(dims), -1, -1)]


def win_rates(
    tallies: Tallies, segments: Sequence[str], prior_deals: float, min_deals: int
) -> WinRates:
    """Counts at every back-off level of `segments` (a sequence of DIMENSIONS names)."""
    if prior_deals <= 0:
        raise ValueError("prior_deals must be positive")
    unknown = set(segments) - set(DIMENSIONS)
    if unknown or len(set(segments)) != len(segments):
        raise ValueError(f"segments must be distinct names from {DIMENSIONS}, got {segments!r}")
    sizes = [max(len(v), 1) for v in tallies.vocab]
    levels = []
    for dims in _levels_of(segments):
        known = np.ones(len(tallies), dtype=np.bool_)
        for d in dims:
            known &= tallies.codes[:, d] >= 0
        span = int(np.prod([sizes[d] for d in dims])) if dims else 1
        seg = _segment(tallies.codes[known], dims, sizes)
        deals, wins = tallies.deals[known], tallies.wins[known]
        rep_key, rep_deals, rep_wins = _summed(tallies.rep[known] * span + seg, deals, wins)
        team_key, team_deals, team_wins = _summed(seg, deals, wins)
        levels.append(
            _Level(dims, span, rep_key, rep_deals, rep_wins, team_key, team_deals, team_wins)
        )
    total = int(tallies.deals.sum())
    return WinRates(
        levels=levels,
        vocab=tallies.vocab,
        prior_deals=float(prior_deals),
        min_deals=int(min_deals),
        team_rate=float(tallies.wins.sum()) / total if total else 0.0,
        deals=total,
    )


@dataclass(slots=True)
class PairRates:
    """The estimate for each asked (rep, segment) pair; what the bonus and reasons use."""

    level: Int64Array  # index into WinRates.levels; -1: too few of the rep's deals
    deals: Int64Array  # n: the rep's deals in the chosen segment (0 when level is -1)
    wins: Int64Array  # w
    rate: FloatArray  # q, the rep's shrunk rate (the team's where level is -1)
    team_rate: FloatArray  # p_s, the team's rate in the chosen segment
    codes: Int64Array  # (m, 3) the asked segment codes, for `segment_names`

    @property
    def lift(self) -> FloatArray:
        """q / p_s: 1 is the team's rate, 2 twice it; 1 where the team never won."""
        safe = np.where(self.team_rate > 0, self.team_rate, 1.0)
        lift: FloatArray = np.where(self.team_rate > 0, self.rate / safe, 1.0)
        return lift


def _find(keys: Int64Array, want: Int64Array) -> tuple[npt.NDArray[np.bool_], Int64Array]:
    """Where each wanted key sits in the sorted `keys`, and whether it is there."""
    if keys.size == 0:
        return np.zeros(want.shape, np.bool_), np.zeros(want.shape, np.int64)
    pos = np.minimum(np.searchsorted(keys, want), keys.size - 1)
    return keys[pos] == want, pos


def pair_rates(rates: WinRates, rep: npt.ArrayLike, codes: Int64Array) -> PairRates:
    """Shrunk rates for pairs: `rep` indices and `codes` (m, 3) in `rates.vocab` (-1 unknown)."""
    rep64 = np.asarray(rep, dtype=np.int64).reshape(-1)
    m = rep64.size
    sizes = [max(len(v), 1) for v in rates.vocab]
    level = np.full(m, -1, dtype=np.int64)
    n = np.zeros(m, dtype=np.int64)
    w = np.zeros(m, dtype=np.int64)
    team_n = np.zeros(m, dtype=np.int64)
    team_w = np.zeros(m, dtype=np.int64)
    for li, lv in enumerate(rates.levels):
        open_ = level < 0
        for d in lv.dims:
            open_ &= codes[:, d] >= 0
        rows = np.flatnonzero(open_)
        if rows.size == 0:
            continue
        seg = _segment(codes[rows], lv.dims, sizes)
        found, pos = _find(lv.rep_key, rep64[rows] * lv.span + seg)
        deals = np.where(found, lv.rep_deals[pos] if lv.rep_key.size else 0, 0)
        take = deals >= max(rates.min_deals, 1)
        rows, seg, pos = rows[take], seg[take], pos[take]
        level[rows] = li
        n[rows] = lv.rep_deals[pos]
        w[rows] = lv.rep_wins[pos]
        t_found, t_pos = _find(lv.team_key, seg)  # always found: the rep's deals are in it
        team_n[rows] = np.where(t_found, lv.team_deals[t_pos], 0)
        team_w[rows] = np.where(t_found, lv.team_wins[t_pos], 0)
    k = rates.prior_deals
    team = shrunk_rate(team_w, team_n, rates.team_rate, k)
    return PairRates(level, n, w, shrunk_rate(w, n, team, k), team, codes)


def performance_bonus(pairs: PairRates, weight: float) -> FloatArray:
    """weight × (q / p_s − 1), clipped to [0, 1] before weighting.

    Never negative: fit stays ≥ 1 (the published objective), and a rep below the team
    is treated like one without a record rather than pushed away from customers they
    need in order to improve. Capped at twice the team's rate so one lucky segment
    cannot outweigh every other part of fit.
    """
    lift = np.clip(pairs.lift - 1.0, 0.0, 1.0)
    bonus: FloatArray = np.where(pairs.level >= 0, weight * lift, 0.0)
    return bonus


def segment_names(rates: WinRates, pairs: PairRates, k: int) -> dict[str, str]:
    """{"industry": "金融", "region": "上海", "tier": ""}: the segment pair k's estimate
    rests on; "" for a dimension the chosen back-off level does not use."""
    out = dict.fromkeys(DIMENSIONS, "")
    level = int(pairs.level[k])
    if level < 0:
        return out
    for d in rates.levels[level].dims:
        code = int(pairs.codes[k, d])
        out[DIMENSIONS[d]] = rates.vocab[d][code] if code >= 0 else ""
    return out


def prior_deals_estimate(
    deals: npt.ArrayLike, wins: npt.ArrayLike, expected: npt.ArrayLike
) -> float:
    """Method-of-moments k of a beta-binomial: how many deals the spread between groups
    (reps, or rep × segment cells) is worth, from each group's deals, wins and expected
    rate (the team's). A beta-binomial group of n deals has variance
    n·p(1−p)·(1 + (n − 1)·ρ) with ρ = 1/(k + 1); solving the observed squared residuals for
    ρ gives k. Infinite when the groups differ no more than chance would make them.
    """
    n, w, p = (np.asarray(x, dtype=np.float64) for x in (deals, wins, expected))
    ok = (n > 0) & (p > 0) & (p < 1)
    n, w, p = n[ok], w[ok], p[ok]
    pairs = float((n * (n - 1)).sum())
    if pairs <= 0:
        return float("inf")
    rho = (float(((w - n * p) ** 2 / (p * (1 - p))).sum()) - float(n.sum())) / pairs
    return 1.0 / rho - 1.0 if rho > 0 else float("inf")


__all__ = [
    "DIMENSIONS",
    "PairRates",
    "Tallies",
    "WinRates",
    "pair_rates",
    "performance_bonus",
    "prior_deals_estimate",
    "segment_names",
    "shrunk_rate",
    "tallies_of",
    "tallies_of_records",
    "win_rates",
]
