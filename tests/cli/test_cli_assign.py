"""`fenpei assign` and `fenpei policy init` on the example book, in-process and as a process."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from fenpei.cli import ProgressBar, main
from fenpei.engine import NATIONWIDE, policy_from_toml
from fenpei.tables import read_book

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
BOOK = EXAMPLES / "book.xlsx"
CUSTOMERS_CSV = EXAMPLES / "customers.csv"
REPS_CSV = EXAMPLES / "reps.csv"
AS_OF = "2026-11-30"


def run(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def assign_json(
    tmp_path: Path, *extra: str | Path, source: tuple[str | Path, ...] = (BOOK,)
) -> dict[str, Any]:
    out = tmp_path / f"out{len(list(tmp_path.iterdir()))}.json"
    code, stdout, stderr = run("assign", *source, "-o", out, "--as-of", AS_OF, *extra)
    assert code == 0, stderr
    assert stdout == ""
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return assign_json(tmp_path_factory.mktemp("assign"))


@pytest.fixture(scope="module")
def reps() -> dict[str, Any]:
    return {r.key: r for r in read_book(BOOK).reps}


# ------------------------------------------------------------------------ contract


def test_json_contract(result: dict[str, Any]) -> None:
    assert set(result) == {"assignments", "unassigned", "errors", "duplicates", "summary"}
    assert result["assignments"], "the example book must assign customers"
    for a in result["assignments"]:
        assert set(a) == {
            "customer_key", "customer", "rep_key", "rep", "team", "priority", "tier", "score",
            "potential_value", "region", "industry", "intent", "reasons",
        }  # fmt: skip
        for field in ("customer_key", "customer", "rep_key", "rep", "team", "region", "industry"):
            assert isinstance(a[field], str), field
        for field in ("priority", "score", "potential_value"):
            assert isinstance(a[field], float), field
        assert 0 <= a["priority"] <= 100
        assert a["priority"] == round(a["priority"], 2)
        assert a["score"] == round(a["score"], 4)
        assert a["tier"] in ("A", "B", "C")
        assert a["intent"] in ("high", "medium", "low", "unknown")
        assert a["reasons"] and all(isinstance(r, dict) and r.get("text") for r in a["reasons"])
    for u in result["unassigned"]:
        assert set(u) == {"customer_key", "customer", "reason"}
        assert isinstance(u["reason"], str) and u["reason"]
    for e in result["errors"]:
        assert set(e) == {"sheet", "row", "column", "value", "message"}
        assert isinstance(e["row"], int)
    for d in result["duplicates"]:
        # "conflict" only when the rows name different current owners (撞单)
        assert {"customer_keys", "reason"} <= set(d) <= {"customer_keys", "reason", "conflict"}
        assert len(d["customer_keys"]) >= 2
    summary = result["summary"]
    assert set(summary) == {
        "customers", "assigned", "objective", "coverage_weight", "balance_weight", "reps",
    }  # fmt: skip
    assert summary["customers"] == len(result["assignments"]) + len(result["unassigned"]) == 301
    assert summary["assigned"] == len(result["assignments"])
    assert isinstance(summary["objective"], float)
    assert summary["coverage_weight"] == 1000.0
    assert summary["balance_weight"] == 30.0
    for rep in summary["reps"]:
        assert set(rep) == {"rep_key", "rep", "capacity", "existing_load", "assigned"}


def test_example_values_reach_the_output(result: dict[str, Any]) -> None:
    by_key = {a["customer_key"]: a for a in result["assignments"]}
    keys = set(by_key) | {u["customer_key"] for u in result["unassigned"]}
    assert len(keys) == 301
    assert {a["region"] for a in result["assignments"]} <= {
        "上海", "江苏", "浙江", "安徽", "山东", "广东", "福建", "广西", "北京", "天津", "河北", "山西",
    }  # fmt: skip
    assert by_key["C0004"]["potential_value"] == 500_000.0  # written "50万" in the sheet
    assert result["errors"] == [
        {"sheet": "客户", "row": 60, "column": "潜在价值", "value": "待定",
         "message": result["errors"][0]["message"]},
    ]  # fmt: skip
    twins = {tuple(d["customer_keys"]): d for d in result["duplicates"]}
    assert "撞单" in twins[("C0011", "C0299")]["conflict"]


def test_every_assignment_is_eligible_and_capacity_holds(
    result: dict[str, Any], reps: dict[str, Any]
) -> None:
    # rows after the first of a duplicate group are the same real customer: they follow
    # the first row's rep and are not counted again against capacity
    followers = {
        key: group["customer_keys"][0]
        for group in result["duplicates"]
        for key in group["customer_keys"][1:]
    }
    by_key = {a["customer_key"]: a for a in result["assignments"]}
    counts = Counter(
        a["rep_key"] for a in result["assignments"] if a["customer_key"] not in followers
    )
    for a in result["assignments"]:
        rep = reps[a["rep_key"]]
        assert rep.active, a
        assert (a["rep"], a["team"]) == (rep.name, rep.team)
        if a["customer_key"] in followers:
            assert a["rep_key"] == by_key[followers[a["customer_key"]]]["rep_key"]
            assert a["reasons"][0]["kind"] == "duplicate"
        else:
            assert a["region"] in rep.regions or NATIONWIDE in rep.regions, a
    loads = {r["rep_key"]: r for r in result["summary"]["reps"]}
    assert set(loads) == set(reps)
    for key, load in loads.items():
        assert load["assigned"] == counts[key]
        assert load["existing_load"] + load["assigned"] <= load["capacity"], load
    assert loads["S010"]["assigned"] == 0  # 在岗 = 否
    assert loads["K001"]["assigned"] == 0  # the key-account rep is already full


def test_unassigned_xinjiang_customers_say_why(result: dict[str, Any]) -> None:
    unassigned = {u["customer_key"]: u for u in result["unassigned"]}
    for key in ("C0300", "C0301"):
        assert "新疆" in unassigned[key]["reason"]
    assigned_regions = {a["region"] for a in result["assignments"]}
    assert "新疆" not in assigned_regions


def test_locked_customer_stays_and_inactive_owner_is_replaced(result: dict[str, Any]) -> None:
    book = read_book(BOOK)
    by_key = {a["customer_key"]: a for a in result["assignments"]}
    locked = [k for k, flag in zip(book.customers.keys, book.customers.locked, strict=True) if flag]
    assert len(locked) == 1
    owner = book.customers.owner[book.customers.keys.index(locked[0])]
    assert by_key[locked[0]]["rep_key"] == owner
    orphans = [
        k for k, o in zip(book.customers.keys, book.customers.owner, strict=True) if o == "S010"
    ]
    assert orphans
    for key in orphans:
        assert by_key.get(key, {}).get("rep_key") != "S010"


def test_english_reasons(tmp_path: Path) -> None:
    english = assign_json(tmp_path, "--lang", "en")
    first = english["assignments"][0]["reasons"]
    assert any("territory includes" in r["text"] for r in first)
    unassigned = {u["customer_key"]: u["reason"] for u in english["unassigned"]}
    assert "新疆" in unassigned["C0300"] and "rep" in unassigned["C0300"]


# ---------------------------------------------------------------------- equivalence


def test_csv_pair_gives_the_same_allocation(result: dict[str, Any], tmp_path: Path) -> None:
    from_csv = assign_json(tmp_path, source=(CUSTOMERS_CSV, "--reps", REPS_CSV))
    for part in ("assignments", "unassigned", "duplicates", "summary"):
        assert from_csv[part] == result[part], part
    strip = [{k: v for k, v in e.items() if k != "sheet"} for e in from_csv["errors"]]
    assert strip == [{k: v for k, v in e.items() if k != "sheet"} for e in result["errors"]]
    assert {e["sheet"] for e in from_csv["errors"]} == {"customers.csv"}


def test_runs_are_byte_identical(tmp_path: Path) -> None:
    outputs = []
    for name in ("a.json", "b.json"):
        code, _, stderr = run("assign", BOOK, "-o", tmp_path / name, "--as-of", AS_OF)
        assert code == 0, stderr
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]


def test_as_of_changes_recency(result: dict[str, Any], tmp_path: Path) -> None:
    later = assign_json(tmp_path, "--as-of", "2030-01-01")
    old = {a["customer_key"]: a["priority"] for a in result["assignments"]}
    new = {a["customer_key"]: a["priority"] for a in later["assignments"]}
    common = set(old) & set(new)
    assert any(new[k] < old[k] for k in common)  # past deals weigh less years later
    assert all(new[k] <= old[k] for k in common)


def test_policy_file_is_used(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[allocation]\nbalance_weight = 5\ndefault_capacity = 50\n", encoding="utf-8")
    other = assign_json(tmp_path, "--policy", policy)
    assert other["summary"]["balance_weight"] == 5.0


# ------------------------------------------------------------------------- outputs


def test_csv_output(result: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    code, _, stderr = run("assign", BOOK, "-o", out, "--as-of", AS_OF)
    assert code == 0, stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 301
    assert list(rows[0])[:3] == ["客户编号", "客户名称", "地区"]
    by_key = {r["客户编号"]: r for r in rows}
    for a in result["assignments"]:
        row = by_key[a["customer_key"]]
        assert (row["状态"], row["工号"]) == ("已分配", a["rep_key"])
        assert float(row["得分"]) == a["score"]
    assert "新疆" in by_key["C0300"]["分配理由"]
    assert by_key["C0300"]["状态"] == "未分配"


def test_xlsx_output(result: dict[str, Any], tmp_path: Path) -> None:
    """The CLI writes the report workbook; its contents are tested in tests/tables."""
    out = tmp_path / "out.xlsx"
    code, _, stderr = run("assign", BOOK, "-o", out, "--as-of", AS_OF)
    assert code == 0, stderr
    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == ["分配结果", "销售负载", "未分配", "数据问题", "重复客户", "说明"]
    assigned = book.get_sheet_by_name("分配结果").to_python()
    assert assigned[0][:3] == ["客户编号", "客户名称", "销售"]
    assert len(assigned) - 1 == len(result["assignments"])
    assert {r[0] for r in assigned[1:]} == {a["customer_key"] for a in result["assignments"]}
    first = assigned[1]
    assert [type(first[k]) for k in (6, 7, 17)] == [float, float, float]  # numbers, not text
    assert first[6] == result["assignments"][0]["priority"]
    assert first[17] == result["assignments"][0]["score"]
    unassigned = book.get_sheet_by_name("未分配").to_python()
    assert len(unassigned) - 1 == len(result["unassigned"])
    loads = book.get_sheet_by_name("销售负载").to_python()
    assert len(loads) - 1 == 15
    errors = book.get_sheet_by_name("数据问题").to_python()
    assert len(errors) - 1 == len(result["errors"])
    duplicates = book.get_sheet_by_name("重复客户").to_python()
    assert len(duplicates) - 1 == len(result["duplicates"])


def test_json_to_stdout_when_no_output(result: dict[str, Any]) -> None:
    code, stdout, _ = run("assign", BOOK, "--as-of", AS_OF, "-q")
    assert code == 0
    assert json.loads(stdout) == result


def test_dump_scores(result: dict[str, Any], reps: dict[str, Any], tmp_path: Path) -> None:
    scores = tmp_path / "scores.csv"
    code, _, stderr = run(
        "assign", BOOK, "-o", tmp_path / "o.json", "--as-of", AS_OF, "--dump-scores", scores
    )
    assert code == 0, stderr
    with scores.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        assert next(reader) == ["customer_key", "rep_key", "score"]
        rows = list(reader)
    book = read_book(BOOK)
    region = {key: book.customers.region_name(i) for i, key in enumerate(book.customers.keys)}
    locked = {k for k, flag in zip(book.customers.keys, book.customers.locked, strict=True) if flag}
    pairs = {(c, r) for c, r, _ in rows}
    assert len(pairs) == len(rows)  # no pair twice
    for customer, rep_key, _ in rows:  # every dumped pair is eligible under the default policy
        rep = reps[rep_key]
        if customer not in locked:
            assert rep.active and rep.existing_load < (rep.capacity or 200)
            assert region[customer] in rep.regions or NATIONWIDE in rep.regions
    # … and the eligible pairs are all there: every active rep with room, in the territory.
    # A duplicate row after the first of its group has none of its own: it is allocated
    # through the first row.
    followers = {key for group in result["duplicates"] for key in group["customer_keys"][1:]}
    assert followers and not followers & {c for c, _, _ in rows}
    expected = 0
    for i, key in enumerate(book.customers.keys):
        if key in followers:
            continue
        if key in locked:
            expected += 1
            continue
        for rep in reps.values():
            room = rep.existing_load < (rep.capacity if rep.capacity is not None else 200)
            covers = region[key] in rep.regions or NATIONWIDE in rep.regions
            expected += rep.active and room and covers and bool(book.customers.region_name(i))
    assert len(rows) == expected
    assert f"({expected:,} eligible pairs)" in stderr
    chosen = {
        (a["customer_key"], a["rep_key"]): a["score"]
        for a in result["assignments"]
        if a["customer_key"] not in followers
    }
    dumped = {(c, r): float(s) for c, r, s in rows}
    for pair, score in chosen.items():
        assert dumped[pair] == pytest.approx(score, abs=1e-9)


# -------------------------------------------------------------------------- errors


def assert_one_line_error(code: int, stderr: str, *needles: str) -> None:
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("fenpei: error: ")
    for needle in needles:
        assert needle in lines[0]
    assert "Traceback" not in stderr


def test_missing_file(tmp_path: Path) -> None:
    code, _, stderr = run("assign", tmp_path / "nope.xlsx", "-o", tmp_path / "o.json")
    assert_one_line_error(code, stderr, "file not found", "nope.xlsx")
    assert not (tmp_path / "o.json").exists()


def test_missing_required_column(tmp_path: Path) -> None:
    customers = tmp_path / "c.csv"
    customers.write_text("客户编号,地区\nC1,上海\n", encoding="utf-8")
    code, _, stderr = run("assign", customers, "--reps", REPS_CSV, "-o", tmp_path / "o.json")
    assert_one_line_error(code, stderr, "missing required column", "客户名称")


def test_no_customer_sheet(tmp_path: Path) -> None:
    code, _, stderr = run("assign", BOOK, "--sheet", "Leads", "-o", tmp_path / "o.json")
    assert_one_line_error(code, stderr, "no sheet named Leads")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[allocation\nbalance_weight = 1", "not valid TOML"),
        ("[allocation]\nbalance_weight = -1\n", "allocation.balance_weight"),
        ("[allocation]\nterritory = 'sometimes'\n", "territory"),
        ("[surprise]\n", "unknown key"),
    ],
)
def test_bad_policy(tmp_path: Path, text: str, needle: str) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(text, encoding="utf-8")
    code, _, stderr = run("assign", BOOK, "--policy", policy, "-o", tmp_path / "o.json")
    assert_one_line_error(code, stderr, "bad policy file", needle)


def test_missing_policy_file(tmp_path: Path) -> None:
    code, _, stderr = run(
        "assign", BOOK, "--policy", tmp_path / "p.toml", "-o", tmp_path / "o.json"
    )
    assert_one_line_error(code, stderr, "policy file not found")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("-o", "out.txt"), ".json, .csv or .xlsx"),
        (("-o", "missing-dir/out.json"), "does not exist"),
        (("--as-of", "30/11/2026"), "--as-of"),
        (("--dump-scores", "missing-dir/s.csv", "-o", "o.json"), "does not exist"),
    ],
)
def test_bad_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], needle: str
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, stderr = run("assign", BOOK, *args)
    assert_one_line_error(code, stderr, needle)


def test_csv_without_reps(tmp_path: Path) -> None:
    code, _, stderr = run("assign", CUSTOMERS_CSV, "-o", tmp_path / "o.json")
    assert_one_line_error(code, stderr, "--reps")


# -------------------------------------------------------------------------- policy


def test_policy_init(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, stderr = run("policy", "init")
    assert code == 0, stderr
    written = (tmp_path / "policy.toml").read_text(encoding="utf-8")
    assert "balance_weight" in written and "均衡" in written
    assert policy_from_toml(written).coverage_weight == 1000.0

    (tmp_path / "policy.toml").write_text("# mine\n", encoding="utf-8")
    code, _, stderr = run("policy", "init")
    assert_one_line_error(code, stderr, "already exists", "--force")
    assert (tmp_path / "policy.toml").read_text(encoding="utf-8") == "# mine\n"

    code, _, _ = run("policy", "init", "--force")
    assert code == 0
    assert (tmp_path / "policy.toml").read_text(encoding="utf-8") == written

    code, _, _ = run("policy", "init", "custom.toml")
    assert code == 0 and (tmp_path / "custom.toml").read_text(encoding="utf-8") == written


def test_policy_init_result_round_trips_through_assign(
    tmp_path: Path, result: dict[str, Any]
) -> None:
    policy = tmp_path / "policy.toml"
    assert run("policy", "init", policy)[0] == 0
    again = assign_json(tmp_path, "--policy", policy)
    assert again["assignments"] == result["assignments"]


# ------------------------------------------------------------------------ progress


def test_progress_bar_only_on_a_terminal() -> None:
    quiet = io.StringIO()
    ProgressBar(quiet)("solve", 0.5)
    assert quiet.getvalue() == ""
    shown = io.StringIO()
    bar = ProgressBar(shown, enabled=True)
    bar("solve", 0.5)
    bar("solve", 0.5)  # unchanged: not redrawn
    bar("solve", 1.0)
    text = shown.getvalue()
    assert text.count("\r") == 2
    assert "50%" in text and "100%" in text
    bar.clear()
    assert shown.getvalue().endswith("\r")


def test_summary_on_stderr(tmp_path: Path) -> None:
    code, stdout, stderr = run("assign", BOOK, "-o", tmp_path / "o.json", "--as-of", AS_OF)
    assert code == 0 and stdout == ""
    assert "\r" not in stderr  # StringIO is not a terminal: no progress bar
    assert "customers 301" in stderr
    assert "unassigned" in stderr and "errors 1" in stderr and "duplicate groups" in stderr
    assert "objective" in stderr and "o.json" in stderr


# ------------------------------------------------------------------------- process


def test_as_a_process(tmp_path: Path) -> None:
    out = tmp_path / "o.json"
    done = subprocess.run(
        [sys.executable, "-m", "fenpei.cli", "assign", str(BOOK), "-o", str(out), "--as-of", AS_OF],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "customers 301" in done.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["customers"] == 301

    failed = subprocess.run(
        [sys.executable, "-m", "fenpei.cli", "assign", str(tmp_path / "nope.xlsx")],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert_one_line_error(failed.returncode, failed.stderr, "file not found")


def test_english_csv_output_quotes_reasons(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    code, _, stderr = run("assign", BOOK, "-o", out, "--as-of", AS_OF, "--lang", "en")
    assert code == 0, stderr
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 301
    assert rows[0]["customer_key"] == "C0001"
    assigned = [r for r in rows if r["status"] == "assigned"]
    assert assigned and all("priority" in r["reasons"] for r in assigned)
    assert sum("territory includes" in r["reasons"] for r in assigned) >= len(assigned) - 1
    assert all(r["intent"] in ("high", "medium", "low", "unknown") for r in rows)


def test_streamed_json_and_blocked_csv_match(
    result: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large runs stream compact JSON and write CSV in blocks: same content."""
    from fenpei.tables import write  # noqa: PLC0415

    csv_whole = tmp_path / "whole.csv"
    assert run("assign", BOOK, "-o", csv_whole, "--as-of", AS_OF)[0] == 0
    monkeypatch.setattr(write, "INDENT_LIMIT", 10)
    monkeypatch.setattr(write, "BLOCK", 7)
    streamed = tmp_path / "streamed.json"
    code, _, stderr = run("assign", BOOK, "-o", streamed, "--as-of", AS_OF)
    assert code == 0, stderr
    raw = streamed.read_bytes()
    assert b"\n  " not in raw  # compact
    assert json.loads(raw) == result
    assert list(json.loads(raw)) == ["assignments", "unassigned", "errors", "duplicates", "summary"]
    csv_blocks = tmp_path / "blocks.csv"
    assert run("assign", BOOK, "-o", csv_blocks, "--as-of", AS_OF)[0] == 0
    assert csv_blocks.read_bytes() == csv_whole.read_bytes()


def test_other_commands_go_to_django(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fenpei.cli", "check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout
    unknown = subprocess.run(
        [sys.executable, "-m", "fenpei.cli", "no-such-command"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=tmp_path,
    )
    assert unknown.returncode != 0
    assert "Unknown command" in unknown.stderr


def test_no_command_prints_usage() -> None:
    code, _, stderr = run()
    assert code == 2
    assert "assign" in stderr and "policy" in stderr
    code, _, stderr = run("policy")
    assert code == 2 and "init" in stderr


def test_messy_twins_are_one_customer_with_a_conflict(tmp_path: Path) -> None:
    # messy.xlsx has M001 typed again as M019 by another rep: same phone, similar name
    messy = assign_json(tmp_path, source=(EXAMPLES / "messy.xlsx",))
    group = next(d for d in messy["duplicates"] if d["customer_keys"] == ["M001", "M019"])
    assert "联系电话相同且名称相近" in group["reason"]
    assert group["conflict"] == "撞单：现负责人不同（张伟、李娜）"
    by_key = {a["customer_key"]: a for a in messy["assignments"]}
    assert by_key["M019"]["rep_key"] == by_key["M001"]["rep_key"]
    assert by_key["M019"]["reasons"][0]["kind"] == "duplicate"
    counted = Counter(a["rep_key"] for a in messy["assignments"] if a["customer_key"] != "M019")
    loads = {r["rep_key"]: r["assigned"] for r in messy["summary"]["reps"]}
    assert loads == {key: counted.get(key, 0) for key in loads}  # the twin counts once
