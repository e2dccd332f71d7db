"""Places move here from the claims app with their tables, rows and history untouched: the
models are created in the migration state only, on the tables ``claims`` made
(``claims.0012_places_moved_out`` takes them out of the claims app's state)."""

import core.ids
import core.indexes
import django.contrib.postgres.indexes
import django.db.models.deletion
import django.db.models.functions.text
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("claims", "0011_occurred_nulls_last"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.CreateModel(
            name='Location',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uuid', models.UUIDField(default=core.ids.uuid7, editable=False, unique=True)),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('name', models.CharField(max_length=200)),
                ('kind', models.CharField(choices=[('country', 'Country'), ('region', 'Region / oblast'), ('district', 'District / raion'), ('settlement', 'City, town or village'), ('site', 'Site or facility'), ('area', 'Area / front sector'), ('other', 'Other')], max_length=16)),
                ('country', models.CharField(blank=True, help_text='ISO 3166-1 alpha-2 code.', max_length=2)),
                ('latitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True)),
                ('longitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True)),
                ('precision', models.CharField(choices=[('exact', 'Exact'), ('100m', 'Within about 100 m'), ('1km', 'Within about 1 km'), ('settlement', 'Settlement'), ('region', 'Region')], default='settlement', help_text='How precise the coordinates are: reporting often only says “near Pokrovsk”.', max_length=16)),
                ('description', models.TextField(blank=True)),
                ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='places.location')),
                ('updated_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'claims_location',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalLocationAlias',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(max_length=200)),
                ('entry_path', models.CharField(blank=True, default='', max_length=32)),
                ('history_change_reason', models.TextField(blank=True, null=True)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('location', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='places.location')),
            ],
            options={
                'verbose_name': 'historical location alias',
                'verbose_name_plural': 'historical location aliases',
                'db_table': 'claims_historicallocationalias',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalLocation',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('uuid', models.UUIDField(db_index=True, default=core.ids.uuid7, editable=False)),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('updated_at', models.DateTimeField(blank=True, editable=False)),
                ('entry_path', models.CharField(blank=True, default='', max_length=32)),
                ('name', models.CharField(max_length=200)),
                ('kind', models.CharField(choices=[('country', 'Country'), ('region', 'Region / oblast'), ('district', 'District / raion'), ('settlement', 'City, town or village'), ('site', 'Site or facility'), ('area', 'Area / front sector'), ('other', 'Other')], max_length=16)),
                ('country', models.CharField(blank=True, help_text='ISO 3166-1 alpha-2 code.', max_length=2)),
                ('latitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True)),
                ('longitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True)),
                ('precision', models.CharField(choices=[('exact', 'Exact'), ('100m', 'Within about 100 m'), ('1km', 'Within about 1 km'), ('settlement', 'Settlement'), ('region', 'Region')], default='settlement', help_text='How precise the coordinates are: reporting often only says “near Pokrovsk”.', max_length=16)),
                ('description', models.TextField(blank=True)),
                ('history_change_reason', models.TextField(blank=True, null=True)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('created_by', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('updated_by', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('parent', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='places.location')),
            ],
            options={
                'verbose_name': 'historical location',
                'verbose_name_plural': 'historical locations',
                'db_table': 'claims_historicallocation',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='LocationAlias',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200)),
                ('location', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='aliases', to='places.location')),
            ],
            options={
                'verbose_name_plural': 'location aliases',
                'db_table': 'claims_locationalias',
                'ordering': ['name'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='LocationAncestor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('depth', models.PositiveSmallIntegerField()),
                ('ancestor', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='descendant_rows', to='places.location')),
                ('location', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='ancestor_rows', to='places.location')),
            ],
            options={
                'db_table': 'claims_locationancestor',
            },
        ),
        migrations.AddIndex(
            model_name='location',
            index=core.indexes.PostgresGinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper('name'), name='gin_trgm_ops'), name='location_name_trgm'),
        ),
        migrations.AddConstraint(
            model_name='location',
            constraint=models.UniqueConstraint(fields=('parent', 'name'), name='location_unique_in_parent'),
        ),
        migrations.AddConstraint(
            model_name='location',
            constraint=models.UniqueConstraint(condition=models.Q(('parent__isnull', True)), fields=('name',), name='location_unique_at_top'),
        ),
        migrations.AddConstraint(
            model_name='location',
            constraint=models.CheckConstraint(condition=models.Q(('parent', models.F('pk')), _negated=True), name='location_not_own_parent'),
        ),
        migrations.AddConstraint(
            model_name='location',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('latitude__isnull', True), ('longitude__isnull', True)), models.Q(('latitude__gte', -90), ('latitude__lte', 90), ('longitude__gte', -180), ('longitude__lte', 180)), _connector='OR'), name='location_coordinates_valid'),
        ),
        migrations.AddConstraint(
            model_name='location',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['country', 'region', 'district', 'settlement', 'site', 'area', 'other'])), name='location_kind_valid'),
        ),
        migrations.AddConstraint(
            model_name='location',
            constraint=models.CheckConstraint(condition=models.Q(('precision__in', ['exact', '100m', '1km', 'settlement', 'region'])), name='location_precision_valid'),
        ),
        migrations.AddIndex(
            model_name='locationalias',
            index=core.indexes.PostgresGinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper('name'), name='gin_trgm_ops'), name='location_alias_name_trgm'),
        ),
        migrations.AddConstraint(
            model_name='locationalias',
            constraint=models.UniqueConstraint(fields=('location', 'name'), name='location_alias_unique'),
        ),
        migrations.AddIndex(
            model_name='locationancestor',
            index=models.Index(fields=['ancestor', 'location'], name='location_ancestor_below_idx'),
        ),
        migrations.AddConstraint(
            model_name='locationancestor',
            constraint=models.UniqueConstraint(fields=('location', 'ancestor'), name='location_ancestor_unique'),
        ),
            ],
        ),
    ]
