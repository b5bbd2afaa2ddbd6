"""The Excel report (`fenpei assign … -o result.xlsx`): a workbook a manager can forward as is.

Sheets (names and every word from `fenpei.tables.texts`, Chinese or English):

- 分配结果 / Assignments: one row per assigned customer — key facts, rep, tier (coloured),
  priority, potential value (¥), score and the reasons in plain language;
- 销售负载 / Rep load: per rep existing and new customers, capacity, utilisation (data bar),
  value and tier mix of the new customers, and a native chart of load and value;
- 未分配 / Unassigned with the reason; 数据问题 / Data problems with every bad cell;
  重复客户 / Duplicates with every group (conflicting owners highlighted);
- 说明 / About: the policy in plain language, the objective in words, and the run's facts.

Every table has a frozen, filterable header, column widths fitted to the text (a CJK
character counts double) and real numbers and dates with formats.

Speed: XlsxWriter (constant_memory mode) writes the whole workbook — styles, column widths,
frozen panes, filters, conditional formats, the chart, the small sheets and every header
row — but its per-cell path costs ~10 µs, which is 20 s for 100k customers. So the rows of
the large tables are rendered here instead, a column at a time with C-level string joins,
as the same inline-string `<row>`/`<c>` XML XlsxWriter writes in constant_memory mode, and
streamed into each sheet's `<sheetData>` while the package is copied to its final place.
Little is assumed about XlsxWriter's output: worksheets stored as xl/worksheets/sheetN.xml
in workbook order, each with one `<dimension>` and one `</sheetData>`; the tests read the
result back with calamine and check it against XlsxWriter's own cells.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from fenpei.engine import TIERS
from fenpei.engine.model import Level
from fenpei.tables.texts import money_words, texts

if TYPE_CHECKING:
    from fenpei.engine.policy import Policy, RoutingRule
    from fenpei.tables.write import Report

EXCEL_MAX_ROWS = 1_048_576
MAX_CELL_CHARS = 32_767
#: Rows looked at to fit column widths.
SAMPLE_ROWS = 300
#: Rows rendered to XML at a time (reasons exist for one block at a time).
BLOCK = 50_000
#: zlib level of the streamed sheets: 1 is ~3× faster than the default 6 for ~25 % more bytes.
COMPRESS_LEVEL = 1
EXCEL_EPOCH_DAYS = 25_569  # 1970-01-01 as an Excel serial date
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

TEXT, NUMBER, DATE = "text", "number", "date"

FORMATS: dict[str, dict[str, Any]] = {
    "money": {"num_format": '"¥"#,##0'},
    "int": {"num_format": "#,##0"},
    "2dp": {"num_format": "0.00"},
    "score": {"num_format": "0.00##"},
    "pct": {"num_format": "0.0%"},
    "date": {"num_format": "yyyy-mm-dd", "align": "left"},
    "center": {"align": "center"},
}
HEADER = {
    "bold": True,
    "bg_color": "#DDEBF7",
    "bottom": 1,
    "valign": "vcenter",
    "text_wrap": True,
}
TIER_COLOURS = {  # fill, font
    "A": ("#C6EFCE", "#006100"),
    "B": ("#FFEB9C", "#9C5700"),
    "C": ("#EDEDED", "#595959"),
}
CONFLICT_FILL = "#FCE4D6"
INACTIVE_FONT = "#808080"


@dataclass(frozen=True, slots=True)
class Col:
    key: str  # header: texts(lang)["columns"][key]
    kind: str = TEXT  # TEXT (str, "" blank), NUMBER (int/float, None blank), DATE (serial)
    style: str | None = None  # key of FORMATS
    cap: int = 40  # widest the column gets, in character widths


@dataclass(slots=True)
class Table:
    """A large sheet: its rows come block by block from `columns(start, stop)`."""

    sheet: str  # key of texts(lang)["sheets"]
    cols: tuple[Col, ...]
    n_rows: int
    columns: Callable[[int, int], list[Sequence[Any]]]
    freeze_cols: int = 0
    tier: str | None = None  # column coloured by tier
    flag: str | None = None  # a non-blank cell here highlights its row


@dataclass(slots=True)
class _Part:
    """Rows [start, stop) of a table, in one worksheet (Excel allows 1,048,576 rows)."""

    table: Table
    start: int
    stop: int
    formats: list[Any] = field(default_factory=list)  # XlsxWriter Format (or None) per column
    styles: list[str] = field(default_factory=list)  # ' s="N"' or "" per column, at close


# ------------------------------------------------------------------------- widths


def display_width(value: Any) -> int:
    """Width in Excel character units: CJK and full-width characters count double."""
    text = value if isinstance(value, str) else f"{value}"
    return len(text) + sum(1 for c in text if ord(c) > 0x2E7F)


def _shown(value: Any, col: Col) -> str:
    if value is None or value == "":
        return ""
    if col.kind == DATE:
        return "2026-01-01"
    if col.style == "money":
        return f"¥{value:,.0f}"
    if col.style == "pct":
        return f"{value:.1%}"
    if col.style in ("2dp", "score"):
        return f"{value:.2f}"
    if col.style == "int":
        return f"{value:,.0f}"
    return value if isinstance(value, str) else f"{value}"


def column_widths(
    headers: Sequence[str], cols: Sequence[Col], sample: Sequence[Sequence[Any]]
) -> list[float]:
    """Fitted widths: the widest sampled value (up to the column's cap), and room for the
    header up to 24 characters (a longer header wraps onto a second line)."""
    widths = []
    for header, col, values in zip(headers, cols, sample or [[]] * len(cols), strict=True):
        data = max((display_width(_shown(v, col)) for v in values), default=0)
        head = display_width(header) + 3  # room for the filter button
        widths.append(float(max(min(max(data + 2, 8), col.cap), min(head, 24))))
    return widths


# ------------------------------------------------------------------------ rows XML

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CONTROL_BUT_NUL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # NUL: our separator
_ESCAPED = re.compile("_x[0-9A-Fa-f]{4}_")
_NOT_FINITE = frozenset(("nan", "inf", "-inf"))


def _escape_one(text: str) -> str:
    text = text[:MAX_CELL_CHARS]
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "_x" in text:  # a literal "_x0041_" must not read as an escape
        text = _ESCAPED.sub(lambda m: "_x005F" + m.group(0), text)
    return _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def escape_texts(values: Sequence[str]) -> list[str]:
    """Cell texts as XML character data, the way XlsxWriter escapes them, in bulk."""
    if not values:
        return []
    blob = "\x00".join(values)
    if blob.count("\x00") != len(values) - 1 or max(map(len, values)) > MAX_CELL_CHARS:
        return [_escape_one(v) for v in values]  # NUL inside a cell, or an over-long cell
    if "&" in blob:
        blob = blob.replace("&", "&amp;")
    if "<" in blob:
        blob = blob.replace("<", "&lt;")
    if ">" in blob:
        blob = blob.replace(">", "&gt;")
    if "_x" in blob:
        blob = _ESCAPED.sub(lambda m: "_x005F" + m.group(0), blob)
    out = blob.split("\x00")
    if _CONTROL_BUT_NUL.search(blob):
        out = [_CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", t) for t in out]
    return out


def _column_letter(j: int) -> str:
    letters = ""
    j += 1
    while j:
        j, rest = divmod(j - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def number_texts(values: Sequence[Any]) -> list[str]:
    """Numbers as XML values (repr: shortest round trip); None, NaN and ±inf → "" (blank)."""
    texts_ = ["" if v is None else repr(v) for v in values]
    if not _NOT_FINITE.isdisjoint(texts_):
        texts_ = ["" if t in _NOT_FINITE else t for t in texts_]
    return texts_


def _has_edge_space(values: Sequence[str]) -> bool:
    return any(map(str.__ne__, values, map(str.strip, values)))


def rows_xml(
    cols: Sequence[Col], columns: Sequence[Sequence[Any]], first_row: int, styles: Sequence[str]
) -> bytes:
    """`<row>` elements for these column values; `first_row` is the Excel row number."""
    n = len(columns[0]) if columns else 0
    if n == 0:
        return b""
    numbers = list(map(str, range(first_row, first_row + n)))
    cells: list[list[str]] = []
    for j, (col, values) in enumerate(zip(cols, columns, strict=True)):
        start = f'<c r="{_column_letter(j)}'
        if col.kind == TEXT:
            raw = (
                values
                if set(map(type, values)) <= {str}
                else [v if isinstance(v, str) else ("" if v is None else str(v)) for v in values]
            )
            escaped = escape_texts(raw)
            head = f'"{styles[j]} t="inlineStr"><is><t>'
            if _has_edge_space(raw):
                keep = f'"{styles[j]} t="inlineStr"><is><t xml:space="preserve">'
                cells.append(
                    [
                        start + r + (keep if t != t.strip() else head) + t + "</t></is></c>"
                        if t
                        else ""
                        for r, t in zip(numbers, escaped, strict=True)
                    ]
                )
            else:
                cells.append(
                    [
                        start + r + head + t + "</t></is></c>" if t else ""
                        for r, t in zip(numbers, escaped, strict=True)
                    ]
                )
        else:
            head = f'"{styles[j]}><v>'
            texts_ = number_texts(values)
            cells.append(
                [
                    start + r + head + t + "</v></c>" if t else ""
                    for r, t in zip(numbers, texts_, strict=True)
                ]
            )
    opens = [f'<row r="{r}">' for r in numbers]
    rows = map("".join, zip(opens, *cells, repeat("</row>", n), strict=False))
    return "".join(rows).encode("utf-8", "replace")


# ---------------------------------------------------------------------- workbook


class ReportBook:
    """XlsxWriter for structure and small sheets; large tables streamed in at `close`."""

    def __init__(self, path: Path, lang: str) -> None:
        import xlsxwriter  # noqa: PLC0415 (only needed for .xlsx output)

        self.path = path
        self.lang = lang
        self.t = texts(lang)
        self._tmp = tempfile.TemporaryDirectory(prefix="fenpei-xlsx-")
        self._draft = Path(self._tmp.name) / "draft.xlsx"
        self.book = xlsxwriter.Workbook(
            str(self._draft),
            {"constant_memory": True, "strings_to_numbers": False, "tmpdir": self._tmp.name},
        )
        self.header = self.book.add_format(HEADER)
        self.formats = {name: self.book.add_format(spec) for name, spec in FORMATS.items()}
        self.tier_formats = {
            tier: self.book.add_format({"bg_color": fill, "font_color": font})
            for tier, (fill, font) in TIER_COLOURS.items()
        }
        self.parts: dict[int, _Part] = {}  # worksheet index → rows to stream in

    def sheet_name(self, key: str) -> str:
        name: str = self.t["sheets"][key]
        return name

    def _print_setup(self, ws: Any, *, landscape: bool = True) -> None:
        ws.set_paper(9)  # A4
        if landscape:
            ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)

    def _header_row(self, ws: Any, headers: Sequence[str], widths: Sequence[float]) -> None:
        wraps = any(display_width(h) + 3 > w for h, w in zip(headers, widths, strict=True))
        ws.set_row(0, 32 if wraps else 20)
        ws.write_row(0, 0, headers, self.header)

    def add_table(self, table: Table) -> None:
        """A large sheet with frozen header, filter, formats; rows are streamed at close."""
        headers = [self.t["columns"][c.key] for c in table.cols]
        sample = table.columns(0, min(table.n_rows, SAMPLE_ROWS)) if table.n_rows else []
        widths = column_widths(headers, table.cols, sample)
        per_sheet = EXCEL_MAX_ROWS - 1
        starts = list(range(0, table.n_rows, per_sheet)) or [0]
        base = self.sheet_name(table.sheet)
        last = len(table.cols) - 1
        for part, start in enumerate(starts):
            stop = min(start + per_sheet, table.n_rows)
            ws = self.book.add_worksheet(base if part == 0 else f"{base} ({part + 1})")
            styles = []
            for j, (col, width) in enumerate(zip(table.cols, widths, strict=True)):
                fmt = self.formats[col.style] if col.style else None
                ws.set_column(j, j, width, fmt)
                styles.append(fmt)
            self._header_row(ws, headers, widths)
            ws.freeze_panes(1, table.freeze_cols)
            rows = stop - start
            ws.autofilter(0, 0, max(rows, 1), last)
            # IDs and phone numbers are text on purpose: no "number stored as text" flags
            ws.ignore_errors({"number_stored_as_text": f"A1:{_column_letter(last)}{rows + 1}"})
            self._print_setup(ws)
            if rows:
                self._conditional(ws, table, rows)
            self.parts[ws.index] = _Part(table, start, stop, styles)

    def _conditional(self, ws: Any, table: Table, rows: int) -> None:
        keys = [c.key for c in table.cols]
        if table.tier is not None:
            j = keys.index(table.tier)
            for tier, fmt in self.tier_formats.items():
                ws.conditional_format(
                    1,
                    j,
                    rows,
                    j,
                    {"type": "cell", "criteria": "equal to", "value": f'"{tier}"', "format": fmt},
                )
        if table.flag is not None:
            letter = _column_letter(keys.index(table.flag))
            fill = self.book.add_format({"bg_color": CONFLICT_FILL})
            ws.conditional_format(
                1,
                0,
                rows,
                len(keys) - 1,
                {"type": "formula", "criteria": f"=LEN(${letter}2)>0", "format": fill},
            )

    def close(self) -> None:
        """Let XlsxWriter write the draft, then copy it to `path` with the rows streamed in."""
        try:
            self.book.close()
            for part in self.parts.values():  # style indices exist once XlsxWriter is done
                part.styles = [
                    f' s="{fmt.xf_index}"' if fmt is not None and fmt.xf_index else ""
                    for fmt in part.formats
                ]
            self._assemble()
        finally:
            self._tmp.cleanup()

    def _assemble(self) -> None:
        with (
            zipfile.ZipFile(self._draft) as draft,
            zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as out,
        ):
            for info in draft.infolist():
                data = draft.read(info.filename)
                target = zipfile.ZipInfo(info.filename, ZIP_DATE)
                target.compress_type = zipfile.ZIP_DEFLATED
                part = self._part_of(info.filename)
                if part is None:
                    out.writestr(target, data)
                    continue
                target._compresslevel = COMPRESS_LEVEL  # type: ignore[attr-defined]
                head, end, tail = data.decode("utf-8").partition("</sheetData>")
                if not end:
                    raise RuntimeError(f"no </sheetData> in {info.filename}")
                width = len(part.table.cols)
                ref = f"A1:{_column_letter(width - 1)}{part.stop - part.start + 1}"
                head = re.sub(
                    r'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>', head, count=1
                )
                with out.open(target, "w", force_zip64=True) as handle:
                    handle.write(head.encode("utf-8"))
                    for start in range(part.start, part.stop, BLOCK):
                        stop = min(start + BLOCK, part.stop)
                        columns = part.table.columns(start, stop)
                        first = start - part.start + 2  # row 1 is the header
                        handle.write(rows_xml(part.table.cols, columns, first, part.styles))
                    handle.write((end + tail).encode("utf-8"))

    def _part_of(self, name: str) -> _Part | None:
        match = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", name)
        return self.parts.get(int(match.group(1)) - 1) if match else None


# ------------------------------------------------------------------ report data


def _at(values: Sequence[Any], index: Sequence[int]) -> list[Any]:
    return list(map(values.__getitem__, index))


def _objects(values: Sequence[Any], blank: Any = "") -> npt.NDArray[Any]:
    """values as an object array with `blank` appended (index -1 picks it)."""
    table = np.empty(len(values) + 1, dtype=object)
    table[:-1] = values
    table[-1] = blank
    return table


def _serials(days: npt.NDArray[np.int64]) -> list[int | None]:
    serial: list[int | None] = (days + EXCEL_EPOCH_DAYS).tolist()
    for position in np.flatnonzero(days < 0).tolist():
        serial[position] = None
    return serial


def _floats(values: npt.NDArray[np.float64], decimals: int) -> list[float | None]:
    rounded = np.round(values, decimals)
    out: list[float | None] = rounded.tolist()
    for position in np.flatnonzero(~np.isfinite(rounded)).tolist():
        out[position] = None
    return out


class _Facts:
    """Per-customer and per-rep lookups shared by the sheets, built once."""

    def __init__(self, report: Report) -> None:
        book, t = report.book, texts(report.lang)
        customers = book.customers
        n = len(customers)
        self.report = report
        self.t = t
        reps = book.reps
        self.rep_name = _objects([r.name for r in reps])
        self.rep_key = _objects([r.key for r in reps])
        self.rep_team = _objects([r.team for r in reps])
        by_key = {r.key: r.name for r in reps}
        self.owner_name = [by_key.get(o, o) for o in customers.owner]
        words = t["intent"]
        self.intent = [words[label] for label in report.intent]
        self.contacts = book.contacts if len(book.contacts) == n else [""] * n
        self.phones = book.phones if len(book.phones) == n else [""] * n

    def customer_columns(self, index: Sequence[int], keys: Sequence[str]) -> dict[str, Any]:
        r, c = self.report, self.report.book.customers
        idx = np.asarray(index, dtype=np.int64)
        rep = r.allocation.rep[idx].astype(np.int64) if idx.size else np.zeros(0, np.int64)
        values: dict[str, Any] = {
            "customer_key": _at(c.keys, index),
            "customer": _at(c.names, index),
            "region": _at(r.region, index),
            "city": _at(c.city, index),
            "industry": _at(r.industry, index),
            "potential_value": _floats(c.potential_value[idx], 2),
            "intent": _at(self.intent, index),
            "last_deal": _serials(c.last_deal_day[idx]),
            "contact": _at(self.contacts, index),
            "phone": _at(self.phones, index),
            "priority": _at(r.priority, index),
            "tier": _at(r.tier, index),
            "previous_owner": _at(self.owner_name, index),
        }
        if "rep" in keys:
            values["rep"] = self.rep_name[rep].tolist()
            values["rep_key"] = self.rep_key[rep].tolist()
            values["team"] = self.rep_team[rep].tolist()
            values["fit"] = _floats(r.allocation.fit[idx], 2)
            values["score"] = _floats(r.allocation.score[idx], 4)
        return values


ASSIGNED_COLS = (
    Col("customer_key", cap=16),
    Col("customer", cap=36),
    Col("rep", cap=14),
    Col("rep_key", cap=10),
    Col("team", cap=16),
    Col("tier", style="center", cap=6),
    Col("priority", NUMBER, "2dp", cap=10),
    Col("potential_value", NUMBER, "money", cap=16),
    Col("intent", cap=10),
    Col("industry", cap=14),
    Col("region", cap=10),
    Col("city", cap=12),
    Col("last_deal", DATE, "date", cap=14),
    Col("contact", cap=12),
    Col("phone", cap=16),
    Col("previous_owner", cap=14),
    Col("fit", NUMBER, "2dp", cap=8),
    Col("score", NUMBER, "score", cap=10),
    Col("reasons", cap=90),
)
UNASSIGNED_COLS = (
    Col("customer_key", cap=16),
    Col("customer", cap=36),
    Col("tier", style="center", cap=6),
    Col("priority", NUMBER, "2dp", cap=10),
    Col("potential_value", NUMBER, "money", cap=16),
    Col("intent", cap=10),
    Col("industry", cap=14),
    Col("region", cap=10),
    Col("city", cap=12),
    Col("contact", cap=12),
    Col("phone", cap=16),
    Col("previous_owner", cap=14),
    Col("unassigned_reason", cap=80),
)
ERROR_COLS = (
    Col("sheet", cap=16),
    Col("row", NUMBER, cap=8),
    Col("column", cap=18),
    Col("value", cap=30),
    Col("message", cap=80),
)
DUPLICATE_COLS = (
    Col("group", NUMBER, cap=8),
    Col("records", NUMBER, cap=8),
    Col("customer_keys", cap=30),
    Col("customer_names", cap=50),
    Col("owners", cap=24),
    Col("assigned_to", cap=24),
    Col("dup_reason", cap=60),
    Col("conflict", cap=60),
)


def _assignments(facts: _Facts) -> Table:
    report = facts.report
    join = facts.t["join"]
    keys = [c.key for c in ASSIGNED_COLS]

    def columns(start: int, stop: int) -> list[Sequence[Any]]:
        block = report.assigned[start:stop]
        values = facts.customer_columns(block, keys)
        values["reasons"] = [
            join.join(reason["text"] for reason in reasons) for reasons in report.reasons(block)
        ]
        return [values[k] for k in keys]

    return Table("assignments", ASSIGNED_COLS, len(report.assigned), columns, 2, tier="tier")


def _unassigned(facts: _Facts) -> Table:
    report = facts.report
    keys = [c.key for c in UNASSIGNED_COLS]

    def columns(start: int, stop: int) -> list[Sequence[Any]]:
        block = report.unassigned[start:stop]
        values = facts.customer_columns(block, keys)
        values["unassigned_reason"] = [
            reason["text"] for reason in report.unassigned_reasons[start:stop]
        ]
        return [values[k] for k in keys]

    return Table("unassigned", UNASSIGNED_COLS, len(report.unassigned), columns, 2, tier="tier")


def _errors(facts: _Facts) -> Table:
    errors = facts.report.book.errors

    def columns(start: int, stop: int) -> list[Sequence[Any]]:
        block = errors[start:stop]
        return [
            [e.sheet for e in block],
            [e.row for e in block],
            [e.column for e in block],
            [e.value for e in block],
            [e.message for e in block],
        ]

    return Table("errors", ERROR_COLS, len(errors), columns)


def _duplicates(facts: _Facts) -> Table:
    report = facts.report
    groups = report.duplicates
    customers = report.book.customers
    position = {key: i for i, key in enumerate(customers.keys)}
    sep = facts.t["list"]
    rep_name = facts.rep_name

    def distinct(values: Sequence[str]) -> str:
        joined: str = sep.join(dict.fromkeys(v for v in values if v))
        return joined

    def columns(start: int, stop: int) -> list[Sequence[Any]]:
        cells: list[list[Any]] = [[] for _ in DUPLICATE_COLS]
        for number, group in enumerate(groups[start:stop], start=start + 1):
            keys = [str(k) for k in group.get("customer_keys", [])]
            found = [position[k] for k in keys if k in position]
            conflict = group.get("conflict")
            row = (
                number,
                len(keys),
                sep.join(keys),
                distinct([customers.names[i] for i in found]),
                distinct([facts.owner_name[i] for i in found]),
                distinct([rep_name[report.rep_of[i]] for i in found]),
                str(group.get("reason", "")),
                str(conflict) if conflict else "",
            )
            for column, value in zip(cells, row, strict=True):
                column.append(value)
        return list(cells)

    return Table("duplicates", DUPLICATE_COLS, len(groups), columns, flag="conflict")


# --------------------------------------------------------------------- rep load

LOAD_COLS = (
    Col("rep_key", cap=10),
    Col("rep", cap=14),
    Col("team", cap=16),
    Col("level", cap=8),
    Col("active", style="center", cap=8),
    Col("capacity", NUMBER, "int", cap=10),
    Col("existing_load", NUMBER, "int", cap=12),
    Col("assigned", NUMBER, "int", cap=12),
    Col("total", NUMBER, "int", cap=12),
    Col("free", NUMBER, "int", cap=12),
    Col("utilisation", NUMBER, "pct", cap=12),
    Col("new_value", NUMBER, "money", cap=18),
    Col("tier_a", NUMBER, "int", cap=8),
    Col("tier_b", NUMBER, "int", cap=8),
    Col("tier_c", NUMBER, "int", cap=8),
)


def _load_rows(facts: _Facts) -> list[list[Any]]:
    report = facts.report
    reps = report.book.reps
    t = facts.t
    n_reps = len(reps)
    rep = report.allocation.rep.astype(np.int64)
    # a duplicate row that follows its group's first row is the same real customer: its
    # value and tier are counted once, as the engine counts it once against capacity
    chosen = (rep >= 0) & ~report.book.customers.followers
    value = np.bincount(
        rep[chosen], weights=report.book.customers.potential_value[chosen], minlength=n_reps
    )
    tiers = np.bincount(
        rep[chosen] * len(TIERS) + report.allocation.tier[chosen].astype(np.int64),
        minlength=n_reps * len(TIERS),
    ).reshape(max(n_reps, 0), len(TIERS))
    yes, no = t["yes_no"]
    rows = []
    for load in report.allocation.loads:
        r = reps[load.rep]
        total = int(load.existing_load) + int(load.assigned)
        capacity = int(load.capacity)
        rows.append(
            [
                r.key,
                r.name,
                r.team,
                t["level"][Level(r.level).label],
                yes if r.active else no,
                capacity,
                int(load.existing_load),
                int(load.assigned),
                total,
                max(capacity - total, 0),
                total / capacity if capacity > 0 else None,
                round(float(value[load.rep]), 2),
                *(int(x) for x in tiers[load.rep]),
            ]
        )
    return rows


def _add_load(out: ReportBook, facts: _Facts) -> None:
    t = out.t
    rows = _load_rows(facts)
    headers = [t["columns"][c.key] for c in LOAD_COLS]
    widths = column_widths(headers, LOAD_COLS, [list(c) for c in zip(*rows, strict=True)] or [])
    name = out.sheet_name("load")
    ws = out.book.add_worksheet(name)
    for j, (col, width) in enumerate(zip(LOAD_COLS, widths, strict=True)):
        ws.set_column(j, j, width, out.formats[col.style] if col.style else None)
    out._header_row(ws, headers, widths)
    for j, tier in ((12, "A"), (13, "B"), (14, "C")):  # tier-mix headers in tier colours
        ws.write(
            0, j, headers[j], out.book.add_format({**HEADER, "bg_color": TIER_COLOURS[tier][0]})
        )
    for r, row in enumerate(rows, start=1):
        ws.write_row(r, 0, row)
    n = len(rows)
    last = len(LOAD_COLS) - 1
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(n, 1), last)
    out._print_setup(ws)
    if not n:
        return
    ws.conditional_format(
        1,
        10,
        n,
        10,
        {
            "type": "data_bar",
            "bar_color": "#63BE7B",
            "bar_solid": True,
            "min_type": "num",
            "min_value": 0,
            "max_type": "num",
            "max_value": 1,
        },
    )
    grey = out.book.add_format({"font_color": INACTIVE_FONT})
    ws.conditional_format(
        1,
        0,
        n,
        last,
        {"type": "formula", "criteria": f'=$E2="{t["yes_no"][1]}"', "format": grey},
    )
    _add_chart(out, name, n, ws, last)


def _add_chart(out: ReportBook, sheet: str, n: int, ws: Any, last: int) -> None:
    words = out.t["chart"]
    chart = out.book.add_chart({"type": "column", "subtype": "stacked"})
    categories = [sheet, 1, 1, n, 1]
    for column, colour in ((6, "#9DC3E6"), (7, "#2E75B6")):
        chart.add_series(
            {
                "name": [sheet, 0, column],
                "categories": categories,
                "values": [sheet, 1, column, n, column],
                "fill": {"color": colour},
                "gap": 60,
            }
        )
    line = out.book.add_chart({"type": "line"})
    line.add_series(
        {
            "name": [sheet, 0, 11],
            "categories": categories,
            "values": [sheet, 1, 11, n, 11],
            "y2_axis": True,
            "line": {"color": "#C55A11", "width": 2},
            "marker": {"type": "circle", "size": 4, "fill": {"color": "#C55A11"}},
        }
    )
    chart.combine(line)
    chart.set_title({"name": words["title"]})
    chart.set_y_axis({"name": words["load_axis"], "num_format": "#,##0"})
    line.set_y2_axis({"name": words["value_axis"], "num_format": '"¥"#,##0'})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": min(max(720, 28 * n), 2400), "height": 420})
    ws.insert_chart(1, last + 2, chart)


# ------------------------------------------------------------------------ about


def _rule_text(rule: RoutingRule, lang: str) -> str:
    a = texts(lang)["about"]
    sep = texts(lang)["list"]
    w = rule.when
    intents = texts(lang)["intent"]
    parts = []
    if w.regions:
        parts.append(a["rule_regions"].format(sep.join(sorted(w.regions))))
    if w.industries:
        parts.append(a["rule_industries"].format(sep.join(sorted(w.industries))))
    if w.tiers:
        parts.append(a["rule_tiers"].format(sep.join(sorted(w.tiers))))
    if w.intents:
        order = ("high", "medium", "low", "unknown")
        shown = [intents[i] for i in order if i in w.intents]
        parts.append(a["rule_intents"].format(sep.join(shown)))
    if w.min_value is not None:
        parts.append(a["rule_min"].format(money_words(w.min_value, lang)))
    if w.max_value is not None:
        parts.append(a["rule_max"].format(money_words(w.max_value, lang)))
    who = []
    if rule.teams:
        who.append(a["rule_teams"].format(sep.join(sorted(rule.teams))))
    if rule.reps:
        who.append(a["rule_reps"].format(sep.join(sorted(rule.reps))))
    text: str = a["rule_text"].format(
        when=a["rule_and"].join(parts) if parts else a["rule_all"],
        who=a["rule_or"].join(who),
        ignore=a["rule_ignore"] if rule.ignore_territory else "",
    )
    return text


def about_rows(report: Report) -> list[tuple[str, Any, Any, str]]:
    """The 说明 sheet as (kind, label, value, note) rows; kind: title, text, section, item."""
    t = texts(report.lang)
    a = t["about"]
    lang = report.lang
    book, policy, allocation = report.book, report.policy, report.allocation
    rows: list[tuple[str, Any, Any, str]] = [
        ("title", a["title"], "", ""),
        ("text", a["intro"], "", ""),
        ("blank", "", "", ""),
        ("head", *a["head"]),
    ]

    def item(key: str, value: Any, **fields: Any) -> None:
        label, note = a[key][0], a[key][-1]
        rows.append(("item", label, value, note.format(**fields) if fields else note))

    def section(key: str) -> None:
        rows.append(("section", a[key], "", ""))

    section("s_run")
    item("as_of", report.problem.as_of)
    sources = [Path(s).name for s in report.sources if s]
    item("sources", t["list"].join(sources) if sources else t["unknown_file"])
    item("customer_sheet", book.customer_sheet or t["none"])
    item("rep_sheet", book.rep_sheet or t["none"])
    item("customers", len(book.customers))
    item("real_customers", len(book.customers) - int(book.customers.followers.sum()))
    item("assigned", len(report.assigned))
    item("unassigned", len(report.unassigned))
    item("reps", len(book.reps), active=sum(1 for r in book.reps if r.active))
    item("errors", len(book.errors))
    item("duplicates", len(report.duplicates))
    item("conflicts", sum(1 for g in report.duplicates if g.get("conflict")))
    item("objective", round(float(allocation.objective), 2))
    item("solver", allocation.solver)

    section("s_sheets")
    for key in ("assignments", "load", "unassigned", "errors", "duplicates", "about"):
        rows.append(("item", t["sheets"][key], "", a["sheet_notes"][key]))

    section("s_objective")
    rows.append(("item", *a["formula"]))
    rows.append(("item", *a["constraints"]))
    item("coverage_weight", policy.coverage_weight)
    item("balance_weight", policy.balance_weight)

    _policy_rows(rows, policy, lang, item, section)
    return rows


def _policy_rows(
    rows: list[tuple[str, Any, Any, str]],
    policy: Policy,
    lang: str,
    item: Callable[..., None],
    section: Callable[[str], None],
) -> None:
    a = texts(lang)["about"]
    w, s = policy.priority_weights, policy.priority_scales
    section("s_priority")
    rows.append(("item", *a["priority_formula"]))
    item(
        "w_value",
        w.value,
        full=money_words(s.value_full, lang),
        unit=money_words(s.value_unit, lang),
    )
    item(
        "w_intent",
        w.intent,
        high=s.intent_high,
        medium=s.intent_medium,
        low=s.intent_low,
        unknown=s.intent_unknown,
    )
    item("w_newness", w.newness)
    item(
        "w_history",
        w.history,
        full=money_words(s.history_full, lang),
        days=s.recency_half_life_days,
    )
    item("tier_a", policy.tiers.a)
    item("tier_b", policy.tiers.b)

    section("s_fit")
    rows.append(("item", *a["fit_formula"]))
    for key in ("industry", "product", "level", "incumbent", "region"):
        item(f"f_{key}", getattr(policy.fit, key))

    section("s_rules")
    mode, note = a["territory_modes"][policy.territory]
    rows.append(("item", a["territory"][0], mode, note))
    item("default_capacity", policy.default_capacity)
    rows.append(("item", *a["active_rule"]))
    rows.append(("item", *a["locked_rule"]))

    section("s_routing")
    rows.append(("text", a["routing_intro"], "", ""))
    if not policy.rules:
        rows.append(("item", a["no_rules"], "", ""))
    for n, rule in enumerate(policy.rules, start=1):
        rows.append(("item", a["rule"].format(n=n), rule.name, _rule_text(rule, lang)))


def _add_about(out: ReportBook, report: Report) -> None:
    ws = out.book.add_worksheet(out.sheet_name("about"))
    book = out.book
    title = book.add_format({"bold": True, "font_size": 14})
    section = book.add_format({"bold": True, "bg_color": "#DDEBF7", "top": 1})
    head = book.add_format({"bold": True, "bottom": 1})
    label = book.add_format({"bold": True, "valign": "top"})
    value = book.add_format({"align": "left", "valign": "top", "text_wrap": True})
    number = book.add_format({"align": "left", "valign": "top", "num_format": "#,##0.####"})
    day = book.add_format({"align": "left", "valign": "top", "num_format": "yyyy-mm-dd"})
    note = book.add_format({"text_wrap": True, "valign": "top"})
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 36)
    ws.set_column(2, 2, 100)
    for r, (kind, first, second, third) in enumerate(about_rows(report)):
        if kind == "title":
            ws.set_row(r, 24)
            ws.write_string(r, 0, first, title)
        elif kind == "text":
            ws.write_string(r, 0, first)
        elif kind == "head":
            ws.write_row(r, 0, [first, second, third], head)
        elif kind == "section":
            ws.write_string(r, 0, first, section)
            ws.write_blank(r, 1, None, section)
            ws.write_blank(r, 2, None, section)
        elif kind == "item":
            ws.write_string(r, 0, first, label)
            if isinstance(second, date):
                ws.write_datetime(r, 1, datetime.combine(second, clock()), day)
            elif isinstance(second, int | float) and not isinstance(second, bool):
                ws.write_number(r, 1, second, number)
            elif second != "":
                ws.write_string(r, 1, str(second), value)
            if third:
                ws.write_string(r, 2, third, note)
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


# ------------------------------------------------------------------------ writer


def write_xlsx(path: Path, report: Report) -> None:
    """The report workbook: 分配结果, 销售负载, 未分配, 数据问题, 重复客户, 说明."""
    out = ReportBook(path, report.lang)
    facts = _Facts(report)
    out.add_table(_assignments(facts))
    _add_load(out, facts)
    out.add_table(_unassigned(facts))
    out.add_table(_errors(facts))
    out.add_table(_duplicates(facts))
    _add_about(out, report)
    out.book.set_properties(
        {
            "title": texts(report.lang)["about"]["title"],
            # the as-of date, not the clock: the same run gives the same file, byte for byte
            "created": datetime.combine(report.problem.as_of, clock()),
        }
    )
    out.close()


def cell_errors_xlsx(
    sheet_name: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]
) -> bytes:
    """A small workbook of bad cells (sheet, row, column, value, problem …), in memory.

    For the web import's error report: the caller words the headers in the reader's
    language. Every text cell is written as a string, never as a formula, so a cell that
    was typed as "=…" cannot run anything when the report is opened.
    """
    import io  # noqa: PLC0415 (only this writer needs it)

    import xlsxwriter  # noqa: PLC0415

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    header = book.add_format(HEADER)
    sheet = book.add_worksheet(sheet_name[:31])
    sheet.write_row(0, 0, list(headers), header)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(r, c, value)
            else:
                text = "" if value is None else str(value)
                sheet.write_string(r, c, _CONTROL.sub("", text)[:MAX_CELL_CHARS])
    sample = rows[:SAMPLE_ROWS]
    for c, title in enumerate(headers):
        widest = max((display_width(row[c]) for row in sample if c < len(row)), default=0)
        width = max(min(max(widest + 2, 8), 60), min(display_width(title) + 3, 24))
        sheet.set_column(c, c, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), max(len(headers) - 1, 0))
    book.close()
    return buffer.getvalue()
