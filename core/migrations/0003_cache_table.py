"""The database cache's table, where throttle counts live when no Redis is configured
(settings ``CACHES``). With Redis configured this creates nothing; run
``manage.py createcachetable`` if the database cache is chosen later."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_roles")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
