"""The allocation engine: pure Python + numpy, no Django, no I/O.

    problem = build_problem(customers, reps, policy, as_of=date(2026, 11, 30))
    allocation = solve(problem)
    explain_assignment(problem, allocation, i)  -> list of reason dicts
    explain_unassigned(problem, allocation, i)  -> one reason dict

`allocate` does the first two in one call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from fenpei.engine.eligibility import Problem, build_problem
from fenpei.engine.explain import (
    explain_assignment,
    explain_assignments,
    explain_unassigned,
    reason_text,
)
from fenpei.engine.model import (
    NATIONWIDE,
    TIERS,
    Allocation,
    Customer,
    CustomerTable,
    Intent,
    Level,
    Rep,
    RepLoad,
)
from fenpei.engine.policy import (
    DEFAULT_POLICY_TOML,
    Policy,
    PolicyError,
    default_policy,
    policy_from_toml,
)
from fenpei.engine.rebalance import RebalanceResult, TradeOffPoint, rebalance, trade_off
from fenpei.engine.solve import solve

Progress = Callable[[str, float], None]


def allocate(
    customers: CustomerTable,
    reps: Sequence[Rep],
    policy: Policy,
    *,
    as_of: date,
    progress: Progress | None = None,
) -> tuple[Problem, Allocation]:
    problem = build_problem(customers, reps, policy, as_of=as_of)
    return problem, solve(problem, progress=progress)


__all__ = [
    "DEFAULT_POLICY_TOML",
    "NATIONWIDE",
    "TIERS",
    "Allocation",
    "Customer",
    "CustomerTable",
    "Intent",
    "Level",
    "Policy",
    "PolicyError",
    "Problem",
    "RebalanceResult",
    "Rep",
    "RepLoad",
    "TradeOffPoint",
    "allocate",
    "build_problem",
    "default_policy",
    "explain_assignment",
    "explain_assignments",
    "explain_unassigned",
    "policy_from_toml",
    "reason_text",
    "rebalance",
    "solve",
    "trade_off",
]
