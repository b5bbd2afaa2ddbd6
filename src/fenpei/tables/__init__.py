"""Spreadsheets in and out: tidy customer books (xlsx / CSV) and allocation reports.

Knows headers, units, regions, dates and ids; knows nothing of the database.
"""

from __future__ import annotations

from fenpei.tables.errors import CellError, InputError
from fenpei.tables.read import Book, read_book

__all__ = ["Book", "CellError", "InputError", "read_book"]
