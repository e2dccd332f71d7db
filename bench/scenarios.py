"""The measured scenarios: each through the real app stack, timed per request (p50, p95).

Requests go through Django's test client with a real API token of an editor, so every layer
runs as in production (middleware, token authentication, permissions, throttling, DRF
rendering to JSON bytes), minus the network and the WSGI server, which the HTTP mode adds.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from bench.floor import floor_list
from claims.models import Citation, Claim, Topic
from claims.services import load_claims, refresh_corroboration
from core.models import ApiToken
from core.roles import EDITOR
from places.models import Location
from sources.models import Publication
from units.models import Unit

BENCH_USER = "bench-editor"

# Targets at 1,000,000 claims (issue 7, item 4), in milliseconds unless named otherwise.
TARGETS = {
    "list": ("p50", 30),
    "search_narrow": ("p95", 100),
    "search_broad": ("p95", 100),
    "unit_subtree": ("p95", 100),
    "detail": ("p50", 20),
    "create": ("p50", 50),
}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def _peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure(
    name: str, call: Callable[[int], object], iterations: int, warmup: int = 2
) -> dict[str, object]:
    """Time ``call(i)`` ``iterations`` times after ``warmup`` untimed calls; count the queries
    of one more call."""
    for index in range(warmup):
        call(index)
    timings = []
    for index in range(iterations):
        started = time.perf_counter()
        call(index)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        call(iterations)
    result = {
        "n": iterations,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(_percentile(timings, 0.95), 2),
        "max_ms": round(max(timings), 2),
        "queries": len(queries),
        # Where the time goes: the slowest queries of the counted call.
        "slowest_queries": [
            {"ms": round(float(query["time"]) * 1000, 1), "sql": query["sql"][:160]}
            for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]
        ],
        "peak_rss_mb": _peak_rss_mb(),
    }
    print(
        f"  {name:<16} p50 {result['p50_ms']:>9.2f} ms  p95 {result['p95_ms']:>9.2f} ms"
        f"  ({iterations} runs, {len(queries)} queries)",
        flush=True,
    )
    return result


def bench_user():
    """The editor the benchmark reads and writes as, with a fresh API token."""
    user, _ = get_user_model().objects.get_or_create(username=BENCH_USER)
    user.groups.add(Group.objects.get(name=EDITOR))
    _, key = ApiToken.issue(user, "benchmark")
    return user, key


def _ok(response, status: int = 200):
    if response.status_code != status:
        raise RuntimeError(f"{response.status_code}: {response.content[:300]!r}")
    return response


def run_all(iterations: int, only: set[str] | None = None) -> dict[str, object]:
    """Run every scenario; returns the report's ``scenarios``, ``ratios`` and details."""
    only = only or set()
    user, key = bench_user()
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    client.defaults["SERVER_NAME"] = "127.0.0.1"
    rng = random.Random(7)
    scenarios: dict[str, dict] = {}
    details: dict[str, object] = {}

    def wanted(name: str) -> bool:
        return not only or name in only

    # The page of 50 with nested evidence: the app, the floor, the naive viewset.
    pages = 10
    if wanted("list"):
        scenarios["list"] = measure(
            "list",
            lambda i: _ok(client.get("/api/claims/", {"page": i % pages + 1})),
            iterations,
        )
        details["list_count"] = client.get("/api/claims/").json()["count"]
        db = settings.DATABASES["default"]
        with psycopg.connect(
            dbname=db["NAME"],
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
        ) as floor_connection:
            scenarios["list_floor"] = measure(
                "list_floor",
                lambda i: floor_list(floor_connection, user.pk, page=i % pages + 1),
                iterations,
            )
            scenarios["list_floor_nocount"] = measure(
                "list_floor_nocount",
                lambda i: floor_list(floor_connection, user.pk, page=i % pages + 1, count=False),
                iterations,
            )
        scenarios["list_naive"] = measure(
            "list_naive",
            lambda i: _ok(client.get("/bench/naive/claims/", {"page": i % pages + 1})),
            max(3, iterations // 10),
            warmup=1,
        )
        scenarios["list_brief"] = measure(
            "list_brief",
            lambda i: _ok(client.get("/api/claims/", {"page": i % pages + 1, "brief": 1})),
            iterations,
        )

    # Full-text search: rare words, and a broad one matching a large share of the claims.
    if wanted("search_narrow"):
        narrow = ["thermobaric", "winterisation", "pontoon", "filtration camp", "medevac"]
        scenarios["search_narrow"] = measure(
            "search_narrow",
            lambda i: _ok(client.get("/api/claims/", {"search": narrow[i % len(narrow)]})),
            iterations,
        )
        details["search_narrow_matches"] = {
            term: client.get("/api/claims/", {"search": term}).json()["count"] for term in narrow
        }
    if wanted("search_broad"):
        broad = ["drone", "artillery", "strike"]
        scenarios["search_broad"] = measure(
            "search_broad",
            lambda i: _ok(client.get("/api/claims/", {"search": broad[i % len(broad)]})),
            iterations,
        )
        details["search_broad_matches"] = {
            term: client.get("/api/claims/", {"search": term}).json()["count"] for term in broad
        }

    # The claims of a top-level unit and everything below it in the ORBAT.
    if wanted("unit_subtree"):
        tops = list(
            Unit.objects.filter(parent=None, archived_at=None)
            .order_by("pk")
            .values_list("pk", flat=True)[:2]
        )
        scenarios["unit_subtree"] = measure(
            "unit_subtree",
            lambda i: _ok(
                client.get(
                    "/api/claims/",
                    {"unit": tops[i % len(tops)], "include_subordinates": "true"},
                )
            ),
            iterations,
        )

    # The claims at a country's places (most of the claims) and at an oblast's (a few
    # thousand): the location filter, which includes the places inside (no target).
    if wanted("place_subtree"):
        country = Location.objects.filter(parent=None).order_by("pk").values_list("pk", flat=True)
        places = [country[0], Location.objects.filter(parent=country[0]).order_by("pk")[0].pk]
        scenarios["place_subtree"] = measure(
            "place_subtree",
            lambda i: _ok(client.get("/api/claims/", {"location": places[i % len(places)]})),
            iterations,
        )
        details["unit_subtree_matches"] = {
            top: client.get("/api/claims/", {"unit": top, "include_subordinates": "true"}).json()[
                "count"
            ]
            for top in tops
        }

    # One claim with its corroboration (evidence lines recomputed for the reader).
    if wanted("detail"):
        visible = Claim.objects.visible_to(user)
        top = visible.order_by("-pk").values_list("pk", flat=True).first()
        sample = list(
            visible.filter(pk__in=[rng.randint(1, top) for _ in range(400)]).values_list(
                "pk", flat=True
            )
        )
        scenarios["detail"] = measure(
            "detail",
            lambda i: _ok(client.get(f"/api/claims/{sample[i % len(sample)]}/")),
            iterations,
        )

    # Creating a claim with three citations: one request (``citations`` nested in the claim,
    # one transaction), and for reference the four requests it took before (the claim, then
    # each citation at /api/citations/).
    if wanted("create"):
        topics = list(Topic.objects.values_list("pk", flat=True)[:5])
        publications = list(
            Publication.objects.filter(marking="clear")
            .order_by("-pk")
            .values_list("pk", flat=True)[:300]
        )

        def claim_body(index: int) -> dict:
            return {
                "title": f"Benchmark claim {index}",
                "statement": "Drone strikes hit a fuel depot near the front line.",
                "kind": "event",
                "occurred": {"start": "2025-02-20", "precision": "day"},
                "topics": topics[:2],
                "marking": "clear",
            }

        def citation_bodies(index: int) -> list[dict]:
            return [
                {
                    "publication": publications[(index * 3 + offset) % len(publications)],
                    "stance": "supports",
                    "credibility": 2,
                    "excerpt": "Footage shows the strike.",
                }
                for offset in range(3)
            ]

        def create(index: int) -> None:
            body = {**claim_body(index), "citations": citation_bodies(index)}
            _ok(client.post("/api/claims/", body, format="json"), 201)

        def create_separately(index: int) -> None:
            claim = _ok(client.post("/api/claims/", claim_body(index), format="json"), 201).json()[
                "id"
            ]
            for citation in citation_bodies(index):
                _ok(
                    client.post("/api/citations/", {**citation, "claim": claim}, format="json"),
                    201,
                )

        scenarios["create"] = measure("create", create, iterations)
        scenarios["create_separately"] = measure("create_separately", create_separately, iterations)

    if wanted("bulk_import"):
        details["bulk_import"] = bulk_import()
    if wanted("import_document"):
        details["import_document"] = document_import()
    if wanted("bulk_import") or wanted("import_document"):
        vacuum_written_tables()

    list_p50 = scenarios.get("list", {}).get("p50_ms")
    ratios = {}
    if list_p50:
        # Against the floor without its exact count: the app never counts a million rows (its
        # count is exact up to EXACT_COUNT_LIMIT, then PostgreSQL's estimate), so the floor's
        # count(*) of every visible claim is work the app does not do.
        floor = scenarios["list_floor_nocount"]["p50_ms"]
        ratios["list_app_over_floor"] = round(list_p50 / floor, 2)
        ratios["list_naive_over_app"] = round(scenarios["list_naive"]["p50_ms"] / list_p50, 1)
    return {"scenarios": scenarios, "ratios": ratios, "details": details, "_token": key}


# Tables the import scenarios write and roll back.
WRITTEN_TABLES = (Claim, Citation, Claim.history.model, Citation.history.model)


def vacuum_written_tables() -> None:
    """VACUUM ANALYZE the tables the import scenarios wrote and rolled back.

    Their dead rows sit at the end of the id indexes, which the planner reads for the range
    of a join key: with ~100,000 of them, planning a page's linked-claims query took 5 ms
    instead of 0.5 ms, in the next run's reads, until autovacuum came by. The next run then
    measures the database as a fresh one, not the last run's leftovers."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in WRITTEN_TABLES:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def bulk_import(batches: int = 4, batch_size: int = 5_000) -> dict[str, object]:
    """Claims/s through the bulk path for loaders (``claims.services.load_claims``: COPY of
    claims and three citations each, corroboration computed before the claims are written).

    A loader sends its file in batches, one ``load_claims`` call each: ``batches`` of
    ``batch_size`` claims, each built and loaded in turn, timed from the first build to the
    last write (the rate is the whole import's, the first batch's cold pages included; each
    batch's is reported too). Rolled back afterwards."""
    publications = list(
        Publication.objects.filter(marking="clear")
        .order_by("pk")
        .values_list("pk", flat=True)[:3000]
    )
    claims = batches * batch_size
    seconds_per_batch = []
    loaded: list[int] = []
    with transaction.atomic():
        started = time.perf_counter()
        for batch in range(batches):
            batch_started = time.perf_counter()
            created = [
                Claim(
                    title=f"Imported claim {index}",
                    statement="Artillery shelled the railway junction; drones struck a depot.",
                    kind="event",
                    marking="clear",
                )
                for index in range(batch * batch_size, (batch + 1) * batch_size)
            ]
            load_claims(
                created,
                [
                    Citation(
                        claim=claim,
                        publication_id=publications[(index * 3 + offset) % len(publications)],
                        stance="supports",
                        credibility=2,
                    )
                    for index, claim in enumerate(created, start=batch * batch_size)
                    for offset in range(3)
                ],
            )
            loaded += [claim.pk for claim in created]
            seconds_per_batch.append(time.perf_counter() - batch_started)
        seconds = time.perf_counter() - started
        written = {
            "claims": Claim.objects.filter(pk__in=loaded).count(),
            "citations": Citation.objects.filter(claim__in=loaded).count(),
            # Claims whose stored corroboration a full recompute would change (0 expected).
            "stale_corroboration": refresh_corroboration(loaded),
        }
        transaction.set_rollback(True)
    result = {
        "claims": claims,
        "citations": claims * 3,
        "batches": batches,
        "written": written,
        "seconds": round(seconds, 2),
        "claims_per_second": round(claims / seconds),
        "batch_claims_per_second": [round(batch_size / each) for each in seconds_per_batch],
        "peak_rss_mb": _peak_rss_mb(),
    }
    print(
        f"  {'bulk_import':<16} {result['claims_per_second']:,} claims/s "
        f"({claims:,} claims + {claims * 3:,} citations + corroboration in {seconds:.1f} s;"
        f" batches of {batch_size:,}: "
        f"{', '.join(f'{rate:,}' for rate in result['batch_claims_per_second'])} claims/s)",
        flush=True,
    )
    return result


def document_import(claims: int = 500) -> dict[str, object]:
    """Claims/s through the exchange-document importer (``manage.py import_data``, the
    import API and page): every record validated and written with its history, in one pass
    without a savepoint per record (a document with errors is checked again record by record,
    for its full report). New claims with three citations of existing publications, in a
    transaction rolled back afterwards."""
    import uuid

    from interchange import FORMAT_NAME, FORMAT_VERSION
    from interchange.importer import import_document

    publications = [
        str(key)
        for key in Publication.objects.filter(marking="clear")
        .order_by("-pk")
        .values_list("uuid", flat=True)[:3000]
    ]
    document = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "claims": [
            {
                "uuid": str(uuid.uuid4()),
                "title": f"Imported claim {index}",
                "statement": "Artillery shelled the railway junction; drones struck a depot.",
                "kind": "event",
                "marking": "clear",
                "citations": [
                    {
                        "uuid": str(uuid.uuid4()),
                        "publication": publications[(index * 3 + offset) % len(publications)],
                        "stance": "supports",
                        "credibility": 2,
                    }
                    for offset in range(3)
                ],
            }
            for index in range(claims)
        ],
    }
    started = time.perf_counter()
    with transaction.atomic():
        report = import_document(document, name="bench.json")
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    if report.errors:
        raise RuntimeError(f"The import was refused: {report.errors[:3]}")
    result = {
        "claims": claims,
        "citations": claims * 3,
        "written": {kind: report.counts[kind].created for kind in ("claims", "citations")},
        "seconds": round(seconds, 2),
        "claims_per_second": round(claims / seconds),
        "peak_rss_mb": _peak_rss_mb(),
    }
    print(
        f"  {'import_document':<16} {result['claims_per_second']:,} claims/s "
        f"({claims:,} claims + {claims * 3:,} citations, validated, with history, in "
        f"{seconds:.1f} s)",
        flush=True,
    )
    return result


def print_report(report: dict) -> None:
    """The table of numbers against the targets."""
    print(f"\nClaimtrace benchmark, {report['date']}, database {report['database']}")
    machine = report["machine"]
    print(
        f"{machine['nproc']} cores, {machine['memory_gb']} GB, PostgreSQL {machine['postgresql']}"
        f", load average at start {machine['load_average_at_start']}"
    )
    if report.get("generation"):
        gen = report["generation"]
        print(
            f"generate_synthetic: {gen['claims']:,} claims in {gen['seconds']} s "
            f"({gen['claims_per_second']:,}/s), peak RSS {gen['peak_rss_mb']} MB; "
            f"VACUUM ANALYZE {gen.get('vacuum_seconds')} s"
        )
    print(f"\n{'scenario':<16} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8} {'RSS MB':>8}  target")
    for name, row in report["scenarios"].items():
        target = ""
        if name in TARGETS:
            which, limit = TARGETS[name]
            value = row[f"{which}_ms"]
            target = f"{which} ≤ {limit} ms: {'met' if value <= limit else 'MISSED'}"
        print(
            f"{name:<16} {row['p50_ms']:>9.2f} {row['p95_ms']:>9.2f} {row['queries']:>8}"
            f" {row['peak_rss_mb']:>8}  {target}"
        )
    ratios = report.get("ratios", {})
    if ratios:
        floor = ratios["list_app_over_floor"]
        naive = ratios["list_naive_over_app"]
        print(f"\nlist app/floor {floor}× (target ≤ 3×: {'met' if floor <= 3 else 'MISSED'})")
        print(f"list naive/app {naive}× (target ≥ 10×: {'met' if naive >= 10 else 'MISSED'})")
    bulk = report.get("details", {}).get("bulk_import")
    if bulk:
        rate = bulk["claims_per_second"]
        print(
            f"bulk import {rate:,} claims/s (target ≥ 2,000: {'met' if rate >= 2000 else 'MISSED'})"
        )
    imported = report.get("details", {}).get("import_document")
    if imported:
        print(
            f"document import {imported['claims_per_second']:,} claims/s (validated, with "
            "history: the importer analysts use; no target)"
        )
    http = report.get("http")
    if http:
        for name, row in http.get("runs", {}).items():
            print(
                f"HTTP {name}: {row['requests_per_second']:,.1f} req/s at {http['connections']}"
                f" connections, {row['errors']} errors, p50 {row.get('p50')} p99 {row.get('p99')}"
            )
        print(
            f"gunicorn workers ({http['workers']}): peak RSS {http['worker_peak_rss_mb']} MB "
            "(target < 250 MB)"
        )
    print(f"benchmark process peak RSS {report['peak_rss_mb']} MB")
