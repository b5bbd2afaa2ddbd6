"""Column headers: canonical Chinese names, English names and synonyms → field names.

A header matches after normalising: full-width → half-width, case, spaces, underscores,
hyphens and a "*" marking a required column are ignored, and a unit is split off
("潜在价值（万元）", "潜在价值(万)", "潜在价值/万元" → 潜在价值 with a factor of 10,000 for
the values; "（元）" → 1; "(亿元)" → 100,000,000).

The reader takes as the header the first row that names at least two known columns, one
of them the required name column (`REQUIRED`).
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
            "客户全称",
            "公司全称",
            "企业",
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
        (
            "区域",
            "省份",
            "省",
            "省市",
            "省/市",
            "所在地区",
            "所在区域",
            "所属地区",
            "所属区域",
            "所在省份",
            "所属省份",
            "所在省市",
            "所在地",
            "地域",
            "region",
            "province",
            "area",
            "location",
        ),
    ),
    "city": ("城市", ("所在城市", "所属城市", "市", "地市", "city")),
    "address": (
        "地址",
        (
            "详细地址",
            "公司地址",
            "企业地址",
            "注册地址",
            "办公地址",
            "通讯地址",
            "联系地址",
            "经营地址",
            "address",
        ),
    ),
    "potential_value": (
        "潜在价值",
        (
            "预估价值",
            "预计价值",
            "预计金额",
            "潜在金额",
            "预估金额",
            "预计成交金额",
            "预算",
            "项目金额",
            "商机金额",
            "商机价值",
            "客户价值",
            "potential value",
            "potential",
            "value",
            "estimated value",
        ),
    ),
    "intent": (
        "合作意向",
        (
            "意向",
            "意向度",
            "意向等级",
            "意向程度",
            "意向强度",
            "客户意向",
            "合作意愿",
            "意向星级",
            "intent",
            "intention",
            "interest",
            "intent level",
        ),
    ),
    "products": (
        "产品需求",
        (
            "需求产品",
            "意向产品",
            "感兴趣产品",
            "产品",
            "需求",
            "products",
            "product",
            "product needs",
            "needs",
        ),
    ),
    "contact": ("联系人", ("联系人姓名", "contact", "contact name", "contact person")),
    "phone": (
        "联系电话",
        (
            "电话",
            "手机",
            "手机号",
            "手机号码",
            "电话号码",
            "联系方式",
            "联系号码",
            "座机",
            "phone",
            "tel",
            "telephone",
            "mobile",
        ),
    ),
    "email": ("邮箱", ("电子邮箱", "电子邮件", "邮件", "email", "e-mail", "mail")),
    "deal_amount": (
        "历史交易额",
        (
            "交易额",
            "历史成交额",
            "成交金额",
            "累计交易额",
            "累计成交额",
            "历史成交金额",
            "历史交易金额",
            "成交总额",
            "deal amount",
            "history amount",
            "revenue",
            "total deals",
        ),
    ),
    "deal_count": (
        "交易次数",
        (
            "成交次数",
            "历史交易次数",
            "合作次数",
            "购买次数",
            "deal count",
            "deals",
            "number of deals",
        ),
    ),
    "last_deal": (
        "最近交易日期",
        (
            "最近成交日期",
            "最后交易日期",
            "最后成交日期",
            "上次交易日期",
            "上次成交日期",
            "最近交易",
            "最近成交",
            "最近交易时间",
            "最近成交时间",
            "最近合作时间",
            "last deal",
            "last deal date",
        ),
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
            "归属销售",
            "销售负责人",
            "跟进人",
            "跟进销售",
            "业务员",
            "客户经理",
            "owner",
            "current owner",
            "account owner",
        ),
    ),
    "credit_code": (
        "统一社会信用代码",
        (
            "信用代码",
            "社会信用代码",
            "统一信用代码",
            "统一代码",
            "税号",
            "纳税人识别号",
            "credit code",
            "uscc",
            "unified social credit code",
        ),
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
            "员工姓名",
            "业务员",
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
            "负责城市",
            "负责省市",
            "覆盖区域",
            "销售区域",
            "片区",
            "regions",
            "region",
            "territory",
            "territories",
        ),
    ),
    "industries": (
        "擅长行业",
        (
            "行业",
            "专长行业",
            "负责行业",
            "熟悉行业",
            "行业专长",
            "industries",
            "industry",
            "expertise",
        ),
    ),
    "products": (
        "产品",
        ("负责产品", "销售产品", "可售产品", "擅长产品", "产品线", "products", "product"),
    ),
    "level": ("级别", ("等级", "职级", "销售级别", "职位", "level", "seniority", "grade")),
    "capacity": (
        "容量",
        (
            "客户容量",
            "保有量上限",
            "最大客户数",
            "客户上限",
            "客户数上限",
            "可分配数",
            "上限",
            "capacity",
            "max customers",
        ),
    ),
    "active": (
        "在岗",
        (
            "是否在岗",
            "在职",
            "是否在职",
            "在职状态",
            "在岗状态",
            "状态",
            "员工状态",
            "active",
            "status",
            "on duty",
        ),
    ),
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

_BRACKETS = re.compile(r"[\(\[【<《](.*?)[\)\]】>》]")
_UNIT_FACTORS = {
    "元": 1.0,
    "yuan": 1.0,
    "rmb": 1.0,
    "cny": 1.0,
    "人民币": 1.0,
    "人民币元": 1.0,
    "块": 1.0,
    "千元": 1e3,
    "k": 1e3,
    "千": 1e3,
    "万": 1e4,
    "万元": 1e4,
    "w": 1e4,
    "人民币万元": 1e4,
    "万人民币": 1e4,
    "十万元": 1e5,
    "百万": 1e6,
    "百万元": 1e6,
    "m": 1e6,
    "million": 1e6,
    "千万": 1e7,
    "千万元": 1e7,
    "亿": 1e8,
    "亿元": 1e8,
}
# A unit written after the name without brackets: 潜在价值/万元, 潜在价值-万元, 潜在价值万元.
_TRAILING_UNITS = sorted((u for u in _UNIT_FACTORS if not u.isascii()), key=len, reverse=True)


def normalise(header: str) -> str:
    text = halfwidth(header).lower().strip().strip("*").strip()
    return re.sub(r"[\s_\-:：]+", "", text)


def _index(fields: dict[str, tuple[str, tuple[str, ...]]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for field, (canonical, synonyms) in fields.items():
        for spelling in (canonical, field, *synonyms):
            index.setdefault(normalise(spelling), field)
    return index


_CUSTOMER_INDEX = _index(CUSTOMER_FIELDS)
_REP_INDEX = _index(REP_FIELDS)
REQUIRED = "name"


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    index: int  # position in the row
    header: str  # the header text as the sheet wrote it
    factor: float = 1.0  # unit in the header: 潜在价值（万元） → 10,000


def _unit(text: str) -> float:
    text = text.removeprefix("单位").strip(":/ ")
    text = text.split("/")[0]  # 万元/年 → 万元
    return _UNIT_FACTORS.get(text, 1.0)


def _match(header: str, index: dict[str, str]) -> tuple[str, float] | None:
    key = normalise(header)
    if key in index:
        return index[key], 1.0
    unit = _BRACKETS.search(key)
    if unit is not None:
        bare = _BRACKETS.sub("", key)
        if bare in index:
            return index[bare], _unit(unit[1])
    for trailing in _TRAILING_UNITS:
        if key.endswith(trailing):
            bare = key[: -len(trailing)].rstrip("/|,，")
            if bare in index:
                return index[bare], _UNIT_FACTORS[trailing]
    return None


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
