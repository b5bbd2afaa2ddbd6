"""Generate the example customer books.

    uv run python examples/make_examples.py

Deterministic (fixed seed): running it again reproduces the same files.

- book.xlsx, customers.csv + reps.csv: a tidy book. About 300 customers in 13 provinces
  and 15 reps in four teams (华东, 华南, 华北 and a 大客户部 whose one rep covers 全国 but
  is already full), with a few things worth seeing in the report: two customers in 新疆
  that nobody can take, an inactive rep whose customers move on, a locked customer,
  duplicate records, and one bad cell.
- messy.xlsx and messy_gbk.csv: a book as people really send it — a merged title row and
  notes above the header, blank rows, a merged region cell, a section row, a totals row
  and a note below the data, trailing empty columns, synonym headers with units, every
  way of writing amounts, regions, dates, intents, levels, capacities, statuses, phones
  and lists, and some bad cells (wrong credit-code check characters among them). The CSV
  is GB18030, as Excel on Chinese Windows saves it. tests/tables/test_table_messy.py reads
  both and checks every value and the exact list of errors.
"""

from __future__ import annotations

import csv
import random
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import xlsxwriter

HERE = Path(__file__).resolve().parent
SEED = 20261130

CUSTOMER_HEADERS = [
    "客户编号",
    "客户名称",
    "行业",
    "地区",
    "潜在价值",
    "合作意向",
    "产品需求",
    "联系人",
    "联系电话",
    "邮箱",
    "历史交易额",
    "交易次数",
    "最近交易日期",
    "客户类型",
    "现负责人",
    "统一社会信用代码",
    "锁定",
]
REP_HEADERS = [
    "工号",
    "姓名",
    "团队",
    "负责地区",
    "擅长行业",
    "产品",
    "级别",
    "容量",
    "现有客户数",
    "在岗",
]

# 工号, 姓名, 团队, 负责地区, 擅长行业, 产品, 级别, 容量, 现有客户数, 在岗
REPS: list[tuple[str, str, str, str, str, str, str, int, int, str]] = [
    ("S001", "张伟", "华东", "上海、江苏", "制造、金融", "ERP、CRM", "高级", 30, 6, "是"),
    ("S002", "李娜", "华东", "上海", "互联网、零售", "云服务、CRM", "中级", 25, 3, "是"),
    ("S003", "王磊", "华东", "浙江、安徽", "制造、物流", "ERP、数据分析", "中级", 25, 0, "是"),
    ("S004", "刘洋", "华东", "江苏、山东", "零售、教育", "CRM、云服务", "初级", 20, 0, "是"),
    ("S005", "陈静", "华东", "浙江、上海", "金融、医疗", "安全、数据分析", "高级", 25, 8, "是"),
    ("S006", "杨帆", "华东", "山东、安徽", "能源、制造", "ERP、安全", "初级", 20, 0, "是"),
    ("S007", "黄敏", "华南", "广东", "互联网、金融", "云服务、安全", "高级", 30, 5, "是"),
    ("S008", "赵强", "华南", "广东、广西", "制造、物流", "ERP、CRM", "中级", 25, 2, "是"),
    ("S009", "周婷", "华南", "福建、广东", "零售、医疗", "CRM、数据分析", "中级", 25, 0, "是"),
    ("S010", "吴昊", "华南", "福建、广西", "教育、能源", "云服务、ERP", "初级", 20, 4, "否"),
    ("S011", "郑凯", "华北", "北京、天津", "金融、互联网", "数据分析、安全", "高级", 30, 7, "是"),
    ("S012", "孙悦", "华北", "北京", "医疗、教育", "CRM、云服务", "中级", 25, 0, "是"),
    ("S013", "马超", "华北", "河北、天津", "制造、能源", "ERP、安全", "初级", 20, 0, "是"),
    ("S014", "胡蓉", "华北", "山西、河北", "能源、物流", "ERP、数据分析", "中级", 20, 0, "是"),
    (
        "K001",
        "钱程",
        "大客户部",
        "全国",
        "金融、能源、制造",
        "云服务、ERP、CRM、数据分析、安全",
        "高级",
        20,
        20,
        "是",
    ),
]

# province as written in the sheet, short name, cities, weight, credit-code region
PROVINCES: list[tuple[str, str, list[str], int, str]] = [
    ("上海市", "上海", ["上海"], 14, "310000"),
    ("江苏省", "江苏", ["南京", "苏州", "无锡"], 10, "320000"),
    ("浙江", "浙江", ["杭州", "宁波"], 9, "330000"),
    ("安徽省", "安徽", ["合肥", "芜湖"], 4, "340000"),
    ("山东", "山东", ["济南", "青岛"], 6, "370000"),
    ("广东省", "广东", ["广州", "深圳", "东莞"], 16, "440000"),
    ("福建省", "福建", ["福州", "厦门"], 6, "350000"),
    ("广西壮族自治区", "广西", ["南宁", "柳州"], 3, "450000"),
    ("北京市", "北京", ["北京"], 13, "110000"),
    ("天津", "天津", ["天津"], 5, "120000"),
    ("河北省", "河北", ["石家庄", "唐山"], 4, "130000"),
    ("山西", "山西", ["太原"], 2, "140000"),
]

INDUSTRIES: dict[str, list[str]] = {
    "制造": ["机械制造", "精密制造", "电子", "汽车零部件"],
    "零售": ["商贸", "百货", "连锁超市", "电商"],
    "金融": ["投资", "保险经纪", "融资租赁", "资产管理"],
    "医疗": ["医疗器械", "医药", "健康科技"],
    "教育": ["教育科技", "职业培训", "文化传播"],
    "互联网": ["网络科技", "信息技术", "数字科技"],
    "物流": ["物流", "供应链管理", "国际货运"],
    "能源": ["新能源", "电力工程", "能源科技"],
}
INDUSTRY_WEIGHTS = [18, 14, 12, 10, 8, 16, 10, 12]
BRANDS = list(
    [
        "华通",
        "恒信",
        "宏达",
        "瑞丰",
        "嘉禾",
        "永盛",
        "天成",
        "博远",
        "汇智",
        "新元",
        "中科",
        "海纳",
        "金桥",
        "百川",
        "鼎盛",
        "云帆",
        "星辰",
        "安泰",
        "长青",
        "锦程",
        "盛世",
        "德润",
        "启明",
        "东方",
        "光华",
        "润泽",
        "华信",
        "远航",
        "聚力",
        "同创",
        "凯旋",
        "立信",
        "明德",
        "正泰",
        "和瑞",
        "九州",
        "天宇",
        "恒通",
        "银河",
        "佳禾",
        "华瑞",
        "泰和",
        "众诚",
        "卓越",
        "腾达",
        "新锐",
        "诺德",
        "万达",
        "顺通",
        "兴业",
    ]
)
SUFFIXES = ["有限公司", "有限公司", "有限公司", "股份有限公司", "科技有限公司", "集团有限公司"]
PRODUCTS = ["云服务", "ERP", "CRM", "数据分析", "安全"]
INTENTS = ["高", "中", "低", "未知"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国晨宇浩然")

CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(rng: random.Random, region: str) -> str:
    """A well-formed 统一社会信用代码 (GB 32100-2015) with a correct check character."""
    body = "91" + region + "".join(rng.choice(CODE_CHARS[:10] + "ABCDEFGH") for _ in range(9))
    total = sum(CODE_CHARS.index(c) * w for c, w in zip(body, CODE_WEIGHTS, strict=True))
    return body + CODE_CHARS[(31 - total % 31) % 31]


def money(rng: random.Random, low: float, high: float) -> int:
    """Log-uniform, rounded to 10,000 yuan."""
    value = low * (high / low) ** rng.random()
    return int(round(value / 10_000) * 10_000)


def make_customers(rng: random.Random) -> list[dict[str, Any]]:
    customers: list[dict[str, Any]] = []
    used_names: set[str] = set()
    owners_by_region: dict[str, list[tuple[str, str]]] = {}
    for key, name, _team, regions, *_rest in REPS:
        for region in regions.split("、"):
            owners_by_region.setdefault(region, []).append((key, name))
    weights = [p[3] for p in PROVINCES]
    for number in range(1, 299):
        province, short, cities, _, code_region = rng.choices(PROVINCES, weights)[0]
        city = rng.choice(cities)
        industry = rng.choices(list(INDUSTRIES), INDUSTRY_WEIGHTS)[0]
        while True:
            brand = rng.choice(BRANDS)
            word, suffix = rng.choice(INDUSTRIES[industry]), rng.choice(SUFFIXES)
            if word.endswith("科技") and suffix.startswith("科技"):
                suffix = suffix.removeprefix("科技")
            name = f"{city}{brand}{word}{suffix}"
            if name not in used_names:
                used_names.add(name)
                break
        old = rng.random() < 0.35
        customer: dict[str, Any] = {
            "客户编号": f"C{number:04d}",
            "客户名称": name,
            "行业": industry,
            "地区": province,
            "潜在价值": money(rng, 500_000, 20_000_000),
            "合作意向": rng.choices(INTENTS, [25, 40, 20, 15])[0],
            "产品需求": "、".join(rng.sample(PRODUCTS, rng.choice([1, 1, 2, 2, 3]))),
            "联系人": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice([1, 2]))),
            "联系电话": f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
            "邮箱": f"contact{number:03d}@example-{number:03d}.cn",
            "历史交易额": None,
            "交易次数": None,
            "最近交易日期": None,
            "客户类型": "老" if old else "新",
            "现负责人": "",
            "统一社会信用代码": credit_code(rng, code_region) if rng.random() < 0.85 else "",
            "锁定": "",
        }
        if old:
            customer["历史交易额"] = money(rng, 50_000, 3_000_000)
            customer["交易次数"] = rng.randint(1, 12)
            customer["最近交易日期"] = date(2024, 1, 1) + timedelta(days=rng.randrange(1030))
            if rng.random() < 0.45:
                owner_key, owner_name = rng.choice(owners_by_region[short])
                customer["现负责人"] = owner_key if rng.random() < 0.6 else owner_name
        customers.append(customer)

    # A few cells written the way people type them.
    customers[3]["潜在价值"] = "50万"
    customers[17]["潜在价值"] = "120万"
    customers[42]["合作意向"] = "high"
    # One bad cell: reported in the error sheet, the row is still allocated.
    customers[58]["潜在价值"] = "待定"
    # One customer locked to its current owner.
    locked = next(c for c in customers if c["现负责人"] and c["地区"] in ("上海市", "北京市"))
    locked["锁定"] = "是"
    # Customers of the inactive rep 吴昊 (S010) must move to someone else.
    for customer in customers:
        if customer["地区"] in ("福建省", "广西壮族自治区") and customer["客户类型"] == "老":
            customer["现负责人"] = "S010"
            break
    # Duplicates: the same company entered twice, and a shared credit code.
    twin = dict(customers[10])
    twin["客户编号"] = "C0299"
    twin["客户名称"] = twin["客户名称"].replace("有限公司", "股份有限公司", 1)
    if twin["客户名称"] == customers[10]["客户名称"]:
        twin["客户名称"] = customers[10]["客户名称"] + " "
    twin["联系电话"] = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    twin["统一社会信用代码"] = ""
    # 撞单: the two records name different current owners, which a manager must see
    if not customers[10]["现负责人"]:
        customers[10]["现负责人"] = "S007"
    twin["现负责人"] = "S008" if customers[10]["现负责人"] != "S008" else "S007"
    twin["锁定"] = ""
    customers.append(twin)
    customers[120]["统一社会信用代码"] = customers[77]["统一社会信用代码"] or credit_code(
        rng, "440000"
    )
    customers[77]["统一社会信用代码"] = customers[120]["统一社会信用代码"]

    # Two customers in 新疆: no team covers it, and the nationwide key-account rep is full.
    for number, (name, value, intent) in enumerate(
        [
            ("乌鲁木齐天山新能源有限公司", 3_000_000, "中"),
            ("新疆丝路国际货运有限公司", 800_000, "低"),
        ],
        start=300,
    ):
        customers.append(
            {
                "客户编号": f"C{number:04d}",
                "客户名称": name,
                "行业": "能源" if "能源" in name else "物流",
                "地区": "新疆维吾尔自治区" if number == 300 else "新疆",
                "潜在价值": value,
                "合作意向": intent,
                "产品需求": "ERP、数据分析",
                "联系人": rng.choice(SURNAMES) + rng.choice(GIVEN),
                "联系电话": f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                "邮箱": f"contact{number:03d}@example-{number:03d}.cn",
                "历史交易额": None,
                "交易次数": None,
                "最近交易日期": None,
                "客户类型": "新",
                "现负责人": "",
                "统一社会信用代码": credit_code(rng, "650000"),
                "锁定": "",
            }
        )
    return customers


def write_book(path: Path, customers: list[dict[str, Any]]) -> None:
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"title": "Fenpei 示例客户分配表", "created": datetime(2026, 1, 1)})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    money = book.add_format({"num_format": "#,##0"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})

    sheet = book.add_worksheet("客户")
    sheet.write_row(0, 0, CUSTOMER_HEADERS, header)
    widths = [10, 34, 8, 16, 14, 10, 24, 10, 14, 28, 12, 10, 14, 10, 10, 22, 6]
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    for row, customer in enumerate(customers, start=1):
        for column, field in enumerate(CUSTOMER_HEADERS):
            value = customer[field]
            if value is None or value == "":
                continue
            if isinstance(value, date):
                sheet.write_datetime(row, column, value, day)
            elif isinstance(value, int):
                sheet.write_number(
                    row,
                    column,
                    value,
                    money if field.endswith("额") or field == "潜在价值" else None,
                )
            else:
                sheet.write_string(row, column, value)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(customers), len(CUSTOMER_HEADERS) - 1)

    reps = book.add_worksheet("销售")
    reps.write_row(0, 0, REP_HEADERS, header)
    for column, width in enumerate([8, 8, 10, 18, 18, 32, 6, 6, 10, 6]):
        reps.set_column(column, column, width)
    for row, rep in enumerate(REPS, start=1):
        reps.write_row(row, 0, rep)
    reps.freeze_panes(1, 0)
    book.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_csvs(customers_path: Path, reps_path: Path, customers: list[dict[str, Any]]) -> None:
    with customers_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CUSTOMER_HEADERS)
        for customer in customers:
            writer.writerow([_cell(customer[field]) for field in CUSTOMER_HEADERS])
    with reps_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(REP_HEADERS)
        writer.writerows(REPS)


# ------------------------------------------------------------------------ messy book

MESSY_TITLE = "2026年客户分配表（销售部整理，WPS 导出）"
MESSY_NOTE = "说明：带*为必填；潜在价值单位为万元；负责人填工号或姓名"
MESSY_HEADERS = [
    "客户编号",
    " 公司名称* ",
    "所在地区",
    "城市",
    "行业",
    "潜在价值（万元）",
    "意向程度",
    "需求产品",
    "联系人",
    "手机",
    "邮箱",
    "历史成交额(元)",
    "成交次数",
    "最近成交日期",
    "新老客户",
    "业务员",
    "统一社会信用代码",
    "备注",
]
# Region codes for credit codes, by the customer key.
_MESSY_CODE_REGIONS = {
    "M001": "310115",
    "M002": "320594",
    "M003": "440300",
    "M004": "440106",
    "M005": "441900",
    "M006": "330106",
    "M007": "340100",
    "M008": "510100",
    "M009": "650100",
    "M010": "222401",
    "M011": "110108",
    "M015": "220200",
    "M016": "370200",
    "M017": "500000",
    "M018": "320583",
}
DAY = date(2025, 6, 1)  # written as an Excel date cell

# One row per customer; None leaves the cell empty. Excel rows start at 5 (title, note and
# a blank row above the header on row 4). "MERGED" marks the cell a vertical merge fills.
MESSY_ROWS: list[list[Any]] = [
    # 5: a full address; 50 in a 万元 column; ¥ with thousands separators; an Excel date
    ["M001", "上海张江微电子有限公司", "上海市浦东新区张江路88号", None, "制造", 50, "高",
     "ERP、CRM", "王伟", "13800138000", "wangwei@zjwdz.cn", "¥1,200,000", 3, DAY, "老",
     "张伟", "CODE", "老客户，重点跟进"],
    # 6: province + city + district; a unit in the cell wins over the header's
    ["M002", "苏州工业园区精密制造有限公司", "江苏省苏州市工业园区星湖街328号", None, "制造",
     "50万", "意向强烈", "ERP，数据分析", "李娜", "+86 139-1234-5678", None, "1200000 元",
     "3次", "2024/3/5", "老", "S002", "CODE", None],
    # 7: a city alone; 亿; stars; a landline with its area code in brackets
    ["M003", "深圳前海云科技有限公司", "深圳", None, "互联网", "1.2亿", "★★★★", "云服务;安全",
     "刘洋", "(0755) 8888-6666", None, None, None, "2024年3月5日", "新", None, "CODE", None],
    # 8–9: 所在地区 merged over two rows; a 城市 column; full-width digits; 4星; extension
    ["M004", "广州天河商贸有限公司", "广东省", "广州", "零售", "３０万", "4星", "CRM/云服务",
     "陈静", "020-12345678转8001", None, None, None, "20240305", "新", None, "CODE", None],
    ["M005", "东莞松山湖电子有限公司", "MERGED", "东莞市", "制造", "1,200", 3, "ERP",
     "黄敏", "0086 135 0000 1111", None, "￥80,000", "２", "2024.3.5", "老", "S003",
     "CODE", None],
    # 10: a blank row
    [None] * 18,
    # 11: province short name + city with 市; about; High; a list split by spaces
    ["M006", "杭州西湖数字科技有限公司", "浙江", "杭州市", "互联网", "约80万", "High",
     "ERP CRM", "周婷", "0571-88886666", "zhou.ting@xihu-digital.com", "50万", "2",
     "2025-01-15", "老", "王磊", "CODE", None],
    # 12: a one-character abbreviation; a range; Medium; full-width phone digits
    ["M007", "合肥科大智能有限公司", "皖", None, "教育", "50-100万", "Medium", "数据分析",
     "吴昊", "１３８００１３８００１", None, None, None, None, "新", None, "CODE", None],
    # 13: an address with a district; Low; an owner nobody knows
    ["M008", "成都天府软件有限公司", "四川省成都市高新区天府大道", None, "互联网", 200, "Low",
     "云服务", "郑凯", "028-66668888", None, None, None, None, "新", "赵六", "CODE", None],
    # 14: an autonomous region; a negative amount (error, row kept)
    ["M009", "乌鲁木齐天山能源有限公司", "新疆维吾尔自治区", "乌鲁木齐市", "能源", "-20", "弱",
     "ERP", "孙悦", "0991-4567890", None, None, None, None, "新", None, "CODE", None],
    # 15: an autonomous prefecture in a full address; an unreadable amount (error)
    ["M010", "延边长白山旅游有限公司", "吉林省延边朝鲜族自治州延吉市", None, "零售", "面议",
     "一般", "CRM", "马超", "0433-2512345", None, None, None, None, "新", None, "CODE", None],
    # 16: a section row merged across the table (reported, not a customer)
    ["—— 以下为华北区客户 ——", *([None] * 17)],
    # 17: a 1–5 rating; a wrong check character; a date that does not exist
    ["M011", "北京中关村信息技术有限公司", "北京", None, "金融", 300, 5, "安全、数据分析",
     "胡蓉", "010-82345678", "hr@zgc-it.cn", None, None, "2024-02-30", "老", "S005",
     "BADCHECK", None],
    # 18: English province name; 千万; a 10-digit mobile (error); a short code (error)
    ["M012", "天津滨海物流有限公司", "Tianjin", None, "物流", "1.5千万", 2, "ERP",
     "郭强", "1380013800", "not-an-email", None, None, None, "新", None, "91120000MA05", None],
    # 19: no name (rejected, reported)
    ["M013", None, "河北省石家庄市", None, "制造", 40, "高", "ERP", "何平", None, None, None,
     None, None, "新", None, None, None],
    # 20: nowhere on the map (error, row kept)
    ["M014", "火星探索有限公司", "火星基地", None, "能源", 10, "中", None, None, None, None,
     None, None, None, "新", None, None, None],
    # 21: 吉林市 the city, not 吉林 the province
    ["M015", "吉林市化纤有限公司", "吉林市", None, "制造", 60, "中", "ERP", "林涛", None,
     None, None, None, None, "新", None, "CODE", None],
    # 22: province + city without 省/市; an intent nobody can read (error)
    ["M016", "青岛海湾化工有限公司", "山东青岛", None, "制造", 45, "看情况", "安全", "罗军",
     "0532-83838383", None, None, None, None, "新", None, "CODE", None],
    # 23: another abbreviation (a municipality); 未知; "-" for "nothing"
    ["M017", "重庆两江汽车部件有限公司", "渝", None, "制造", 70, "未知", "-", "梁艳",
     "023-67676767", None, "-", None, None, "老", None, "CODE", None],
    # 24: a county-level city → its prefecture; lower-case credit code with spaces
    ["M018", "昆山精工机械有限公司", "昆山市", None, "制造", "25万元", "中", "ERP", "宋杰",
     "0512-57571234", None, None, None, None, "新", "S001", "LOWER", None],
    # 25: M001 typed again by another rep (same phone, similar name, another owner): one
    # customer for the allocation, and a 撞单 conflict in the duplicates sheet
    ["M019", "上海张江微电子股份有限公司", "上海", None, "制造", 50, "高", "ERP", "王伟",
     "138-0013-8000", None, None, None, None, "老", "李娜", None, None],
    # 26: a totals row (reported, not a customer)
    [None, "合计", None, None, None, 1234, None, None, None, None, None, None, None, None,
     None, None, None, None],
    # 27: a blank row, then 28: a note below the table (reported, not a customer)
    [None] * 18,
    [None, "注：数据截至2026年1月，金额单位见表头", *([None] * 16)],
]  # fmt: skip

MESSY_REP_HEADERS = [
    "工号",
    "销售姓名",
    "所属团队",
    "负责区域",
    "擅长行业",
    "负责产品",
    "职级",
    "客户上限",
    "在职状态",
    "现有客户数",
]
# Excel rows start at 3 (a merged title above the header on row 2).
MESSY_REPS: list[list[Any]] = [
    ["S001", "张伟", "华东", "上海市、江苏省", "制造，金融", "ERP/CRM", "高级销售", "30个", "在职", 2],
    ["S002", "李娜", "华东", "浙江 安徽", "互联网", "云服务", "资深", "３０", "是", 0],
    ["S003", "王磊", "华南", "深圳，广州", "零售", "CRM", "销售经理", 25, "在岗", None],
    ["S004", "赵强", "华南", "广东省深圳市、东莞", "制造", "ERP", "销售助理", "20", "休假", None],
    ["S005", "陈静", "华北", "北京;天津", "金融", "数据分析", "中级", 20, "离职", None],
    ["K001", "钱程", "大客户部", "全国", "金融、能源", "ERP、CRM", "初级", "15个", "出差", None],
    ["S007", "孙悦", "西部", "四川、火星", "能源", "ERP", "P7", 20, "是", None],
]  # fmt: skip

# The same kind of sheet as a GB18030 CSV (Excel on Chinese Windows): a title line and a
# blank line above the header, a unit in the header, and a name GBK cannot spell (𠮷).
MESSY_CSV_ROWS: list[list[str]] = [
    ["客户名称", "地区", "潜在价值(万)", "合作意向", "联系电话", "统一社会信用代码", "最近交易日期",
     "现负责人"],
    ["𠮷野家餐饮管理（上海）有限公司", "上海市徐汇区漕溪北路", "80", "高", "021-64871234",
     "CODE", "2025/6/1", "S001"],
    ["广西柳州螺蛳粉食品有限公司", "广西壮族自治区柳州市", "1.2亿", "★★★", "+86 0772 2881234",
     "BADCHECK", "2025年1月8日", "王磊"],
    ["内蒙古伊利乳业销售有限公司", "内蒙古呼和浩特", "５０", "意向强烈", "13912345678",
     "CODE", "20250108", ""],
    ["", "河南省郑州市", "10", "中", "", "", "", ""],
    ["宁夏枸杞贸易有限公司", "宁", "待定", "低", "0951-5012345", "", "2025.1.8", "S009"],
]  # fmt: skip
_MESSY_CSV_CODE_REGIONS = ["310104", "450200", "150100"]


def messy_credit_codes(rng: random.Random) -> tuple[dict[str, str], list[str]]:
    """Valid codes for the messy sheets: by customer key, and for the CSV rows in order."""
    by_key = {key: credit_code(rng, region) for key, region in _MESSY_CODE_REGIONS.items()}
    in_csv = [credit_code(rng, region) for region in _MESSY_CSV_CODE_REGIONS]
    return by_key, in_csv


def _wrong_check(code: str) -> str:
    """The same code with a check character that does not add up."""
    last = CODE_CHARS.index(code[-1])
    return code[:-1] + CODE_CHARS[(last + 1) % len(CODE_CHARS)]


def messy_cells(rng: random.Random) -> tuple[list[list[Any]], list[list[str]]]:
    """The customer rows of messy.xlsx and of messy_gbk.csv, codes filled in."""
    by_key, in_csv = messy_credit_codes(rng)
    rows: list[list[Any]] = []
    for written in MESSY_ROWS:
        row = list(written)
        key, code = row[0], row[16]
        if code == "CODE":
            row[16] = by_key[key]
        elif code == "BADCHECK":
            row[16] = _wrong_check(credit_code(rng, "110108"))
        elif code == "LOWER":
            valid = by_key[key].lower()
            row[16] = f"{valid[:8]} {valid[8:]}"
        rows.append(row)
    csv_rows = [list(MESSY_CSV_ROWS[0])]
    codes = iter(in_csv)
    for written_csv in MESSY_CSV_ROWS[1:]:
        row = list(written_csv)
        if row[5] == "CODE":
            row[5] = next(codes)
        elif row[5] == "BADCHECK":
            row[5] = _wrong_check(next(codes))
        csv_rows.append(row)
    return rows, csv_rows


def write_messy_book(path: Path, rows: list[list[Any]]) -> None:
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"title": "Fenpei 示例：杂乱的客户表", "created": datetime(2026, 1, 1)})
    title = book.add_format({"bold": True, "font_size": 14, "align": "center"})
    note = book.add_format({"italic": True, "font_color": "#666666"})
    header = book.add_format({"bold": True, "bg_color": "#FFF2CC", "border": 1})
    day = book.add_format({"num_format": "yyyy/m/d"})
    filler = book.add_format({"bg_color": "#F2F2F2", "border": 1})
    width = len(MESSY_HEADERS)

    sheet = book.add_worksheet("客户列表")
    sheet.merge_range(0, 0, 0, width - 1, MESSY_TITLE, title)
    sheet.merge_range(1, 0, 1, width - 1, MESSY_NOTE, note)
    sheet.write_row(3, 0, MESSY_HEADERS, header)
    # Trailing empty columns: formatted, with nothing in them.
    for column in range(width, width + 3):
        sheet.write_blank(3, column, None, filler)
        sheet.write_blank(12, column, None, filler)
    sheet.set_column(width, width + 2, 6, filler)
    merged_region: tuple[int, Any] | None = None
    for offset, row in enumerate(rows):
        r = 4 + offset
        if row[0] is not None and str(row[0]).startswith("——"):
            sheet.merge_range(r, 0, r, width - 1, row[0], note)
            continue
        for c, value in enumerate(row):
            if value is None or value == "MERGED":
                continue
            if c == 2 and rows[offset + 1][2] == "MERGED":
                merged_region = (r, value)
                continue
            if isinstance(value, date):
                sheet.write_datetime(r, c, value, day)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, value)
    if merged_region is not None:
        r, value = merged_region
        sheet.merge_range(r, 2, r + 1, 2, value)
    sheet.set_column(0, width - 1, 14)

    reps = book.add_worksheet("销售人员")
    reps.merge_range(0, 0, 0, len(MESSY_REP_HEADERS) - 1, "销售人员名单（2026年1月）", title)
    reps.write_row(1, 0, MESSY_REP_HEADERS, header)
    for offset, rep in enumerate(MESSY_REPS):
        for c, value in enumerate(rep):
            if value is not None:
                reps.write(2 + offset, c, value)
    reps.set_column(0, len(MESSY_REP_HEADERS) - 1, 14)
    book.close()


def write_messy_csv(path: Path, rows: list[list[str]]) -> None:
    lines = ["2026年客户名单（导出自旧CRM）,,,,,,,", ",,,,,,,"]
    lines += [",".join(row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))


def main() -> None:
    customers = make_customers(random.Random(SEED))
    write_book(HERE / "book.xlsx", customers)
    write_csvs(HERE / "customers.csv", HERE / "reps.csv", customers)
    print(f"wrote {len(customers)} customers and {len(REPS)} reps to {HERE}")
    messy, messy_csv = messy_cells(random.Random(SEED + 1))
    write_messy_book(HERE / "messy.xlsx", messy)
    write_messy_csv(HERE / "messy_gbk.csv", messy_csv)
    print(f"wrote messy.xlsx ({len(messy)} rows) and messy_gbk.csv to {HERE}")


if __name__ == "__main__":
    main()
