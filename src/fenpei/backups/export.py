"""The full data export (`fenpei export_data OUT`): every table of the team's data, so a
team can always leave with it.

One sheet (xlsx) or one CSV file (a folder, or a .zip of them) per table, every row and
every column, under the table's own field names so another tool can read it back without
guessing; foreign keys are the referenced row's id (`owner_id` …), JSON fields are JSON
text, times are ISO 8601 in UTC. Rows are streamed (XlsxWriter's constant-memory mode,
chunked reads), so a million customers export in bounded memory; a sheet that would pass
Excel's row limit continues on "customers (2)".
"""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from django.apps import apps
from django.db import models

#: Excel's limit is 1,048,576 rows; one is the header.
SHEET_ROWS = 1_048_575
#: Apps whose tables are the team's data (auth users too: who is who, without passwords).
DATA_APPS = (
    "auth",
    "teams",
    "customers",
    "allocation",
    "pool",
    "followups",
    "goals",
    "appeals",
    "notifications",
    "audit",
    "reviews",
)
#: Never exported: secrets, and what only makes sense inside this installation.
EXCLUDED_FIELDS = {("auth", "user"): {"password"}}
EXCLUDED_MODELS = {("auth", "permission"), ("auth", "group")}


@dataclass(frozen=True, slots=True)
class TableExport:
    name: str  # app_model, e.g. customers_customer
    rows: int


def _models() -> list[type[models.Model]]:
    out = []
    for label in DATA_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            meta = model._meta
            if (meta.app_label, meta.model_name) in EXCLUDED_MODELS or meta.proxy:
                continue
            out.append(model)
    return out


def _columns(model: type[models.Model]) -> list[str]:
    meta = model._meta
    skip = EXCLUDED_FIELDS.get((meta.app_label, meta.model_name or ""), set())
    return [f.attname for f in meta.concrete_fields if f.name not in skip]


def _cell(value: Any) -> str | int | float | bool | None:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        # Below 10¹³ a float keeps every cent (15 significant digits); above, exact text.
        return float(value) if abs(value) < 10**13 else str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, default=str)


def _rows(model: type[models.Model], columns: Sequence[str]) -> Iterator[list[Any]]:
    query = model._default_manager.order_by("pk").values_list(*columns)
    for row in query.iterator(chunk_size=2000):
        yield [_cell(v) for v in row]


def _table_name(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}_{model._meta.model_name}"


def data_export(target: Path) -> list[TableExport]:
    """Write every data table to `target`: .xlsx, .zip (CSV files) or a folder (CSV)."""
    if target.suffix.lower() == ".xlsx":
        return _export_xlsx(target)
    if target.suffix.lower() == ".zip":
        return _export_zip(target)
    target.mkdir(parents=True, exist_ok=True)
    done = []
    for model in _models():
        path = target / f"{_table_name(model)}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            done.append(_write_csv(model, f))
    return done


def _write_csv(model: type[models.Model], out: io.TextIOBase | Any) -> TableExport:
    columns = _columns(model)
    writer = csv.writer(out)
    writer.writerow(columns)
    n = 0
    for row in _rows(model, columns):
        writer.writerow("" if v is None else v for v in row)
        n += 1
    return TableExport(_table_name(model), n)


def _export_zip(target: Path) -> list[TableExport]:
    done = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for model in _models():
            entry = zipfile.ZipInfo(f"{_table_name(model)}.csv", time.localtime()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(entry, "w") as raw:
                # utf-8-sig: Excel opens a CSV with a BOM as UTF-8 (Chinese stays readable).
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                done.append(_write_csv(model, text))
                text.flush()
                text.detach()
    return done


def _sheet_name(table: str, part: int) -> str:
    name = table if part == 1 else f"{table} ({part})"
    return name[:31]  # Excel's limit


def _export_xlsx(target: Path) -> list[TableExport]:
    book = xlsxwriter.Workbook(
        str(target),
        {"constant_memory": True, "strings_to_numbers": False, "strings_to_urls": False},
    )
    bold = book.add_format({"bold": True})
    done = []
    try:
        for model in _models():
            table, columns = _table_name(model), _columns(model)
            part, r, n = 1, 0, 0
            sheet = book.add_worksheet(_sheet_name(table, part))
            sheet.write_row(0, 0, columns, bold)
            for row in _rows(model, columns):
                if r == SHEET_ROWS:
                    part, r = part + 1, 0
                    sheet = book.add_worksheet(_sheet_name(table, part))
                    sheet.write_row(0, 0, columns, bold)
                r += 1
                sheet.write_row(r, 0, row)
                n += 1
            done.append(TableExport(table, n))
    finally:
        book.close()
    return done
