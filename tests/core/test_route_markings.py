"""Every read route, walked from the URL resolver, answers the same whether or not records the
user may not see exist: so no list, count, facet, search, page of results, nested list,
history, form choice or download escapes ``visible_to(user)``.

For each persona, the test renders every read route (API, pages and the admin) on a small
visible world, then adds hidden records (AMBER, AMBER+STRICT and RED claims and publications
of the same source, citations between hidden and visible records, a hidden unit involvement,
relations, references, an evidence file, an archived claim) and renders them again. After
volatile parts are normalised (CSRF tokens, timestamps, versions) the two must be identical.
A hidden record's detail routes must answer exactly like an unknown id.

A new route with path parameters needs an entry in ``RECORD_OF_ROUTE`` (which visible record
fills them) or in ``NOT_READ_ROUTES`` (why it is not a read path): the test says so by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from core.roles import DOMAIN_APPS, EDITOR
from sources.services import store_evidence
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
    UserFactory,
)
from units.models import Unit

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))

# What each persona may not see (core.markings.marking_q): editors see every AMBER record.
HIDDEN_MARKINGS = {
    "outsider": ("amber", "amber+strict", "red"),
    "editor": ("amber+strict", "red"),
}

# The visible record whose id fills a route's path parameters: API basenames, page names and
# admin model names (``app_model``).
RECORD_OF_ROUTE = {
    "claim": "claim",
    "citation": "citation",
    "location": "location",
    "topic": "topic",
    "source": "source",
    "publication": "publication",
    "evidencefile": "evidence",
    "unit": "unit",
    "claims:detail": "claim",
    "claims:edit": "claim",
    "places:detail": "location",
    "sources:detail": "source",
    "sources:publication": "publication",
    "units:detail": "unit",
    "claims_claim": "claim",
    "claims_citation": "citation",
    "places_location": "location",
    "claims_topic": "topic",
    "claims_claimrelation": "relation",
    "claims_unitinvolvement": "involvement",
    "sources_source": "source",
    "sources_publication": "publication",
    "sources_publicationreference": "reference",
    "sources_evidencefile": "evidence",
    "units_unit": "unit",
}

# Routes that are not read paths of marked data, and why.
NOT_READ_ROUTES = {
    "token-list": "a user's own API tokens; nothing marked",
    "token-detail": "a user's own API tokens; nothing marked",
    "api-schema": "the same document for everybody; no records",
    "api-docs": "the same page for everybody; no records",
    "login": "no records",
    "logout": "no records",
    "password_change": "no records",
    "password_change_done": "no records",
    "password_reset": "no records",
    "password_reset_done": "no records",
    "password_reset_confirm": "no records",
    "password_reset_complete": "no records",
    "rest_framework:login": "no records",
    "rest_framework:logout": "no records",
    "admin:login": "no records",
    "admin:logout": "no records",
    "admin:password_change": "no records",
    "admin:password_change_done": "no records",
    "admin:jsi18n": "static translations",
    "admin:view_on_site": "redirects to a page compared here",
}
# Admin views of one historical version need a history row id; the history list is compared.
ADMIN_VIEWS = ("changelist", "add", "change", "history", "delete")

# Routes that answer only with a query string (below).
NEEDS_QUERY = {"admin:autocomplete"}

# Extra query strings for list routes: search, paging, and the filters that reach marked
# records through others. Placeholders are visible records' ids.
SEARCH = "search=Robotyne"
LIST_QUERIES = {
    "claim-list": [
        SEARCH,
        "page_size=1",
        "brief=1",
        "unit={unit}&include_subordinates=true",
        "unit={army}&include_subordinates=true",
        "source={source}",
        "publication={publication}",
        "location={location}",
        "topic={topic_slug}",
        "marking=red",
        "ordering=-grade",
    ],
    "citation-list": [SEARCH, "claim={claim}", "publication={publication}", "source={source}"],
    "publication-list": [SEARCH, "source={source}", "marking=amber", "page_size=1"],
    "evidencefile-list": ["publication={publication}"],
    "source-list": [SEARCH],
    "unit-list": [SEARCH, "ancestor={army}"],
    "location-list": [SEARCH],
    "topic-list": [SEARCH],
    "claims:list": [
        SEARCH,
        "page_size=1",
        "unit={army}&include_subordinates=true",
        "source={source}",
        "location={location}",
        "topic={topic_slug}",
    ],
    "claims:timeline": [SEARCH, "source={source}"],
    "claims:map": [SEARCH, "unit={unit}"],
    "admin:claims_claim_changelist": ["q=Robotyne", "marking__exact=red"],
    "admin:sources_publication_changelist": ["q=Robotyne"],
    "admin:claims_citation_changelist": ["q=Robotyne"],
    "admin:autocomplete": [
        "app_label=claims&model_name=claimrelation&field_name=to_claim&term=",
        "app_label=claims&model_name=claimrelation&field_name=to_claim&term=Robotyne",
        "app_label=claims&model_name=claim&field_name=topics&term=",
    ],
}


# -- the records -------------------------------------------------------------------------------


def _evidence(publication, content: bytes):
    upload = SimpleUploadedFile("photo.png", content, content_type="image/png")
    return store_evidence(publication, upload, user=None, sensitivity="none").evidence


def visible_world() -> SimpleNamespace:
    """Records every persona sees: a source, two publications (one citing the other), two
    claims with citations, a unit under an army, a place, a topic, a relation, a file."""
    w = SimpleNamespace()
    w.source = SourceFactory(name="Financial Times")
    w.publication = PublicationFactory(source=w.source, title="FT investigation of Robotyne")
    w.other_publication = PublicationFactory(
        source=w.source, title="ISW assessment", marking="green"
    )
    w.reference = PublicationReferenceFactory(citing=w.other_publication, cited=w.publication)
    w.army = UnitFactory(name="2nd Combined Arms Army", echelon=Unit.Echelon.ARMY)
    w.unit = UnitFactory(name="30th Motorized Rifle Brigade", parent=w.army)
    w.location = LocationFactory(name="Robotyne")
    w.topic = TopicFactory(name="POW executions")
    w.claim = ClaimFactory(title="POWs shot near Robotyne")
    w.other_claim = ClaimFactory(title="Storm detachment near Pokrovsk", marking="green")
    for claim in (w.claim, w.other_claim):
        claim.topics.add(w.topic)
        claim.locations.add(w.location)
    w.citation = CitationFactory(claim=w.claim, publication=w.publication)
    CitationFactory(claim=w.other_claim, publication=w.other_publication)
    w.involvement = UnitInvolvementFactory(claim=w.claim, unit=w.unit, attributed_by=w.source)
    w.relation = ClaimRelationFactory(from_claim=w.claim, to_claim=w.other_claim)
    QuantityFactory(claim=w.claim)
    w.evidence = _evidence(w.publication, PNG)
    w.topic_slug = w.topic.slug
    return w


def add_hidden(w: SimpleNamespace, markings: tuple[str, ...]) -> dict[str, list]:
    """Records the persona may not see, tied to the visible ones every way the model allows.

    Returns them by route kind, for the "hidden answers like unknown" checks.
    """
    hidden: dict[str, list] = {"claim": [], "publication": [], "citation": [], "evidence": []}
    for marking in markings:
        publication = PublicationFactory(
            source=w.source, title=f"Robotyne report ({marking})", marking=marking
        )
        claim = ClaimFactory(title=f"Executions near Robotyne ({marking})", marking=marking)
        claim.topics.add(w.topic)
        claim.locations.add(w.location)
        hidden["claim"].append(claim)
        hidden["publication"].append(publication)
        hidden["citation"] += [
            CitationFactory(claim=claim, publication=w.publication, excerpt="Robotyne"),
            CitationFactory(claim=w.claim, publication=publication, excerpt="Robotyne"),
            CitationFactory(claim=claim, publication=publication),
        ]
        UnitInvolvementFactory(claim=claim, unit=w.unit, attributed_by=w.source)
        ClaimRelationFactory(from_claim=w.claim, to_claim=claim)
        ClaimRelationFactory(from_claim=claim, to_claim=w.claim)
        PublicationReferenceFactory(citing=w.publication, cited=publication)
        PublicationReferenceFactory(citing=publication, cited=w.other_publication)
        hidden["evidence"].append(_evidence(publication, PNG + marking.encode()))
    # Archived records are absent too (for editors, until they ask for the archive).
    archived = ClaimFactory(title="Archived claim near Robotyne")
    archived.topics.add(w.topic)
    CitationFactory(claim=archived, publication=w.publication)
    archived.archive()
    hidden["archived claim"] = [archived]
    return hidden


def persona(name: str):
    """A client logged in as the persona, and the user."""
    user = UserFactory(username=name)
    if name == "editor":
        user.groups.add(Group.objects.get(name=EDITOR))
    client = APIClient()
    client.force_login(user)
    return client, user


# -- the routes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """A named URL pattern and the names of its path parameters."""

    name: str
    params: tuple[str, ...]


def walk(patterns=None, namespace: str = "") -> Iterator[Route]:
    """Every named URL pattern of the project with its path parameter names."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            regex = pattern.pattern.regex
            params = tuple(name for name in regex.groupindex if name != "format")
            # Unnamed groups (simple-history's version pages) count as parameters too.
            params += ("",) * (regex.groups - len(regex.groupindex))
            yield Route(f"{namespace}{pattern.name}", params)


def record_key(route: Route) -> str | None:
    """The ``RECORD_OF_ROUTE`` key of a route (its API basename, page name or admin model)."""
    if route.name.startswith("admin:"):
        view = route.name.removeprefix("admin:")
        for suffix in ADMIN_VIEWS:
            if view.endswith(f"_{suffix}"):
                return view.removesuffix(f"_{suffix}")
        return None
    if "-" in route.name and ":" not in route.name:
        return route.name.rsplit("-", 1)[0]
    return route.name


def read_urls(w: SimpleNamespace) -> tuple[list[tuple[str, str]], list[str]]:
    """(route name, URL) of every read request, and the routes the test cannot fill."""
    urls: list[tuple[str, str]] = []
    unfilled: list[str] = []
    seen: set[str] = set()
    for route in walk():
        if route.name in seen or route.name in NOT_READ_ROUTES:
            continue
        seen.add(route.name)
        key = record_key(route)
        if route.name.startswith("admin:"):
            app = (key or "").split("_", 1)[0]
            if route.name.endswith("_simple_history"):
                continue  # one historical version: needs a history id, checked by id below
            if (
                key is None
                and route.name not in LIST_QUERIES
                and route.name
                not in {
                    "admin:index",
                    "admin:app_list",
                }
            ):
                continue  # a historical version, or the admin's own redirects
            if key is not None and app not in DOMAIN_APPS:
                continue  # users, groups, tokens, lock-out logs: nothing marked
        kwargs: dict[str, object] = {}
        if route.params:
            if route.name == "admin:app_list":
                kwargs = {"app_label": "claims"}
            elif key in RECORD_OF_ROUTE:
                record = getattr(w, RECORD_OF_ROUTE[key])
                kwargs = {route.params[0]: record.pk}
            else:
                unfilled.append(route.name)
                continue
        url = reverse(route.name, kwargs=kwargs or None)
        if route.name not in NEEDS_QUERY:
            urls.append((route.name, url))
        ids = {name: getattr(value, "pk", value) for name, value in vars(w).items()}
        for query in LIST_QUERIES.get(route.name, []):
            urls.append((route.name, f"{url}?{query.format(**ids)}"))
    return urls, unfilled


# -- comparing answers -------------------------------------------------------------------------

VOLATILE = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+'), r"\1<csrf>"),
    (re.compile(r'(nonce=")[^"]+'), r"\1<nonce>"),
    (
        re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"),
        "<when>",
    ),
    (
        re.compile(
            r"[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}, (\d{1,2}(:\d{2})? [ap]\.m\.|noon|midnight)"
        ),
        "<when>",
    ),
    (re.compile(r"\d{1,2}(:\d{2})? [ap]\.m\."), "<time>"),
    # A STIX bundle gets a new id on every export (its objects' ids are stable).
    (re.compile(r"bundle--[0-9a-f-]{36}"), "bundle--<id>"),
]


def normalised(response) -> str:
    """Status and body of ``response`` without the parts that change between two renders."""
    if response.streaming:
        body = b"".join(response.streaming_content).decode("latin-1")
    else:
        body = response.content.decode()
    for pattern, replacement in VOLATILE:
        body = pattern.sub(replacement, body)
    location = response.get("Location", "")
    return f"{response.status_code} {location}\n{body}"


def first_difference(before: str, after: str) -> str:
    """The first differing line of two answers, for a readable failure."""
    for old, new in zip(before.splitlines(), after.splitlines(), strict=False):
        if old != new:
            return f"without hidden records: {old.strip()[:200]!r}\n    with: {new.strip()[:200]!r}"
    return "the answers differ in length"


@pytest.mark.parametrize("name", ["outsider", "editor"])
def test_no_read_route_changes_when_hidden_records_exist(name, settings, tmp_path):
    """GIVEN a persona and a visible world
    WHEN records the persona may not see are added, linked to the visible ones every way
    THEN every read route (lists with search, filters and pages; details; nested lists;
    histories; downloads; forms' choices; the admin) answers exactly as before."""
    settings.MEDIA_ROOT = tmp_path
    w = visible_world()
    client, _user = persona(name)
    urls, unfilled = read_urls(w)
    assert not unfilled, (
        "These routes have path parameters the marking test cannot fill: add each to "
        "RECORD_OF_ROUTE (which visible record) or NOT_READ_ROUTES (why it reads nothing "
        f"marked) in tests/core/test_route_markings.py: {unfilled}"
    )
    before = {url: normalised(client.get(url)) for _route, url in urls}

    add_hidden(w, HIDDEN_MARKINGS[name])

    leaks = []
    for route, url in urls:
        after = normalised(client.get(url))
        if after != before[url]:
            leaks.append(f"{route} ({url}): {first_difference(before[url], after)}")
    assert not leaks, "Hidden records change these answers:\n" + "\n".join(leaks)
    # The comparison is only worth something if the routes answered at all.
    # (403: the outsider on write forms; 405: a POST-only action such as restore.)
    answered = ("200", "302", "403", "405")
    assert all(text.startswith(answered) for text in before.values()), [
        (url, text[:120]) for url, text in before.items() if not text.startswith(answered)
    ]
    assert before[reverse("claim-list")].startswith('200 \n{"count":2,')


# Routes that take a marked record's id (or filter by one), by kind of record.
ID_ROUTES = {
    "claim": [
        "claim-detail",
        "claim-history",
        "claims:detail",
        "claims:edit",
        "admin:claims_claim_change",
        "admin:claims_claim_history",
        "admin:claims_claim_delete",
        "admin:claims_claim_simple_history",
    ],
    "publication": [
        "publication-detail",
        "publication-history",
        "sources:publication",
        "admin:sources_publication_change",
        "admin:sources_publication_history",
        "admin:sources_publication_simple_history",
    ],
    "citation": [
        "citation-detail",
        "citation-history",
        "admin:claims_citation_change",
        "admin:claims_citation_history",
        "admin:claims_citation_simple_history",
    ],
    "evidence": [
        "evidencefile-detail",
        "evidencefile-history",
        "evidencefile-download",
        "admin:sources_evidencefile_change",
        "admin:sources_evidencefile_history",
        "admin:sources_evidencefile_simple_history",
    ],
}
ID_FILTERS = {
    "claim": ["citation-list?claim={id}"],
    "publication": [
        "claim-list?publication={id}",
        "citation-list?publication={id}",
        "evidencefile-list?publication={id}",
    ],
}
UNKNOWN_ID = 987654321


def _id_url(route: str, pk: int, version: int) -> str:
    if "?" in route:
        name, query = route.split("?")
        return f"{reverse(name)}?{query.format(id=pk)}"
    if route.endswith("_simple_history"):
        return reverse(route, args=[pk, version])
    param = "object_id" if route.startswith("admin:") else "pk"
    return reverse(route, kwargs={param: pk})


def _without_ids(text: str, *ids: int) -> str:
    """``text`` with the ids asked for replaced, in the body only (not the status line)."""
    status, _, rest = text.partition(" ")
    for pk in ids:
        rest = re.sub(rf"(?<![\d]){pk}(?![\d])", "<id>", rest)
    return f"{status} {rest}"


@pytest.mark.parametrize("name", ["outsider", "editor"])
def test_a_hidden_record_answers_like_an_unknown_id(name, settings, tmp_path):
    """GIVEN hidden claims, publications, citations and files
    WHEN the persona asks for one by id (detail, history, download, edit form, admin pages)
    or filters a list by it
    THEN the answer is the one for an id that does not exist: same status, same body."""
    settings.MEDIA_ROOT = tmp_path
    w = visible_world()
    hidden = add_hidden(w, HIDDEN_MARKINGS[name])
    client, _user = persona(name)

    if name == "outsider":
        hidden["claim"] += hidden["archived claim"]
    # (Editors may open archived records in the admin and the API's archive: not hidden.)
    leaks = []
    for kind, records in hidden.items():
        for route in ID_ROUTES.get(kind, []) + ID_FILTERS.get(kind, []):
            unknown_url = _id_url(route, UNKNOWN_ID, UNKNOWN_ID + 1)
            unknown = _without_ids(normalised(client.get(unknown_url)), UNKNOWN_ID, UNKNOWN_ID + 1)
            for record in records:
                version = record.history.latest("history_date").history_id
                answer = normalised(client.get(_id_url(route, record.pk, version)))
                answer = _without_ids(answer, record.pk, version)
                if answer != unknown:
                    leaks.append(f"{route} for {record}: {first_difference(unknown, answer)}")
    assert not leaks, "A hidden record answers differently from an unknown one:\n" + "\n".join(
        leaks
    )


def test_the_routes_named_here_exist():
    """Entries for routes that were renamed or removed would silently test nothing."""
    names = {route.name for route in walk()}
    listed = {*NOT_READ_ROUTES, *LIST_QUERIES}
    listed |= {r for routes in ID_ROUTES.values() for r in routes}
    listed |= {r.split("?")[0] for routes in ID_FILTERS.values() for r in routes}
    assert not sorted(listed - names)


# Writes that name a marked record by id: the answer must not tell a hidden id from an unknown.
ID_WRITES = {
    "claim": [
        ("citation-list", lambda w, pk: {"claim": pk, "publication": w.publication.pk}),
        ("claim-detail", lambda w, pk: {"related": [{"claim": pk, "kind": "supports"}]}),
    ],
    "publication": [
        ("citation-list", lambda w, pk: {"claim": w.claim.pk, "publication": pk}),
        ("publication-detail", lambda w, pk: {"cites": [{"publication": pk}]}),
        ("evidencefile-list", lambda w, pk: {"publication": pk, "sensitivity": "none"}),
    ],
}


def test_a_write_naming_a_hidden_record_answers_like_an_unknown_id(settings, tmp_path):
    """GIVEN an editor and records hidden from them
    WHEN they create or change a record naming a hidden one by id (a citation's claim or
    publication, a related claim, a reference, a file's publication)
    THEN the 400 is the one for an id that does not exist, and nothing is written."""
    settings.MEDIA_ROOT = tmp_path
    w = visible_world()
    hidden = add_hidden(w, HIDDEN_MARKINGS["editor"])
    client, _user = persona("editor")

    leaks = []
    for kind, writes in ID_WRITES.items():
        for route, body in writes:
            detail = route.endswith("-detail")
            url = reverse(route, kwargs={"pk": getattr(w, kind).pk} if detail else None)
            send = client.patch if detail else client.post
            unknown = normalised(send(url, body(w, UNKNOWN_ID)))
            assert unknown.startswith("400"), (route, unknown[:200])
            unknown = _without_ids(unknown, UNKNOWN_ID)
            for record in hidden[kind]:
                answer = _without_ids(normalised(send(url, body(w, record.pk))), record.pk)
                if answer != unknown:
                    leaks.append(f"{route} naming {record}: {first_difference(unknown, answer)}")
    assert not leaks, "A write naming a hidden record answers differently:\n" + "\n".join(leaks)


def test_a_visible_records_history_names_no_hidden_record(viewer_api):
    """GIVEN a CLEAR citation that was first attached to a publication now marked RED
    WHEN a viewer reads the citation's history
    THEN the move is left out: the RED publication's id appears nowhere."""
    red = PublicationFactory(title="NIS briefing", marking="red")
    clear = PublicationFactory(title="FT investigation")
    citation = CitationFactory(publication=red, excerpt="Executions")
    citation.publication = clear
    citation.excerpt = "Executions near Robotyne"
    citation.save()

    history = viewer_api.get(f"/api/citations/{citation.pk}/history/").json()

    changed = [c["field"] for e in history["results"] for c in e["changes"]]
    assert changed == ["excerpt"]
    assert all(
        red.pk not in (c["before"], c["after"]) for e in history["results"] for c in e["changes"]
    )
