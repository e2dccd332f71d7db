"""The claims list rendered from plain rows (``claims.api.listing``) is ClaimSerializer's JSON."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.serializers.json import DjangoJSONEncoder
from rest_framework.test import APIRequestFactory

from claims.api.listing import _stamps_as_text, render_claims
from claims.api.serializers import ClaimSerializer, with_evidence
from claims.models import Citation, Claim
from claims.services import analyse
from core.roles import ANALYST
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    ClaimRelationFactory,
    LocationFactory,
    PublicationFactory,
    QuantityFactory,
    SourceFactory,
    TopicFactory,
    UnitFactory,
    UnitInvolvementFactory,
    UserFactory,
)
from units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich_claims(editor):
    """Claims with every rendered field filled, and evidence some readers may not see."""
    team = Group.objects.create(name="Kursk desk")
    colleague = UserFactory(username="colleague")
    district = UnitFactory(
        name="Leningrad Military District", abbreviation="LMD", echelon="military_district"
    )
    army = UnitFactory(name="6th Combined Arms Army", abbreviation="", parent=district)
    brigade = UnitFactory(name="25th Motorized Rifle Brigade", abbreviation="25th MRB", parent=army)
    people = SourceFactory(name="General Staff of Ukraine", kind="government", reliability="C")
    first = ClaimFactory(
        title="Brigade crossed the river",
        notes="Seen from two angles.",
        occurred_start=dt.date(2024, 10, 1),
        occurred_end=dt.date(2024, 12, 31),
        occurred_precision="month",
        best_grade="B2",
        independent_lines=2,
        disputes=1,
        suggested_status="disputed",
        confidence="likely",
        created_by=editor,
        updated_by=colleague,
    )
    first.topics.add(TopicFactory(name="River crossings"), TopicFactory(name="Armour"))
    first.locations.add(
        LocationFactory(name="Kupiansk", latitude=Decimal("49.71"), longitude=Decimal("37.61")),
        LocationFactory(name="Oskil river"),
    )
    first.sharing_groups.add(team)
    first.shared_with.add(colleague)
    QuantityFactory(
        claim=first, low=Decimal("12"), high=Decimal("15.5"), as_of=dt.date(2024, 11, 2)
    )
    QuantityFactory(claim=first, measure="vehicles", low=3, approximate=True, note="Tanks.")
    UnitInvolvementFactory(claim=first, unit=brigade, attributed_by=people, note="Named.")
    UnitInvolvementFactory(claim=first, unit=district, role="mentioned")
    CitationFactory(
        claim=first,
        publication=PublicationFactory(
            published_on=dt.date(2024, 11, 1), published_precision="month", url="https://x.test/"
        ),
        excerpt="Footage shows the crossing.",
        excerpt_language="uk",
        translation="Footage shows the crossing.",
        locator_page="3",
        locator_paragraph=2,
        locator_timestamp=dt.timedelta(minutes=1, seconds=23),
        locator_footnote="5",
        note="Geolocated.",
    )
    CitationFactory(
        claim=first, publication=PublicationFactory(published_on=None), stance="disputes"
    )
    # Evidence only the sharing group may see: a publication and a linked claim.
    CitationFactory(claim=first, publication=PublicationFactory(marking="amber"))
    amber = PublicationFactory(marking="amber")
    amber.sharing_groups.add(team)
    CitationFactory(claim=first, publication=amber, credibility=4)
    hidden = ClaimFactory(title="Hidden link", marking="red")
    ClaimRelationFactory(from_claim=first, to_claim=hidden)
    second = ClaimFactory(title="Second claim", ongoing=True, occurred_precision="day")
    ClaimRelationFactory(from_claim=first, to_claim=second, kind="refines", note="Narrower.")
    ClaimFactory(title="Bare claim", occurred_start=None)
    return team


def _serialized(user) -> list[dict]:
    """The list as ClaimSerializer renders it, with the ORBAT paths its view prepares."""
    claims = list(Claim.objects.visible_to(user).with_related(user=user))
    unit_ids = sorted({i.unit_id for claim in claims for i in claim.involvements.all()})
    request = APIRequestFactory().get("/api/claims/")
    request.user = user
    context = {"request": request, "prepared": {"orbat_paths": Unit.objects.orbat_paths(unit_ids)}}
    return ClaimSerializer(claims, many=True, context=context).data


def _rendered(user) -> list[dict]:
    claims = list(Claim.objects.visible_to(user).select_related("created_by", "updated_by"))
    return render_claims(claims, user)


@pytest.mark.parametrize("in_group", [False, True])
def test_rows_render_exactly_what_the_serializer_renders(rich_claims, in_group):
    reader = UserFactory(username="reader")
    reader.groups.add(Group.objects.get(name=ANALYST))
    if in_group:
        reader.groups.add(rich_claims)
    expected = [dict(row) for row in _serialized(reader)]
    rendered = _rendered(reader)
    assert rendered == expected
    # Every field and nesting is really there (not two empty lists compared).
    first = next(row for row in rendered if row["title"] == "Brigade crossed the river")
    assert first["units"][0]["orbat_path"] == "25th MRB › 6th Combined Arms Army › LMD"
    assert first["citations"][0]["locator"]["display"] == "fn. [5], p. 3, ¶ 2, 00:01:23"
    assert first["quantities"][0]["high"] == "15.5000"
    assert first["locations"][0]["latitude"] is not None
    assert [r["claim"]["title"] for r in first["related"]] == ["Second claim"]
    assert len(first["citations"]) == (3 if in_group else 2)


def test_readers_see_only_their_evidence(rich_claims, outsider):
    rendered = {row["title"]: row for row in _rendered(outsider)}
    first = rendered["Brigade crossed the river"]
    assert all(c["publication"]["marking"] != "amber" for c in first["citations"])
    assert "Hidden link" not in rendered
    assert [r["claim"]["title"] for r in first["related"]] == ["Second claim"]


def test_archived_citations_are_left_out(rich_claims, outsider):
    citation = Citation.objects.filter(note="Geolocated.").get()
    citation.archived_at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    citation.save()
    first = next(row for row in _rendered(outsider) if row["title"] == "Brigade crossed the river")
    assert "Geolocated." not in [c["note"] for c in first["citations"]]


def test_the_api_list_is_the_serializer_list_in_a_constant_number_of_queries(
    rich_claims, editor, editor_api, django_assert_max_num_queries
):
    with django_assert_max_num_queries(16):
        response = editor_api.get("/api/claims/")
    assert response.status_code == 200
    assert response.json()["results"] == [dict(row) for row in _serialized(editor)]
    for index in range(60):
        claim = ClaimFactory(title=f"More {index}")
        CitationFactory(claim=claim)
        UnitInvolvementFactory(claim=claim)
    with django_assert_max_num_queries(16):
        response = editor_api.get("/api/claims/", {"page_size": 100})
    assert len(response.json()["results"]) == 63


def test_an_empty_page_renders_nothing(outsider):
    assert render_claims([], outsider) == []


@pytest.mark.parametrize("in_group", [False, True])
def test_the_detail_is_the_serializer_with_the_readers_evidence(rich_claims, in_group, client):
    reader = UserFactory(username="reader")
    reader.groups.add(Group.objects.get(name=ANALYST))
    if in_group:
        reader.groups.add(rich_claims)
    claim = Claim.objects.get(title="Brigade crossed the river")
    (expected,) = [row for row in _serialized(reader) if row["id"] == claim.pk]
    expected = with_evidence(dict(expected), analyse([claim], user=reader)[claim.pk])
    client.force_login(reader)
    response = client.get(f"/api/claims/{claim.pk}/")
    assert response.status_code == 200
    assert response.json() == json.loads(json.dumps(expected, cls=DjangoJSONEncoder))
    assert response["ETag"] == f'"{claim.pk}-{claim.version}"'
    # The lines count what this reader may see: the shared publication adds a line.
    lines = response.json()["evidence_lines"]
    assert len(lines) == response.json()["independent_lines"] == (2 if in_group else 1)


def test_the_detail_takes_a_constant_number_of_queries(
    rich_claims, editor_api, django_assert_max_num_queries
):
    claim = Claim.objects.get(title="Brigade crossed the river")
    with django_assert_max_num_queries(20) as captured:
        assert editor_api.get(f"/api/claims/{claim.pk}/").status_code == 200
    few = len(captured)
    for _ in range(20):
        CitationFactory(claim=claim)
        UnitInvolvementFactory(claim=claim)
    with django_assert_max_num_queries(few):
        response = editor_api.get(f"/api/claims/{claim.pk}/")
    assert len(response.json()["citations"]) == 24


def test_the_answers_to_writes_are_the_serializer_s(
    rich_claims, editor, editor_api, django_capture_on_commit_callbacks
):
    """GIVEN a claim created with citations, units, topics and numbers, then changed WHEN the
    API answers each write (rendered from rows, not by the serializer) THEN the body is what
    ClaimSerializer renders for the saved claim, corroboration included."""
    brigade = Unit.objects.get(abbreviation="25th MRB")
    topic = TopicFactory(name="Bridges")
    publications = [PublicationFactory(marking="clear") for _ in range(2)]
    body = {
        "title": "Bridge struck",
        "statement": "The bridge was struck twice.",
        "kind": "event",
        "occurred": {"start": "2025-02-20", "precision": "day"},
        "topics": [topic.pk],
        "units": [{"unit": brigade.pk, "role": "perpetrator"}],
        "quantities": [{"measure": "strikes", "low": "2", "high": "2"}],
        "citations": [
            {"publication": publication.pk, "stance": "supports", "credibility": 2}
            for publication in publications
        ],
    }
    with django_capture_on_commit_callbacks(execute=True):
        created = editor_api.post("/api/claims/", body, format="json")
    assert created.status_code == 201, created.content
    claim_id = created.json()["id"]
    (expected,) = [row for row in _serialized(editor) if row["id"] == claim_id]
    assert created.json() == json.loads(json.dumps(dict(expected), cls=DjangoJSONEncoder))
    assert created.json()["units"][0]["orbat_path"] == "25th MRB › 6th Combined Arms Army › LMD"
    assert len(created.json()["citations"]) == 2 and created.json()["grade"]

    first = Claim.objects.get(title="Brigade crossed the river")
    changed = editor_api.patch(f"/api/claims/{first.pk}/", {"title": "Brigade crossed"})
    assert changed.status_code == 200, changed.content
    (expected,) = [row for row in _serialized(editor) if row["id"] == first.pk]
    assert changed.json() == json.loads(json.dumps(dict(expected), cls=DjangoJSONEncoder))
    assert changed.json()["title"] == "Brigade crossed" and changed.json()["citations"]
    assert changed["ETag"] == f'"{first.pk}-{first.version + 1}"'


def test_a_reader_who_joins_a_sharing_group_sees_its_evidence_on_the_next_read(rich_claims):
    """GIVEN a reader whose marked-citation query was compiled and kept (per reader) WHEN they
    join the sharing group (a new request reads them again) THEN the next page shows the
    group's citation: the kept SQL is per marking signature, which holds the groups."""
    reader = UserFactory(username="reader")
    reader.groups.add(Group.objects.get(name=ANALYST))

    def citations_seen() -> int:
        fresh = type(reader).objects.get(pk=reader.pk)  # what the next request loads
        row = next(r for r in _rendered(fresh) if r["title"] == "Brigade crossed the river")
        return len(row["citations"])

    assert citations_seen() == 2
    reader.groups.add(rich_claims)
    assert citations_seen() == 3
    reader.groups.remove(rich_claims)
    assert citations_seen() == 2


def test_the_marking_signature_tells_apart_what_the_rule_reads(editor, outsider):
    from core.markings import marking_signature

    team = Group.objects.create(name="Desk")
    signatures = {marking_signature(editor), marking_signature(outsider)}
    outsider.groups.add(team)
    signatures.add(marking_signature(type(outsider).objects.get(pk=outsider.pk)))
    outsider.is_superuser = True
    signatures.add(marking_signature(outsider))
    outsider.is_active = False
    signatures.add(marking_signature(outsider))
    assert len(signatures) == 5


def test_timestamps_read_as_postgresql_text_print_as_drf_prints_them(rich_claims, editor):
    """GIVEN citations stamped with a fraction PostgreSQL prints without its trailing zeros,
    and with none at all WHEN the list renders them from PostgreSQL's text THEN each reads
    exactly as DRF prints the datetime (the fraction padded to six digits, or absent)."""
    stamps = {
        "created_at": dt.datetime(2025, 2, 20, 10, 11, 12, 120000, tzinfo=dt.UTC),
        "updated_at": dt.datetime(2025, 2, 21, 0, 0, 0, tzinfo=dt.UTC),
    }
    Citation.objects.update(**stamps)
    assert _stamps_as_text() == ("timestamptz",)  # the path under test is the one taken

    rendered = _rendered(editor)

    citations = [c for row in rendered for c in row["citations"]]
    assert citations
    assert {(c["created_at"], c["updated_at"]) for c in citations} == {
        ("2025-02-20T10:11:12.120000Z", "2025-02-21T00:00:00Z")
    }
    assert rendered == [dict(row) for row in _serialized(editor)]
