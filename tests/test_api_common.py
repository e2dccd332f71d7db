"""What every API resource shares: the permission matrix, protected deletes, pagination,
pinned query counts of every list, the OpenAPI schema and the browsable root."""

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from claims.models import Citation, Claim, Topic
from core.api.pagination import StandardPagination
from core.models import ApiToken, ArchivableModel
from places.models import Location
from sources.models import Publication, PublicationPerson, Source
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    ClaimRelationFactory,
    LocationFactory,
    PublicationFactory,
    PublicationReferenceFactory,
    QuantityFactory,
    SourceFactory,
    TopicFactory,
    UnitFactory,
    UnitInvolvementFactory,
)
from units.models import Unit, UnitHonorific

pytestmark = pytest.mark.django_db

_names = itertools.count()


def _unique(prefix: str) -> str:
    """A name no other record of the test has (several models have unique names)."""
    return f"{prefix} {next(_names)}"


# ---------------------------------------------------------------------------------------------
# One table of resources: how to make a record with no dependents, a valid create payload
# (relations written as ids) and a change for PATCH.
# ---------------------------------------------------------------------------------------------


def claim_payload() -> dict[str, Any]:
    other = ClaimFactory()
    return {
        "title": _unique("Executions near Kursk"),
        "statement": "Russian forces executed surrendering Ukrainian soldiers.",
        "kind": "event",
        "status": "unverified",
        "confidence": "likely",
        "marking": "clear",
        "occurred": {"start": "2024-10-01", "end": None, "precision": "month", "ongoing": False},
        "topics": [TopicFactory().pk],
        "locations": [LocationFactory().pk],
        "quantities": [
            {
                "measure": "victims",
                "low": "10",
                "high": "15",
                "unit_of_measure": "persons",
                "approximate": True,
                "as_of": "2025-02-20",
                "note": "",
            }
        ],
        "units": [
            {
                "unit": UnitFactory().pk,
                "role": "perpetrator",
                "attributed_by": SourceFactory().pk,
                "note": "",
            }
        ],
        "related": [{"claim": other.pk, "kind": "supports", "note": ""}],
        "notes": "",
    }


def citation_payload() -> dict[str, Any]:
    return {
        "claim": ClaimFactory().pk,
        "publication": PublicationFactory().pk,
        "stance": "supports",
        "excerpt": "Russian troops shot the prisoners.",
        "excerpt_language": "en",
        "translation": "",
        "locator": {"page": "3", "paragraph": 2, "timestamp": "00:01:23", "footnote": "5"},
        "credibility": 2,
        "note": "",
    }


def source_payload() -> dict[str, Any]:
    return {
        "name": _unique("Financial Times"),
        "kind": "news_outlet",
        "country": "GB",
        "reliability": "B",
        "affiliation": None,
        "role": "",
        "url": "https://www.ft.com/",
        "description": "",
        "aliases": ["FT"],
    }


def publication_payload() -> dict[str, Any]:
    return {
        "source": SourceFactory().pk,
        "kind": "article",
        "title": _unique("Ukraine war briefing"),
        "published_on": "2025-02-20",
        "published_precision": "day",
        "url": "https://example.org/briefing",
        "language": "en",
        "summary": "",
        "marking": "clear",
        "people": [{"person": SourceFactory(kind="person").pk, "role": "quoted"}],
        "cites": [
            {"publication": PublicationFactory().pk, "kind": "cites", "locator": "[5]", "note": ""}
        ],
    }


def unit_payload() -> dict[str, Any]:
    return {
        "name": _unique("Motorized Rifle Brigade"),
        "abbreviation": "MRB",
        "country": "RU",
        "echelon": "brigade",
        "branch": "motorized_rifle",
        "parent": UnitFactory(echelon="army").pk,
        "aliases": ["Storm-Z"],
        "honorifics": [
            {
                "title": "Guards",
                "awarded_on": "2024-07-01",
                "awarded_precision": "month",
                "awarded_by": "Vladimir Putin",
                "note": "",
            }
        ],
        "description": "",
    }


def location_payload() -> dict[str, Any]:
    return {
        "name": _unique("Pokrovsk"),
        "kind": "settlement",
        "parent": LocationFactory(kind="region").pk,
        "country": "UA",
        "latitude": "48.282000",
        "longitude": "37.181000",
        "precision": "settlement",
        "aliases": ["Krasnoarmeysk"],
        "description": "",
    }


def topic_payload() -> dict[str, Any]:
    name = _unique("POW executions")
    return {"name": name, "slug": name.lower().replace(" ", "-"), "description": ""}


@dataclass
class Resource:
    """An API resource as the permission matrix sees it."""

    name: str
    model: type[models.Model]
    make: Callable[[], models.Model]
    payload: Callable[[], dict[str, Any]]
    patch: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name


RESOURCES = [
    Resource("claims", Claim, ClaimFactory, claim_payload, {"status": "corroborated"}),
    Resource("citations", Citation, CitationFactory, citation_payload, {"credibility": 1}),
    Resource("sources", Source, SourceFactory, source_payload, {"reliability": "A"}),
    Resource(
        "publications", Publication, PublicationFactory, publication_payload, {"title": "New"}
    ),
    Resource("units", Unit, UnitFactory, unit_payload, {"abbreviation": "XYZ"}),
    Resource("locations", Location, LocationFactory, location_payload, {"description": "New"}),
    Resource("topics", Topic, TopicFactory, topic_payload, {"description": "New"}),
]

ACTIONS = ("list", "retrieve", "create", "put", "patch", "delete")
REASON = "Second source confirmed it."

# Reading needs a login; writing needs the role's model permission.
EXPECTED_STATUS = {
    "anonymous": dict.fromkeys(ACTIONS, 401),
    "viewer": {
        "list": 200,
        "retrieve": 200,
        "create": 403,
        "put": 403,
        "patch": 403,
        "delete": 403,
    },
    "editor": {
        "list": 200,
        "retrieve": 200,
        "create": 201,
        "put": 200,
        "patch": 200,
        "delete": 204,
    },
}


@pytest.fixture
def client_as(request):
    """``client_as("viewer")``: an API client of a persona (``anonymous`` for nobody)."""

    def make(persona: str):
        name = "api_client" if persona == "anonymous" else f"{persona}_api"
        return request.getfixturevalue(name)

    return make


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("persona", EXPECTED_STATUS)
@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_permission_matrix(client_as, resource, persona, action):
    """GIVEN one record of the resource
    WHEN a persona lists, reads, creates, replaces, patches or deletes
    THEN anonymous gets 401, a viewer may read only (403), an editor may do everything,
    and a refused write changes nothing."""
    record = resource.make()
    payload = resource.payload()  # builds the related records it refers to
    client = client_as(persona)
    collection = f"/api/{resource.name}/"
    detail = f"{collection}{record.pk}/"
    count_before = resource.model.objects.count()
    snapshot = resource.model.objects.filter(pk=record.pk).values().get()

    if action == "list":
        response = client.get(collection)
    elif action == "retrieve":
        response = client.get(detail)
    elif action == "create":
        response = client.post(collection, payload, format="json")
    elif action == "put":
        response = client.put(detail, {**payload, "reason": REASON}, format="json")
    elif action == "patch":
        # The patches change a judgement (status, credibility, reliability): a reason is due.
        response = client.patch(detail, {**resource.patch, "reason": REASON}, format="json")
    else:
        response = client.delete(detail)

    expected = EXPECTED_STATUS[persona][action]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert "detail" in response.json()
        assert resource.model.objects.count() == count_before
        assert resource.model.objects.filter(pk=record.pk).values().get() == snapshot
    elif action == "list":
        assert record.pk in [row["id"] for row in response.json()["results"]]
    elif action == "retrieve":
        assert response.json()["id"] == record.pk
    elif action == "create":
        assert resource.model.objects.count() == count_before + 1
        assert resource.model.objects.filter(pk=response.json()["id"]).exists()
    elif action == "patch":
        record.refresh_from_db()
        for name, value in resource.patch.items():
            assert getattr(record, name) == value
            assert response.json()[name] == value
    elif action == "put":
        assert response.json()["id"] == record.pk
        # Every resource's payload has a title or a name, except a citation's: its excerpt.
        label = next(name for name in ("title", "name", "excerpt") if name in payload)
        assert response.json()[label] == payload[label]
        record.refresh_from_db()
        assert getattr(record, label) == payload[label]
    elif action == "delete":
        if issubclass(resource.model, ArchivableModel):
            # Deleting archives: the row and its history stay, hidden from every list.
            record.refresh_from_db()
            assert record.archived_at is not None
            assert client.get(detail).status_code == 404
        else:
            assert not resource.model.objects.filter(pk=record.pk).exists()


def test_anonymous_is_told_how_to_authenticate(api_client):
    response = api_client.get("/api/claims/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


# ---------------------------------------------------------------------------------------------
# Protected deletes: 409 with a reason, and the record stays.
# ---------------------------------------------------------------------------------------------


def _publication_with_citation():
    return CitationFactory().publication


def _unit_with_involvement():
    return UnitInvolvementFactory().unit


def _unit_with_child():
    return UnitFactory(parent=UnitFactory(echelon="army"), echelon="brigade").parent


def _claim_with_citation():
    return CitationFactory().claim


def _source_with_publication():
    return PublicationFactory().source


def _location_with_child():
    return LocationFactory(parent=LocationFactory(kind="region")).parent


PROTECTED = [
    ("publications", Publication, _publication_with_citation, "citations"),
    ("units", Unit, _unit_with_involvement, "unit involvements"),
    ("units", Unit, _unit_with_child, "units"),
    ("claims", Claim, _claim_with_citation, "citations"),
    ("sources", Source, _source_with_publication, "publications"),
    ("locations", Location, _location_with_child, "locations"),
]


@pytest.mark.parametrize(
    ("name", "model", "make", "dependents"),
    PROTECTED,
    ids=[f"{name}-with-{dependents.replace(' ', '-')}" for name, _, _, dependents in PROTECTED],
)
def test_purge_of_a_record_with_dependents_is_a_conflict(
    superuser_api, name, model, make, dependents
):
    """GIVEN a record other records depend on (PROTECT)
    WHEN a superuser purges it for good
    THEN 409 with a ``detail`` naming the dependents, and the record is still there."""
    record = make()

    response = superuser_api.delete(f"/api/{name}/{record.pk}/?purge=true")

    assert response.status_code == 409
    body = response.json()
    assert dependents in body["detail"]
    assert body["code"] == "protected"
    assert dependents in body["dependents"]
    assert model.objects.filter(pk=record.pk).exists()


ARCHIVABLE_PROTECTED = [row for row in PROTECTED if issubclass(row[1], ArchivableModel)]
OTHER_PROTECTED = [row for row in PROTECTED if not issubclass(row[1], ArchivableModel)]


@pytest.mark.parametrize(
    ("name", "model", "make", "dependents"),
    OTHER_PROTECTED,
    ids=[f"{row[0]}-with-{row[3].replace(' ', '-')}" for row in OTHER_PROTECTED],
)
def test_deleting_a_never_archived_record_with_dependents_is_a_conflict(
    editor_api, name, model, make, dependents
):
    """Places and topics are not archived: a delete that would orphan evidence is a 409."""
    record = make()

    response = editor_api.delete(f"/api/{name}/{record.pk}/")

    assert response.status_code == 409
    assert dependents in response.json()["dependents"]
    assert model.objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize(
    ("name", "model", "make", "dependents"),
    ARCHIVABLE_PROTECTED,
    ids=[f"{row[0]}-with-{row[3].replace(' ', '-')}" for row in ARCHIVABLE_PROTECTED],
)
def test_an_editor_deleting_a_record_with_dependents_archives_it(
    editor_api, name, model, make, dependents
):
    """GIVEN a record evidence depends on WHEN an editor deletes it THEN it is archived (204),
    nothing is lost, and an editor can restore it."""
    record = make()

    assert editor_api.delete(f"/api/{name}/{record.pk}/").status_code == 204
    record.refresh_from_db()
    assert record.archived_at is not None
    assert editor_api.post(f"/api/{name}/{record.pk}/restore/").status_code == 200
    record.refresh_from_db()
    assert record.archived_at is None


# ---------------------------------------------------------------------------------------------
# Pagination
# ---------------------------------------------------------------------------------------------


def test_list_is_paginated_with_count_and_links(viewer_api):
    TopicFactory.create_batch(3)

    body = viewer_api.get("/api/topics/", {"page_size": 2}).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["previous"] is None
    assert "page=2" in body["next"]

    second = viewer_api.get(body["next"]).json()
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert second["previous"] is not None


def test_page_size_is_capped(viewer_api):
    """GIVEN more topics than the largest page
    WHEN a client asks for page_size=1000
    THEN it gets the maximum page size (200) and a link to the next page."""
    maximum = StandardPagination.max_page_size
    Topic.objects.bulk_create(
        [Topic(name=f"Topic {n}", slug=f"topic-{n}") for n in range(maximum + 1)]
    )

    body = viewer_api.get("/api/topics/", {"page_size": 1000}).json()

    assert maximum == 200
    assert body["count"] == maximum + 1
    assert len(body["results"]) == maximum
    assert body["next"] is not None


def test_default_page_size(viewer_api):
    Topic.objects.bulk_create([Topic(name=f"Topic {n}", slug=f"topic-{n}") for n in range(51)])

    body = viewer_api.get("/api/topics/").json()

    assert len(body["results"]) == StandardPagination.page_size == 50


# ---------------------------------------------------------------------------------------------
# Query counts: a list costs the same number of queries for 1 row as for 50, and the number
# is pinned so that an N+1 (or a forgotten prefetch) fails here.
# ---------------------------------------------------------------------------------------------

ROWS = 6


@pytest.fixture
def rich_world(viewer):
    """Six records of every resource, each with all its nested data filled in."""
    district = UnitFactory(name="Central Military District", echelon="military_district")
    government = SourceFactory(name="Ukrainian government", kind="government")
    region = LocationFactory(name="Donetsk Oblast", kind="region")
    units, publications, claims = [], [], []
    for n in range(ROWS):
        unit = UnitFactory(parent=district, abbreviation=f"{n}th MRB")
        UnitFactory(parent=unit, name=f"Storm detachment {n}", echelon="detachment")
        unit.aliases.create(name=f"Unit alias {n}")
        UnitHonorific.objects.create(unit=unit, title="Guards", awarded_on=dt.date(2024, 7, 1))
        units.append(unit)

        source = SourceFactory(affiliation=government)
        source.aliases.create(name=f"Source alias {n}")
        SourceFactory(kind="person", affiliation=source)
        publication = PublicationFactory(source=source)
        PublicationPerson.objects.create(publication=publication, person=government)
        if publications:
            PublicationReferenceFactory(citing=publication, cited=publications[-1])
        publications.append(publication)

        place = LocationFactory(parent=region)
        place.aliases.create(name=f"Place alias {n}")

        claim = ClaimFactory()
        claim.topics.add(TopicFactory(), TopicFactory())
        claim.locations.add(place, region)
        QuantityFactory.create_batch(2, claim=claim)
        CitationFactory(claim=claim, publication=publication)
        UnitInvolvementFactory(claim=claim, unit=unit, role="perpetrator", attributed_by=source)
        UnitInvolvementFactory(claim=claim, unit=district, role="mentioned")
        if claims:
            ClaimRelationFactory(from_claim=claim, to_claim=claims[-1])
        claims.append(claim)

        ApiToken.issue(viewer, f"token {n}")
    for claim, publication in zip(claims, reversed(publications), strict=True):
        CitationFactory(claim=claim, publication=publication, stance="disputes")


# Queries of every list, in order: the session, the user, COUNT(*) for the page, the page,
# then one query per prefetched relation and one per batch loaded by ``prepare_page``. Lists
# of marked records (claims, citations, publications) also read the reader's groups, once per
# request, for the marking rule (core.markings.marking_q).
LIST_QUERIES = {
    # session, user, count (PostgreSQL's estimate first, then up to the limit: claims reach
    # millions, ClaimQuerySet.estimate_count_first), claims (+authors), topics, locations,
    # quantities, citations (+publication +source), involvements (+unit +attributed_by),
    # relations (+to_claim), sharing groups, named recipients, ORBAT paths of the page's units,
    # the reader's groups
    "/api/claims/": 15,
    # session, user, the reader's groups, count (estimate, then up to the limit), claims: the
    # brief form loads only what it renders (ClaimQuerySet.with_brief_related)
    "/api/claims/?brief=1": 6,
    # session, user, the reader's groups, count, citations (+claim +publication +source)
    "/api/citations/": 5,
    # session, user, count, sources (+affiliation), aliases, members
    "/api/sources/": 6,
    "/api/sources/?brief=1": 6,
    # session, user, the reader's groups, count, visible publications (+source), people
    # (+person), references made (+cited +source), references received (+citing +source),
    # sharing groups, named recipients
    "/api/publications/": 10,
    "/api/publications/?brief=1": 10,
    # session, user, count, units (+parent), aliases, honorifics, children, chains of command
    "/api/units/": 8,
    # the same less the chains of command (aliases, honorifics, children are still prefetched)
    "/api/units/?brief=1": 7,
    # session, user, count, locations (+parent), aliases
    "/api/locations/": 5,
    "/api/locations/?brief=1": 5,
    # session, user, count, topics
    "/api/topics/": 4,
    # session, user, count, the user's tokens
    "/api/tokens/": 4,
}


def _page(url: str, size: int) -> str:
    return f"{url}{'&' if '?' in url else '?'}page_size={size}"


@pytest.mark.parametrize(("url", "queries"), LIST_QUERIES.items(), ids=list(LIST_QUERIES))
def test_list_queries_do_not_grow_with_rows(
    viewer_api, rich_world, url, queries, django_assert_max_num_queries
):
    """GIVEN six rows with all their nested data
    WHEN the list is read one row per page and fifty rows per page
    THEN both cost the same, pinned, number of queries."""
    with CaptureQueriesContext(connection) as one_row:
        response = viewer_api.get(_page(url, 1))
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1

    with django_assert_max_num_queries(queries), CaptureQueriesContext(connection) as many:
        response = viewer_api.get(_page(url, 50))
    assert response.status_code == 200
    assert len(response.json()["results"]) >= ROWS

    assert len(one_row) == len(many), [query["sql"] for query in many.captured_queries]


# ---------------------------------------------------------------------------------------------
# OpenAPI schema, docs and the browsable API
# ---------------------------------------------------------------------------------------------


def test_schema_is_served_to_a_logged_in_user(viewer_api):
    response = viewer_api.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/claims/" in response.content


def test_schema_is_not_served_to_anonymous(api_client):
    assert api_client.get("/api/schema/").status_code in (401, 403)


def test_schema_generates_without_warnings(tmp_path):
    """drf-spectacular validates the schema and fails on any warning (an untyped field,
    a view it cannot introspect)."""
    path = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))

    assert "/api/claims/{id}/" in path.read_text()


def test_docs_page_answers(viewer_api):
    assert viewer_api.get("/api/docs/").status_code == 200


def test_browsable_api_root_answers(viewer_api):
    response = viewer_api.get("/api/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"/api/claims/" in response.content


@pytest.mark.parametrize("path", ["/api/claims/", "/api/citations/", "/api/publications/"])
def test_browsable_api_renders_forms_with_summary_relations(superuser_client, path):
    """GIVEN records to relate to WHEN the browsable API draws its create form THEN the
    relation fields' choices are ids (regression: the summary dict as a choice key was a 500)."""
    claim = ClaimFactory()
    CitationFactory(claim=claim)
    response = superuser_client.get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "<select" in response.content.decode()


def test_list_filters_left_on_a_detail_url_do_not_hide_the_record(editor_api):
    """GIVEN a claim that a list filter would exclude
    WHEN its detail URL is read with that filter (and a search) left in the query string
    THEN the record is still answered: a detail is reached by its id alone."""
    claim = ClaimFactory(statement="Shelling of the bridge")
    other_unit = UnitFactory()
    response = editor_api.get(
        f"/api/claims/{claim.pk}/", {"unit": other_unit.pk, "search": "unrelated words"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["id"] == claim.pk
    listed = editor_api.get("/api/claims/", {"unit": other_unit.pk})
    assert claim.pk not in [row["id"] for row in listed.json()["results"]]


def test_write_permission_is_still_checked_against_the_declared_model(viewer_api):
    """GIVEN a viewer (read-only role)
    WHEN it tries to create a claim
    THEN it is refused: the permission check learns the model from the declared queryset."""
    response = viewer_api.post("/api/claims/", {"statement": "x"}, format="json")
    assert response.status_code == 403
    assert Claim.objects.count() == 0


@pytest.mark.parametrize(
    ("query", "filtered"),
    [
        ({"page": 1, "page_size": 2, "brief": 1, "format": "json"}, False),
        ({"page": 1, "status": "disputed"}, True),
        ({"page": 1, "unknown": "x"}, True),
    ],
    ids=["paging-only", "a-filter", "an-unknown-parameter"],
)
def test_a_list_asked_without_filters_builds_no_filterset(editor_api, monkeypatch, query, filtered):
    """GIVEN a list request WHEN its query string holds only paging and format parameters
    THEN django-filter's FilterSet (and its form) is not built, and the answer is the same;
    with anything else in the query string it is built and applied as always."""
    from claims.filtersets import ClaimFilterSet

    ClaimFactory(status=Claim.Status.DISPUTED)
    ClaimFactory(status=Claim.Status.UNVERIFIED)
    built = []
    original = ClaimFilterSet.__init__

    def counting_init(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(ClaimFilterSet, "__init__", counting_init)
    response = editor_api.get("/api/claims/", query)
    assert response.status_code == 200
    assert bool(built) is filtered
    statuses = {row["status"] for row in response.json()["results"]}
    assert statuses == ({"disputed"} if "status" in query else {"disputed", "unverified"})


def test_a_bad_filter_value_is_still_refused_with_the_paging_parameters(editor_api):
    response = editor_api.get("/api/claims/", {"page": 1, "status": "no-such-status"})
    assert response.status_code == 400
    assert "status" in response.json()
