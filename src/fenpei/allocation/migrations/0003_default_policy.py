"""Version 1 of the policy exists from the first migrate.

Creating it lazily on the first request (selectors.policy_active still can, for a flushed
test database) means concurrent first requests insert the same version number while they
hold row locks; on PostgreSQL that is a deadlock. A migration has no such race.
"""

from typing import Any

from django.db import migrations

from fenpei.engine import DEFAULT_POLICY_TOML


def create_default(apps: Any, schema_editor: Any) -> None:
    PolicyVersion = apps.get_model("allocation", "PolicyVersion")
    if not PolicyVersion.objects.exists():
        PolicyVersion.objects.create(
            number=1, toml=DEFAULT_POLICY_TOML, note="default", is_active=True
        )


class Migration(migrations.Migration):
    dependencies = [("allocation", "0002_phone_key_and_route")]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
