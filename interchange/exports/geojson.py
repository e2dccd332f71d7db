"""GeoJSON (RFC 7946) of a claim set: one Feature per claim that has a place with coordinates.

A claim with one such place is a Point, with several a MultiPoint (one Feature per claim keeps
the features countable as claims and filterable by claim in a GIS); its places are listed in
``properties.places`` in the order of the coordinates. Coordinates are [longitude, latitude].
Claims without coordinates are left out and counted in the foreign member ``x_skipped``.
"""

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from . import ExportRow, batches, claim_url, dumps, iso_date

MEDIA_TYPE = "application/geo+json"


def feature(row: ExportRow, base_url: str = "") -> dict[str, Any] | None:
    """A claim as a Feature, or None when none of its places has coordinates."""
    claim = row.claim
    places = [
        place
        for place in row.locations
        if place.latitude is not None and place.longitude is not None
    ]
    if not places:
        return None
    # RFC 7946 §3.1.1: longitude first.
    positions = [[float(place.longitude), float(place.latitude)] for place in places]
    if len(positions) == 1:
        geometry = {"type": "Point", "coordinates": positions[0]}
    else:
        geometry = {"type": "MultiPoint", "coordinates": positions}
    units = [
        {"name": involvement.unit.name, "role": involvement.role}
        for involvement in row.involvements
    ]
    return {
        "type": "Feature",
        "id": claim.pk,
        "geometry": geometry,
        "properties": {
            "id": claim.pk,
            "uuid": str(claim.uuid),
            "title": claim.title,
            "status": claim.status,
            "grade": claim.best_grade,
            "independent_lines": claim.independent_lines,
            "occurred": claim.occurred_display,
            "occurred_start": iso_date(claim.occurred_start),
            "occurred_end": iso_date(claim.occurred_end),
            "marking": claim.marking,
            "url": claim_url(claim, base_url),
            "units": units,
            "places": [
                {"id": place.pk, "name": place.name, "precision": place.precision}
                for place in places
            ],
        },
    }


def feature_collection(claims: QuerySet, user, base_url: str = "") -> Iterator[str]:
    """The FeatureCollection of ``claims`` (filtered, visible to ``user``), in pieces."""
    yield '{"type":"FeatureCollection","features":['
    skipped = 0
    first = True
    for batch in batches(claims, user, citations=False, topics=False):
        features = []
        for row in batch:
            item = feature(row, base_url)
            if item is None:
                skipped += 1
            else:
                features.append(dumps(item))
        if features:
            yield ("" if first else ",") + ",".join(features)
            first = False
    # Counts only claims the user may see, so it reveals nothing about hidden ones.
    yield f'],"x_skipped":{skipped}}}'
