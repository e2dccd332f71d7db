"""The embedded default: with no DATABASE_URL the app runs on SQLite (the README's first
command). Tests otherwise run on PostgreSQL, so this one sets up a SQLite file the way
``make run`` does, in a subprocess, and compares what it derived with PostgreSQL."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

from claims.models import Claim

ROOT = Path(__file__).resolve().parents[2]
DERIVED = "title, best_grade, independent_lines, disputes, suggested_status"


def test_sqlite_default_migrates_loads_the_demo_and_derives_what_postgresql_does(db, tmp_path):
    """GIVEN no DATABASE_URL WHEN migrate and load_demo run THEN they succeed on SQLite, and
    every demo claim's stored corroboration (computed by SQL that differs per engine: the
    evidence-chain query, the bulk UPDATE) equals what PostgreSQL stores for it."""
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
