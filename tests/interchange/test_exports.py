"""Exports of the filtered claim set (``interchange.exports``, ``/api/export/...``): STIX 2.1,
ClaimReview (schema.org JSON-LD) and GeoJSON."""

import datetime as dt
import json
import re
import tracemalloc
import uuid
from decimal import Decimal

import pytest
import stix2
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.models import Claim, UnitInvolvement
from devdata.demo import demo_uuid
from interchange.exports import stix as stix_module
from sources.models import Source
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    LocationFactory,
    PublicationFactory,
    SourceFactory,
    UnitFactory,
    UnitInvolvementFactory,
)
from units.models import Unit

STIX = "/api/export/stix/"
CLAIMREVIEW = "/api/export/claimreview/"
GEOJSON = "/api/export/geojson/"
EXPORTS = (STIX, CLAIMREVIEW, GEOJSON)

TLP_2_IDS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


def body_of(response) -> bytes:
    """The whole body of a streamed (or plain) response."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def export(client, url: str, params: dict | None = None) -> dict | list:
    """GET an export, check it answered 200, and parse its JSON."""
    response = client.get(url, params or {})
    assert response.status_code == 200, body_of(response)[:500]
    return json.loads(body_of(response))


def reports(bundle: dict) -> list[dict]:
    return [obj for obj in bundle["objects"] if obj["type"] == "report"]


def report_claim_uuids(bundle: dict) -> set[str]:
    """Our claim uuids behind the reports (the first external reference points home)."""
    return {report["external_references"][0]["external_id"] for report in reports(bundle)}


def uuids_of(claims) -> set[str]:
    return {str(claim.uuid) for claim in claims}


def api_claim_uuids(client, params: dict) -> set[str]:
    """What ``/api/claims/`` lists for the same filters (every page)."""
    response = client.get("/api/claims/", {**params, "page_size": 200, "brief": 1})
    assert response.status_code == 200
    assert response.json()["count"] <= 200
    ids = [row["id"] for row in response.json()["results"]]
    return {str(u) for u in Claim.objects.filter(pk__in=ids).values_list("uuid", flat=True)}


def references(value, key: str = "") -> list[str]:
    """Every STIX id in a ``*_ref`` or ``*_refs`` property, at any depth."""
    found: list[str] = []
    if isinstance(value, dict):
        for name, item in value.items():
            found += references(item, name)
    elif isinstance(value, list):
        for item in value:
            found += references(item, key)
    elif isinstance(value, str) and (key.endswith("_ref") or key.endswith("_refs")):
        found.append(value)
    return found


def assert_valid_stix(bundle: dict) -> None:
    """The bundle and each object parse with the stix2 library; every reference resolves
    inside the bundle; every marking is an official TLP 2.0 one."""
    parsed = stix2.parse(json.dumps(bundle), allow_custom=True)
    assert parsed.type == "bundle"
    ids = [obj["id"] for obj in bundle["objects"]]
    assert len(ids) == len(set(ids)), "an object is repeated"
    for obj in bundle["objects"]:
        assert stix2.parse(obj, allow_custom=True).id == obj["id"]
        for ref in references(obj):
            assert ref in ids, f"{obj['id']} points at {ref}, which is not in the bundle"
        for marking in obj.get("object_marking_refs", []):
            assert marking in TLP_2_IDS.values()


# ---------------------------------------------------------------------------------------------
# Personas and data
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def outsider_api(outsider):
    client = APIClient()
    client.force_login(outsider)
    return client


def demo_record(model, key: str):
    return model.objects.get(uuid=demo_uuid(model, key))


@pytest.fixture
def pokrovsk_claim(db, django_capture_on_commit_callbacks):
    """A claim with everything an export maps: a person of a body quoted with a footnote and
    an excerpt, a unit attributed by an outlet, and a place with coordinates (its grade
    computed as on a commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        return _pokrovsk_claim()


def _pokrovsk_claim() -> Claim:
    body = SourceFactory(name="Main Intelligence Directorate", kind=Source.Kind.INTELLIGENCE)
    person = SourceFactory(
        name="Kyrylo Budanov",
        kind=Source.Kind.PERSON,
        affiliation=body,
        role="Head",
        reliability="B",
    )
    forbes = SourceFactory(name="Forbes")
    claim = ClaimFactory(
        title="POWs shot near Pokrovsk",
        status=Claim.Status.CORROBORATED,
        confidence="likely",
        marking="green",
    )
    CitationFactory(
        claim=claim,
        publication=PublicationFactory(
            source=person, title="Interview", url="https://example.org/interview"
        ),
        excerpt="They shot six prisoners.",
        locator_footnote="5",
        credibility=2,
    )
    unit = UnitFactory(name="30th Motorized Rifle Brigade")
    UnitInvolvementFactory(
        claim=claim, unit=unit, role=UnitInvolvement.Role.ATTRIBUTED, attributed_by=forbes
    )
    place = LocationFactory(
        name="Pokrovsk", country="UA", latitude=Decimal("48.282"), longitude=Decimal("37.176")
    )
    claim.locations.add(place)
    return claim


# ---------------------------------------------------------------------------------------------
# STIX 2.1
# ---------------------------------------------------------------------------------------------


def test_the_demo_data_leaves_as_a_valid_stix_bundle_with_stable_ids(demo, superuser_api):
    """GIVEN the demo data WHEN a superuser exports everything twice
    THEN each bundle is valid STIX 2.1 (stix2 parses it and every object, every reference
    resolves, markings are the TLP 2.0 ids), one report per claim, and the two exports give
    the same ids (OpenCTI dedups on them) in different bundles."""
    response = superuser_api.get(STIX)
    assert response["Content-Type"] == "application/stix+json;version=2.1"
    assert response.streaming
    first = json.loads(body_of(response))
    second = export(superuser_api, STIX)

    assert_valid_stix(first)
    assert report_claim_uuids(first) == uuids_of(Claim.objects.all())
    assert [obj["id"] for obj in first["objects"]] == [obj["id"] for obj in second["objects"]]
    assert first["id"] != second["id"]
    markings = {obj["id"] for obj in first["objects"] if obj["type"] == "marking-definition"}
    assert markings == set(TLP_2_IDS.values())
    # The 30th MRB, its army and the Storm detachment arrive as identities with their ORBAT.
    brigade = demo_record(Unit, "30th-mrb")
    unit = next(
        o for o in first["objects"] if o["id"] == stix_module.stix_id("identity", brigade.uuid)
    )
    assert unit["identity_class"] == "organization"
    assert unit["x_claimtrace_orbat"] == "30th MRB › 2nd CAA › Central MD"


def test_a_claim_maps_to_a_report_with_its_evidence_units_people_and_place(
    pokrovsk_claim, viewer_api
):
    """GIVEN a claim quoted from Budanov (of GUR) with footnote [5], attributed by Forbes to the
    30th MRB, at Pokrovsk WHEN a viewer exports it to STIX
    THEN the report refers to the unit, the people and the place; the citation is an external
    reference with the excerpt and the footnote; the unit's part is a related-to relationship
    with the role; Budanov is an individual related to GUR; confidence "likely" is 70."""
    bundle = export(viewer_api, STIX)
    assert_valid_stix(bundle)
    objects = {obj["id"]: obj for obj in bundle["objects"]}
    claim = pokrovsk_claim
    report = objects[stix_module.stix_id("report", claim.uuid)]

    assert report["name"] == "POWs shot near Pokrovsk"
    assert report["description"] == claim.statement
    assert report["published"].endswith("Z")
    assert report["report_types"] == ["claim"]
    assert report["object_marking_refs"] == [TLP_2_IDS["green"]]
    assert report["confidence"] == 70
    assert report["x_claimtrace_grade"] == "B2"
    assert report["x_claimtrace_status"] == "corroborated"
    assert report["external_references"][1] == {
        "source_name": "Kyrylo Budanov",
        "description": "They shot six prisoners.",
        "url": "https://example.org/interview",
        "external_id": "[5]",
    }
    assert report["external_references"][0]["url"] == f"http://testserver/claims/{claim.pk}/"

    unit = Unit.objects.get(name="30th Motorized Rifle Brigade")
    unit_id = stix_module.stix_id("identity", unit.uuid)
    relation = objects[stix_module.stix_id("relationship", claim.involvements.get().uuid)]
    assert relation["relationship_type"] == "related-to"
    assert (relation["source_ref"], relation["target_ref"]) == (report["id"], unit_id)
    assert relation["description"] == "Attributed (attributed by Forbes)"
    assert relation["x_claimtrace_role"] == "attributed"
    assert relation["object_marking_refs"] == [TLP_2_IDS["green"]]

    budanov = Source.objects.get(name="Kyrylo Budanov")
    gur = Source.objects.get(name="Main Intelligence Directorate")
    person = objects[stix_module.stix_id("identity", budanov.uuid)]
    assert (person["identity_class"], person["roles"]) == ("individual", ["Head"])
    assert objects[stix_module.stix_id("identity", gur.uuid)]["identity_class"] == "organization"
    affiliation = next(
        obj for obj in objects.values() if obj.get("x_claimtrace_relation") == "affiliation"
    )
    assert affiliation["source_ref"] == person["id"]
    assert affiliation["target_ref"] == stix_module.stix_id("identity", gur.uuid)

    place = objects[stix_module.stix_id("location", claim.locations.get().uuid)]
    assert (place["latitude"], place["longitude"], place["country"]) == (48.282, 37.176, "UA")
    forbes = stix_module.stix_id("identity", Source.objects.get(name="Forbes").uuid)
    assert set(report["object_refs"]) == {
        unit_id,
        relation["id"],
        person["id"],
        place["id"],
        forbes,
    }
    assert all(obj["created_by_ref"] == bundle["objects"][5]["id"] for obj in reports(bundle))


def test_stix_ids_are_uuid5_of_our_record_uuids(pokrovsk_claim):
    expected = uuid.uuid5(stix_module.NAMESPACE, str(pokrovsk_claim.uuid))
    assert stix_module.stix_id("report", pokrovsk_claim.uuid) == f"report--{expected}"


@pytest.mark.parametrize(
    ("confidence", "grade", "expected"),
    [("almost_certain", "", 95), ("unlikely", "A1", 30), ("", "C3", 50), ("", "F6", None)],
)
def test_stix_confidence_from_icd203_then_from_the_grade(confidence, grade, expected):
    """ICD 203 wins (STIX Appendix A DNI scale); otherwise the grade's credibility (Admiralty
    table); credibility 6 (cannot be judged) has no STIX confidence."""
    claim = Claim(confidence=confidence, best_grade=grade)
    assert stix_module.confidence(claim) == expected


def test_a_green_claim_citing_an_amber_publication_travels_as_amber(editor_api):
    """GIVEN a GREEN claim with a citation of an AMBER publication, seen by an editor
    THEN the report, which carries that citation, is marked AMBER, the stricter of the two."""
    claim = ClaimFactory(marking="green")
    CitationFactory(claim=claim, publication=PublicationFactory(marking="amber"))

    report = reports(export(editor_api, STIX))[0]

    assert report["object_marking_refs"] == [TLP_2_IDS["amber"]]
    assert report["x_claimtrace_marking"] == "green"


def test_a_claim_without_units_sources_or_places_still_refers_to_something(viewer_api):
    """STIX requires a non-empty object_refs: a bare claim points at its author."""
    ClaimFactory()

    bundle = export(viewer_api, STIX)

    assert_valid_stix(bundle)
    assert reports(bundle)[0]["object_refs"] == [reports(bundle)[0]["created_by_ref"]]


def test_batches_join_into_one_valid_document(monkeypatch, viewer_api):
    """GIVEN batches of two claims WHEN five claims with places and verdicts are exported
    THEN each format is still one valid document with all five."""
    monkeypatch.setattr("interchange.exports.BATCH_SIZE", 2)
    place = LocationFactory(latitude=Decimal("50.45"), longitude=Decimal("30.52"))
    claims = ClaimFactory.create_batch(5, status=Claim.Status.REFUTED)
    for claim in claims:
        claim.locations.add(place)

    bundle = export(viewer_api, STIX)
    assert_valid_stix(bundle)
    assert report_claim_uuids(bundle) == uuids_of(claims)
    assert len(export(viewer_api, CLAIMREVIEW)) == 5
    assert len(export(viewer_api, GEOJSON)["features"]) == 5


# ---------------------------------------------------------------------------------------------
# ClaimReview
# ---------------------------------------------------------------------------------------------


def test_claimreview_rates_each_verdict_and_lists_where_the_claim_appeared(
    pokrovsk_claim, viewer_api
):
    """GIVEN a corroborated, a disputed, a refuted and an unverified claim
    THEN the first three are ClaimReviews rated 5, 3 and 1 with the status as alternateName,
    the unverified one (no verdict yet) is left out, and the appearance lists the citing
    publication with its URL, date and author."""
    disputed = ClaimFactory(status=Claim.Status.DISPUTED)
    refuted = ClaimFactory(status=Claim.Status.REFUTED)
    ClaimFactory(status=Claim.Status.UNVERIFIED)

    response = viewer_api.get(CLAIMREVIEW)
    assert response["Content-Type"] == "application/ld+json"
    reviews = {review["identifier"]: review for review in json.loads(body_of(response))}

    assert set(reviews) == uuids_of([pokrovsk_claim, disputed, refuted])
    ratings = {key: review["reviewRating"] for key, review in reviews.items()}
    assert ratings[str(refuted.uuid)]["ratingValue"] == 1
    assert ratings[str(disputed.uuid)]["ratingValue"] == 3
    review = reviews[str(pokrovsk_claim.uuid)]
    assert review["@context"] == "https://schema.org"
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == pokrovsk_claim.statement
    assert review["reviewRating"]["ratingValue"] == 5
    assert review["reviewRating"]["alternateName"] == "Corroborated"
    assert review["reviewRating"]["ratingExplanation"].startswith("Best grade B2")
    assert review["author"] == {"@type": "Organization", "name": "Claimtrace"}
    assert review["url"] == f"http://testserver/claims/{pokrovsk_claim.pk}/"
    assert review["conditionsOfAccess"] == "TLP:GREEN"
    assert review["itemReviewed"]["appearance"] == [
        {
            "@type": "CreativeWork",
            "name": "Interview",
            "author": {"@type": "Person", "name": "Kyrylo Budanov"},
            "url": "https://example.org/interview",
            "datePublished": "2025-02-20",
        }
    ]


def test_the_organisation_comes_from_a_setting(settings, pokrovsk_claim, viewer_api):
    settings.CLAIMTRACE_ORGANISATION = "Kursk Cell OSINT"

    assert export(viewer_api, CLAIMREVIEW)[0]["author"]["name"] == "Kursk Cell OSINT"
    identity = export(viewer_api, STIX)["objects"][5]
    assert (identity["type"], identity["name"]) == ("identity", "Kursk Cell OSINT")


# ---------------------------------------------------------------------------------------------
# GeoJSON
# ---------------------------------------------------------------------------------------------


def test_geojson_puts_longitude_first_and_counts_claims_without_coordinates(
    pokrovsk_claim, viewer_api
):
    """GIVEN a claim at Pokrovsk (48.282 N, 37.176 E), one at two places and one without a
    place WHEN exported to GeoJSON THEN coordinates are [longitude, latitude], two places
    make a MultiPoint, and the claim without coordinates is counted in x_skipped."""
    kyiv = LocationFactory(name="Kyiv", latitude=Decimal("50.45"), longitude=Decimal("30.52"))
    unplaced = LocationFactory(name="Somewhere")  # no coordinates: not a position
    two_places = ClaimFactory(title="Strikes on Kyiv and Pokrovsk")
    two_places.locations.add(kyiv, pokrovsk_claim.locations.get(), unplaced)
    ClaimFactory(title="No place")

    response = viewer_api.get(GEOJSON)
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(body_of(response))

    assert collection["type"] == "FeatureCollection"
    assert collection["x_skipped"] == 1
    features = {feature["id"]: feature for feature in collection["features"]}
    assert features[pokrovsk_claim.pk]["geometry"] == {
        "type": "Point",
        "coordinates": [37.176, 48.282],
    }
    multi = features[two_places.pk]["geometry"]
    assert multi["type"] == "MultiPoint"
    assert sorted(multi["coordinates"]) == [[30.52, 50.45], [37.176, 48.282]]
    properties = features[pokrovsk_claim.pk]["properties"]
    assert properties["title"] == "POWs shot near Pokrovsk"
    assert (properties["status"], properties["grade"], properties["marking"]) == (
        "corroborated",
        "B2",
        "green",
    )
    assert properties["occurred"] == "October 2024"
    assert properties["units"] == [{"name": "30th Motorized Rifle Brigade", "role": "attributed"}]
    assert properties["url"] == f"http://testserver/claims/{pokrovsk_claim.pk}/"


# ---------------------------------------------------------------------------------------------
# Filters: the same set as /api/claims/
# ---------------------------------------------------------------------------------------------


def _filters() -> list[dict]:
    brigade = demo_record(Unit, "30th-mrb")
    return [
        {},
        {"topic": "pow-executions"},
        {"unit": brigade.pk, "include_subordinates": "true"},
        {"search": "North Korean", "status": "corroborated"},
        {"occurred_after": "2025-01-01", "kind": "event"},
        {"grade_at_least": "B2", "ordering": "-lines"},
    ]


def test_every_format_exports_the_same_claims_as_the_api_lists(demo, viewer_api):
    """GIVEN the demo data WHEN a viewer exports with a filter
    THEN STIX has exactly the claims /api/claims/ lists for it, ClaimReview those of them with
    a verdict, and GeoJSON those with coordinates plus x_skipped for the others."""
    for params in _filters():
        listed = api_claim_uuids(viewer_api, params)
        assert report_claim_uuids(export(viewer_api, STIX, params)) == listed, params
        with_verdict = {
            str(u)
            for u in Claim.objects.filter(uuid__in=listed)
            .exclude(status=Claim.Status.UNVERIFIED)
            .values_list("uuid", flat=True)
        }
        reviews = export(viewer_api, CLAIMREVIEW, params)
        assert {review["identifier"] for review in reviews} == with_verdict, params
        collection = export(viewer_api, GEOJSON, params)
        placed = {feature["properties"]["uuid"] for feature in collection["features"]}
        assert placed <= listed
        assert len(placed) + collection["x_skipped"] == len(listed), params
    assert len(api_claim_uuids(viewer_api, {"topic": "pow-executions"})) > 0


@pytest.mark.parametrize("url", EXPORTS)
def test_a_bad_filter_is_a_400_naming_it(url, viewer_api):
    response = viewer_api.get(url, {"unit": 999999, "occurred_after": "yesterday"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"unit", "occurred_after"}


@pytest.mark.parametrize("url", EXPORTS)
def test_a_client_accepting_only_the_format_gets_it(url, viewer_api):
    """A STIX or GeoJSON client sends Accept: <its type>; that is not a 406."""
    ClaimFactory(status=Claim.Status.REFUTED)
    accept = {STIX: "application/stix+json", CLAIMREVIEW: "application/ld+json"}
    response = viewer_api.get(url, HTTP_ACCEPT=accept.get(url, "application/geo+json"))
    assert response.status_code == 200


# ---------------------------------------------------------------------------------------------
# Markings and logins
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", EXPORTS)
def test_exports_need_a_login(url, api_client, db):
    ClaimFactory()

    response = api_client.get(url)

    assert response.status_code == 401
    assert "WWW-Authenticate" in response


def _hidden_world():
    """Visible: a GREEN claim at Kyiv citing a CLEAR article and a RED one; hidden from an
    outsider: an AMBER and a RED claim (with verdicts and places) and an AMBER+STRICT one
    without a place."""
    kyiv = LocationFactory(name="Kyiv", latitude=Decimal("50.45"), longitude=Decimal("30.52"))
    shown = ClaimFactory(title="Visible claim", marking="green", status="corroborated")
    shown.locations.add(kyiv)
    CitationFactory(claim=shown, publication=PublicationFactory(title="Open article"))
    CitationFactory(
        claim=shown,
        publication=PublicationFactory(
            title="Secret cable", marking="red", url="https://example.org/secret-cable"
        ),
        excerpt="Words from the secret cable",
    )
    hidden = []
    for marking in ("amber", "red"):
        claim = ClaimFactory(title=f"Hidden {marking} claim", marking=marking, status="refuted")
        claim.locations.add(kyiv)
        hidden.append(claim)
    hidden.append(ClaimFactory(title="Hidden strict claim", marking="amber+strict"))
    return shown, hidden


@pytest.mark.parametrize("url", EXPORTS)
def test_an_outsider_learns_nothing_of_hidden_claims_or_publications(url, outsider_api):
    """GIVEN AMBER, AMBER+STRICT and RED claims and a RED publication cited by a GREEN claim
    WHEN an outsider exports THEN nothing of them is in the document: no title, no id, no
    excerpt, no URL, and the counts (reports, features, x_skipped) are those of the visible
    claim alone, byte for byte what an export without the hidden records gives."""
    shown, hidden = _hidden_world()

    response = outsider_api.get(url)
    text = body_of(response).decode()

    for claim in hidden:
        assert claim.title not in text
        assert str(claim.uuid) not in text
        assert f"/claims/{claim.pk}/" not in text
        assert stix_module.stix_id("report", claim.uuid) not in text
    for secret in ("Secret cable", "secret-cable", "Words from the secret cable"):
        assert secret not in text
    assert "Visible claim" in text
    data = json.loads(text)
    if url == STIX:
        assert report_claim_uuids(data) == {str(shown.uuid)}
        assert len(reports(data)[0]["external_references"]) == 2  # home + the open article
        assert reports(data)[0]["object_marking_refs"] == [TLP_2_IDS["green"]]
    elif url == GEOJSON:
        assert ([f["id"] for f in data["features"]], data["x_skipped"]) == ([shown.pk], 0)
    else:
        assert [review["identifier"] for review in data] == [str(shown.uuid)]
        assert len(data[0]["itemReviewed"]["appearance"]) == 1

    # The same export with the hidden records gone is the same document (but the bundle id).
    Claim.objects.filter(pk__in=[c.pk for c in hidden]).delete()
    without = body_of(outsider_api.get(url)).decode()
    assert re.sub(r"bundle--[0-9a-f-]+", "", without) == re.sub(r"bundle--[0-9a-f-]+", "", text)


def test_a_superuser_export_has_every_marking(superuser_api):
    _shown, hidden = _hidden_world()

    bundle = export(superuser_api, STIX)

    assert report_claim_uuids(bundle) >= uuids_of(hidden)
    marked = {r["x_claimtrace_marking"]: r["object_marking_refs"] for r in reports(bundle)}
    assert marked["red"] == [TLP_2_IDS["red"]]
    assert marked["amber+strict"] == [TLP_2_IDS["amber+strict"]]


# ---------------------------------------------------------------------------------------------
# Queries: a fixed number per batch, whatever the number of claims (pinned exactly)
# ---------------------------------------------------------------------------------------------


def _rich_claims(count: int) -> None:
    """``count`` claims, each with two citations (a person of a body), a unit, a place."""
    body = SourceFactory(kind=Source.Kind.GOVERNMENT)
    for number in range(count):
        claim = ClaimFactory(status=Claim.Status.CORROBORATED, occurred_start=dt.date(2024, 10, 1))
        person = SourceFactory(kind=Source.Kind.PERSON, affiliation=body)
        CitationFactory(claim=claim, publication=PublicationFactory(source=person))
        CitationFactory(claim=claim, locator_footnote=str(number))
        UnitInvolvementFactory(claim=claim, unit=UnitFactory(parent=UnitFactory()))
        claim.locations.add(
            LocationFactory(latitude=Decimal("48.1"), longitude=Decimal("37.2") + number)
        )


# Per export: the session and the user (the login) and the claim rows (one server-side cursor);
# then per batch one query per relation the format writes: STIX citations (with publication
# and source), topics, involvements (with unit and attributing source), places, the bodies
# people speak for and the ORBAT paths of units not yet in the bundle; ClaimReview citations;
# GeoJSON involvements and places; and the reader's groups (read once per request for the
# marking rule).
PINNED_QUERIES = {STIX: 10, CLAIMREVIEW: 5, GEOJSON: 6}


@pytest.mark.parametrize("url", EXPORTS)
def test_queries_do_not_grow_with_the_number_of_claims(url, viewer, django_assert_num_queries):
    """GIVEN 4 and then 12 claims (one batch) with citations, people, units and places
    WHEN each is exported THEN both take the same, pinned, number of queries."""
    counts = []
    for size in (4, 8):
        _rich_claims(size)
        client = APIClient()
        client.force_login(viewer)
        with (
            django_assert_num_queries(PINNED_QUERIES[url]),
            CaptureQueriesContext(connection) as queries,
        ):
            export(client, url)
        counts.append(len(queries))
    assert Claim.objects.count() == 12
    assert counts[0] == counts[1]


# ---------------------------------------------------------------------------------------------
# Pages: links on the claim list, JSON-LD on the claim page
# ---------------------------------------------------------------------------------------------


def test_the_claim_list_links_the_exports_with_its_filters(client, viewer):
    """The export links carry the page's filters and order, without its page number."""
    client.force_login(viewer)

    html = client.get(
        "/claims/", {"status": "corroborated", "topic": "", "ordering": "-lines", "page": 2}
    ).content.decode()

    for url in EXPORTS:
        assert f'href="{url}?status=corroborated&amp;topic=&amp;ordering=-lines"' in html


def _json_ld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def test_the_claim_page_embeds_its_claimreview_as_escaped_json_ld(client, viewer):
    """GIVEN a refuted claim whose statement holds "</script>" and a citation of a RED
    publication WHEN a viewer opens it THEN the page carries its ClaimReview in a JSON-LD data
    block that the statement cannot break out of, without the hidden publication."""
    claim = ClaimFactory(
        status=Claim.Status.REFUTED, statement='Shelling </script><script>alert("x")</script>'
    )
    CitationFactory(claim=claim, publication=PublicationFactory(title="Open article"))
    CitationFactory(claim=claim, publication=PublicationFactory(title="Red cable", marking="red"))
    client.force_login(viewer)

    html = client.get(f"/claims/{claim.pk}/").content.decode()

    assert "<script>alert" not in html
    (review,) = _json_ld(html)
    assert review["claimReviewed"] == claim.statement
    assert review["reviewRating"]["ratingValue"] == 1
    assert [work["name"] for work in review["itemReviewed"]["appearance"]] == ["Open article"]


def test_an_unverified_claim_page_has_no_claimreview(client, viewer):
    claim = ClaimFactory(status=Claim.Status.UNVERIFIED)
    client.force_login(viewer)

    assert _json_ld(client.get(f"/claims/{claim.pk}/").content.decode()) == []


def _peak_memory(client, url: str) -> int:
    """The peak of Python memory while an export is read as a client reads a stream."""
    response = client.get(url)
    tracemalloc.start()
    written = sum(len(chunk) for chunk in response.streaming_content)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert written > 0
    return peak


@pytest.mark.parametrize("url", EXPORTS)
def test_memory_does_not_grow_with_the_number_of_claims(url, monkeypatch, viewer):
    """GIVEN batches of 10 claims WHEN 20 and then 60 rich claims are exported
    THEN the peak of Python memory stays that of one batch: it does not triple with the
    claims (this is what keeps a million claims well under 1 GB)."""
    monkeypatch.setattr("interchange.exports.BATCH_SIZE", 10)
    client = APIClient()
    client.force_login(viewer)
    _rich_claims(20)
    _peak_memory(client, url)  # one-time caches (URL patterns, imports) are not the export's
    few = _peak_memory(client, url)
    _rich_claims(40)
    many = _peak_memory(client, url)
    assert Claim.objects.count() == 60
    assert many < few * 1.5, (few, many)


def test_a_body_first_seen_as_someones_affiliation_keeps_its_own(monkeypatch, viewer_api):
    """GIVEN batches of one claim: the first cites a GUR officer, the second cites GUR itself,
    which speaks for the Ministry of Defence WHEN exported to STIX THEN both affiliations are
    relationships, each written once."""
    monkeypatch.setattr("interchange.exports.BATCH_SIZE", 1)
    ministry = SourceFactory(name="Ministry of Defence", kind=Source.Kind.GOVERNMENT)
    gur = SourceFactory(name="GUR", kind=Source.Kind.INTELLIGENCE, affiliation=ministry)
    officer = SourceFactory(name="Officer", kind=Source.Kind.PERSON, affiliation=gur)
    for source in (officer, gur, officer):
        CitationFactory(publication=PublicationFactory(source=source))

    bundle = export(viewer_api, STIX)

    assert_valid_stix(bundle)
    affiliations = [
        (obj["source_ref"], obj["target_ref"])
        for obj in bundle["objects"]
        if obj.get("x_claimtrace_relation") == "affiliation"
    ]
    identity = {s.pk: stix_module.stix_id("identity", s.uuid) for s in (ministry, gur, officer)}
    assert sorted(affiliations) == sorted(
        [(identity[officer.pk], identity[gur.pk]), (identity[gur.pk], identity[ministry.pk])]
    )
