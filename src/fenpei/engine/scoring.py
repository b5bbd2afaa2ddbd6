"""Priority (0–100) and tier of each customer, vectorised over the whole table.

Every part lies in [0, 1] before weighting, so the weights in the policy read as "points
out of 100" once normalised. Priority is rounded to two decimals: that is the number users
see, and it keeps every score `priority × fit` an exact multiple of 1e-4, which lets the
solver work in integers without losing anything (see solve.py).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from fenpei.engine.model import CustomerTable, FloatArray, Intent
from fenpei.engine.policy import Policy, PriorityScales

PARTS = ("value", "intent", "newness", "history")
_EPOCH = date(1970, 1, 1)


def log_share(amount: FloatArray, unit: float, full: float) -> FloatArray:
    """0 for 0 yuan, 1 from `full` yuan on, logarithmic in between."""
    share = np.log1p(np.maximum(amount, 0.0) / unit) / np.log1p(full / unit)
    clipped: FloatArray = np.clip(share, 0.0, 1.0)
    return clipped


def intent_share(intent: np.ndarray, scales: PriorityScales) -> FloatArray:
    table = np.array([scales.intent_points(Intent(i)) for i in range(len(Intent))])
    return table[np.clip(intent.astype(np.int64), 0, len(Intent) - 1)]


def newness_share(customers: CustomerTable) -> FloatArray:
    # A sheet that says 新/老 wins; otherwise a customer with no past deal counts as new.
    derived = (customers.deal_count <= 0).astype(np.float64)
    return np.where(customers.is_new >= 0, customers.is_new.astype(np.float64), derived)


def history_share(customers: CustomerTable, scales: PriorityScales, as_of: date) -> FloatArray:
    amount = log_share(customers.deal_amount, 10_000.0, max(scales.history_full, 10_001.0))
    today = (as_of - _EPOCH).days
    days = np.maximum(today - customers.last_deal_day, 0).astype(np.float64)
    recency = np.where(
        customers.last_deal_day >= 0, 0.5 ** (days / scales.recency_half_life_days), 0.0
    )
    return 0.5 * amount + 0.5 * recency


def priority_parts(customers: CustomerTable, policy: Policy, as_of: date) -> FloatArray:
    """Points contributed by each part, shape (n, 4); rows sum to the unrounded priority."""
    w, s = policy.priority_weights, policy.priority_scales
    shares = np.column_stack(
        [
            log_share(customers.potential_value, s.value_unit, s.value_full),
            intent_share(customers.intent, s),
            newness_share(customers),
            history_share(customers, s, as_of),
        ]
    )
    weights = np.array([w.value, w.intent, w.newness, w.history]) * (100.0 / w.total)
    return shares * weights


def priority_of(parts: FloatArray) -> FloatArray:
    priority: FloatArray = np.clip(np.round(parts.sum(axis=1), 2), 0.0, 100.0)
    return priority


def tier_of(priority: FloatArray, policy: Policy) -> np.ndarray:
    """0 = A, 1 = B, 2 = C."""
    tier = np.full(priority.shape, 2, dtype=np.int8)
    tier[priority >= policy.tiers.b] = 1
    tier[priority >= policy.tiers.a] = 0
    return tier
