"""A review's headline figures (stored with a scheduled report) and its short text for
the inbox and the group robots."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from fenpei.customers.templatetags.customer_format import yuan
from fenpei.reviews.attainment import BEHIND, MET, MISSED
from fenpei.reviews.selectors import Review
from fenpei.reviews.suggestions import BALANCED, SKIPPED


def review_summary(review: Review) -> dict[str, Any]:
    c, b, r = review.changes, review.balance, review.results.total
    return {
        "teams": [name for _pk, name in review.scope.teams],
        "changes": {
            "arrivals": c.arrivals,
            "assigned": c.assigned,
            "moves": c.moves,
            "handovers": c.handovers,
            "released": c.released,
            "claims": c.claims,
            "returns": c.returns,
            "reclaims": c.reclaims,
            "appeals_opened": c.appeals_opened,
            "appeals_by_status": c.appeals_by_status,
            "appeals_decided": c.appeals_decided,
        },
        "fairness": {"start": b.start.as_dict(), "end": b.end.as_dict()},
        "goals": {
            status: sum(1 for g in review.goals if g.status == status)
            for status in (MET, BEHIND, MISSED)
        }
        | {"total": len(review.goals)},
        "results": {
            "followups": r.followups,
            "new_customers": r.new_customers,
            "won": r.won,
            "lost": r.lost,
            "won_amount": f"{r.won_amount:.2f}",
        },
        "suggestions": [s.text for s in review.suggestions if s.kind not in (BALANCED, SKIPPED)],
    }


def summary_text(summary: dict[str, Any], limit: int = 5) -> str:
    """A few lines for a chat: changes, fairness, results, goals, the first suggestions."""
    c, f, r, g = summary["changes"], summary["fairness"], summary["results"], summary["goals"]
    lines = [
        _(
            "New customers %(arrivals)d, moved %(moves)d, handed over %(handovers)d, "
            "claimed %(claims)d, reclaimed %(reclaims)d, appeals %(appeals)d"
        )
        % {**c, "appeals": c["appeals_opened"]},
        _("Load Gini %(start).2f → %(end).2f, value Gini %(vstart).2f → %(vend).2f")
        % {
            "start": f["start"]["load_gini"],
            "end": f["end"]["load_gini"],
            "vstart": f["start"]["value_gini"],
            "vend": f["end"]["value_gini"],
        },
        _("Follow-ups %(followups)d, deals won %(won)d (%(amount)s), lost %(lost)d")
        % {**r, "amount": yuan(Decimal(r["won_amount"]))},
        _("Goals: %(met)d met, %(behind)d behind, %(missed)d missed of %(total)d") % g,
    ]
    lines += [f"- {s}" for s in summary["suggestions"][:limit]]
    return "\n".join(lines)
