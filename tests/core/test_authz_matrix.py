"""The authorisation matrix: every API endpoint and page × every persona × read and write.

One table (``ROWS``) says, for each route and method, the status each persona gets:
anonymous, outsider (logged in, no role), viewer, analyst, editor and admin (the ``admin``
role, not a superuser). The tests are generated from it, and ``test_every_route_is_in_the_table``
walks the URL resolver so that a new route cannot ship without a row.

To add a route: append a ``Row`` to ``ROWS`` (or name it in ``NOT_IN_MATRIX`` with the reason
it needs no row). Writes send a valid body, so a 2xx proves the persona may write and a
403 that the role check refused it before anything was saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from core.models import ApiToken
from core.roles import ADMIN, ANALYST, DOMAIN_APPS, EDITOR, VIEWER
from ingest.draft import build_draft
from interchange.document import export_document
from sources.services import store_evidence
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    LocationFactory,
    PublicationFactory,
    SourceFactory,
    TopicFactory,
    UnitFactory,
    UserFactory,
)

PERSONAS = ("anonymous", "outsider", "viewer", "analyst", "editor", "admin")
ROLE_OF = {"viewer": VIEWER, "analyst": ANALYST, "editor": EDITOR, "admin": ADMIN}

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


def expect(*statuses: int) -> dict[str, int]:
    """Statuses in ``PERSONAS`` order: anonymous, outsider, viewer, analyst, editor, admin."""
    assert len(statuses) == len(PERSONAS)
    return dict(zip(PERSONAS, statuses, strict=True))


# The usual answers, named once. API: 401 without a login (token auth asks for credentials),
# 403 without the role. Pages: 302 to the login page without a login, 403 without the role.
API_READ = expect(401, 200, 200, 200, 200, 200)
API_CREATE_EDITOR = expect(401, 403, 403, 403, 201, 201)
API_CREATE_ANALYST = expect(401, 403, 403, 201, 201, 201)
API_CHANGE_EDITOR = expect(401, 403, 403, 403, 200, 200)
API_CHANGE_ANALYST = expect(401, 403, 403, 200, 200, 200)
API_DELETE = expect(401, 403, 403, 403, 204, 204)
# Restore needs the delete permission (editors); analysts pass the POST check, not that one.
API_RESTORE = expect(401, 403, 403, 403, 200, 200)
# Records that are never archived: a role that may write learns that there is nothing to restore.
API_RESTORE_NEVER_ARCHIVED = expect(401, 403, 403, 403, 405, 405)
PAGE_READ = expect(302, 200, 200, 200, 200, 200)
PUBLIC = expect(200, 200, 200, 200, 200, 200)


@dataclass(frozen=True)
class Row:
    """One route and method with the status each persona gets."""

    route: str
    method: str
    statuses: dict[str, int]
    # Path parameters from the test's records, e.g. ``lambda w: {"pk": w.claim.pk}``.
    kwargs: Callable[[World], dict[str, Any]] | None = None
    # The request body (a valid one for writes) from the test's records.
    body: Callable[[World], dict[str, Any]] | None = None
    # "json" for the API, "multipart" for forms and uploads.
    format: str = "json"
    query: str = ""
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}{self.label and ' (' + self.label + ')'}"


def pk_of(name: str) -> Callable[[World], dict[str, Any]]:
    """Path parameters naming the test record ``name``."""
    return lambda w: {"pk": getattr(w, name).pk}


# -- valid write bodies ------------------------------------------------------------------------


def claim_body(w) -> dict[str, Any]:
    return {"title": "Strike near Pokrovsk", "statement": "A drone struck.", "kind": "event"}


def citation_body(w) -> dict[str, Any]:
    return {"claim": w.claim.pk, "publication": w.other_publication.pk, "stance": "mentions"}


def location_body(w) -> dict[str, Any]:
    return {"name": "Velyka Novosilka", "kind": "settlement", "country": "UA"}


def topic_body(w) -> dict[str, Any]:
    return {"name": "Frontline changes"}


def source_body(w) -> dict[str, Any]:
    return {"name": "Chosun Ilbo", "kind": "news_outlet", "country": "KR"}


def publication_body(w) -> dict[str, Any]:
    return {"source": w.source.pk, "kind": "article", "title": "DPRK troops in Kursk"}


def unit_body(w) -> dict[str, Any]:
    return {"name": "155th Naval Infantry Brigade", "country": "RU", "echelon": "brigade"}


def evidence_body(w) -> dict[str, Any]:
    upload = SimpleUploadedFile("photo.png", PNG + b"new", content_type="image/png")
    return {"publication": w.publication.pk, "file": upload, "sensitivity": "none"}


REPORT = "Russian forces attacked near Pokrovsk on February 20.[1]"


def ingest_body(w) -> dict[str, Any]:
    return {"text": REPORT, "date": "2025-02-20"}


def ingest_accept_body(w) -> dict[str, Any]:
    # A draft that proposes no new unit or publication, so analysts may accept it too.
    draft = build_draft(REPORT, dt.date(2025, 2, 20))
    assert not draft["units"]
    return {"draft": draft, "publication": w.publication.pk}


def import_body(w) -> dict[str, Any]:
    # The test's own claim exported again: a valid document whose records are all unchanged.
    w.claim  # noqa: B018 (built on first use)
    return export_document()


def ingest_page_body(w) -> dict[str, Any]:
    return {"text": REPORT, "date": "2025-02-20", "publication": w.publication.pk}


def claim_page_body(w) -> dict[str, Any]:
    data = {
        "title": "Strike near Pokrovsk",
        "statement": "A drone struck a command post.",
        "kind": "event",
        "occurred_precision": "day",
        "status": "unverified",
        "confidence": "likely",
        "marking": "clear",
    }
    for prefix in ("citations", "involvements"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def claim_edit_page_body(w) -> dict[str, Any]:
    # Saving evidence updates the claim's stored grade, so read its version from the database.
    w.claim.refresh_from_db()
    return {
        **claim_page_body(w),
        # The claim's own judgements, unchanged: changing one would need a reason.
        "status": w.claim.status,
        "confidence": w.claim.confidence,
        "version": str(w.claim.version),
    }


# -- the table ---------------------------------------------------------------------------------

# Each API resource: list, create, detail, full and partial update, delete (archive), history,
# restore. (basename, record, create body, who creates/changes, restore answers)
RESOURCES = [
    ("claim", "claim", claim_body, "analyst", API_RESTORE),
    ("citation", "citation", citation_body, "analyst", API_RESTORE),
    ("location", "location", location_body, "editor", API_RESTORE_NEVER_ARCHIVED),
    ("topic", "topic", topic_body, "editor", API_RESTORE_NEVER_ARCHIVED),
    ("source", "source", source_body, "editor", API_RESTORE),
    ("publication", "publication", publication_body, "editor", API_RESTORE),
    ("unit", "unit", unit_body, "editor", API_RESTORE),
]


def resource_rows(basename, record, body, writer, restore) -> list[Row]:
    create = API_CREATE_ANALYST if writer == "analyst" else API_CREATE_EDITOR
    change = API_CHANGE_ANALYST if writer == "analyst" else API_CHANGE_EDITOR
    return [
        Row(f"{basename}-list", "GET", API_READ),
        Row(f"{basename}-list", "POST", create, body=body),
        Row(f"{basename}-detail", "GET", API_READ, kwargs=pk_of(record)),
        Row(f"{basename}-detail", "PUT", change, kwargs=pk_of(record), body=body),
        Row(f"{basename}-detail", "PATCH", change, kwargs=pk_of(record), body=lambda w: {}),
        Row(f"{basename}-detail", "DELETE", API_DELETE, kwargs=pk_of(record)),
        Row(f"{basename}-history", "GET", API_READ, kwargs=pk_of(record)),
        Row(f"{basename}-restore", "POST", restore, kwargs=pk_of(f"archived_{record}")),
    ]


ROWS: list[Row] = [
    # -- API: the root, schema and docs
    Row("api-root", "GET", API_READ),
    Row("api-schema", "GET", API_READ),
    Row("api-docs", "GET", API_READ),
    # -- API: the domain resources
    *(row for resource in RESOURCES for row in resource_rows(*resource)),
    # -- API: archived records are restored or purged, never edited in place (409)
    Row(
        "claim-detail",
        "PATCH",
        expect(401, 403, 403, 403, 409, 409),
        kwargs=pk_of("archived_claim"),
        body=lambda w: {"title": "Edited anyway"},
        query="archived=true",
        label="archived",
    ),
    Row(
        "claim-detail",
        "DELETE",
        expect(401, 403, 403, 403, 409, 409),
        kwargs=pk_of("archived_claim"),
        query="archived=true",
        label="archived",
    ),
    # -- API: evidence files (uploads are multipart; editing is metadata only)
    Row("evidencefile-list", "GET", API_READ),
    Row("evidencefile-list", "POST", API_CREATE_EDITOR, body=evidence_body, format="multipart"),
    Row("evidencefile-detail", "GET", API_READ, kwargs=pk_of("evidence")),
    # A file is never replaced in place: PUT is refused to those who may write at all.
    Row(
        "evidencefile-detail",
        "PUT",
        expect(401, 403, 403, 403, 405, 405),
        kwargs=pk_of("evidence"),
        body=lambda w: {"description": "Still from the footage", "sensitivity": "graphic"},
    ),
    Row(
        "evidencefile-detail",
        "PATCH",
        API_CHANGE_EDITOR,
        kwargs=pk_of("evidence"),
        body=lambda w: {"description": "Still"},
    ),
    Row("evidencefile-detail", "DELETE", API_DELETE, kwargs=pk_of("evidence")),
    Row("evidencefile-history", "GET", API_READ, kwargs=pk_of("evidence")),
    Row("evidencefile-download", "GET", API_READ, kwargs=pk_of("evidence")),
    Row("evidencefile-restore", "POST", API_RESTORE, kwargs=pk_of("archived_evidence")),
    # -- API: personal tokens (anyone logged in manages their own)
    Row("token-list", "GET", API_READ),
    Row("token-list", "POST", expect(401, 201, 201, 201, 201, 201), body=lambda w: {"name": "n"}),
    Row("token-detail", "DELETE", expect(401, 204, 204, 204, 204, 204), kwargs=pk_of("token")),
    # -- API: exports of the filtered claim set (what the persona may see), imports, ingestion
    Row("api-export-stix", "GET", API_READ),
    Row("api-export-claimreview", "GET", API_READ),
    Row("api-export-geojson", "GET", API_READ),
    Row("api-export-data", "GET", API_READ),
    Row("api-export-csv", "GET", API_READ),
    Row("api-import", "POST", expect(401, 403, 403, 403, 200, 200), body=import_body),
    Row("api-ingest", "POST", expect(401, 403, 403, 200, 200, 200), body=ingest_body),
    Row(
        "api-ingest-accept",
        "POST",
        expect(401, 403, 403, 201, 201, 201),
        body=ingest_accept_body,
    ),
    # -- pages: reading
    Row("dashboard", "GET", PAGE_READ),
    Row("claims:list", "GET", PAGE_READ),
    Row("claims:detail", "GET", PAGE_READ, kwargs=pk_of("claim")),
    Row("places:detail", "GET", PAGE_READ, kwargs=pk_of("location")),
    Row("claims:timeline", "GET", PAGE_READ),
    Row("claims:map", "GET", PAGE_READ),
    Row("sources:detail", "GET", PAGE_READ, kwargs=pk_of("source")),
    Row("sources:publication", "GET", PAGE_READ, kwargs=pk_of("publication")),
    Row("units:detail", "GET", PAGE_READ, kwargs=pk_of("unit")),
    Row("interchange:claims-csv", "GET", PAGE_READ),
    # -- pages: ingesting a report (roles that add claims); the review page answers the POST
    Row("ingest:paste", "GET", expect(302, 403, 403, 200, 200, 200)),
    Row(
        "ingest:paste",
        "POST",
        expect(302, 403, 403, 200, 200, 200),
        body=ingest_page_body,
        format="multipart",
    ),
    # Without the signed draft of the review page, a role that may ingest is asked to start
    # again (400); the others never reach it.
    Row(
        "ingest:accept",
        "POST",
        expect(302, 403, 403, 400, 400, 400),
        body=lambda w: {"token": "forged"},
        format="multipart",
    ),
    Row("ingest:done", "GET", expect(302, 403, 403, 200, 200, 200)),
    # -- pages: writing (a saved claim redirects to its page)
    Row("claims:create", "GET", expect(302, 403, 403, 200, 200, 200)),
    Row(
        "claims:create",
        "POST",
        expect(302, 403, 403, 302, 302, 302),
        body=claim_page_body,
        format="multipart",
    ),
    Row("claims:edit", "GET", expect(302, 403, 403, 200, 200, 200), kwargs=pk_of("claim")),
    Row(
        "claims:edit",
        "POST",
        expect(302, 403, 403, 302, 302, 302),
        kwargs=pk_of("claim"),
        body=claim_edit_page_body,
        format="multipart",
    ),
    # -- the admin: the editor and admin roles may enter, others are sent to its login
    Row("admin:index", "GET", expect(302, 302, 302, 302, 200, 200)),
    Row(
        "admin:app_list",
        "GET",
        expect(302, 302, 302, 302, 200, 200),
        kwargs=lambda w: {"app_label": "claims"},
    ),
    Row("admin:claims_claim_changelist", "GET", expect(302, 302, 302, 302, 200, 200)),
    Row(
        "admin:claims_claim_change",
        "GET",
        expect(302, 302, 302, 302, 200, 200),
        kwargs=lambda w: {"object_id": w.claim.pk},
    ),
    Row(
        "admin:claims_claim_history",
        "GET",
        expect(302, 302, 302, 302, 200, 200),
        kwargs=lambda w: {"object_id": w.claim.pk},
    ),
    # Only the admin role manages users.
    Row("admin:auth_user_changelist", "GET", expect(302, 302, 302, 302, 403, 200)),
    # -- logging in and out, and passwords: public by nature or the user's own
    Row("login", "GET", PUBLIC),
    Row("logout", "POST", expect(302, 302, 302, 302, 302, 302)),
    Row("password_change", "GET", PAGE_READ),
    Row("password_change_done", "GET", PAGE_READ),
    Row("rest_framework:login", "GET", PUBLIC),
    Row("rest_framework:logout", "POST", expect(302, 302, 302, 302, 302, 302)),
]

# Routes without a row, and why they need none.
NOT_IN_MATRIX: dict[str, str] = {
    # Password reset is for people who cannot log in; it reveals nothing and sends mail only
    # to a registered address.
    "password_reset": "public by nature",
    "password_reset_done": "public by nature",
    "password_reset_confirm": "public by nature, guarded by its one-time token",
    "password_reset_complete": "public by nature",
    "admin:login": "public by nature",
    "admin:logout": "logs out",
    "admin:jsi18n": "static translations",
}
# Every other admin route passes through ``AdminSite.admin_view``, which checks
# ``has_permission`` (the rows above) and then the model permissions of the role.
ADMIN_NAMESPACE = "admin:"


# -- the records every test works on -----------------------------------------------------------


class World(SimpleNamespace):
    """The records of one test, each built on first use: a row pays only for what it touches."""

    def __getattr__(self, name: str) -> Any:
        builder = BUILDERS.get(name)
        if builder is None:
            raise AttributeError(name)
        value = builder(self)
        setattr(self, name, value)
        return value


def _archived(record):
    record.archive()
    return record


def _evidence(w: World, content: bytes):
    upload = SimpleUploadedFile("photo.png", content, content_type="image/png")
    return store_evidence(w.publication, upload, user=None, sensitivity="none").evidence


def _claim(w: World):
    claim = ClaimFactory(title="POWs shot near Robotyne")
    claim.locations.add(w.location)
    claim.topics.add(w.topic)
    return claim


BUILDERS: dict[str, Callable[[World], Any]] = {
    "source": lambda w: SourceFactory(name="Financial Times"),
    "publication": lambda w: PublicationFactory(source=w.source, title="FT investigation"),
    "other_publication": lambda w: PublicationFactory(source=w.source, title="ISW assessment"),
    "location": lambda w: LocationFactory(name="Robotyne"),
    "topic": lambda w: TopicFactory(name="POW executions"),
    "claim": _claim,
    "citation": lambda w: CitationFactory(claim=w.claim, publication=w.publication),
    "unit": lambda w: UnitFactory(name="30th Motorized Rifle Brigade"),
    "evidence": lambda w: _evidence(w, PNG),
    "archived_claim": lambda w: _archived(ClaimFactory()),
    "archived_citation": lambda w: _archived(
        CitationFactory(claim=w.claim, publication=w.other_publication)
    ),
    "archived_location": lambda w: LocationFactory(),
    "archived_topic": lambda w: TopicFactory(),
    "archived_source": lambda w: _archived(SourceFactory()),
    "archived_publication": lambda w: _archived(PublicationFactory(source=w.source)),
    "archived_unit": lambda w: _archived(UnitFactory()),
    "archived_evidence": lambda w: _archived(_evidence(w, PNG + b"archived")),
}


@pytest.fixture
def w(db, settings, tmp_path) -> World:
    """The records of the test (built when a row first names them); files go to ``tmp_path``."""
    settings.MEDIA_ROOT = tmp_path
    return World()


def persona_client(persona: str, records: World) -> APIClient:
    """A client logged in as ``persona`` (none for anonymous); their own token is kept."""
    client = APIClient()
    if persona == "anonymous":
        records.token = ApiToken.issue(UserFactory(username="someone"), "theirs")[0]
        return client
    user = UserFactory(username=persona)
    if persona in ROLE_OF:
        user.groups.add(Group.objects.get(name=ROLE_OF[persona]))
    records.token = ApiToken.issue(user, "mine")[0]
    client.force_login(user)
    return client


CASES = [
    pytest.param(row, persona, id=f"{row.id} as {persona}") for row in ROWS for persona in PERSONAS
]


@pytest.mark.parametrize(("row", "persona"), CASES)
def test_authorisation_matrix(row: Row, persona: str, w: World) -> None:
    """GIVEN a persona and the records of the route
    WHEN they send the row's request
    THEN they get the row's status for that persona, and a refused write wrote nothing."""
    client = persona_client(persona, w)
    url = reverse(row.route, kwargs=row.kwargs(w) if row.kwargs else None)
    if row.query:
        url = f"{url}?{row.query}"
    body = row.body(w) if row.body else None
    expected = row.statuses[persona]
    refused = row.method in WRITES and (expected in REFUSED or persona == "anonymous")
    rows_before = history_rows() if refused else None

    send = getattr(client, row.method.lower())
    response = send(url) if body is None else send(url, body, format=row.format)

    detail = getattr(response, "data", None)
    if detail is None and not response.streaming:
        detail = response.content[:300]
    if response.status_code == 400 and getattr(response, "context", None):
        detail = response.context["form"].errors  # a page's form errors say what went wrong
    assert response.status_code == expected, f"{row.id} as {persona}: {detail!r}"
    if persona == "anonymous" and expected == 302 and not row.route.startswith("admin:"):
        assert response["Location"].startswith(reverse("login"))
    if refused:
        assert history_rows() == rows_before, f"{row.id} as {persona} was refused but wrote"


WRITES = {"POST", "PUT", "PATCH", "DELETE"}
REFUSED = {401, 403, 405, 409}


def history_rows() -> int:
    """Rows in every history table: any write to a domain record, by any path, adds one."""
    return sum(
        model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in DOMAIN_APPS and model.__name__.startswith("Historical")
    )


# -- every route is in the table ---------------------------------------------------------------


def route_names(patterns=None, namespace: str = "") -> set[str]:
    """The name of every URL pattern (``namespace:name``), walked recursively."""
    names: set[str] = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= route_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            names.add(f"{namespace}{pattern.name or '<unnamed ' + str(pattern.pattern) + '>'}")
    return names


def test_every_route_is_in_the_table() -> None:
    """GIVEN the URL patterns of the project THEN each has a row in ``ROWS`` (or a reason in
    ``NOT_IN_MATRIX``), so no route ships without its answer for every persona."""
    covered = {row.route for row in ROWS} | NOT_IN_MATRIX.keys()
    missing = sorted(
        name
        for name in route_names()
        if name not in covered and not name.startswith(ADMIN_NAMESPACE)
    )
    assert not missing, (
        "These routes are not in the authorisation matrix. Add a row to ROWS in "
        "tests/core/test_authz_matrix.py for each method they answer, e.g.\n"
        + "\n".join(f'    Row("{name}", "GET", API_READ),' for name in missing)
        + "\n(or name them in NOT_IN_MATRIX with the reason they need none)."
    )


def test_every_row_names_a_real_route() -> None:
    """A row for a route that no longer exists is a gap in the matrix, not a pass."""
    names = route_names()
    assert not sorted({row.route for row in ROWS} - names)
    assert not sorted(NOT_IN_MATRIX.keys() - names)


def test_every_api_write_of_a_domain_model_has_a_row() -> None:
    """Each API resource answers list, create, detail, PUT, PATCH, DELETE, history and restore
    in the table (the generated rows are not silently cut short)."""
    have = {(row.route, row.method) for row in ROWS}
    for basename, *_rest in RESOURCES:
        for route, method in [
            ("list", "GET"),
            ("list", "POST"),
            ("detail", "GET"),
            ("detail", "PUT"),
            ("detail", "PATCH"),
            ("detail", "DELETE"),
            ("history", "GET"),
            ("restore", "POST"),
        ]:
            assert (f"{basename}-{route}", method) in have
