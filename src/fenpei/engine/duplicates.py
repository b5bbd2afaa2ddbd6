"""Duplicate check (查重): customer records that look like the same real customer.

Three signals, each on its own:

- the same 统一社会信用代码 (credit code);
- the same company name once normalised: full-width → half-width, case, spaces and
  punctuation ignored, legal-form suffixes dropped (有限公司, 股份有限公司, 集团, Co., Ltd. …);
- the same phone number (digits only; a leading +86 / 0086 ignored) between rows whose
  names are similar (a shared switchboard alone does not make two companies one).

Rows linked by any chain of these signals are one real customer: `duplicate_groups`
returns those groups in a deterministic order (by first row), each with every signal named
and a conflict note when the rows name different current owners (撞单). The allocation
treats a group as one customer (`stand_ins`). Pure functions: no I/O, no Django.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

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
    return _COUNTRY_LANDLINE.sub("0", _COUNTRY_CODE.sub("", digits))


# +86 / 0086 before a national number: a mobile or a landline already written with its
# trunk 0 loses the country code; a landline written without the 0 ("+86 20 8888 1234")
# gets it back, so it meets "020-8888-1234".
# Mobiles: 1 and 10 more digits; landlines: area code (10, 2x, or 3 digits from 3 to 9)
# and a 7- or 8-digit number, 9 to 11 digits without the 0.
_COUNTRY_CODE = re.compile(r"^(?:00)?86(?=(?:1\d{10}|0\d{9,11})$)", re.MULTILINE)
_COUNTRY_LANDLINE = re.compile(r"^(?:00)?86(?=(?:10\d{8}|[2-9]\d{8,10})$)", re.MULTILINE)


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
        "phone": "联系电话相同且名称相近：{}",
        "join": "；",
        "conflict": "撞单：现负责人不同（{}）",
        "list": "、",
    },
    "en": {
        "credit_code": "same credit code: {}",
        "name": "same company name (normalised: {})",
        "phone": "same phone number and similar names: {}",
        "join": "; ",
        "conflict": "conflict: different current owners ({})",
        "list": ", ",
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


def similar_names(a: str, b: str) -> bool:
    """Normalised names that plausibly name one company: one contains the other, or they
    share at least half of their character pairs (华通科技 / 上海华通科技发展)."""
    if not a or not b:
        return False
    if a == b or (min(len(a), len(b)) >= 2 and (a in b or b in a)):
        return True
    pairs_a = {a[i : i + 2] for i in range(len(a) - 1)}
    pairs_b = {b[i : i + 2] for i in range(len(b) - 1)}
    if not pairs_a or not pairs_b:
        return False
    return len(pairs_a & pairs_b) / len(pairs_a | pairs_b) >= 0.5


#: A phone shared by more rows than this (a switchboard) is compared with its first rows only.
_PHONE_PAIRS_LIMIT = 64


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Rows that are one real customer: allocated as one, counted once against capacity."""

    members: tuple[int, ...]  # row positions, ascending; the first one stands for the group
    reason: str
    conflict: str = ""  # set when the rows name different current owners (撞单)


class _Components:
    """Union-find over row positions; the smallest position is each component's root."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while x != root:  # path compression
            self.parent[x], x = root, self.parent.get(x, x)
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            low, high = min(ra, rb), max(ra, rb)
            self.parent[high] = low
            self.parent.setdefault(low, low)


def duplicate_groups(
    keys: Sequence[str],
    names: Sequence[str],
    credit_codes: Sequence[str] | None = None,
    phones: Sequence[str] | None = None,
    owners: Sequence[str] | None = None,
    *,
    lang: str = "zh",
) -> list[DuplicateGroup]:
    """Groups of rows linked by a shared credit code, a shared normalised name, or a shared
    phone number between similar names; rows linked through any chain form one group."""
    n = len(keys)
    if len(names) != n:
        raise ValueError("keys and names differ in length")
    for label, column in (("credit_code", credit_codes), ("phone", phones), ("owner", owners)):
        if column is not None and len(column) != n:
            raise ValueError(f"{label} column differs in length from keys")
    words = _REASONS[lang]
    normal = normalise_names(names)
    components = _Components()
    found: list[tuple[int, str]] = []  # (a member, reason) per shared value
    if credit_codes is not None:
        codes = [c.strip().upper() if c else "" for c in credit_codes]
        for value, positions in _groups(codes).items():
            for p in positions[1:]:
                components.union(positions[0], p)
            found.append((positions[0], words["credit_code"].format(value)))
    for value, positions in _groups(normal).items():
        for p in positions[1:]:
            components.union(positions[0], p)
        found.append((positions[0], words["name"].format(value)))
    if phones is not None:
        # a cell may hold several numbers ("138…/021-…"): each one links on its own
        rows, numbers = [], []
        for row, cell in enumerate(phones):
            for part in cell.split("/") if "/" in cell else (cell,):
                rows.append(row)
                numbers.append(part)
        digits = [d if len(d) >= _MIN_PHONE_DIGITS else "" for d in phone_keys(numbers)]
        for value, where in _groups(digits).items():
            positions = sorted({rows[w] for w in where})
            if len(positions) < 2:
                continue
            linked = False
            head = positions[:_PHONE_PAIRS_LIMIT]
            for i, a in enumerate(head):
                for b in positions[i + 1 :] if i == 0 else head[i + 1 :]:
                    if similar_names(normal[a], normal[b]):
                        components.union(a, b)
                        linked = True
            if linked:
                found.append((positions[0], words["phone"].format(value)))
    members: dict[int, list[int]] = {}
    for position in sorted(components.parent):
        members.setdefault(components.find(position), []).append(position)
    reasons: dict[int, list[str]] = {}
    for position, reason in found:
        root = components.find(position)
        if root in members and reason not in reasons.setdefault(root, []):
            reasons[root].append(reason)
    groups = []
    for root in sorted(members):
        rows = members[root]
        if len(rows) < 2:
            continue
        conflict = ""
        if owners is not None:
            distinct = sorted({owners[p] for p in rows if owners[p]})
            if len(distinct) > 1:
                conflict = words["conflict"].format(words["list"].join(distinct))
        groups.append(
            DuplicateGroup(tuple(rows), words["join"].join(reasons.get(root, [])), conflict)
        )
    return groups


def find_duplicates(
    keys: Sequence[str],
    names: Sequence[str],
    credit_codes: Sequence[str] | None = None,
    phones: Sequence[str] | None = None,
    owners: Sequence[str] | None = None,
    *,
    lang: str = "zh",
) -> list[dict[str, Any]]:
    """The groups as JSON-able dicts: ``{"customer_keys": [...], "reason": "..."}`` plus
    ``"conflict"`` when the rows name different current owners."""
    return [
        group_dict(group, keys)
        for group in duplicate_groups(keys, names, credit_codes, phones, owners, lang=lang)
    ]


def group_dict(group: DuplicateGroup, keys: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "customer_keys": [keys[p] for p in group.members],
        "reason": group.reason,
    }
    if group.conflict:
        out["conflict"] = group.conflict
    return out


def stand_ins(n: int, groups: Sequence[DuplicateGroup]) -> npt.NDArray[np.int32]:
    """For each row, the row that stands for its group in the allocation (-1: itself)."""
    same_as = np.full(n, -1, dtype=np.int32)
    for group in groups:
        same_as[list(group.members[1:])] = group.members[0]
    return same_as
