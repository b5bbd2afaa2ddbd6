"""Duplicate check (查重): customer records that look like the same real customer.

Three signals, each on its own:

- the same 统一社会信用代码 (credit code);
- the same company name once normalised: full-width → half-width, case, spaces and
  punctuation ignored, legal-form suffixes dropped (有限公司, 股份有限公司, 集团, Co., Ltd. …);
- the same phone number (digits only; a leading +86 / 0086 ignored).

`find_duplicates` returns one group per shared value, in a deterministic order (by the
position of each group's first record); a group found by several signals is reported
once with all of them named. Pure function: no I/O, no Django.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

# Legal-form suffixes removed from the end of a name (one of them, longest first).
CJK_SUFFIXES = tuple(
    sorted(
        {
            "有限责任公司",
            "股份有限公司",
            "集团有限公司",
            "集团有限责任公司",
            "集团股份有限公司",
            "控股有限公司",
            "有限公司",
            "股份公司",
            "集团公司",
            "总公司",
            "公司",
            "集团",
        },
        key=lambda s: (-len(s), s),
    )
)
# English ones are whole words: "Cisco" keeps its "co".
ENGLISH_SUFFIXES = tuple(
    (
        "co",
        "company",
        "ltd",
        "limited",
        "llc",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "group",
        "gmbh",
        "plc",
        "holdings",
    )
)

_MIN_PHONE_DIGITS = 7

# The work is done on all names at once, joined by newlines: a few passes of C-level
# string operations instead of a Python call per name (a million names in about a second).
_OTHER_PUNCTUATION = "、。·「」『』【】《》“”‘’—…〈〉〔〕〖〗｛｝"
_ASCII_PUNCTUATION = bytes(c for c in range(128) if not chr(c).isalnum() and c != 10)
_TO_SPACE = bytes.maketrans(_ASCII_PUNCTUATION, b" " * len(_ASCII_PUNCTUATION))
_NON_DIGITS = bytes(c for c in range(256) if not (48 <= c <= 57 or c == 10))
_HAS_LETTER = re.compile(r"[a-z]")
_UNUSUAL = re.compile(r"[^\u4e00-\u9fff0-9\n]")
_STRAY = re.compile(r"[^\w\n ]")  # punctuation the fast passes did not know


def _bulk(values: Sequence[str], passes: Callable[[str], str]) -> list[str]:
    """Apply `passes` to every value at once; values holding a newline go one by one."""
    if not values:
        return []
    blob = "\n".join(values)
    if blob.count("\n") == len(values) - 1:
        out = passes(blob).split("\n")
        if len(out) == len(values):
            return out
    return [passes(v.replace("\n", " ")) for v in values]


def _strip_tails(blob: str, tails: Sequence[str], sep: str) -> str:
    """Remove a trailing `tails` word (preceded by `sep`) from every line; longest first."""
    blob += "\n"
    for tail in tails:
        blob = blob.replace(sep + tail + "\n", "\n")
    return blob[:-1]


def _name_passes(blob: str) -> str:
    if not unicodedata.is_normalized("NFKC", blob):
        blob = unicodedata.normalize("NFKC", blob)
    if _UNUSUAL.search(blob):  # more than ideographs and digits: punctuation, letters …
        blob = blob.lower()
        for mark in _OTHER_PUNCTUATION:
            blob = blob.replace(mark, " ")
        blob = blob.encode().translate(_TO_SPACE).decode()
        if _STRAY.search(blob):  # rare: other Unicode punctuation or symbols
            blob = re.sub(r"[^\w\n]+|_", " ", blob)
        if _HAS_LETTER.search(blob):  # English words: drop Co., Ltd. … as whole words
            while "  " in blob:
                blob = blob.replace("  ", " ")
            blob = blob.replace(" \n", "\n").strip(" ")
            blob = _strip_tails(blob, ENGLISH_SUFFIXES, " ")
            blob = _strip_tails(blob, ENGLISH_SUFFIXES, " ")  # "Co., Ltd."
        blob = blob.replace(" ", "")
    return _strip_tails(blob, CJK_SUFFIXES, "")


def _phone_passes(blob: str) -> str:
    digits = unicodedata.normalize("NFKC", blob).encode().translate(None, _NON_DIGITS).decode()
    if "86" not in digits:
        return digits
    return _COUNTRY_CODE.sub("", digits)


_COUNTRY_CODE = re.compile(r"^(?:00)?86(?=\d{11}$)", re.MULTILINE)


def normalise_name(name: str) -> str:
    """Company name for comparison: "上海华通科技有限公司 " and "上海华通科技（有限公司）" match."""
    return _name_passes(name.replace("\n", " "))


def normalise_names(names: Sequence[str]) -> list[str]:
    return _bulk(names, _name_passes)


def phone_key(phone: str) -> str:
    """Digits only, without a leading +86 / 0086 before an 11-digit mobile number."""
    return _phone_passes(phone.replace("\n", " "))


def phone_keys(phones: Sequence[str]) -> list[str]:
    return _bulk(phones, _phone_passes)


_REASONS = {
    "zh": {
        "credit_code": "统一社会信用代码相同：{}",
        "name": "公司名称相同（规范化后：{}）",
        "phone": "联系电话相同：{}",
        "join": "；",
    },
    "en": {
        "credit_code": "same credit code: {}",
        "name": "same company name (normalised: {})",
        "phone": "same phone number: {}",
        "join": "; ",
    },
}


def _groups(values: Sequence[str]) -> dict[str, list[int]]:
    """Positions of every non-empty value that occurs more than once."""
    values = list(values)
    distinct = set(values)
    if len(distinct) + values.count("") - ("" in distinct) == len(values):
        return {}  # the usual case, decided without counting
    counts = Counter(values)
    counts.pop("", None)
    repeated = {value for value, count in counts.items() if count > 1}
    positions: dict[str, list[int]] = {value: [] for value in repeated}
    for position in [p for p, value in enumerate(values) if value in repeated]:
        positions[values[position]].append(position)
    return positions


def find_duplicates(
    keys: Sequence[str],
    names: Sequence[str],
    credit_codes: Sequence[str] | None = None,
    phones: Sequence[str] | None = None,
    *,
    lang: str = "zh",
) -> list[dict[str, Any]]:
    """Groups of records sharing a credit code, a normalised name or a phone number.

    Each group is ``{"customer_keys": [...], "reason": "..."}`` with keys in input order.
    """
    n = len(keys)
    if len(names) != n:
        raise ValueError("keys and names differ in length")
    words = _REASONS[lang]
    found: dict[tuple[int, ...], list[str]] = {}
    signals: list[tuple[str, Sequence[str]]] = []
    if credit_codes is not None:
        signals.append(("credit_code", [c.strip().upper() if c else "" for c in credit_codes]))
    signals.append(("name", normalise_names(names)))
    if phones is not None:
        digits = phone_keys(phones)
        signals.append(("phone", [d if len(d) >= _MIN_PHONE_DIGITS else "" for d in digits]))
    for signal, values in signals:
        if len(values) != n:
            raise ValueError(f"{signal} column differs in length from keys")
        for value, positions in _groups(values).items():
            found.setdefault(tuple(positions), []).append(words[signal].format(value))
    return [
        {"customer_keys": [keys[p] for p in members], "reason": words["join"].join(reasons)}
        for members, reasons in sorted(found.items())
    ]
