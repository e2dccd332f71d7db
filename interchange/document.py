"""The Claimtrace exchange document (JSON, version 1), written as a stream.

Every record is keyed by its stable ``uuid`` (topics by their ``slug``), and refers to other
records by theirs, so a document can be imported into another database. Users and groups
(authors, named recipients, sharing groups) are named by username and group name.

Evidence files are described (name, SHA-256, size, type, storage path, sensitivity,
versions) but their bytes are not embedded: copy the media storage alongside the document
and run ``verify_evidence`` after importing it.

``export_fragments`` yields the document as strings, one record per line; rows are read with
``QuerySet.iterator(chunk_size=...)`` and their related rows prefetched per chunk, so memory
and the number of queries per chunk stay constant however many claims there are.
"""

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.duration import duration_string

from claims import fields as claim_fields
from claims.fields import ClaimField, Render
from claims.models import Citation, Claim, ClaimRelation, Quantity, Topic, UnitInvolvement
from places.models import Location
from sources.models import (
    EvidenceFile,
    Publication,
    PublicationPerson,
    PublicationReference,
    Source,
)
from units.models import Unit

from . import FORMAT_NAME, FORMAT_VERSION

# Rows read from the database per round trip; each chunk costs one query per prefetch.
CHUNK_SIZE = 500

SECTIONS = ("topics", "locations", "sources", "units", "publications", "claims")

# Plain fields of each record, in the order they are written (relations come separately).
TOPIC_FIELDS = ("slug", "name", "description")
LOCATION_FIELDS = ("name", "kind", "country", "latitude", "longitude", "precision", "description")
SOURCE_FIELDS = ("name", "kind", "country", "reliability", "role", "url", "description")
UNIT_FIELDS = ("name", "abbreviation", "country", "echelon", "branch", "description")
HONORIFIC_FIELDS = ("title", "awarded_on", "awarded_precision", "awarded_by", "note")
PUBLICATION_FIELDS = (
    "kind",
    "title",
    "published_on",
    "published_precision",
    "url",
    "language",
    "summary",
    "marking",
)
REFERENCE_FIELDS = ("kind", "locator", "note")
FILE_FIELDS = ("file", "original_name", "sha256", "size", "content_type", "sensitivity")
FILE_FIELDS_EDITABLE = ("description",)
# A claim's record is laid out by claims.fields (DOCUMENT_FIELDS): its plain fields, which
# an import writes, and those derived from the evidence, recomputed on import and exported for
# readers of the file.
CLAIM_FIELDS = tuple(
    key
    for field in claim_fields.DOCUMENT_FIELDS
    if field.render in (Render.VALUE, Render.PERIOD)
    for key in field.document
    if Claim._meta.get_field(key).editable
)
CLAIM_DERIVED_FIELDS = tuple(
    key for field in claim_fields.DOCUMENT_FIELDS if field.derived for key in field.document
)
QUANTITY_FIELDS = ("measure", "low", "high", "unit_of_measure", "approximate", "as_of", "note")
CITATION_FIELDS = (
    "stance",
    "excerpt",
    "excerpt_language",
    "translation",
    "locator_page",
    "locator_paragraph",
    "locator_timestamp",
    "locator_footnote",
    "credibility",
    "sensitivity",
    "note",
)
INVOLVEMENT_FIELDS = ("role", "note")
RELATION_FIELDS = ("kind", "note")

# Bookkeeping of every tracked record: restored as they were when a record is created.
STAMP_FIELDS = ("created_at", "updated_at", "created_by", "updated_by", "version")
ARCHIVE_FIELDS = ("archived_at", "archived_by")


def plain(value: Any) -> Any:
    """A field value as JSON: dates ISO 8601, decimals as strings (exact), durations hh:mm:ss."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return duration_string(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    return str(value)


class _Names:
    """Usernames and group names by id, read once per export (there are few of either)."""

    def __init__(self) -> None:
        self.users = dict(get_user_model().objects.values_list("pk", "username"))
        self.groups = dict(Group.objects.values_list("pk", "name"))

    def user(self, pk: int | None) -> str | None:
        return self.users.get(pk) if pk is not None else None


def _fields(obj: models.Model, names: Iterable[str]) -> dict[str, Any]:
    return {name: plain(getattr(obj, name)) for name in names}


def _stamps(obj: models.Model, names: _Names) -> dict[str, Any]:
    record = {
        "created_at": plain(obj.created_at),
        "updated_at": plain(obj.updated_at),
        "created_by": names.user(obj.created_by_id),
        "updated_by": names.user(obj.updated_by_id),
        "version": obj.version,
    }
    if hasattr(obj, "archived_at"):
        record["archived_at"] = plain(obj.archived_at)
        record["archived_by"] = names.user(obj.archived_by_id)
    return record


def _uuid(related: models.Model | None) -> str | None:
    return str(related.uuid) if related is not None else None


def _sharing(obj: models.Model) -> dict[str, list[str]]:
    """Sharing groups and named recipients by name (prefetched, sorted for stable output)."""
    return {
        "sharing_groups": sorted(group.name for group in obj.sharing_groups.all()),
        "shared_with": sorted(user.get_username() for user in obj.shared_with.all()),
    }


# -- one record of each kind -------------------------------------------------------------------


def topic_record(topic: Topic, names: _Names) -> dict[str, Any]:
    """A topic: its slug is its key."""
    return _fields(topic, TOPIC_FIELDS)


def location_record(location: Location, names: _Names) -> dict[str, Any]:
    """A place with its parent (uuid) and aliases."""
    return {
        "uuid": str(location.uuid),
        **_fields(location, LOCATION_FIELDS),
        "parent": _uuid(location.parent),
        "aliases": sorted(alias.name for alias in location.aliases.all()),
        **_stamps(location, names),
    }


def source_record(source: Source, names: _Names) -> dict[str, Any]:
    """A source with its affiliation (uuid) and aliases."""
    return {
        "uuid": str(source.uuid),
        **_fields(source, SOURCE_FIELDS),
        "affiliation": _uuid(source.affiliation),
        "aliases": sorted(alias.name for alias in source.aliases.all()),
        **_stamps(source, names),
    }


def unit_record(unit: Unit, names: _Names) -> dict[str, Any]:
    """A unit with its ORBAT parent (uuid), aliases and honorific titles."""
    return {
        "uuid": str(unit.uuid),
        **_fields(unit, UNIT_FIELDS),
        "parent": _uuid(unit.parent),
        "aliases": sorted(alias.name for alias in unit.aliases.all()),
        "honorifics": sorted(
            (_fields(honorific, HONORIFIC_FIELDS) for honorific in unit.honorifics.all()),
            key=lambda record: record["title"],
        ),
        **_stamps(unit, names),
    }


def publication_record(publication: Publication, names: _Names) -> dict[str, Any]:
    """A publication with its people, the references it makes (the citation graph) and the
    metadata of its evidence files."""
    people = sorted(
        ({"person": _uuid(link.person), "role": link.role} for link in publication.export_people),
        key=lambda record: (record["person"], record["role"]),
    )
    references = [
        {
            "uuid": str(reference.uuid),
            "cited": _uuid(reference.cited),
            **_fields(reference, REFERENCE_FIELDS),
            **_stamps(reference, names),
        }
        for reference in sorted(publication.export_references, key=lambda ref: str(ref.uuid))
    ]
    exported = {evidence.pk for evidence in publication.export_files}
    files = [
        {
            "uuid": str(evidence.uuid),
            **_fields(evidence, FILE_FIELDS + FILE_FIELDS_EDITABLE),
            # A user's export leaves archived files out: a version they replaced is not named.
            "replaces": _uuid(evidence.replaces) if evidence.replaces_id in exported else None,
            **_stamps(evidence, names),
        }
        for evidence in sorted(publication.export_files, key=lambda file: str(file.uuid))
    ]
    return {
        "uuid": str(publication.uuid),
        "source": _uuid(publication.source),
        **_fields(publication, PUBLICATION_FIELDS),
        **_sharing(publication),
        "people": people,
        "references": references,
        "files": files,
        **_stamps(publication, names),
    }


def _claim_quantities(claim: Claim, names: _Names) -> list[dict[str, Any]]:
    # Quantities have no identity of their own: they are the claim's, in their order.
    return [
        _fields(quantity, QUANTITY_FIELDS)
        for quantity in sorted(claim.export_quantities, key=lambda q: q.pk)
    ]


def _claim_citations(claim: Claim, names: _Names) -> list[dict[str, Any]]:
    return [
        {
            "uuid": str(citation.uuid),
            "publication": _uuid(citation.publication),
            **_fields(citation, CITATION_FIELDS),
            **_stamps(citation, names),
        }
        for citation in sorted(claim.export_citations, key=lambda c: str(c.uuid))
    ]


def _claim_involvements(claim: Claim, names: _Names) -> list[dict[str, Any]]:
    return [
        {
            "uuid": str(involvement.uuid),
            "unit": _uuid(involvement.unit),
            "attributed_by": _uuid(involvement.attributed_by),
            **_fields(involvement, INVOLVEMENT_FIELDS),
            **_stamps(involvement, names),
        }
        for involvement in sorted(claim.export_involvements, key=lambda i: str(i.uuid))
    ]


def _claim_relations(claim: Claim, names: _Names) -> list[dict[str, Any]]:
    return [
        {
            "uuid": str(relation.uuid),
            "to_claim": _uuid(relation.to_claim),
            **_fields(relation, RELATION_FIELDS),
            **_stamps(relation, names),
        }
        for relation in sorted(claim.export_relations, key=lambda r: str(r.uuid))
    ]


# The related records of a claim's record, by field name (claims.fields), from what
# ``claims_with_related`` loaded; other records are referred to by their uuid (topics by slug).
_CLAIM_RELATED: dict[str, Callable[[Claim, _Names], Any]] = {
    "sharing_groups": lambda claim, names: sorted(claim.export_groups),
    "shared_with": lambda claim, names: sorted(claim.export_users),
    "topics": lambda claim, names: sorted(claim.export_topics),
    "locations": lambda claim, names: sorted(str(value) for value in claim.export_locations),
    "quantities": _claim_quantities,
    "citations": _claim_citations,
    "units": _claim_involvements,
    "related": _claim_relations,
}


def _claim_writer(field: ClaimField, key: str) -> Callable[[Claim, _Names], Any]:
    """How ``key`` of ``field`` is written from a claim: related records by their writer,
    users by name, any other value as ``plain`` writes it (the document's keys of those are
    the model's attributes)."""
    if field.render is Render.RELATED:
        try:
            return _CLAIM_RELATED[field.name]
        except KeyError:
            raise ImproperlyConfigured(
                f"interchange.document writes no related records for the claim field "
                f"{field.name!r} that claims.fields declares for the document."
            ) from None
    if field.render is Render.USER:
        user_id = attrgetter(f"{field.attribute}_id")
        return lambda claim, names: names.user(user_id(claim))
    value = attrgetter(key)
    return lambda claim, names: plain(value(claim))


# Built once: a claim's record is these writers' values, in the document's order.
_CLAIM_WRITERS = tuple(
    (key, _claim_writer(field, key))
    for field in claim_fields.DOCUMENT_FIELDS
    for key in field.document
)


def claim_record(claim: Claim, names: _Names) -> dict[str, Any]:
    """A claim with topics, places, numbers, citations, units and relations to other claims
    (from ``claims_with_related``: no query)."""
    return {key: write(claim, names) for key, write in _CLAIM_WRITERS}


# -- what is exported, for whom ----------------------------------------------------------------


def export_querysets(
    user=None, claims: QuerySet | None = None, archived: bool | None = False
) -> dict[str, QuerySet]:
    """The rows of each section, with what each record renders prefetched.

    ``user=None`` is the operator (the management command): everything, archived records
    included. Given a user, publications, claims, citations, evidence files and links between
    them are those ``visible_to(user)``: what a user may not see is absent from the document,
    also as a reference (a citation of a hidden publication, a relation to a hidden claim).
    Topics, places, sources and units carry no marking and are exported whole, archived ones
    included, so every reference in the document resolves. ``claims`` (already narrowed,
    e.g. by ``ClaimFilterSet``) restricts the claims; it must come from ``visible_to(user)``.
    ``archived`` is the user's archive state, as ``visible_to`` takes it: current records
    (``False``), or also the archived ones (``None``, an editor's full export).
    """
    if user is None:
        publications = Publication.objects.all()
        files = EvidenceFile.objects.all()
        claims = Claim.objects.all() if claims is None else claims
        visible_publications = Publication.objects.all()
    else:
        publications = Publication.objects.visible_to(user, archived=archived)
        files = EvidenceFile.objects.visible_to(user, archived=archived)
        if claims is None:
            claims = Claim.objects.visible_to(user, archived=archived)
        visible_publications = publications
    # Links stay inside the document: a reference to a publication, or a relation to a claim
    # (``claims_with_related``), that is not exported would name a record the reader may not
    # see.
    references = PublicationReference.objects.filter(
        cited__in=visible_publications.values("pk")
    ).select_related("cited")
    return {
        "topics": Topic.objects.order_by("slug"),
        "locations": Location.objects.select_related("parent")
        .prefetch_related("aliases")
        .order_by("uuid"),
        "sources": Source.objects.select_related("affiliation")
        .prefetch_related("aliases")
        .order_by("uuid"),
        "units": Unit.objects.select_related("parent")
        .prefetch_related("aliases", "honorifics")
        .order_by("uuid"),
        "publications": publications.select_related("source")
        .prefetch_related(
            "sharing_groups",
            "shared_with",
            Prefetch(
                "publicationperson_set",
                queryset=PublicationPerson.objects.select_related("person"),
                to_attr="export_people",
            ),
            Prefetch("references_made", queryset=references, to_attr="export_references"),
            Prefetch("files", queryset=files.select_related("replaces"), to_attr="export_files"),
        )
        .order_by("uuid"),
        # Claims load their related rows per chunk in ``claims_with_related``.
        "claims": claims.select_related(None).prefetch_related(None).order_by("uuid"),
    }


def _batched(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _grouped(pairs: Iterable[tuple[int, Any]]) -> dict[int, list[Any]]:
    groups: dict[int, list[Any]] = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    return groups


def _by_claim(rows: Iterable[models.Model]) -> dict[int, list[Any]]:
    return _grouped((row.claim_id, row) for row in rows)


def claims_with_related(
    claims: QuerySet, user=None, chunk_size: int = CHUNK_SIZE, archived: bool | None = False
) -> Iterator[Claim]:
    """``claims`` with what ``claim_record`` writes, loaded per chunk in eight queries.

    Like ``prefetch_related`` but by hand, reading names and uuids as plain values: at a
    million claims Django's per-instance prefetch bookkeeping was most of the export's time.
    Given ``user``, citations are those they may see (``archived`` as ``export_querysets``
    takes it) and relations only reach exported claims.
    """
    citations = (
        Citation.objects.all()
        if user is None
        else Citation.objects.visible_to(user, archived=archived)
    )
    relations = ClaimRelation.objects.filter(to_claim__in=claims.order_by().values("pk"))
    through = {name: getattr(Claim, name).through.objects for name in ("topics", "locations")}
    sharing = {
        name: getattr(Claim, name).through.objects for name in ("sharing_groups", "shared_with")
    }
    for chunk in _batched(claims.iterator(chunk_size=chunk_size), chunk_size):
        ids = [claim.pk for claim in chunk]
        topics = _grouped(
            through["topics"].filter(claim_id__in=ids).values_list("claim_id", "topic__slug")
        )
        places = _grouped(
            through["locations"].filter(claim_id__in=ids).values_list("claim_id", "location__uuid")
        )
        groups = _grouped(
            sharing["sharing_groups"]
            .filter(claim_id__in=ids)
            .values_list("claim_id", "group__name")
        )
        users = _grouped(
            sharing["shared_with"]
            .filter(claim_id__in=ids)
            .values_list("claim_id", "user__username")
        )
        quantities = _by_claim(Quantity.objects.filter(claim_id__in=ids))
        cited = _by_claim(
            citations.filter(claim_id__in=ids).select_related(None).select_related("publication")
        )
        involved = _by_claim(
            UnitInvolvement.objects.filter(claim_id__in=ids).select_related("unit", "attributed_by")
        )
        related = _grouped(
            (relation.from_claim_id, relation)
            for relation in relations.filter(from_claim_id__in=ids).select_related("to_claim")
        )
        for claim in chunk:
            claim.export_topics = topics.get(claim.pk, [])
            claim.export_locations = places.get(claim.pk, [])
            claim.export_groups = groups.get(claim.pk, [])
            claim.export_users = users.get(claim.pk, [])
            claim.export_quantities = quantities.get(claim.pk, [])
            claim.export_citations = cited.get(claim.pk, [])
            claim.export_involvements = involved.get(claim.pk, [])
            claim.export_relations = related.get(claim.pk, [])
            yield claim


RECORD_WRITERS = {
    "topics": topic_record,
    "locations": location_record,
    "sources": source_record,
    "units": unit_record,
    "publications": publication_record,
    "claims": claim_record,
}


def export_fragments(
    user=None,
    claims: QuerySet | None = None,
    sections: Iterable[str] = SECTIONS,
    chunk_size: int = CHUNK_SIZE,
    archived: bool | None = False,
) -> Iterator[str]:
    """The document as a stream of strings (concatenated: valid JSON, one record a line);
    ``archived`` as ``export_querysets`` takes it."""
    names = _Names()
    querysets = export_querysets(user, claims, archived)
    header = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "files_embedded": False,
    }
    yield json.dumps(header, ensure_ascii=False)[:-1]
    for section in sections:
        yield f',\n"{section}": ['
        writer = RECORD_WRITERS[section]
        separator = "\n"
        if section == "claims":
            rows = claims_with_related(querysets[section], user, chunk_size, archived)
        else:
            rows = querysets[section].iterator(chunk_size=chunk_size)
        for obj in rows:
            yield separator + json.dumps(writer(obj, names), ensure_ascii=False)
            separator = ",\n"
        yield "\n]"
    yield "\n}\n"


def export_document(user=None, claims: QuerySet | None = None) -> dict[str, Any]:
    """The whole document as one dict (tests and small exports; streams use the fragments)."""
    return json.loads("".join(export_fragments(user, claims)))
