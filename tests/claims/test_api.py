"""The claims API: filters, nested writes, refused input and visibility; citations, places and
topics."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims import querysets as claim_querysets
from claims.models import Citation, Claim, ClaimRelation, Quantity, Topic, UnitInvolvement
from places.models import Location
from sources.models import Source
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    ClaimRelationFactory,
    LocationFactory,
    PublicationFactory,
    SourceFactory,
    TopicFactory,
    UnitFactory,
    UnitInvolvementFactory,
)
from tests.helpers import ids
from units.models import Unit

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def orbat():
    """Central MD › 2nd CAA › 30th MRB › Storm detachment, and the Pacific Fleet apart."""
    district = UnitFactory(
        name="Central Military District", abbreviation="Central MD", echelon="military_district"
    )
    army = UnitFactory(
        name="2nd Combined Arms Army", abbreviation="2nd CAA", echelon="army", parent=district
    )
    brigade = UnitFactory(name="30th Motorized Rifle Brigade", abbreviation="30th MRB", parent=army)
    storm = UnitFactory(name="Storm detachment", echelon="detachment", parent=brigade)
    fleet = UnitFactory(name="Pacific Fleet", echelon="fleet")
    return {"district": district, "army": army, "brigade": brigade, "storm": storm, "fleet": fleet}


@pytest.fixture
def unit_claims(orbat):
    """One claim about the brigade, one about its Storm detachment, one about the fleet."""
    return {
        "brigade": UnitInvolvementFactory(unit=orbat["brigade"], role="perpetrator").claim,
        "storm": UnitInvolvementFactory(unit=orbat["storm"], role="perpetrator").claim,
        "fleet": UnitInvolvementFactory(unit=orbat["fleet"], role="subject").claim,
    }


def test_unit_filter_with_subordinates(viewer_api, orbat, unit_claims):
    """GIVEN claims about the 30th MRB, its Storm detachment and the Pacific Fleet
    WHEN claims are filtered by the Central MD with include_subordinates
    THEN the brigade's and the detachment's claims come back, the fleet's does not."""
    response = viewer_api.get(
        "/api/claims/", {"unit": orbat["district"].pk, "include_subordinates": "true"}
    )

    assert set(ids(response)) == {unit_claims["brigade"].pk, unit_claims["storm"].pk}


def test_unit_filter_queries_do_not_grow_with_the_subtree(
    viewer_api, orbat, unit_claims, django_assert_max_num_queries
):
    """GIVEN the district's subtree with two claims, then with ten more units and claims below
    it WHEN the list is filtered by the district with its subordinates THEN both cost the same
    number of queries: the subtree is read from the closure, never level by level."""
    params = {"unit": orbat["district"].pk, "include_subordinates": "true"}
    with CaptureQueriesContext(connection) as few:
        assert len(ids(viewer_api.get("/api/claims/", params))) == 2
    parent = orbat["storm"]
    for _ in range(10):
        parent = UnitFactory(parent=parent, echelon="squad")
        UnitInvolvementFactory(unit=parent, role="perpetrator")

    with django_assert_max_num_queries(len(few)):
        assert len(ids(viewer_api.get("/api/claims/", params))) == 12


def test_unit_filter_without_subordinates_is_the_unit_alone(viewer_api, orbat, unit_claims):
    assert ids(viewer_api.get("/api/claims/", {"unit": orbat["district"].pk})) == []
    assert ids(viewer_api.get("/api/claims/", {"unit": orbat["brigade"].pk})) == [
        unit_claims["brigade"].pk
    ]
    response = viewer_api.get(
        "/api/claims/", {"unit": orbat["brigade"].pk, "include_subordinates": "false"}
    )
    assert ids(response) == [unit_claims["brigade"].pk]


def test_unit_claim_shows_its_orbat_path(viewer_api, orbat, unit_claims):
    body = viewer_api.get(f"/api/claims/{unit_claims['storm'].pk}/").json()

    assert body["units"][0]["orbat_path"] == "Storm detachment › 30th MRB › 2nd CAA › Central MD"
    assert body["units"][0]["unit"]["name"] == "Storm detachment"


def test_source_filter_includes_the_people_who_speak_for_it(viewer_api):
    """GIVEN Forbes cited on the Kursk beheadings claim, and a Forbes journalist on another
    WHEN claims are filtered by source=Forbes
    THEN both come back, and a claim cited only from another outlet does not."""
    forbes = SourceFactory(name="Forbes")
    journalist = SourceFactory(name="David Axe", kind="person", affiliation=forbes)
    beheadings = CitationFactory(
        claim=ClaimFactory(title="Beheadings of Ukrainian POWs in Kursk"),
        publication=PublicationFactory(source=forbes),
    ).claim
    by_journalist = CitationFactory(publication=PublicationFactory(source=journalist)).claim
    CitationFactory(publication=PublicationFactory(source=SourceFactory(name="Meduza")))

    response = viewer_api.get("/api/claims/", {"source": forbes.pk})

    assert set(ids(response)) == {beheadings.pk, by_journalist.pk}


def test_publication_filter(viewer_api):
    citation = CitationFactory()
    CitationFactory()

    response = viewer_api.get("/api/claims/", {"publication": citation.publication_id})

    assert ids(response) == [citation.claim_id]


def test_search_ranks_title_matches_first(viewer_api):
    """GIVEN claims about POW executions, one mentioning them only in its statement, and
    unrelated claims
    WHEN searching for "executions"
    THEN the claims with executions in the title come first, the unrelated ones not at all."""
    titled = [
        ClaimFactory(title="Executions of Ukrainian POWs near Kursk"),
        ClaimFactory(title="POW executed in Zaporizhzhia oblast"),
    ]
    in_statement = ClaimFactory(
        title="Surrender near Pokrovsk", statement="Witnesses describe the execution of six POWs."
    )
    ClaimFactory(title="DPRK troops in Kursk", statement="North Korean soldiers arrived.")
    ClaimFactory(title="Glide bomb strike on Kharkiv", statement="Two civilians died.")

    result = ids(viewer_api.get("/api/claims/", {"search": "executions"}))

    assert set(result[:2]) == {claim.pk for claim in titled}
    assert result[2:] == [in_statement.pk]


def test_search_needs_every_word(viewer_api):
    wanted = ClaimFactory(title="Executions near Kursk")
    ClaimFactory(title="Executions near Zaporizhzhia")

    assert ids(viewer_api.get("/api/claims/", {"search": "executions Kursk"})) == [wanted.pk]


@pytest.fixture
def october():
    """A claim known to the month: October 2024."""
    return ClaimFactory(
        title="October", occurred_start=dt.date(2024, 10, 12), occurred_precision="month"
    )


@pytest.mark.parametrize(
    ("query", "included"),
    [
        ({"occurred_after": "2024-10-31"}, True),
        ({"occurred_after": "2024-11-01"}, False),
        ({"occurred_after": "2024-09-01"}, True),
        ({"occurred_before": "2024-10-01"}, True),
        ({"occurred_before": "2024-09-30"}, False),
        ({"occurred_after": "2024-10-15", "occurred_before": "2024-10-15"}, True),
    ],
)
def test_occurred_bounds_compare_the_whole_month(viewer_api, october, query, included):
    assert (october.pk in ids(viewer_api.get("/api/claims/", query))) is included


@pytest.mark.parametrize(
    ("query", "included"),
    [
        ({"occurred_after": "2026-06-01"}, True),
        ({"occurred_after": "2024-01-01"}, True),
        ({"occurred_before": "2024-09-01"}, True),
        ({"occurred_before": "2024-08-31"}, False),
    ],
)
def test_occurred_bounds_of_an_ongoing_claim(viewer_api, query, included):
    """ "Since Fall 2024" starts on 1 September 2024 and has no end."""
    ongoing = ClaimFactory(
        title="DPRK troops in Kursk",
        occurred_start=dt.date(2024, 10, 1),
        occurred_precision="season",
        ongoing=True,
    )
    assert ongoing.occurred_display == "since Fall 2024"

    assert (ongoing.pk in ids(viewer_api.get("/api/claims/", query))) is included


@pytest.mark.parametrize(
    ("query", "included"),
    [
        ({"occurred_after": "2024-05-31"}, True),
        ({"occurred_after": "2024-06-01"}, False),
        ({"occurred_before": "2024-03-01"}, True),
        ({"occurred_before": "2024-02-29"}, False),
        ({"occurred_after": "2024-04-01", "occurred_before": "2024-04-30"}, True),
    ],
)
def test_occurred_bounds_of_a_date_range(viewer_api, query, included):
    spring = ClaimFactory(
        occurred_start=dt.date(2024, 3, 1),
        occurred_end=dt.date(2024, 5, 31),
        occurred_precision="day",
    )

    assert (spring.pk in ids(viewer_api.get("/api/claims/", query))) is included


def test_location_filter_includes_places_inside(viewer_api):
    """GIVEN a claim at Pokrovsk, inside Pokrovsk raion, inside Donetsk oblast
    WHEN claims are filtered by the oblast
    THEN the Pokrovsk claim is included; a claim in Kharkiv oblast is not."""
    oblast = LocationFactory(name="Donetsk Oblast", kind="region")
    raion = LocationFactory(name="Pokrovsk Raion", kind="district", parent=oblast)
    town = LocationFactory(name="Pokrovsk", parent=raion)
    at_town = ClaimFactory()
    at_town.locations.add(town)
    elsewhere = ClaimFactory()
    elsewhere.locations.add(LocationFactory(name="Kharkiv Oblast", kind="region"))

    assert ids(viewer_api.get("/api/claims/", {"location": oblast.pk})) == [at_town.pk]
    assert ids(viewer_api.get("/api/claims/", {"location": town.pk})) == [at_town.pk]


def test_topic_filter_by_slug(viewer_api):
    executions = TopicFactory(name="POW executions")
    dprk = TopicFactory(name="DPRK forces in Russia")
    about_executions = ClaimFactory()
    about_executions.topics.add(executions)
    about_dprk = ClaimFactory()
    about_dprk.topics.add(dprk)
    ClaimFactory()

    assert ids(viewer_api.get("/api/claims/", {"topic": "pow-executions"})) == [about_executions.pk]
    both = viewer_api.get("/api/claims/?topic=pow-executions&topic=dprk-forces-in-russia")
    assert set(ids(both)) == {about_executions.pk, about_dprk.pk}


@pytest.mark.parametrize(
    ("name", "values", "other"),
    [
        ("status", ["corroborated", "disputed"], "unverified"),
        ("kind", ["statistic", "assessment"], "event"),
        ("confidence", ["likely", "very_likely"], "unlikely"),
        ("marking", ["clear", "amber"], "green"),
    ],
)
def test_choice_filters_take_several_values(editor_api, name, values, other):
    wanted = {ClaimFactory(**{name: value}).pk for value in values}
    ClaimFactory(**{name: other})

    query = "&".join(f"{name}={value}" for value in values)
    assert set(ids(editor_api.get(f"/api/claims/?{query}"))) == wanted


@pytest.mark.parametrize("few", [5000, 0], ids=["ids-first", "many-changed"])
def test_updated_since(viewer_api, monkeypatch, few):
    """Both shapes of the filter (a few changed claims read by id first, or many) find the
    claims changed since the moment, and only those the reader may see."""
    monkeypatch.setattr(claim_querysets, "FEW_INVOLVEMENTS", few)
    fresh = ClaimFactory()
    ClaimFactory(marking="red")
    stale = ClaimFactory()
    Claim.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - dt.timedelta(days=10))
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()

    assert ids(viewer_api.get("/api/claims/", {"updated_since": since})) == [fresh.pk]


def test_ordering_by_occurred(viewer_api):
    """Newest first puts undated claims last (by default and with ``-occurred``), and
    ``occurred`` is its exact reverse."""
    middle = ClaimFactory(occurred_start=dt.date(2024, 10, 1))
    latest = ClaimFactory(occurred_start=dt.date(2025, 2, 1))
    undated = ClaimFactory(occurred_start=None)
    earliest = ClaimFactory(occurred_start=dt.date(2023, 5, 1))

    newest_first = [latest.pk, middle.pk, earliest.pk, undated.pk]
    assert ids(viewer_api.get("/api/claims/", {"ordering": "-occurred"})) == newest_first
    assert ids(viewer_api.get("/api/claims/")) == newest_first
    assert ids(viewer_api.get("/api/claims/", {"ordering": "occurred"})) == newest_first[::-1]


@pytest.mark.parametrize(
    "query",
    [
        "status=nope",
        "kind=rumour",
        "unit=999999",
        "source=999999",
        "location=999999",
        "topic=no-such-topic",
        "occurred_after=last-autumn",
        "updated_since=yesterday",
    ],
)
def test_unknown_filter_values_are_refused(viewer_api, query):
    ClaimFactory()

    response = viewer_api.get(f"/api/claims/?{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


# ---------------------------------------------------------------------------------------------
# Nested writes
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def evidence_world(orbat):
    """What a new claim refers to: units, a source attributing, a topic, a place, a claim."""
    return {
        **orbat,
        "forbes": SourceFactory(name="Forbes"),
        "topic": TopicFactory(name="POW executions"),
        "place": LocationFactory(name="Kursk Oblast", kind="region", country="RU"),
        "earlier": ClaimFactory(title="Earlier executions"),
    }


def new_claim(world, **changes) -> dict:
    """A valid claim payload with units, quantities and a related claim."""
    payload = {
        "title": "Executions of POWs near Kursk",
        "statement": "Soldiers of the 30th MRB executed nine surrendering Ukrainians.",
        "kind": "event",
        "status": "unverified",
        "confidence": "likely",
        "occurred": {"start": "2024-10-12", "precision": "month"},
        "topics": [world["topic"].pk],
        "locations": [world["place"].pk],
        "units": [
            {
                "unit": world["brigade"].pk,
                "role": "perpetrator",
                "attributed_by": world["forbes"].pk,
                "note": "Forbes names the brigade.",
            },
            {"unit": world["storm"].pk, "role": "mentioned"},
        ],
        "quantities": [
            {"measure": "victims", "low": "9", "unit_of_measure": "persons"},
            {"measure": "attackers", "low": "10", "high": "15", "approximate": True},
        ],
        "related": [{"claim": world["earlier"].pk, "kind": "supports", "note": "Same pattern"}],
    }
    payload.update(changes)
    return payload


def test_create_with_nested_rows(editor_api, editor, evidence_world):
    """GIVEN an editor
    WHEN they post a claim with units, quantities and a related claim
    THEN every row is written, stamped with the editor, and the response shows them."""
    response = editor_api.post("/api/claims/", new_claim(evidence_world), format="json")

    assert response.status_code == 201, response.content
    claim = Claim.objects.get(pk=response.json()["id"])
    assert claim.created_by == editor
    assert claim.updated_by == editor
    assert (claim.occurred_start, claim.occurred_end) == (
        dt.date(2024, 10, 1),
        dt.date(2024, 10, 31),
    )
    involvements = claim.involvements.order_by("role")
    assert [(row.unit, row.role) for row in involvements] == [
        (evidence_world["storm"], "mentioned"),
        (evidence_world["brigade"], "perpetrator"),
    ]
    assert all(row.created_by == editor for row in involvements)
    assert involvements[1].attributed_by == evidence_world["forbes"]
    assert sorted(claim.quantities.values_list("measure", flat=True)) == ["attackers", "victims"]
    relation = claim.relations_out.get()
    assert (relation.to_claim, relation.kind, relation.created_by) == (
        evidence_world["earlier"],
        "supports",
        editor,
    )
    assert list(claim.topics.all()) == [evidence_world["topic"]]
    assert list(claim.locations.all()) == [evidence_world["place"]]

    body = response.json()
    assert body["created_by"] == "editor"
    assert body["occurred"]["display"] == "October 2024"
    assert {row["orbat_path"] for row in body["units"]} == {
        "30th MRB › 2nd CAA › Central MD",
        "Storm detachment › 30th MRB › 2nd CAA › Central MD",
    }
    assert body["related"][0]["claim"]["id"] == evidence_world["earlier"].pk
    assert body["quantities"][1]["high"] == "15.0000"


def test_patch_with_empty_units_removes_involvements(editor_api, evidence_world):
    claim_id = editor_api.post("/api/claims/", new_claim(evidence_world), format="json").json()[
        "id"
    ]

    response = editor_api.patch(f"/api/claims/{claim_id}/", {"units": []}, format="json")

    assert response.status_code == 200
    assert response.json()["units"] == []
    assert not UnitInvolvement.objects.filter(claim_id=claim_id).exists()
    # What was not sent is left alone.
    assert Quantity.objects.filter(claim_id=claim_id).count() == 2
    assert ClaimRelation.objects.filter(from_claim_id=claim_id).count() == 1


def test_put_keeps_an_involvement_that_stays(editor_api, evidence_world):
    """GIVEN a claim with the brigade as perpetrator and the detachment mentioned
    WHEN the claim is replaced with the brigade still perpetrator (new note) and the fleet
    THEN the brigade's involvement keeps its id (and history), the detachment's is gone."""
    claim_id = editor_api.post("/api/claims/", new_claim(evidence_world), format="json").json()[
        "id"
    ]
    kept = UnitInvolvement.objects.get(claim_id=claim_id, unit=evidence_world["brigade"])
    units = [
        {"unit": evidence_world["brigade"].pk, "role": "perpetrator", "note": "Confirmed."},
        {"unit": evidence_world["fleet"].pk, "role": "subject"},
    ]

    response = editor_api.put(
        f"/api/claims/{claim_id}/", new_claim(evidence_world, units=units), format="json"
    )

    assert response.status_code == 200, response.content
    rows = UnitInvolvement.objects.filter(claim_id=claim_id)
    assert {(row.unit_id, row.role) for row in rows} == {
        (evidence_world["brigade"].pk, "perpetrator"),
        (evidence_world["fleet"].pk, "subject"),
    }
    same = rows.get(unit=evidence_world["brigade"])
    assert same.pk == kept.pk
    assert same.note == "Confirmed."


def test_patch_replaces_quantities(editor_api, evidence_world):
    claim_id = editor_api.post("/api/claims/", new_claim(evidence_world), format="json").json()[
        "id"
    ]

    response = editor_api.patch(
        f"/api/claims/{claim_id}/",
        {"quantities": [{"measure": "victims", "low": "109"}]},
        format="json",
    )

    assert response.status_code == 200
    assert list(Quantity.objects.filter(claim_id=claim_id).values_list("measure", "low")) == [
        ("victims", 109)
    ]


def test_put_moves_a_single_period_claim(editor_api, evidence_world):
    """GIVEN a claim created for "October 2024" (no end date given; the stored end is derived)
    WHEN it is replaced with the same shape of payload for December 2024
    THEN it is a December 2024 claim: the end derived from the old date must not refuse it."""
    claim_id = editor_api.post("/api/claims/", new_claim(evidence_world), format="json").json()[
        "id"
    ]
    payload = new_claim(evidence_world, occurred={"start": "2024-12-05", "precision": "month"})

    response = editor_api.put(f"/api/claims/{claim_id}/", payload, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["occurred"]["display"] == "December 2024"


def test_patch_marks_a_claim_ongoing(editor_api):
    """GIVEN an "October 2024" claim (its end date derived, never given)
    WHEN it is patched to be ongoing
    THEN it reads "since October 2024"; the client need not clear an end it never set."""
    claim = ClaimFactory(occurred_start=dt.date(2024, 10, 1), occurred_precision="month")

    response = editor_api.patch(
        f"/api/claims/{claim.pk}/", {"occurred": {"ongoing": True}}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["occurred"]["display"] == "since October 2024"


# ---------------------------------------------------------------------------------------------
# Refused input: 400 with field messages, and nothing written
# ---------------------------------------------------------------------------------------------


def test_end_before_start_is_refused(editor_api, evidence_world):
    before = Claim.objects.count()
    payload = new_claim(
        evidence_world, occurred={"start": "2024-10-01", "end": "2024-09-01", "precision": "day"}
    )

    response = editor_api.post("/api/claims/", payload, format="json")

    assert response.status_code == 400
    assert "end" in response.json()["occurred"], response.json()
    assert Claim.objects.count() == before


def test_ongoing_with_an_end_is_refused(editor_api, evidence_world):
    before = Claim.objects.count()
    payload = new_claim(
        evidence_world, occurred={"start": "2024-09-01", "end": "2024-12-01", "ongoing": True}
    )

    response = editor_api.post("/api/claims/", payload, format="json")

    assert response.status_code == 400
    assert "ongoing" in response.json()["occurred"], response.json()
    assert Claim.objects.count() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"units": [{"unit": 0, "role": "commander"}]}, "units"),
        ({"units": [{"unit": 999999, "role": "subject"}]}, "units"),
        ({"quantities": [{"measure": "victims", "low": "15", "high": "10"}]}, "quantities"),
        ({"quantities": [{"measure": "victims", "low": "many"}]}, "quantities"),
        ({"related": [{"claim": 999999, "kind": "supports"}]}, "related"),
        ({"related": [{"claim": 0, "kind": "agrees"}]}, "related"),
        ({"topics": [999999]}, "topics"),
        ({"kind": "rumour"}, "kind"),
        ({"marking": "black"}, "marking"),
        ({"occurred": {"start": "October 2024"}}, "occurred"),
        ({"title": ""}, "title"),
    ],
    ids=lambda value: json.dumps(value) if isinstance(value, dict) else value,
)
def test_bad_claim_is_refused_and_nothing_is_written(editor_api, evidence_world, change, field):
    """GIVEN a claim payload with one bad part (a nested row included)
    WHEN it is posted
    THEN 400 names the field, and no claim nor any nested row is written."""
    if "units" in change and change["units"][0]["unit"] == 0:
        change["units"][0]["unit"] = evidence_world["brigade"].pk
    if "related" in change and change["related"][0]["claim"] == 0:
        change["related"][0]["claim"] = evidence_world["earlier"].pk
    counts = (Claim.objects.count(), UnitInvolvement.objects.count(), Quantity.objects.count())

    response = editor_api.post("/api/claims/", new_claim(evidence_world, **change), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert counts == (
        Claim.objects.count(),
        UnitInvolvement.objects.count(),
        Quantity.objects.count(),
    )


def test_the_same_unit_and_role_twice_is_refused(editor_api, evidence_world):
    row = {"unit": evidence_world["brigade"].pk, "role": "perpetrator"}

    response = editor_api.post(
        "/api/claims/", new_claim(evidence_world, units=[row, row]), format="json"
    )

    assert response.status_code == 400
    assert "units" in response.json()


def test_a_claim_cannot_be_related_to_itself(editor_api):
    claim = ClaimFactory()

    response = editor_api.patch(
        f"/api/claims/{claim.pk}/",
        {"related": [{"claim": claim.pk, "kind": "duplicates"}]},
        format="json",
    )

    assert response.status_code == 400
    assert "related" in response.json()
    assert not ClaimRelation.objects.exists()


def test_malformed_json_is_refused(editor_api):
    before = Claim.objects.count()

    response = editor_api.post("/api/claims/", data='{"title": ', content_type="application/json")

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
    assert Claim.objects.count() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"credibility": "high"}, "credibility"),
        ({"credibility": 7}, "credibility"),
        ({"credibility": 0}, "credibility"),
        ({"publication": 999999}, "publication"),
        ({"claim": 999999}, "claim"),
        ({"stance": "agrees"}, "stance"),
        ({"locator": {"paragraph": 0}}, "locator"),
        ({"locator": {"timestamp": "a minute in"}}, "locator"),
    ],
    ids=lambda value: json.dumps(value) if isinstance(value, dict) else value,
)
def test_bad_citation_is_refused(editor_api, change, field):
    payload = {
        "claim": ClaimFactory().pk,
        "publication": PublicationFactory().pk,
        "credibility": 2,
        **change,
    }

    response = editor_api.post("/api/citations/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Citation.objects.exists()


def test_citation_locator_round_trips(editor_api):
    payload = {
        "claim": ClaimFactory().pk,
        "publication": PublicationFactory(source=SourceFactory(reliability="B")).pk,
        "credibility": 2,
        "locator": {"page": "3", "paragraph": 2, "timestamp": "00:01:23", "footnote": "5"},
    }

    body = editor_api.post("/api/citations/", payload, format="json").json()

    assert body["locator"]["display"] == "fn. [5], p. 3, ¶ 2, 00:01:23"
    assert body["grade"] == "B2"
    citation = Citation.objects.get()
    assert citation.locator_timestamp == dt.timedelta(minutes=1, seconds=23)


def test_citation_filters(viewer_api):
    wanted = CitationFactory(stance="disputes", credibility=3, excerpt="They shot the prisoners")
    CitationFactory(stance="supports", credibility=2)

    assert ids(viewer_api.get("/api/citations/?stance=disputes&stance=mentions")) == [wanted.pk]
    assert ids(viewer_api.get("/api/citations/", {"credibility": 3})) == [wanted.pk]
    assert ids(viewer_api.get("/api/citations/", {"claim": wanted.claim_id})) == [wanted.pk]
    assert ids(viewer_api.get("/api/citations/", {"search": "prisoners"})) == [wanted.pk]
    source = wanted.publication.source_id
    assert ids(viewer_api.get("/api/citations/", {"source": source})) == [wanted.pk]


# ---------------------------------------------------------------------------------------------
# Visibility (TLP markings)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "sees_amber"), [("viewer", False), ("editor", True)])
def test_a_red_claim_is_absent_for_a_non_superuser(request, persona, sees_amber):
    client = request.getfixturevalue(f"{persona}_api")
    green = ClaimFactory(marking="green")
    amber = ClaimFactory(marking="amber")
    red = ClaimFactory(marking="red")
    strict = ClaimFactory(marking="amber+strict")

    expected = {green.pk, amber.pk} if sees_amber else {green.pk}
    assert set(ids(client.get("/api/claims/"))) == expected
    assert client.get(f"/api/claims/{red.pk}/").status_code == 404
    assert client.get(f"/api/claims/{strict.pk}/").status_code == 404
    assert client.get("/api/claims/", {"marking": "red"}).json()["count"] == 0


def test_a_superuser_sees_a_red_claim(superuser_api):
    red = ClaimFactory(marking="red")

    assert ids(superuser_api.get("/api/claims/")) == [red.pk]
    assert superuser_api.get(f"/api/claims/{red.pk}/").status_code == 200


def test_a_citation_to_a_red_publication_is_left_out(viewer_api):
    """GIVEN a visible claim cited by a CLEAR and a RED publication
    WHEN a viewer reads the claim or the citations
    THEN only the citation to the CLEAR publication is there."""
    claim = ClaimFactory()
    shown = CitationFactory(claim=claim)
    hidden = CitationFactory(claim=claim, publication=PublicationFactory(marking="red"))

    body = viewer_api.get(f"/api/claims/{claim.pk}/").json()

    assert [row["id"] for row in body["citations"]] == [shown.pk]
    assert ids(viewer_api.get("/api/citations/")) == [shown.pk]
    assert viewer_api.get(f"/api/citations/{hidden.pk}/").status_code == 404


def test_a_relation_to_a_red_claim_is_left_out(viewer_api):
    """GIVEN a visible claim related to a RED claim
    WHEN a viewer reads the visible claim
    THEN the relation is not shown (it would reveal the RED claim's title)."""
    claim = ClaimFactory()
    shown = ClaimRelationFactory(from_claim=claim, to_claim=ClaimFactory(marking="green"))
    ClaimRelationFactory(from_claim=claim, to_claim=ClaimFactory(title="Secret", marking="red"))

    body = viewer_api.get(f"/api/claims/{claim.pk}/").json()

    assert [row["claim"]["id"] for row in body["related"]] == [shown.to_claim_id]
    assert "Secret" not in json.dumps(body)


def test_replacing_relations_keeps_a_relation_the_editor_cannot_see(editor_api):
    """GIVEN a claim related to a visible claim and (entered by a superuser) to a RED claim
    WHEN an editor, who cannot see the RED claim, replaces the claim's relations
    THEN the relation to the RED claim survives: nobody can remove what they cannot see."""
    claim = ClaimFactory()
    ClaimRelationFactory(from_claim=claim, to_claim=ClaimFactory())
    hidden = ClaimRelationFactory(from_claim=claim, to_claim=ClaimFactory(marking="red"))

    response = editor_api.patch(f"/api/claims/{claim.pk}/", {"related": []}, format="json")

    assert response.status_code == 200
    assert list(ClaimRelation.objects.filter(from_claim=claim)) == [hidden]


def test_a_red_publication_cannot_be_used_as_a_filter(viewer_api):
    """GIVEN a visible claim whose only citation is from a RED publication
    WHEN a viewer filters claims by that publication
    THEN the id is refused like an unknown one (400), revealing nothing."""
    citation = CitationFactory(publication=PublicationFactory(marking="red"))

    response = viewer_api.get("/api/claims/", {"publication": citation.publication_id})

    assert response.status_code == 400
    assert "publication" in response.json()


def test_source_filter_ignores_red_publications(viewer_api):
    """GIVEN a visible claim cited only from a RED publication of a source
    WHEN a viewer filters claims by that source
    THEN the claim is not returned (the hidden citation must not be revealed)."""
    source = SourceFactory()
    CitationFactory(publication=PublicationFactory(source=source, marking="red"))

    assert ids(viewer_api.get("/api/claims/", {"source": source.pk})) == []


def test_a_red_publication_cannot_be_cited_by_id(editor_api):
    """Ids of records the user may not see are refused like unknown ones."""
    red = PublicationFactory(marking="red")

    response = editor_api.post(
        "/api/citations/",
        {"claim": ClaimFactory().pk, "publication": red.pk, "credibility": 2},
        format="json",
    )

    assert response.status_code == 400
    assert "publication" in response.json()
    assert not Citation.objects.exists()


def test_a_red_claim_cannot_be_related_by_id(editor_api, evidence_world):
    red = ClaimFactory(marking="red")
    before = Claim.objects.count()

    response = editor_api.post(
        "/api/claims/",
        new_claim(evidence_world, related=[{"claim": red.pk, "kind": "supports"}]),
        format="json",
    )

    assert response.status_code == 400
    assert "related" in response.json()
    assert Claim.objects.count() == before


def test_marking_a_claim_red_does_not_crash(editor_api, evidence_world):
    """GIVEN an editor, who may not see RED claims
    WHEN they post a claim marked RED
    THEN the answer is a 201 or a 400 on ``marking``, never a server error; a refused
    claim is not written."""
    editor_api.raise_request_exception = False
    before = Claim.objects.count()

    response = editor_api.post(
        "/api/claims/", new_claim(evidence_world, marking="red"), format="json"
    )

    assert response.status_code in (201, 400), response.status_code
    if response.status_code == 400:
        assert "marking" in response.json()
        assert Claim.objects.count() == before


# ---------------------------------------------------------------------------------------------
# Places and topics
# ---------------------------------------------------------------------------------------------


def test_location_filters(viewer_api):
    oblast = LocationFactory(name="Zaporizhzhia Oblast", kind="region")
    town = LocationFactory(name="Zaporizhzhia", parent=oblast)
    town.aliases.create(name="Zaporozhye")
    village = LocationFactory(name="Robotyne", parent=town)
    LocationFactory(name="Lviv", country="UA")

    assert ids(viewer_api.get("/api/locations/", {"search": "zaporozhye"})) == [town.pk]
    assert ids(viewer_api.get("/api/locations/", {"within": oblast.pk})) == [village.pk, town.pk]
    assert ids(viewer_api.get("/api/locations/", {"parent": oblast.pk})) == [town.pk]
    assert ids(viewer_api.get("/api/locations/", {"kind": "region"})) == [oblast.pk]


def test_location_with_half_a_coordinate_is_refused(editor_api):
    response = editor_api.post(
        "/api/locations/",
        {"name": "Robotyne", "kind": "settlement", "parent": None, "latitude": "47.44"},
        format="json",
    )

    assert response.status_code == 400
    assert "longitude" in response.json()
    assert not Location.objects.exists()


def test_a_top_level_location_can_be_created_without_a_parent(editor_api):
    """``parent`` is optional: a country or an oblast has none to give."""
    response = editor_api.post(
        "/api/locations/",
        {"name": "Kursk Oblast", "kind": "region", "country": "RU"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["parent"] is None


def test_a_duplicate_top_level_location_is_refused(editor_api):
    """GIVEN a top-level place "Kursk Oblast"
    WHEN another top-level place of that name is posted
    THEN 400 (the database would refuse it: location_unique_at_top), not a server error."""
    editor_api.raise_request_exception = False
    LocationFactory(name="Kursk Oblast", kind="region")

    response = editor_api.post(
        "/api/locations/",
        {"name": "Kursk Oblast", "kind": "region", "parent": None},
        format="json",
    )

    assert response.status_code == 400, response.status_code
    assert Location.objects.filter(name="Kursk Oblast").count() == 1


def test_location_aliases_are_replaced(editor_api):
    place = LocationFactory(name="Zaporizhia")
    place.aliases.create(name="Zaporozhye")

    response = editor_api.patch(
        f"/api/locations/{place.pk}/", {"aliases": ["Zaporizhzhia", "Запоріжжя"]}, format="json"
    )

    assert response.status_code == 200
    assert sorted(response.json()["aliases"]) == ["Zaporizhzhia", "Запоріжжя"]


def test_location_parent_cycle_is_refused(editor_api):
    oblast = LocationFactory(kind="region")
    town = LocationFactory(parent=oblast)

    response = editor_api.patch(f"/api/locations/{oblast.pk}/", {"parent": town.pk}, format="json")

    assert response.status_code == 400
    assert "parent" in response.json()
    oblast.refresh_from_db()
    assert oblast.parent is None


def test_topic_slug_is_derived_from_the_name(editor_api, viewer_api):
    response = editor_api.post("/api/topics/", {"name": "POW executions"}, format="json")

    assert response.status_code == 201
    assert response.json()["slug"] == "pow-executions"
    assert ids(viewer_api.get("/api/topics/", {"search": "executions"})) == [response.json()["id"]]


def test_a_topic_whose_derived_slug_is_taken_is_refused(editor_api):
    """GIVEN a topic "POW executions" (slug pow-executions)
    WHEN "POW Executions" is posted without a slug (a different name, the same slug)
    THEN 400 naming the slug or the name, not a server error."""
    editor_api.raise_request_exception = False
    TopicFactory(name="POW executions")

    response = editor_api.post("/api/topics/", {"name": "POW Executions"}, format="json")

    assert response.status_code == 400, response.status_code
    assert {"slug", "name"} & set(response.json())
    assert Topic.objects.count() == 1


def test_duplicate_topic_name_is_refused(editor_api):
    TopicFactory(name="POW executions")

    response = editor_api.post("/api/topics/", {"name": "POW executions"}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()


# ---------------------------------------------------------------------------------------------
# The demo data set (``manage.py load_demo``): the ISW assessment of 20 February 2025
# ---------------------------------------------------------------------------------------------


def all_claims(client, **query) -> list[dict]:
    """Every claim of a filtered list, in order (the demo set fits on one page)."""
    response = client.get("/api/claims/", {**query, "page_size": 200})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next"] is None
    return body["results"]


def test_demo_claims_of_the_central_md_and_everything_below_it(viewer_api, demo):
    """GIVEN the demo ORBAT: Central MD › 2nd CAA › 30th MRB › Storm penal detachment
    WHEN claims are filtered by the Central MD with include_subordinates
    THEN the claims about the 30th MRB and its Storm detachment come back, and only claims
    about units below the district; without include_subordinates they do not."""
    district = Unit.objects.get(name="Central Military District")

    rows = all_claims(viewer_api, unit=district.pk, include_subordinates="true")

    titles = {row["title"] for row in rows}
    assert "Storm detachment soldier shot six unarmed Ukrainian POWs" in titles
    assert "30th MRB fighting near Pokrovsk since Fall 2024" in titles
    assert all(
        any(unit["orbat_path"].endswith("Central MD") for unit in row["units"]) for row in rows
    )
    storm = next(row for row in rows if row["title"].startswith("Storm detachment"))
    assert storm["units"][0]["orbat_path"].endswith(" › 30th MRB › 2nd CAA › Central MD")

    alone = all_claims(viewer_api, unit=district.pk)
    assert not {row["title"] for row in alone} & titles


def test_demo_claims_cited_from_forbes(viewer_api, demo):
    forbes = Source.objects.get(name="Forbes")

    rows = all_claims(viewer_api, source=forbes.pk)

    assert "Forbes: 155th NIB behind Kursk beheadings and executions" in {
        row["title"] for row in rows
    }
    for row in rows:
        assert "Forbes" in {
            citation["publication"]["source"]["name"] for citation in row["citations"]
        }


def test_demo_search_ranks_execution_claims_first(viewer_api, demo):
    """GIVEN the demo claims, about POW executions and much else (North Korean troops,
    diplomacy, the front line)
    WHEN searching for "executions"
    THEN the first results have executions in their title, every result mentions them, and
    claims that do not are left out."""
    rows = all_claims(viewer_api, search="executions")

    assert len(rows) >= 5
    assert all("execut" in row["title"].lower() for row in rows[:5])
    assert all(
        "execut" in f"{row['title']} {row['statement']} {row['notes']}".lower() for row in rows
    )
    assert len(rows) < Claim.objects.count()


@pytest.mark.parametrize(
    ("query", "beheadings", "near_pokrovsk"),
    [
        # "155th NIB linked to beheadings…" is August–October 2024 (month precision);
        # "30th MRB fighting near Pokrovsk" is "since Fall 2024" (1 September 2024, ongoing).
        ({"occurred_after": "2024-10-31"}, True, True),
        ({"occurred_after": "2024-11-01"}, False, True),
        ({"occurred_before": "2024-08-01"}, True, False),
        ({"occurred_before": "2024-07-31"}, False, False),
        ({"occurred_after": "2024-09-15", "occurred_before": "2024-09-15"}, True, True),
        ({"occurred_after": "2025-02-20"}, False, True),
    ],
)
def test_demo_occurred_bounds_on_ranged_dates(viewer_api, demo, query, beheadings, near_pokrovsk):
    titles = {row["title"] for row in all_claims(viewer_api, **query)}

    assert ("155th NIB linked to beheadings and drone-operator executions" in titles) is beheadings
    assert ("30th MRB fighting near Pokrovsk since Fall 2024" in titles) is near_pokrovsk


def test_create_ignores_the_archived_list_parameter(editor_api):
    """GIVEN ``?archived=true`` on a POST (found by the Schemathesis run) WHEN a claim is created
    THEN 201 with the new claim (it was a 500 after the row had been written)."""
    response = editor_api.post(
        "/api/claims/?archived=true", {"title": "New", "statement": "Something happened."}
    )
    assert response.status_code == 201, response.content
    assert response.json()["title"] == "New"


def test_claim_made_by_a_command_has_null_authors_in_the_schema(editor_api):
    """Claims loaded by a command have no author: the schema allows null (Schemathesis)."""
    claim = ClaimFactory()
    assert editor_api.get(f"/api/claims/{claim.pk}/").json()["created_by"] is None
    schema = editor_api.get("/api/schema/?format=json").json()
    assert schema["components"]["schemas"]["Claim"]["properties"]["created_by"]["nullable"]
