"""The engine is pure: importing and running it loads no Django and no spreadsheet code."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
from datetime import date
from fenpei.engine import Customer, CustomerTable, Rep, allocate, default_policy
customers = CustomerTable.from_customers([Customer(key="C1", name="甲", region="上海")])
reps = [Rep(key="S1", name="张", regions=frozenset({"上海"}))]
problem, allocation = allocate(customers, reps, default_policy(), as_of=date(2026, 1, 1))
assert allocation.rep.tolist() == [0]
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {"django", "fenpei"})
print("\\n".join(loaded))
"""


def test_engine_loads_no_django_and_no_tables() -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "fenpei.engine.solve" in out  # the script really ran the engine
    assert not [m for m in out if m.startswith("django")]
    assert not [m for m in out if m.startswith(("fenpei.tables", "fenpei.config", "fenpei.cli"))]
