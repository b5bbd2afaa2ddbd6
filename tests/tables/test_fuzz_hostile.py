"""Hostile files: each reads (its good row kept) or is refused with one clear line, fast.

The files come from `fuzz_files`, written at test time. Every read runs under a time
budget far above what it takes (the slowest takes ~3 s here) and far below a hang.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from fenpei.tables import InputError
from fenpei.tables import limits as caps
from fenpei.tables.read import CustomerRows, decode_text, read_book, read_customer_rows

from . import fuzz_files as f

BUDGET_S = 20.0  # per read: a hang is minutes; the slowest here takes ~3 s (busy CI: ×5)


def read(path: Path, lang: str = "en") -> CustomerRows:
    started = time.perf_counter()
    try:
        return read_customer_rows(path, lang=lang)
    finally:
        assert time.perf_counter() - started < BUDGET_S


def refused(path: Path, lang: str = "en") -> str:
    with pytest.raises(InputError) as caught:
        read(path, lang)
    message = str(caught.value)
    assert message and "\n" not in message
    return message


def good_row_kept(rows: CustomerRows) -> None:
    position = rows.keys.index("C1")
    assert rows.names[position] == "上海甲公司"
    assert rows.region[position] == "上海"
    assert rows.potential_value[position] == 1000.0


# ----------------------------------------------------------------- refused by a cap

REFUSED: list[tuple[str, Callable[[Path], Path], str, str]] = [
    (
        "zip-bomb-1GiB",
        f.zip_bomb,
        "unpacks to 1.0 GiB, more than the",
        "解压后有 1.0 GiB，超过上限",
    ),
    (
        "far-cells-A1-XFD1048576",
        f.far_cells,
        "spans 1,048,576 rows × 16,384 columns, more than the 10,000,000 cells allowed",
        "有 1,048,576 行 × 16,384 列，超过上限 10,000,000 个单元格",
    ),
    (
        "far-cells-without-references",
        f.far_cells_implicit,
        "× 16,384 columns, more than the 10,000,000 cells allowed",
        "× 16,384 列，超过上限 10,000,000 个单元格",
    ),
    (
        "far-cells-namespace-prefix",
        f.prefixed_far_cells,
        "spans 1,048,576 rows × 16,384 columns",
        "有 1,048,576 行 × 16,384 列",
    ),
    (
        "xls-65536x256",
        f.xls_far_cells,
        "spans 65,536 rows × 256 columns, more than the 10,000,000 cells allowed",
        "有 65,536 行 × 256 列，超过上限 10,000,000 个单元格",
    ),
    (
        "merges-over-merges",
        f.overlapping_merges,
        "the merged cells of sheet 客户 cover 24,000,000 cells, more than the 2,000,000",
        "的合并单元格共覆盖 24,000,000 个单元格，超过上限 2,000,000",
    ),
]


@pytest.mark.parametrize(
    ("make", "english", "chinese"),
    [pytest.param(make, en, zh, id=name) for name, make, en, zh in REFUSED],
)
def test_refused_in_the_readers_language(
    tmp_path: Path, make: Callable[[Path], Path], english: str, chinese: str
) -> None:
    suffix = ".xls" if "xls_" in make.__name__ else ".xlsx"
    path = make(tmp_path / f"book{suffix}")
    assert english in refused(path, "en")
    assert chinese in refused(path, "zh")


@pytest.mark.parametrize("way", sorted(f.ODD_FAR_CELLS))
def test_a_far_cell_written_oddly(tmp_path: Path, way: str) -> None:
    """Found: the scan looked for r=" right after <c only; calamine also reads r written
    later in the tag, in lower case, in single quotes, with spaces around = … each of
    which hid a far cell from the scan (and aborted the process)."""
    message = refused(f.odd_far_cell(tmp_path / "b.xlsx", way))
    # (with an implied position the bound is a little wider than the sheet: 16,388)
    assert re.search(r"16,38\d columns, more than the 1[0-9,]+ (cells )?allowed", message)


def test_ods_repeats(tmp_path: Path) -> None:
    """Found: one cell repeated 16,384 × 5,000 times in 2 KB of .ods made calamine ask for
    82 million cells and abort the process; now refused from content.xml first."""
    path = f.ods_repeats(tmp_path / "b.ods", rows=5000, columns=16_384)
    assert "spans 5,002 rows × 16,384 columns" in refused(path)
    rows = read(f.ods_repeats(tmp_path / "ok.ods", rows=3, columns=4))
    assert len(rows.names) == 4  # the good row and three repeated; the empty tail ignored
    good_row_kept(rows)


def test_a_lying_zip_bomb_is_refused_by_calamine(tmp_path: Path) -> None:
    """The directory says 2 KiB; the sheet inflates to 1 GiB: calamine stops at 2 KiB."""
    message = refused(f.zip_bomb(tmp_path / "b.xlsx", lie=True))
    assert "larger than its declared uncompressed size" in message


def test_the_absolute_unpacked_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Within the ratio but over the absolute cap (made small here: 1 MiB)."""
    path = f.write_xlsx(
        tmp_path / "b.xlsx",
        {"客户": [f.HEADER, *([f"C{i}", f"公司{i}", "上海", i] for i in range(20_000))]},
    )
    read(path)  # about 2 MiB of XML: fine under the real caps
    monkeypatch.setattr(caps, "MAX_UNPACKED", 1 << 20)
    assert "more than the 1 MiB allowed (100× the file, at most 1 MiB)" in refused(path)


def test_too_many_rows_in_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(f.csv_text([f.HEADER]).encode() + "C9,甲,上海,1\n".encode() * 1_048_577)
    assert "1,048,578 rows, more than the 1,048,576 allowed" in refused(path)


def test_one_wide_line_does_not_pad_every_line(tmp_path: Path) -> None:
    """Found: 200,000 commas on one line made every short line padded to 200,000 cells
    (MemoryError at 4 GB after 6 s); now refused by the column cap before padding."""
    message = refused(f.ragged_csv(tmp_path / "c.csv"))
    assert "200,000 columns, more than the 16,384 allowed" in message


def test_web_page_spans(tmp_path: Path) -> None:
    """Found: 50 cells of rowspan × colspan 1,000 made 50 million set entries (killed at
    4 GB); spans are now kept as column ranges per row and their total area capped."""
    message = refused(f.span_bomb_html(tmp_path / "page.xls"))
    assert "cover 3,000,000 cells, more than the 2,000,000 allowed" in message


@pytest.mark.parametrize("quoted", [True, False], ids=["quoted", "unquoted"])
def test_a_10mb_csv_cell(tmp_path: Path, quoted: bool) -> None:
    path = f.huge_field_csv(tmp_path / "c.csv")
    if not quoted:  # no quotes: the plain split path
        path.write_bytes(
            f"{f.csv_text([f.HEADER, f.GOOD_ROW])}C2,{'长' * (10 << 20)},上海,1\n".encode()
        )
    assert "holds more than 131,072 characters" in refused(path)


def test_file_size_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = f.good_book(tmp_path / "b.xlsx")
    monkeypatch.setattr(caps, "MAX_FILE_BYTES", 1024)
    size = path.stat().st_size / 1024
    assert f"b.xlsx is {size:.1f} KiB, more than the 1.0 KiB a file may be" in refused(path)


# ------------------------------------------------------- read, the good row kept


READ: list[tuple[str, Callable[[Path], Path], str, int]] = [
    ("a-million-formatted-empty-rows", f.formatted_empty_rows, "b.xlsx", 1),
    ("a-million-blank-lines", f.blank_lines_csv, "c.csv", 1),
    ("huge-cells-32767", f.huge_cells, "b.xlsx", 21),
    ("formulas-and-cached-errors", f.formulas, "b.xlsx", 4),
    ("300-sheets", f.many_sheets, "b.xlsx", 1),
    ("16384-columns", f.wide_rows, "b.xlsx", 20),
]


@pytest.mark.parametrize(
    ("make", "name", "count"), [pytest.param(m, n, c, id=i) for i, m, n, c in READ]
)
def test_read_with_the_good_row(
    tmp_path: Path, make: Callable[[Path], Path], name: str, count: int
) -> None:
    rows = read(make(tmp_path / name))
    assert len(rows.names) == count
    if "C1" in rows.keys:
        good_row_kept(rows)


def test_formulas_give_their_cached_values(tmp_path: Path) -> None:
    rows = read(f.formulas(tmp_path / "b.xlsx"))
    assert rows.names[:3] == ["上海甲公司", "乙公司", "丙公司"]
    assert len(rows.names[3]) == 32_767
    # calamine gives a cached error (#DIV/0!, #REF!, #N/A) as an empty cell
    assert rows.keys[1] == "" and rows.potential_value[1:3] == [0.0, 0.0]
    assert not rows.filled["potential_value"][1]


def test_merged_everywhere(tmp_path: Path) -> None:
    rows = read(f.merged_everywhere(tmp_path / "b.xlsx"))
    assert len(rows.names) == 2000
    assert rows.names[0] == "公司3-0" and rows.region[0] == "上海"


# ---------------------------------------------------------------- broken files


def test_truncated_everywhere(tmp_path: Path) -> None:
    source = f.merged_everywhere(tmp_path / "whole.xlsx", rows=200)
    size = source.stat().st_size
    for keep in sorted({0, 1, 4, 22, 100, 1000, *range(0, size, max(size // 40, 1))}):
        message = refused(f.truncated(source, tmp_path / "cut.xlsx", keep))
        assert message.startswith(("cannot read", "sheet"))


def test_a_damaged_xls_that_makes_calamine_panic(tmp_path: Path) -> None:
    """Found by fuzzing: two changed bytes make calamine panic, which pyo3 raises as a
    PanicException (a BaseException): it escaped `except Exception` as a traceback."""
    data = bytearray(f.xls_bytes())
    data[4707], data[3248] = 23, 39
    path = tmp_path / "b.xls"
    path.write_bytes(bytes(data))
    from python_calamine import CalamineWorkbook  # noqa: PLC0415

    with pytest.raises(BaseException) as panic:  # the premise: calamine panics
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
    assert type(panic.value).__name__ == "PanicException"
    assert "out of range" in refused(path)


def test_corrupt_entries(tmp_path: Path) -> None:
    path = f.corrupt_entries(f.good_book(tmp_path / "good.xlsx"), tmp_path / "bad.xlsx")
    assert "cannot read" in refused(path)


@pytest.mark.parametrize(
    ("make", "name"),
    [
        pytest.param(f.pdf_as_xls, "a.xls", id="pdf-named-xls"),
        pytest.param(f.png_as_xls, "a.xls", id="png-named-xls"),
        pytest.param(f.png_as_xls, "a.xlsx", id="png-named-xlsx"),
        pytest.param(f.nested_html, "a.xls", id="100k-nested-divs"),
        pytest.param(f.nested_tables_html, "a.xls", id="20k-nested-tables"),
        pytest.param(lambda p: (p.write_bytes(b""), p)[1], "a.xlsx", id="empty-xlsx"),
        pytest.param(lambda p: (p.write_bytes(b""), p)[1], "a.xls", id="empty-xls"),
        pytest.param(lambda p: (p.write_bytes(b""), p)[1], "a.csv", id="empty-csv"),
        pytest.param(lambda p: (p.write_bytes(bytes(range(256)) * 400), p)[1], "a.csv",
                     id="binary-named-csv"),
    ],
)  # fmt: skip
def test_not_a_spreadsheet(tmp_path: Path, make: Callable[[Path], Path], name: str) -> None:
    refused(make(tmp_path / name))


# ------------------------------------------------------------------- encodings

GOOD_TEXT = "客户编号,客户名称,地区,潜在价值\nC1,上海甲公司,上海,1000\n"


@pytest.mark.parametrize(
    ("data", "names"),
    [
        pytest.param(GOOD_TEXT.encode("gbk"), ["上海甲公司"], id="gbk"),
        pytest.param(GOOD_TEXT.encode("utf-16-be"), ["上海甲公司"], id="utf16be-no-bom"),
        pytest.param(
            (GOOD_TEXT + "C2,乙\x00公司,上海,1\n").encode(), ["上海甲公司", "乙\x00公司"],
            id="a-nul-byte-in-utf8",  # found: read as UTF-16 garbage, the file refused
        ),
        pytest.param(
            GOOD_TEXT.encode() + b"C2,\xff\xfe\xfd,x,1\n", ["上海甲公司", "\ufffd" * 3],
            id="a-bad-byte-in-utf8",  # found: the whole file refused for three bytes
        ),
        pytest.param(
            GOOD_TEXT.encode("gbk") + b"C2,\xff\xff,x,1\n", ["上海甲公司", "\ufffd\ufffd"],
            id="a-bad-byte-in-gbk",
        ),
        pytest.param(
            (GOOD_TEXT + "C2,\x01\x1b[31m\x7f,上海,1\n").encode(), ["上海甲公司", "\x01\x1b[31m\x7f"],
            id="control-characters",
        ),
    ],
)  # fmt: skip
def test_wrong_and_broken_encodings(tmp_path: Path, data: bytes, names: list[str]) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(data)
    rows = read(path)
    assert rows.names == names
    good_row_kept(rows)


def test_utf8_read_as_gbk_is_not_chosen_over_utf8_with_a_bad_byte() -> None:
    text, encoding = decode_text(GOOD_TEXT.encode() + b"\xff", Path("c.csv"))
    assert encoding == "utf-8" and text.startswith("客户编号")


def test_read_book_words_a_cap_in_chinese(tmp_path: Path) -> None:
    path = f.far_cells(tmp_path / "b.xlsx")
    with pytest.raises(InputError, match="超过上限 10,000,000 个单元格"):
        read_book(path)
