"""Pages of the customers list: the allocation table's paginator (customers/paging.py).

`count` is exact up to 10,000 customers; above that it is an estimate from a sample of the
table (an exact count of a million rows costs more than the whole request may), and
`count_exact` says which. `next` is null on the last page either way, so clients that
follow `next` are not affected.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from fenpei.customers.paging import TablePaginator


class _SearchPaginator(TablePaginator):
    """A search leaves few rows: count those exactly before sampling."""

    def __init__(self, object_list: QuerySet[Any], per_page: int):
        super().__init__(object_list, per_page, selective=True)


class CustomerPagination(PageNumberPagination):
    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None
    ) -> list[Any] | None:
        searching = bool((request.query_params.get("q") or "").strip())
        self.django_paginator_class = _SearchPaginator if searching else TablePaginator
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        assert self.page is not None  # paginate_queryset ran
        paginator = self.page.paginator
        assert isinstance(paginator, TablePaginator)
        return Response(
            {
                "count": paginator.count,
                "count_exact": paginator.count_exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paged = super().get_paginated_response_schema(schema)
        paged["properties"]["count"]["description"] = (
            "Customers matching; an estimate above 10,000 (see count_exact)."
        )
        paged["properties"]["count_exact"] = {
            "type": "boolean",
            "description": "false when count is estimated from a sample of the table",
        }
        paged["required"] = [*paged["required"], "count_exact"]
        return paged
