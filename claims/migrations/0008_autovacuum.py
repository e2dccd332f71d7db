"""Vacuum and analyze the claim and citation tables sooner than PostgreSQL's defaults.

By default autovacuum comes when a fifth of a table is dead rows: 200,000 at a million claims.
Dead rows at the end of an id index (an import rolled back, a bulk load undone) are read by the
planner each time it estimates a join on that id: with 114,000 of them, planning the linked
claims of a list page took 5 ms instead of 0.5 ms (bench/README.md, 3 December 2026). At 2 %
(20,000 rows) autovacuum clears them long before that.
"""

from django.db import migrations

TABLES = ("claims_claim", "claims_citation")
SET = "ALTER TABLE {} SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.01)"
RESET = "ALTER TABLE {} RESET (autovacuum_vacuum_scale_factor, autovacuum_analyze_scale_factor)"


def _each_table(statement: str):
    def run(apps, schema_editor):
        # Storage parameters are PostgreSQL's; the embedded SQLite default has no autovacuum.
        if schema_editor.connection.vendor == "postgresql":
            for table in TABLES:
                schema_editor.execute(statement.format(schema_editor.quote_name(table)))

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0007_merge_0005_sharing_history_0006_search_indexes_links"),
    ]

    operations = [
        migrations.RunPython(_each_table(SET), _each_table(RESET), elidable=False),
    ]
