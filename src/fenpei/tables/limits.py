"""How big one file may be, and the checks that refuse bigger ones before they cost much.

One upload (or one `fenpei assign` input) is read whole into memory, so every dimension
that memory or time grows with has a cap, and each is checked before the expensive step:

- the file on disk: `MAX_FILE_BYTES` (the web upload has its own, smaller MAX_BYTES);
- a zip workbook (.xlsx / .xlsm / .xlsb / .ods) unpacked: its directory's sizes against
  `MAX_UNPACKED` and `MAX_RATIO` × the file (a zip bomb is refused from its directory; an
  entry that inflates past its declared size is refused by calamine itself);
- the cells: calamine holds a sheet as a dense grid from its first to its last cell, 32
  bytes a cell, so two cells at A1 and XFD1048576 would ask for 512 GiB and abort the
  process. The grid is bounded before calamine sees the file — from the sheet XML of an
  .xlsx (`sheet_extent`: positions written as r="…", with a namespace prefix, or implied
  by order), the repeats of an .ods (`ods_extents`) and the cell records of an .xls
  (`xls_extents`) — to `MAX_WORKBOOK_CELLS`; a CSV or web page table to `MAX_CELLS`;
- rows `MAX_ROWS` and columns `MAX_COLUMNS` (Excel's own limits), merged-cell coverage,
  and a CSV cell's length `MAX_CELL_CHARS` (the csv module's field limit).

Every refusal is a `LimitError`: an `InputError` that names the file, what was too big
and the cap, in Chinese or English.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

from fenpei.tables.errors import InputError

MAX_FILE_BYTES = 1 << 30  # 1 GiB: a million-row CSV is ~200 MB
MAX_UNPACKED = 512 << 20  # 512 MiB of XML: ~700,000 rows of 15 columns
MAX_RATIO = 100  # deflated XML of real sheets: 5–20×; a zip bomb: ~1,000×
RATIO_FLOOR = 16 << 20  # small files may unpack to this much whatever their ratio
MAX_ENTRIES = 10_000  # parts in one zip workbook
MAX_ROWS = 1_048_576  # Excel's limit, header and blank rows included
MAX_COLUMNS = 16_384  # Excel's limit (XFD)
MAX_CELLS = 25_000_000  # rows × columns of a CSV or web page table: 1M rows × 25 columns
#: rows × columns of a workbook sheet, from its first cell to its last: calamine holds
#: them densely (32 B each) and the reader then as Python lists (~40 B more): ~0.8 GB
MAX_WORKBOOK_CELLS = 10_000_000
#: cells covered by merged cells (or a web page's colspan / rowspan) in one sheet: each
#: covered cell is a Python step (~0.5 s for the lot); titles and grouped rows need far less
MAX_SPANNED = 2_000_000
MAX_CELL_CHARS = 131_072  # one CSV cell (the csv module's field limit)
_CHUNK = 16 << 20  # sheet XML is scanned this much at a time


def _size(value: int) -> str:
    if value < 1 << 20:
        return f"{value / 1024:.1f} KiB"
    if value >= 1 << 30:
        return f"{value / (1 << 30):.1f} GiB" if value % (1 << 30) else f"{value >> 30} GiB"
    return f"{value / (1 << 20):.1f} MiB" if value % (1 << 20) else f"{value >> 20} MiB"


class LimitError(InputError):
    """Input over a cap. `str()` is the English message; `in_language` gives Chinese."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en

    def in_language(self, lang: str) -> InputError:
        return InputError(self.en if lang == "en" else self.zh)


def file_too_big(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise LimitError(
            f"{path.name} 有 {_size(size)}，超过上限 {_size(MAX_FILE_BYTES)}",
            f"{path.name} is {_size(size)}, more than the {_size(MAX_FILE_BYTES)} a file may be",
        )


def grid_too_big(name: str, rows: int, columns: int, cells: int = MAX_CELLS) -> None:
    """Refuse a sheet of more rows, columns or cells than the caps."""
    if rows > MAX_ROWS:
        raise LimitError(
            f"工作表 {name} 有 {rows:,} 行，超过上限 {MAX_ROWS:,} 行",
            f"sheet {name} has {rows:,} rows, more than the {MAX_ROWS:,} allowed",
        )
    if columns > MAX_COLUMNS:
        raise LimitError(
            f"工作表 {name} 有 {columns:,} 列，超过上限 {MAX_COLUMNS:,} 列",
            f"sheet {name} has {columns:,} columns, more than the {MAX_COLUMNS:,} allowed",
        )
    if rows * columns > cells:
        raise LimitError(
            f"工作表 {name} 的表格有 {rows:,} 行 × {columns:,} 列，超过上限 {cells:,} 个单元格",
            f"sheet {name} spans {rows:,} rows × {columns:,} columns, more than the "
            f"{cells:,} cells allowed",
        )


def merges_too_big(name: str, covered: int, most: int = MAX_CELLS) -> None:
    if covered > most:
        raise LimitError(
            f"工作表 {name} 的合并单元格共覆盖 {covered:,} 个单元格，超过上限 {most:,}",
            f"the merged cells of sheet {name} cover {covered:,} cells, more than the "
            f"{most:,} allowed",
        )


def cell_too_long(name: str, row: int | None) -> None:
    where_zh = f"第 {row} 行" if row is not None else ""
    where_en = f" in row {row}" if row is not None else ""
    raise LimitError(
        f"{name} {where_zh}有一个单元格超过 {MAX_CELL_CHARS:,} 个字符",
        f"{name}: a cell{where_en} holds more than {MAX_CELL_CHARS:,} characters",
    )


# --------------------------------------------------------------------- zip workbooks


def zip_too_big(path: Path, book: zipfile.ZipFile) -> None:
    """Refuse a zip workbook whose directory says it unpacks to too much."""
    infos = book.infolist()
    if len(infos) > MAX_ENTRIES:
        raise LimitError(
            f"{path.name} 含 {len(infos):,} 个部件，超过上限 {MAX_ENTRIES:,}",
            f"{path.name} holds {len(infos):,} parts, more than the {MAX_ENTRIES:,} allowed",
        )
    unpacked = sum(i.file_size for i in infos)
    allowed = min(MAX_UNPACKED, max(MAX_RATIO * path.stat().st_size, RATIO_FLOOR))
    if unpacked > allowed:
        raise LimitError(
            f"{path.name} 解压后有 {_size(unpacked)}，超过上限 {_size(allowed)}"
            f"（文件大小的 {MAX_RATIO} 倍，最多 {_size(MAX_UNPACKED)}）",
            f"{path.name} unpacks to {_size(unpacked)}, more than the "
            f"{_size(allowed)} allowed ({MAX_RATIO}× the file, at most "
            f"{_size(MAX_UNPACKED)})",
        )


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")


def worksheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML part, from xl/workbook.xml and its relationships ({} when
    they cannot be read: the caller then checks every worksheet part)."""
    try:
        workbook = book.read("xl/workbook.xml")
        rels = book.read("xl/_rels/workbook.xml.rels")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
        return {}
    targets = {}
    for tag in _REL_TAG.findall(rels):
        attrs = dict(_ATTR.findall(tag))
        target = attrs.get(b"Target", b"").decode("utf-8", "replace").lstrip("/")
        targets[attrs.get(b"Id", b"")] = target if target.startswith("xl/") else f"xl/{target}"
    parts = {}
    for tag in _SHEET_TAG.findall(workbook):
        attrs = dict(_ATTR.findall(tag))
        rid = next((v for k, v in attrs.items() if k.endswith(b":id")), b"")
        name = _unescape(attrs.get(b"name", b"").decode("utf-8", "replace"))
        if rid in targets:
            parts[name] = targets[rid]
    return parts


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def sheet_too_big(path: Path, book: zipfile.ZipFile, part: str, name: str) -> None:
    """Refuse a worksheet whose cells would span more than the caps once read."""
    try:
        rows, columns = sheet_extent(lambda: book.open(part))
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, zlib.error):
        return  # unreadable: calamine says what is wrong
    grid_too_big(name, rows, columns, MAX_WORKBOOK_CELLS)


# ------------------------------------------------------------------ sheet extents


@dataclass(slots=True)
class _Extent:
    """What a scan of sheet XML has seen so far (rows and columns 1-based)."""

    valued: bool = False  # skip empty cells (<c r="B2" s="1"/>: formatted, not read)
    rows: bool = False  # also look at <row> tags (needed only for implied positions)
    top: int = 1 << 62
    bottom: int = 0
    left: int = 1 << 62
    right: int = 0
    row_tag_max: int = 0  # largest r= of a <row>
    any_bottom: int = 0  # last row and column written on any cell, empty ones too: an
    any_right: int = 0  # implied position follows on from them
    implicit_rows: int = 0  # <row> tags without r=
    implicit_cells: int = 0  # valued <c> tags without r=
    widest_row: int = 0  # most <c> tags in one <row>
    open_row_cells: int = 0  # <c> tags of the <row> still open at the chunk's end

    def size(self) -> tuple[int, int]:
        bottom, right = self.bottom, self.right
        top, left = min(self.top, bottom or 1), min(self.left, right or 1)
        if self.implicit_cells:  # positions follow on from the last one written
            top, left = 1, 1
            bottom = max(bottom, max(self.row_tag_max, self.any_bottom) + self.implicit_rows)
            right = max(right, self.any_right) + max(self.widest_row, self.open_row_cells)
        if bottom == 0:
            return 0, 0
        return bottom - top + 1, right - left + 1


_WHITE = np.zeros(256, dtype=np.bool_)  # what may follow a tag name: space, >, /
_WHITE[[32, 9, 10, 13, 62, 47]] = True
_PREFIXED = re.compile(rb"<[A-Za-z_][\w.-]*:(?:c|row)[\s>/]")
_PREFIX = re.compile(rb"<(/?)[A-Za-z_][\w.-]*:")


def sheet_extent(open_xml: Callable[[], IO[bytes]]) -> tuple[int, int]:
    """(rows, columns) of the grid a reader makes of this sheet XML: from the first to the
    last valued cell, as calamine lays it out; an upper bound when positions are implied.

    Linear and vectorised (a few whole-chunk comparisons, the rest per cell). A first
    pass counts every cell; only a sheet that looks too big that way (or has implied
    positions) is read again, skipping formatted empty cells and counting rows.
    """
    quick = _Extent()  # every cell counts, formatted empty ones too: a bound, cheaply
    _scan_all(open_xml, quick)
    rows, columns = quick.size()
    fits = rows <= MAX_ROWS and columns <= MAX_COLUMNS and rows * columns <= MAX_WORKBOOK_CELLS
    if fits and not quick.implicit_cells:
        return rows, columns
    exact = _Extent(valued=True, rows=quick.implicit_cells > 0)
    _scan_all(open_xml, exact)
    return exact.size()


def _scan_all(open_xml: Callable[[], IO[bytes]], extent: _Extent) -> None:
    carry = b""
    with open_xml() as stream:
        while chunk := stream.read(_CHUNK):
            data = carry + chunk
            # cut after a cell's end, so no valued cell straddles two chunks
            end = data.rfind(b"</c>")
            cut = end + 4 if end >= len(data) // 2 else data.rfind(b">") + 1
            _scan(data[:cut], extent)
            carry = data[cut:]
            if len(carry) > _CHUNK:  # no tag end in 16 MiB: not a sheet anyone wrote
                raise ValueError("no tag end")
    _scan(carry, extent)


def _find(data: bytes, pattern: bytes) -> npt.NDArray[np.intp]:
    """Sorted positions of a 2- or 4-byte pattern: compared as one integer per position
    (one strided view per alignment), far cheaper than byte by byte."""
    width = len(pattern)
    kind = np.uint16 if width == 2 else np.uint32
    value = int.from_bytes(pattern, "little")
    found = []
    for shift in range(width):
        count = (len(data) - shift) // width
        if count <= 0:
            continue
        view = np.frombuffer(data, dtype=kind, count=count, offset=shift)
        found.append(np.flatnonzero(view == value) * width + shift)
    return np.sort(np.concatenate(found)) if found else np.zeros(0, dtype=np.intp)


def _scan(data: bytes, extent: _Extent) -> None:
    if not data:
        return
    raw = np.frombuffer(data + b"\0" * 24, dtype=np.uint8)
    colons = np.flatnonzero(raw == 58)  # few: the namespace declarations, times of day
    after = raw[colons + 1]
    tags = (after == 99) & _WHITE[raw[colons + 2]]  # …:c
    tags |= (after == 114) & (raw[colons + 2] == 111) & (raw[colons + 3] == 119)  # …:row
    if tags.any() and _PREFIXED.search(data):
        # <x:c …>: calamine reads tags by their local name
        data = _PREFIX.sub(rb"<\1", data)
        raw = np.frombuffer(data + b"\0" * 24, dtype=np.uint8)
    cells = _find(data, b"<c")
    cells = every = cells[_WHITE[raw[cells + 2]]]
    if extent.valued:
        cells = _valued(data, cells)
    extent.implicit_cells += _cells_written(data, raw, cells, extent)
    if not extent.rows:
        return
    if extent.valued:  # an empty cell's r= still moves the implied position after it
        every_cell = _Extent()
        _cells_written(data, raw, every, every_cell)
        extent.any_right = max(extent.any_right, every_cell.right)
        extent.any_bottom = max(extent.any_bottom, every_cell.bottom)
    rows = _find(data, b"<row")
    rows = rows[_WHITE[raw[rows + 4]]]
    row_explicit = _attr_r(raw, rows + 4)
    numbers = rows[row_explicit] + 8
    odd = rows[~row_explicit]
    if len(odd):
        late, awkward, implied = _late(data, raw, odd, 4)
        numbers = np.concatenate([numbers, late])
        for at in awkward:
            _, row = _awkward_reference(data, int(at))
            extent.row_tag_max = max(extent.row_tag_max, row)
        extent.implicit_rows += implied
    if len(numbers):
        *_, last = _references(raw, numbers, letters=False)
        extent.row_tag_max = max(extent.row_tag_max, last)
    _widest(extent, rows, every)  # an empty <c/> still moves the next implied column


def _cells_written(
    data: bytes, raw: npt.NDArray[np.uint8], cells: npt.NDArray[np.intp], extent: _Extent
) -> int:
    """Widen `extent` to the positions written on these cells; the number without one."""
    explicit = _attr_r(raw, cells + 2)
    refs = cells[explicit] + 6
    odd = cells[~explicit]
    implied = 0
    if len(odd):  # no r="…" right after <c: written elsewhere in the tag, otherwise, or not
        late, awkward, implied = _late(data, raw, odd, 2)
        refs = np.concatenate([refs, late])
        for at in awkward:
            column, row = _awkward_reference(data, int(at))
            _widen(extent, column, column, row, row)
    if len(refs):
        _widen(extent, *_references(raw, refs))
    return implied


def _widen(extent: _Extent, left: int, right: int, top: int, bottom: int) -> None:
    extent.top, extent.bottom = min(extent.top, top), max(extent.bottom, bottom)
    extent.left, extent.right = min(extent.left, left), max(extent.right, right)


_SPACE = np.zeros(256, dtype=np.bool_)
_SPACE[[32, 9, 10, 13]] = True


def _late(
    data: bytes, raw: npt.NDArray[np.uint8], starts: npt.NDArray[np.intp], name: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], int]:
    """For tags without r=" right after their name (`name` bytes long with its <): where
    a lone r='…' or r="…" later in the tag starts its value; the tags whose r is written
    any other way (spaces around =, or more than one r in the tag: one may hide in
    another attribute's value), to be read one by one; and how many have no r at all.
    calamine reads them all, so a sheet cannot hide a far cell by writing r oddly."""
    length = len(data)
    ends = np.flatnonzero(raw[:length] == 62)
    end = np.append(ends, length)[np.searchsorted(ends, starts)]  # each tag's >
    r = np.flatnonzero(raw[:length] == 114)
    r = np.append(r[_SPACE[raw[r - 1]]], [length + 1, length + 1])  # an attribute named r…
    at = np.searchsorted(r, starts + name)
    first, second = r[at], r[at + 1]
    has = first < end
    single = has & (second >= end)
    plain = single & (raw[first + 1] == 61) & ((raw[first + 2] == 34) | (raw[first + 2] == 39))
    late: npt.NDArray[np.intp] = first[plain] + 3
    awkward: npt.NDArray[np.intp] = starts[has & ~plain]
    return late, awkward, int((~has).sum())


_TAG_ATTRIBUTE = re.compile(rb"""\s([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REFERENCE = re.compile(rb"([A-Za-z]*)([0-9]*)")


def _awkward_reference(data: bytes, start: int) -> tuple[int, int]:
    """(column, row) of a tag's r attribute, read as XML reads attributes."""
    end = data.find(b">", start)
    for found in _TAG_ATTRIBUTE.finditer(data, start, end if end >= 0 else len(data)):
        if found.group(1) == b"r":
            value = found.group(2) if found.group(2) is not None else found.group(3)
            letters, digits = _REFERENCE.match(value).groups()  # type: ignore[union-attr]
            column = 0
            for letter in letters.upper():
                column = column * 26 + letter - 64
            return column, int(digits[:12] or 0)
    return 0, 0


def _valued(data: bytes, cells: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """The cells holding a value: their </c> comes before the next cell."""
    closes = _find(data, b"</c>")
    following = np.append(cells[1:], len(data) + 1)
    if len(cells) and data[data.find(b">", int(cells[-1])) - 1] == 47:
        following[-1] = 0  # the last cell closes itself: empty, whatever comes next
    close = np.append(closes, len(data))[np.searchsorted(closes, cells)]
    kept: npt.NDArray[np.intp] = cells[close < following]
    return kept


def _attr_r(raw: npt.NDArray[np.uint8], at: npt.NDArray[np.intp]) -> npt.NDArray[np.bool_]:
    """The tag has r=" right after its name (where every writer puts it; one written
    elsewhere counts as implied, which only makes the bound larger)."""
    found: npt.NDArray[np.bool_] = (
        (raw[at] == 32) & (raw[at + 1] == 114) & (raw[at + 2] == 61) & (raw[at + 3] == 34)
    )
    return found


def _references(
    raw: npt.NDArray[np.uint8], at: npt.NDArray[np.intp], *, letters: bool = True
) -> tuple[int, int, int, int]:
    """(first column, last column, first row, last row) of the references starting at
    `at` ("XFD1048576").

    No reference is parsed one by one: each run of letters and of digits is packed
    (zero after the run) into a big-endian integer under its length, which orders as
    the numbers do; only the smallest and largest are turned into numbers. A reference
    longer than Excel allows (4 letters, 8 digits) reads as huge: the sheet is refused.
    """
    count = np.zeros(len(at), dtype=np.intp)
    left = right = 0
    second = raw[at + 1]
    if letters and ((second >= 48) & (second <= 57)).all():  # columns A to Z: one letter
        first = raw[at] | 32  # calamine reads "a1" as "A1"
        left, right = int(first.min()) - 96, int(first.max()) - 96
        count += 1
    elif letters:
        window = np.lib.stride_tricks.sliding_window_view(raw, 5)[at] | np.uint8(32)
        count = _run(window, 97, 122)
        if count.max() > 3:
            return 0, 1 << 20, 0, 0
        packed = np.ascontiguousarray(window[:, :4] * (count[:, None] > _PLACES4))
        keys = count.astype(np.uint64) << np.uint64(32) | packed.view(">u4").ravel()
        left, right = _number(int(keys.min()), 26, 96), _number(int(keys.max()), 26, 96)
    window = np.lib.stride_tricks.sliding_window_view(raw, 9)[at + count]
    digits = _run(window, 48, 57)
    if digits.max() > 7:
        return left, right, 0, 10**8
    packed = np.ascontiguousarray(window[:, :8] * (digits[:, None] > _PLACES8))
    keys = digits.astype(np.uint64) << np.uint64(56) | packed.view(">u8").ravel() >> np.uint64(8)
    return left, right, _number(int(keys.min()), 10, 48), _number(int(keys.max()), 10, 48)


_PLACES4 = np.arange(4)
_PLACES8 = np.arange(8)


def _run(window: npt.NDArray[np.uint8], low: int, high: int) -> npt.NDArray[np.intp]:
    """Length of the run of bytes in [low, high] at the start of each window row."""
    inside = (window >= low) & (window <= high)
    run: npt.NDArray[np.intp] = np.where(inside.all(axis=1), window.shape[1], inside.argmin(axis=1))
    return run


def _number(key: int, base: int, zero: int) -> int:
    """The number a packed key spells: its run's length above bit 56 (digits) or 32
    (letters), the run's bytes below, first byte highest."""
    if base == 10:
        length, run = key >> 56, ((key & ((1 << 56) - 1)) << 8).to_bytes(8, "big")
    else:
        length, run = key >> 32, (key & 0xFFFFFFFF).to_bytes(4, "big")
    value = 0
    for byte in run[:length]:
        value = value * base + byte - zero
    return value


def _widest(extent: _Extent, rows: npt.NDArray[np.intp], cells: npt.NDArray[np.intp]) -> None:
    """Most cells in one row (implied columns count on from the row's start)."""
    if not len(rows):
        extent.open_row_cells += len(cells)
        extent.widest_row = max(extent.widest_row, extent.open_row_cells)
        return
    per_row = np.bincount(np.searchsorted(rows, cells), minlength=len(rows) + 1)
    per_row[0] += extent.open_row_cells
    extent.widest_row = max(extent.widest_row, int(per_row.max()))
    extent.open_row_cells = int(per_row[-1])


# -------------------------------------------------------------------------- ODS

_ODS_TABLE = re.compile(rb'<table:table\b[^>]*?table:name="([^"]*)"')
_ODS_ELEMENT = re.compile(rb"<table:(table-row|table-cell|covered-table-cell)\b([^>]*?)(/?)>")
_ROWS_REPEATED = re.compile(rb'number-rows-repeated="(\d+)"')
_COLUMNS_REPEATED = re.compile(rb'number-columns-repeated="(\d+)"')


def ods_extents(content: bytes) -> dict[str, tuple[int, int]]:
    """Sheet name → (rows, columns) an .ods sheet spans once its repeats are expanded:
    one <table:table-cell number-columns-repeated="16384"> in a row repeated 5,000 times
    is 82 million cells to calamine (which aborts). Only repeats holding a value count:
    LibreOffice ends every sheet with a million empty repeated rows."""
    starts = [
        (m.start(), _unescape(m.group(1).decode("utf-8", "replace")))
        for m in _ODS_TABLE.finditer(content)
    ]
    extents = {}
    for i, (start, name) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(content)
        extents[name] = _ods_table_extent(content, start, end)
    return extents


def _repeat(pattern: re.Pattern[bytes], attrs: bytes) -> int:
    found = pattern.search(attrs)
    return max(int(found.group(1)), 1) if found else 1


def _ods_table_extent(content: bytes, start: int, end: int) -> tuple[int, int]:
    row_start = row_repeat = column = row_right = bottom = right = 0
    for element in _ODS_ELEMENT.finditer(content, start, end):
        kind, attrs, closed = element.groups()
        if kind == b"table-row":
            if row_right:
                bottom, right = row_start + row_repeat, max(right, row_right)
            row_start += row_repeat
            row_repeat, column, row_right = _repeat(_ROWS_REPEATED, attrs), 0, 0
            continue
        repeat = _repeat(_COLUMNS_REPEATED, attrs)
        if b"value-type" in attrs or not closed:  # a value, or text inside
            row_right = column + repeat
        column += repeat
    if row_right:
        bottom, right = row_start + row_repeat, max(right, row_right)
    return bottom, right


# -------------------------------------------------------------------------- .xls
#
# An .xls is a compound file (a FAT file system in one file) holding a BIFF record
# stream. calamine lays each sheet out densely like an .xlsx one, so the same check runs
# on the cell records' positions. Anything this small reader cannot follow is left to
# calamine: BIFF8 itself caps a sheet at 65,536 × 256 cells (~1.1 GB at worst).

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END = 0xFFFFFFFA  # sector numbers from here on mark ends and free sectors
_CELLS = frozenset((0x0203, 0x027E, 0x00FD, 0x0204, 0x0205, 0x0006, 0x00D6))  # valued
_MULRK, _BOF, _EOF, _SHEET = 0x00BD, 0x0809, 0x000A, 0x0085


def xls_extents(data: bytes) -> dict[str, tuple[int, int]]:
    """Sheet name → (rows, columns) from its first to its last valued cell; {} when the
    file cannot be followed (calamine then says what is wrong)."""
    try:
        stream = _workbook_stream(data)
        return _biff_extents(stream) if stream else {}
    except (struct.error, ValueError, IndexError, UnicodeDecodeError):
        return {}


def _chain(fat: Sequence[int], start: int) -> list[int]:
    sectors: list[int] = []
    while start < _END:
        if len(sectors) > len(fat):
            raise ValueError("a sector chain that loops")
        sectors.append(start)
        start = fat[start]
    return sectors


def _workbook_stream(data: bytes) -> bytes:
    if not data.startswith(_OLE2) or len(data) < 512:
        return b""
    shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
    if shift not in (9, 12) or mini_shift != 6:  # the only sizes the format allows
        return b""
    size, mini_size = 1 << shift, 1 << mini_shift
    n_fat, first_dir = struct.unpack_from("<II", data, 0x2C)
    cutoff, first_minifat, _, first_difat, n_difat = struct.unpack_from("<IIIII", data, 0x38)
    difat = list(struct.unpack_from("<109I", data, 0x4C))
    for _ in range(min(n_difat, len(data) // size)):
        if first_difat >= _END:
            break
        more = struct.unpack_from(f"<{size // 4}I", data, (first_difat + 1) * size)
        difat += more[:-1]
        first_difat = more[-1]

    def sector(n: int) -> bytes:
        start = (n + 1) * size
        if start + size > len(data) + size:  # the last sector may be short
            raise ValueError("a sector past the end")
        return data[start : start + size]

    fat: list[int] = []
    for n in difat[:n_fat]:
        if n < _END:
            fat += struct.unpack(f"<{size // 4}I", sector(n).ljust(size, b"\0"))
    directory = b"".join(map(sector, _chain(fat, first_dir)))
    entries: dict[str, tuple[int, int, int]] = {}  # name → (type, first sector, size)
    root = (_END, 0)  # the mini stream: the root entry's own stream
    for at in range(0, len(directory) - 127, 128):
        length = struct.unpack_from("<H", directory, at + 64)[0]
        name = directory[at : at + max(length - 2, 0)].decode("utf-16-le")
        start, stream_size = struct.unpack_from("<II", directory, at + 116)
        entries.setdefault(name, (directory[at + 66], start, stream_size))
        if at == 0:
            root = (start, stream_size)
    kind, start, stream_size = entries.get("Workbook") or entries.get("Book") or (0, 0, 0)
    if kind != 2:
        return b""
    if stream_size >= cutoff:
        return b"".join(map(sector, _chain(fat, start)))[:stream_size]
    minifat: list[int] = []
    for n in _chain(fat, first_minifat):
        minifat += struct.unpack(f"<{size // 4}I", sector(n).ljust(size, b"\0"))
    ministream = b"".join(map(sector, _chain(fat, root[0])))[: root[1]]
    return b"".join(
        ministream[n * mini_size : (n + 1) * mini_size] for n in _chain(minifat, start)
    )[:stream_size]


def _biff_extents(stream: bytes) -> dict[str, tuple[int, int]]:
    sheets: list[tuple[int, str]] = []
    pos = 0
    while pos + 4 <= len(stream):  # the workbook globals: where each sheet starts
        kind, length = struct.unpack_from("<HH", stream, pos)
        if kind == _SHEET:
            offset, count, flags = struct.unpack_from("<I2xBB", stream, pos + 4)
            raw = stream[pos + 12 : pos + 12 + count * (2 if flags & 1 else 1)]
            sheets.append((offset, raw.decode("utf-16-le" if flags & 1 else "latin-1")))
        elif kind == _EOF:
            break
        pos += 4 + length
    return {name: _biff_sheet(stream, offset) for offset, name in sheets}


def _biff_sheet(stream: bytes, pos: int) -> tuple[int, int]:
    """The loop only finds where the cell records are (their lengths chain them); their
    rows and columns are read afterwards, all at once."""
    found: list[int] = []
    mulrk: list[int] = []
    keep, unpack, cells, end = found.append, struct.unpack_from, _CELLS, len(stream) - 8
    while pos <= end:
        kind, length = unpack("<HH", stream, pos)
        if kind in cells:
            keep(pos)
        elif kind == _MULRK:
            mulrk.append(pos)
            keep(pos)
        elif kind == _EOF:
            break
        pos += 4 + length
    if not found:
        return 0, 0
    raw = np.frombuffer(stream, dtype=np.uint8)
    at = np.asarray(found, dtype=np.intp)
    rows = raw[at + 4].astype(np.int64) | raw[at + 5].astype(np.int64) << 8
    columns = raw[at + 6].astype(np.int64) | raw[at + 7].astype(np.int64) << 8
    right = int(columns.max())
    for pos in mulrk:  # a run of numbers: its last column closes the record
        length = unpack("<H", stream, pos + 2)[0]
        right = max(right, unpack("<H", stream, pos + 2 + length)[0])
    return int(rows.max() - rows.min()) + 1, right - int(columns.min()) + 1
