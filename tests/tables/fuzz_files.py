"""Hostile spreadsheets, written at test time (no committed binaries).

Each generator writes one file into a folder and returns its path. The files are small on
disk: what makes them hostile is what they turn into when read (a sheet XML that inflates
to a gigabyte, two cells 17 billion cells apart, a million blank lines …).
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import xlsxwriter

HEADER = ["客户编号", "客户名称", "地区", "潜在价值"]
GOOD_ROW = ["C1", "上海甲公司", "上海", 1000]

SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
)
SHEET_TAIL = b"</sheetData></worksheet>"
MIB = 1 << 20


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]], **options: Any) -> Path:
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, **options})
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None and value != "":
                    ws.write(r, c, value)
    book.close()
    return path


def good_book(path: Path) -> Path:
    return write_xlsx(path, {"客户": [HEADER, GOOD_ROW]})


def cell(ref: str, value: Any) -> bytes:
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'.encode()
    return f'<c r="{ref}"><v>{value}</v></c>'.encode()


def header_rows() -> bytes:
    """Row 1 the header, row 2 the good row, as sheet XML."""
    letters = "ABCD"
    first = b"".join(cell(f"{c}1", v) for c, v in zip(letters, HEADER, strict=True))
    second = b"".join(cell(f"{c}2", v) for c, v in zip(letters, GOOD_ROW, strict=True))
    return b'<row r="1">' + first + b'</row><row r="2">' + second + b"</row>"


# ------------------------------------------------------------------ raw zip writing


def _local_header(name: bytes, crc: int, csize: int, usize: int, method: int) -> bytes:
    return struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, csize, usize, len(name), 0
    )


def _central_header(  # noqa: PLR0917 (the zip format's fields, in its order)
    name: bytes, crc: int, csize: int, usize: int, method: int, offset: int
) -> bytes:
    return struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        20,
        20,
        0,
        method,
        0,
        0x21,
        crc,
        csize,
        usize,
        len(name),
        0,
        0,
        0,
        0,
        0,
        offset,
    )


def write_zip(
    path: Path,
    entries: Iterable[tuple[str, Iterable[bytes]]],
    *,
    declared: dict[str, int] | None = None,
    level: int = 1,
) -> Path:
    """A zip of deflated entries streamed from chunks; `declared` lies about the
    uncompressed size of the named entries (what a crafted bomb does)."""
    declared = declared or {}
    central = []
    with path.open("wb") as out:
        for name, chunks in entries:
            encoded = name.encode()
            offset = out.tell()
            out.write(_local_header(encoded, 0, 0, 0, 8) + encoded)
            squeeze = zlib.compressobj(level, zlib.DEFLATED, -15)
            crc = usize = csize = 0
            last: tuple[bytes, bytes] = (b"", b"")
            for chunk in chunks:
                crc = zlib.crc32(chunk, crc)
                usize += len(chunk)
                # a full flush resets the compressor, so the same chunk again deflates to
                # the same bytes: a gigabyte of repeats costs one chunk's compression
                if chunk is not last[0]:
                    last = (chunk, squeeze.compress(chunk) + squeeze.flush(zlib.Z_FULL_FLUSH))
                csize += len(last[1])
                out.write(last[1])
            packed = squeeze.flush()
            csize += len(packed)
            out.write(packed)
            said = declared.get(name, usize)
            end = out.tell()
            out.seek(offset)
            out.write(_local_header(encoded, crc, csize, said, 8))
            out.seek(end)
            central.append(_central_header(encoded, crc, csize, said, 8, offset) + encoded)
        start = out.tell()
        directory = b"".join(central)
        out.write(directory)
        out.write(
            struct.pack(
                "<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(directory), start, 0
            )
        )
    return path


def with_sheet(
    path: Path, sheet: Iterable[bytes], *, declared: int | None = None, level: int = 1
) -> Path:
    """A valid one-sheet workbook (客户) whose sheet XML is replaced by `sheet`."""
    good_book(path)
    with zipfile.ZipFile(path) as source:
        parts = [(i.filename, source.read(i.filename)) for i in source.infolist()]
    sheet_name = "xl/worksheets/sheet1.xml"
    entries: list[tuple[str, Iterable[bytes]]] = [
        (name, sheet if name == sheet_name else [data]) for name, data in parts
    ]
    lies = {sheet_name: declared} if declared else None
    return write_zip(path, entries, declared=lies, level=level)


def _repeat(chunk: bytes, total: int) -> Iterator[bytes]:
    for _ in range(total // len(chunk)):
        yield chunk


# ------------------------------------------------------------------------ the files


def zip_bomb(path: Path, mib: int = 1024, *, lie: bool = False) -> Path:
    """A sheet whose XML inflates to `mib` MiB of blanks between two rows; with `lie`, the
    zip directory says the sheet holds 2 KiB."""
    body = [SHEET_HEAD + b"<sheetData>" + header_rows(), *_repeat(b" " * MIB, mib * MIB)]
    return with_sheet(path, [*body, SHEET_TAIL], declared=2048 if lie else None, level=9)


def far_cells(path: Path) -> Path:
    """Two cells 17 billion cells apart (A1 … XFD1048576): a dense reader allocates them all."""
    xml = (
        SHEET_HEAD
        + b'<dimension ref="A1:XFD1048576"/><sheetData>'
        + header_rows()
        + b'<row r="1048576">'
        + cell("XFD1048576", "x")
        + b"</row>"
        + SHEET_TAIL
    )
    return with_sheet(path, [xml])


def far_cells_implicit(path: Path) -> Path:
    """The same without a single r= attribute: 16,384 cells in row 1, a million empty rows,
    then one cell. Positions are implied by order, so no reference gives the size away."""
    wide = b"<row>" + b"<c><v>1</v></c>" * 16_384 + b"</row>"
    xml = [SHEET_HEAD + b"<sheetData>" + wide, *_repeat(b"<row/>" * 1024, 1_048_000 * 6)]
    return with_sheet(path, [*xml, b"<row><c><v>2</v></c></row>" + SHEET_TAIL])


def formatted_empty_rows(path: Path, rows: int = 1_048_576) -> Path:
    """A table followed by a million formatted but empty rows, the dimension A1:XFD1048576
    (what "format the whole sheet" leaves behind)."""

    def blocks() -> Iterator[bytes]:
        yield SHEET_HEAD + b'<dimension ref="A1:XFD1048576"/><sheetData>' + header_rows()
        for start in range(3, rows + 1, 4096):
            yield b"".join(
                b'<row r="%d" s="1" customFormat="1"><c r="A%d" s="1"/><c r="XFD%d" s="1"/></row>'
                % (r, r, r)
                for r in range(start, min(start + 4096, rows + 1))
            )
        yield SHEET_TAIL

    return with_sheet(path, blocks())


def truncated(source: Path, path: Path, keep: int) -> Path:
    path.write_bytes(source.read_bytes()[:keep])
    return path


def corrupt_entries(source: Path, path: Path) -> Path:
    """Every entry's deflate data overwritten with garbage; directory and CRCs intact."""
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as book:
        for info in book.infolist():
            start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
            for i in range(start, start + info.compress_size):
                data[i] = (data[i] * 7 + 13) & 0xFF
    path.write_bytes(bytes(data))
    return path


def merged_everywhere(path: Path, rows: int = 2000) -> Path:
    """Every cell merged with its right neighbour, and merges over the header."""
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("客户")
    ws.merge_range(0, 0, 1, 3, "客户名单")  # a title merged down into the header row
    ws.write_row(2, 0, [*HEADER, "", "", "", ""])
    ws.merge_range(2, 4, 2, 7, "合并的表头")
    for r in range(3, rows + 3):
        for c in range(0, 8, 2):
            ws.merge_range(r, c, r, c + 1, f"公司{r}-{c}" if c == 0 else "上海")
    book.close()
    return path


def formulas(path: Path) -> Path:
    """Formulas with cached errors and a hyperlink, among good rows."""
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("客户")
    ws.write_row(0, 0, HEADER)
    ws.write_row(1, 0, GOOD_ROW)
    ws.write_formula(2, 0, "=1/0", None, "#DIV/0!")
    ws.write(2, 1, "乙公司")
    ws.write_formula(2, 3, "=#REF!+1", None, "#REF!")
    ws.write_formula(3, 1, '=HYPERLINK("http://example.com","丙公司")', None, "丙公司")
    ws.write_formula(3, 3, "=NA()", None, "#N/A")
    ws.write_formula(4, 1, '=REPT("长",40000)', None, "长" * 32_767)
    book.close()
    return path


def many_sheets(path: Path, count: int = 300) -> Path:
    book = xlsxwriter.Workbook(str(path))
    for i in range(count - 1):
        book.add_worksheet(f"S{i}").write(0, 0, i)
    book.add_worksheet("客户列表").write_row(0, 0, HEADER)
    book.worksheets()[-1].write_row(1, 0, GOOD_ROW)
    book.close()
    return path


def wide_rows(path: Path, columns: int = 16_384, rows: int = 20) -> Path:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("客户")
    ws.write_row(0, 0, HEADER)
    for c in range(len(HEADER), columns):
        ws.write(0, c, f"列{c}")
    for r in range(1, rows + 1):
        ws.write_row(r, 0, [f"W{r}", f"公司{r}", "上海", r])
        for c in range(len(HEADER), columns):
            ws.write_number(r, c, c)
    book.close()
    return path


def huge_cells(path: Path) -> Path:
    """32,767-character cells (Excel's most) in every column of a few rows."""
    long = "长" * 32_767
    return write_xlsx(
        path, {"客户": [HEADER, GOOD_ROW, *([f"K{r}", long, long, long] for r in range(20))]}
    )


def xls_far_cells(path: Path, last_column: int = 255) -> Path:
    """An .xls with cells at A1 and (65536, `last_column`): IV65536 is the most a BIFF8
    sheet can span."""
    import xlwt  # type: ignore[import-untyped]  # noqa: PLC0415

    book = xlwt.Workbook()
    ws = book.add_sheet("客户")
    for c, value in enumerate(HEADER):
        ws.write(0, c, value)
    for c, value in enumerate(GOOD_ROW):
        ws.write(1, c, value)
    ws.write(65_535, last_column, "x")
    book.save(str(path))
    return path


def xls_bytes(rows: int = 30) -> bytes:
    """A small real .xls (a title merged over the table, a rep sheet) to damage."""
    import io  # noqa: PLC0415

    import xlwt  # noqa: PLC0415

    book = xlwt.Workbook()
    ws = book.add_sheet("客户")
    ws.write_merge(0, 0, 0, 3, "客户名单")
    for c, value in enumerate(HEADER):
        ws.write(1, c, value)
    for r in range(rows):
        for c, value in enumerate([f"C{r}", f"公司{r}", "上海", r * 10.5]):
            ws.write(r + 2, c, value)
    book.add_sheet("销售").write(0, 0, "姓名")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------- text files


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    return "".join(",".join(map(str, row)) + "\n" for row in rows)


def blank_lines_csv(path: Path, lines: int = 1_000_000) -> Path:
    path.write_bytes((csv_text([HEADER, GOOD_ROW]) + "\n" * lines).encode())
    return path


def huge_field_csv(path: Path, mib: int = 10) -> Path:
    """A quoted 10 MB field (with commas and newlines inside) in the name column."""
    field = ("甲,乙\n" * (mib * MIB // 12))[: mib * MIB // 3]
    path.write_bytes((csv_text([HEADER, GOOD_ROW]) + f'C2,"{field}",上海,1\n').encode())
    return path


def nested_html(path: Path, depth: int = 100_000) -> Path:
    table = (
        "<table><tr><td>客户名称</td><td>地区</td></tr><tr><td>甲</td><td>上海</td></tr></table>"
    )
    path.write_bytes(("<html><body>" + "<div>" * depth + table + "</div>" * depth).encode())
    return path


def nested_tables_html(path: Path, depth: int = 20_000) -> Path:
    path.write_bytes(
        ("<table><tr><td>" * depth + "客户名称" + "</td></tr></table>" * depth).encode()
    )
    return path


def pdf_as_xls(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\n" * 100)
    return path


def png_as_xls(path: Path) -> Path:
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    return path


def overlapping_merges(path: Path, rows: int = 1000, merges: int = 6000) -> Path:
    """The same 1,000 × 4 block merged 6,000 times over (24 million covered cells)."""
    body = b"".join(
        b'<row r="%d">' % r + cell(f"A{r}", f"公司{r}") + cell(f"C{r}", "上海") + b"</row>"
        for r in range(3, rows + 3)
    )
    block = f'<mergeCell ref="A3:D{rows + 2}"/>'.encode()
    xml = (
        SHEET_HEAD
        + b"<sheetData>"
        + header_rows()
        + body
        + b'</sheetData><mergeCells count="%d">' % merges
        + block * merges
        + b"</mergeCells></worksheet>"
    )
    return with_sheet(path, [xml])


def prefixed_far_cells(path: Path) -> Path:
    """Far cells written with a namespace prefix (<x:c>), which calamine reads too."""
    xml = (
        b'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="http://schemas.'
        b'openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="1">'
        + '<x:c r="A1" t="inlineStr"><x:is><x:t>客户名称</x:t></x:is></x:c>'.encode()
        + b'<x:c r="B1" t="inlineStr"><x:is><x:t>Region</x:t></x:is></x:c></x:row>'
        b'<x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>'
        b"</x:sheetData></x:worksheet>"
    )
    return with_sheet(path, [xml])


def ragged_csv(path: Path, width: int = 200_000, rows: int = 200_000) -> Path:
    """One line of 200,000 fields among 200,000 short lines: padding every line to the
    widest would make 40 billion cells of a 2 MB file."""
    lines = [",".join(HEADER), ",".join(map(str, GOOD_ROW)), "," * (width - 1)]
    path.write_bytes(("\n".join(lines) + "\n" + "C9,乙公司,上海,1\n" * rows).encode())
    return path


def span_bomb_html(path: Path, cells: int = 50) -> Path:
    """Cells each spanning 1,000 × 1,000: 50 million covered cells from 2 KB."""
    head = "<table><tr>" + "".join(f"<td>{h}</td>" for h in HEADER) + "</tr>"
    good = "<tr>" + "".join(f"<td>{v}</td>" for v in GOOD_ROW) + "</tr>"
    spans = "<tr>" + '<td rowspan="1000" colspan="1000">x</td>' * cells + "</tr>"
    path.write_bytes((head + good + spans + "</table>").encode())
    return path


def sparse_xlsx(path: Path, last: str = "J1000000") -> Path:
    """The good rows and one cell at `last`: the biggest grid the caps let through."""
    row = last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    xml = (
        SHEET_HEAD
        + b"<sheetData>"
        + header_rows()
        + f'<row r="{row}">'.encode()
        + cell(last, "x")
        + b"</row>"
        + SHEET_TAIL
    )
    return with_sheet(path, [xml])


def ods_repeats(path: Path, rows: int, columns: int) -> Path:
    """An .ods whose one valued cell is repeated `columns` times in a row repeated `rows`
    times, ending, as LibreOffice writes it, with a million empty repeated rows."""
    head = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>'
        for h in HEADER
    )
    good = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
        for v in GOOD_ROW
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="客户">'
        f"<table:table-row>{head}</table:table-row><table:table-row>{good}</table:table-row>"
        f'<table:table-row table:number-rows-repeated="{rows}">'
        f'<table:table-cell table:number-columns-repeated="{columns}" '
        'office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
        '</table:table-row><table:table-row table:number-rows-repeated="1048000">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
        'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
        'spreadsheet"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        book.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        book.writestr("META-INF/manifest.xml", manifest)
    return path


def empty_cells_csv(path: Path, rows: int = 1_000_000, columns: int = 24) -> Path:
    """The most cells a CSV may hold, nearly all empty: 24 million from 24 MB."""
    header = ",".join(HEADER + [""] * (columns - len(HEADER)))
    good = ",".join(map(str, GOOD_ROW + [""] * (columns - len(GOOD_ROW))))
    path.write_bytes(f"{header}\n{good}\n".encode() + ("," * (columns - 1) + "\n").encode() * rows)
    return path


ODD_FAR_CELLS = {  # a far cell written every way calamine still reads it
    "lowercase": b'<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>',
    "r-not-first": b'<row r="1048576"><c t="n" r="XFD1048576"><v>1</v></c></row>',
    "spaces-around-=": b'<row r="1048576"><c  r = "XFD1048576"><v>1</v></c></row>',
    "single-quotes": b"<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>",
    "tab-before-r": b'<row r="1048576"><c\tr="XFD1048576"><v>1</v></c></row>',
    "decoy-r-in-a-value": b'<row r="1048576"><c foo=" r=\'A1\'" r="XFD1048576"><v>1</v></c></row>',
    "row-r-not-first": (
        b'<row r="3"><c r="XFD3"><v>1</v></c></row>'
        b'<row spans="1:1" r="1048576"><c><v>1</v></c></row>'
    ),
}


def odd_far_cell(path: Path, way: str) -> Path:
    return with_sheet(
        path, [SHEET_HEAD + b"<sheetData>" + header_rows() + ODD_FAR_CELLS[way] + SHEET_TAIL]
    )
