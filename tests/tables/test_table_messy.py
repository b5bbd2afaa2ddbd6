"""The deliberately messy example books (examples/messy.xlsx and examples/messy_gbk.csv):
every rule's outcome, row by row, and the exact list of errors."""

from __future__ import annotations

import importlib.util
import random
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from fenpei.engine.model import NATIONWIDE, Intent, Level
from fenpei.tables import Book, read_book
from fenpei.tables.values import credit_code_check, parse_credit_code

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MESSY = EXAMPLES / "messy.xlsx"
MESSY_CSV = EXAMPLES / "messy_gbk.csv"
H, M, L, U = Intent.HIGH, Intent.MEDIUM, Intent.LOW, Intent.UNKNOWN


def make_examples() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_examples", EXAMPLES / "make_examples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def book() -> Book:
    return read_book(MESSY)


@pytest.fixture(scope="module")
def csv_book() -> Book:
    return read_book(MESSY_CSV, MESSY)  # the reps come from the workbook's 销售人员 sheet


def days(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def row_of(book: Book, key: str) -> dict[str, Any]:
    c = book.customers
    i = c.keys.index(key)
    return {
        "row": book.rows[i],
        "name": c.names[i],
        "region": c.region_name(i),
        "city": c.city[i],
        "value": float(c.potential_value[i]),
        "intent": Intent(int(c.intent[i])),
        "products": c.product_sets[c.product_set[i]],
        "deal_amount": float(c.deal_amount[i]),
        "deal_count": int(c.deal_count[i]),
        "last_deal": int(c.last_deal_day[i]),
        "is_new": int(c.is_new[i]),
        "owner": c.owner[i],
        "phone": book.phones[i],
        "email": book.emails[i],
        "code_ok": bool(book.credit_codes[i]),
    }


# key → (Excel row, province, city, 潜在价值 in yuan, intent): where the table is, regions,
# amounts with the header's 万元 and the cells' own units, intents.
CUSTOMERS = {
    "M001": (5, "上海", "上海", 500_000, H),  # address; 50 in a 万元 column; 高
    "M002": (6, "江苏", "苏州", 500_000, H),  # province+city+park; "50万" wins; 意向强烈
    "M003": (7, "广东", "深圳", 120_000_000, H),  # a city alone; 1.2亿; ★★★★
    "M004": (8, "广东", "广州", 300_000, H),  # merged 地区 + 城市 column; ３０万; 4星
    "M005": (9, "广东", "东莞", 12_000_000, M),  # merged cell filled; "1,200" 万; rating 3
    "M006": (11, "浙江", "杭州", 800_000, H),  # after a blank row; 约80万; High
    "M007": (12, "安徽", "", 750_000, M),  # 皖; 50-100万 → the middle; Medium
    "M008": (13, "四川", "成都", 2_000_000, L),  # address with a district; Low
    "M009": (14, "新疆", "乌鲁木齐", 0, L),  # autonomous region; -20 → error, row kept; 弱
    "M010": (15, "吉林", "延边", 0, M),  # autonomous prefecture; 面议 → error; 一般
    "M011": (17, "北京", "北京", 3_000_000, H),  # after the section row; rating 5
    "M012": (18, "天津", "天津", 15_000_000, L),  # Tianjin; 1.5千万; rating 2
    "M014": (20, "", "", 100_000, M),  # 火星基地 → error, row kept
    "M015": (21, "吉林", "吉林市", 600_000, M),  # 吉林市 the city
    "M016": (22, "山东", "青岛", 450_000, U),  # 山东青岛; 看情况 → error
    "M017": (23, "重庆", "重庆", 700_000, U),  # 渝; 未知
    "M018": (24, "江苏", "苏州", 250_000, M),  # 昆山市 → 苏州; 25万元
    "M019": (25, "上海", "上海", 500_000, H),  # M001 typed again (a duplicate, see tests/cli)
}


def test_rows_kept_and_where_they_are(book: Book) -> None:
    assert book.customer_sheet == "客户列表"  # found by name
    assert book.rep_sheet == "销售人员"
    assert book.customers.keys == list(CUSTOMERS)  # no blank, section, totals or note rows
    assert book.rows == [row for row, *_ in CUSTOMERS.values()]


@pytest.mark.parametrize(("key", "expected"), CUSTOMERS.items(), ids=list(CUSTOMERS))
def test_each_customer(book: Book, key: str, expected: tuple[Any, ...]) -> None:
    got = row_of(book, key)
    assert (got["row"], got["region"], got["city"], got["value"], got["intent"]) == expected


@pytest.mark.parametrize(
    ("key", "field", "expected"),
    [
        # lists split on 、，,;；/ and spaces
        pytest.param("M001", "products", frozenset({"ERP", "CRM"}), id="list-dunhao"),
        pytest.param("M002", "products", frozenset({"ERP", "数据分析"}), id="list-fullwidth-comma"),
        pytest.param("M003", "products", frozenset({"云服务", "安全"}), id="list-semicolon"),
        pytest.param("M004", "products", frozenset({"CRM", "云服务"}), id="list-slash"),
        pytest.param("M006", "products", frozenset({"ERP", "CRM"}), id="list-space"),
        pytest.param("M017", "products", frozenset(), id="dash-means-nothing"),
        # amounts in the 历史成交额(元) column
        pytest.param("M001", "deal_amount", 1_200_000.0, id="deal-yen-thousands"),
        pytest.param("M002", "deal_amount", 1_200_000.0, id="deal-space-yuan"),
        pytest.param("M005", "deal_amount", 80_000.0, id="deal-fullwidth-yen"),
        pytest.param("M006", "deal_amount", 500_000.0, id="deal-wan"),
        pytest.param("M002", "deal_count", 3, id="count-ci"),
        pytest.param("M005", "deal_count", 2, id="count-fullwidth"),
        # dates
        pytest.param("M001", "last_deal", days(date(2025, 6, 1)), id="date-excel-cell"),
        pytest.param("M002", "last_deal", days(date(2024, 3, 5)), id="date-slashes"),
        pytest.param("M003", "last_deal", days(date(2024, 3, 5)), id="date-nian-yue-ri"),
        pytest.param("M004", "last_deal", days(date(2024, 3, 5)), id="date-compact"),
        pytest.param("M005", "last_deal", days(date(2024, 3, 5)), id="date-dots"),
        pytest.param("M011", "last_deal", -1, id="date-that-does-not-exist"),
        # phones
        pytest.param("M001", "phone", "13800138000", id="phone-mobile"),
        pytest.param("M002", "phone", "13912345678", id="phone-plus86-dashes"),
        pytest.param("M003", "phone", "0755-88886666", id="phone-area-code-in-brackets"),
        pytest.param("M004", "phone", "020-12345678-8001", id="phone-extension"),
        pytest.param("M005", "phone", "13500001111", id="phone-0086-spaces"),
        pytest.param("M007", "phone", "13800138001", id="phone-fullwidth-digits"),
        pytest.param("M012", "phone", "", id="phone-10-digits-is-an-error"),
        # owners by name or 工号; an unknown one is an error
        pytest.param("M001", "owner", "S001", id="owner-by-name"),
        pytest.param("M002", "owner", "S002", id="owner-by-key"),
        pytest.param("M008", "owner", "", id="owner-unknown"),
        # new or existing
        pytest.param("M001", "is_new", 0, id="lao"),
        pytest.param("M003", "is_new", 1, id="xin"),
        # credit codes: valid, lower case with a space, wrong check character, too short
        pytest.param("M001", "code_ok", True, id="code-valid"),
        pytest.param("M018", "code_ok", True, id="code-lower-case-with-space"),
        pytest.param("M011", "code_ok", False, id="code-wrong-check-character"),
        pytest.param("M012", "code_ok", False, id="code-too-short"),
        pytest.param("M012", "email", "", id="email-bad"),
    ],
)
def test_values(book: Book, key: str, field: str, expected: Any) -> None:
    assert row_of(book, key)[field] == expected


def test_normalised_credit_code(book: Book) -> None:
    code = book.credit_codes[book.customers.keys.index("M018")]
    assert code == code.upper() and " " not in code and parse_credit_code(code) == code


MESSY_ERRORS = [
    (13, "业务员", "赵六", "不在销售名单中"),
    (14, "潜在价值（万元）", "-20", "金额不能为负"),
    (15, "潜在价值（万元）", "面议", "不是数字"),
    (16, "公司名称*", "—— 以下为华北区客户 ——", "整行合并的说明行，未导入"),
    (17, "最近成交日期", "2024-02-30", "日期不存在"),
    (17, "统一社会信用代码", "BADCHECK", "统一社会信用代码校验位不对（按前17位应为 {}）"),
    (18, "手机", "1380013800", "手机号应为11位（此处10位）"),
    (18, "邮箱", "not-an-email", "不是邮箱地址"),
    (18, "统一社会信用代码", "91120000MA05",
     "统一社会信用代码应为18位数字或大写字母（不含 I O S V Z），此处为12位"),
    (19, "公司名称*", "", "缺少公司名称，此行未导入"),
    (20, "所在地区", "火星基地", "无法识别的地区（应为省份、城市或地址）"),
    (22, "意向程度", "看情况", "合作意向应为 高/中/低/未知 或 1–5 星"),
    (26, "公司名称*", "合计", "合计行，未导入"),
    (28, "公司名称*", "注：数据截至2026年1月，金额单位见表头", "说明文字，未导入"),
]  # fmt: skip
MESSY_REP_ERRORS = [
    (8, "在职状态", "出差", "无法识别的在岗状态，按不在岗处理（应为 是/否、在职/离职、休假 …）"),
    (9, "负责区域", "四川、火星", "无法识别的地区：火星"),
    (9, "职级", "P7", "级别应为 初级/中级/高级（或 资深、销售经理、销售助理 等）"),
]


def test_the_exact_errors(book: Book) -> None:
    bad_code = next(e.value for e in book.errors if e.column == "统一社会信用代码")
    expected_check = credit_code_check(bad_code[:17])
    expected = [
        ("客户列表", row, column, bad_code if value == "BADCHECK" else value,
         message.format(expected_check))
        for row, column, value, message in MESSY_ERRORS
    ] + [("销售人员", *error) for error in MESSY_REP_ERRORS]  # fmt: skip
    assert [(e.sheet, e.row, e.column, e.value, e.message) for e in book.errors] == expected


def test_the_same_errors_in_english() -> None:
    zh = read_book(MESSY)
    en = read_book(MESSY, lang="en")
    assert [(e.sheet, e.row, e.column, e.value) for e in en.errors] == [
        (e.sheet, e.row, e.column, e.value) for e in zh.errors
    ]
    messages = [e.message for e in en.errors]
    assert messages[:4] == [
        "not found among the reps",
        "amount must not be negative",
        "not a number",
        "a note merged across the row, not a record; skipped",
    ]
    assert all(not any("\u4e00" <= ch <= "\u9fff" for ch in m) or "火星" in m for m in messages)


REPS = {
    # key: (regions, level, capacity, existing load, active)
    "S001": (frozenset({"上海", "江苏"}), Level.SENIOR, 30, 2, True),  # 高级销售; 30个; 在职
    "S002": (frozenset({"浙江", "安徽"}), Level.SENIOR, 30, 0, True),  # 资深; ３０; 是
    "S003": (frozenset({"深圳", "广州"}), Level.SENIOR, 25, 0, True),  # cities; 销售经理; 在岗
    "S004": (frozenset({"深圳", "东莞"}), Level.JUNIOR, 20, 0, False),  # 广东省深圳市; 休假
    "S005": (frozenset({"北京", "天津"}), Level.MID, 20, 0, False),  # 离职
    "K001": (frozenset({NATIONWIDE}), Level.JUNIOR, 15, 0, False),  # 全国; 15个; 出差
    "S007": (frozenset({"四川"}), Level.MID, 20, 0, True),  # 火星 dropped; P7 → default
}


@pytest.mark.parametrize(("key", "expected"), REPS.items(), ids=list(REPS))
def test_reps(book: Book, key: str, expected: tuple[Any, ...]) -> None:
    rep = next(r for r in book.reps if r.key == key)
    assert (rep.regions, rep.level, rep.capacity, rep.existing_load, rep.active) == expected


# ------------------------------------------------------------------- the GBK CSV


def test_gb18030_csv(csv_book: Book) -> None:
    assert MESSY_CSV.read_bytes().decode("gb18030").startswith("2026年客户名单")
    c = csv_book.customers
    assert csv_book.customer_sheet == "messy_gbk.csv"
    assert c.names == [
        "𠮷野家餐饮管理（上海）有限公司",
        "广西柳州螺蛳粉食品有限公司",
        "内蒙古伊利乳业销售有限公司",
        "宁夏枸杞贸易有限公司",
    ]
    assert csv_book.rows == [4, 5, 6, 8]  # a title line and a blank line above the header
    assert [(c.region_name(i), c.city[i]) for i in range(4)] == [
        ("上海", "上海"), ("广西", "柳州"), ("内蒙古", "呼和浩特"), ("宁夏", ""),
    ]  # fmt: skip
    assert c.potential_value.tolist() == [800_000.0, 120_000_000.0, 500_000.0, 0.0]
    assert c.intent.tolist() == [H, M, H, L]
    assert csv_book.phones == ["021-64871234", "0772-2881234", "13912345678", "0951-5012345"]
    assert c.last_deal_day.tolist() == [days(date(2025, 6, 1))] + [days(date(2025, 1, 8))] * 3
    assert c.owner == ["S001", "S003", "", ""]
    assert [bool(code) for code in csv_book.credit_codes] == [True, False, True, False]
    assert [(e.sheet, e.row, e.column, e.message) for e in csv_book.errors[:4]] == [
        ("messy_gbk.csv", 5, "统一社会信用代码", csv_book.errors[0].message),
        ("messy_gbk.csv", 7, "客户名称", "缺少客户名称，此行未导入"),
        ("messy_gbk.csv", 8, "潜在价值(万)", "不是数字"),
        ("messy_gbk.csv", 8, "现负责人", "不在销售名单中"),
    ]
    assert csv_book.errors[0].message.startswith("统一社会信用代码校验位不对")
    assert [(e.sheet, e.row) for e in csv_book.errors[4:]] == [("销售人员", 8), ("销售人员", 9),
                                                              ("销售人员", 9)]  # fmt: skip


# ------------------------------------------------------------------ the generator


def test_examples_are_reproducible(tmp_path: Path) -> None:
    module = make_examples()
    rows, csv_rows = module.messy_cells(random.Random(module.SEED + 1))
    module.write_messy_book(tmp_path / "messy.xlsx", rows)
    module.write_messy_csv(tmp_path / "messy_gbk.csv", csv_rows)
    assert (tmp_path / "messy_gbk.csv").read_bytes() == MESSY_CSV.read_bytes()
    assert (tmp_path / "messy.xlsx").read_bytes() == MESSY.read_bytes()
