"""Generate the example customer book: examples/book.xlsx and the same data as a CSV pair.

    uv run python examples/make_examples.py

Deterministic (fixed seed): running it again reproduces the same files. About 300
customers in 13 provinces and 15 reps in four teams (华东, 华南, 华北 and a 大客户部 whose
one rep covers 全国 but is already full), with a few things worth seeing in the report:
two customers in 新疆 that nobody can take, an inactive rep whose customers move on, a
locked customer, duplicate records, and one bad cell.
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
    twin["现负责人"] = ""
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


def main() -> None:
    customers = make_customers(random.Random(SEED))
    write_book(HERE / "book.xlsx", customers)
    write_csvs(HERE / "customers.csv", HERE / "reps.csv", customers)
    print(f"wrote {len(customers)} customers and {len(REPS)} reps to {HERE}")


if __name__ == "__main__":
    main()
