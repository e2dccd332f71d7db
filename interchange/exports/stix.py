"""STIX 2.1 bundle of a claim set, for OpenCTI and other threat-intelligence platforms.

What maps to what:

- the exporting organisation → ``identity`` (class organization), ``created_by_ref`` of all;
- a claim → ``report`` (``report_types: ["claim"]``, ``published`` = when it was recorded)
  with ``object_refs`` to its units, cited sources, places and involvement relationships;
  its citations → ``external_references`` (source name, URL, excerpt, footnote as
  ``external_id``), the first one pointing back at the claim's page;
- a source → ``identity`` (individual for people, organization otherwise); a person who speaks
  for a body → ``relationship`` ``related-to`` to the body's identity;
- a unit → ``identity`` (class organization, ORBAT in ``x_claimtrace_orbat``); its part in a
  claim → ``relationship`` ``related-to`` from the report, ``description`` = the role;
- a place with a country or coordinates → ``location``;
- markings → the official TLP 2.0 ``marking-definition`` objects (OASIS
  cti-stix-common-objects), in ``object_marking_refs``.

Ids are UUIDv5 of our record UUIDs, so a re-export gives the same STIX ids and an importer
updates instead of duplicating. Confidence: the analyst's ICD 203 estimate through the STIX
2.1 Appendix A "DNI scale" table; without one, the credibility of the best grade through the
Appendix A "Admiralty credibility" table; the grade itself is ``x_claimtrace_grade``.
"""

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from claims.models import Claim, UnitInvolvement
from core.choices import Confidence, Marking
from places.models import Location
from sources.models import Source
from units.models import Unit

from . import ExportRow, batches, claim_url, dumps, iso_date, organisation_name, strictest

MEDIA_TYPE = "application/stix+json;version=2.1"

# Fixed namespace of Claimtrace's STIX ids: uuid5(NAMESPACE, record uuid) is the same on every
# export and every installation, which is what lets OpenCTI recognise a record it has seen.
NAMESPACE = uuid.UUID("6f0c8e3a-54b1-4d5e-9a59-0c1f3b7c2d11")

TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
# The official TLP 2.0 marking definitions (OASIS cti-stix-common-objects); OpenCTI ships the
# same ids, so markings land on its own TLP:* markings instead of new ones.
TLP_IDS = {
    Marking.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Marking.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Marking.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Marking.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Marking.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

ROLE_LABELS = dict(UnitInvolvement.Role.choices)

# STIX 2.1 Appendix A, "DNI Scale" (ICD 203 estimative language) to STIX confidence.
CONFIDENCE_FROM_ICD203 = {
    Confidence.ALMOST_NO_CHANCE: 5,
    Confidence.VERY_UNLIKELY: 15,
    Confidence.UNLIKELY: 30,
    Confidence.ROUGHLY_EVEN: 50,
    Confidence.LIKELY: 70,
    Confidence.VERY_LIKELY: 85,
    Confidence.ALMOST_CERTAIN: 95,
}
# STIX 2.1 Appendix A, "Admiralty Credibility" to STIX confidence; 6 (cannot be judged) has
# no value, so the property is left out.
CONFIDENCE_FROM_CREDIBILITY = {1: 90, 2: 70, 3: 50, 4: 30, 5: 10}

# STIX location precision is in metres; "settlement" and "region" are rough radii.
PRECISION_METRES = {
    Location.Precision.EXACT: 10,
    Location.Precision.WITHIN_100M: 100,
    Location.Precision.WITHIN_1KM: 1000,
    Location.Precision.SETTLEMENT: 5000,
    Location.Precision.REGION: 100000,
}
# OpenCTI reads x_opencti_location_type to file a location as a country, area, city or point.
OPENCTI_LOCATION_TYPE = {
    Location.Kind.COUNTRY: "Country",
    Location.Kind.REGION: "Administrative-Area",
    Location.Kind.DISTRICT: "Administrative-Area",
    Location.Kind.SETTLEMENT: "City",
}


def stix_id(kind: str, record_uuid: uuid.UUID | str) -> str:
    """The STIX id of one of our records: the same on every export."""
    return f"{kind}--{uuid.uuid5(NAMESPACE, str(record_uuid))}"


def timestamp(value: dt.datetime) -> str:
    """A STIX timestamp: UTC with milliseconds and a Z."""
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def marking_definitions() -> list[dict[str, Any]]:
    """The five TLP 2.0 marking definitions, exactly as OASIS publishes them."""
    return [
        {
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": marking_id,
            "created": "2022-10-01T00:00:00.000Z",
            "name": marking.label,
            "extensions": {
                TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": marking.value}
            },
        }
        for marking, marking_id in TLP_IDS.items()
    ]


def organisation_identity() -> dict[str, Any]:
    """The identity of whoever exports: the ``created_by_ref`` of every object."""
    name = organisation_name()
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": stix_id("identity", f"organisation:{name}"),
        "created": "2025-01-01T00:00:00.000Z",
        "modified": "2025-01-01T00:00:00.000Z",
        "name": name,
        "identity_class": "organization",
    }


def confidence(claim: Claim) -> int | None:
    """STIX confidence (0-100) of a claim; see the module docstring for the mapping."""
    if claim.confidence:
        return CONFIDENCE_FROM_ICD203[Confidence(claim.confidence)]
    if claim.best_grade:
        return CONFIDENCE_FROM_CREDIBILITY.get(int(claim.best_grade[1:]))
    return None


def _common(record, kind: str, created_by: str) -> dict[str, Any]:
    return {
        "type": kind,
        "spec_version": "2.1",
        "id": stix_id(kind, record.uuid),
        "created": timestamp(record.created_at),
        "modified": timestamp(record.updated_at),
        "created_by_ref": created_by,
    }


def source_identity(source: Source, created_by: str) -> dict[str, Any]:
    """A source as an identity: a person is an individual, anything else an organization."""
    obj = _common(source, "identity", created_by)
    obj["name"] = source.name
    obj["identity_class"] = "individual" if source.kind == Source.Kind.PERSON else "organization"
    if source.description:
        obj["description"] = source.description
    if source.role:
        obj["roles"] = [source.role]
    if source.url:
        obj["external_references"] = [{"source_name": "website", "url": source.url}]
    obj["x_claimtrace_kind"] = source.kind
    obj["x_claimtrace_reliability"] = source.reliability
    if source.country:
        obj["x_claimtrace_country"] = source.country
    return obj


def affiliation_relationship(person: Source, body: Source, created_by: str) -> dict[str, Any]:
    """ "Budanov speaks for GUR" as a related-to relationship between the two identities."""
    description = f"speaks for ({person.role})" if person.role else "speaks for"
    return {
        "type": "relationship",
        "spec_version": "2.1",
        "id": stix_id("relationship", f"affiliation:{person.uuid}:{body.uuid}"),
        "created": timestamp(person.created_at),
        "modified": timestamp(person.updated_at),
        "created_by_ref": created_by,
        "relationship_type": "related-to",
        "source_ref": stix_id("identity", person.uuid),
        "target_ref": stix_id("identity", body.uuid),
        "description": description,
        "x_claimtrace_relation": "affiliation",
    }


# A unit is always an identity (class organization), never a threat-actor: its role is a
# property of one claim (perpetrator in one, subject or merely located in another), and an
# object's STIX type must not change with the claims that happen to be exported, or the same
# unit would arrive in OpenCTI as two entities. The role lives on the relationship instead.
def unit_identity(unit: Unit, orbat: str, created_by: str) -> dict[str, Any]:
    """A military unit as an identity, with its ORBAT path and echelon."""
    obj = _common(unit, "identity", created_by)
    obj["name"] = unit.name
    obj["identity_class"] = "organization"
    if unit.description:
        obj["description"] = unit.description
    obj["x_claimtrace_kind"] = "military_unit"
    obj["x_claimtrace_country"] = unit.country
    obj["x_claimtrace_echelon"] = unit.echelon
    if unit.branch:
        obj["x_claimtrace_branch"] = unit.branch
    if unit.abbreviation:
        obj["x_claimtrace_abbreviation"] = unit.abbreviation
    if orbat:
        obj["x_claimtrace_orbat"] = orbat
    return obj


def has_position(location: Location) -> bool:
    """STIX needs a country, a region or coordinates for a location."""
    return bool(location.country) or location.latitude is not None


def location_object(location: Location, created_by: str) -> dict[str, Any]:
    """A place as a STIX location (coordinates with a precision in metres when known)."""
    obj = _common(location, "location", created_by)
    obj["name"] = location.name
    if location.description:
        obj["description"] = location.description
    if location.country:
        obj["country"] = location.country
    if location.latitude is not None and location.longitude is not None:
        obj["latitude"] = float(Decimal(location.latitude))
        obj["longitude"] = float(Decimal(location.longitude))
        obj["precision"] = float(PRECISION_METRES.get(location.precision, 5000))
    if location.kind in OPENCTI_LOCATION_TYPE:
        obj["x_opencti_location_type"] = OPENCTI_LOCATION_TYPE[location.kind]
    elif location.latitude is not None:
        obj["x_opencti_location_type"] = "Position"
    obj["x_claimtrace_kind"] = location.kind
    return obj


def involvement_relationship(
    involvement: UnitInvolvement, report_id: str, marking_id: str, created_by: str
) -> dict[str, Any]:
    """A unit's part in a claim: related-to from the report, the role as description."""
    obj = _common(involvement, "relationship", created_by)
    # A dict, not get_role_display(): Django rebuilds the flat choices on every call.
    description = ROLE_LABELS.get(involvement.role, involvement.role)
    if involvement.attributed_by_id:
        description += f" (attributed by {involvement.attributed_by.name})"
    if involvement.note:
        description += f": {involvement.note}"
    obj.update(
        {
            "relationship_type": "related-to",
            "source_ref": report_id,
            "target_ref": stix_id("identity", involvement.unit.uuid),
            "description": description,
            "object_marking_refs": [marking_id],
            "x_claimtrace_role": involvement.role,
        }
    )
    if involvement.attributed_by_id:
        obj["x_claimtrace_attributed_by_ref"] = stix_id("identity", involvement.attributed_by.uuid)
    return obj


def citation_reference(citation) -> dict[str, Any]:
    """A citation as an external reference: who, where, the excerpt and the footnote."""
    publication = citation.publication
    reference: dict[str, Any] = {
        "source_name": publication.source.name,
        "description": citation.excerpt or publication.title,
    }
    if publication.url:
        reference["url"] = publication.url
    if citation.locator_footnote:
        reference["external_id"] = f"[{citation.locator_footnote}]"
    return reference


def citation_summary(citation) -> dict[str, Any]:
    """What an external reference cannot hold: stance, grade, locator, the publication."""
    publication = citation.publication
    return {
        "publication": publication.title,
        "publication_uuid": str(publication.uuid),
        "published": iso_date(publication.published_on),
        "stance": citation.stance,
        "grade": citation.grade_with(publication.source.reliability),
        "locator": citation.locator_display,
    }


def report_object(
    row: ExportRow, object_refs: list[str], marking: str, created_by: str, base_url: str
) -> dict[str, Any]:
    """A claim as a report: statement, evidence as external references, judgements as x_."""
    claim, citations = row.claim, row.citations
    obj = _common(claim, "report", created_by)
    obj.update(
        {
            "name": claim.title,
            "description": claim.statement,
            "published": timestamp(claim.created_at),
            "report_types": ["claim"],
            # A report needs at least one ref: a claim with no unit, source or place points at
            # its author, the exporting organisation.
            "object_refs": object_refs or [created_by],
            "object_marking_refs": [TLP_IDS[Marking(marking)]],
            "external_references": [
                {
                    "source_name": organisation_name(),
                    "url": claim_url(claim, base_url),
                    "external_id": str(claim.uuid),
                },
                *(citation_reference(citation) for citation in citations),
            ],
            "x_claimtrace_kind": claim.kind,
            "x_claimtrace_status": claim.status,
            "x_claimtrace_marking": claim.marking,
            "x_claimtrace_independent_lines": claim.independent_lines,
            "x_claimtrace_disputes": claim.disputes,
        }
    )
    labels = [topic.slug for topic in row.topics]
    if labels:
        obj["labels"] = labels
    if claim.best_grade:
        obj["x_claimtrace_grade"] = claim.best_grade
    if claim.confidence:
        obj["x_claimtrace_confidence"] = claim.confidence
    stix_confidence = confidence(claim)
    if stix_confidence is not None:
        obj["confidence"] = stix_confidence
    if claim.occurred_start:
        obj["x_claimtrace_occurred"] = claim.occurred_display
        obj["x_claimtrace_occurred_start"] = iso_date(claim.occurred_start)
        if claim.occurred_end:
            obj["x_claimtrace_occurred_end"] = iso_date(claim.occurred_end)
    if citations:
        obj["x_claimtrace_citations"] = [citation_summary(citation) for citation in citations]
    return obj


class _Emitter:
    """Turns batches of claims into STIX objects, each shared object (unit, source, place)
    once per bundle: only their ids are remembered, and there are few of them next to claims."""

    def __init__(self, user, base_url: str) -> None:
        self.user = user
        self.base_url = base_url
        self.organisation = organisation_identity()
        self.created_by = self.organisation["id"]
        self.emitted: set[str] = set()
        # Sources whose affiliation relationship was written (or whose body is hidden).
        self.affiliated: set[int] = set()

    def _once(self, obj_id: str) -> bool:
        if obj_id in self.emitted:
            return False
        self.emitted.add(obj_id)
        return True

    def batch(self, rows: list[ExportRow]) -> list[dict[str, Any]]:
        """The objects of one batch, shared ones first, with a fixed number of queries."""
        objects: list[dict[str, Any]] = []
        sources: dict[int, Source] = {}
        units: dict[int, Unit] = {}
        for row in rows:
            for citation in row.citations:
                sources[citation.publication.source_id] = citation.publication.source
            for involvement in row.involvements:
                units[involvement.unit_id] = involvement.unit
                if involvement.attributed_by_id:
                    sources[involvement.attributed_by_id] = involvement.attributed_by
        # People whose affiliation is not in the bundle yet (also those that first came in as
        # someone's body), and the bodies they speak for in one query for the batch.
        speakers = [
            source
            for source in sources.values()
            if source.affiliation_id and source.pk not in self.affiliated
        ]
        body_ids = {source.affiliation_id for source in speakers}
        bodies = Source.objects.visible_to(self.user).in_bulk(body_ids) if body_ids else {}
        for source in [*bodies.values(), *sources.values()]:
            if self._once(stix_id("identity", source.uuid)):
                objects.append(source_identity(source, self.created_by))
        for source in speakers:
            self.affiliated.add(source.pk)
            body = bodies.get(source.affiliation_id)
            if body is not None:
                objects.append(affiliation_relationship(source, body, self.created_by))
        new_units = [u for u in units.values() if stix_id("identity", u.uuid) not in self.emitted]
        # ORBAT paths of the batch's new units in one recursive query.
        paths = Unit.objects.orbat_paths(sorted(u.pk for u in new_units)) if new_units else {}
        for unit in new_units:
            self._once(stix_id("identity", unit.uuid))
            objects.append(unit_identity(unit, paths.get(unit.pk, ""), self.created_by))
        for row in rows:
            objects.extend(self.claim(row))
        return objects

    def claim(self, row: ExportRow) -> list[dict[str, Any]]:
        """A claim's places, involvement relationships and report (shared objects done)."""
        claim, citations = row.claim, row.citations
        objects: list[dict[str, Any]] = []
        refs: list[str] = []
        report_id = stix_id("report", claim.uuid)
        # The report carries its citations, so it is marked as strictly as the most restricted
        # of the claim and the publications it cites (a GREEN claim citing an AMBER article
        # must not travel as GREEN).
        marking = strictest([claim.marking, *(c.publication.marking for c in citations)])
        marking_id = TLP_IDS[Marking(marking)]
        for location in row.locations:
            if not has_position(location):
                continue
            location_id = stix_id("location", location.uuid)
            if self._once(location_id):
                objects.append(location_object(location, self.created_by))
            refs.append(location_id)
        for involvement in row.involvements:
            relation = involvement_relationship(involvement, report_id, marking_id, self.created_by)
            objects.append(relation)
            refs.extend([relation["target_ref"], relation["id"]])
            if involvement.attributed_by_id:
                refs.append(relation["x_claimtrace_attributed_by_ref"])
        for citation in citations:
            refs.append(stix_id("identity", citation.publication.source.uuid))
        objects.append(
            report_object(row, list(dict.fromkeys(refs)), marking, self.created_by, self.base_url)
        )
        return objects


def stix_bundle(claims: QuerySet, user, base_url: str = "") -> Iterator[str]:
    """The STIX 2.1 bundle of ``claims`` (filtered and visible to ``user``), in pieces."""
    emitter = _Emitter(user, base_url)
    # A fresh bundle id each time (a bundle is a transport envelope); the objects' ids are
    # the stable ones.
    yield f'{{"type":"bundle","id":"bundle--{uuid.uuid4()}","objects":['
    head = [*marking_definitions(), emitter.organisation]
    yield ",".join(dumps(obj) for obj in head)
    for batch in batches(claims, user):
        objects = emitter.batch(batch)
        if objects:
            yield "," + ",".join(dumps(obj) for obj in objects)
    yield "]}"
