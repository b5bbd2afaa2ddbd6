"""What can go wrong with a spreadsheet: a bad cell (reported, row kept) or unusable input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fenpei.tables.values import text_of


class InputError(Exception):
    """The input cannot be used at all (missing file or sheet, required column absent).

    The message is one line and names the file, sheet or column concerned.
    """


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
