"""One world per test module: built once inside an outer transaction that is rolled back
when the module ends; each test runs in a savepoint of it (pytest-django's `db`), so a
write one test makes is gone before the next and no other module ever sees the world."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from tests.access.world import World, world_build


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield world_build()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
