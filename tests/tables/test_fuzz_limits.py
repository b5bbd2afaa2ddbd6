"""Peak memory and time of reading the worst files, each in a fresh process.

`resource.getrusage` gives the peak resident set of the child; the child also runs under
an address-space limit, so a regression fails here instead of exhausting the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from . import fuzz_files as f

PEAK_MB = 1024  # what reading one file may take, Python and calamine included
TIME_S = 20.0  # wall time of the read alone (imports excluded): ~3 s at worst, ×5 when busy

CHILD = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from fenpei.tables import InputError
from fenpei.tables.read import read_customer_rows
started = time.perf_counter()
try:
    rows = read_customer_rows(sys.argv[1], lang="en")
    outcome = f"read {len(rows.names)}"
except InputError as exc:
    outcome = f"refused: {exc}"
print(json.dumps({
    "outcome": outcome,
    "seconds": time.perf_counter() - started,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def measure(path: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]  # an abort (Rust OOM) fails here
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize(
    ("make", "name", "outcome"),
    [
        pytest.param(f.sparse_xlsx, "b.xlsx", "read 1", id="grid-at-the-cap-A1-J1000000"),
        pytest.param(f.far_cells, "b.xlsx", "refused: sheet 客户 spans", id="far-cells"),
        pytest.param(f.zip_bomb, "b.xlsx", "refused: b.xlsx unpacks", id="zip-bomb"),
        pytest.param(f.formatted_empty_rows, "b.xlsx", "read 1", id="a-million-empty-rows"),
        pytest.param(f.ragged_csv, "c.csv", "refused: sheet c.csv has 200,000", id="ragged-csv"),
        pytest.param(f.empty_cells_csv, "c.csv", "read 1", id="csv-24M-empty-cells"),
        pytest.param(f.xls_far_cells, "b.xls", "refused: sheet 客户 spans", id="xls-65536x256"),
        pytest.param(
            lambda p: f.xls_far_cells(p, last_column=151),
            "b.xls",
            "read 1",
            id="xls-at-the-cap-65536x152",
        ),
        pytest.param(
            lambda p: f.ods_repeats(p, 5000, 16_384),
            "b.ods",
            "refused: sheet 客户 spans",
            id="ods-repeats",
        ),
    ],
)
def test_peak_memory_and_time(
    tmp_path: Path, make: Callable[[Path], Path], name: str, outcome: str
) -> None:
    result = measure(make(tmp_path / name))
    assert str(result["outcome"]).startswith(outcome)
    assert float(str(result["peak_mb"])) <= PEAK_MB, result
    assert float(str(result["seconds"])) <= TIME_S, result
