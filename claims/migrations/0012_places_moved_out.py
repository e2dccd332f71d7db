"""Places (Location, its aliases, its closure and their history) move to the places app.

Only the migration state changes: the tables keep their names (``db_table``), so no row is
copied or lost. Content types and so permissions, admin log entries and the role groups follow
the models to their new app label.
"""

import django.db.models.deletion
from django.db import migrations, models


MOVED = (
    "location",
    "locationalias",
    "locationancestor",
    "historicallocation",
    "historicallocationalias",
)


def _relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=old, model__in=MOVED).update(app_label=new)


def move_content_types(apps, schema_editor):
    _relabel(apps, "claims", "places")


def move_content_types_back(apps, schema_editor):
    _relabel(apps, "places", "claims")


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0011_occurred_nulls_last"),
        ("places", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(move_content_types, move_content_types_back),
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="historicallocationalias",
                    name="history_user",
                ),
                migrations.RemoveField(
                    model_name="historicallocationalias",
                    name="location",
                ),
                migrations.RemoveField(
                    model_name="location",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="location",
                    name="parent",
                ),
                migrations.RemoveField(
                    model_name="location",
                    name="updated_by",
                ),
                migrations.RemoveField(
                    model_name="locationancestor",
                    name="location",
                ),
                migrations.RemoveField(
                    model_name="locationancestor",
                    name="ancestor",
                ),
                migrations.AlterField(
                    model_name="historicalclaim_locations",
                    name="location",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="places.location",
                    ),
                ),
                migrations.RemoveField(
                    model_name="locationalias",
                    name="location",
                ),
                migrations.AlterField(
                    model_name="claim",
                    name="locations",
                    field=models.ManyToManyField(
                        blank=True, related_name="claims", to="places.location"
                    ),
                ),
                migrations.DeleteModel(
                    name="HistoricalLocation",
                ),
                migrations.DeleteModel(
                    name="HistoricalLocationAlias",
                ),
                migrations.DeleteModel(
                    name="LocationAncestor",
                ),
                migrations.DeleteModel(
                    name="Location",
                ),
                migrations.DeleteModel(
                    name="LocationAlias",
                ),
            ],
        ),
    ]
