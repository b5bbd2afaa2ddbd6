"""Phone keys again for numbers written with +86 / 0086: a landline written without its
trunk 0 ("+86 20 8888 1234") now keys as "02088881234", like "020-8888-1234", and a
3-digit area code behind 0086 is no longer taken for a mobile number."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from fenpei.engine.duplicates import phone_keys

BATCH = 5_000


def rekey(apps: Any, schema_editor: Any) -> None:
    customers = apps.get_model("customers", "Customer")
    rows = customers.objects.filter(phone__contains="86").only("pk", "phone", "phone_key")
    batch: list[Any] = []
    for row in rows.order_by("pk").iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) == BATCH:
            _save(customers, batch)
            batch = []
    _save(customers, batch)


def _save(customers: Any, batch: list[Any]) -> None:
    changed = []
    for row, key in zip(batch, phone_keys([r.phone for r in batch]), strict=True):
        if row.phone_key != key:
            row.phone_key = key
            changed.append(row)
    customers.objects.bulk_update(changed, ["phone_key"], batch_size=1_000)


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_table_speed")]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
