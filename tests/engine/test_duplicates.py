"""Duplicate check: credit codes, normalised company names, phone numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fenpei.engine.duplicates import (
    duplicate_groups,
    find_duplicates,
    normalise_name,
    normalise_names,
    phone_key,
    phone_keys,
    similar_names,
    stand_ins,
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
        # landlines behind +86 meet the same number written the Chinese way (撞单 by phone)
        ("+86 20-8888-1234", "02088881234"),
        ("020 8888 1234", "02088881234"),
        ("+86 (0)20 8888 1234", "02088881234"),
        ("0086 571 8888 1234", "057188881234"),
        ("0571-88881234", "057188881234"),
        ("(+86) 10 6552 9988", "01065529988"),  # Beijing: area code 10, not a mobile
        ("010-65529988", "01065529988"),
    ],
)
def test_phone_key(phone: str, key: str) -> None:
    assert phone_key(phone) == key
    assert phone_keys([phone, "1"]) == [key, "1"]


def test_groups_by_each_signal_in_input_order() -> None:
    keys = ["C1", "C2", "C3", "C4", "C5", "C6"]
    names = [
        "华通科技有限公司",
        "别的公司",
        "华通科技股份有限公司",
        "另一家",
        "恒达物流",
        "恒达物流上海分公司",
    ]
    codes = ["", "91310000MA1FL0001X", "", "91310000ma1fl0001x ", "", ""]
    phones = ["", "", "", "", "+86 138 0013 8000", "13800138000"]
    groups = find_duplicates(keys, names, codes, phones)
    assert groups == [
        {"customer_keys": ["C1", "C3"], "reason": "公司名称相同（规范化后：华通科技）"},
        {"customer_keys": ["C2", "C4"], "reason": "统一社会信用代码相同：91310000MA1FL0001X"},
        {"customer_keys": ["C5", "C6"], "reason": "联系电话相同且名称相近：13800138000"},
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


def test_a_shared_phone_alone_does_not_make_two_companies_one() -> None:
    # a switchboard or an agent's number shared by unrelated companies
    groups = find_duplicates(["A", "B"], ["第五家", "第六家"], ["", ""], ["021-5555 0000"] * 2)
    assert groups == []


def test_rows_linked_through_a_chain_are_one_group() -> None:
    # A~B by credit code, B~C by name: one real customer, one group, both reasons
    groups = duplicate_groups(
        ["A", "B", "C"],
        ["甲科技", "乙贸易有限公司", "乙贸易"],
        ["91310000MA1FL0001X", "91310000MA1FL0001X", ""],
    )
    assert [g.members for g in groups] == [(0, 1, 2)]
    assert "统一社会信用代码相同" in groups[0].reason
    assert "公司名称相同" in groups[0].reason


@pytest.mark.parametrize(
    ("owners", "conflict"),
    [
        pytest.param(["S1", "S2"], "撞单：现负责人不同（S1、S2）", id="two owners: conflict"),
        pytest.param(["S1", ""], "", id="one owner: no conflict"),
        pytest.param(["S1", "S1"], "", id="same owner: no conflict"),
    ],
)
def test_conflict_when_rows_name_different_owners(owners: list[str], conflict: str) -> None:
    groups = duplicate_groups(["A", "B"], ["华通科技", "华通科技有限公司"], owners=owners)
    assert groups[0].conflict == conflict
    dicts = find_duplicates(["A", "B"], ["华通科技", "华通科技有限公司"], owners=owners)
    assert dicts[0].get("conflict", "") == conflict


def test_stand_ins_point_followers_at_the_first_row() -> None:
    groups = duplicate_groups(["A", "B", "C", "D"], ["甲公司", "乙", "甲有限公司", "甲"])
    assert stand_ins(4, groups).tolist() == [-1, -1, 0, 0]


@pytest.mark.parametrize(
    ("a", "b", "similar"),
    [
        ("华通科技", "上海华通科技发展", True),
        ("华通科技", "华通科技", True),
        ("恒达物流", "恒达物流上海分公司", True),
        ("第五家", "第六家", False),
        ("华通", "", False),
    ],
)
def test_similar_names(a: str, b: str, similar: bool) -> None:
    assert similar_names(a, b) is similar


def test_each_number_of_a_multi_number_cell_links_on_its_own() -> None:
    groups = find_duplicates(
        ["A", "B"],
        ["恒达物流", "恒达物流上海分公司"],
        ["", ""],
        ["13800138000/021-62345678", "021-62345678"],
    )
    assert groups == [
        {"customer_keys": ["A", "B"], "reason": "联系电话相同且名称相近：02162345678"}
    ]
