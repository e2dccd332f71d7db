"""Places moved out of the claims app (``claims.0012_places_moved_out``, ``places.0001``)
without touching a row: the move changes the migration state, never the tables."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from devdata.demo import load_demo

# The last migrations before the move: places did not exist, claims held them.
BEFORE_MOVE = [("claims", "0011_occurred_nulls_last"), ("places", None)]
# Tables whose content the move changes on purpose: the migration log, and content types
# relabelled from ``claims`` to ``places``.
CHANGED_BY_THE_MOVE = {"django_migrations", "django_content_type"}


def _migrate(targets: list[tuple[str, str | None]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    ContentType.objects.clear_cache()


def _fingerprints() -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of all its rows, in a fixed order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [name for (name,) in cursor.fetchall() if name not in CHANGED_BY_THE_MOVE]
        prints = {}
        for table in tables:
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                f' FROM "{table}" t'
            )
            prints[table] = cursor.fetchone()
    return prints


def _content_types(app_label: str) -> set[str]:
    return set(ContentType.objects.filter(app_label=app_label).values_list("model", flat=True))


@pytest.mark.django_db(transaction=True)
def test_moving_places_keeps_every_row_history_row_and_closure_row():
    """GIVEN a database migrated as it was before the move, with the demo data loaded
    WHEN the migrations that move places to their own app run
    THEN every table holds the same rows, and places' content types (so the roles'
    permissions) follow the models to the places app."""
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        _migrate(BEFORE_MOVE)
        assert "location" in _content_types("claims")
        # The tables are the same before and after the move, so today's loader fills them.
        load_demo()
        before = _fingerprints()
        assert before["claims_location"][0] >= 10
        assert before["claims_locationancestor"][0] > before["claims_location"][0]
        assert before["claims_historicallocation"][0] >= before["claims_location"][0]
        assert before["claims_claim_locations"][0] > 0
        view_location_roles = set(
            connection.cursor()
            .execute(
                "SELECT g.name FROM auth_group g"
                " JOIN auth_group_permissions gp ON gp.group_id = g.id"
                " JOIN auth_permission p ON p.id = gp.permission_id"
                " WHERE p.codename = 'view_location'"
            )
            .fetchall()
        )

        _migrate(latest)

        assert _fingerprints() == before
        assert {"location", "locationalias", "locationancestor"} <= _content_types("places")
        assert not {"location", "locationalias", "locationancestor"} & _content_types("claims")
        assert view_location_roles == set(
            connection.cursor()
            .execute(
                "SELECT g.name FROM auth_group g"
                " JOIN auth_group_permissions gp ON gp.group_id = g.id"
                " JOIN auth_permission p ON p.id = gp.permission_id"
                " JOIN django_content_type ct ON ct.id = p.content_type_id"
                " WHERE p.codename = 'view_location' AND ct.app_label = 'places'"
            )
            .fetchall()
        )
    finally:
        _migrate(latest)
        # Later tests find the migrated schema with its permissions, as after a fresh setup.
        call_command("migrate", verbosity=0)
