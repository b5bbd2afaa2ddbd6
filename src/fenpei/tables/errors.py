"""What can go wrong with a spreadsheet: a bad cell (reported, row kept) or unusable input."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fenpei.tables.values import text_of

_CONTROLS = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]+")


class InputError(Exception):
    """The input cannot be used at all (missing file or sheet, required column absent).

    The message is one line and names the file, sheet or column concerned: line breaks
    and control characters from the file (a header cell with a newline in it) become
    spaces, so the CLI's one-line error and the web's message stay one line.
    """

    def __init__(self, message: str) -> None:
        super().__init__(_CONTROLS.sub(" ", message))


@dataclass(frozen=True, slots=True)
class CellError:
    """One bad cell. `row` is the row number Excel shows (the header is usually row 1)."""

    sheet: str
    row: int
    column: str
    value: str
    message: str

    @classmethod
    def of(cls, sheet: str, row: int, column: str, value: Any, message: str) -> CellError:
        return cls(sheet, row, column, "" if value is None else text_of(value), message)

    def as_dict(self) -> dict[str, str | int]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }
