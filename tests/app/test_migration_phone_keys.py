"""Migration customers/0005 rekeys phones written with +86, so old rows meet new ones."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("customers", "0004_table_speed")]
AFTER = [("customers", "0005_phone_key_landlines")]


@pytest.mark.django_db(transaction=True)
def test_old_phone_keys_are_recomputed() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("customers", "Customer")
    common = {"name_key": "", "initials": "", "priority": 0, "tier": "C", "next_step": ""}
    old.objects.create(
        key="L1", name="甲", phone="+86 20-8888-1234", phone_key="862088881234", **common
    )
    old.objects.create(
        key="M1", name="乙", phone="+86 138 0013 8000", phone_key="13800138000", **common
    )
    old.objects.create(
        key="N1", name="丙", phone="021-6234-5678", phone_key="02162345678", **common
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("customers", "Customer")
    keys = dict(new.objects.values_list("key", "phone_key"))
    # back to the newest schema for the tests that follow, whatever comes after 0005
    latest = MigrationExecutor(connection)
    latest.migrate(latest.loader.graph.leaf_nodes())
    assert keys == {"L1": "02088881234", "M1": "13800138000", "N1": "02162345678"}
