"""The allocation table at 1,000,000 customers (issue 5): indexes for its sorts, search and
filter choices. Measured with benchmarks/table_page.py; see benchmarks/RESULTS.md.

PostgreSQL only (skipped elsewhere, so SQLite still migrates): `fenpei_bigrams(text)`, the
text's two-character pieces, with GIN indexes on the names and the pinyin initials. A
Chinese name is searched by its 2-character 字号 (华通), and pg_trgm extracts no trigram
from a 2-character pattern, so a trigram index would read every entry; a bigram index
reads one posting list. The function is costed high so the planner prefers these indexes
to evaluating it row by row (the selectors use it only as `fenpei_bigrams(…) @> …`, next
to the LIKE that decides). ANALYZE at the end gives the planner statistics on the new
expressions at once.
"""

from django.db import migrations, models
from django.db.models.functions import Upper

BIGRAMS = """
CREATE OR REPLACE FUNCTION fenpei_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(substr(t, i, 2)), '{}')
    FROM generate_series(1, char_length(t) - 1) AS i
$$
"""
FORWARD = (
    BIGRAMS,
    "CREATE INDEX customer_name_bigrams ON customers_customer "
    "USING gin (fenpei_bigrams(upper(name)))",
    "CREATE INDEX customer_initials_bigrams ON customers_customer "
    "USING gin (fenpei_bigrams(initials))",
    "ANALYZE customers_customer",
)
BACKWARD = (
    "DROP INDEX IF EXISTS customer_initials_bigrams",
    "DROP INDEX IF EXISTS customer_name_bigrams",
    "DROP FUNCTION IF EXISTS fenpei_bigrams(text)",
)


def _run(statements: tuple[str, ...]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_lifecycle_fields"),
        ("teams", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="customer", name="customers_c_priorit_944a7c_idx"),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["-priority", "key"],
                include=("id", "team", "owner"),
                name="customer_priority",
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["potential_value"], name="customer_value"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["name"], name="customer_name"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["updated_at"], name="customer_updated"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(Upper("key"), name="customer_key_upper"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["industry"], include=("team", "owner"), name="customer_industry"
            ),
        ),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
