"""Reading tidy workbooks and CSV pairs: keys, errors, owners and unusable input."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xlsxwriter

from fenpei.engine.model import NATIONWIDE, CustomerTable, Intent, Level
from fenpei.tables import InputError, read_book

REP_ROWS: list[list[Any]] = [
    ["工号", "姓名", "团队", "负责地区", "擅长行业", "产品", "级别", "容量", "在岗", "现有客户数"],
    ["S1", "张三", "华东", "上海、江苏省", "制造", "ERP、CRM", "高级", 10, "是", 2],
    ["S2", "李四", "华南", "广东", "零售", "CRM", "junior", "", "否", ""],
    ["K1", "王五", "大客户部", "全国", "金融", "云服务", "senior", 5, "是", 0],
]


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, date):
                    ws.write_datetime(r, c, value, day)
                elif value is not None and value != "":
                    ws.write(r, c, value)
    book.close()
    return path


def write_csv(
    path: Path, rows: list[list[Any]], *, bom: bool = False, encoding: str = "utf-8"
) -> Path:
    text = "\n".join(",".join(str(v) for v in row) for row in rows) + "\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode(encoding))
    return path


CUSTOMER_ROWS: list[list[Any]] = [
    ["客户编号", "客户名称", "地区", "行业", "潜在价值", "合作意向", "产品需求", "历史交易额",
     "交易次数", "最近交易日期", "客户类型", "现负责人", "联系电话", "统一社会信用代码", "锁定"],
    ["C1", "上海甲公司", "上海市", "制造", 1_000_000, "高", "ERP、CRM", 50_000, 2,
     date(2025, 6, 1), "老", "S1", "13800138000", "91310000MA1FL0001R", "是"],
    ["C2", "广州乙公司", "广东省广州市", "零售", "50万", "low", "CRM", "", "", "", "新", "李四",
     "", "", ""],
    ["", "北京丙公司", "北京", "金融", "待定", "很想", "", "", "", "2025-02-30", "", "赵六",
     "", "123", ""],
    ["C4", "", "江苏", "", "", "", "", "", "", "", "", "", "", "", ""],
    ["", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
    ["C1", "重复编号公司", "上海", "", "", "", "", "", "", "", "", "", "", "", ""],
    ["C7", "火星公司", "火星", "能源", 3e6, "中", "安全", "", "", "", "", "", "", "", ""],
]  # fmt: skip


@pytest.fixture
def book_path(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "book.xlsx", {"客户": CUSTOMER_ROWS, "销售": REP_ROWS})


def errors_by_cell(book: Any) -> dict[tuple[int, str], str]:
    return {(e.row, e.column): e.message for e in book.errors}


def test_reads_customers_and_reps(book_path: Path) -> None:
    book = read_book(book_path)
    c = book.customers
    # Row 4 has no key → its Excel row number; rows 5 (no name), 6 (blank), 7 (repeated
    # key) are left out.
    assert c.keys == ["C1", "C2", "4", "C7"]
    assert c.names == ["上海甲公司", "广州乙公司", "北京丙公司", "火星公司"]
    assert [c.region_name(i) for i in range(4)] == ["上海", "广东", "北京", ""]
    assert c.city[:2] == ["上海", "广州"]
    assert c.potential_value.tolist() == [1_000_000.0, 500_000.0, 0.0, 3_000_000.0]
    assert c.intent.tolist() == [Intent.HIGH, Intent.LOW, Intent.UNKNOWN, Intent.MEDIUM]
    assert c.product_sets[c.product_set[0]] == frozenset({"ERP", "CRM"})
    assert c.deal_amount.tolist() == [50_000.0, 0.0, 0.0, 0.0]
    assert c.deal_count.tolist() == [2, 0, 0, 0]
    epoch = np.datetime64("1970-01-01")
    assert c.last_deal_day[0] == (np.datetime64("2025-06-01") - epoch).astype(int)
    assert c.last_deal_day[1] == -1
    assert c.is_new.tolist() == [0, 1, -1, -1]
    assert c.owner == ["S1", "S2", "", ""]  # 李四 → S2 by name; 赵六 is unknown
    assert c.locked.tolist() == [True, False, False, False]
    assert book.rows == [2, 3, 4, 8]
    assert book.phones[0] == "13800138000"
    assert book.credit_codes[0] == "91310000MA1FL0001R"
    assert book.customer_sheet == "客户"
    assert book.rep_sheet == "销售"

    s1, s2, k1 = book.reps
    assert (s1.key, s1.name, s1.team) == ("S1", "张三", "华东")
    assert s1.regions == frozenset({"上海", "江苏"})
    assert s1.products == frozenset({"ERP", "CRM"})
    assert (s1.level, s1.capacity, s1.existing_load, s1.active) == (Level.SENIOR, 10, 2, True)
    assert (s2.level, s2.capacity, s2.existing_load, s2.active) == (Level.JUNIOR, None, 0, False)
    assert k1.regions == frozenset({NATIONWIDE})


def test_every_bad_cell_is_reported_with_excel_row_and_header(book_path: Path) -> None:
    book = read_book(book_path)
    cells = errors_by_cell(book)
    assert set(cells) == {
        (4, "潜在价值"),
        (4, "合作意向"),
        (4, "最近交易日期"),
        (4, "现负责人"),
        (4, "统一社会信用代码"),
        (5, "客户名称"),
        (7, "客户编号"),
        (8, "地区"),
    }
    assert cells[(4, "潜在价值")] == "不是数字"  # the user's language: Chinese by default
    assert "未导入" in cells[(5, "客户名称")]
    assert "第2行" in cells[(7, "客户编号")]
    english = errors_by_cell(read_book(book_path, lang="en"))
    assert set(english) == set(cells)
    assert english[(4, "潜在价值")] == "not a number"
    assert "skipped" in english[(5, "客户名称")]
    assert "row 2" in english[(7, "客户编号")]
    bad_value = next(e for e in book.errors if e.column == "潜在价值")
    assert bad_value.as_dict() == {
        "sheet": "客户",
        "row": 4,
        "column": "潜在价值",
        "value": "待定",
        "message": bad_value.message,
    }
    rows = [e.row for e in book.errors]
    assert rows == sorted(rows)


def test_csv_pair_matches_workbook(tmp_path: Path, book_path: Path) -> None:
    customers = [
        [v.isoformat() if isinstance(v, date) else v for v in row] for row in CUSTOMER_ROWS
    ]
    csv_book = read_book(
        write_csv(tmp_path / "c.csv", customers, bom=True), write_csv(tmp_path / "r.csv", REP_ROWS)
    )
    xlsx_book = read_book(book_path)
    assert csv_book.customers.keys == xlsx_book.customers.keys
    assert csv_book.customers.owner == xlsx_book.customers.owner
    assert (
        csv_book.customers.potential_value.tolist() == xlsx_book.customers.potential_value.tolist()
    )
    assert csv_book.customers.last_deal_day.tolist() == xlsx_book.customers.last_deal_day.tolist()
    assert csv_book.reps == xlsx_book.reps
    assert [(e.row, e.column) for e in csv_book.errors] == [
        (e.row, e.column) for e in xlsx_book.errors
    ]
    assert csv_book.customer_sheet == "c.csv"


def test_english_headers_and_gb18030_csv(tmp_path: Path) -> None:
    customers = write_csv(
        tmp_path / "c.csv",
        [
            ["Name", "Region", "Potential Value", "Intent", "Owner"],
            ["甲公司", "Zhejiang", "1.2亿", "High", "Ann"],
        ],
        encoding="gb18030",
    )
    reps = write_csv(tmp_path / "r.csv", [["Name", "Territory", "Level"], ["Ann", "浙江", "mid"]])
    book = read_book(customers, reps)
    assert book.customers.keys == ["2"]  # no key column: the row number
    assert book.customers.region_name(0) == "浙江"
    assert book.customers.potential_value[0] == 120_000_000.0
    assert book.customers.owner == ["Ann"]  # rep key is the name when there is no 工号
    assert book.reps[0].key == "Ann"
    assert book.errors == []


def test_sheet_found_anywhere_and_rows_counted_from_the_sheet_top(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Customers")
    ws.write_row(2, 1, ["customer", "潜在价值"])  # header on row 3, from column B
    ws.write_row(3, 1, ["甲", "bad"])
    reps = book.add_worksheet("Reps")
    reps.write_row(0, 0, ["姓名"])
    reps.write_row(1, 0, ["张三"])
    book.close()
    result = read_book(path)
    assert result.customers.keys == ["4"]
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("Customers", 4, "潜在价值")]


def test_unit_in_header_scales_values(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "b.xlsx",
        {"客户": [["客户名称", "潜在价值（万元）"], ["甲", 50]], "销售": [["姓名"], ["张三"]]},
    )
    assert read_book(path).customers.potential_value.tolist() == [500_000.0]


def test_ragged_csv_rows_are_padded(tmp_path: Path) -> None:
    customers = tmp_path / "c.csv"
    customers.write_text("客户名称,地区,合作意向\n甲,上海\n乙,广东,高\n", encoding="utf-8")
    reps = write_csv(tmp_path / "r.csv", [["姓名"], ["张三"]])
    book = read_book(customers, reps)
    assert book.customers.names == ["甲", "乙"]
    assert book.customers.intent.tolist() == [Intent.UNKNOWN, Intent.HIGH]


def test_locked_without_owner_is_reported_and_unlocked(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "b.xlsx",
        {"客户": [["客户名称", "锁定"], ["甲", "是"]], "销售": [["姓名"], ["张三"]]},
    )
    book = read_book(path)
    assert book.customers.locked.tolist() == [False]
    assert [(e.row, e.column) for e in book.errors] == [(2, "锁定")]


def test_ambiguous_owner_name(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "b.xlsx",
        {
            "客户": [["客户名称", "现负责人"], ["甲", "张三"], ["乙", "S2"]],
            "销售": [["工号", "姓名"], ["S1", "张三"], ["S2", "张三"]],
        },
    )
    book = read_book(path)
    assert book.customers.owner == ["", "S2"]
    assert "工号" in book.errors[0].message


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "file not found"),
        ("no_customer_sheet", "no customer sheet"),
        ("no_rep_sheet", "no rep sheet"),
        ("no_name_column", "missing required column 客户名称"),
        ("no_rep_name_column", "missing required column 姓名"),
        ("csv_without_reps", "--reps"),
        ("not_a_workbook", "cannot read"),
        ("wrong_type", "unsupported file type"),
        ("empty_sheet", "empty"),
        ("named_sheet_missing", "no sheet named"),
    ],
)
def test_unusable_input(tmp_path: Path, setup: str, message: str) -> None:
    reps = {"销售": [["姓名"], ["张三"]]}
    kwargs: dict[str, Any] = {}
    reps_path: Path | None = None
    if setup == "missing":
        path = tmp_path / "nope.xlsx"
    elif setup == "no_customer_sheet":
        path = write_xlsx(
            tmp_path / "b.xlsx", {"Sheet1": [["地区", "行业"], ["上海", "制造"]], **reps}
        )
    elif setup == "no_rep_sheet":
        path = write_xlsx(tmp_path / "b.xlsx", {"客户": [["客户名称"], ["甲"]]})
    elif setup == "no_name_column":
        path = write_xlsx(tmp_path / "b.xlsx", {"客户": [["地区"], ["上海"]], **reps})
    elif setup == "no_rep_name_column":
        path = write_xlsx(
            tmp_path / "b.xlsx", {"客户": [["客户名称"], ["甲"]], "销售": [["工号"], ["S1"]]}
        )
    elif setup == "csv_without_reps":
        path = write_csv(tmp_path / "c.csv", [["客户名称"], ["甲"]])
    elif setup == "not_a_workbook":
        path = tmp_path / "b.xlsx"
        path.write_text("this is not a zip file")
    elif setup == "wrong_type":
        path = tmp_path / "b.pdf"
        path.write_text("%PDF")
    elif setup == "empty_sheet":
        path = write_xlsx(tmp_path / "b.xlsx", {"客户": [], **reps})
    else:
        path = write_xlsx(tmp_path / "b.xlsx", {"客户": [["客户名称"], ["甲"]], **reps})
        kwargs["sheet"] = "Leads"
    with pytest.raises(InputError, match=message) as caught:
        read_book(path, reps_path, **kwargs)
    assert "\n" not in str(caught.value)


def test_single_sheet_workbook_with_separate_reps(tmp_path: Path) -> None:
    customers = write_xlsx(tmp_path / "c.xlsx", {"Sheet1": [["客户名称"], ["甲"]]})
    reps = write_csv(tmp_path / "r.csv", [["姓名"], ["张三"]])
    assert read_book(customers, reps).customers.names == ["甲"]


def test_quoted_csv_cells(tmp_path: Path) -> None:
    customers = tmp_path / "c.csv"
    customers.write_text(
        '客户名称,产品需求,地区\r\n"甲,乙公司","ERP,CRM",上海\r\n"多行\n公司",安全,"广东"\r\n丙,,北京\r\n',
        encoding="utf-8",
    )
    reps = write_csv(tmp_path / "r.csv", [["姓名"], ["张三"]])
    book = read_book(customers, reps)
    assert book.customers.names == ["甲,乙公司", "多行\n公司", "丙"]
    assert book.customers.keys == ["2", "3", "4"]  # records, as Excel numbers the rows
    assert book.customers.product_sets[book.customers.product_set[0]] == frozenset({"ERP", "CRM"})
    assert [book.customers.region_name(i) for i in range(3)] == ["上海", "广东", "北京"]


def test_tab_separated_and_crlf(tmp_path: Path) -> None:
    customers = tmp_path / "c.tsv"
    customers.write_bytes("客户名称\t地区\r\n甲\t上海\r\n".encode())
    reps = write_csv(tmp_path / "r.csv", [["姓名"], ["张三"]])
    book = read_book(customers, reps)
    assert book.customers.names == ["甲"]
    assert book.customers.region_name(0) == "上海"


@pytest.mark.parametrize("name", ["book", "example"])
def test_fast_table_equals_the_engine_constructor(book_path: Path, name: str) -> None:
    """The reader builds the CustomerTable column-wise; it must equal `from_columns`."""
    path = (
        book_path if name == "book" else Path(__file__).resolve().parents[2] / "examples/book.xlsx"
    )
    book = read_book(path)
    c = book.customers
    expected = CustomerTable.from_columns(
        keys=c.keys,
        names=c.names,
        region=[c.region_name(i) for i in range(len(c))],
        city=c.city,
        industry=[c.industry_name(i) for i in range(len(c))],
        products=[c.product_sets[k] for k in c.product_set],
        potential_value=c.potential_value,
        intent=c.intent.tolist(),
        deal_count=c.deal_count.tolist(),
        deal_amount=c.deal_amount,
        last_deal=[
            None if d < 0 else date.fromordinal(date(1970, 1, 1).toordinal() + int(d))
            for d in c.last_deal_day
        ],
        is_new=[None if v < 0 else bool(v) for v in c.is_new],
        owner=c.owner,
        locked=c.locked.tolist(),
    )
    for field in CustomerTable.__dataclass_fields__:
        got, want = getattr(c, field), getattr(expected, field)
        if isinstance(want, np.ndarray):
            assert got.dtype == want.dtype, field
            assert got.shape == want.shape, field
            assert np.array_equal(got, want), field
        else:
            assert got == want, field
