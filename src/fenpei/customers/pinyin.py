"""Pinyin initials of customer names (华通科技 → htkj), for a whole import at once.

The answer is pypinyin's own (`lazy_pinyin(name, style=FIRST_LETTER)`, its phrase
dictionary included: 重庆银行 → cqyh, not zqyx), but about a hundred times faster over
many names. pypinyin converts each phrase or character through a chain of Python calls;
here most characters are looked up in a table built once from its dictionaries:

- a character whose every phrase reading starts with the letter of its first single
  reading (华 is always h) is translated by the table, whatever surrounds it;
- a run of characters holding one of the few hundred characters whose letter depends
  on the phrase around it (行 in 银行 / 行业, 长, 重, 厦 …) is cut into phrases by
  pypinyin's own segmenter, and each phrase converted once by pypinyin and remembered.

Everything not Chinese is kept as pypinyin keeps it: a run of letters and digits as
written (lower-cased), a run with anything else in it (spaces, brackets, "&") dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT, RE_HANS
from pypinyin.seg.mmseg import seg as phrase_segmenter
from pypinyin.style._utils import replace_symbol_to_no_symbol

# pypinyin's own class of characters that have a pinyin: "^(?:[…])+$" → "[…]".
_HAN_CLASS = RE_HANS.pattern.removeprefix("^(?:").removesuffix(")+$")
_RUNS = re.compile(f"({_HAN_CLASS}+)")


@cache
def _table() -> dict[int, str]:
    """Code point → letter, for the characters safe to translate alone (not those whose
    letter depends on the phrase). About 0.3 s, once per process."""
    folded: dict[str, str] = {}

    def letter(reading: str) -> str:
        head = reading[:1]
        if head not in folded:
            plain = replace_symbol_to_no_symbol(head)
            folded[head] = plain[:1]
        return folded[head]

    letters = {point: letter(readings.split(",")[0]) for point, readings in PINYIN_DICT.items()}
    phrase_bound: set[str] = set()
    for phrase, readings in PHRASES_DICT.items():
        if len(readings) != len(phrase):
            phrase_bound.update(phrase)
            continue
        for char, options in zip(phrase, readings, strict=True):
            if not options or letter(options[0]) != letters.get(ord(char)):
                phrase_bound.add(char)
    return {
        point: value
        for point, value in letters.items()
        if value.isascii() and value.isalpha() and chr(point) not in phrase_bound
    }


class _Phrases(dict[str, str]):
    """Phrase (or single character) → its letters, as pypinyin gives them (a character
    without a reading is kept as written when it is a letter, as `name_initials` did)."""

    def __missing__(self, phrase: str) -> str:
        parts = lazy_pinyin(phrase, style=Style.FIRST_LETTER, errors="default")
        value = "".join(p for p in parts if p.isalnum())
        self[phrase] = value
        return value


_phrases = _Phrases()


def _han_letters(run: str, table: dict[int, str]) -> str:
    letters = run.translate(table)
    if letters.isascii():
        return letters
    # A character that needs its phrase (or one pypinyin has no reading for).
    return "".join(_phrases[phrase] for phrase in phrase_segmenter.cut(run))


def names_initials(names: Sequence[str]) -> list[str]:
    """`name_initials` of each name."""
    table = _table()
    out: list[str] = []
    for name in names:
        # split by a group: odd positions are the Chinese runs, even ones what is between
        parts = _RUNS.split(name)
        out.append(
            "".join(
                _han_letters(part, table) if position % 2 else part
                for position, part in enumerate(parts)
                if position % 2 or part.isalnum()
            ).lower()
        )
    return out


def name_initials(name: str) -> str:
    """Pinyin initials of the Chinese characters, other letters and digits as written:
    华通科技 → htkj, so a rep can type "htkj" to find it."""
    return names_initials([name])[0]
