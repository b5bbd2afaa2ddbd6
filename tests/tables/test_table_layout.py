"""Where the table is: titles and notes above the header, merged cells, blank rows, empty
trailing columns, sheet names, file types and text encodings — and errors that name the
sheet, the row as Excel numbers it, the column as the sheet wrote it, and the value."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
import xlwt

from fenpei.engine.model import Intent
from fenpei.tables import CellError, InputError, read_book
from fenpei.tables.read import decode_text, find_header

HEADER = ["客户名称", "地区", "潜在价值", "合作意向"]
ROWS = [["甲公司", "上海", 100, "高"], ["乙公司", "广东深圳", 200, "低"]]
REPS = [["姓名", "负责地区"], ["张三", "上海、深圳"]]


def xlsx(path: Path, sheets: dict[str, list[list[Any]]], **layout: Any) -> Path:
    """Write sheets; `layout` adds a merged title, notes, blank rows, merged cells …"""
    book = xlsxwriter.Workbook(str(path))
    bold = book.add_format({"bold": True, "bg_color": "#EEEEEE"})
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        r = 0
        width = max(len(row) for row in rows) if rows else 1
        if layout.get("title"):
            ws.merge_range(0, 0, 0, width - 1, layout["title"], bold)
            r += 1
        for note in layout.get("notes", []):
            ws.write(r, 0, note)
            r += 1
        r += layout.get("blank_above", 0)
        c0 = layout.get("first_column", 0)
        for i, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, date):
                    ws.write_datetime(r, c0 + c, value, book.add_format({"num_format": "yy/m/d"}))
                elif value is not None and value != "":
                    ws.write(r, c0 + c, value)
            r += 1
            if i in layout.get("blank_after", ()):
                r += 1
        if layout.get("trailing_columns"):
            for c in range(width + c0, width + c0 + 3):
                ws.write_blank(0, c, None, bold)
                ws.write_blank(r + 2, c, None, bold)
            ws.set_column(width + c0, width + c0 + 2, 8, bold)
    book.close()
    return path


def book_of(tmp_path: Path, customers: list[list[Any]], **layout: Any) -> Path:
    return xlsx(tmp_path / "book.xlsx", {"客户": customers, "销售": REPS}, **layout)


def summary(path: Path, *args: Any, **kwargs: Any) -> list[tuple[int, str, str, str, int]]:
    book = read_book(path, *args, **kwargs)
    c = book.customers
    return [
        (book.rows[i], c.names[i], c.region_name(i), c.city[i], int(c.potential_value[i]))
        for i in range(len(c))
    ]


EXPECTED = [(0, "甲公司", "上海", "上海", 100), (0, "乙公司", "广东", "深圳", 200)]


def with_rows(*rows: int) -> list[tuple[int, str, str, str, int]]:
    return [(row, *expected[1:]) for row, expected in zip(rows, EXPECTED, strict=True)]


# ----------------------------------------------------------------- where the table is


@pytest.mark.parametrize(
    ("layout", "rows"),
    [
        pytest.param({}, (2, 3), id="tidy"),
        pytest.param({"title": "2026年客户分配表"}, (3, 4), id="merged-title-row"),
        pytest.param({"notes": ["说明：带*为必填", "数据截至1月"]}, (4, 5), id="notes-above"),
        pytest.param(
            {"title": "客户表", "notes": ["说明：金额单位元"], "blank_above": 2},
            (6, 7),
            id="title-notes-blank-rows",
        ),
        pytest.param({"blank_above": 3, "first_column": 2}, (5, 6), id="table-not-at-A1"),
        pytest.param({"blank_after": (1,)}, (2, 4), id="blank-row-in-the-middle"),
        pytest.param({"trailing_columns": True}, (2, 3), id="formatted-empty-columns"),
        pytest.param(
            {"title": "客户", "notes": ["客户名称"], "trailing_columns": True},
            (4, 5),
            id="title-that-names-a-column",
        ),
    ],
)
def test_table_found_below_titles_and_notes(
    tmp_path: Path, layout: dict[str, Any], rows: tuple[int, ...]
) -> None:
    path = book_of(tmp_path, [HEADER, *ROWS], **layout)
    assert summary(path) == with_rows(*rows)
    assert read_book(path).errors == []


@pytest.mark.parametrize(
    ("rows", "header_at"),
    [
        pytest.param([HEADER, *ROWS], 0, id="first-row"),
        pytest.param([["2026 客户表"], [], HEADER, *ROWS], 2, id="after-title-and-blank"),
        pytest.param([["客户"], HEADER, *ROWS], 1, id="title-naming-one-column"),
        pytest.param([["客户名称"], ["甲公司"]], 0, id="single-column-sheet"),
        pytest.param([["说明"], ["客户名称"], ["甲公司"]], 1, id="single-column-below-note"),
        pytest.param([["标题"], ["地区", "行业"]], 0, id="no-name-column-first-non-blank"),
    ],
)
def test_header_row_detection(rows: list[list[Any]], header_at: int) -> None:
    assert find_header(rows, "customers") == header_at


def test_merged_cells_fill_the_cells_they_cover(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("客户")
    ws.merge_range(0, 0, 0, 3, "华南区客户")
    ws.write_row(1, 0, ["客户名称", "地区", "行业", "合作意向"])
    ws.write_row(2, 0, ["甲", None, None, "高"])
    ws.merge_range(2, 1, 4, 1, "广东省")  # 地区 for three rows
    ws.merge_range(2, 2, 3, 2, "制造")  # 行业 for two rows
    ws.write(3, 0, "乙")
    ws.write(4, 0, "丙")
    ws.merge_range(5, 0, 5, 3, "—— 以下为华东区 ——")  # a section row across the table
    ws.write_row(6, 0, ["丁", "上海", "零售"])
    reps = book.add_worksheet("销售")
    reps.write_column(0, 0, ["姓名", "张三"])
    book.close()
    result = read_book(path)
    c = result.customers
    assert c.names == ["甲", "乙", "丙", "丁"]
    assert [c.region_name(i) for i in range(4)] == ["广东", "广东", "广东", "上海"]
    assert [c.industry_name(i) for i in range(4)] == ["制造", "制造", "", "零售"]
    assert c.intent.tolist() == [Intent.HIGH, Intent.UNKNOWN, Intent.UNKNOWN, Intent.UNKNOWN]
    assert result.rows == [3, 4, 5, 7]
    assert [e.as_dict() for e in result.errors] == [
        {
            "sheet": "客户",
            "row": 6,
            "column": "客户名称",
            "value": "—— 以下为华东区 ——",
            "message": "整行合并的说明行，未导入",
        }
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param("合计", "合计行，未导入", id="heji"),
        pytest.param("总计：", "合计行，未导入", id="zongji-colon"),
        pytest.param("Total", "合计行，未导入", id="total"),
        pytest.param("注：金额单位为元", "说明文字，未导入", id="zhu"),
        pytest.param("备注: 数据截至1月", "说明文字，未导入", id="beizhu"),
        pytest.param("制表人：王芳", "说明文字，未导入", id="zhibiao"),
    ],
)
def test_totals_and_notes_below_the_table(tmp_path: Path, name: str, message: str) -> None:
    totals = 300 if "计" in name or name == "Total" else None
    path = book_of(tmp_path, [HEADER, *ROWS, [], [name, None, totals, None]])
    book = read_book(path)
    assert book.customers.names == ["甲公司", "乙公司"]
    assert [(e.row, e.column, e.value, e.message) for e in book.errors] == [
        (5, "客户名称", name, message)
    ]


def test_a_company_whose_name_starts_like_a_note_is_kept(tmp_path: Path) -> None:
    path = book_of(tmp_path, [HEADER, ["注塑机械有限公司", "浙江", 1, "高"], ["说明：x", "上海"]])
    assert read_book(path).customers.names == ["注塑机械有限公司", "说明：x"]


# --------------------------------------------------------------------- sheet names


@pytest.mark.parametrize(
    ("customer_sheet", "rep_sheet"),
    [
        pytest.param("客户", "销售", id="kehu-xiaoshou"),
        pytest.param("客户列表", "销售人员", id="kehu-liebiao-xiaoshou-renyuan"),
        pytest.param("Customers", "Reps", id="english"),
        pytest.param("customers", "reps", id="english-lower"),
        pytest.param(" 客户 列表 ", "销售 人员", id="spaces-in-names"),
        pytest.param("2026年客户名单", "华东销售团队", id="names-containing-the-word"),
        pytest.param("Sheet1", "Sheet2", id="default-names-read-by-their-headers"),
    ],
)
def test_sheets_found_by_name_or_content(
    tmp_path: Path, customer_sheet: str, rep_sheet: str
) -> None:
    path = xlsx(
        tmp_path / "book.xlsx",
        {"说明": [["本表说明"]], customer_sheet: [HEADER, *ROWS], rep_sheet: REPS},
    )
    book = read_book(path)
    assert (book.customer_sheet, book.rep_sheet) == (customer_sheet, rep_sheet)
    assert book.customers.names == ["甲公司", "乙公司"]
    assert [r.name for r in book.reps] == ["张三"]


def test_sheets_chosen_by_the_user(tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "book.xlsx",
        {"客户": [HEADER, ROWS[0]], "新客户": [HEADER, ROWS[1]], "销售": REPS, "新销售": REPS},
    )
    book = read_book(path, sheet="新客户", reps_sheet="新销售")
    assert (book.customer_sheet, book.rep_sheet) == ("新客户", "新销售")
    assert book.customers.names == ["乙公司"]


# ------------------------------------------------------------- file types and encodings


def write_xls(path: Path, sheets: dict[str, list[list[Any]]], title: str = "") -> Path:
    book = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets.items():
        ws = book.add_sheet(name)
        offset = 0
        if title:
            ws.write_merge(0, 0, 0, 3, title)
            offset = 1
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r + offset, c, value)
    book.save(str(path))
    return path


def test_xls_workbook(tmp_path: Path) -> None:
    path = write_xls(
        tmp_path / "old.xls", {"客户列表": [HEADER, *ROWS], "销售人员": REPS}, title="客户表"
    )
    assert summary(path) == with_rows(3, 4)


def text_file(path: Path, rows: list[list[Any]], encoding: str, delimiter: str = ",") -> Path:
    text = "\r\n".join(delimiter.join(str(v) for v in row) for row in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "name"),
    [
        pytest.param("utf-8", "c.csv", id="utf8"),
        pytest.param("utf-8-sig", "c.csv", id="utf8-bom"),
        pytest.param("gbk", "c.csv", id="gbk"),
        pytest.param("gb18030", "c.csv", id="gb18030"),
        pytest.param("utf-16", "c.txt", id="utf16-excel-unicode-text"),
        pytest.param("gbk", "utf8.csv", id="gbk-named-utf8-the-name-is-not-read"),
        pytest.param("gbk", "export.xls", id="gbk-text-named-xls"),
    ],
)
@pytest.mark.parametrize("delimiter", [",", "\t", ";"], ids=["comma", "tab", "semicolon"])
def test_csv_and_tsv_in_any_encoding(
    tmp_path: Path, encoding: str, name: str, delimiter: str
) -> None:
    rows = [["2026年客户名单"], [], [*HEADER, "备注"], *([*r, "上海浦东、张江"] for r in ROWS)]
    path = text_file(tmp_path / name, rows, encoding, delimiter)
    reps = text_file(tmp_path / "reps.tsv", REPS, encoding, "\t")
    assert summary(path, reps) == with_rows(4, 5)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        pytest.param("客户".encode(), "utf-8", id="utf8"),
        pytest.param(b"\xef\xbb\xbf" + "客户".encode(), "utf-8-sig", id="utf8-bom"),
        pytest.param("客户".encode("gbk"), "gb18030", id="gbk"),
        pytest.param("𠮷野家".encode("gb18030"), "gb18030", id="gb18030-four-byte"),
        pytest.param("客户".encode("utf-16"), "utf-16", id="utf16-bom"),
        pytest.param("客户名称,地区".encode("utf-16-le"), "utf-16-le", id="utf16le-no-bom"),
    ],
)
def test_encoding_detected_from_the_bytes(data: bytes, encoding: str) -> None:
    assert decode_text(data, Path("x.csv"))[1] == encoding


def test_gb18030_text_reads_characters_gbk_cannot_spell(tmp_path: Path) -> None:
    path = text_file(
        tmp_path / "c.csv", [HEADER, ["𠮷野家（上海）有限公司", "上海", 1, "高"]], "gb18030"
    )
    reps = text_file(tmp_path / "r.csv", REPS, "utf-8")
    assert read_book(path, reps).customers.names == ["𠮷野家（上海）有限公司"]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        pytest.param(b'<?xml version="1.0"?><Workbook></Workbook>', "e.xls", "XML or web page",
                     id="spreadsheet-xml-saved-as-xls"),
        pytest.param(b"<html><table></table></html>", "e.xls", "no table", id="empty-web-page"),
        pytest.param(b"not a zip file", "b.xlsx", "cannot read", id="text-named-xlsx"),
        pytest.param(b"\xff\xfe\x00\xd8", "c.csv", "cannot read", id="undecodable-bytes"),
    ],
)  # fmt: skip
def test_unreadable_files(tmp_path: Path, content: bytes, name: str, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    reps = text_file(tmp_path / "r.csv", REPS, "utf-8")
    with pytest.raises(InputError, match=message):
        read_book(path, reps)


# ------------------------------------------------------------------------- errors


def test_errors_name_sheet_excel_row_header_text_and_value(tmp_path: Path) -> None:
    headers = [" 公司名称* ", "所在地区", "潜在价值（万元）", "意向程度"]
    path = xlsx(
        tmp_path / "book.xlsx",
        {
            "客户列表": [
                headers,
                ["甲公司", "火星", "-5", "很想"],
                [None, "上海", 10, "高"],
                ["乙公司", "上海", "50万", "中"],
            ],
            "销售人员": REPS,
        },
        title="2026年客户表",
        notes=["说明：金额单位万元"],
        blank_after=(0,),
    )
    zh = read_book(path)
    assert [e.as_dict() for e in zh.errors] == [
        {"sheet": "客户列表", "row": 5, "column": "所在地区", "value": "火星",
         "message": "无法识别的地区（应为省份、城市或地址）"},
        {"sheet": "客户列表", "row": 5, "column": "潜在价值（万元）", "value": "-5",
         "message": "金额不能为负"},
        {"sheet": "客户列表", "row": 5, "column": "意向程度", "value": "很想",
         "message": "合作意向应为 高/中/低/未知 或 1–5 星"},
        {"sheet": "客户列表", "row": 6, "column": "公司名称*", "value": "",
         "message": "缺少公司名称，此行未导入"},
    ]  # fmt: skip
    assert zh.customers.names == ["甲公司", "乙公司"]  # the bad row is kept
    assert zh.customers.potential_value.tolist() == [0.0, 500_000.0]
    en = read_book(path, lang="en")
    assert [e.message for e in en.errors] == [
        "unknown region (expected a province, city or address)",
        "amount must not be negative",
        "intent must be high/medium/low/unknown or 1–5 stars",
        "customer name missing, row skipped",
    ]
    assert [(e.sheet, e.row, e.column, e.value) for e in en.errors] == [
        (e.sheet, e.row, e.column, e.value) for e in zh.errors
    ]
    assert all(isinstance(e, CellError) for e in en.errors)


def test_rep_errors_in_the_users_language(tmp_path: Path) -> None:
    reps = [
        ["工号", "销售姓名", "负责区域", "职级", "客户上限", "在职状态"],
        ["S1", "张三", "上海、火星", "高级销售", "30个", "在职"],
        ["S2", "李四", "深圳", "P7", "很多", "出差"],
    ]
    path = xlsx(tmp_path / "book.xlsx", {"客户": [HEADER, *ROWS], "销售人员": reps})
    book = read_book(path, lang="en")
    assert [(e.row, e.column, e.value, e.message) for e in book.errors] == [
        (2, "负责区域", "上海、火星", "unknown region(s): 火星"),
        (3, "职级", "P7", "level must be junior/mid/senior"),
        (3, "客户上限", "很多", "not a number"),
        (3, "在职状态", "出差", "unknown status, treated as not active (expected yes/no, active, "
                                "on leave …)"),
    ]  # fmt: skip
    s1, s2 = book.reps
    assert (s1.regions, s1.capacity, s1.active) == (frozenset({"上海"}), 30, True)
    assert (s2.regions, s2.capacity, s2.active) == (frozenset({"深圳"}), None, False)


def test_repeated_header_and_numbered_empty_rows(tmp_path: Path) -> None:
    """Exports repeat the header at page breaks; templates number rows nobody filled in."""
    rows = [
        ["序号", *HEADER],
        [1, *ROWS[0]],
        ["序号", *HEADER],  # the header again
        [2, *ROWS[1]],
        [3, None, None, None, None],  # numbered, otherwise empty: silently skipped
        [4, None, "北京", None, None],  # no name but data: reported
    ]
    book = read_book(book_of(tmp_path, rows))
    assert book.customers.names == ["甲公司", "乙公司"]
    assert [(e.row, e.column, e.value, e.message) for e in book.errors] == [
        (3, "客户名称", "客户名称", "重复的表头行，未导入"),
        (6, "客户名称", "", "缺少客户名称，此行未导入"),
    ]


def test_tsv_with_commas_in_names(tmp_path: Path) -> None:
    rows = [HEADER, ["甲,乙联合公司", "上海", 1, "高"], ["丙公司", "北京", 2, "低"]]
    path = text_file(tmp_path / "c.txt", rows, "utf-8", "\t")
    reps = text_file(tmp_path / "r.csv", REPS, "utf-8")
    assert read_book(path, reps).customers.names == ["甲,乙联合公司", "丙公司"]


@pytest.mark.parametrize(
    ("owner", "expected"),
    [
        pytest.param("张三", "S1", id="name"),
        pytest.param("S1", "S1", id="key"),
        pytest.param("张三(S1)", "S1", id="name-and-key-in-brackets"),
        pytest.param("S1 张三", "S1", id="key-and-name"),
        pytest.param("张三/李四", "", id="two-reps"),
    ],
)
def test_owner_written_with_name_and_key(tmp_path: Path, owner: str, expected: str) -> None:
    reps = [["工号", "姓名"], ["S1", "张三"], ["S2", "李四"]]
    path = xlsx(
        tmp_path / "b.xlsx", {"客户": [["客户名称", "现负责人"], ["甲", owner]], "销售": reps}
    )
    book = read_book(path)
    assert book.customers.owner == [expected]
    assert [e.column for e in book.errors] == ([] if expected else ["现负责人"])


def test_web_page_saved_as_xls(tmp_path: Path) -> None:
    """Many systems "export to Excel" as an HTML table: rowspan / colspan are merged cells."""
    page = """<html><head><meta charset="gbk"></head><body>
    <table><tr><td colspan="4">2026年客户表</td></tr>
    <tr><th>客户名称</th><th>地区</th><th>潜在价值（万元）</th><th>合作意向</th></tr>
    <tr><td>甲公司</td><td rowspan="2">广东省</td><td>1</td><td>高</td></tr>
    <tr><td>乙&amp;丙公司</td><td>2</td><td>低</td></tr>
    <tr><td>丁公司</td><td>上海<br>浦东</td><td>3</td><td></td></tr>
    </table></body></html>"""
    path = tmp_path / "export.xls"
    path.write_bytes(page.encode("gbk"))
    reps = text_file(tmp_path / "r.csv", REPS, "utf-8")
    book = read_book(path, reps)
    c = book.customers
    assert c.names == ["甲公司", "乙&丙公司", "丁公司"]
    assert [c.region_name(i) for i in range(3)] == ["广东", "广东", "上海"]
    assert c.potential_value.tolist() == [10_000.0, 20_000.0, 30_000.0]
    assert book.rows == [3, 4, 5]
    assert book.errors == []
