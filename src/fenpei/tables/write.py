"""Writing an allocation: JSON (the published contract), CSV and an Excel report.

    report = Report.build(book, problem, allocation, policy, duplicates, lang="zh")
    write_output(Path("out.json"), report)   # .json / .csv / .xlsx by extension
    write_scores(Path("scores.csv"), ...)    # every eligible pair, vectorised

Columns are converted once with numpy (`tolist()`), reasons computed once, and rows built
in plain loops: a million customers cost seconds, not minutes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from fenpei.engine import (
    TIERS,
    Allocation,
    Intent,
    Policy,
    Problem,
    explain_assignment,
    explain_unassigned,
)
from fenpei.tables.read import Book

OUTPUT_SUFFIXES = (".json", ".csv", ".xlsx")
INTENT_LABELS = tuple(Intent(i).label for i in range(len(Intent)))
INTENT_ZH = {"high": "高", "medium": "中", "low": "低", "unknown": "未知"}
EXCEL_MAX_ROWS = 1_048_576

Reason = dict[str, Any]


@dataclass(slots=True)
class Report:
    """Everything the writers need, with per-customer columns as plain Python lists."""

    book: Book
    problem: Problem
    allocation: Allocation
    policy: Policy
    duplicates: list[dict[str, Any]]
    lang: str
    assigned: list[int]  # customer indices, input order
    unassigned: list[int]
    rep_of: list[int]
    priority: list[float]
    score: list[float]
    tier: list[str]
    region: list[str]
    industry: list[str]
    intent: list[str]
    reasons: list[list[Reason]]  # parallel to `assigned`
    unassigned_reasons: list[Reason]  # parallel to `unassigned`

    @classmethod
    def build(
        cls,
        book: Book,
        problem: Problem,
        allocation: Allocation,
        policy: Policy,
        duplicates: list[dict[str, Any]],
        *,
        lang: str = "zh",
        progress: Callable[[str, float], None] | None = None,
    ) -> Report:
        customers = book.customers
        rep = allocation.rep
        assigned = np.flatnonzero(rep >= 0).tolist()
        unassigned = np.flatnonzero(rep < 0).tolist()
        reasons: list[list[Reason]] = []
        step = max(len(assigned) // 100, 1)
        for count, i in enumerate(assigned):
            reasons.append(explain_assignment(problem, allocation, i, lang))
            if progress is not None and count % step == 0:
                progress("explain", count / max(len(assigned), 1))
        if progress is not None:
            progress("explain", 1.0)
        return cls(
            book=book,
            problem=problem,
            allocation=allocation,
            policy=policy,
            duplicates=duplicates,
            lang=lang,
            assigned=assigned,
            unassigned=unassigned,
            rep_of=rep.tolist(),
            priority=np.round(allocation.priority, 2).tolist(),
            score=np.round(np.nan_to_num(allocation.score, nan=0.0), 4).tolist(),
            tier=_lookup(allocation.tier, list(TIERS)),
            region=_lookup(customers.region, customers.regions),
            industry=_lookup(customers.industry, customers.industries),
            intent=_lookup(customers.intent, list(INTENT_LABELS)),
            reasons=reasons,
            unassigned_reasons=[
                explain_unassigned(problem, allocation, i, lang) for i in unassigned
            ],
        )


def _lookup(codes: npt.NDArray[Any], vocab: Sequence[str]) -> list[str]:
    """Codes (-1 = none) → strings, vectorised."""
    table = np.array([*vocab, ""], dtype=object)
    index = np.where(codes >= 0, codes, len(vocab)).astype(np.int64)
    result: list[str] = table[index].tolist()
    return result


# -------------------------------------------------------------------------- JSON


def report_dict(report: Report) -> dict[str, Any]:
    """The JSON contract of issue 2 (assignments, unassigned, errors, duplicates, summary)."""
    book, allocation, policy = report.book, report.allocation, report.policy
    keys, names, reps = book.customers.keys, book.customers.names, book.reps
    potential = book.customers.potential_value.tolist()
    rep_of, priority, score = report.rep_of, report.priority, report.score
    tier, region, industry, intent = report.tier, report.region, report.industry, report.intent
    rep_info = [(r.key, r.name, r.team) for r in reps]
    assignments: list[dict[str, Any]] = []
    append = assignments.append
    for i, reasons in zip(report.assigned, report.reasons, strict=True):
        rep_key, rep_name, team = rep_info[rep_of[i]]
        append(
            {
                "customer_key": keys[i],
                "customer": names[i],
                "rep_key": rep_key,
                "rep": rep_name,
                "team": team,
                "priority": priority[i],
                "tier": tier[i],
                "score": score[i],
                "potential_value": potential[i],
                "region": region[i],
                "industry": industry[i],
                "intent": intent[i],
                "reasons": reasons,
            }
        )
    unassigned = [
        {"customer_key": keys[i], "customer": names[i], "reason": reason["text"]}
        for i, reason in zip(report.unassigned, report.unassigned_reasons, strict=True)
    ]
    return {
        "assignments": assignments,
        "unassigned": unassigned,
        "errors": [e.as_dict() for e in book.errors],
        "duplicates": report.duplicates,
        "summary": {
            "customers": len(keys),
            "assigned": len(report.assigned),
            "objective": float(allocation.objective),
            "coverage_weight": float(policy.coverage_weight),
            "balance_weight": float(policy.balance_weight),
            "reps": [
                {
                    "rep_key": reps[load.rep].key,
                    "rep": reps[load.rep].name,
                    "capacity": int(load.capacity),
                    "existing_load": int(load.existing_load),
                    "assigned": int(load.assigned),
                }
                for load in allocation.loads
            ],
        },
    }


def json_bytes(report: Report) -> bytes:
    return orjson.dumps(report_dict(report), option=orjson.OPT_INDENT_2) + b"\n"


def write_json(path: Path, report: Report) -> None:
    data = report_dict(report)
    # Indenting a million records doubles the file for no reader's benefit.
    option = orjson.OPT_INDENT_2 if len(data["assignments"]) <= 100_000 else 0
    path.write_bytes(orjson.dumps(data, option=option) + b"\n")


# --------------------------------------------------------------------------- CSV

_HEADERS = {
    "zh": {
        "customer_key": "客户编号",
        "customer": "客户名称",
        "region": "地区",
        "industry": "行业",
        "potential_value": "潜在价值",
        "intent": "合作意向",
        "priority": "优先级",
        "tier": "等级",
        "status": "状态",
        "rep_key": "工号",
        "rep": "销售",
        "team": "团队",
        "score": "得分",
        "reasons": "分配理由",
        "reason": "未分配原因",
        "active": "在岗",
        "capacity": "容量",
        "existing_load": "现有客户数",
        "assigned": "本次分配",
        "total": "合计",
        "utilisation": "使用率",
        "sheet": "工作表",
        "row": "行",
        "column": "列",
        "value": "值",
        "message": "问题",
        "group": "组",
        "customer_keys": "客户编号",
        "dup_reason": "原因",
    },
    "en": {
        "customer_key": "customer_key",
        "customer": "customer",
        "region": "region",
        "industry": "industry",
        "potential_value": "potential_value",
        "intent": "intent",
        "priority": "priority",
        "tier": "tier",
        "status": "status",
        "rep_key": "rep_key",
        "rep": "rep",
        "team": "team",
        "score": "score",
        "reasons": "reasons",
        "reason": "reason",
        "active": "active",
        "capacity": "capacity",
        "existing_load": "existing_load",
        "assigned": "assigned",
        "total": "total",
        "utilisation": "utilisation",
        "sheet": "sheet",
        "row": "row",
        "column": "column",
        "value": "value",
        "message": "message",
        "group": "group",
        "customer_keys": "customer_keys",
        "dup_reason": "reason",
    },
}
_STATUS = {"zh": ("已分配", "未分配"), "en": ("assigned", "unassigned")}
_JOIN = {"zh": "；", "en": "; "}
_CUSTOMER_COLUMNS = (
    "customer_key",
    "customer",
    "region",
    "industry",
    "potential_value",
    "intent",
    "priority",
    "tier",
    "status",
    "rep_key",
    "rep",
    "team",
    "score",
    "reasons",
)


def _intent_words(report: Report) -> list[str]:
    if report.lang == "zh":
        return [INTENT_ZH[label] for label in report.intent]
    return report.intent


def customer_rows(report: Report) -> list[list[Any]]:
    """One row per customer (input order): assigned with its rep, unassigned with why."""
    book = report.book
    keys, names = book.customers.keys, book.customers.names
    potential = book.customers.potential_value.tolist()
    intent = _intent_words(report)
    done, left = _STATUS[report.lang]
    join = _JOIN[report.lang]
    rep_info = [(r.key, r.name, r.team) for r in book.reps]
    rows: list[list[Any]] = [[] for _ in keys]
    for i, reasons in zip(report.assigned, report.reasons, strict=True):
        rep_key, rep_name, team = rep_info[report.rep_of[i]]
        rows[i] = [
            keys[i],
            names[i],
            report.region[i],
            report.industry[i],
            potential[i],
            intent[i],
            report.priority[i],
            report.tier[i],
            done,
            rep_key,
            rep_name,
            team,
            report.score[i],
            join.join(r["text"] for r in reasons),
        ]
    for i, reason in zip(report.unassigned, report.unassigned_reasons, strict=True):
        rows[i] = [
            keys[i],
            names[i],
            report.region[i],
            report.industry[i],
            potential[i],
            intent[i],
            report.priority[i],
            report.tier[i],
            left,
            "",
            "",
            "",
            "",
            reason["text"],
        ]
    return rows


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def write_csv(path: Path, report: Report) -> None:
    """UTF-8 with BOM (so Excel shows the Chinese), one row per customer."""
    names = _HEADERS[report.lang]
    rows = customer_rows(report)
    for row in rows:  # 500000.0 → 500000, as a person would type it
        row[4] = _number_text(row[4])
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([names[c] for c in _CUSTOMER_COLUMNS])
        writer.writerows(rows)


# -------------------------------------------------------------------------- XLSX


def _display_width(value: Any) -> int:
    text = value if isinstance(value, str) else f"{value}"
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def _widths(header: Sequence[str], rows: Sequence[Sequence[Any]], cap: int = 60) -> list[int]:
    widths = [_display_width(h) + 2 for h in header]
    for row in rows[:500]:
        for j, value in enumerate(row):
            widths[j] = max(widths[j], min(_display_width(value) + 2, cap))
    return widths


class _Sheets:
    def __init__(self, path: Path) -> None:
        import xlsxwriter  # noqa: PLC0415 (only needed for .xlsx output)

        self.book = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "strings_to_numbers": False}
        )
        self.header = self.book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "valign": "vcenter"}
        )
        self.formats = {
            "money": self.book.add_format({"num_format": "#,##0"}),
            "2dp": self.book.add_format({"num_format": "0.00"}),
            "4dp": self.book.add_format({"num_format": "0.0000"}),
            "pct": self.book.add_format({"num_format": "0.0%"}),
            "wrap": self.book.add_format({"text_wrap": False}),
        }

    def add(
        self,
        name: str,
        header: Sequence[str],
        rows: Sequence[Sequence[Any]],
        formats: dict[int, str] | None = None,
    ) -> None:
        """A sheet with a bold frozen header, autofilter and fitted widths.

        More rows than Excel allows continue on sheets named "name (2)", "name (3)" ….
        """
        per_sheet = EXCEL_MAX_ROWS - 1
        chunks = [rows[i : i + per_sheet] for i in range(0, len(rows), per_sheet)] or [rows]
        widths = _widths(header, rows)
        for part, chunk in enumerate(chunks):
            ws = self.book.add_worksheet(name if part == 0 else f"{name} ({part + 1})")
            for j, width in enumerate(widths):
                fmt = self.formats[formats[j]] if formats and j in formats else None
                ws.set_column(j, j, width, fmt)
            ws.freeze_panes(1, 0)
            ws.write_row(0, 0, header, self.header)
            write_row = ws.write_row
            for r, row in enumerate(chunk, start=1):
                write_row(r, 0, row)
            ws.autofilter(0, 0, max(len(chunk), 1), len(header) - 1)

    def close(self) -> None:
        self.book.close()


def write_xlsx(path: Path, report: Report) -> None:
    """Sheets 分配结果, 未分配, 销售负载, 错误, 重复."""
    h = _HEADERS[report.lang]
    rows = customer_rows(report)
    book = report.book
    sheets = _Sheets(path)
    # 分配结果: assigned customers (the status column is implied).
    assigned_cols = [c for c in _CUSTOMER_COLUMNS if c != "status"]
    assigned_rows = [rows[i][:8] + rows[i][9:] for i in report.assigned]
    sheets.add(
        "分配结果",
        [h[c] for c in assigned_cols],
        assigned_rows,
        {4: "money", 6: "2dp", 11: "4dp"},
    )
    unassigned_cols = [*_CUSTOMER_COLUMNS[:8], "reason"]
    sheets.add(
        "未分配",
        [h[c] for c in unassigned_cols],
        [rows[i][:8] + rows[i][13:] for i in report.unassigned],
        {4: "money", 6: "2dp"},
    )
    yes, no = ("是", "否") if report.lang == "zh" else ("yes", "no")
    loads = []
    for load in report.allocation.loads:
        rep = book.reps[load.rep]
        total = load.existing_load + load.assigned
        loads.append(
            [
                rep.key,
                rep.name,
                rep.team,
                yes if rep.active else no,
                load.capacity,
                load.existing_load,
                load.assigned,
                total,
                total / load.capacity if load.capacity > 0 else 0.0,
            ]
        )
    load_cols = ["rep_key", "rep", "team", "active", "capacity", "existing_load", "assigned"]
    sheets.add("销售负载", [h[c] for c in [*load_cols, "total", "utilisation"]], loads, {8: "pct"})
    sheets.add(
        "错误",
        [h[c] for c in ("sheet", "row", "column", "value", "message")],
        [[e.sheet, e.row, e.column, e.value, e.message] for e in book.errors],
    )
    sep = "、" if report.lang == "zh" else ", "
    sheets.add(
        "重复",
        [h[c] for c in ("group", "customer_keys", "dup_reason")],
        [
            [n, sep.join(group["customer_keys"]), group["reason"]]
            for n, group in enumerate(report.duplicates, start=1)
        ],
    )
    sheets.close()


def write_output(path: Path, report: Report) -> None:
    suffix = path.suffix.lower()
    if suffix == ".json":
        write_json(path, report)
    elif suffix == ".csv":
        write_csv(path, report)
    elif suffix == ".xlsx":
        write_xlsx(path, report)
    else:
        raise ValueError(f"unsupported output type {suffix}")


# ------------------------------------------------------------------------ scores


def _csv_field(text: str) -> str:
    text = text.replace("\0", "")
    if any(c in text for c in ',"\r\n') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def _key_matrix(keys: Sequence[str]) -> npt.NDArray[np.uint8]:
    """Each key as CSV field + "," in a NUL-padded byte row (NULs are dropped on output)."""
    encoded = [_csv_field(k).encode() + b"," for k in keys]
    width = max((len(e) for e in encoded), default=1)
    matrix = np.array(encoded or [b""], dtype=f"S{width}").view(np.uint8)
    return matrix.reshape(max(len(encoded), 1), width)


def _score_matrix(score: npt.NDArray[np.float64]) -> npt.NDArray[np.uint8] | None:
    """Scores as text with up to 4 decimals, trailing zeros dropped, then a newline."""
    if score.size == 0:
        return np.zeros((0, 1), dtype=np.uint8)
    if not np.all(np.isfinite(score)) or score.min() < 0 or score.max() >= 1e13:
        return None
    scaled = np.rint(score * 10_000).astype(np.int64)
    whole, frac = np.divmod(scaled, 10_000)
    digits = len(str(int(whole.max())))
    matrix = np.zeros((score.size, digits + 6), dtype=np.uint8)
    for position in range(digits):  # right-aligned whole part, no leading zeros
        power = 10 ** (digits - 1 - position)
        show = (whole >= power) | (position == digits - 1)
        matrix[:, position] = np.where(show, 48 + (whole // power) % 10, 0)
    has_frac = frac > 0
    matrix[:, digits] = np.where(has_frac, ord("."), 0)
    trailing = np.zeros(score.size, dtype=bool)  # digits after the last non-zero one
    for position in range(3, -1, -1):
        digit = (frac // 10 ** (3 - position)) % 10
        trailing = trailing | (digit != 0)
        matrix[:, digits + 1 + position] = np.where(trailing, 48 + digit, 0)
    matrix[:, digits + 5] = ord("\n")
    return matrix


def write_scores(
    path: Path,
    customer_keys: Sequence[str],
    rep_keys: Sequence[str],
    pairs: tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float64]],
    *,
    chunk: int = 1_000_000,
) -> int:
    """`customer_key,rep_key,score` for every pair; returns the number of rows written.

    `pairs` is (customer index, rep index, score) arrays, as `Problem.pairs()` returns.

    Each line is assembled as a NUL-padded byte row (key columns gathered by index, score
    digits computed with integer arithmetic) and the NULs dropped in one pass: no Python
    work per pair.
    """
    customer, rep, score = pairs
    customer_bytes = _key_matrix(customer_keys)
    rep_bytes = _key_matrix(rep_keys)
    with path.open("wb") as handle:
        handle.write(b"customer_key,rep_key,score\n")
        for start in range(0, len(customer), chunk):
            c = customer[start : start + chunk]
            r = rep[start : start + chunk]
            s = np.asarray(score[start : start + chunk], dtype=np.float64)
            digits = _score_matrix(s)
            if digits is None:  # negative or huge: never from the engine, but stay correct
                buffer = io.StringIO()
                for ci, ri, value in zip(c.tolist(), r.tolist(), s.tolist(), strict=True):
                    buffer.write(f"{_csv_field(customer_keys[ci])},")
                    buffer.write(f"{_csv_field(rep_keys[ri])},{value!r}\n")
                handle.write(buffer.getvalue().encode())
                continue
            lines = np.concatenate([customer_bytes[c], rep_bytes[r], digits], axis=1)
            handle.write(lines[lines != 0].tobytes())
    return len(customer)
