"""Reasons as words, in the reader's language.

The engine words its own reasons (zh / en) because the CLI has no Django; reasons the
app adds (a manual assignment, an import) are worded here through gettext.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fenpei.engine import reason_text
from fenpei.engine.rebalance import move_reason_text


def engine_lang() -> str:
    return "zh" if (get_language() or "zh-hans").startswith("zh") else "en"


def reason_line(reason: dict[str, Any]) -> str:
    kind = reason.get("kind")
    if kind == "manual":
        note = reason.get("note") or ""
        return (
            _("Assigned by hand by a manager: %(note)s") % {"note": note}
            if note
            else _("Assigned by hand by a manager.")
        )
    if kind == "import":
        return _("Owner given in the imported sheet (现负责人).")
    if kind == "own_lead":
        return _("Added by the rep as their own lead (自拓客户).")
    if kind == "handover":
        return handover_line(reason)
    if kind == "claim":
        return _("Claimed from the pool by the rep.")
    if kind == "appeal":
        return _("Given on appeal #%(id)s, approved by a manager.") % {"id": reason.get("appeal")}
    if kind == "rebalance_move":  # worded by the engine, like its other reasons
        return move_reason_text(reason, engine_lang())
    if kind == "performance":
        return performance_line(reason)
    return reason_text(reason, engine_lang())


def reason_lines(reasons: list[dict[str, Any]]) -> list[str]:
    return [reason_line(r) for r in reasons]


def handover_line(reason: dict[str, Any]) -> str:
    names = {"from": reason.get("from") or "—", "to": reason.get("to") or "—"}
    if reason.get("to"):
        return _("Handover from %(from)s to %(to)s, the successor the manager named.") % names
    if reason.get("pool"):
        return (
            _("Handover from %(from)s: no remaining rep may take it, so it returns to the pool.")
            % names
        )
    return _("Handover from %(from)s: the best remaining rep under the allocation rules.") % names


def _percent(rate: Any) -> str:
    return f"{100 * float(rate or 0):.0f}"


def performance_line(reason: dict[str, Any]) -> str:
    """The track record behind a performance bonus, e.g. 金融行业成交 12/20（估计胜率 52%），
    团队 35%。 / Won 12 of 20 deals in 金融 industry (estimated win rate 52%); team 35%."""
    parts = []
    if reason.get("industry"):
        parts.append(_("%(industry)s industry") % {"industry": reason["industry"]})
    if reason.get("region"):
        parts.append(str(reason["region"]))
    if reason.get("tier"):
        parts.append(_("tier %(tier)s") % {"tier": reason["tier"]})
    numbers = {
        "wins": reason.get("wins", 0),
        "deals": reason.get("deals", 0),
        "rate": _percent(reason.get("rate")),
        "team": _percent(reason.get("team_rate")),
    }
    if not parts:
        return (
            _("Won %(wins)s of %(deals)s deals (estimated win rate %(rate)s%%); team %(team)s%%.")
            % numbers
        )
    segment = ("、" if engine_lang() == "zh" else ", ").join(parts)
    return _(
        "Won %(wins)s of %(deals)s deals in %(segment)s (estimated win rate %(rate)s%%); "
        "team %(team)s%%."
    ) % {**numbers, "segment": segment}
