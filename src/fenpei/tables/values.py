"""Cell value parsing: what people really type, read the way a careful assistant would.

Every parser takes one non-empty cell (as python-calamine or the csv module returns it:
str, float, int, bool, date or datetime) and returns the parsed value or raises
`BadValueError` with a short message in Chinese and in English. Empty cells never reach a
parser; the reader handles them (default value, or an error for a required column).

- amounts: 50万, 50万元, 1.2亿, ¥1,200,000, ￥80,000, 1200000 元, ３０万, 约50万, 50-100万
  (the middle of the range); a unit in the cell wins over the unit in the header;
- counts and capacities: 30, 30个, ３０, 30家;
- intent: 高/中/低, 强/一般/弱, 意向强烈, High/Medium/Low, hot/warm/cold, ★★★★, 4星, 1–5;
- levels: 初级/中级/高级, 高级销售, 资深, 销售经理, 销售助理, Senior …;
- rep status: 是/否, 在职/离职, 休假 … (anything but "active" is inactive);
- dates: Excel dates, 2024-03-05, 2024/3/5, 2024年3月5日, 20240305, 2024.3.5;
- ids: 统一社会信用代码 with its GB 32100-2015 check character; phone numbers
  normalised (mobile 13800138000, landline 021-62345678).

Columns where nearly every cell differs (phones, credit codes, e-mail addresses) also
have a `*_bulk` form that checks the common well-formed cells of a whole column in a few
C-level passes and leaves only the rest to the one-cell parser.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from itertools import compress
from typing import Any

import numpy as np

from fenpei.engine.model import Intent, Level


class BadValueError(ValueError):
    """A cell holds something this column cannot use; the message says what.

    `zh` and `en` are the message in each language; `str(error)` shows both. When the
    reader should still use a value for the cell (a rep whose status is unclear is treated
    as inactive), it is given as `fallback`.
    """

    def __init__(self, zh: str, en: str | None = None, *, fallback: Any = None) -> None:
        self.zh = zh
        self.en = en if en is not None else zh
        self.fallback = fallback
        super().__init__(zh if en is None else f"{zh} / {en}")

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


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


#: What people type for "nothing here": such a cell counts as empty, not as bad.
PLACEHOLDERS = frozenset(
    ("-", "--", "---", "—", "——", "/", "\\", "无", "空", "n/a", "na", "null", "none", "nil", "#n/a")
)


# The same as typed: full-width forms too, so no translation is needed per cell.
_PLACEHOLDER_FORMS = (
    PLACEHOLDERS
    | {
        p.translate({ord(h): f for f, h in zip("－—／＼", "-—/\\", strict=True)})
        for p in PLACEHOLDERS
    }
    | {"ｎ/ａ", "ｎａ", "ｎｕｌｌ", "－－"}
)


def is_placeholder(value: Any) -> bool:
    return value.__class__ is str and value.strip().lower() in _PLACEHOLDER_FORMS


# ---------------------------------------------------------------------------- numbers

_NOT_A_NUMBER = ("不是数字", "not a number")

# Units a cell may carry, longest first; the factor turns the number into yuan (or ones).
_CELL_UNITS = (
    ("万亿元", 1e12),
    ("万亿", 1e12),
    ("千万元", 1e7),
    ("百万元", 1e6),
    ("十万元", 1e5),
    ("千万", 1e7),
    ("百万", 1e6),
    ("十万", 1e5),
    ("亿元", 1e8),
    ("万元", 1e4),
    ("千元", 1e3),
    ("million", 1e6),
    ("亿", 1e8),
    ("万", 1e4),
    ("千", 1e3),
    ("元", 1.0),
    ("块", 1.0),
    ("mn", 1e6),
    ("k", 1e3),
    ("w", 1e4),
    ("m", 1e6),
)
_CURRENCY = ("人民币", "rmb", "cny", "¥", "$")
_ABOUT_BEFORE = ("大约", "大概", "约", "近", "预计", "预估", "估计", "about", "approx", "~")
_ABOUT_AFTER = ("左右", "上下", "以上", "多", "+", "余")
_PLAIN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_RANGE = re.compile(r"(.+?\d[^~至到\-]*)(?:~|至|到|-)(\d.*)")


def parse_number(value: Any) -> float:
    """A finite number. Accepts 1200000, "1,200,000", "¥120万", "1.2亿", "50万元"."""
    return _number(value, 1.0)[0]


def _number(value: Any, factor: float) -> tuple[float, bool]:
    """(number, whether the cell carried its own unit); bare numbers are × `factor`."""
    if isinstance(value, bool):
        raise BadValueError(*_NOT_A_NUMBER)
    if isinstance(value, int | float):
        number, own_unit = float(value), False
    elif isinstance(value, str):
        try:
            number, own_unit = float(value), False  # the common case: a plain number
        except ValueError:
            number, own_unit = _number_from_text(value)
    else:
        raise BadValueError(*_NOT_A_NUMBER)
    if not math.isfinite(number):
        raise BadValueError("不是有限的数字", "not a finite number")
    return (number if own_unit else number * factor), own_unit


# The usual shapes, read without the general steps below: ¥1,200,000 · 14.3万 · 1200000 元.
_QUICK_NUMBER = re.compile(
    r"\s*[¥￥]?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(万元|亿元|万|亿|元)?\s*"
)
_QUICK_UNITS = {"万元": 1e4, "亿元": 1e8, "万": 1e4, "亿": 1e8, "元": 1.0}


def _number_from_text(raw: str) -> tuple[float, bool]:
    quick = _QUICK_NUMBER.fullmatch(raw)
    if quick is not None:
        whole, fraction, unit = quick.groups()
        number = float(whole.replace(",", "") + (fraction or ""))
        if unit is None:
            return number, False
        return number * _QUICK_UNITS[unit], True
    text = halfwidth(raw).strip().lower().replace(" ", "").replace("_", "").replace("'", "")
    for word in _ABOUT_BEFORE:
        text = text.removeprefix(word)
    for word in _ABOUT_AFTER:
        text = text.removesuffix(word)
    try:
        return _one_number(text)
    except BadValueError:
        range_ = _RANGE.fullmatch(text)
        if range_ is None or text.startswith("-"):
            raise
    # A range (50-100万, 50万~100万, 50至100万): its middle.
    low, low_unit = _one_number(range_[1])
    high, high_unit = _one_number(range_[2])
    if high_unit and not low_unit:  # 50-100万: the unit applies to both ends
        low *= _unit_factor(range_[2])
    if low > high:
        raise BadValueError("范围的下限大于上限", "the range's lower end exceeds its upper end")
    return (low + high) / 2, low_unit or high_unit


def _unit_factor(text: str) -> float:
    for unit, factor in _CELL_UNITS:
        if text.endswith(unit):
            return factor
    return 1.0


def _one_number(text: str) -> tuple[float, bool]:
    for currency in _CURRENCY:
        text = text.removeprefix(currency)
    for currency in ("人民币", "rmb", "cny"):
        text = text.removesuffix(currency)
    scale, own_unit = 1.0, False
    for unit, factor in _CELL_UNITS:
        if text.endswith(unit) and len(text) > len(unit):
            text, scale, own_unit = text[: -len(unit)], factor, True
            break
    if "," in text:
        if not _GROUPED.fullmatch(text):
            raise BadValueError(
                "千分位逗号位置不对", "misplaced thousands separator (expected 1,234,567)"
            )
        text = text.replace(",", "")
    if not _PLAIN.fullmatch(text):
        raise BadValueError(*_NOT_A_NUMBER)
    return float(text) * scale, own_unit


def parse_amount(value: Any, factor: float = 1.0) -> float:
    """Money in yuan, ≥ 0. `factor` is the header's unit (潜在价值（万元） → 10,000): it
    scales bare numbers; a cell with its own unit (50万, 1200000元) keeps that unit."""
    number = _number(value, factor)[0]
    if number < 0:
        raise BadValueError("金额不能为负", "amount must not be negative")
    return number


_COUNT_UNITS = ("个客户", "家客户", "个", "家", "户", "位", "名", "人", "条", "次", "笔", "单")


def parse_count(value: Any) -> int:
    """A whole number ≥ 0 (a count or a capacity): 30, "30个", "３０"."""
    if isinstance(value, str):
        text = halfwidth(value).strip()
        for unit in _COUNT_UNITS:
            if text.endswith(unit) and len(text) > len(unit):
                text = text[: -len(unit)].strip()
                break
        value = text
    number = parse_number(value)
    if number < 0:
        raise BadValueError("不能为负", "must not be negative")
    if not number.is_integer():
        raise BadValueError("应为整数", "must be a whole number")
    if number > 2**31 - 1:
        raise BadValueError("数值过大", "too large")
    return int(number)


# ----------------------------------------------------------------------- categories


def _key(value: Any) -> str:
    return halfwidth(text_of(value)).strip().lower().replace(" ", "")


_INTENTS = {
    **dict.fromkeys(
        (
            "高",
            "强",
            "强烈",
            "很强",
            "很强烈",
            "非常强烈",
            "较强",
            "很高",
            "较高",
            "非常高",
            "极高",
            "high",
            "h",
            "strong",
            "veryhigh",
            "hot",
            "a",
        ),
        Intent.HIGH,
    ),
    **dict.fromkeys(
        (
            "中",
            "中等",
            "一般",
            "普通",
            "还行",
            "有",
            "medium",
            "mid",
            "m",
            "normal",
            "moderate",
            "warm",
            "b",
        ),
        Intent.MEDIUM,
    ),
    **dict.fromkeys(
        (
            "低",
            "弱",
            "较低",
            "很低",
            "较弱",
            "很弱",
            "不强",
            "无",
            "没有",
            "low",
            "l",
            "weak",
            "cold",
            "c",
            "d",
        ),
        Intent.LOW,
    ),
    **dict.fromkeys(
        (
            "未知",
            "不详",
            "不明",
            "不清楚",
            "待定",
            "待确认",
            "unknown",
            "n/a",
            "na",
            "?",
            "0",
            "tbd",
        ),
        Intent.UNKNOWN,
    ),
}
_INTENT_NOISE = ("合作意向", "意向度", "意向", "合作", "程度", "intent", "interest", "level")
_STARS = re.compile(r"([1-5一二三四五])(?:颗|个)?(?:星级|星|stars?)")
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
_BAD_INTENT = (
    "合作意向应为 高/中/低/未知 或 1–5 星",
    "intent must be high/medium/low/unknown or 1–5 stars",
)


def parse_intent(value: Any) -> Intent:
    """高/中/低, 强/一般/弱, 意向强烈, High, ★★★★, 4星, or a 1–5 rating (4–5 high, 3 medium,
    1–2 low); 未知 → unknown."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _intent_of_rating(float(value))
    key = _key(value)
    stars = key.count("★") + key.count("⭐")
    if stars and not key.strip("★⭐☆"):
        return _intent_of_rating(float(stars))
    found = _INTENTS.get(key)
    if found is not None:
        return found
    for word in _INTENT_NOISE:
        key = key.replace(word, "")
    found = _INTENTS.get(key)
    if found is not None:
        return found
    match = _STARS.fullmatch(key)
    if match is not None:
        return _intent_of_rating(float(_CHINESE_DIGITS.get(match[1]) or match[1]))
    try:
        rating = float(key)
    except ValueError:
        raise BadValueError(*_BAD_INTENT) from None
    return _intent_of_rating(rating)


def _intent_of_rating(rating: float) -> Intent:
    if rating == 0:
        return Intent.UNKNOWN
    if not 1 <= rating <= 5:
        raise BadValueError(*_BAD_INTENT)
    if rating >= 4:
        return Intent.HIGH
    if rating >= 3:
        return Intent.MEDIUM
    return Intent.LOW


_LEVELS = {
    **dict.fromkeys(("初级", "初", "junior", "jr", "entry", "1"), Level.JUNIOR),
    **dict.fromkeys(("中级", "中", "mid", "middle", "intermediate", "2"), Level.MID),
    **dict.fromkeys(("高级", "高", "资深", "senior", "sr", "3"), Level.SENIOR),
}
# Grade words first (they say the level outright), then job titles that imply one.
_LEVEL_WORDS: tuple[tuple[tuple[str, ...], Level], ...] = (
    (("资深", "高级", "senior"), Level.SENIOR),
    (("中级", "intermediate"), Level.MID),
    (("初级", "junior"), Level.JUNIOR),
)
_TITLE_WORDS: tuple[tuple[tuple[str, ...], Level], ...] = (
    (("助理", "实习", "见习", "新人", "新手", "trainee", "intern", "assistant"), Level.JUNIOR),
    (("总监", "经理", "主管", "专家", "manager", "director", "lead", "principal"), Level.SENIOR),
)
_ROLE_WORDS = ("销售代表", "销售顾问", "销售", "代表", "顾问", "专员", "人员", "sales", "rep")


def parse_level(value: Any) -> Level:
    """初级/中级/高级 with or without a title: 高级销售, 资深, 销售经理 (senior), 销售助理
    (junior), Senior Sales …"""
    key = _key(value)
    found = _LEVELS.get(key)
    if found is None:
        bare = key
        for word in _ROLE_WORDS:
            bare = bare.replace(word, "")
        found = _LEVELS.get(bare)
    if found is None:
        for words_by_level in (_LEVEL_WORDS, _TITLE_WORDS):
            hits = {level for words, level in words_by_level if any(w in key for w in words)}
            if len(hits) == 1:
                found = hits.pop()
                break
    if found is None:
        raise BadValueError(
            "级别应为 初级/中级/高级（或 资深、销售经理、销售助理 等）",
            "level must be junior/mid/senior",
        )
    return found


_YES = frozenset(
    ("是", "y", "yes", "true", "1", "在岗", "在职", "有效", "√", "✓", "✔", "t", "on", "active",
     "正常", "启用", "对")
)  # fmt: skip
_NO = frozenset(
    ("否", "n", "no", "false", "0", "离职", "离岗", "停用", "无效", "×", "✗", "✘", "f", "off",
     "inactive", "不是", "错")
)  # fmt: skip


def parse_yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    key = _key(value)
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise BadValueError("应为 是/否", "must be yes or no")


_NOT_ACTIVE = frozenset(
    (
        "休假",
        "请假",
        "产假",
        "病假",
        "年假",
        "婚假",
        "停职",
        "待岗",
        "冻结",
        "暂停",
        "已离职",
        "离职中",
        "退休",
        "调岗",
        "试用期结束",
        "on leave",
        "onleave",
        "leave",
        "left",
        "suspended",
        "disabled",
    )
)


def parse_active(value: Any) -> bool:
    """A rep's 在岗 status: 是/在职/在岗 → active; 否/离职/休假 and any other status → not.

    An unrecognised status is reported (and treated as inactive: no new customers).
    """
    if isinstance(value, bool):
        return value
    key = _key(value)
    if key in _YES:
        return True
    if key in _NO or key in _NOT_ACTIVE:
        return False
    raise BadValueError(
        "无法识别的在岗状态，按不在岗处理（应为 是/否、在职/离职、休假 …）",
        "unknown status, treated as not active (expected yes/no, active, on leave …)",
        fallback=False,
    )


_NEW = frozenset(("新", "新客户", "新客", "new", "新增", "潜在客户", "潜客", "lead", "prospect"))
_OLD = frozenset(("老", "老客户", "老客", "old", "existing", "returning", "存量", "存量客户"))


def parse_customer_type(value: Any) -> bool:
    """True for a new customer (新), False for an existing one (老)."""
    key = _key(value)
    if key in _NEW:
        return True
    if key in _OLD:
        return False
    raise BadValueError("客户类型应为 新/老", "customer type must be new or existing")


_LIST_SEPARATORS = re.compile(r"[、，,;；/|+\s]+")


def parse_list(value: Any) -> tuple[str, ...]:
    """ "云服务、ERP, CRM" → ("云服务", "ERP", "CRM"); order kept, repeats dropped."""
    parts = _LIST_SEPARATORS.split(halfwidth(text_of(value)))
    return tuple(dict.fromkeys(p for p in parts if p))


# -------------------------------------------------------------------------- dates

_EXCEL_EPOCH = date(1899, 12, 30)
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ t].*)?")
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_BAD_DATE = ("日期应为 2024-03-05 这样的格式", "date must be like 2024-03-05")


def parse_date(value: Any) -> date:
    """An Excel date cell or serial number, 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日,
    20240305 (text or number); a month alone (2024年3月) is its first day."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise BadValueError(*_BAD_DATE)
    if isinstance(value, int | float):
        if 19_000_101 <= value <= 29_991_231 and float(value).is_integer():
            number = int(value)
            return _ymd(number // 10_000, number // 100 % 100, number % 100)
        if 1 <= value < 2_958_466:  # Excel's serial day numbers (1900-01-01 .. 9999-12-31)
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise BadValueError(*_BAD_DATE)
    text = halfwidth(text_of(value)).strip().lower()
    match = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match is not None:
        return _ymd(int(match[1]), int(match[2]), int(match[3]))
    month = _MONTH.fullmatch(text)
    if month is not None:
        return _ymd(int(month[1]), int(month[2]), 1)
    raise BadValueError(*_BAD_DATE)


def _ymd(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise BadValueError("日期不存在", "no such date") from None


# ---------------------------------------------------------------- ids and contacts

#: GB 32100-2015: the 31 characters of a 统一社会信用代码 and the weights of positions 1–17.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}")
_CODE_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_CHARS)}
_CODE_TABLE = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(CREDIT_CODE_CHARS):
    _CODE_TABLE[ord(_c)] = _i


def credit_code_check(body: str) -> str:
    """The 18th character of a credit code whose first 17 characters are `body`."""
    total = sum(_CODE_VALUE[c] * w for c, w in zip(body, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def _clean_code(value: Any) -> str:
    return re.sub(r"[\s\-]", "", halfwidth(text_of(value))).upper()


def parse_credit_code(value: Any) -> str:
    """统一社会信用代码: 18 characters (digits and capitals except I O S V Z) whose last one
    is the GB 32100-2015 check character."""
    code = _clean_code(value)
    if not _CREDIT_CODE.fullmatch(code):
        raise BadValueError(
            f"统一社会信用代码应为18位数字或大写字母（不含 I O S V Z），此处为{len(code)}位",
            f"credit code must be 18 digits or capitals (no I O S V Z); this one has "
            f"{len(code)} characters",
        )
    expected = credit_code_check(code[:17])
    if code[17] != expected:
        raise BadValueError(
            f"统一社会信用代码校验位不对（按前17位应为 {expected}）",
            f"credit code check character is wrong (the first 17 give {expected})",
        )
    return code


def _column_texts(values: Sequence[Any]) -> list[str]:
    if set(map(type, values)) <= {str}:
        return list(values)
    return [v if v.__class__ is str else ("" if v is None else text_of(v)) for v in values]


def credit_codes_bulk(values: Sequence[Any]) -> tuple[list[str], list[int]]:
    """A whole column of credit codes: (codes, positions the one-cell parser must see).

    Well-formed codes are checked together: one numpy pass over an (n, 18) array.
    Empty cells give "". The positions left over are the odd cells (spaces, wrong length,
    lower case, a bad check character …): `parse_credit_code` says what is wrong.
    """
    texts = _column_texts(values)
    out = list(texts)
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    is_code = (lengths == 18) & np.fromiter(map(str.isascii, texts), np.bool_, len(texts))
    rest = []
    for p in np.flatnonzero(~is_code).tolist():
        out[p] = ""
        if texts[p].strip():
            rest.append(p)
    candidates = np.flatnonzero(is_code)
    if len(candidates):
        blob = "".join(compress(texts, is_code.tolist())).encode("ascii")
        digits = _CODE_TABLE[np.frombuffer(blob, dtype=np.uint8).reshape(-1, 18)]
        weights = np.asarray(CREDIT_CODE_WEIGHTS, dtype=np.int64)
        check = (31 - (digits[:, :17] @ weights) % 31) % 31
        ok = (digits >= 0).all(axis=1) & (digits[:, 2:8] < 10).all(axis=1)
        ok &= digits[:, 17] == check
        bad = candidates[~ok].tolist()
        for p in bad:
            out[p] = ""
        rest = sorted(rest + bad)
    return out, rest


def _bulk_match(
    values: Sequence[Any], pattern: re.Pattern[str], lines: re.Pattern[str]
) -> tuple[list[str], list[int]]:
    """(cells that fully match `pattern` as they are, "" elsewhere; the other non-empty
    positions). `lines` is the same pattern anchored per line: when every non-empty cell
    matches, one regex pass over the joined column decides it."""
    texts = _column_texts(values)
    blob = "\n".join(texts)
    filled = len(texts) - texts.count("")
    if blob.count("\n") == len(texts) - 1 and len(lines.findall(blob)) == filled:
        return texts, []
    matched = list(map(pattern.fullmatch, texts))
    out = [t if m is not None else "" for t, m in zip(texts, matched, strict=True)]
    rest = [p for p, m in enumerate(matched) if m is None and texts[p].strip()]
    return out, rest


_MOBILE = re.compile(r"1[3-9]\d{9}")
_PHONE_SPLIT = re.compile(r"\s*(?:[/,;、，；]|或|\s{2,})\s*")
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x|#)\s*(\d{1,6})$")
_DASH_EXTENSION = re.compile(r"(?:\+?86)?\s*\(?0\d{2,3}\)?[\s\-]?\d{3,4}[\s\-]?\d{4}-(\d{1,6})")
_PHONE_JUNK = re.compile(r"[\s\-().（）]")
_PHONE_LABEL = re.compile(r"^(?:电话|手机|座机|固话|tel|mobile|phone)[:：]?", re.IGNORECASE)
_BAD_PHONE = ("不是电话号码", "not a phone number")


def parse_phone(value: Any) -> str:
    """A phone number, normalised: mobile 13800138000 (no +86, spaces or dashes), landline
    021-62345678 (area code, dash, number; an extension as -808), 400-820-8820. Several
    numbers in one cell are kept, each normalised, joined by "/"."""
    text = halfwidth(text_of(value)).strip()
    if _MOBILE.fullmatch(text):
        return text
    parts = [p for p in _PHONE_SPLIT.split(text) if p]
    if not parts:
        raise BadValueError(*_BAD_PHONE)
    return "/".join(dict.fromkeys(map(_one_phone, parts)))


def _one_phone(text: str) -> str:
    text = _PHONE_LABEL.sub("", text.strip().lower()).strip()
    extension = ""
    match = _EXTENSION.search(text)
    if match is not None:
        extension, text = match[1], text[: match.start()]
    else:
        match = _DASH_EXTENSION.fullmatch(text)  # 021-62345678-808
        if match is not None:
            extension, text = match[1], text[: match.start(1) - 1]
    international = text.startswith(("+", "00"))
    digits = _PHONE_JUNK.sub("", text).removeprefix("+")
    if not digits.isdigit() or not digits.isascii():
        raise BadValueError(*_BAD_PHONE)
    if international or (digits.startswith("86") and len(digits) in (11, 12, 13)):
        if digits.startswith("0086"):
            digits = digits[4:]
        elif digits.startswith("86"):
            digits = digits[2:]
        elif international:  # another country: keep it as written, digits only
            return "+" + digits.removeprefix("00") + (f"-{extension}" if extension else "")
        if not digits.startswith(("0", "1", "400", "800")):
            digits = "0" + digits  # +86 21 6234 5678: the trunk 0 is dropped abroad
    if digits.startswith("1") and len(digits) >= 10:
        if _MOBILE.fullmatch(digits) and not extension:
            return digits
        raise BadValueError(
            f"手机号应为11位（此处{len(digits)}位）",
            f"a mobile number has 11 digits (this one has {len(digits)})",
        )
    if digits.startswith(("400", "800")) and len(digits) == 10:
        number = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    elif digits.startswith("0"):
        area = digits[:3] if digits[1] in "12" else digits[:4]
        local = digits[len(area) :]
        if not 7 <= len(local) <= 8:
            raise BadValueError(
                "座机号码应为区号加7–8位号码",
                "a landline number is an area code and 7–8 digits",
            )
        number = f"{area}-{local}"
    elif 5 <= len(digits) <= 8:
        number = digits  # a local number without its area code, or a service number
    else:
        raise BadValueError(*_BAD_PHONE)
    return number + (f"-{extension}" if extension else "")


_MOBILE_LINES = re.compile(r"^1[3-9]\d{9}$", re.MULTILINE)


# Full-width forms to half-width, and the spaces, dashes, dots and brackets inside a number
# dropped: one `str.translate` over a whole column.
_PHONE_TIDY = str.maketrans(
    {**_HALFWIDTH, **dict.fromkeys(map(ord, " \t-().（）\u3000－（）"), None)}
)


def phones_bulk(values: Sequence[Any]) -> tuple[list[str], list[int]]:
    """A whole column of phone numbers: (normalised numbers, positions left for
    `parse_phone`). Mobile numbers, as they are or written +86 138-0013-8000, are
    normalised for the whole column in a few C-level passes; the rest go one by one."""
    texts = _column_texts(values)
    blob = "\n".join(texts)
    if blob.count("\n") != len(texts) - 1:  # a line break inside a cell
        return _bulk_match(texts, _MOBILE, _MOBILE_LINES)
    filled = len(texts) - texts.count("")
    if len(_MOBILE_LINES.findall(blob)) == filled:
        return texts, []  # the usual case: every number is a plain mobile number
    tidy = ("\n" + blob.translate(_PHONE_TIDY)).replace("\n+86", "\n").replace("\n0086", "\n")
    lines = tidy[1:].split("\n")
    matched = list(map(_MOBILE.fullmatch, lines))
    out = [line if m is not None else "" for line, m in zip(lines, matched, strict=True)]
    rest = [p for p, m in enumerate(matched) if m is None and texts[p].strip()]
    return out, rest


def phone_digits(phone: str) -> str:
    """Only the digits, without a leading +86 / 0086 (for duplicate checks)."""
    digits = "".join(c for c in phone if c.isdigit())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix) :]
    return digits


_EMAIL = re.compile(r"[^@\s,;，；]+@[^@\s,;，；]+\.[^@\s,;，；]+")


def parse_email(value: Any) -> str:
    text = halfwidth(text_of(value)).strip()
    if not _EMAIL.fullmatch(text):
        raise BadValueError("不是邮箱地址", "not an email address")
    return text


_EMAIL_LINES = re.compile(r"^[^@\s,;，；]+@[^@\s,;，；]+\.[^@\s,;，；]+$", re.MULTILINE)


def emails_bulk(values: Sequence[Any]) -> tuple[list[str], list[int]]:
    """A whole column of e-mail addresses: (addresses, positions left for `parse_email`)."""
    return _bulk_match(values, _EMAIL, _EMAIL_LINES)


def parse_text(value: Any) -> str:
    return text_of(value)
