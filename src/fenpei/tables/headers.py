"""Column headers: canonical Chinese names, English names and synonyms → field names.

A header matches after normalising: full-width → half-width, case, spaces, underscores,
hyphens and a trailing "*" are ignored, and a unit in brackets is split off
("潜在价值（万元）" → 潜在价值 with a factor of 10,000 for the values).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fenpei.tables.values import halfwidth

#: field → (canonical header, other spellings). The canonical header is what error
#: reports and written files call the column when the sheet did not name it.
CUSTOMER_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": (
        "客户名称",
        (
            "公司名称",
            "客户",
            "客户名",
            "企业名称",
            "单位名称",
            "名称",
            "公司",
            "name",
            "customer",
            "customer name",
            "company",
            "company name",
            "account",
        ),
    ),
    "key": (
        "客户编号",
        (
            "客户编码",
            "客户代码",
            "客户id",
            "客户号",
            "编号",
            "id",
            "customer id",
            "customer key",
            "customer no",
            "customer code",
            "key",
            "code",
        ),
    ),
    "industry": ("行业", ("所属行业", "客户行业", "行业分类", "industry", "sector")),
    "region": (
        "地区",
        ("区域", "省份", "省", "所在地区", "所在省份", "所在地", "region", "province", "area"),
    ),
    "potential_value": (
        "潜在价值",
        (
            "预估价值",
            "预计价值",
            "预计金额",
            "潜在金额",
            "商机金额",
            "potential value",
            "potential",
            "value",
            "estimated value",
        ),
    ),
    "intent": ("合作意向", ("意向", "意向度", "意向等级", "intent", "intention", "interest")),
    "products": (
        "产品需求",
        ("需求产品", "意向产品", "产品", "需求", "products", "product", "product needs", "needs"),
    ),
    "contact": ("联系人", ("联系人姓名", "contact", "contact name", "contact person")),
    "phone": (
        "联系电话",
        ("电话", "手机", "手机号", "手机号码", "电话号码", "phone", "tel", "telephone", "mobile"),
    ),
    "email": ("邮箱", ("电子邮箱", "电子邮件", "邮件", "email", "e-mail", "mail")),
    "deal_amount": (
        "历史交易额",
        (
            "交易额",
            "历史成交额",
            "成交金额",
            "累计交易额",
            "deal amount",
            "history amount",
            "revenue",
            "total deals",
        ),
    ),
    "deal_count": (
        "交易次数",
        ("成交次数", "历史交易次数", "deal count", "deals", "number of deals"),
    ),
    "last_deal": (
        "最近交易日期",
        ("最近成交日期", "最后交易日期", "上次交易日期", "最近交易", "last deal", "last deal date"),
    ),
    "customer_type": (
        "客户类型",
        ("新老客户", "新/老", "客户性质", "customer type", "type", "new or existing"),
    ),
    "owner": (
        "现负责人",
        (
            "负责人",
            "当前负责人",
            "负责销售",
            "现销售",
            "所属销售",
            "owner",
            "current owner",
            "account owner",
        ),
    ),
    "credit_code": (
        "统一社会信用代码",
        ("信用代码", "社会信用代码", "税号", "credit code", "uscc", "unified social credit code"),
    ),
    "locked": ("锁定", ("是否锁定", "locked", "lock")),
}

REP_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": (
        "姓名",
        (
            "销售",
            "销售姓名",
            "销售人员",
            "名字",
            "销售名称",
            "name",
            "rep",
            "rep name",
            "sales rep",
            "salesperson",
        ),
    ),
    "key": (
        "工号",
        (
            "员工编号",
            "员工号",
            "销售编号",
            "编号",
            "id",
            "rep id",
            "employee id",
            "rep key",
            "key",
            "code",
        ),
    ),
    "team": ("团队", ("所属团队", "部门", "小组", "销售团队", "team", "group", "department")),
    "regions": (
        "负责地区",
        (
            "负责区域",
            "区域",
            "地区",
            "辖区",
            "负责省份",
            "regions",
            "region",
            "territory",
            "territories",
        ),
    ),
    "industries": (
        "擅长行业",
        ("行业", "专长行业", "负责行业", "industries", "industry", "expertise"),
    ),
    "products": ("产品", ("负责产品", "销售产品", "可售产品", "products", "product")),
    "level": ("级别", ("等级", "职级", "销售级别", "level", "seniority", "grade")),
    "capacity": (
        "容量",
        ("客户容量", "保有量上限", "最大客户数", "客户上限", "capacity", "max customers"),
    ),
    "active": ("在岗", ("是否在岗", "在职", "状态", "active", "status", "on duty")),
    "existing_load": (
        "现有客户数",
        (
            "已有客户数",
            "当前客户数",
            "现有客户",
            "保有量",
            "existing load",
            "existing customers",
            "current load",
            "load",
        ),
    ),
}

_BRACKETS = re.compile(r"[\(\[【](.*?)[\)\]】]")
_UNIT_FACTORS = {
    "元": 1.0,
    "yuan": 1.0,
    "万": 1e4,
    "万元": 1e4,
    "亿": 1e8,
    "亿元": 1e8,
    "千元": 1e3,
}


def normalise(header: str) -> str:
    text = halfwidth(header).lower().strip().rstrip("*").strip()
    return re.sub(r"[\s_\-:：]+", "", text)


def _index(fields: dict[str, tuple[str, tuple[str, ...]]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for field, (canonical, synonyms) in fields.items():
        for spelling in (canonical, field, *synonyms):
            index.setdefault(normalise(spelling), field)
    return index


_CUSTOMER_INDEX = _index(CUSTOMER_FIELDS)
_REP_INDEX = _index(REP_FIELDS)


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    index: int  # position in the row
    header: str  # the header text as the sheet wrote it
    factor: float = 1.0  # unit in the header: 潜在价值（万元） → 10,000


def _match(header: str, index: dict[str, str]) -> tuple[str, float] | None:
    key = normalise(header)
    if key in index:
        return index[key], 1.0
    unit = _BRACKETS.search(key)
    if unit is None:
        return None
    bare = _BRACKETS.sub("", key)
    if bare not in index:
        return None
    return index[bare], _UNIT_FACTORS.get(unit[1], 1.0)


def map_headers(headers: list[str], kind: str) -> dict[str, Column]:
    """field → column for a header row; the first column naming a field wins."""
    index = _CUSTOMER_INDEX if kind == "customers" else _REP_INDEX
    columns: dict[str, Column] = {}
    for position, header in enumerate(headers):
        if not header:
            continue
        matched = _match(header, index)
        if matched is not None and matched[0] not in columns:
            field, factor = matched
            columns[field] = Column(field, position, header, factor)
    return columns


def canonical(field: str, kind: str) -> str:
    fields = CUSTOMER_FIELDS if kind == "customers" else REP_FIELDS
    return fields[field][0]
