"""Pages of the allocation table whose count stays cheap at a million customers.

An exact COUNT of the 285,000 customers a manager sees costs PostgreSQL ~0.4 s, four times
what the whole page may take. So `TablePaginator` first estimates the filtered rows from a
sample of the table's pages: TABLESAMPLE SYSTEM with the same WHERE, REPEATABLE so the
figure does not move while paging; the share of the sampled rows that match, times the
rows in the table (the last ANALYZE's rows per page times today's pages, as PostgreSQL's
planner reckons it). When the sample finds few (up to `EXACT_COUNT_LIMIT`), the rows are
counted exactly, which is cheap for such a selective filter; otherwise the estimate is
shown as "about 290,000" (约 290,000), rounded to what a sample can tell, and kept a
minute for the same query (paging through a view asks again and again). A search is
counted exactly first (`selective`): it usually leaves few rows. Without a known count
the pager offers the next page only when there is one (a row past this page was read)
and no "last page" link. A table of at most `SAMPLE_PAGES` pages is counted exactly, and
so is every table on SQLite (the embedded default: small tables, and no TABLESAMPLE).
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import Model, QuerySet

#: up to this many rows (by the sample) the count is exact
EXACT_COUNT_LIMIT = 10_000
#: table pages (8 kB) sampled for an estimate: ~13,500 customers, a few milliseconds; a
#: table this small or smaller is counted exactly
SAMPLE_PAGES = 500
#: from this row on a page's keys are found first, then its rows (see TablePaginator._rows)
KEYS_FIRST_FROM = 500
#: an estimate above the exact limit is kept this long for the same query
ESTIMATE_SECONDS = 60
#: an estimate is shown to this many significant digits
ESTIMATE_DIGITS = 2


def count_rounded(count: int, digits: int = ESTIMATE_DIGITS) -> int:
    """285,210 → 290,000: an estimate no more precise than it is."""
    if count <= 0:
        return 0
    scale = 10 ** max(len(str(count)) - digits, 0)
    return int((count + scale // 2) // scale * scale)


def count_sampled(rows: QuerySet[Any]) -> tuple[int, bool] | None:
    """(rows of `rows` estimated from a sample of its table's pages, whether the sample was
    the whole table); None where the database cannot sample (SQLite)."""
    connection = connections[rows.db]
    if connection.vendor != "postgresql":
        return None
    model: type[Model] = rows.model
    table = connection.ops.quote_name(model._meta.db_table)
    try:
        sql, params = rows.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing
        return 0, True
    # Django names the queried table first, unaliased: `… FROM "customers_customer" …`
    # (subqueries alias theirs, U0). Sample that table; the rest of the SQL stays as is.
    outer = f" FROM {table} "
    at = f"{sql} ".find(outer)
    if at < 0:
        return None
    key = "fenpei:table-estimate:" + hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return int(cached), False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_relation_size(oid) / current_setting('block_size')::int, "
            "reltuples, relpages FROM pg_class WHERE oid = %s::regclass",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
        pages, analysed_rows, analysed_pages = row if row else (0, -1.0, 0)
        pages = int(pages)
        if pages <= SAMPLE_PAGES:
            cursor.execute(f"SELECT count(*) FROM ({sql}) AS s", params)
            row = cursor.fetchone()
            return (int(row[0]) if row else 0), True
        percent = 100.0 * max(SAMPLE_PAGES, 1) / pages
        # The percent is our own number (not user input) and goes in as a literal, so the
        # order of the compiled parameters is unchanged. The same seed samples the same
        # pages twice: the share of the sampled rows that match, times the rows in the
        # table, does not vary with how many pages the sample happened to take.
        sample = f" TABLESAMPLE SYSTEM ({percent:.6f}) REPEATABLE (0)"
        end = at + len(outer) - 1
        cursor.execute(
            f"SELECT (SELECT count(*) FROM ({sql[:end]}{sample}{sql[end:]}) AS s), "
            f"(SELECT count(*) FROM {table}{sample})",
            params,
        )
        row = cursor.fetchone()
        found, sampled = (int(row[0]), int(row[1])) if row else (0, 0)
    if analysed_rows >= 0 and analysed_pages > 0 and sampled:
        # rows in the table now: the last ANALYZE's rows per page times today's pages,
        # as PostgreSQL's planner reckons it
        rows_now = float(analysed_rows) / int(analysed_pages) * pages
        estimate = round(found / sampled * rows_now)
    else:  # never analysed: scale by the pages instead
        estimate = round(found * 100.0 / percent)
    if estimate > EXACT_COUNT_LIMIT:
        # Paging through the same view asks again and again; a figure shown as "about"
        # may be a minute old. Small ones are counted exactly, so never kept.
        cache.set(key, estimate, ESTIMATE_SECONDS)
    return estimate, False


class TablePage(Page[Any]):
    """A page that knows whether another follows even when the total is an estimate."""

    def __init__(self, object_list: list[Any], number: int, paginator: TablePaginator, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more


class TablePaginator(Paginator[Any]):
    """Django's paginator with an exact count up to `exact_limit` rows, an estimate
    above it (see the module)."""

    def __init__(
        self,
        object_list: QuerySet[Any],
        per_page: int,
        *,
        selective: bool = False,
        exact_limit: int | None = None,
    ):
        """`selective`: the filters probably leave few rows (a search), so count them
        exactly first, up to the limit, before sampling."""
        super().__init__(object_list, per_page)
        self.rows = object_list
        self.selective = selective
        self.exact_limit = EXACT_COUNT_LIMIT if exact_limit is None else exact_limit
        self._exact = True

    @cached_property
    def count(self) -> int:
        rows = self.rows.order_by()
        if self.selective:
            counted = int(rows[: self.exact_limit + 1].count())
            if counted <= self.exact_limit:
                return counted
        sampled = count_sampled(rows)
        if sampled is None:
            return int(rows.count())
        estimate, whole_table = sampled
        if whole_table:
            return estimate
        if estimate <= self.exact_limit:
            # Few rows by the sample: count them (stopping at twice the limit, should the
            # sample have missed most of them).
            most = 2 * self.exact_limit
            counted = int(rows[: most + 1].count())
            if counted <= most:
                return counted
            estimate = counted
        self._exact = False
        return count_rounded(estimate)

    @property
    def count_grouped(self) -> str:
        """290,000: a large figure with thousands separators (zh and en alike)."""
        return f"{self.count:,}"

    @property
    def count_exact(self) -> bool:
        _ = self.count
        return self._exact

    def validate_number(self, number: Any) -> int:
        if self.count_exact:
            return int(super().validate_number(number))
        # Any page from 1 on: the estimate may be short of the rows there are.
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            wanted = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if wanted < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return wanted

    def page(self, number: Any) -> Page[Any]:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if self.count_exact:
            if top + self.orphans >= self.count:
                top = self.count
            rows = self._rows(bottom, top)
            return TablePage(rows, number, self, number < self.num_pages)
        rows = self._rows(bottom, top + 1)
        return TablePage(rows[: self.per_page], number, self, len(rows) > top - bottom)

    def _rows(self, bottom: int, top: int) -> list[Any]:
        """Rows bottom..top: their keys first, then the rows by key. Finding the keys of a
        deep page (OFFSET 9,950) walks only the sort's index when it carries the keys and
        the access columns (PostgreSQL's index-only scan); rows are read for 50 keys."""
        rows = self.rows
        if bottom < KEYS_FIRST_FROM:
            return list(rows[bottom:top])  # a few hundred rows in: one query is less
        keys = list(rows.values_list("pk", flat=True)[bottom:top])
        found = {row.pk: row for row in rows.order_by().filter(pk__in=keys)}
        return [found[k] for k in keys if k in found]

    def page_links(self, page: Page[Any], *, on_each_side: int = 2) -> list[Any]:
        """Page numbers for the pager: Django's elided range when the count is exact;
        otherwise 1, the pages around this one that surely exist, then an ellipsis."""
        if self.count_exact:
            return list(
                self.get_elided_page_range(page.number, on_each_side=on_each_side, on_ends=1)
            )
        last = page.number + on_each_side if page.has_next() else page.number
        last = max(min(last, self.num_pages), page.number + (1 if page.has_next() else 0))
        first = max(page.number - on_each_side, 1)
        links: list[Any] = [1] if first > 1 else []
        if first > 2:
            links.append(self.ELLIPSIS)
        links.extend(range(first, last + 1))
        if page.has_next():
            links.append(self.ELLIPSIS)
        return links
