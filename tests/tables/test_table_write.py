"""The vectorised score dump and the CSV helpers (the Excel report: test_table_report.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest

from fenpei.tables import write
from fenpei.tables.write import write_scores


def python_format(score: float) -> str:
    return f"{score:.4f}".rstrip("0").rstrip(".")


def pairs(
    cust: list[int], rep: list[int], score: list[float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.array(cust, dtype=np.int64),
        np.array(rep, dtype=np.int32),
        np.array(score, dtype=np.float64),
    )


def test_scores_match_python_formatting(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    n = 5_000
    scores = np.round(rng.uniform(0, 300, n), 4)
    scores[:6] = [0.0, 1.0, 100.0, 0.5, 99.9999, 12.0001]
    cust = np.sort(rng.integers(0, 800, n))
    rep = rng.integers(0, 40, n).astype(np.int32)
    ckeys = [f"C{i}" for i in range(800)]
    rkeys = [f"S{i:03d}" for i in range(40)]
    path = tmp_path / "scores.csv"
    count = write_scores(path, ckeys, rkeys, (cust, rep, scores), chunk=777)
    assert count == n
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "customer_key,rep_key,score"
    expected = [
        f"{ckeys[c]},{rkeys[r]},{python_format(s)}"
        for c, r, s in zip(cust.tolist(), rep.tolist(), scores.tolist(), strict=True)
    ]
    assert lines[1:] == expected
    assert lines[1:7] == [
        f"{ckeys[c]},{rkeys[r]},{t}"
        for c, r, t in zip(
            cust[:6], rep[:6], ["0", "1", "100", "0.5", "99.9999", "12.0001"], strict=True
        )
    ]


def test_scores_quote_awkward_keys(tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    keys = ["a,b", 'say "hi"', "上海甲", " padded"]
    write_scores(path, keys, ["张三", "S,2"], pairs([0, 1, 2, 3], [0, 1, 0, 1], [1.5, 2, 3, 4]))
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["customer_key", "rep_key", "score"],
        ["a,b", "张三", "1.5"],
        ['say "hi"', "S,2", "2"],
        ["上海甲", "张三", "3"],
        [" padded", "S,2", "4"],
    ]


def test_scores_without_pairs_and_odd_values(tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    assert write_scores(path, ["C1"], ["S1"], pairs([], [], [])) == 0
    assert path.read_text() == "customer_key,rep_key,score\n"
    # Negative scores never come from the engine; the slow path still writes them.
    write_scores(path, ["C1"], ["S1"], pairs([0], [0], [-1.25]))
    assert path.read_text().splitlines()[1] == "C1,S1,-1.25"


@pytest.mark.parametrize(
    "column",
    [
        ["a", "b", ""],
        ["has,comma", "plain", 'say "hi"', "two\nlines", ""],
        [1.5, 2.0, 56.12, "", 3],
        ["负责地区含北京；优先级 56（B 类）", "territory includes 北京; fit 1.4 (1, level +0.2)"],
        ["nul\0inside", "x,y"],
        [],
    ],
)
def test_csv_cells_round_trip(column: list[object]) -> None:
    cells = write._csv_cells(column)
    assert len(cells) == len(column)
    if not column:
        return
    text = "\r\n".join(",".join([c, "end"]) for c in cells) + "\r\n"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    expected = [repr(v) if isinstance(v, float) else str(v) for v in column]
    assert [r[0] for r in rows] == [e.replace("\0", "") for e in expected]
    assert all(r[1] == "end" for r in rows)


def test_decimal_texts() -> None:
    values = [0.0, 1.0, 56.0, 78.4, 0.0001, 99.9999, 134.487, 12.5]
    assert write._decimal_texts(values) == [
        "0",
        "1",
        "56",
        "78.4",
        "0.0001",
        "99.9999",
        "134.487",
        "12.5",
    ]
    assert write._decimal_texts([]) == []
    assert write._decimal_texts([-1.5, 2.0]) == ["-1.5", "2.0"]  # out of range: repr
