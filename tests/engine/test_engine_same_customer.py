"""Duplicate rows of one real customer are allocated as one (issue 3: 撞单)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from fenpei.engine import (
    Customer,
    CustomerTable,
    Rep,
    build_problem,
    default_policy,
    explain_assignment,
    explain_unassigned,
    solve,
)
from fenpei.engine.solve import METHODS

AS_OF = date(2026, 11, 30)


def _table(same_as: list[int], regions: list[str]) -> CustomerTable:
    customers = CustomerTable.from_customers(
        [
            Customer(key=f"C{i}", name=f"客户{i}", region=region, potential_value=1e6 * (3 - i))
            for i, region in enumerate(regions)
        ]
    )
    customers.same_as = np.array(same_as, dtype=np.int32)
    return customers


@pytest.mark.parametrize("method", sorted(METHODS))
def test_a_group_takes_one_slot_and_one_owner(method: str) -> None:
    # C1 is the same real customer as C0; the only rep has room for two customers:
    # C0 (with C1) and C2 both fit, because the group counts once.
    reps = [Rep(key="S1", name="张伟", regions=frozenset({"上海"}), capacity=2)]
    customers = _table([-1, 0, -1], ["上海", "上海", "上海"])
    problem = build_problem(customers, reps, default_policy(), as_of=AS_OF)
    allocation = solve(problem, method=method)
    assert allocation.rep.tolist() == [0, 0, 0]
    assert allocation.loads[0].assigned == 2
    assert allocation.score[1] == allocation.score[0]
    # the objective counts the group once: C0 and C2, never C1
    assert allocation.objective == pytest.approx(
        2 * 1000.0 + float(allocation.score[0] + allocation.score[2]) - 30.0 * (0 + 1) / 2
    )
    reasons = explain_assignment(problem, allocation, 1)
    assert reasons[0] == {"kind": "duplicate", "of": "C0", "text": "与 C0 是同一客户，随其分配"}
    assert [r["kind"] for r in reasons[1:]] == [
        "eligible",
        "priority",
        "fit",
        "balance",
        "runner_up",
    ]


def test_a_follower_goes_where_its_stand_in_goes_even_across_regions() -> None:
    reps = [
        Rep(key="S1", name="张伟", regions=frozenset({"上海"}), capacity=5),
        Rep(key="S2", name="李娜", regions=frozenset({"广东"}), capacity=5),
    ]
    customers = _table([-1, 0], ["上海", "广东"])
    allocation = solve(build_problem(customers, reps, default_policy(), as_of=AS_OF))
    assert allocation.rep.tolist() == [0, 0]
    assert [load.assigned for load in allocation.loads] == [1, 0]


def test_an_unassigned_group_says_why_for_every_row() -> None:
    reps = [Rep(key="S1", name="张伟", regions=frozenset({"上海"}), capacity=5)]
    customers = _table([-1, 0], ["新疆", "新疆"])
    problem = build_problem(customers, reps, default_policy(), as_of=AS_OF)
    allocation = solve(problem)
    assert allocation.rep.tolist() == [-1, -1]
    assert explain_unassigned(problem, allocation, 0)["code"] == "no_rep_in_region"
    follower = explain_unassigned(problem, allocation, 1, "en")
    assert follower["code"] == "duplicate"
    assert follower["text"] == "same customer as C0: no rep covers 新疆"
