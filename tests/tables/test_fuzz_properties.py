"""Property tests: whatever the bytes or cells, the reader returns rows or raises one
`InputError` line, within a time budget per example; a good row among junk survives."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fenpei.tables import InputError
from fenpei.tables.read import CustomerRows, read_customer_rows

from . import fuzz_files as f

# deadline: the per-example time budget (a hang fails the example, and hypothesis
# shrinks it to the smallest input that is slow). CI runs the same 120 examples each
# time; FENPEI_FUZZ_EXAMPLES=5000 runs a longer campaign of new random ones.
CAMPAIGN = int(os.environ.get("FENPEI_FUZZ_EXAMPLES", "0"))
FAST = settings(
    max_examples=CAMPAIGN or 120,
    deadline=3000,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=not CAMPAIGN,
    database=None,
)

GOOD_KEY = "GOOD-C1-7f3a"
GOOD = [GOOD_KEY, "上海甲公司", "上海", 1000]


def outcome(data: bytes, suffix: str) -> CustomerRows | None:
    """Rows, or None after a one-line `InputError`; anything else fails the test."""
    with tempfile.TemporaryDirectory(prefix="fenpei-fuzz-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            return read_customer_rows(path, lang="en")
        except InputError as exc:
            assert str(exc) and "\n" not in str(exc)
            return None


# ------------------------------------------------------------------ arbitrary bytes


@FAST
@given(data=st.binary(max_size=4000), suffix=st.sampled_from([".csv", ".tsv", ".xls", ".xlsx"]))
def test_any_bytes(data: bytes, suffix: str) -> None:
    outcome(data, suffix)


@FAST
@given(
    text=st.text(max_size=400),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-le"]),
)
def test_any_text_after_a_header(text: str, encoding: str) -> None:
    """Text below a good header in any encoding we read: rows, or a clear refusal."""
    data = (f.csv_text([f.HEADER]) + text).encode(encoding, errors="replace")
    outcome(data, ".csv")


def _good_xlsx() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet("客户")
    for r, row in enumerate([f.HEADER, f.GOOD_ROW, ["C2", "乙公司", "广东", 5]]):
        ws.write_row(r, 0, row)
    ws.merge_range(4, 0, 4, 3, "合计")
    book.close()
    return buffer.getvalue()


GOOD_XLSX = _good_xlsx()


@FAST
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(GOOD_XLSX) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=8,
    ),
    cut=st.integers(0, len(GOOD_XLSX)),
)
def test_a_damaged_workbook(edits: list[tuple[int, int]], cut: int) -> None:
    """A real workbook with a few bytes changed and maybe its end cut off: calamine's
    panics and zlib errors must all end as an `InputError`."""
    data = bytearray(GOOD_XLSX)
    for at, byte in edits:
        data[at] = byte
    outcome(bytes(data[: max(cut, 30)]), ".xlsx")


GOOD_XLS = f.xls_bytes()


@FAST
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(GOOD_XLS) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=8,
    ),
    cut=st.integers(0, len(GOOD_XLS)),
)
def test_a_damaged_xls(edits: list[tuple[int, int]], cut: int) -> None:
    """The same for an .xls: the compound-file reader that finds the cell records (and
    calamine after it) must end in an `InputError` whatever the sectors say."""
    data = bytearray(GOOD_XLS)
    for at, byte in edits:
        data[at] = byte
    outcome(bytes(data[: max(cut, 30)]), ".xls")


# ------------------------------------------------------------------ arbitrary cells

junk_text = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30
)  # every code point but surrogates: control characters, NUL, RTL marks, emoji …
junk_cell = st.one_of(
    junk_text,
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.dates(date(1900, 3, 1), date(9999, 12, 31)),
    st.none(),
)
junk_rows = st.lists(st.lists(junk_cell, max_size=8), max_size=25)


def _text(value: Any) -> str:
    return "" if value is None else value.isoformat() if isinstance(value, date) else str(value)


def csv_bytes(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    # "\r\n" ends lines, so a cell holding either character is quoted (a bare "\r" is a
    # line break to the reader, as to Excel)
    csv.writer(out, lineterminator="\r\n").writerows([[_text(v) for v in row] for row in rows])
    return out.getvalue().encode()


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    ws = book.add_worksheet("客户")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                ws.write_string(r, c, value)
            elif isinstance(value, date):
                ws.write_datetime(r, c, datetime(value.year, value.month, value.day), day)
            elif value is not None:
                ws.write_number(r, c, value)
    book.close()
    return buffer.getvalue()


@FAST
@given(junk=junk_rows, at=st.integers(0, 25), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_a_good_row_among_junk_is_kept(junk: list[list[Any]], at: int, suffix: str) -> None:
    rows = [list(f.HEADER), *junk[:at], GOOD, *junk[at:]]
    data = csv_bytes(rows) if suffix == ".csv" else xlsx_bytes(rows)
    read = outcome(data, suffix)
    assert read is not None, "a file with a good header and a good row was refused"
    position = read.keys.index(GOOD_KEY)
    assert read.names[position] == "上海甲公司"
    assert read.region[position] == "上海"
    assert read.potential_value[position] == 1000.0
    assert read.rows[position] == 2 + min(at, len(junk))  # the Excel row it was written in


# ------------------------------------------------- the scan bounds calamine's grid


def _letters(column: int) -> str:
    out = ""
    while column:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out


FORMS = {  # how a cell's position is written; calamine reads every one of them
    "plain": '<c r="{ref}"{v}',
    "lower": '<c r="{lower}"{v}',
    "late": '<c t="n" r="{ref}"{v}',
    "quotes": "<c r='{ref}'{v}",
    "spaces": '<c  r = "{ref}"{v}',
    "implied": "<c{v}",
}


@FAST
@given(
    rows=st.lists(
        st.tuples(
            st.integers(1, 3000),  # row number
            st.booleans(),  # <row r="…"> or <row>
            st.lists(
                st.tuples(
                    st.integers(1, 300),
                    st.sampled_from(sorted(FORMS)),
                    st.booleans(),  # a value, or a formatted empty cell
                ),
                max_size=6,
            ),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_the_scan_never_underestimates_calamines_grid(
    rows: list[tuple[int, bool, list[tuple[int, str, bool]]]],
) -> None:
    """Whatever way positions are written (or implied), the grid the scan finds before
    calamine is at least the grid calamine lays out: so no sheet slips past the cap."""
    from python_calamine import CalamineWorkbook  # noqa: PLC0415

    from fenpei.tables.limits import sheet_extent  # noqa: PLC0415

    parts = []
    for number, numbered, cells in rows:
        parts.append(f'<row r="{number}">' if numbered else "<row>")
        for column, form, valued in cells:
            ref = f"{_letters(column)}{number}"
            end = "><v>1</v></c>" if valued else ' s="0"/>'
            parts.append(FORMS[form].format(ref=ref, lower=ref.lower(), v=end))
        parts.append("</row>")
    xml = f.SHEET_HEAD + b"<sheetData>" + "".join(parts).encode() + f.SHEET_TAIL
    with tempfile.TemporaryDirectory(prefix="fenpei-fuzz-") as folder:
        path = f.with_sheet(Path(folder) / "b.xlsx", [xml])
        try:
            sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("客户")
        except Exception:  # positions calamine refuses (rows out of order …)
            return
        height, width = (sheet.height, sheet.width) if sheet.start is not None else (0, 0)
        import zipfile  # noqa: PLC0415

        with zipfile.ZipFile(path) as book:
            found = sheet_extent(lambda: book.open("xl/worksheets/sheet1.xml"))
    assert found[0] >= height and found[1] >= width, (found, (height, width), "".join(parts))
