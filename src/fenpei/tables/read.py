"""Reading a tidy customer book: an .xlsx workbook (sheets 客户 and 销售) or a CSV pair.

    book = read_book("book.xlsx")
    book = read_book("customers.csv", reps_path="reps.csv")

The result holds the customers as an engine `CustomerTable`, the reps as engine `Rep`s,
the contact columns the engine does not use, and one `CellError` per bad cell. A bad
optional cell is reported and its row kept with the default value; a row without a
customer name (or with a repeated 客户编号) is reported and left out. Input that cannot
be used at all raises `InputError`.

Columns are parsed one at a time over the whole sheet, with repeated values (regions,
industries, product lists, intents …) parsed once: a million rows read in seconds.
"""

from __future__ import annotations

import csv
import gc
import io
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from operator import methodcaller, not_
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np

from fenpei.engine.model import (
    NATIONWIDE,
    CustomerTable,
    FloatArray,
    IntArray,
    Intent,
    Level,
    Rep,
)
from fenpei.tables.errors import CellError, InputError
from fenpei.tables.headers import Column, canonical, map_headers
from fenpei.tables.regions import is_nationwide, split_region
from fenpei.tables.values import (
    BadValueError,
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
    text_of,
)

T = TypeVar("T")

_EMPTY_AS_ZERO = {"": "0"}
EXCEL_SUFFIXES = frozenset((".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"))
CSV_SUFFIXES = frozenset((".csv", ".txt", ".tsv"))
CUSTOMER_SHEETS = ("客户", "客户列表", "客户表", "客户信息", "客户名单", "customers", "customer")
REP_SHEETS = ("销售", "销售人员", "销售列表", "销售团队", "销售表", "reps", "rep", "sales")


@dataclass(slots=True)
class Sheet:
    """Raw cells of one sheet, by column: the header row and the cells below it."""

    name: str
    headers: list[str]
    columns: list[list[Any]]  # one list per header position, all of length n_rows
    first_row: int  # the Excel row number of the first data row
    n_rows: int

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


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return "excel"
    if suffix in CSV_SUFFIXES:
        return "csv"
    raise InputError(f"{path}: unsupported file type {suffix or '(none)'}; use .xlsx or .csv")


def _blank(row: Sequence[Any]) -> bool:
    return all(v is None or v == "" for v in row)


def _sheet_from_rows(name: str, rows: list[list[Any]], first_row: int) -> Sheet:
    """Split off the header (the first row that is not blank) and turn rows into columns."""
    skipped = 0
    while skipped < len(rows) and _blank(rows[skipped]):
        skipped += 1
    if skipped == len(rows):
        raise InputError(f"sheet {name} is empty")
    headers = [text_of(v) if v is not None else "" for v in rows[skipped]]
    data = rows[skipped + 1 :]
    del rows
    width = max(len(headers), max(map(len, data), default=0))
    if data and min(map(len, data)) < width:  # ragged CSV: pad short rows
        data = [r if len(r) == width else [*r, *([""] * (width - len(r)))] for r in data]
    headers += [""] * (width - len(headers))
    columns = [list(column) for column in zip(*data, strict=True)] if data else []
    if not columns:
        columns = [[] for _ in range(width)]
    return Sheet(name, headers, columns, first_row + skipped + 1, len(data))


def read_csv(path: Path) -> Sheet:
    """A CSV file as a sheet named after the file. UTF-8 (with or without BOM) or GB18030."""
    _check_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {_one_line(exc)}") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(f"cannot read {path}: not UTF-8 or GB18030 text")
    first = text[: text.find("\n")] if "\n" in text else text
    delimiter = "\t" if "\t" in first and "," not in first else ","
    sheet = _plain_csv(path.name, text, delimiter, data if encoding == "utf-8-sig" else None)
    if sheet is not None:
        return sheet
    return _sheet_from_rows(path.name, _csv_rows(text, delimiter), 1)


def _plain_csv(name: str, text: str, delimiter: str, utf8: bytes | None) -> Sheet | None:
    """The usual export (no quotes, same field count on every line) split in bulk, by column.

    One `split` over the whole text and a strided slice per column: no Python work per row.
    Returns None when the text needs the csv module.
    """
    if '"' in text:
        return None
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
    if not _same_field_count(text, delimiter, width, utf8):
        return None
    cells = text.replace("\n", delimiter).split(delimiter)
    headers = [h.strip() for h in cells[:width]]
    columns = [cells[width + j :: width] for j in range(width)]
    return Sheet(name, headers, columns, 2, len(columns[0]))


def _same_field_count(text: str, delimiter: str, width: int, utf8: bytes | None) -> bool:
    """Every line holds width − 1 delimiters.

    Counted with numpy on the UTF-8 bytes when we have them (a delimiter or newline byte
    never occurs inside a multi-byte character), else line by line.
    """
    if utf8 is None:
        counts = set(map(methodcaller("count", delimiter), text.split("\n")))
        return counts == {width - 1}
    start = 3 if utf8.startswith(b"\xef\xbb\xbf") else 0
    stop = len(utf8)
    while stop > start and utf8[stop - 1] == 10:  # trailing newlines, as the text was stripped
        stop -= 1
    raw = np.frombuffer(utf8, dtype=np.uint8)[start:stop]
    ends = np.append(np.flatnonzero(raw == 10), len(raw))
    delimiters = np.flatnonzero(raw == ord(delimiter))
    per_line = np.diff(np.searchsorted(delimiters, ends), prepend=0)
    return bool((per_line == width - 1).all())


def _csv_rows(text: str, delimiter: str) -> list[list[Any]]:
    if '"' not in text:  # nothing quoted (the usual export): plain splits are exact
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return [line.split(delimiter) for line in lines]
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(f"not a readable CSV file: {_one_line(exc)}") from None


def _norm_sheet(name: str) -> str:
    return name.strip().lower()


class Workbook:
    """An open Excel workbook; sheets are read on demand."""

    def __init__(self, path: Path) -> None:
        _check_file(path)
        from python_calamine import CalamineWorkbook  # noqa: PLC0415 (startup cost)

        self.path = path
        try:
            self._book = CalamineWorkbook.from_path(str(path))
            self.sheet_names: list[str] = list(self._book.sheet_names)
        except Exception as exc:  # calamine raises its own error types, zip and XML errors
            raise InputError(f"cannot read {path}: {_one_line(exc)}") from None

    def find(self, wanted: str | None, candidates: Sequence[str], what: str) -> str | None:
        if wanted is not None:
            for name in self.sheet_names:
                if name == wanted or _norm_sheet(name) == _norm_sheet(wanted):
                    return name
            raise InputError(
                f"{self.path}: no sheet named {wanted}; sheets: {', '.join(self.sheet_names)}"
            )
        by_norm = {_norm_sheet(n): n for n in self.sheet_names}
        for candidate in candidates:
            if candidate in by_norm:
                return by_norm[candidate]
        return None

    def sheet(self, name: str) -> Sheet:
        try:
            ws = self._book.get_sheet_by_name(name)
            rows = ws.to_python(skip_empty_area=True)
            start_row = int(ws.start[0]) if ws.start is not None else 0
        except Exception as exc:
            raise InputError(f"cannot read sheet {name} of {self.path}: {_one_line(exc)}") from None
        if not rows:
            raise InputError(f"sheet {name} of {self.path} is empty")
        return _sheet_from_rows(name, rows, start_row + 1)


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
    if _kind(path) == "csv":
        _check_file(path)
        if reps_path is None:
            raise InputError(f"{path} is a CSV file: give the reps with --reps REPS.csv")
        customers = read_csv(path)
    else:
        book = Workbook(path)
        name = book.find(sheet, CUSTOMER_SHEETS, "customer")
        if name is None and reps_path is not None and len(book.sheet_names) == 1:
            name = book.sheet_names[0]
        if name is None:
            raise InputError(
                f"{path}: no customer sheet (客户 / 客户列表 / Customers); "
                f"sheets: {', '.join(book.sheet_names)}; choose one with --sheet"
            )
        customers = book.sheet(name)
    if reps_path is not None:
        if _kind(reps_path) == "csv":
            return customers, read_csv(reps_path)
        book = Workbook(reps_path)
        source = reps_path
    elif book is None:  # unreachable: a CSV without --reps was rejected above
        raise InputError(f"{path}: no reps given")
    else:
        source = path
    name = book.find(reps_sheet, REP_SHEETS, "rep")
    if name is None and reps_path is not None and len(book.sheet_names) == 1:
        name = book.sheet_names[0]
    if name is None:
        raise InputError(
            f"{source}: no rep sheet (销售 / 销售人员 / Reps); "
            f"sheets: {', '.join(book.sheet_names)}; choose one with --reps-sheet"
        )
    return customers, book.sheet(name)


# ------------------------------------------------------------------------ columns


class _Columns:
    """Column access and parsing for one sheet, over a chosen subset of its rows."""

    def __init__(self, sheet: Sheet, columns: dict[str, Column], kind: str) -> None:
        self.sheet = sheet
        self.columns = columns
        self.kind = kind
        self.errors: list[CellError] = []
        self.keep: list[int] | None = None  # indices of kept rows; None: all rows
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
            values = [values[i] for i in self.keep]
        return values

    def restrict(self, keep: list[int]) -> None:
        """Keep only these positions (into the current subset)."""
        if len(keep) == len(self.row_numbers):
            return
        base = self.keep if self.keep is not None else range(self.sheet.n_rows)
        self.keep = [base[i] for i in keep]
        self.row_numbers = [self.row_numbers[i] for i in keep]

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
    ) -> list[T]:
        """Parse a whole column; empty and bad cells give `default` (bad ones an error).

        Each distinct cell value is parsed once and the column mapped through the result,
        so a million rows of a few hundred regions or intents cost a few C-level passes.
        """
        raw = self.raw(name)
        if raw is None:
            return [default] * len(self.row_numbers)
        mapping: dict[Any, T] = {}
        bad: dict[Any, str] = {}
        for value in set(raw):
            if value is None or (value.__class__ is str and not value.strip()):
                mapping[value] = default
                continue
            try:
                mapping[value] = parser(value)
            except BadValueError as exc:
                mapping[value] = default
                bad[value] = str(exc)
        try:
            out = list(map(mapping.__getitem__, raw))
        except KeyError:  # a value equal to itself only by identity (nan): one by one
            out = [mapping[v] if v in mapping else _parse_one(parser, v, default) for v in raw]
        if bad:
            for position in [p for p, value in enumerate(raw) if value in bad]:
                self.error(position, name, raw[position], bad[raw[position]])
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
            elif kinds <= {str, float, int}:
                empty = np.array([v == "" for v in raw], dtype=np.bool_)
                values = np.array([0.0 if v == "" else v for v in raw], dtype=np.float64)
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


def _keys(cols: _Columns, what: str) -> tuple[list[str], list[str]]:
    """Drop nameless rows, compute keys, drop rows with a repeated key: (names, keys)."""
    names = cols.texts("name") or []
    if "" in names:
        name_header = cols.header("name")
        raw_names = cols.raw("name") or []
        keep: list[int] = []
        for position, name in enumerate(names):
            if name:
                keep.append(position)
            elif not _blank(cols.sheet.row(position)):  # no subset yet: positions are rows
                cols.errors.append(
                    CellError.of(
                        cols.sheet.name,
                        cols.row_numbers[position],
                        name_header,
                        raw_names[position],
                        f"缺少{name_header}，此行未导入 / {what} name missing, row skipped",
                    )
                )
        names = [names[i] for i in keep]
        cols.restrict(keep)
    keys = cols.texts("key")
    if keys is None:
        keys = list(map(str, cols.row_numbers)) if what == "customer" else list(names)
    elif "" in keys:
        fallback = list(map(str, cols.row_numbers)) if what == "customer" else names
        keys = [key or fallback[position] for position, key in enumerate(keys)]
    if len(set(keys)) == len(keys):
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
                    f"编号与第{cols.row_numbers[first]}行重复，此行未导入 / "
                    f"duplicate key (same as row {cols.row_numbers[first]}), row skipped",
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


def _texts(cols: _Columns, name: str) -> list[str]:
    texts = cols.texts(name)
    return texts if texts is not None else [""] * len(cols.row_numbers)


def _amounts(cols: _Columns, name: str, factor: float) -> list[float] | FloatArray:
    fast = cols.numbers(name)
    if fast is not None:
        return fast * factor if factor != 1.0 else fast
    return cols.parse(name, _scaled(parse_amount, factor), 0.0)


def _counts(cols: _Columns, name: str) -> list[int]:
    fast = cols.numbers(name, whole=True)
    if fast is not None:
        counts: list[int] = fast.astype(np.int64).tolist()
        return counts
    return cols.parse(name, parse_count, 0)


def _product_set(value: Any) -> frozenset[str]:
    return frozenset(parse_list(value))


def _scaled(parser: Callable[[Any], float], factor: float) -> Callable[[Any], float]:
    if factor == 1.0:
        return parser
    return lambda value: parser(value) * factor


def _parse_customers(sheet: Sheet) -> tuple[_CustomerColumns, _Columns]:
    columns = map_headers(sheet.headers, "customers")
    _required(sheet, columns, "name", "customers")
    cols = _Columns(sheet, columns, "customers")
    names, keys = _keys(cols, "customer")
    regions = cols.parse("region", _region, ("", ""))
    value_factor = columns["potential_value"].factor if "potential_value" in columns else 1.0
    amount_factor = columns["deal_amount"].factor if "deal_amount" in columns else 1.0
    parsed = _CustomerColumns(
        keys=keys,
        names=names,
        region=[r[0] for r in regions],
        city=[r[1] for r in regions],
        industry=_texts(cols, "industry"),
        products=cols.parse("products", _product_set, frozenset()),
        potential_value=_amounts(cols, "potential_value", value_factor),
        intent=cols.parse("intent", lambda v: int(parse_intent(v)), int(Intent.UNKNOWN)),
        deal_count=_counts(cols, "deal_count"),
        deal_amount=_amounts(cols, "deal_amount", amount_factor),
        last_deal=cols.parse("last_deal", parse_date, None),
        is_new=cols.parse("customer_type", parse_customer_type, None),
        owner_text=_texts(cols, "owner"),
        locked=cols.parse("locked", parse_yes_no, False),
        contacts=_texts(cols, "contact"),
        phones=cols.parse("phone", parse_phone, ""),
        emails=cols.parse("email", parse_email, ""),
        credit_codes=cols.parse("credit_code", parse_credit_code, ""),
        rows=cols.row_numbers,
    )
    return parsed, cols


# -------------------------------------------------------------------------- reps


def _regions(value: Any) -> tuple[frozenset[str], list[str]]:
    """Territory cell → (provinces, unrecognised items)."""
    found: set[str] = set()
    bad: list[str] = []
    for item in parse_list(value):
        if is_nationwide(item):
            found.add(NATIONWIDE)
            continue
        try:
            found.add(split_region(item)[0])
        except BadValueError:
            bad.append(item)
    return frozenset(found), bad


def _parse_reps(sheet: Sheet) -> tuple[list[Rep], list[CellError]]:
    columns = map_headers(sheet.headers, "reps")
    _required(sheet, columns, "name", "reps")
    cols = _Columns(sheet, columns, "reps")
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
                    f"无法识别的地区：{'、'.join(bad)} / unknown region(s): {', '.join(bad)}",
                )
            )
    teams = cols.parse("team", text_of, "")
    empty: tuple[str, ...] = ()
    industries = cols.parse("industries", parse_list, empty)
    products = cols.parse("products", parse_list, empty)
    levels = cols.parse("level", parse_level, Level.MID)
    capacities: list[int | None] = cols.parse("capacity", parse_count, None)
    active = cols.parse("active", parse_yes_no, True)
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
    return reps, cols.errors


# ------------------------------------------------------------------------ owners


def _resolve_owners(
    parsed: _CustomerColumns, reps: list[Rep], sheet: str, header: str, lock_header: str
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
        else:
            resolved[text] = ""
            problems[text] = (
                "销售名单中有重名，请填写工号 / several reps have this name, use the 工号"
                if text in by_name
                else "不在销售名单中 / not found among the reps"
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
                        "锁定的客户需要现负责人，已忽略锁定 / a locked customer needs an owner; "
                        "lock ignored",
                    )
                )
                locked[position] = False
    return owners, locked, errors


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
) -> Book:
    """Read customers and reps; raise `InputError` when the input is unusable."""
    with _no_gc():
        return _read_book(path, reps_path, sheet=sheet, reps_sheet=reps_sheet)


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
) -> Book:
    customer_sheet, rep_sheet = load_sheets(
        Path(path),
        Path(reps_path) if reps_path is not None else None,
        sheet=sheet,
        reps_sheet=reps_sheet,
    )
    reps, rep_errors = _parse_reps(rep_sheet)
    parsed, cols = _parse_customers(customer_sheet)
    customer_errors = cols.errors
    owners, locked, owner_errors = _resolve_owners(
        parsed, reps, customer_sheet.name, cols.header("owner"), cols.header("locked")
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
