"""Reading a customer book as people really keep it: .xlsx / .xls workbooks or CSV / TSV.

    book = read_book("book.xlsx")
    book = read_book("customers.csv", reps_path="reps.csv", lang="en")

The result holds the customers as an engine `CustomerTable`, the reps as engine `Rep`s,
the contact columns the engine does not use, and one `CellError` per bad cell. A bad
optional cell is reported and its row kept without that value; a row without a customer
name (or with a repeated 客户编号) is reported and left out. Input that cannot be used at
all raises `InputError`.

Where the table is:

- the file type comes from the bytes, not the name: an .xls that is really tab-separated
  text or a web page table (what many systems call "export to Excel") still reads; CSV /
  TSV text is UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text") or GBK /
  GB18030 (Excel on Chinese Windows): strict UTF-8 first, else GB18030;
- the customer sheet is 客户 / 客户列表 / Customers … (or `sheet=`), the rep sheet 销售 /
  销售人员 / Reps … (or `reps_sheet=`); failing those, a sheet whose name or header row says
  which it is;
- the header is the first row naming at least two known columns, one of them the name
  column: titles, notes and blank rows above it are skipped;
- in the rows below, blank rows are skipped, merged cells give their value to every cell
  they cover, and a note or totals row (合计, 说明：…, a row merged across the sheet) is
  reported and left out.

Hostile files (zip bombs, two cells 17 billion cells apart, a million-field line, a
rowspan bomb …) are refused before they cost much memory or time, with a message naming
what was too big and the cap: see `fenpei.tables.limits` for the caps and why.

Columns are parsed one at a time over the whole sheet, each distinct value once (regions,
industries, intents …), and the columns where nearly every value differs (phones, credit
codes, e-mail addresses) in bulk: 100,000 rows read in well under the 3 s budget.
"""

from __future__ import annotations

import csv
import gc
import io
import re
import sys
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from operator import methodcaller, not_
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np

from fenpei.engine.model import (
    CustomerTable,
    FloatArray,
    IntArray,
    Intent,
    Level,
    Rep,
)
from fenpei.tables.errors import CellError, InputError
from fenpei.tables.headers import REQUIRED, Column, canonical, map_headers
from fenpei.tables.limits import (
    MAX_CELL_CHARS,
    MAX_SPANNED,
    MAX_WORKBOOK_CELLS,
    LimitError,
    cell_too_long,
    file_too_big,
    grid_too_big,
    merges_too_big,
    ods_extents,
    sheet_too_big,
    worksheet_parts,
    xls_extents,
    zip_too_big,
)
from fenpei.tables.regions import split_region, territory_of
from fenpei.tables.values import (
    PLACEHOLDERS,
    BadValueError,
    credit_codes_bulk,
    emails_bulk,
    halfwidth,
    is_placeholder,
    parse_active,
    parse_amount,
    parse_count,
    parse_credit_code,
    parse_customer_type,
    parse_date,
    parse_email,
    parse_intent,
    parse_level,
    parse_list,
    parse_phone,
    parse_yes_no,
    phones_bulk,
    text_of,
)

T = TypeVar("T")

_EMPTY_AS_ZERO = {"": "0"}
EXCEL_SUFFIXES = frozenset((".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"))
CSV_SUFFIXES = frozenset((".csv", ".txt", ".tsv"))
CUSTOMER_SHEETS = (
    "客户",
    "客户列表",
    "客户表",
    "客户信息",
    "客户名单",
    "客户清单",
    "客户资料",
    "客户信息表",
    "客户数据",
    "customers",
    "customer",
    "customerlist",
    "accounts",
    "clients",
)
REP_SHEETS = (
    "销售",
    "销售人员",
    "销售列表",
    "销售团队",
    "销售表",
    "销售名单",
    "销售人员名单",
    "销售人员表",
    "销售信息",
    "人员",
    "reps",
    "rep",
    "sales",
    "salesreps",
    "salespeople",
    "team",
)
_CUSTOMER_WORDS = ("客户", "customer", "account", "client", "线索", "lead")
_REP_WORDS = ("销售", "人员", "员工", "团队", "rep", "sales", "team", "staff")
_HEADER_SCAN = 50  # rows searched for the header
_WIDE_MERGE = 3  # a merged cell this wide in a data row makes it a note row

#: The languages messages come in; anything else reads as Chinese.
LANGUAGES = ("zh", "en")


def _say(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


@dataclass(slots=True)
class Sheet:
    """Raw cells of one sheet, by column: the header row and the cells below it."""

    name: str
    headers: list[str]
    columns: list[list[Any]]  # one list per header position, all of length n_rows
    first_row: int  # the Excel row number of the first data row
    n_rows: int
    note_rows: frozenset[int] = frozenset()  # positions of rows merged across the sheet

    def row(self, position: int) -> list[Any]:
        return [column[position] for column in self.columns]


@dataclass(slots=True)
class Book:
    customers: CustomerTable
    reps: list[Rep]
    errors: list[CellError]
    rows: list[int]  # Excel row of each customer
    contacts: list[str]
    phones: list[str]
    emails: list[str]
    credit_codes: list[str]
    customer_sheet: str = ""
    rep_sheet: str = ""
    stats: dict[str, int] = field(default_factory=dict)


# ------------------------------------------------------------------------ loading


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError(f"file not found: {path}")
    if not path.is_file():
        raise InputError(f"not a file: {path}")
    file_too_big(path)


_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _kind(path: Path) -> str:
    """ "excel", "html" or "csv", from the first bytes of the file (the name only breaks a
    tie): old systems "export to Excel" as a web page or as tab-separated text."""
    suffix = path.suffix.lower()
    if suffix not in EXCEL_SUFFIXES and suffix not in CSV_SUFFIXES:
        raise InputError(
            f"{path}: unsupported file type {suffix or '(none)'}; use .xlsx, .xls, .csv or .tsv"
        )
    try:
        with path.open("rb") as handle:
            start = handle.read(65_536)
    except OSError:
        return "excel" if suffix in EXCEL_SUFFIXES else "csv"
    if start.startswith((_ZIP, _OLE2)) or suffix in (".xlsx", ".xlsm", ".xlsb", ".ods"):
        return "excel"  # a zip-based workbook that is not a zip: calamine says what is wrong
    if start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        if b"<table" in start.lower():
            return "html"
        raise InputError(
            f"{path} is an XML or web page file saved as {suffix}, not a workbook or CSV; "
            "open it in Excel or WPS and save it as .xlsx"
        )
    return "csv"  # text: CSV or TSV, whatever the name says


def _blank(row: Sequence[Any]) -> bool:
    return all(v is None or v == "" for v in row)


def _header_texts(row: Sequence[Any]) -> list[str]:
    return [text_of(v) if v is not None and v != "" else "" for v in row]


def find_header(rows: Sequence[Sequence[Any]], kind: str) -> int:
    """Index of the header row: the first row naming ≥ 2 known columns including the
    name column; else the first naming the name column; else the first non-blank row."""
    fallback: int | None = None
    first: int | None = None
    for position, row in enumerate(rows[:_HEADER_SCAN]):
        if _blank(row):
            continue
        if first is None:
            first = position
        columns = map_headers(_header_texts(row), kind)
        if REQUIRED in columns:
            if len(columns) >= 2:
                return position
            if fallback is None:
                fallback = position
    if fallback is not None:
        return fallback
    return first if first is not None else len(rows)


def _sheet_from_rows(
    name: str,
    rows: list[list[Any]],
    first_row: int,
    kind: str,
    merged: Sequence[tuple[tuple[int, int], tuple[int, int]]] = (),
) -> Sheet:
    """Find the header, fill merged cells, and turn the rows below into columns.

    `first_row` is the Excel row number of rows[0]; `merged` holds merged ranges as
    (top, left), (bottom, right) relative to rows[0] and the first column.
    """
    skipped = find_header(rows, kind)
    if skipped >= len(rows):
        raise InputError(f"sheet {name} is empty")
    headers = _header_texts(rows[skipped])
    data = rows[skipped + 1 :]
    del rows
    width = max(len(headers), max(map(len, data), default=0))
    grid_too_big(name, skipped + 1 + len(data), width)
    if data and min(map(len, data)) < width:  # ragged CSV: pad short rows
        data = [r if len(r) == width else [*r, *([""] * (width - len(r)))] for r in data]
    headers += [""] * (width - len(headers))
    if merged:  # filling costs a step per covered cell
        _merged_cover(name, data, merged, skipped + 1, width)
    notes = _apply_merged(data, merged, skipped + 1, width) if merged else frozenset()
    columns = [list(column) for column in zip(*data, strict=True)] if data else []
    if not columns:
        columns = [[] for _ in range(width)]
    return Sheet(name, headers, columns, first_row + skipped + 1, len(data), notes)


def _apply_merged(
    data: list[list[Any]],
    merged: Sequence[tuple[tuple[int, int], tuple[int, int]]],
    offset: int,
    width: int,
) -> frozenset[int]:
    """Give each merged cell's value to every cell it covers (rows of `data` start at row
    `offset` of the sheet); return the rows merged across the sheet (notes, section titles)."""
    notes: set[int] = set()
    for (sheet_top, left), (sheet_bottom, sheet_right) in merged:
        top = sheet_top - offset
        if top < 0 or top >= len(data) or left >= width:
            continue  # a title or header cell, or outside the table
        right, bottom = min(sheet_right, width - 1), min(sheet_bottom - offset, len(data) - 1)
        if top == bottom and right - left + 1 >= _WIDE_MERGE:
            notes.add(top)
            continue
        value = data[top][left]
        for r in range(top, bottom + 1):
            row = data[r]
            for c in range(left, right + 1):
                if row[c] is None or row[c] == "":
                    row[c] = value
    return frozenset(notes)


def _merged_cover(
    name: str,
    data: list[list[Any]],
    merged: Sequence[tuple[tuple[int, int], tuple[int, int]]],
    offset: int,
    width: int,
) -> None:
    """Refuse merges that together cover more cells than a sheet may hold: filling them
    costs a step per covered cell, and overlapping merges could repeat a huge area."""
    covered = 0
    for (sheet_top, left), (sheet_bottom, sheet_right) in merged:
        top = max(sheet_top - offset, 0)
        bottom, right = min(sheet_bottom - offset, len(data) - 1), min(sheet_right, width - 1)
        if bottom >= top and right >= left:
            covered += (bottom - top + 1) * (right - left + 1)
    merges_too_big(name, covered, MAX_SPANNED)


# --------------------------------------------------------------------- CSV / TSV


def decode_text(data: bytes, path: Path) -> tuple[str, str]:
    """(text, encoding) of a CSV file, from its bytes: a BOM; else UTF-16 when NULs make
    up more than 1 byte in 20 (an ASCII comma or digit in UTF-16 is half NUL); else strict
    UTF-8, then UTF-16 if there are NULs at all; else GB18030 (a superset of GBK and
    GB2312). Text that is nearly all one of those but for a few broken bytes (a file cut
    and pasted together) reads with them replaced, so its good rows are kept."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    elif 0 in data[:4000]:  # UTF-16 holds NULs; UTF-8 and GBK text only a stray one
        odd = data[1:4000:2].count(0)
        even = data[0:4000:2].count(0)
        utf16 = ("utf-16-le", "utf-16-be") if odd >= even else ("utf-16-be", "utf-16-le")
        if data[:4000].count(0) * 20 > len(data[:4000]):
            candidates = (*utf16, "utf-8", "gb18030")
        else:  # a few NULs: UTF-8 with a NUL in a cell (found by fuzzing) before UTF-16
            candidates = ("utf-8", *utf16, "gb18030")
    else:
        candidates = ("utf-8", "gb18030")
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    if len(candidates) == 1:  # the BOM named the encoding, and the bytes do not fit it
        raise InputError(f"cannot read {path}: not UTF-8, UTF-16 or GBK/GB18030 text")
    return _mostly_text(data, path)


def _mostly_text(data: bytes, path: Path) -> tuple[str, str]:
    """UTF-8, else GB18030, with a few bad bytes replaced (16, or 1 character in 50):
    UTF-8 first, as GB18030 reads most UTF-8 byte pairs as (wrong) characters. Anything
    worse is not text."""
    for encoding in ("utf-8", "gb18030"):
        text = data.decode(encoding, errors="replace")
        bad = text.count("\ufffd") - data.decode(encoding, errors="ignore").count("\ufffd")
        if bad <= max(16, len(text) // 50):
            return text, encoding
    raise InputError(f"cannot read {path}: not UTF-8, UTF-16 or GBK/GB18030 text")


def _delimiter(text: str, kind: str = "customers") -> str:
    """Comma, tab or semicolon: the one whose split of the first lines gives a header
    naming the most known columns (the name column among them); failing that, the one
    that splits the most lines into the same number of fields (a comma inside a company
    name does not fool it). The header decides first, so a few junk lines full of tabs
    below a comma header do not outvote it."""
    lines = [line for line in text[:20_000].split("\n")[:30] if line.strip()]
    by_header = {}
    for candidate in (",", "\t", ";"):
        rows = [[cell.strip().strip('"') for cell in line.split(candidate)] for line in lines]
        at = find_header(rows, kind)
        columns = map_headers(_header_texts(rows[at]), kind) if at < len(rows) else {}
        if REQUIRED in columns and len(columns) >= 2:
            by_header[candidate] = len(columns)
    if by_header:
        most = max(by_header.values())
        tied = [c for c, n in by_header.items() if n == most]
        if len(tied) == 1:
            return tied[0]
    best, best_score = ",", (0, 0)
    for candidate in (",", "\t", ";"):
        counts = Counter(line.count(candidate) for line in lines)
        counts.pop(0, None)
        if counts:
            width, lines_with_it = max(counts.items(), key=lambda item: (item[1], item[0]))
            if (lines_with_it, width) > best_score:
                best, best_score = candidate, (lines_with_it, width)
    return best


def read_csv(path: Path, kind: str = "customers") -> Sheet:
    """A CSV / TSV file as a sheet named after the file."""
    _check_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {_one_line(exc)}") from None
    text, encoding = decode_text(data, path)
    delimiter = _delimiter(text, kind)
    head = [line.split(delimiter) for line in text[:20_000].splitlines()[:_HEADER_SCAN]]
    if find_header(head, kind) == 0:
        utf8 = data if encoding in ("utf-8", "utf-8-sig") else None
        sheet = _plain_csv(path.name, text, delimiter, utf8)
        if sheet is not None:
            return sheet
    return _sheet_from_rows(path.name, _csv_rows(text, delimiter, path.name), 1, kind)


def _plain_csv(name: str, text: str, delimiter: str, utf8: bytes | None) -> Sheet | None:
    """The usual export (no quotes, same field count on every line) split in bulk, by column.

    One `split` over the whole text and a strided slice per column: no Python work per row.
    Returns None when the text needs the csv module.
    """
    if '"' in text:
        return None
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        utf8 = utf8.replace(b"\r\n", b"\n") if utf8 is not None else None
        if "\r" in text:
            return None
    text = text.rstrip("\n")
    end = text.find("\n")
    header = text if end < 0 else text[:end]
    if not header.strip(delimiter + " \t"):
        return None  # leading blank lines: let the general path find the header
    width = header.count(delimiter) + 1
    same, longest = _same_field_count(text, delimiter, width, utf8)
    if not same:
        return None
    grid_too_big(name, text.count("\n") + 1, width)
    cells = text.replace("\n", delimiter).split(delimiter)
    if longest > MAX_CELL_CHARS and max(map(len, cells)) > MAX_CELL_CHARS:
        cell_too_long(name, None)
    headers = [h.strip() for h in cells[:width]]
    columns = [cells[width + j :: width] for j in range(width)]
    return Sheet(name, headers, columns, 2, len(columns[0]))


def _same_field_count(
    text: str, delimiter: str, width: int, utf8: bytes | None
) -> tuple[bool, int]:
    """Every line holds width − 1 delimiters; and the longest line's length (in bytes
    for UTF-8: at least its characters), which bounds the longest cell.

    Counted with numpy on the UTF-8 bytes when we have them (a delimiter or newline byte
    never occurs inside a multi-byte character), else line by line.
    """
    if utf8 is None:
        lines = text.split("\n")
        counts = set(map(methodcaller("count", delimiter), lines))
        return counts == {width - 1}, max(map(len, lines))
    start = 3 if utf8.startswith(b"\xef\xbb\xbf") else 0
    stop = len(utf8)
    while stop > start and utf8[stop - 1] == 10:  # trailing newlines, as the text was stripped
        stop -= 1
    raw = np.frombuffer(utf8, dtype=np.uint8)[start:stop]
    ends = np.append(np.flatnonzero(raw == 10), len(raw))
    delimiters = np.flatnonzero(raw == ord(delimiter))
    per_line = np.diff(np.searchsorted(delimiters, ends), prepend=0)
    longest = int(np.diff(ends, prepend=-1).max()) if len(ends) else 0
    return bool((per_line == width - 1).all()), longest


def _csv_rows(text: str, delimiter: str, name: str = "") -> list[list[Any]]:
    text = text.removeprefix("\ufeff")
    if '"' not in text:  # nothing quoted (the usual export): plain splits are exact
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        grid_too_big(name, len(lines), 1)
        rows = [line.split(delimiter) for line in lines]
        if lines and max(map(len, lines)) > MAX_CELL_CHARS:  # a long line may hold a long cell
            for number, row in enumerate(rows, start=1):
                if max(map(len, row)) > MAX_CELL_CHARS:
                    cell_too_long(name, number)
        return rows
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        if "field limit" in str(exc):  # the csv module's own cap on one cell
            cell_too_long(name, None)
        raise InputError(f"not a readable CSV file: {_one_line(exc)}") from None


# --------------------------------------------------------------- HTML "Excel" exports


class _Tables(HTMLParser):
    """The <table>s of a web page: rows of (text, colspan, rowspan) cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[tuple[str, int, int]]]] = []
        self._open: list[list[list[tuple[str, int, int]]]] = []
        self._row: list[tuple[str, int, int]] | None = None
        self._cell: tuple[list[str], int, int] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._open.append([])
            self.tables.append(self._open[-1])
        elif tag == "tr" and self._open:
            self._row = []
            self._open[-1].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            spans = dict(attrs)
            self._cell = ([], _span(spans.get("colspan")), _span(spans.get("rowspan")))
        elif tag == "br" and self._cell is not None:
            self._cell[0].append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            parts, colspan, rowspan = self._cell
            self._row.append((" ".join("".join(parts).split()), colspan, rowspan))
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "table" and self._open:
            self._open.pop()
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell[0].append(data)


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1


def read_html(path: Path, kind: str = "customers") -> Sheet:
    """The biggest <table> of a web page saved as .xls (what many systems call an Excel
    export); colspan and rowspan are merged cells."""
    _check_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {_one_line(exc)}") from None
    text, _ = decode_text(data, path)
    parser = _Tables()
    parser.feed(text)
    parser.close()
    table = max(parser.tables, key=len, default=[])
    rows, merged = _html_grid(table, path.name)
    if not rows:
        raise InputError(f"{path}: the web page holds no table")
    width = max(map(len, rows))
    grid_too_big(path.name, len(rows), width)
    rows = [row + [""] * (width - len(row)) for row in rows]
    return _sheet_from_rows(path.name, rows, 1, kind, merged)


def _html_grid(
    table: list[list[tuple[str, int, int]]], name: str
) -> tuple[list[list[Any]], list[tuple[tuple[int, int], tuple[int, int]]]]:
    """Rows of cells laid out as a browser does: a cell goes to the first column not
    covered by a rowspan from above; spans become merged ranges.

    The columns covered from above are kept per row as ranges, so a 1,000 × 1,000 span
    costs 1,000 steps, not a million; the spans' total area is capped all the same.
    """
    rows: list[list[Any]] = []
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = []
    below: dict[int, list[tuple[int, int]]] = {}  # row → [start, end) columns covered
    spanned = 0
    for r, cells in enumerate(table):
        covered = sorted(below.pop(r, ()))
        row: list[Any] = []
        c = k = 0
        for value, colspan, rowspan in cells:
            while k < len(covered) and covered[k][0] <= c:
                c = max(c, covered[k][1])
                k += 1
            row.extend([""] * (c + 1 - len(row)))
            row[c] = value
            if colspan > 1 or rowspan > 1:
                spanned += colspan * rowspan
                merges_too_big(name, spanned, MAX_SPANNED)
                merged.append(((r, c), (r + rowspan - 1, c + colspan - 1)))
                for dr in range(1, rowspan):
                    below.setdefault(r + dr, []).append((c, c + colspan))
            c += colspan
        rows.append(row)
    return rows, merged


# ------------------------------------------------------------------------ workbooks


def _norm_sheet(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", halfwidth(name)).lower()


#: What is let through when calamine fails. Everything else becomes an `InputError`:
#: on some broken files calamine panics (found by fuzzing a damaged .xls: "slice index
#: starts at 8192 but ends at 7801"), and pyo3 raises that as a PanicException, which
#: derives from BaseException, not Exception, so `except Exception` let it crash the
#: request or the CLI.
_INTERRUPTS = (KeyboardInterrupt, SystemExit, GeneratorExit)


class Workbook:
    """An open Excel workbook (.xlsx, .xlsm, .xlsb, .xls, .ods); sheets read on demand."""

    def __init__(self, path: Path) -> None:
        _check_file(path)
        from python_calamine import CalamineWorkbook  # noqa: PLC0415 (startup cost)

        self.path = path
        self._sheets: dict[str, Any] = {}
        self._parts: dict[str, str] | None = None  # sheet → XML part, for a zip workbook
        self._guarded: set[str] = set()
        self._check_container()
        try:
            try:
                self._book = CalamineWorkbook.from_path(str(path))
            except _INTERRUPTS:
                raise
            except BaseException:  # the name says one format, the bytes another
                with path.open("rb") as handle:
                    self._book = CalamineWorkbook.from_filelike(io.BytesIO(handle.read()))
            self.sheet_names: list[str] = list(self._book.sheet_names)
        except _INTERRUPTS:
            raise
        except BaseException as exc:  # calamine's own errors, zip and XML errors, panics
            raise InputError(f"cannot read {path}: {_one_line(exc)}") from None

    def find(
        self,
        wanted: str | None,
        candidates: Sequence[str],
        kind: str,
        exclude: str | None = None,
        *,
        named_only: bool = False,
    ) -> str | None:
        """The sheet named `wanted`; else a usual name; else one whose name or header says
        it holds `kind` ("customers" or "reps"); None when no sheet does."""
        if wanted is not None:
            for name in self.sheet_names:
                if name == wanted or _norm_sheet(name) == _norm_sheet(wanted):
                    return name
            raise InputError(
                f"{self.path}: no sheet named {wanted}; sheets: {', '.join(self.sheet_names)}"
            )
        names = [n for n in self.sheet_names if n != exclude]
        by_norm = {_norm_sheet(n): n for n in names}
        for candidate in candidates:
            if candidate in by_norm:
                return by_norm[candidate]
        if named_only:
            return None
        mine, theirs = (
            (_CUSTOMER_WORDS, _REP_WORDS) if kind == "customers" else (_REP_WORDS, _CUSTOMER_WORDS)
        )
        for name in names:
            norm = _norm_sheet(name)
            if any(w in norm for w in mine) and not (
                kind == "reps" and any(w in norm for w in theirs)
            ):
                return name
        other = "reps" if kind == "customers" else "customers"
        best, best_score = None, 0
        for name in names:
            rows = self._rows(name, _HEADER_SCAN)
            if not rows:
                continue
            at = find_header(rows, kind)
            if at >= len(rows):
                continue
            texts = _header_texts(rows[at])
            mine_fields = map_headers(texts, kind)
            theirs_fields = map_headers(texts, other)
            score = len(mine_fields) if REQUIRED in mine_fields else 0
            other_score = len(theirs_fields) if REQUIRED in theirs_fields else 0
            if score > max(best_score, other_score):
                best, best_score = name, score
        return best

    def _check_container(self) -> None:
        """Before calamine opens the file: refuse a zip bomb from the zip's directory, and
        an .xls or .ods sheet whose cells span too much (calamine lays out every sheet
        of those when it opens them)."""
        with self.path.open("rb") as handle:
            if handle.read(8) == _OLE2:
                handle.seek(0)
                for name, (rows, columns) in xls_extents(handle.read()).items():
                    grid_too_big(name, rows, columns, MAX_WORKBOOK_CELLS)
                return
        try:
            with zipfile.ZipFile(self.path) as book:
                zip_too_big(self.path, book)
                if "content.xml" in book.namelist() and "xl/workbook.xml" not in book.namelist():
                    # calamine expands every .ods sheet when it opens the file
                    for name, (rows, columns) in ods_extents(book.read("content.xml")).items():
                        grid_too_big(name, rows, columns, MAX_WORKBOOK_CELLS)
                else:
                    self._parts = worksheet_parts(book)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
            return  # not a zip (an .xls) or a broken one: calamine says what is wrong

    def _check_sheet(self, name: str) -> None:
        """Refuse an .xlsx sheet whose cells span more than `MAX_WORKBOOK_CELLS`: calamine
        would allocate the whole span (A1 … XFD1048576 is 512 GiB) and abort."""
        if self._parts is None or name in self._guarded:
            return
        part = self._parts.get(name)
        parts = [part] if part is not None else []
        try:
            with zipfile.ZipFile(self.path) as book:
                if not parts:  # the workbook's sheet list is unreadable: check them all
                    parts = [n for n in book.namelist() if n.startswith("xl/worksheets/")]
                for xml in parts:
                    if xml.endswith(".xml"):
                        sheet_too_big(self.path, book, xml, name)
        except (zipfile.BadZipFile, OSError, zlib.error):
            return
        self._guarded.add(name)

    def _sheet(self, name: str) -> Any:
        if name not in self._sheets:
            self._check_sheet(name)
            self._sheets[name] = self._book.get_sheet_by_name(name)
        return self._sheets[name]

    def _rows(self, name: str, limit: int) -> list[list[Any]]:
        try:
            return cast("list[list[Any]]", self._sheet(name).to_python(nrows=limit))
        except _INTERRUPTS:
            raise
        except BaseException:  # a sheet too big or broken is not sniffed: not chosen
            return []

    def sheet(self, name: str, kind: str) -> Sheet:
        try:
            ws = self._sheet(name)
            # what the checks before calamine could not follow (an .xlsb, an .xls they
            # could not read) is still refused before it becomes Python lists
            grid_too_big(name, int(ws.height), int(ws.width), MAX_WORKBOOK_CELLS)
            rows = ws.to_python(skip_empty_area=True)
            start = ws.start if ws.start is not None else (0, 0)
            start_row, start_col = int(start[0]), int(start[1])
            merged = [
                ((top - start_row, left - start_col), (bottom - start_row, right - start_col))
                for (top, left), (bottom, right) in (ws.merged_cell_ranges or [])
            ]
        except (LimitError, *_INTERRUPTS):
            raise
        except BaseException as exc:
            raise InputError(f"cannot read sheet {name} of {self.path}: {_one_line(exc)}") from None
        if not rows:
            raise InputError(f"sheet {name} of {self.path} is empty")
        return _sheet_from_rows(name, rows, start_row + 1, kind, merged)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def load_sheets(
    path: Path,
    reps_path: Path | None = None,
    *,
    sheet: str | None = None,
    reps_sheet: str | None = None,
) -> tuple[Sheet, Sheet]:
    """The customer sheet and the rep sheet, from one workbook or two files."""
    customers: Sheet
    book: Workbook | None = None
    customer_sheet_name: str | None = None
    _check_file(path)
    kind = _kind(path)
    if kind in ("csv", "html"):
        if reps_path is None:
            what = "a CSV file" if kind == "csv" else "a web page table"
            raise InputError(f"{path} is {what}: give the reps with --reps REPS.csv")
        customers = read_csv(path, "customers") if kind == "csv" else read_html(path, "customers")
    else:
        book = Workbook(path)
        name = None
        if sheet is None and reps_path is not None and len(book.sheet_names) == 1:
            name = book.sheet_names[0]
        if name is None:
            # With the reps in the same book, keep their sheet out of the search.
            exclude = None
            if reps_path is None and sheet is None:
                exclude = book.find(reps_sheet, REP_SHEETS, "reps", named_only=True)
            name = book.find(sheet, CUSTOMER_SHEETS, "customers", exclude)
        if name is None:
            raise InputError(
                f"{path}: no customer sheet (客户 / 客户列表 / Customers); "
                f"sheets: {', '.join(book.sheet_names)}; choose one with --sheet"
            )
        customer_sheet_name = name
        customers = book.sheet(name, "customers")
    if reps_path is not None:
        _check_file(reps_path)
        reps_kind = _kind(reps_path)
        if reps_kind == "csv":
            return customers, read_csv(reps_path, "reps")
        if reps_kind == "html":
            return customers, read_html(reps_path, "reps")
        book = Workbook(reps_path)
        source = reps_path
        customer_sheet_name = None
    elif book is None:  # unreachable: a CSV without --reps was rejected above
        raise InputError(f"{path}: no reps given")
    else:
        source = path
    name = None
    if reps_sheet is None and reps_path is not None and len(book.sheet_names) == 1:
        name = book.sheet_names[0]
    if name is None:
        name = book.find(reps_sheet, REP_SHEETS, "reps", customer_sheet_name)
    if name is None:
        raise InputError(
            f"{source}: no rep sheet (销售 / 销售人员 / Reps); "
            f"sheets: {', '.join(book.sheet_names)}; choose one with --reps-sheet"
        )
    return customers, book.sheet(name, "reps")


# ------------------------------------------------------------------------ columns


class _Columns:
    """Column access and parsing for one sheet, over a chosen subset of its rows."""

    def __init__(self, sheet: Sheet, columns: dict[str, Column], kind: str, lang: str) -> None:
        self.sheet = sheet
        self.columns = columns
        self.kind = kind
        self.lang = lang
        self.errors: list[CellError] = []
        self.keep: list[int] | None = None  # indices of kept rows; None: all rows
        self._kept: dict[str, list[Any]] = {}  # columns over the kept rows, by field
        self.row_numbers = list(range(sheet.first_row, sheet.first_row + sheet.n_rows))

    def header(self, name: str) -> str:
        column = self.columns.get(name)
        return column.header if column is not None else canonical(name, self.kind)

    def raw(self, name: str) -> list[Any] | None:
        column = self.columns.get(name)
        if column is None:
            return None
        values = self.sheet.columns[column.index]  # shared: callers must not modify it
        if self.keep is not None:
            if name not in self._kept:
                self._kept[name] = list(map(values.__getitem__, self.keep))
            values = self._kept[name]
        return values

    def restrict(self, keep: list[int]) -> None:
        """Keep only these positions (into the current subset)."""
        if len(keep) == len(self.row_numbers):
            return
        base = self.keep if self.keep is not None else range(self.sheet.n_rows)
        self.keep = list(map(base.__getitem__, keep))
        self.row_numbers = list(map(self.row_numbers.__getitem__, keep))
        self._kept = {}

    def say(self, zh: str, en: str) -> str:
        return _say(self.lang, zh, en)

    def error(self, position: int, name: str, value: Any, message: str) -> None:
        self.errors.append(
            CellError.of(
                self.sheet.name, self.row_numbers[position], self.header(name), value, message
            )
        )

    def parse(
        self,
        name: str,
        parser: Callable[[Any], T],
        default: T,
        bulk: Callable[[list[Any]], tuple[list[T], list[int]]] | None = None,
    ) -> list[T]:
        """Parse a whole column; empty and bad cells give `default` (bad ones an error).

        Each distinct cell value is parsed once and the column mapped through the result,
        so a million rows of a few hundred regions or intents cost a few C-level passes.
        `bulk`, for columns whose values nearly all differ, parses the well-formed cells
        of the whole column at once and names the positions left for `parser`.
        """
        raw = self.raw(name)
        if raw is None:
            return [default] * len(self.row_numbers)
        if bulk is not None:
            out, rest = bulk(raw)
            if rest:
                parsed = self._parse_values([raw[p] for p in rest], parser, default)
                for p, (value, message) in zip(rest, parsed, strict=True):
                    out[p] = value
                    if message is not None:
                        self.error(p, name, raw[p], message)
            return out
        mapping: dict[Any, T] = {}
        bad: dict[Any, str] = {}
        for value in set(raw):
            mapping[value], message = self._parse_value(value, parser, default)
            if message is not None:
                bad[value] = message
        try:
            out = list(map(mapping.__getitem__, raw))
        except KeyError:  # a value equal to itself only by identity (nan): one by one
            out = [mapping[v] if v in mapping else _parse_one(parser, v, default) for v in raw]
        if bad:
            for position in [p for p, value in enumerate(raw) if value in bad]:
                self.error(position, name, raw[position], bad[raw[position]])
        return out

    def _parse_value(
        self, value: Any, parser: Callable[[Any], T], default: T
    ) -> tuple[T, str | None]:
        if value is None or (
            value.__class__ is str and (not value.strip() or is_placeholder(value))
        ):
            return default, None
        try:
            return parser(value), None
        except BadValueError as exc:
            fallback = default if exc.fallback is None else cast("T", exc.fallback)
            return fallback, exc.message(self.lang)

    def _parse_values(
        self, values: list[Any], parser: Callable[[Any], T], default: T
    ) -> list[tuple[T, str | None]]:
        cache: dict[Any, tuple[T, str | None]] = {}
        out = []
        for value in values:
            if value not in cache:
                cache[value] = self._parse_value(value, parser, default)
            out.append(cache[value])
        return out

    def numbers(self, name: str, *, whole: bool = False) -> FloatArray | None:
        """Fast path for a plain numeric column: ≥ 0, finite, empty cells 0.

        Converted by numpy in one pass; None when any cell needs the full parser (units,
        separators, bad values), which then also reports the bad cells.
        """
        raw = self.raw(name)
        if raw is None:
            return None
        kinds = set(map(type, raw))
        try:
            if kinds <= {str}:  # CSV: Python's float() in C-level maps, "" counted as 0
                filled = cast("Iterator[str]", map(_EMPTY_AS_ZERO.get, raw, raw))
                values = np.fromiter(map(float, filled), np.float64, len(raw))
                empty = np.fromiter(map(not_, raw), np.bool_, len(raw))
            elif kinds <= {str, float, int}:  # a workbook: numbers, and "" for empty cells
                cells = np.array(raw, dtype=object)
                empty = cells == ""
                cells[empty] = 0.0
                values = cells.astype(np.float64)
            else:
                return None
        except (ValueError, TypeError, OverflowError):
            return None
        values = values.reshape(len(raw))
        if not np.isfinite(values).all() or (values < 0).any():
            return None
        if whole and ((values != np.round(values)).any() or (values > 2**31 - 1).any()):
            return None
        values[empty] = 0.0
        return values

    def texts(self, name: str) -> list[str] | None:
        """A column as stripped text (ids and names), fast when the cells are strings."""
        raw = self.raw(name)
        if raw is None:
            return None
        if set(map(type, raw)) <= {str}:
            return list(map(str.strip, raw))
        return [text_of(v) if v is not None else "" for v in raw]


def _parse_one(parser: Callable[[Any], T], value: Any, default: T) -> T:
    try:
        return parser(value)
    except (BadValueError, TypeError, ValueError):
        return default


def _required(sheet: Sheet, columns: dict[str, Column], field_name: str, kind: str) -> None:
    if field_name not in columns:
        header = canonical(field_name, kind)
        english = "customer name" if kind == "customers" else "rep name"
        raise InputError(
            f"sheet {sheet.name}: missing required column {header} ({english}); "
            f"headers found: {', '.join(h for h in sheet.headers if h) or '(none)'}"
        )


_TOTALS = frozenset(("合计", "总计", "小计", "共计", "总和", "total", "totals", "subtotal", "sum"))
_NOTE_PREFIXES = ("注:", "备注:", "说明:", "注意:", "填表说明", "制表", "数据来源", "note:")
# The same, as people type them (checked on every name, so without normalising first).
_TOTALS_AS_TYPED = frozenset(
    (
        *_TOTALS,
        *(t + c for t in _TOTALS for c in (":", "：")),
        *("合 计", "总 计", "小 计", "Total", "TOTAL", "Sum", "SUM", "Subtotal"),
    )
)
_NOTE_PREFIXES_AS_TYPED = (
    *_NOTE_PREFIXES,
    *(p.replace(":", "：") for p in _NOTE_PREFIXES),
    "Note:",
    "NOTE:",
)


_NOTE_LINE = re.compile(
    "^(?:" + "|".join(map(re.escape, _NOTE_PREFIXES_AS_TYPED)) + ")", re.MULTILINE
)


def _row_problem(cols: _Columns, position: int, name: str) -> str | None:
    """Why a row with this name is no record: a note, totals or repeated header row; None
    when it is a record."""
    if name == cols.header("name"):
        texts = _header_texts(cols.sheet.row(position))
        if len(map_headers(texts, cols.kind)) >= 2:
            return cols.say("重复的表头行，未导入", "a repeated header row, not a record; skipped")
    key = halfwidth(name).lower().replace(" ", "").rstrip(":")
    if key in _TOTALS:
        return cols.say("合计行，未导入", "a totals row, not a record; skipped")
    if key.startswith(_NOTE_PREFIXES):
        row = cols.sheet.row(position)
        if sum(v is not None and v != "" for v in row) == 1:
            return cols.say("说明文字，未导入", "a note, not a record; skipped")
    return None


def _keys(cols: _Columns, what: str, *, repeated_keys: bool = False) -> tuple[list[str], list[str]]:
    """Drop nameless rows and note or totals rows, compute keys, drop rows with a repeated
    key: (names, keys). Runs before any other column is read: positions are sheet rows.

    With `repeated_keys` rows with a repeated key are kept (an import merges them)."""
    names = cols.texts("name") or []
    # Checked on the whole column at once: a set and one regex pass in the usual case.
    present = set(names)
    odd = present & (_TOTALS_AS_TYPED | PLACEHOLDERS | {"", cols.header("name")})
    noted = _NOTE_LINE.search("\n".join(names)) is not None
    suspicious: list[int] = list(cols.sheet.note_rows)
    if odd or noted:
        suspicious += [
            p
            for p, n in enumerate(names)
            if n in odd or (noted and n.startswith(_NOTE_PREFIXES_AS_TYPED))
        ]
    if suspicious:
        name_header = cols.header("name")
        raw_names = cols.raw("name") or []
        drop: set[int] = set()
        label = name_header.strip("*").strip()
        for position in sorted(set(suspicious)):
            name, value = names[position], raw_names[position]
            if position in cols.sheet.note_rows:
                problem = cols.say(
                    "整行合并的说明行，未导入",
                    "a note merged across the row, not a record; skipped",
                )
                value = next((v for v in cols.sheet.row(position) if v not in (None, "")), "")
            elif name and not is_placeholder(name):
                why = _row_problem(cols, position, name)
                if why is None:
                    continue
                problem = why
            elif _blank([cols.sheet.columns[c.index][position] for c in cols.columns.values()]):
                drop.add(position)  # blank but for unknown columns (序号 …): nothing to say
                continue
            else:
                problem = cols.say(f"缺少{label}，此行未导入", f"{what} name missing, row skipped")
            drop.add(position)
            cols.errors.append(
                CellError.of(
                    cols.sheet.name, cols.row_numbers[position], name_header, value, problem
                )
            )
        if drop:
            keep = [p for p in range(len(names)) if p not in drop]
            names = [names[i] for i in keep]
            cols.restrict(keep)
    keys = cols.texts("key")
    if keys is None:
        keys = list(map(str, cols.row_numbers)) if what == "customer" else list(names)
    elif "" in keys:
        fallback = list(map(str, cols.row_numbers)) if what == "customer" else names
        keys = [key or fallback[position] for position, key in enumerate(keys)]
    if repeated_keys or len(set(keys)) == len(keys):
        return names, keys
    seen: dict[str, int] = {}
    unique: list[int] = []
    key_header = cols.header("key") if "key" in cols.columns else cols.header("name")
    for position, key in enumerate(keys):
        first = seen.setdefault(key, position)
        if first == position:
            unique.append(position)
        else:
            cols.errors.append(
                CellError.of(
                    cols.sheet.name,
                    cols.row_numbers[position],
                    key_header,
                    key,
                    cols.say(
                        f"编号与第{cols.row_numbers[first]}行重复，此行未导入",
                        f"duplicate key (same as row {cols.row_numbers[first]}), row skipped",
                    ),
                )
            )
    keys = [keys[i] for i in unique]
    names = [names[i] for i in unique]
    cols.restrict(unique)
    return names, keys


# --------------------------------------------------------------------- customers


@dataclass(slots=True)
class _CustomerColumns:
    keys: list[str]
    names: list[str]
    region: list[str]
    city: list[str]
    industry: list[str]
    products: list[frozenset[str]]
    potential_value: list[float] | FloatArray
    intent: list[int]
    deal_count: list[int]
    deal_amount: list[float] | FloatArray
    last_deal: list[date | None]
    is_new: list[bool | None]
    owner_text: list[str]
    locked: list[bool]
    contacts: list[str]
    phones: list[str]
    emails: list[str]
    credit_codes: list[str]
    rows: list[int]


def _region(value: Any) -> tuple[str, str]:
    return split_region(text_of(value))


_PLACES = ("region", "city", "address")


def _locations(cols: _Columns) -> tuple[list[str], list[str]]:
    """(province, city) of every row, from the 地区, 城市 and 地址 columns there are."""
    present = [name for name in _PLACES if name in cols.columns]
    n = len(cols.row_numbers)
    if not present:
        return [""] * n, [""] * n
    if len(present) == 1:
        pairs = cols.parse(present[0], _region, ("", ""))
        return [p for p, _ in pairs], [c for _, c in pairs]
    columns = [cols.raw(name) or [] for name in present]
    combos = list(zip(*columns, strict=True))
    resolved: dict[tuple[Any, ...], tuple[tuple[str, str], tuple[int, str] | None]] = {
        combo: _locate(present, combo, cols) for combo in set(combos)
    }
    out = list(map(resolved.__getitem__, combos))
    for position, (_, problem) in enumerate(out):
        if problem is not None:
            at, message = problem
            cols.error(position, present[at], combos[position][at], message)
    return [p for (p, _), _ in out], [c for (_, c), _ in out]


def _locate(
    names: list[str], values: tuple[Any, ...], cols: _Columns
) -> tuple[tuple[str, str], tuple[int, str] | None]:
    """One row's place from several columns: ((province, city), (column, error) or None).

    地区 + 城市 are read together (广东 + 深圳); a column that names no place is passed
    over when another one does; a city outside the 地区's province is reported.
    """
    texts = {
        name: text_of(v)
        for name, v in zip(names, values, strict=True)
        if v is not None and v != "" and not is_placeholder(v) and text_of(v)
    }
    if not texts:
        return ("", ""), None
    found: dict[str, tuple[str, str]] = {}
    first_error: tuple[int, str] | None = None
    for name, text in texts.items():
        try:
            found[name] = split_region(text)
        except BadValueError as exc:
            if first_error is None:
                first_error = (names.index(name), exc.message(cols.lang))
    if not found:
        return ("", ""), first_error
    if "region" in found and "city" in texts:
        try:
            joined = split_region(texts["region"] + texts["city"])
        except BadValueError:  # pragma: no cover - the region alone resolved
            joined = found["region"]
        if joined[1]:
            return joined, None
    province = next(iter(found.values()))[0]
    cities = [c for p, c in found.values() if p == province and c]
    city = cities[0] if cities else ""
    other = [p for p, _ in found.values() if p != province]
    if other and "city" in found and found["city"][0] != province:
        message = cols.say(
            f"城市不在{province}，已按{province}处理",
            f"this city is not in {province}; {province} is used",
        )
        return (province, city), (names.index("city"), message)
    return (province, city), None


def _texts(cols: _Columns, name: str) -> list[str]:
    texts = cols.texts(name)
    return texts if texts is not None else [""] * len(cols.row_numbers)


def _amounts(cols: _Columns, name: str, factor: float) -> list[float] | FloatArray:
    fast = cols.numbers(name)
    if fast is not None:
        return fast * factor if factor != 1.0 else fast
    return cols.parse(name, lambda value: parse_amount(value, factor), 0.0)


def _counts(cols: _Columns, name: str) -> list[int]:
    fast = cols.numbers(name, whole=True)
    if fast is not None:
        counts: list[int] = fast.astype(np.int64).tolist()
        return counts
    return cols.parse(name, parse_count, 0)


def _product_set(value: Any) -> frozenset[str]:
    return frozenset(parse_list(value))


def _intent(value: Any) -> int:
    return int(parse_intent(value))


def _parse_customers(
    sheet: Sheet, lang: str, *, repeated_keys: bool = False
) -> tuple[_CustomerColumns, _Columns]:
    columns = map_headers(sheet.headers, "customers")
    _required(sheet, columns, "name", "customers")
    cols = _Columns(sheet, columns, "customers", lang)
    names, keys = _keys(cols, "customer", repeated_keys=repeated_keys)
    region, city = _locations(cols)
    value_factor = columns["potential_value"].factor if "potential_value" in columns else 1.0
    amount_factor = columns["deal_amount"].factor if "deal_amount" in columns else 1.0
    parsed = _CustomerColumns(
        keys=keys,
        names=names,
        region=region,
        city=city,
        industry=_texts(cols, "industry"),
        products=cols.parse("products", _product_set, frozenset()),
        potential_value=_amounts(cols, "potential_value", value_factor),
        intent=cols.parse("intent", _intent, int(Intent.UNKNOWN)),
        deal_count=_counts(cols, "deal_count"),
        deal_amount=_amounts(cols, "deal_amount", amount_factor),
        last_deal=cols.parse("last_deal", parse_date, None),
        is_new=cols.parse("customer_type", parse_customer_type, None),
        owner_text=_texts(cols, "owner"),
        locked=cols.parse("locked", parse_yes_no, False),
        contacts=_texts(cols, "contact"),
        phones=cols.parse("phone", parse_phone, "", phones_bulk),
        emails=cols.parse("email", parse_email, "", emails_bulk),
        credit_codes=cols.parse("credit_code", parse_credit_code, "", credit_codes_bulk),
        rows=cols.row_numbers,
    )
    return parsed, cols


# -------------------------------------------------------------------------- reps

_NON_SPACE_SEPARATORS = re.compile(r"[、，,;；/|+\n]+")


def _territory_items(value: Any) -> list[str]:
    """The items of a 负责地区 cell: split on 、，,;；/ and spaces, but "Inner Mongolia"
    (a name with a space in it) stays whole."""
    items: list[str] = []
    for part in _NON_SPACE_SEPARATORS.split(halfwidth(text_of(value))):
        chunk = part.strip()
        if not chunk:
            continue
        if " " in chunk and chunk.isascii():
            try:
                territory_of(chunk)
            except BadValueError:
                pass
            else:
                items.append(chunk)
                continue
        items.extend(parse_list(chunk))
    return items


def _regions(value: Any) -> tuple[frozenset[str], list[str]]:
    """Territory cell → (provinces and cities, unrecognised items)."""
    found: set[str] = set()
    bad: list[str] = []
    for item in _territory_items(value):
        try:
            found.add(territory_of(item))
        except BadValueError:
            bad.append(item)
    return frozenset(found), bad


def _parse_reps(sheet: Sheet, lang: str) -> tuple[list[Rep], list[CellError]]:
    reps, cols = _parse_rep_columns(sheet, lang)
    return reps, cols.errors


def _parse_rep_columns(sheet: Sheet, lang: str) -> tuple[list[Rep], _Columns]:
    columns = map_headers(sheet.headers, "reps")
    _required(sheet, columns, "name", "reps")
    cols = _Columns(sheet, columns, "reps", lang)
    names, keys = _keys(cols, "rep")
    no_regions: tuple[frozenset[str], list[str]] = (frozenset(), [])
    territory = cols.parse("regions", _regions, no_regions)
    region_header = cols.header("regions")
    raw_regions = cols.raw("regions")
    for position, (_, bad) in enumerate(territory):
        if bad and raw_regions is not None:
            cols.errors.append(
                CellError.of(
                    sheet.name,
                    cols.row_numbers[position],
                    region_header,
                    raw_regions[position],
                    cols.say(
                        f"无法识别的地区：{'、'.join(bad)}", f"unknown region(s): {', '.join(bad)}"
                    ),
                )
            )
    teams = cols.parse("team", text_of, "")
    empty: tuple[str, ...] = ()
    industries = cols.parse("industries", parse_list, empty)
    products = cols.parse("products", parse_list, empty)
    levels = cols.parse("level", parse_level, Level.MID)
    capacities: list[int | None] = cols.parse("capacity", parse_count, None)
    active = cols.parse("active", parse_active, True)
    loads = cols.parse("existing_load", parse_count, 0)
    reps = [
        Rep(
            key=keys[i],
            name=names[i],
            team=teams[i],
            regions=territory[i][0],
            industries=frozenset(industries[i]),
            products=frozenset(products[i]),
            level=levels[i],
            capacity=capacities[i],
            existing_load=loads[i],
            active=active[i],
        )
        for i in range(len(keys))
    ]
    return reps, cols


# ------------------------------------------------------------------------ owners


def _resolve_owners(
    parsed: _CustomerColumns,
    *,
    reps: list[Rep],
    sheet: str,
    header: str,
    lock_header: str,
    lang: str,
) -> tuple[list[str], list[bool], list[CellError]]:
    """现负责人 (a 工号 or a name) → rep key; unknown or ambiguous owners are reported."""
    by_name: dict[str, str | None] = {}
    for rep in reps:
        by_name[rep.name] = None if rep.name in by_name else rep.key  # None: ambiguous
    resolved: dict[str, str] = {"": ""}
    problems: dict[str, str] = {}
    keys = {rep.key for rep in reps}
    for text in set(parsed.owner_text) - {""}:
        if text in keys:
            resolved[text] = text
        elif by_name.get(text) is not None:
            resolved[text] = by_name[text] or ""
        elif (found := _owner_in_parts(text, keys, by_name)) is not None:
            resolved[text] = found
        else:
            resolved[text] = ""
            problems[text] = (
                _say(
                    lang,
                    "销售名单中有重名，请填写工号",
                    "several reps have this name; use the 工号",
                )
                if text in by_name
                else _say(lang, "不在销售名单中", "not found among the reps")
            )
    owners = list(map(resolved.__getitem__, parsed.owner_text))
    errors: list[CellError] = []
    if problems:
        for position, text in enumerate(parsed.owner_text):
            if text in problems:
                errors.append(
                    CellError.of(sheet, parsed.rows[position], header, text, problems[text])
                )
    locked = parsed.locked
    if True in locked:
        locked = list(locked)
        for position, is_locked in enumerate(locked):
            if is_locked and not owners[position]:
                errors.append(
                    CellError.of(
                        sheet,
                        parsed.rows[position],
                        lock_header,
                        "是",
                        _say(
                            lang,
                            "锁定的客户需要现负责人，已忽略锁定",
                            "a locked customer needs an owner; lock ignored",
                        ),
                    )
                )
                locked[position] = False
    return owners, locked, errors


_OWNER_PARTS = re.compile(r"[\s()（）\[\]【】/、,，;；:：\-]+")


def _owner_in_parts(text: str, keys: set[str], by_name: dict[str, str | None]) -> str | None:
    """张伟(S001), S001 张伟, 张伟/S001: the rep when the parts name exactly one."""
    found = set()
    for part in _OWNER_PARTS.split(text):
        if part in keys:
            found.add(part)
        elif by_name.get(part) is not None:
            found.add(by_name[part] or "")
    return found.pop() if len(found) == 1 else None


def _codes(values: list[str]) -> tuple[IntArray, list[str]]:
    """Like the engine's own coding: sorted vocabulary, "" → -1; one C-level pass."""
    vocab = sorted(set(values) - {""})
    index = {v: i for i, v in enumerate(vocab)}
    index[""] = -1
    codes = np.fromiter(map(index.__getitem__, values), np.int32, len(values))
    return codes, vocab


def _customer_table(
    parsed: _CustomerColumns, owners: list[str], locked: list[bool]
) -> CustomerTable:
    """`CustomerTable.from_columns` for a million rows: the same table, built column-wise.

    (A test checks that both give identical tables.)
    """
    n = len(parsed.keys)
    region, regions = _codes(parsed.region)
    industry, industries = _codes(parsed.industry)
    set_vocab = sorted(set(parsed.products), key=sorted)
    set_index = {s: i for i, s in enumerate(set_vocab)}
    epoch = date(1970, 1, 1).toordinal()
    day_of: dict[date | None, int] = {
        d: d.toordinal() - epoch for d in set(parsed.last_deal) if d is not None
    }
    day_of[None] = -1
    new_of: dict[bool | None, int] = {None: -1, True: 1, False: 0}
    return CustomerTable(
        keys=parsed.keys,
        names=parsed.names,
        region=region,
        regions=regions,
        city=parsed.city,
        industry=industry,
        industries=industries,
        product_set=np.fromiter(map(set_index.__getitem__, parsed.products), np.int32, n),
        product_sets=set_vocab,
        potential_value=np.asarray(parsed.potential_value, dtype=np.float64).reshape(n),
        intent=np.asarray(parsed.intent, dtype=np.int8).reshape(n),
        deal_count=np.asarray(parsed.deal_count, dtype=np.int32).reshape(n),
        deal_amount=np.asarray(parsed.deal_amount, dtype=np.float64).reshape(n),
        last_deal_day=np.fromiter(map(day_of.__getitem__, parsed.last_deal), np.int64, n),
        is_new=np.fromiter(map(new_of.__getitem__, parsed.is_new), np.int8, n),
        owner=owners,
        locked=np.asarray(locked, dtype=np.bool_).reshape(n),
    )


# -------------------------------------------------------------------------- book


def read_book(
    path: str | Path,
    reps_path: str | Path | None = None,
    *,
    sheet: str | None = None,
    reps_sheet: str | None = None,
    lang: str = "zh",
) -> Book:
    """Read customers and reps; raise `InputError` when the input is unusable.

    `lang` ("zh" or "en") is the language of the cell error messages.
    """
    with _no_gc(), _limits_in(lang):
        return _read_book(
            path, reps_path, sheet=sheet, reps_sheet=reps_sheet, lang="en" if lang == "en" else "zh"
        )


@contextmanager
def _limits_in(lang: str) -> Iterator[None]:
    """A cap's refusal worded in the reader's language."""
    try:
        yield
    except LimitError as exc:
        raise exc.in_language(lang) from None


@contextmanager
def _no_gc() -> Iterator[None]:
    """Millions of new lists and tuples would trigger the cycle collector over and over."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_book(
    path: str | Path,
    reps_path: str | Path | None,
    *,
    sheet: str | None,
    reps_sheet: str | None,
    lang: str,
) -> Book:
    customer_sheet, rep_sheet = load_sheets(
        Path(path),
        Path(reps_path) if reps_path is not None else None,
        sheet=sheet,
        reps_sheet=reps_sheet,
    )
    reps, rep_errors = _parse_reps(rep_sheet, lang)
    parsed, cols = _parse_customers(customer_sheet, lang)
    customer_errors = cols.errors
    owners, locked, owner_errors = _resolve_owners(
        parsed,
        reps=reps,
        sheet=customer_sheet.name,
        header=cols.header("owner"),
        lock_header=cols.header("locked"),
        lang=lang,
    )
    errors = sorted(
        customer_errors + owner_errors,
        key=lambda e: (
            e.row,
            customer_sheet.headers.index(e.column)
            if e.column in customer_sheet.headers
            else sys.maxsize,
        ),
    )
    errors += sorted(
        rep_errors,
        key=lambda e: (
            e.row,
            rep_sheet.headers.index(e.column) if e.column in rep_sheet.headers else sys.maxsize,
        ),
    )
    table = _customer_table(parsed, owners, locked)
    return Book(
        customers=table,
        reps=reps,
        errors=errors,
        rows=parsed.rows,
        contacts=parsed.contacts,
        phones=parsed.phones,
        emails=parsed.emails,
        credit_codes=parsed.credit_codes,
        customer_sheet=customer_sheet.name,
        rep_sheet=rep_sheet.name,
    )


# ------------------------------------------------------- import into a database
#
# The web import writes the rows into stored records, where an empty or bad cell must not
# overwrite what is already known: so besides the values it needs, per column, which
# cells held a usable value, and the header mapping to show the user before confirming.


@dataclass(slots=True)
class RepRows:
    """The reps of a rep sheet, column by column, for an import."""

    sheet: str
    columns: dict[str, str]  # field → header as written, for the columns found
    ignored: list[str]  # headers that name no known column
    rows: list[int]
    keys: list[str]  # 工号; the name when the sheet has no 工号 column
    names: list[str]
    teams: list[str]
    regions: list[list[str]]
    industries: list[list[str]]
    products: list[list[str]]
    level: list[int]
    capacity: list[int | None]
    status: list[str]  # "active", "on_leave" or "departed"
    filled: dict[str, list[bool]]  # field → the cell held a usable value
    errors: list[CellError]


@dataclass(slots=True)
class CustomerRows:
    """The customers of one sheet, column by column, for an import.

    Rows with the same 客户编号 are all kept (the import merges them); a row without a
    name, or a note or totals row, is reported and left out, as in `read_book`.
    """

    sheet: str
    columns: dict[str, str]  # field → header as written, for the columns found
    ignored: list[str]  # headers that name no known column
    rows: list[int]  # Excel row of each customer
    keys: list[str]  # 客户编号 as written; "" when the row (or the sheet) has none
    names: list[str]
    region: list[str]  # province short name
    city: list[str]
    address: list[str]
    industry: list[str]
    products: list[list[str]]
    potential_value: list[float]
    intent: list[int]
    deal_count: list[int]
    deal_amount: list[float]
    last_deal: list[date | None]
    is_new: list[bool | None]
    owner_text: list[str]  # 现负责人 as written: a 工号, a name or both
    locked: list[bool]
    contacts: list[str]
    phones: list[str]
    emails: list[str]
    credit_codes: list[str]
    filled: dict[str, list[bool]]  # field → the cell held a usable value
    errors: list[CellError]
    skipped_rows: int  # rows reported and left out (no name, notes, totals)
    reps: RepRows | None = None


# What a 在岗 cell says when the rep has left for good, not just for now.
_DEPARTED = frozenset(("离职", "已离职", "离岗", "辞职", "departed", "left", "resigned"))
# A 地区 cell holding a street address rather than just a place.
_STREET = re.compile(r"[路街道巷弄号栋楼室]|\d")


def read_customer_rows(
    path: str | Path,
    *,
    sheet: str | None = None,
    with_reps: bool = True,
    lang: str = "zh",
) -> CustomerRows:
    """Read the customers of a workbook or CSV / TSV file for an import; no rep sheet is
    needed. With `with_reps`, a rep sheet named as usual (销售 / 销售人员 / Reps …) in the
    same workbook is read too. Raises `InputError` when the input is unusable."""
    lang = "en" if lang == "en" else "zh"
    with _no_gc(), _limits_in(lang):
        customer_sheet, rep_sheet = _import_sheets(Path(path), sheet, with_reps)
        parsed, cols = _parse_customers(customer_sheet, lang, repeated_keys=True)
        reps = _rep_rows(rep_sheet, lang) if rep_sheet is not None else None
    return _customer_rows(customer_sheet, parsed, cols, reps)


def resolve_owner(text: str, keys: set[str], by_name: dict[str, str | None]) -> str | None:
    """The rep key a 现负责人 cell names: a 工号, a name (`by_name` maps a name to its key,
    or to None when several reps share it), or both (张伟(S001)); None when unknown."""
    if text in keys:
        return text
    key = by_name.get(text)
    if key is not None:
        return key
    return _owner_in_parts(text, keys, by_name)


def _import_sheets(path: Path, wanted: str | None, with_reps: bool) -> tuple[Sheet, Sheet | None]:
    _check_file(path)
    kind = _kind(path)
    if kind == "csv":
        return read_csv(path, "customers"), None
    if kind == "html":
        return read_html(path, "customers"), None
    book = Workbook(path)
    rep_name = book.find(None, REP_SHEETS, "reps", named_only=True) if wanted is None else None
    name = book.find(wanted, CUSTOMER_SHEETS, "customers", rep_name)
    if name is None:
        raise InputError(
            f"{path}: no customer sheet (客户 / 客户列表 / Customers); "
            f"sheets: {', '.join(book.sheet_names)}"
        )
    customers = book.sheet(name, "customers")
    if not with_reps:
        return customers, None
    if rep_name is None:
        rep_name = book.find(None, REP_SHEETS, "reps", name, named_only=True)
    if rep_name is None or rep_name == name:
        return customers, None
    return customers, book.sheet(rep_name, "reps")


def _bad_cells(errors: Sequence[CellError]) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in errors}


def _filled(cols: _Columns, name: str, bad: set[tuple[int, str]]) -> list[bool]:
    """Per row: the cell of this column held a value that was read (not empty, not a
    placeholder such as "-", not reported as bad)."""
    raw = cols.raw(name)
    if raw is None:
        return [False] * len(cols.row_numbers)
    header = cols.header(name)
    return [
        not (value is None or value == "" or is_placeholder(value))
        and not (value.__class__ is str and not value.strip())
        and (row, header) not in bad
        for row, value in zip(cols.row_numbers, raw, strict=True)
    ]


def _addresses(cols: _Columns, region: list[str]) -> list[str]:
    """The 地址 column; without one, a 地区 cell that holds a street address (上海市浦东新区
    张江路88号): people often keep the whole address there, and it is worth keeping."""
    texts = cols.texts("address")
    if texts is not None:
        return texts
    raw = cols.raw("region")
    if raw is None:
        return [""] * len(region)
    out = []
    for value, province in zip(raw, region, strict=True):
        text = text_of(value) if value is not None and value != "" else ""
        out.append(text if province and _STREET.search(text) else "")
    return out


def _customer_rows(
    sheet: Sheet, parsed: _CustomerColumns, cols: _Columns, reps: RepRows | None
) -> CustomerRows:
    errors = sorted(
        cols.errors,
        key=lambda e: (
            e.row,
            sheet.headers.index(e.column) if e.column in sheet.headers else sys.maxsize,
        ),
    )
    bad = _bad_cells(errors)
    filled = {name: _filled(cols, name, bad) for name in cols.columns}
    # A place is filled when it named a province, whichever columns it came from.
    located = [bool(p) for p in parsed.region]
    for name in ("region", "city"):
        if name in filled:
            filled[name] = located
    address = _addresses(cols, parsed.region)
    if "address" in filled or any(address):
        filled["address"] = [bool(a) for a in address]
    kept = set(parsed.rows)
    skipped = len({e.row for e in errors} - kept)
    mapped = {c.index for c in cols.columns.values()}
    return CustomerRows(
        sheet=sheet.name,
        columns={name: column.header for name, column in cols.columns.items()},
        ignored=[h for i, h in enumerate(sheet.headers) if h and i not in mapped],
        rows=parsed.rows,
        keys=cols.texts("key") or [""] * len(parsed.rows),
        names=parsed.names,
        region=parsed.region,
        city=parsed.city,
        address=address,
        industry=parsed.industry,
        products=[sorted(p) for p in parsed.products],
        potential_value=[float(v) for v in parsed.potential_value],
        intent=[int(v) for v in parsed.intent],
        deal_count=[int(v) for v in parsed.deal_count],
        deal_amount=[float(v) for v in parsed.deal_amount],
        last_deal=parsed.last_deal,
        is_new=parsed.is_new,
        owner_text=parsed.owner_text,
        locked=parsed.locked,
        contacts=parsed.contacts,
        phones=parsed.phones,
        emails=parsed.emails,
        credit_codes=parsed.credit_codes,
        filled=filled,
        errors=errors,
        skipped_rows=skipped,
        reps=reps,
    )


def _rep_rows(sheet: Sheet, lang: str) -> RepRows:
    reps, cols = _parse_rep_columns(sheet, lang)
    errors = sorted(
        cols.errors,
        key=lambda e: (
            e.row,
            sheet.headers.index(e.column) if e.column in sheet.headers else sys.maxsize,
        ),
    )
    bad = _bad_cells(errors)
    filled = {name: _filled(cols, name, bad) for name in cols.columns}
    # A 负责地区 cell with one unknown item still names the others.
    if "regions" in filled:
        filled["regions"] = [bool(r.regions) for r in reps]
    raw_active = cols.raw("active")
    status = []
    for position, rep in enumerate(reps):
        if rep.active:
            status.append("active")
            continue
        said = halfwidth(text_of(raw_active[position])).lower() if raw_active else ""
        status.append("departed" if said.replace(" ", "") in _DEPARTED else "on_leave")
    mapped = {c.index for c in cols.columns.values()}
    return RepRows(
        sheet=sheet.name,
        columns={name: column.header for name, column in cols.columns.items()},
        ignored=[h for i, h in enumerate(sheet.headers) if h and i not in mapped],
        rows=cols.row_numbers,
        keys=[r.key for r in reps],
        names=[r.name for r in reps],
        teams=[r.team for r in reps],
        regions=[sorted(r.regions) for r in reps],
        industries=[sorted(r.industries) for r in reps],
        products=[sorted(r.products) for r in reps],
        level=[int(r.level) for r in reps],
        capacity=[r.capacity for r in reps],
        status=status,
        filled=filled,
        errors=errors,
    )
