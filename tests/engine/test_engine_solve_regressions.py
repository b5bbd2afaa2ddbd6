"""Regressions found by the property tests, kept as plain examples."""

from __future__ import annotations

from datetime import date

import pytest

from fenpei.engine import Customer, CustomerTable, Policy, Rep, build_problem, solve
from fenpei.engine.policy import FitBonuses
from fenpei.engine.solve import METHODS


@pytest.mark.parametrize("method", sorted(METHODS))
def test_large_fit_bonus_keeps_classes_apart(method: str) -> None:
    # A fit of 2001 once collided with the (class, fit-level) keys of the next class and
    # sent a 上海 customer to a 广东 rep.
    reps = [
        Rep(
            key=f"S{j}",
            name=f"S{j}",
            regions=frozenset({"上海"}),
            industries=frozenset({"金融"}),
            capacity=5,
        )
        for j in range(2)
    ] + [Rep(key=f"G{j}", name=f"G{j}", regions=frozenset({"广东"}), capacity=5) for j in range(2)]
    customers = [
        Customer(key=str(k), name="a", region="上海", industry="金融", potential_value=1e6)
        for k in range(6)
    ] + [Customer(key="x", name="b", region="北京"), Customer(key="y", name="c", region="广东")]
    policy = Policy(
        fit=FitBonuses(industry=2000.0, product=0, level=0, incumbent=0, region=0),
        balance_weight=0,
    )
    problem = build_problem(
        CustomerTable.from_customers(customers), reps, policy, as_of=date(2026, 1, 1)
    )
    allocation = solve(problem, method=method)
    got = [problem.reps[r].key if r >= 0 else None for r in allocation.rep]
    assert all(k is not None and k.startswith("S") for k in got[:6])
    assert got[6] is None  # nobody covers 北京
    assert got[7] is not None and got[7].startswith("G")
    assert allocation.objective == pytest.approx(609721.7, abs=1e-6)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_no_customers_is_an_empty_allocation(method: str) -> None:
    # An empty sheet or selection once raised IndexError while grouping customers.
    reps = [Rep(key="S1", name="S1", regions=frozenset({"上海"}), capacity=5, existing_load=2)]
    problem = build_problem(
        CustomerTable.from_customers([]), reps, Policy(), as_of=date(2026, 1, 1)
    )
    allocation = solve(problem, method=method)
    assert allocation.rep.size == 0 and allocation.objective == 0
    assert [(load.existing_load, load.assigned) for load in allocation.loads] == [(2, 0)]
