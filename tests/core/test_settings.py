"""Deployment settings read from the environment: database pool, read replica, S3 media."""

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings
from django.db import connection

from config.settings.base import databases_from_env, media_storage

PG = "postgres://claimtrace:secret@db:5432/claimtrace"


def test_without_a_database_url_the_app_uses_the_sqlite_file(tmp_path):
    """GIVEN no DATABASE_URL (or an empty one) THEN the SQLite file in the data dir is used,
    with persistent connections and no replica."""
    for environ in ({}, {"DATABASE_URL": ""}):
        databases = databases_from_env(environ, tmp_path)
        assert list(databases) == ["default"]
        assert databases["default"]["ENGINE"] == "django.db.backends.sqlite3"
        assert databases["default"]["NAME"] == str(tmp_path / "db.sqlite3")
        assert databases["default"]["CONN_MAX_AGE"] == 60


def test_persistent_connections_by_default_on_postgresql(tmp_path):
    default = databases_from_env({"DATABASE_URL": PG, "CONN_MAX_AGE": "120"}, tmp_path)["default"]
    assert default["CONN_MAX_AGE"] == 120
    assert default["CONN_HEALTH_CHECKS"] is True
    assert "pool" not in default.get("OPTIONS", {})


def test_postgresql_connections_start_with_the_planner_options(tmp_path):
    """GIVEN PostgreSQL THEN every connection turns JIT off and prices random reads for SSDs,
    unless DATABASE_PLANNER_OPTIONS says otherwise (empty: the server's settings)."""
    default = databases_from_env({"DATABASE_URL": PG}, tmp_path)["default"]
    assert default["OPTIONS"]["options"] == "-c jit=off -c random_page_cost=1.1"
    custom = {"DATABASE_URL": PG, "DATABASE_PLANNER_OPTIONS": "-c jit=on"}
    assert databases_from_env(custom, tmp_path)["default"]["OPTIONS"]["options"] == "-c jit=on"
    bare = {"DATABASE_URL": PG, "DATABASE_PLANNER_OPTIONS": ""}
    assert "options" not in databases_from_env(bare, tmp_path)["default"].get("OPTIONS", {})
    sqlite = databases_from_env({}, tmp_path)["default"]
    assert "options" not in sqlite.get("OPTIONS", {})


def test_the_test_database_connection_runs_with_the_planner_options(db):
    """The options reach the server: the live connection reports them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), current_setting('random_page_cost')")
        assert cursor.fetchone() == ("off", "1.1")


def test_database_pool_replaces_persistent_connections(tmp_path):
    """GIVEN DATABASE_POOL=true and pool sizes THEN psycopg's pool is configured and
    CONN_MAX_AGE is 0 (Django refuses a pool with persistent connections)."""
    environ = {
        "DATABASE_URL": PG,
        "DATABASE_POOL": "true",
        "DATABASE_POOL_MAX_SIZE": "20",
        "CONN_MAX_AGE": "600",
    }
    default = databases_from_env(environ, tmp_path)["default"]
    assert default["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 20, "timeout": 10.0}
    assert default["CONN_MAX_AGE"] == 0


def test_database_pool_is_ignored_on_sqlite(tmp_path):
    default = databases_from_env({"DATABASE_POOL": "true"}, tmp_path)["default"]
    assert "pool" not in default.get("OPTIONS", {})


def test_replica_url_adds_a_replica_that_mirrors_default_in_tests(tmp_path):
    """GIVEN DATABASE_REPLICA_URL THEN a ``replica`` alias exists, with the same connection
    options, and the test runner treats it as a mirror of ``default`` (no second test DB)."""
    environ = {
        "DATABASE_URL": PG,
        "DATABASE_REPLICA_URL": "postgres://reader:secret@db-replica:5432/claimtrace",
        "DATABASE_POOL": "1",
    }
    databases = databases_from_env(environ, tmp_path)
    assert databases["replica"]["HOST"] == "db-replica"
    assert databases["replica"]["USER"] == "reader"
    assert databases["replica"]["TEST"] == {"MIRROR": "default"}
    assert "pool" in databases["replica"]["OPTIONS"]
    assert "TEST" not in databases["default"] or not databases["default"]["TEST"].get("MIRROR")


def test_media_on_s3_when_a_bucket_is_configured():
    """GIVEN a bucket (AWS_STORAGE_BUCKET_NAME or S3_BUCKET) THEN uploads go to private,
    never-overwritten S3 objects; without one, to the file system."""
    assert media_storage({})["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    storage = media_storage(
        {"S3_BUCKET": "evidence", "AWS_S3_ENDPOINT_URL": "https://minio.internal:9000"}
    )
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "evidence"
    assert storage["OPTIONS"]["endpoint_url"] == "https://minio.internal:9000"
    assert storage["OPTIONS"]["default_acl"] == "private"
    assert storage["OPTIONS"]["file_overwrite"] is False
    named = media_storage({"AWS_STORAGE_BUCKET_NAME": "b", "S3_BUCKET": "ignored"})
    assert named["OPTIONS"]["bucket_name"] == "b"


_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.db import connection
from django.core.files.storage import storages
from django.db import connection, router
from claims.models import Claim
connection.ensure_connection()
print(json.dumps({
    "routers": settings.DATABASE_ROUTERS,
    "middleware": settings.MIDDLEWARE[:3],
    "read": router.db_for_read(Claim),
    "write": router.db_for_write(Claim),
    "pool": connection.pool is not None,
    "storage": type(storages["default"]).__name__,
}))
"""


def test_production_settings_start_with_pool_replica_and_s3():
    """GIVEN production settings with a pool, a replica and a bucket WHEN Django starts and
    connects THEN the connection comes from the pool, reads route to the replica and media
    go to S3 (nothing is contacted but PostgreSQL)."""
    database_url = settings.DATABASES["default"]
    # The probe only connects: the server's maintenance database exists wherever the suite
    # runs (CI's DATABASE_URL names a database that is never created, only its test_ copy).
    url = (
        f"postgres://{database_url['USER']}@{database_url['HOST']}:{database_url['PORT']}/postgres"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "k9" * 20 + "abcdefghijklmnopqrstuvwxyz",
        "DATABASE_URL": url,
        "DATABASE_REPLICA_URL": url,
        "DATABASE_POOL": "true",
        "S3_BUCKET": "evidence",
    }
    result = subprocess.run(
        [sys.executable, "-c", _PROBE],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "routers": ["config.routers.PrimaryReplicaRouter"],
        "middleware": [
            "django.middleware.security.SecurityMiddleware",
            "config.routers.PinPrimaryMiddleware",
            "whitenoise.middleware.WhiteNoiseMiddleware",
        ],
        "read": "replica",
        "write": "default",
        "pool": True,
        "storage": "S3Storage",
    }


def test_docker_compose_scales_the_stateless_app_behind_a_proxy():
    """GIVEN docker-compose.yml THEN it is valid YAML; the app publishes no host port (so
    ``--scale app=3`` works) and the proxy in front of it does; media is shared."""
    root = Path(settings.BASE_DIR)
    compose = yaml.safe_load((root / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "app", "proxy"} <= set(services)
    assert "ports" not in services["app"]
    assert services["proxy"]["ports"]
    assert "app" in services["proxy"]["depends_on"]
    proxy_config = next(
        volume.split(":")[0] for volume in services["proxy"]["volumes"] if "nginx" in volume
    )
    assert "app:8000" in (root / proxy_config).read_text()
    assert any(volume.startswith("media:") for volume in services["app"]["volumes"])


def test_pooled_connections_are_checked_before_use(tmp_path):
    """A pool lends only live connections after a database restart (Django passes psycopg's
    ``check_connection`` to the pool when health checks are on)."""
    environ = {"DATABASE_URL": PG, "DATABASE_POOL": "true"}
    assert databases_from_env(environ, tmp_path)["default"]["CONN_HEALTH_CHECKS"] is True
