"""API clients for the personas of tests/conftest.py: token auth unless a test says
otherwise (session auth has its own test)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fenpei.allocation.services import customers_assign
from fenpei.customers.models import Customer
from fenpei.teams.access import viewer_of

ApiFor = Callable[..., APIClient]


@pytest.fixture
def api_for(db: None) -> ApiFor:
    """`api_for(user)`: a client sending the user's token; `lang="en"` for English."""

    def make(user: Any, lang: str | None = None) -> APIClient:
        client = APIClient()
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        if lang is not None:
            client.defaults["HTTP_ACCEPT_LANGUAGE"] = lang
        return client

    return make


@pytest.fixture
def owned(company: Any, customers: list[Customer]) -> dict[str, Customer]:
    """The six customers, three of them owned: by rep, by rep2 (same team) and by
    other_rep (华南). The rest stay in the pool."""
    mine, rep2s, south = customers[0], customers[2], customers[4]
    customers_assign(viewer_of(company.manager), [mine.pk], company.rep.pk)
    customers_assign(viewer_of(company.manager), [rep2s.pk], company.rep2.pk)
    customers_assign(viewer_of(company.other_manager), [south.pk], company.other_rep.pk)
    for c in customers:
        c.refresh_from_db()
    return {
        "rep": mine,  # 上海华通科技
        "rep2": rep2s,  # 杭州百货零售
        "other_rep": south,  # 广州南方电子
        "pool": customers[1],  # 苏州精工机械, no team
    }
