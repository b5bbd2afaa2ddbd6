"""The dashboard's cards: for each figure, a headline, an ECharts option and the numbers
behind it as tables (shown under the chart and written to the Excel download).

Charts and tables come from the same rows here, so what the chart draws and what the
table lists cannot drift apart. Options are plain JSON (no functions): the static
`dashboards.js` only adds shared styling and draws them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from fenpei.customers.templatetags.customer_format import yuan
from fenpei.dashboards.selectors import (
    ConversionRow,
    Dashboard,
    RepLine,
)
from fenpei.teams.models import Level

TEXT, INT, MONEY, PCT, HOURS, RATIO = "text", "int", "money", "pct", "hours", "ratio"
TIER_COLOURS = {"A": "#c0392b", "B": "#d68910", "C": "#7f8c8d"}


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    kind: str = TEXT  # how cells are shown: TEXT, INT, MONEY, PCT (0–1), HOURS, RATIO


@dataclass(frozen=True, slots=True)
class FigureTable:
    key: str  # sheet name in the download
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    #: per row, a page that lists what the row counts ("" = none)
    links: tuple[str, ...] = ()

    @property
    def lines(self) -> list[tuple[str, list[tuple[Any, str]]]]:
        """Rows for a template: (link, [(value, kind), …])."""
        kinds = [c.kind for c in self.columns]
        links = self.links or ("",) * len(self.rows)
        return [
            (link, list(zip(row, kinds, strict=True)))
            for link, row in zip(links, self.rows, strict=True)
        ]


@dataclass(frozen=True, slots=True)
class Card:
    key: str  # element id of the chart
    title: str
    headline: str
    note: str
    chart: dict[str, Any]
    tables: tuple[FigureTable, ...] = field(default_factory=tuple)


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def hours(value: float | None) -> str:
    """A delay as people say it: hours up to two days, then days."""
    if value is None:
        return "—"
    if value < 48:
        return _("%(h)s h") % {"h": f"{value:,.1f}"}
    return _("%(d)s days") % {"d": f"{value / 24:,.1f}"}


def _wan(value: Decimal | float) -> float:
    """Yuan as 万 (10,000) for chart axes, one decimal."""
    return round(float(value) / 10_000, 1)


def _pct(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def _rep_label(rep: RepLine) -> str:
    return rep.name


def _bars(categories: Sequence[str], series: list[dict[str, Any]], **axes: Any) -> dict[str, Any]:
    option: dict[str, Any] = {
        "xAxis": {"type": "category", "data": list(categories)},
        "yAxis": axes.pop("yAxis", {"type": "value"}),
        "series": series,
    }
    option.update(axes)
    return option


def _owner_links(reps: Sequence[RepLine], linked: bool) -> tuple[str, ...]:
    if not linked:
        return ()
    table = reverse("customers:table")
    return tuple(f"{table}?owner={r.id}" for r in reps)


def dashboard_cards(d: Dashboard, *, link_reps: bool) -> list[Card]:
    """Every card, in page order. `link_reps`: rows of reps link to their customers in
    the allocation table (for viewers who may open it)."""
    return [
        _load_card(d, link_reps),
        _value_card(d),
        _tier_card(d),
        _fairness_card(d),
        _speed_card(d),
        _coverage_card(d),
        _conversion_card("conversion-rep", _("Conversion by rep"), _("Rep"), d.conversion.by_rep),
        _conversion_card(
            "conversion-industry",
            _("Conversion by industry"),
            _("Industry"),
            d.conversion.by_industry,
        ),
        _conversion_card(
            "conversion-region", _("Conversion by region"), _("Province"), d.conversion.by_region
        ),
        _stale_card(d, link_reps),
        _pool_card(d),
    ]


def _load_card(d: Dashboard, link: bool) -> Card:
    rows = d.load.reps
    reps = [r.rep for r in rows]
    share = d.load.load / d.load.capacity if d.load.capacity else None
    return Card(
        "load",
        _("Load against capacity"),
        _("%(load)s of %(capacity)s customers (%(share)s)")
        % {"load": f"{d.load.load:,}", "capacity": f"{d.load.capacity:,}", "share": percent(share)},
        _("Customers each rep holds at the end of the period, against their capacity."),
        _bars(
            [_rep_label(r) for r in reps],
            [
                # capacity as a pale bar behind the load: visible with one rep too
                {
                    "name": _("Capacity"),
                    "type": "bar",
                    "data": [r.capacity for r in rows],
                    "itemStyle": {"color": "#d9e2ec"},
                },
                {
                    "name": _("Load"),
                    "type": "bar",
                    "barGap": "-100%",
                    "data": [r.load for r in rows],
                    "itemStyle": {"color": "#c0392b"},
                },
            ],
        ),
        (
            FigureTable(
                "load_reps",
                _("Per rep"),
                (
                    Column(_("Rep")),
                    Column(_("Team")),
                    Column(_("Load"), INT),
                    Column(_("Capacity"), INT),
                    Column(_("Share of capacity"), PCT),
                ),
                tuple((r.rep.name, r.rep.team, r.load, r.capacity, r.share) for r in rows),
                _owner_links(reps, link),
            ),
            FigureTable(
                "load_teams",
                _("Per team"),
                (
                    Column(_("Team")),
                    Column(_("Reps"), INT),
                    Column(_("Load"), INT),
                    Column(_("Capacity"), INT),
                    Column(_("Share of capacity"), PCT),
                ),
                tuple((t.team, t.reps, t.load, t.capacity, t.share) for t in d.load.teams),
            ),
        ),
    )


def _value_card(d: Dashboard) -> Card:
    rows = d.value.rows
    return Card(
        "value",
        _("Potential value held"),
        yuan(d.value.total),
        _("Sum of the potential value of the customers each rep holds at the end of the period."),
        _bars(
            [_rep_label(r.rep) for r in rows],
            [{"name": _("Potential value"), "type": "bar", "data": [_wan(r.value) for r in rows]}],
            yAxis={"type": "value", "name": _("10k yuan")},
        ),
        (
            FigureTable(
                "value",
                _("Per rep"),
                (
                    Column(_("Rep")),
                    Column(_("Team")),
                    Column(_("Customers"), INT),
                    Column(_("Potential value"), MONEY),
                ),
                tuple((r.rep.name, r.rep.team, r.customers, r.value) for r in rows),
            ),
        ),
    )


def _tier_card(d: Dashboard) -> Card:
    mix = d.tiers
    levels = dict(Level.choices)
    names = [str(levels.get(r.level, r.level)) for r in mix.rows]
    return Card(
        "tiers",
        _("Tier mix by rep level"),
        _("Tier A with senior reps: %(n)s of %(total)s (%(share)s)")
        % {"n": mix.tier_a_senior, "total": mix.tier_a, "share": percent(mix.senior_share_of_a)},
        _(
            "Do the most valuable customers sit with experienced reps? Customers held at the end of the period, by tier and the holder's level."
        ),
        _bars(
            names,
            [
                {
                    "name": tier,
                    "type": "bar",
                    "stack": "tiers",
                    "data": [getattr(r, tier.lower()) for r in mix.rows],
                    "itemStyle": {"color": TIER_COLOURS[tier]},
                }
                for tier in ("A", "B", "C")
            ],
        ),
        (
            FigureTable(
                "tiers",
                _("Per rep level"),
                (
                    Column(_("Level")),
                    Column(_("Reps"), INT),
                    Column("A", INT),
                    Column("B", INT),
                    Column("C", INT),
                    Column(_("Total"), INT),
                ),
                tuple(
                    (n, r.reps, r.a, r.b, r.c, r.total)
                    for n, r in zip(names, mix.rows, strict=True)
                ),
            ),
        ),
    )


def _lorenz_series(name: str, points: list[tuple[float, float]]) -> dict[str, Any]:
    return {
        "name": name,
        "type": "line",
        "data": [[round(x * 100, 1), round(y * 100, 1)] for x, y in points],
    }


def _fairness_card(d: Dashboard) -> Card:
    f = d.fairness
    equal = {
        "name": _("Equal shares"),
        "type": "line",
        "symbol": "none",
        "data": [[0, 0], [100, 100]],
        "lineStyle": {"type": "dashed", "color": "#9aa5b1"},
        "itemStyle": {"color": "#9aa5b1"},
    }
    axis = {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}}
    return Card(
        "fairness",
        _("Fairness (Gini)"),
        _("Load %(load)s · value %(value)s · %(reps)s reps")
        % {
            "load": f"{f.figures.load_gini:.3f}",
            "value": f"{f.figures.value_gini:.3f}",
            "reps": f.figures.reps,
        },
        _(
            "Gini coefficient of load and of potential value held, each divided by the share of the period the rep was available (joined, left, leave): 0 is everyone equal. The curves: share of reps (smallest first) against their share of the total."
        ),
        {
            "xAxis": {**axis, "name": _("Reps")},
            "yAxis": axis,
            "series": [
                _lorenz_series(_("Load"), f.lorenz("load")),
                _lorenz_series(_("Potential value"), f.lorenz("value")),
                equal,
            ],
        },
        (
            FigureTable(
                "fairness",
                _("Per rep"),
                (
                    Column(_("Rep")),
                    Column(_("Available"), PCT),
                    Column(_("Load"), INT),
                    Column(_("Load, pro-rated"), RATIO),
                    Column(_("Potential value"), MONEY),
                    Column(_("Value, pro-rated"), MONEY),
                ),
                tuple(
                    (r.rep.name, r.available, r.load, r.load_prorated, r.value, r.value_prorated)
                    for r in f.rows
                ),
            ),
        ),
    )


def _speed_card(d: Dashboard) -> Card:
    s = d.speed
    rows = s.rows
    # Days on the axis once the slow end is past four days: 1,200 h reads badly.
    per = 24.0 if (s.p90_hours or 0) > 96 else 1.0
    unit = _("days") if per > 1 else _("hours")

    def scaled(value: float | None) -> float | None:
        return None if value is None else round(value / per, 1)

    return Card(
        "speed",
        _("Speed to first follow-up"),
        _("Median %(median)s · 90%% within %(p90)s")
        % {"median": hours(s.median_hours), "p90": hours(s.p90_hours)},
        _(
            "Hours from a rep getting a customer in the period to their first follow-up of it. %(n)s of %(total)s followed up so far."
        )
        % {"n": s.followed, "total": s.started},
        _bars(
            [_rep_label(r.rep) for r in rows],
            [
                {
                    "name": _("Median"),
                    "type": "bar",
                    "data": [scaled(r.median_hours) for r in rows],
                },
                {
                    "name": _("90th percentile"),
                    "type": "bar",
                    "data": [scaled(r.p90_hours) for r in rows],
                },
            ],
            yAxis={"type": "value", "name": unit},
        ),
        (
            FigureTable(
                "speed",
                _("Per rep"),
                (
                    Column(_("Rep")),
                    Column(_("Customers received"), INT),
                    Column(_("Followed up"), INT),
                    Column(_("Not yet followed up"), INT),
                    Column(_("Median"), HOURS),
                    Column(_("90th percentile"), HOURS),
                ),
                tuple(
                    (r.rep.name, r.started, r.followed, r.waiting, r.median_hours, r.p90_hours)
                    for r in rows
                ),
            ),
        ),
    )


def _coverage_card(d: Dashboard) -> Card:
    c = d.coverage
    rows = c.rows
    return Card(
        "coverage",
        _("Follow-up coverage"),
        _("%(share)s of %(held)s customers") % {"share": percent(c.share), "held": f"{c.held:,}"},
        _(
            "Share of the customers held at the end of the period with a follow-up in the %(days)s days before."
        )
        % {"days": c.days},
        _bars(
            [_rep_label(r.rep) for r in rows],
            [{"name": _("Coverage"), "type": "bar", "data": [_pct(r.share) for r in rows]}],
            yAxis={"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        ),
        (
            FigureTable(
                "coverage",
                _("Per rep"),
                (
                    Column(_("Rep")),
                    Column(_("Customers held"), INT),
                    Column(_("Followed up"), INT),
                    Column(_("Coverage"), PCT),
                ),
                tuple((r.rep.name, r.held, r.covered, r.share) for r in rows),
            ),
        ),
    )


def _conversion_card(key: str, title: str, label: str, rows: Sequence[ConversionRow]) -> Card:
    won = sum(r.won for r in rows)
    lost = sum(r.lost for r in rows)
    amount = sum((r.won_amount for r in rows), Decimal(0))
    rate = won / (won + lost) if won + lost else None
    names = [r.label or _("(not given)") for r in rows]
    return Card(
        key,
        title,
        _("%(rate)s converted · %(amount)s won") % {"rate": percent(rate), "amount": yuan(amount)},
        _("Deals closed in the period: won ÷ (won + lost), and the amount won."),
        _bars(
            names,
            [
                {
                    "name": _("Amount won"),
                    "type": "bar",
                    "data": [_wan(r.won_amount) for r in rows],
                },
                {
                    "name": _("Conversion"),
                    "type": "line",
                    "yAxisIndex": 1,
                    "data": [_pct(r.rate) for r in rows],
                },
            ],
            yAxis=[
                {"type": "value", "name": _("10k yuan")},
                {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
            ],
        ),
        (
            FigureTable(
                key.replace("-", "_"),
                title,
                (
                    Column(label),
                    Column(_("Won"), INT),
                    Column(_("Lost"), INT),
                    Column(_("Conversion"), PCT),
                    Column(_("Amount won"), MONEY),
                ),
                tuple(
                    (n, r.won, r.lost, r.rate, r.won_amount)
                    for n, r in zip(names, rows, strict=True)
                ),
            ),
        ),
    )


def _stale_card(d: Dashboard, link: bool) -> Card:
    s = d.stale
    rows = s.rows
    return Card(
        "stale",
        _("Stale customers"),
        _("%(n)s customers") % {"n": f"{s.stale:,}"},
        _(
            "Customers held for %(days)s days or more with no follow-up in the last %(days)s days (the pool's reclaim rule), at the end of the period."
        )
        % {"days": s.days},
        _bars(
            [_rep_label(r.rep) for r in rows],
            [{"name": _("Stale"), "type": "bar", "data": [r.stale for r in rows]}],
        ),
        (
            FigureTable(
                "stale",
                _("Per rep"),
                (Column(_("Rep")), Column(_("Customers held"), INT), Column(_("Stale"), INT)),
                tuple((r.rep.name, r.held, r.stale) for r in rows),
                _owner_links([r.rep for r in rows], link),
            ),
        ),
    )


def _pool_card(d: Dashboard) -> Card:
    points = d.pool.points
    last = points[-1].size if points else 0
    return Card(
        "pool",
        _("Pool size over time"),
        _("%(n)s customers at the end of the period") % {"n": f"{last:,}"},
        _(
            "Customers with no owner at the end of each day, rebuilt from the ownership history. The rep filter does not apply: the pool has no owner."
        ),
        {
            "xAxis": {"type": "category", "data": [p.day.isoformat() for p in points]},
            "yAxis": {"type": "value"},
            "series": [
                {
                    "name": _("Pool"),
                    "type": "line",
                    "symbol": "none",
                    "areaStyle": {"opacity": 0.15},
                    "data": [p.size for p in points],
                }
            ],
        },
        (
            FigureTable(
                "pool",
                _("Per day"),
                (Column(_("Day")), Column(_("Customers in the pool"), INT)),
                tuple((p.day.isoformat(), p.size) for p in points),
            ),
        ),
    )


def charts_json(cards: Sequence[Card]) -> dict[str, dict[str, Any]]:
    """What `dashboards.js` reads: each card's option by its element id."""
    return {card.key: card.chart for card in cards}
