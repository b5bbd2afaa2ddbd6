"""Set-based writes for the bulk paths (an import of 100,000 customers, a run that moves
as many): new rows by COPY on PostgreSQL, and updates keyed by id through arrays, instead of
Django statements with one parameter per value. Elsewhere (SQLite) one executemany.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import JSONField, Model
from psycopg.copy import QueuedLibpqWriter


def rows_insert(model: type[Model], rows: Iterable[dict[str, Any]]) -> None:
    """INSERT new rows given as {field attname: value} (every concrete field but the id;
    defaults, `auto_now` and `auto_now_add` are the caller's to fill), in one pass.

    On PostgreSQL through COPY: Django's `bulk_create` spends most of a 100,000-row import
    building its INSERT statements and the server parsing them; COPY sends the values
    as they are. A writer thread puts them on the wire, so the rows (a generator) are
    computed while the server is still busy with the ones before: at 100,000 rows the
    server's work (the table's indexes) takes longer than computing them. Elsewhere one
    statement run for all rows (executemany), each value converted by its field."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    table = quote(model._meta.db_table)
    if connection.vendor == "postgresql":
        # COPY's text form takes JSON as its text; every other value psycopg writes as is.
        json_fields = {f.attname for f in fields if isinstance(f, JSONField)}
        names = [f.attname for f in fields]
        # psycopg's own cursor (Django's wrapper has no copy()); its errors raised as
        # Django's, as any other query's are
        with connection.cursor() as cursor, connection.wrap_database_errors:
            raw = cursor.cursor
            statement = f"COPY {table} ({columns}) FROM STDIN"
            with raw.copy(statement, writer=QueuedLibpqWriter(raw)) as copy:
                for row in rows:
                    copy.write_row(
                        [
                            json.dumps(row[name], ensure_ascii=False)
                            if name in json_fields
                            else row[name]
                            for name in names
                        ]
                    )
        return
    marks = ", ".join(["%s"] * len(fields))
    params = [[f.get_db_prep_save(row[f.attname], connection) for f in fields] for row in rows]
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", params)


def ids_param(ids: Sequence[int]) -> list[int]:
    """Ids as one array parameter (`= ANY(%s)`): one value for PostgreSQL to parse, where
    `IN (…)` with 100,000 placeholders takes Django and the server seconds."""
    return [int(i) for i in ids]
