"""``python -m bench --claims N [--reuse] [--fresh] [--http] [--iterations K]``.

Measures, on a dedicated database of N synthetic claims (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/claimtrace_bench``), the app's main paths in-process
through the whole Django stack (middleware, token authentication, DRF, serializers) and, side
by side, the floor (one hand-written SQL query) and the naive viewset. Prints a table and
writes ``bench/results/<timestamp>.json``. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/claimtrace_bench"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=100_000, help="claims to generate")
    parser.add_argument(
        "--reuse", action="store_true", help="benchmark the claims already in the database"
    )
    parser.add_argument(
        "--fresh", action="store_true", help="drop and create the database, then generate"
    )
    parser.add_argument("--iterations", type=int, default=50, help="timed runs per scenario")
    parser.add_argument("--seed", type=int, default=20250220)
    parser.add_argument("--http", action="store_true", help="also run gunicorn + wrk")
    parser.add_argument("--http-seconds", type=int, default=20)
    parser.add_argument("--http-workers", type=int, default=4)
    parser.add_argument("--http-connections", type=int, default=32)
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    return parser.parse_args(argv)


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def ensure_database(url: str, fresh: bool) -> None:
    """Create the benchmark database if it is missing (drop it first with ``fresh``)."""
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    if name in {"postgres", "template0", "template1"}:
        raise SystemExit("Refusing to use a system database for the benchmark.")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(who).ru_maxrss / 1024


def generate(claims: int, seed: int) -> dict:
    """Run ``generate_synthetic`` in a child process: its own time and peak memory."""
    started = time.monotonic()
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "generate_synthetic",
            "--claims",
            str(claims),
            "--seed",
            str(seed),
        ],
        cwd=REPO,
        env=os.environ.copy(),
    )
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("generate_synthetic failed")
    seconds = time.monotonic() - started
    return {
        "claims": claims,
        "seconds": round(seconds, 1),
        "claims_per_second": round(claims / seconds),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }


def vacuum() -> float:
    """``VACUUM ANALYZE`` the fresh data, as autovacuum would soon after a load: until the
    visibility map is set, every index-only scan (counts, probes) also reads the table."""
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return round(time.monotonic() - started, 1)


def machine() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    memory = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    load = os.getloadavg()
    import django

    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(int(memory) / 1024 / 1024, 1),
        "postgresql": postgres,
        "shared_buffers": shared_buffers,
        "python": platform.python_version(),
        "django": django.get_version(),
        "load_average_at_start": [round(value, 2) for value in load],
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    url = database_url()
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    sys.path.insert(0, str(REPO))
    ensure_database(url, fresh=args.fresh)

    import django

    django.setup()
    from django.core.management import call_command

    from claims.models import Claim

    call_command("migrate", verbosity=0)
    present = Claim.objects.count()
    generation = None
    if present == 0:
        print(f"Generating {args.claims:,} claims into {url.rsplit('/', 1)[1]} …", flush=True)
        generation = generate(args.claims, args.seed)
        generation["vacuum_seconds"] = vacuum()
    elif present < args.claims * 0.9 and not args.reuse:
        raise SystemExit(
            f"The database holds {present:,} claims, not {args.claims:,}: pass --reuse to "
            "benchmark them, or --fresh to generate again."
        )
    from bench import scenarios

    report = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "database": url.rsplit("/", 1)[1],
        "machine": machine(),
        "generation": generation,
    }
    only = {name for name in args.only.split(",") if name}
    # As each gunicorn worker does on start (config.wsgi).
    from core.startup import settle

    settle()
    report.update(scenarios.run_all(args.iterations, only=only))
    if args.http:
        from bench import http

        report["http"] = http.run(
            url,
            seconds=args.http_seconds,
            workers=args.http_workers,
            connections=args.http_connections,
            token=report.pop("_token"),
        )
    report.pop("_token", None)
    report["peak_rss_mb"] = round(peak_rss_mb(), 1)
    scenarios.print_report(report)
    results = BENCH_DIR / "results"
    results.mkdir(exist_ok=True)
    path = results / f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nWritten {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
