"""Cell value parsing: numbers and amounts, intents, levels, yes/no, lists, dates, ids.

Every parser takes one non-empty cell (as python-calamine or the csv module returns it:
str, float, int, bool, date or datetime) and returns the parsed value or raises
`BadValueError` with a short bilingual message. Empty cells never reach a parser; the reader
handles them (default value, or an error for a required column).

Kept in one small module on purpose: messy input (units in headers, "约50万", ranges,
Excel text like "1.2E+06") is the next issue's job and extends these functions.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Any

from fenpei.engine.model import Intent, Level


class BadValueError(ValueError):
    """A cell holds something this column cannot use; the message says what."""


# Full-width ASCII (！ to ～) and the ideographic space become their half-width forms.
_HALFWIDTH = str.maketrans(
    {**{chr(0xFF01 + i): chr(0x21 + i) for i in range(94)}, "\u3000": " ", "\uffe5": "¥"}
)


def halfwidth(text: str) -> str:
    return text.translate(_HALFWIDTH)


def text_of(value: Any) -> str:
    """A cell as text: ids and codes typed as numbers lose the Excel ".0"."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e17:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# ---------------------------------------------------------------------------- numbers

_UNITS = (("亿", 1e8), ("万", 1e4), ("千", 1e3), ("k", 1e3), ("w", 1e4))
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?")
_STRIP = str.maketrans("", "", ", _'¥$")


def parse_number(value: Any) -> float:
    """A finite number. Accepts 1200000, "1,200,000", "¥120万", "1.2亿", "50万元"."""
    if isinstance(value, bool):
        raise BadValueError("不是数字 / not a number")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        number = _number_from_text(value)
    else:
        raise BadValueError("不是数字 / not a number")
    if not math.isfinite(number):
        raise BadValueError("不是有限的数字 / not a finite number")
    return number


def _number_from_text(raw: str) -> float:
    try:
        return float(raw)  # the common case: a plain number
    except ValueError:
        pass
    text = halfwidth(raw).strip().lower().translate(_STRIP)
    for suffix in ("元", "rmb", "cny", "人民币"):
        text = text.removesuffix(suffix)
    for prefix in ("rmb", "cny", "人民币"):
        text = text.removeprefix(prefix)
    scale = 1.0
    for unit, factor in _UNITS:
        if text.endswith(unit):
            text, scale = text[: -len(unit)], factor
            break
    if not _NUMBER.fullmatch(text):
        raise BadValueError("不是数字 / not a number")
    return float(text) * scale


def parse_amount(value: Any) -> float:
    """Money in yuan, ≥ 0."""
    number = parse_number(value)
    if number < 0:
        raise BadValueError("金额不能为负 / amount must not be negative")
    return number


def parse_count(value: Any) -> int:
    """A whole number ≥ 0 (a count or a capacity)."""
    number = parse_number(value)
    if number < 0:
        raise BadValueError("不能为负 / must not be negative")
    if not number.is_integer():
        raise BadValueError("应为整数 / must be a whole number")
    if number > 2**31 - 1:
        raise BadValueError("数值过大 / too large")
    return int(number)


# ----------------------------------------------------------------------- categories


def _key(value: Any) -> str:
    return halfwidth(text_of(value)).strip().lower().replace(" ", "")


_INTENTS = {
    **dict.fromkeys(("高", "强", "high", "h", "strong", "3"), Intent.HIGH),
    **dict.fromkeys(("中", "一般", "medium", "mid", "m", "normal", "2"), Intent.MEDIUM),
    **dict.fromkeys(("低", "弱", "low", "l", "weak", "1"), Intent.LOW),
    **dict.fromkeys(("未知", "不详", "不明", "unknown", "n/a", "na", "?", "0"), Intent.UNKNOWN),
}


def parse_intent(value: Any) -> Intent:
    key = _key(value)
    for word in ("意向", "intent"):
        key = key.replace(word, "")
    try:
        return _INTENTS[key]
    except KeyError:
        raise BadValueError(
            "合作意向应为 高/中/低/未知 / intent must be high/medium/low/unknown"
        ) from None


_LEVELS = {
    **dict.fromkeys(("初级", "初", "junior", "jr", "entry", "1"), Level.JUNIOR),
    **dict.fromkeys(("中级", "中", "mid", "middle", "intermediate", "2"), Level.MID),
    **dict.fromkeys(("高级", "高", "资深", "senior", "sr", "3"), Level.SENIOR),
}


def parse_level(value: Any) -> Level:
    key = _key(value).removesuffix("销售")
    try:
        return _LEVELS[key]
    except KeyError:
        raise BadValueError("级别应为 初级/中级/高级 / level must be junior/mid/senior") from None


_YES = frozenset(
    ("是", "y", "yes", "true", "1", "在岗", "在职", "有效", "√", "✓", "t", "on", "active")
)
_NO = frozenset(
    (
        "否",
        "n",
        "no",
        "false",
        "0",
        "离职",
        "离岗",
        "停用",
        "无效",
        "×",
        "✗",
        "f",
        "off",
        "inactive",
    )
)


def parse_yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    key = _key(value)
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise BadValueError("应为 是/否 / must be yes or no")


_NEW = frozenset(("新", "新客户", "新客", "new", "新增"))
_OLD = frozenset(("老", "老客户", "老客", "old", "existing", "returning", "存量"))


def parse_customer_type(value: Any) -> bool:
    """True for a new customer (新), False for an existing one (老)."""
    key = _key(value)
    if key in _NEW:
        return True
    if key in _OLD:
        return False
    raise BadValueError("客户类型应为 新/老 / customer type must be new or existing")


_LIST_SEPARATORS = re.compile(r"[、，,;；/|\s]+")


def parse_list(value: Any) -> tuple[str, ...]:
    """ "云服务、ERP, CRM" → ("云服务", "ERP", "CRM"); order kept, repeats dropped."""
    parts = _LIST_SEPARATORS.split(halfwidth(text_of(value)))
    return tuple(dict.fromkeys(p for p in parts if p))


# -------------------------------------------------------------------------- dates

_EXCEL_EPOCH = date(1899, 12, 30)
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ t].*)?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


def parse_date(value: Any) -> date:
    """An Excel date cell, an Excel serial number, or YYYY-MM-DD (also / . 年月日)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise BadValueError("不是日期 / not a date")
    if isinstance(value, int | float):
        if 1 <= value < 2_958_466:  # Excel's serial day numbers (1900-01-01 .. 9999-12-31)
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise BadValueError("不是日期 / not a date")
    text = halfwidth(text_of(value)).strip().lower()
    match = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match is None:
        raise BadValueError("日期应为 YYYY-MM-DD / date must be YYYY-MM-DD")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise BadValueError("日期不存在 / no such date") from None


# ---------------------------------------------------------------- ids and contacts

_CREDIT_CODE = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}")


def parse_credit_code(value: Any) -> str:
    """统一社会信用代码: 18 characters (digits and capitals except I O S V Z)."""
    code = halfwidth(text_of(value)).replace(" ", "").upper()
    if not _CREDIT_CODE.fullmatch(code):
        raise BadValueError(
            "统一社会信用代码应为18位数字或大写字母 / credit code must be 18 digits or capitals"
        )
    return code


_PHONE_CHARS = re.compile(r"[0-9+\-()（）\s转#ext.]+", re.IGNORECASE)


def parse_phone(value: Any) -> str:
    """A phone number as written; at least 5 digits, no letters beyond an extension."""
    text = halfwidth(text_of(value))
    if not _PHONE_CHARS.fullmatch(text) or sum(c.isdigit() for c in text) < 5:
        raise BadValueError("不是电话号码 / not a phone number")
    return text


def phone_digits(phone: str) -> str:
    """Only the digits, without a leading +86 / 0086 (for duplicate checks)."""
    digits = "".join(c for c in phone if c.isdigit())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix) :]
    return digits


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def parse_email(value: Any) -> str:
    text = halfwidth(text_of(value))
    if not _EMAIL.fullmatch(text):
        raise BadValueError("不是邮箱地址 / not an email address")
    return text


def parse_text(value: Any) -> str:
    return text_of(value)
