"""The embedded default: with no DATABASE_URL the app runs on SQLite (the README's first
command). Tests otherwise run on PostgreSQL, so this one sets up a SQLite file the way
``make run`` does, in a subprocess, and compares what it derived with PostgreSQL."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

from claims.models import Claim

# Reads the claims list on the SQLite default as a superuser (no PostgreSQL-only SQL there:
# the compiled page queries, ``= ANY(array)``, fall back to the ORM) and prints the page as
# JSON.
READ_LIST = """
import django, json
django.setup()
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
user = get_user_model().objects.create_superuser("reader", password=None)
client = APIClient(SERVER_NAME="localhost")
client.force_authenticate(user)
response = client.get("/api/claims/", {"page_size": 200})
assert response.status_code == 200, response.content[:300]
print(json.dumps(response.json()["results"]))
"""


def _shape(results: list[dict]) -> dict[str, list[int]]:
    """Per claim title: how many citations, units, topics, places and links the list shows."""
    kinds = ("citations", "units", "topics", "locations", "related")
    return {row["title"]: [len(row[kind]) for kind in kinds] for row in results}


ROOT = Path(__file__).resolve().parents[2]
DERIVED = "title, best_grade, independent_lines, disputes, suggested_status"


def test_sqlite_default_migrates_loads_the_demo_and_derives_what_postgresql_does(db, tmp_path):
    """GIVEN no DATABASE_URL WHEN migrate and load_demo run THEN they succeed on SQLite, and
    every demo claim's stored corroboration (computed by SQL that differs per engine: the
    evidence-chain query, the bulk UPDATE) equals what PostgreSQL stores for it; the claims
    list renders there with the same evidence per claim as on PostgreSQL."""
    environ = {
        **os.environ,
        "DATABASE_URL": "",
        "CLAIMTRACE_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
    }
    for command in (["migrate", "--noinput", "-v0"], ["load_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=environ,
            check=True,
            capture_output=True,
            timeout=300,
        )
    with sqlite3.connect(tmp_path / "db.sqlite3") as sqlite:
        on_sqlite = sorted(sqlite.execute(f"SELECT {DERIVED} FROM claims_claim"))

    call_command("load_demo", verbosity=0)
    on_postgresql = sorted(Claim.objects.values_list(*DERIVED.split(", ")))

    assert len(on_sqlite) > 40
    assert any(lines >= 2 for _, _, lines, _, _ in on_sqlite)
    assert on_sqlite == on_postgresql

    # The list renders on SQLite, with the same evidence per claim as on PostgreSQL.
    listed = subprocess.run(
        [sys.executable, "-c", READ_LIST],
        cwd=ROOT,
        env=environ,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_superuser("reader", password=None))
    response = client.get("/api/claims/", {"page_size": 200})
    on_sqlite_shape = _shape(json.loads(listed.stdout.strip().splitlines()[-1]))
    assert on_sqlite_shape == _shape(response.json()["results"])
    assert any(counts[0] >= 2 for counts in on_sqlite_shape.values())
