"""Duplicate check: credit codes, normalised company names, phone numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fenpei.engine.duplicates import (
    find_duplicates,
    normalise_name,
    normalise_names,
    phone_key,
    phone_keys,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("上海华通科技有限公司", "上海华通科技股份有限公司"),
        ("上海华通科技有限公司", "上海华通科技有限责任公司"),
        ("上海华通科技有限公司", " 上海 华通科技（有限公司） "),
        ("华润集团有限公司", "华润集团"),
        ("华润集团有限公司", "华润"),
        ("ＡＢＣ科技有限公司", "abc科技"),
        ("Acme Co., Ltd.", "ACME"),
        ("Acme Group Co., Ltd.", "acme"),
        ("Cisco Systems, Inc.", "cisco systems"),
        ("杭州·云帆信息技术有限公司", "杭州云帆信息技术"),
    ],
)
def test_same_company(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)
    assert normalise_names([a, b])[0] == normalise_names([a, b])[1]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("上海华通科技有限公司", "北京华通科技有限公司"),  # a leading city is kept
        ("Cisco", "Cis Co."),  # "co" is dropped only as a whole word
        ("华通科技有限公司", "华通物流有限公司"),
    ],
)
def test_different_company(a: str, b: str) -> None:
    assert normalise_name(a) != normalise_name(b)


@pytest.mark.parametrize(
    ("phone", "key"),
    [
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("(021) 6234-5678 转 801", "02162345678801"),
        ("861234", "861234"),  # not a mobile number behind a country code
    ],
)
def test_phone_key(phone: str, key: str) -> None:
    assert phone_key(phone) == key
    assert phone_keys([phone, "1"]) == [key, "1"]


def test_groups_by_each_signal_in_input_order() -> None:
    keys = ["C1", "C2", "C3", "C4", "C5", "C6"]
    names = ["华通科技有限公司", "别的公司", "华通科技股份有限公司", "另一家", "第五家", "第六家"]
    codes = ["", "91310000MA1FL0001X", "", "91310000ma1fl0001x ", "", ""]
    phones = ["", "", "", "", "+86 138 0013 8000", "13800138000"]
    groups = find_duplicates(keys, names, codes, phones)
    assert groups == [
        {"customer_keys": ["C1", "C3"], "reason": "公司名称相同（规范化后：华通科技）"},
        {"customer_keys": ["C2", "C4"], "reason": "统一社会信用代码相同：91310000MA1FL0001X"},
        {"customer_keys": ["C5", "C6"], "reason": "联系电话相同：13800138000"},
    ]
    english = find_duplicates(keys, names, codes, phones, lang="en")
    assert english[0]["reason"] == "same company name (normalised: 华通科技)"


def test_same_members_by_two_signals_reported_once() -> None:
    groups = find_duplicates(
        ["A", "B"], ["甲公司", "甲有限公司"], ["91310000MA1FL0001X"] * 2, ["", ""]
    )
    assert groups == [
        {
            "customer_keys": ["A", "B"],
            "reason": "统一社会信用代码相同：91310000MA1FL0001X；公司名称相同（规范化后：甲）",
        }
    ]


def test_blank_and_short_values_never_match() -> None:
    groups = find_duplicates(
        ["A", "B", "C", "D"],
        ["有限公司", "有限公司", "", ""],
        ["", "", "", ""],
        ["123", "123", "", ""],
    )
    assert groups == []


def test_names_with_newlines_fall_back_one_by_one() -> None:
    assert normalise_names(["华通\n科技有限公司", "华通科技"]) == ["华通科技", "华通科技"]


def test_length_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="differ"):
        find_duplicates(["A"], ["x", "y"])


@given(st.lists(st.text(max_size=12), max_size=30))
def test_bulk_equals_one_by_one(names: list[str]) -> None:
    assert normalise_names(names) == [normalise_name(n) for n in names]
    assert phone_keys(names) == [phone_key(n) for n in names]


@given(st.lists(st.sampled_from(["甲公司", "甲有限公司", "乙", "丙集团", "丙"]), max_size=25))
def test_groups_partition_equal_names(names: list[str]) -> None:
    keys = [f"K{i}" for i in range(len(names))]
    groups = find_duplicates(keys, names)
    normal = normalise_names(names)
    for group in groups:
        members = [int(k[1:]) for k in group["customer_keys"]]
        assert members == sorted(members)
        assert len({normal[m] for m in members}) == 1
    grouped = sum(len(g["customer_keys"]) for g in groups)
    assert grouped == sum(c for c in (normal.count(v) for v in set(normal)) if c > 1)
