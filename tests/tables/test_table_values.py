"""Table-driven tests for cell parsing and header mapping: the forms people really type."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from fenpei.engine.model import NATIONWIDE, Intent, Level
from fenpei.tables.headers import map_headers
from fenpei.tables.regions import PROVINCES, is_nationwide, province_of, split_region
from fenpei.tables.values import (
    BadValueError,
    credit_codes_bulk,
    emails_bulk,
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
    parse_number,
    parse_phone,
    parse_yes_no,
    phone_digits,
    phones_bulk,
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


@pytest.mark.parametrize("cell", ["很想合作", "maybe", "6", "-1", "☆☆☆"])
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
        parse_level("合伙人")


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
    assert parse_credit_code("91310000ma1fl0001r") == "91310000MA1FL0001R"
    for bad in ("9131000", "91310000MA1FL0001I", "abc", "91310000MA1FL0001X"):
        with pytest.raises(BadValueError):
            parse_credit_code(bad)


def test_phones_and_emails() -> None:
    assert parse_phone("138-0013-8000") == "13800138000"
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


@pytest.mark.parametrize(
    "text", ["火星", "华东", "", "南山区"]
)  # 南山区: in Shenzhen and in Hegang
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


# ------------------------------------------------------------------ messy values
# What people really type, one table per rule; ids name the form.


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param("50万", 500_000.0, id="wan"),
        pytest.param("50万元", 500_000.0, id="wan-yuan"),
        pytest.param("1.2亿", 120_000_000.0, id="yi"),
        pytest.param("1.2亿元", 120_000_000.0, id="yi-yuan"),
        pytest.param("¥1,200,000", 1_200_000.0, id="yen-sign-thousands"),
        pytest.param("￥1,200,000", 1_200_000.0, id="fullwidth-yen-sign"),
        pytest.param("1200000 元", 1_200_000.0, id="space-yuan"),
        pytest.param("1,200,000元", 1_200_000.0, id="thousands-yuan"),
        pytest.param("１，２００，０００", 1_200_000.0, id="fullwidth-thousands"),
        pytest.param("３０万", 300_000.0, id="fullwidth-digits-wan"),
        pytest.param("1 200 000", 1_200_000.0, id="space-thousands"),
        pytest.param("2千万", 20_000_000.0, id="qianwan"),
        pytest.param("3百万", 3_000_000.0, id="baiwan"),
        pytest.param("50w", 500_000.0, id="w-for-wan"),
        pytest.param("80k", 80_000.0, id="k"),
        pytest.param("约50万", 500_000.0, id="about"),
        pytest.param("50万左右", 500_000.0, id="more-or-less"),
        pytest.param("50万以上", 500_000.0, id="or-more"),
        pytest.param("50-100万", 750_000.0, id="range-unit-at-end"),
        pytest.param("50万~100万", 750_000.0, id="range-units-both"),
        pytest.param("50至100万", 750_000.0, id="range-zhi"),
        pytest.param("RMB 5000", 5_000.0, id="rmb-prefix"),
        pytest.param("1.2E+06", 1_200_000.0, id="excel-scientific-text"),
        pytest.param(1_200_000.0, 1_200_000.0, id="number-cell"),
    ],
)
def test_amounts_as_people_write_them(cell: Any, expected: float) -> None:
    assert parse_amount(cell) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param(50, 500_000.0, id="number-cell-times-header-unit"),
        pytest.param("50", 500_000.0, id="text-number-times-header-unit"),
        pytest.param("１２３.４", 1_234_000.0, id="fullwidth-times-header-unit"),
        pytest.param("1,200", 12_000_000.0, id="thousands-times-header-unit"),
        pytest.param("50万", 500_000.0, id="cell-unit-wins"),
        pytest.param("1200000元", 1_200_000.0, id="cell-yuan-wins"),
        pytest.param("1.2亿", 120_000_000.0, id="cell-yi-wins"),
    ],
)
def test_amounts_in_a_wan_column(cell: Any, expected: float) -> None:
    """潜在价值（万元）: bare numbers are in 万; a unit written in the cell wins."""
    assert parse_amount(cell, 10_000.0) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("cell", "zh", "en"),
    [
        pytest.param("-20", "金额不能为负", "amount must not be negative", id="negative"),
        pytest.param("-5万", "金额不能为负", "amount must not be negative", id="negative-wan"),
        pytest.param("面议", "不是数字", "not a number", id="to-be-negotiated"),
        pytest.param("待定", "不是数字", "not a number", id="undecided"),
        pytest.param(
            "1,2", "千分位逗号位置不对", "misplaced thousands separator", id="bad-grouping"
        ),
        pytest.param("100-50万", "范围的下限大于上限", "lower end exceeds", id="upside-down-range"),
        pytest.param("nan", "不是有限的数字", "not a finite number", id="nan"),
    ],
)
def test_bad_amount_messages(cell: str, zh: str, en: str) -> None:
    with pytest.raises(BadValueError) as caught:
        parse_amount(cell)
    assert caught.value.message("zh").startswith(zh)
    assert en in caught.value.message("en")
    assert caught.value.message() == caught.value.message("zh")  # Chinese by default


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param("30个", 30, id="ge"),
        pytest.param("３０", 30, id="fullwidth"),
        pytest.param("３０个", 30, id="fullwidth-ge"),
        pytest.param("30 家", 30, id="jia"),
        pytest.param("3次", 3, id="ci"),
        pytest.param(30.0, 30, id="number-cell"),
    ],
)
def test_capacities_and_counts(cell: Any, expected: int) -> None:
    assert parse_count(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param("高", Intent.HIGH, id="gao"),
        pytest.param("中", Intent.MEDIUM, id="zhong"),
        pytest.param("低", Intent.LOW, id="di"),
        pytest.param("强", Intent.HIGH, id="qiang"),
        pytest.param("一般", Intent.MEDIUM, id="yiban"),
        pytest.param("弱", Intent.LOW, id="ruo"),
        pytest.param("意向强烈", Intent.HIGH, id="yixiang-qianglie"),
        pytest.param("强烈", Intent.HIGH, id="qianglie"),
        pytest.param("意向一般", Intent.MEDIUM, id="yixiang-yiban"),
        pytest.param("意向低", Intent.LOW, id="yixiang-di"),
        pytest.param("无意向", Intent.LOW, id="wu-yixiang"),
        pytest.param("较高", Intent.HIGH, id="jiaogao"),
        pytest.param("中等", Intent.MEDIUM, id="zhongdeng"),
        pytest.param("High", Intent.HIGH, id="High"),
        pytest.param("MEDIUM", Intent.MEDIUM, id="MEDIUM"),
        pytest.param("low", Intent.LOW, id="low"),
        pytest.param("hot", Intent.HIGH, id="hot"),
        pytest.param("warm", Intent.MEDIUM, id="warm"),
        pytest.param("cold", Intent.LOW, id="cold"),
        pytest.param("★★★★★", Intent.HIGH, id="5-stars"),
        pytest.param("★★★★", Intent.HIGH, id="4-stars"),
        pytest.param("★★★", Intent.MEDIUM, id="3-stars"),
        pytest.param("★★★☆☆", Intent.MEDIUM, id="3-of-5-stars"),
        pytest.param("★★", Intent.LOW, id="2-stars"),
        pytest.param("★", Intent.LOW, id="1-star"),
        pytest.param("4星", Intent.HIGH, id="4-xing"),
        pytest.param("3星级", Intent.MEDIUM, id="3-xingji"),
        pytest.param("四星", Intent.HIGH, id="si-xing"),
        pytest.param("2 stars", Intent.LOW, id="2-stars-english"),
        pytest.param(5, Intent.HIGH, id="rating-5"),
        pytest.param(4.0, Intent.HIGH, id="rating-4"),
        pytest.param("3", Intent.MEDIUM, id="rating-3"),
        pytest.param(2, Intent.LOW, id="rating-2"),
        pytest.param("1", Intent.LOW, id="rating-1"),
        pytest.param("未知", Intent.UNKNOWN, id="weizhi"),
        pytest.param("待定", Intent.UNKNOWN, id="daiding"),
        pytest.param("0", Intent.UNKNOWN, id="rating-0"),
    ],
)
def test_intents_as_people_write_them(cell: Any, expected: Intent) -> None:
    assert parse_intent(cell) is expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param("高级销售", Level.SENIOR, id="gaoji-xiaoshou"),
        pytest.param("资深", Level.SENIOR, id="zishen"),
        pytest.param("资深销售", Level.SENIOR, id="zishen-xiaoshou"),
        pytest.param("销售经理", Level.SENIOR, id="xiaoshou-jingli"),
        pytest.param("销售总监", Level.SENIOR, id="xiaoshou-zongjian"),
        pytest.param("Senior Sales", Level.SENIOR, id="senior-sales"),
        pytest.param("中级销售", Level.MID, id="zhongji-xiaoshou"),
        pytest.param("中级销售经理", Level.MID, id="grade-beats-title"),
        pytest.param("mid", Level.MID, id="mid"),
        pytest.param("初级销售", Level.JUNIOR, id="chuji-xiaoshou"),
        pytest.param("销售助理", Level.JUNIOR, id="xiaoshou-zhuli"),
        pytest.param("实习生", Level.JUNIOR, id="shixisheng"),
        pytest.param("Junior", Level.JUNIOR, id="junior"),
    ],
)
def test_levels_with_titles(cell: str, expected: Level) -> None:
    assert parse_level(cell) is expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param("是", True, id="shi"),
        pytest.param("在职", True, id="zaizhi"),
        pytest.param("在岗", True, id="zaigang"),
        pytest.param("正常", True, id="zhengchang"),
        pytest.param("Y", True, id="Y"),
        pytest.param(True, True, id="bool-true"),
        pytest.param(1.0, True, id="one"),
        pytest.param("否", False, id="fou"),
        pytest.param("离职", False, id="lizhi"),
        pytest.param("休假", False, id="xiujia"),
        pytest.param("产假", False, id="chanjia"),
        pytest.param("停职", False, id="tingzhi"),
        pytest.param("on leave", False, id="on-leave"),
        pytest.param(False, False, id="bool-false"),
    ],
)
def test_rep_status(cell: Any, expected: bool) -> None:
    assert parse_active(cell) is expected


def test_unknown_rep_status_is_inactive_and_reported() -> None:
    with pytest.raises(BadValueError) as caught:
        parse_active("出差")
    assert caught.value.fallback is False  # anything but active: no new customers
    assert "不在岗" in caught.value.message("zh")
    assert "not active" in caught.value.message("en")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param(datetime(2024, 3, 5, 9, 30), date(2024, 3, 5), id="excel-datetime-cell"),
        pytest.param(date(2024, 3, 5), date(2024, 3, 5), id="excel-date-cell"),
        pytest.param(45356.0, date(2024, 3, 5), id="excel-serial"),
        pytest.param("2024-03-05", date(2024, 3, 5), id="iso"),
        pytest.param("2024/3/5", date(2024, 3, 5), id="slashes"),
        pytest.param("2024年3月5日", date(2024, 3, 5), id="nian-yue-ri"),
        pytest.param("２０２４年３月５日", date(2024, 3, 5), id="fullwidth-nian-yue-ri"),
        pytest.param("20240305", date(2024, 3, 5), id="compact-text"),
        pytest.param(20240305.0, date(2024, 3, 5), id="compact-number-cell"),
        pytest.param("2024.3.5", date(2024, 3, 5), id="dots"),
        pytest.param("2024-3-5 14:30", date(2024, 3, 5), id="with-time"),
        pytest.param("2024年3月", date(2024, 3, 1), id="month-only"),
    ],
)
def test_dates_as_people_write_them(cell: Any, expected: date) -> None:
    assert parse_date(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param("上海、江苏，浙江", ("上海", "江苏", "浙江"), id="dunhao-fullwidth-comma"),
        pytest.param(
            "北京,天津;河北；山西", ("北京", "天津", "河北", "山西"), id="commas-semicolons"
        ),
        pytest.param("ERP/CRM／安全", ("ERP", "CRM", "安全"), id="slashes"),
        pytest.param("ERP CRM　安全", ("ERP", "CRM", "安全"), id="spaces-ideographic-space"),
        pytest.param("ERP\nCRM", ("ERP", "CRM"), id="line-break-in-cell"),
        pytest.param("ERP+CRM", ("ERP", "CRM"), id="plus"),
    ],
)
def test_list_separators(cell: str, expected: tuple[str, ...]) -> None:
    assert parse_list(cell) == expected


# ----------------------------------------------------------------- credit codes

VALID_CODES = ["91310000MA1FL0001R", "91110000600001760P", "91440300MA5FXXXX8L"]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param("91310000MA1FL0001R", "91310000MA1FL0001R", id="valid"),
        pytest.param("91110000600001760P", "91110000600001760P", id="valid-digits"),
        pytest.param("91310000ma1fl0001r", "91310000MA1FL0001R", id="lower-case"),
        pytest.param(" 9131 0000 MA1F L000 1R ", "91310000MA1FL0001R", id="spaces"),
        pytest.param("９１３１００００ＭＡ１ＦＬ０００１Ｒ", "91310000MA1FL0001R", id="fullwidth"),
    ],
)
def test_credit_codes(cell: str, expected: str) -> None:
    assert parse_credit_code(cell) == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        pytest.param("91310000MA1FL0001X", "校验位不对（按前17位应为 R）", id="wrong-check-char"),
        pytest.param("91310000MA1FL0002R", "校验位不对", id="typo-in-body"),
        pytest.param("91310000MA1FL0001", "此处为17位", id="too-short"),
        pytest.param("91310000MA1FL0001RR", "此处为19位", id="too-long"),
        pytest.param("91310000MA1FL0O01R", "不含 I O S V Z", id="letter-O"),
        pytest.param("310000400012345", "此处为15位", id="old-registration-number"),
    ],
)
def test_bad_credit_codes(cell: str, message: str) -> None:
    with pytest.raises(BadValueError) as caught:
        parse_credit_code(cell)
    assert message in caught.value.message("zh")


def test_credit_codes_in_bulk_agree_with_one_by_one() -> None:
    cells: list[Any] = [
        *VALID_CODES,
        "",
        None,
        "91310000MA1FL0001X",
        "91310000ma1fl0001r",
        "abc",
        "   ",
        "91310000MA1FL0O01R",
        "码码码码码码码码码码码码码码码码码码",  # 18 characters, none of them ASCII
    ]
    codes, rest = credit_codes_bulk(cells)
    assert codes[:3] == VALID_CODES
    assert rest == [5, 6, 7, 9, 10]  # the one-cell parser reports or repairs these
    for position, cell in enumerate(cells):
        if position not in rest and cell and str(cell).strip():
            assert codes[position] == parse_credit_code(cell)


# ----------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param("13800138000", "13800138000", id="mobile"),
        pytest.param(13800138000.0, "13800138000", id="mobile-number-cell"),
        pytest.param("+86 138-0013-8000", "13800138000", id="plus86-dashes"),
        pytest.param("+8613800138000", "13800138000", id="plus86"),
        pytest.param("0086 138 0013 8000", "13800138000", id="0086-spaces"),
        pytest.param("86-13800138000", "13800138000", id="86-dash"),
        pytest.param("(+86) 138 0013 8000", "13800138000", id="bracketed-country-code"),
        pytest.param("１３８００１３８０００", "13800138000", id="fullwidth-digits"),
        pytest.param("138 0013 8000", "13800138000", id="spaces"),
        pytest.param("手机：13800138000", "13800138000", id="label"),
        pytest.param("021-62345678", "021-62345678", id="landline"),
        pytest.param("(021) 6234-5678", "021-62345678", id="landline-brackets"),
        pytest.param("（0755）88886666", "0755-88886666", id="landline-fullwidth-brackets"),
        pytest.param("02162345678", "021-62345678", id="landline-no-dash"),
        pytest.param("0571 8888 6666", "0571-88886666", id="landline-spaces"),
        pytest.param("+86 21 6234 5678", "021-62345678", id="landline-international"),
        pytest.param("+86 (0)21 6234 5678", "021-62345678", id="landline-international-0"),
        pytest.param("021-62345678转808", "021-62345678-808", id="extension-zhuan"),
        pytest.param("021-62345678-808", "021-62345678-808", id="extension-dash"),
        pytest.param("021-62345678 ext. 9", "021-62345678-9", id="extension-ext"),
        pytest.param("400-820-8820", "400-820-8820", id="400"),
        pytest.param("4008208820", "400-820-8820", id="400-plain"),
        pytest.param("62345678", "62345678", id="local-without-area-code"),
        pytest.param("13800138000/13900139000", "13800138000/13900139000", id="two-numbers"),
        pytest.param("13800138000、021-62345678", "13800138000/021-62345678", id="two-kinds"),
        pytest.param("+1 415 555 0100", "+14155550100", id="abroad"),
    ],
)
def test_phones_normalised(cell: Any, expected: str) -> None:
    assert parse_phone(cell) == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        pytest.param("1380013800", "手机号应为11位（此处10位）", id="mobile-10-digits"),
        pytest.param("138001380001", "手机号应为11位（此处12位）", id="mobile-12-digits"),
        pytest.param("021-623456", "区号加7–8位号码", id="landline-too-short"),
        pytest.param("call me", "不是电话号码", id="words"),
        pytest.param("123", "不是电话号码", id="too-few-digits"),
    ],
)
def test_bad_phones(cell: str, message: str) -> None:
    with pytest.raises(BadValueError) as caught:
        parse_phone(cell)
    assert message in caught.value.message("zh")


def test_phones_in_bulk_agree_with_one_by_one() -> None:
    cells: list[Any] = ["13800138000", "", "+86 138-0013-8001", 13800138002.0, "021-62345678"]
    cells += [f"+86 139 0000 {i:04d}" for i in range(1200)]  # enough for the bulk pass
    cells += ["1380013800", None, "   "]
    phones, rest = phones_bulk(cells)
    assert phones[:3] == ["13800138000", "", "13800138001"]
    assert phones[3] == "13800138002"
    assert phones[5] == "13900000000"
    assert rest == [4, len(cells) - 3]  # the landline and the 10-digit number
    for position, cell in enumerate(cells):
        if position not in rest and cell and str(cell).strip():
            assert phones[position] == parse_phone(cell)


def test_emails_in_bulk() -> None:
    emails, rest = emails_bulk(["a@b.cn", "", "x@y.com ", "not-an-email", None])
    assert emails == ["a@b.cn", "", "", "", ""]
    assert rest == [2, 3]
    assert parse_email("x@y.com ") == "x@y.com"


@pytest.mark.parametrize("cell", ["-", "—", "/", "无", "N/A", "null", "－"])
def test_placeholders_count_as_empty(cell: str) -> None:
    assert is_placeholder(cell)


@pytest.mark.parametrize("cell", ["待定", "0", "无锡", "-5", 0])
def test_not_placeholders(cell: Any) -> None:
    assert not is_placeholder(cell)


# --------------------------------------------------------------- header synonyms


@pytest.mark.parametrize(
    ("header", "field", "factor"),
    [
        pytest.param("公司名称", "name", 1.0, id="gongsi-mingcheng"),
        pytest.param("客户名称", "name", 1.0, id="kehu-mingcheng"),
        pytest.param("客户", "name", 1.0, id="kehu"),
        pytest.param("企业名称", "name", 1.0, id="qiye-mingcheng"),
        pytest.param("Name", "name", 1.0, id="english-name"),
        pytest.param("  客户名称  ", "name", 1.0, id="surrounding-spaces"),
        pytest.param("*客户名称", "name", 1.0, id="leading-required-star"),
        pytest.param("客户名称（必填）", "name", 1.0, id="note-in-brackets"),
        pytest.param("所在地区", "region", 1.0, id="suozai-diqu"),
        pytest.param("地区", "region", 1.0, id="diqu"),
        pytest.param("区域", "region", 1.0, id="quyu"),
        pytest.param("省份", "region", 1.0, id="shengfen"),
        pytest.param("城市", "city", 1.0, id="chengshi"),
        pytest.param("详细地址", "address", 1.0, id="xiangxi-dizhi"),
        pytest.param("潜在价值（万元）", "potential_value", 1e4, id="value-wanyuan-fullwidth"),
        pytest.param("潜在价值(万)", "potential_value", 1e4, id="value-wan"),
        pytest.param("潜在价值（元）", "potential_value", 1.0, id="value-yuan"),
        pytest.param("潜在价值(亿元)", "potential_value", 1e8, id="value-yiyuan"),
        pytest.param("潜在价值【万元】", "potential_value", 1e4, id="value-square-brackets"),
        pytest.param("潜在价值（单位：万元）", "potential_value", 1e4, id="value-danwei"),
        pytest.param("潜在价值/万元", "potential_value", 1e4, id="value-slash-unit"),
        pytest.param("潜在价值万元", "potential_value", 1e4, id="value-unit-glued"),
        pytest.param("预计金额(千元)", "potential_value", 1e3, id="yuji-jine-qianyuan"),
        pytest.param("历史成交额(万元)", "deal_amount", 1e4, id="deal-amount-wan"),
        pytest.param("意向程度", "intent", 1.0, id="yixiang-chengdu"),
        pytest.param("手机", "phone", 1.0, id="shouji"),
        pytest.param("联系方式", "phone", 1.0, id="lianxi-fangshi"),
        pytest.param("业务员", "owner", 1.0, id="yewuyuan"),
        pytest.param("最近成交日期", "last_deal", 1.0, id="zuijin-chengjiao"),
        pytest.param("新老客户", "customer_type", 1.0, id="xinlao"),
        pytest.param("纳税人识别号", "credit_code", 1.0, id="nashuiren-shibiehao"),
    ],
)
def test_customer_header_synonyms_and_units(header: str, field: str, factor: float) -> None:
    column = map_headers(["备注", header], "customers")[field]
    assert (column.index, column.factor) == (1, factor)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        pytest.param("销售姓名", "name", id="xiaoshou-xingming"),
        pytest.param("负责区域", "regions", id="fuze-quyu"),
        pytest.param("负责城市", "regions", id="fuze-chengshi"),
        pytest.param("职级", "level", id="zhiji"),
        pytest.param("客户上限", "capacity", id="kehu-shangxian"),
        pytest.param("容量(个)", "capacity", id="capacity-unit"),
        pytest.param("在职状态", "active", id="zaizhi-zhuangtai"),
        pytest.param("擅长行业", "industries", id="shanchang-hangye"),
        pytest.param("负责产品", "products", id="fuze-chanpin"),
    ],
)
def test_rep_header_synonyms(header: str, field: str) -> None:
    assert map_headers([header], "reps")[field].index == 0
