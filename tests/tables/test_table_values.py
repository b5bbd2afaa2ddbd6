"""Table-driven tests for cell parsing, regions and header mapping."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from fenpei.engine.model import NATIONWIDE, Intent, Level
from fenpei.tables.headers import map_headers
from fenpei.tables.regions import PROVINCES, is_nationwide, province_of, split_region
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
    parse_number,
    parse_phone,
    parse_yes_no,
    phone_digits,
    text_of,
)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (1200000, 1_200_000.0),
        (1200000.0, 1_200_000.0),
        ("1200000", 1_200_000.0),
        ("1,200,000", 1_200_000.0),
        ("¥1,200,000", 1_200_000.0),
        ("￥1,200,000元", 1_200_000.0),
        ("50万", 500_000.0),
        ("50万元", 500_000.0),
        ("1.2亿", 120_000_000.0),
        ("３０万", 300_000.0),  # full-width digits
        (" 80000 ", 80_000.0),
        ("1.5e6", 1_500_000.0),
        ("0", 0.0),
    ],
)
def test_amounts(cell: Any, expected: float) -> None:
    assert parse_amount(cell) == pytest.approx(expected)


@pytest.mark.parametrize(
    "cell", ["待定", "abc", "50万万", "1.2.3", "", "nan", "inf", True, "-5", -5.0, "--1"]
)
def test_bad_amounts(cell: Any) -> None:
    with pytest.raises(BadValueError):
        parse_amount(cell)


def test_number_allows_negative_but_amount_does_not() -> None:
    assert parse_number("-5") == -5.0
    with pytest.raises(BadValueError, match="negative"):
        parse_amount("-5")


@pytest.mark.parametrize(
    ("cell", "expected"), [(3, 3), (3.0, 3), ("12", 12), ("1万", 10_000), ("０", 0)]
)
def test_counts(cell: Any, expected: int) -> None:
    assert parse_count(cell) == expected


@pytest.mark.parametrize("cell", [2.5, "2.5", "-1", "many", 1e12])
def test_bad_counts(cell: Any) -> None:
    with pytest.raises(BadValueError):
        parse_count(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("高", Intent.HIGH),
        ("high", Intent.HIGH),
        ("High", Intent.HIGH),
        ("高意向", Intent.HIGH),
        ("中", Intent.MEDIUM),
        ("medium", Intent.MEDIUM),
        ("一般", Intent.MEDIUM),
        ("低", Intent.LOW),
        ("LOW", Intent.LOW),
        ("未知", Intent.UNKNOWN),
        ("unknown", Intent.UNKNOWN),
    ],
)
def test_intents(cell: str, expected: Intent) -> None:
    assert parse_intent(cell) is expected


@pytest.mark.parametrize("cell", ["很想合作", "maybe", "4"])
def test_bad_intents(cell: str) -> None:
    with pytest.raises(BadValueError):
        parse_intent(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("初级", Level.JUNIOR),
        ("junior", Level.JUNIOR),
        ("中级", Level.MID),
        ("Mid", Level.MID),
        ("高级", Level.SENIOR),
        ("senior", Level.SENIOR),
        ("资深", Level.SENIOR),
        ("高级销售", Level.SENIOR),
    ],
)
def test_levels(cell: str, expected: Level) -> None:
    assert parse_level(cell) is expected


def test_bad_level() -> None:
    with pytest.raises(BadValueError, match="初级/中级/高级"):
        parse_level("总监")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("是", True), ("否", False), ("Y", True), ("no", False), (True, True), (1.0, True),
     (0, False), ("在岗", True), ("离职", False)],
)  # fmt: skip
def test_yes_no(cell: Any, expected: bool) -> None:
    assert parse_yes_no(cell) is expected


def test_bad_yes_no() -> None:
    with pytest.raises(BadValueError):
        parse_yes_no("也许")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("新", True), ("新客户", True), ("new", True), ("老", False), ("老客户", False),
     ("existing", False)],
)  # fmt: skip
def test_customer_type(cell: str, expected: bool) -> None:
    assert parse_customer_type(cell) is expected


def test_bad_customer_type() -> None:
    with pytest.raises(BadValueError):
        parse_customer_type("VIP")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("云服务、ERP", ("云服务", "ERP")),
        ("云服务，ERP,CRM", ("云服务", "ERP", "CRM")),
        ("ERP; CRM；安全", ("ERP", "CRM", "安全")),
        ("ERP/CRM", ("ERP", "CRM")),
        ("ERP CRM  ERP", ("ERP", "CRM")),
        ("数据分析", ("数据分析",)),
        ("、、", ()),
    ],
)
def test_lists(cell: str, expected: tuple[str, ...]) -> None:
    assert parse_list(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (date(2025, 3, 1), date(2025, 3, 1)),
        (datetime(2025, 3, 1, 14, 30), date(2025, 3, 1)),
        ("2025-03-01", date(2025, 3, 1)),
        ("2025/3/1", date(2025, 3, 1)),
        ("2025.03.01", date(2025, 3, 1)),
        ("2025年3月1日", date(2025, 3, 1)),
        ("20250301", date(2025, 3, 1)),
        ("2025-03-01 00:00:00", date(2025, 3, 1)),
        (45717.0, date(2025, 3, 1)),  # an Excel serial day number
    ],
)
def test_dates(cell: Any, expected: date) -> None:
    assert parse_date(cell) == expected


@pytest.mark.parametrize("cell", ["2025-13-01", "2025-02-30", "昨天", "03/01/2025", -3.0])
def test_bad_dates(cell: Any) -> None:
    with pytest.raises(BadValueError):
        parse_date(cell)


def test_credit_code() -> None:
    assert parse_credit_code("91310000ma1fl0001x") == "91310000MA1FL0001X"
    for bad in ("9131000", "91310000MA1FL0001I", "abc"):
        with pytest.raises(BadValueError):
            parse_credit_code(bad)


def test_phones_and_emails() -> None:
    assert parse_phone("138-0013-8000") == "138-0013-8000"
    assert parse_phone(13800138000.0) == "13800138000"
    assert phone_digits("+86 138 0013 8000") == "13800138000"
    assert phone_digits("021-6234 5678") == "02162345678"
    with pytest.raises(BadValueError):
        parse_phone("call me")
    assert parse_email("a.b@example.cn") == "a.b@example.cn"
    with pytest.raises(BadValueError):
        parse_email("not-an-email")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("C001", "C001"), (1001.0, "1001"), (1001, "1001"), ("  x  ", "x"), (True, "是"),
     (2.5, "2.5"), (date(2025, 1, 2), "2025-01-02")],
)  # fmt: skip
def test_text_of(cell: Any, expected: str) -> None:
    assert text_of(cell) == expected


# ----------------------------------------------------------------------- regions


@pytest.mark.parametrize(
    ("text", "province", "city"),
    [
        ("上海", "上海", "上海"),
        ("上海市", "上海", "上海"),
        ("上海市浦东新区张江路", "上海", "上海"),
        ("广东", "广东", ""),
        ("广东省", "广东", ""),
        ("广东省深圳市南山区", "广东", "深圳"),
        ("广东深圳", "广东", "深圳"),
        ("内蒙古", "内蒙古", ""),
        ("内蒙古自治区", "内蒙古", ""),
        ("新疆维吾尔自治区", "新疆", ""),
        ("新疆", "新疆", ""),
        ("广西壮族自治区南宁市", "广西", "南宁"),
        ("宁夏回族自治区", "宁夏", ""),
        ("香港特别行政区", "香港", ""),
        ("Guangdong", "广东", ""),
        ("Inner Mongolia", "内蒙古", ""),
        ("shanghai", "上海", "上海"),
        (" 北京 ", "北京", "北京"),
    ],
)
def test_regions(text: str, province: str, city: str) -> None:
    assert split_region(text) == (province, city)


def test_all_34_divisions_round_trip() -> None:
    assert len(PROVINCES) == 34
    for short, official, _ in PROVINCES:
        assert province_of(short) == short
        assert province_of(official) == short


@pytest.mark.parametrize("text", ["火星", "华东", "", "浦东新区"])
def test_unknown_regions(text: str) -> None:
    with pytest.raises(BadValueError):
        province_of(text)


def test_nationwide_words() -> None:
    assert is_nationwide(NATIONWIDE)
    assert is_nationwide("Nationwide")
    assert not is_nationwide("上海")


# ----------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("客户名称", "name"),
        ("公司名称", "name"),
        ("客户", "name"),
        ("name", "name"),
        ("Customer Name", "name"),
        ("客户名称*", "name"),
        ("客户编号", "key"),
        ("customer_key", "key"),
        ("ID", "key"),
        ("地区", "region"),
        ("省份", "region"),
        ("Province", "region"),
        ("潜在价值", "potential_value"),
        ("Potential Value", "potential_value"),
        ("合作意向", "intent"),
        ("intent", "intent"),
        ("产品需求", "products"),
        ("联系电话", "phone"),
        ("手机", "phone"),
        ("邮箱", "email"),
        ("E-mail", "email"),
        ("历史交易额", "deal_amount"),
        ("交易次数", "deal_count"),
        ("最近交易日期", "last_deal"),
        ("客户类型", "customer_type"),
        ("现负责人", "owner"),
        ("owner", "owner"),
        ("统一社会信用代码", "credit_code"),
        ("锁定", "locked"),
        ("行业", "industry"),
        ("联系人", "contact"),
    ],
)
def test_customer_headers(header: str, field: str) -> None:
    columns = map_headers(["x", header], "customers")
    assert columns[field].index == 1
    assert columns[field].header == header


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("姓名", "name"),
        ("销售", "name"),
        ("Name", "name"),
        ("工号", "key"),
        ("employee id", "key"),
        ("团队", "team"),
        ("负责地区", "regions"),
        ("Territory", "regions"),
        ("擅长行业", "industries"),
        ("产品", "products"),
        ("级别", "level"),
        ("容量", "capacity"),
        ("capacity", "capacity"),
        ("在岗", "active"),
        ("现有客户数", "existing_load"),
        ("existing_load", "existing_load"),
    ],
)
def test_rep_headers(header: str, field: str) -> None:
    columns = map_headers([header], "reps")
    assert columns[field].index == 0


def test_header_unit_and_first_column_wins() -> None:
    columns = map_headers(["客户名称", "潜在价值（万元）", "公司名称", "备注"], "customers")
    assert columns["name"].index == 0  # the first column naming a field wins
    assert columns["potential_value"].factor == 10_000
    assert set(columns) == {"name", "potential_value"}  # 备注 is ignored
