"""Province-level regions: every spelling of the 34 divisions → the short name (上海, 广东).

`province_of("上海市")`, `province_of("广东省深圳市南山区")` and `province_of("Guangdong")`
all work; `split_region` also returns the city when the text names one.
"""

from __future__ import annotations

from fenpei.engine.model import NATIONWIDE
from fenpei.tables.values import BadValueError, halfwidth

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

_LOOKUP: dict[str, str] = {}
for _short, _official, _english in PROVINCES:
    for _name in (_short, _official, *_english):
        _LOOKUP[_name] = _short
    for _suffix in ("省", "市", "自治区", "特别行政区"):
        _LOOKUP[_short + _suffix] = _short
    for _name in _english:
        for _suffix in (" province", " city", " sar"):
            _LOOKUP[_name + _suffix] = _short

# Longest first, so 内蒙古自治区 wins over a shorter prefix.
_PREFIXES = sorted(
    ((name, short) for name, short in _LOOKUP.items() if not name.isascii()),
    key=lambda item: -len(item[0]),
)

_NATIONWIDE_WORDS = frozenset(
    (NATIONWIDE, "全国各地", "全部", "nationwide", "all", "china", "中国")
)


def _clean(text: str) -> str:
    return " ".join(halfwidth(text).split()).strip().lower()


def split_region(text: str) -> tuple[str, str]:
    """(province short name, city or "") from a province, optionally followed by more."""
    clean = _clean(text)
    short = _LOOKUP.get(clean)
    if short is not None:
        return short, short if short in MUNICIPALITIES else ""
    compact = clean.replace(" ", "")
    for name, short in _PREFIXES:
        if compact.startswith(name):
            return short, _city(short, compact[len(name) :])
    raise BadValueError("无法识别的地区（应为省份） / unknown region (expected a province)")


def _city(province: str, rest: str) -> str:
    if province in MUNICIPALITIES:
        return province
    for mark in ("市", "自治州", "地区", "盟"):
        at = rest.find(mark)
        if at > 0:
            return rest[:at]
    return rest if 2 <= len(rest) <= 4 else ""


def province_of(text: str) -> str:
    return split_region(text)[0]


def is_nationwide(text: str) -> bool:
    return _clean(text) in _NATIONWIDE_WORDS
