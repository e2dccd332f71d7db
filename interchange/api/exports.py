"""``/api/export/{stix,claimreview,geojson}/``: the filtered claim set in exchange formats.

Each endpoint takes the same filters as ``/api/claims/`` (``ClaimFilterSet``), starts from the
claims the user may see, and streams the document (``interchange.exports``) so that memory stays
flat whatever the number of claims.
"""

from collections.abc import Callable, Iterator

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer

from claims.filtersets import ClaimFilterSet
from claims.models import Claim
from interchange.exports import claimreview, geojson, stix


class ExportView(GenericAPIView):
    """Base of the export endpoints: filters, visibility, streaming."""

    queryset = Claim.objects.all()
    filterset_class = ClaimFilterSet
    pagination_class = None
    renderer_classes = [JSONRenderer]
    media_type = ""
    filename = ""
    export: Callable[..., Iterator[str]]

    def perform_content_negotiation(self, request, force: bool = False):
        # The body is always the export's own format and errors are always JSON, whatever the
        # client accepts: "Accept: application/stix+json" must not be refused with a 406.
        return JSONRenderer(), JSONRenderer.media_type

    def get_queryset(self):
        # The single way in: what the user may not see is absent, also from counts.
        return Claim.objects.visible_to(self.request.user)

    def get(self, request, *args, **kwargs) -> StreamingHttpResponse:
        claims = self.filter_queryset(self.get_queryset())
        base_url = request.build_absolute_uri("/").rstrip("/")
        chunks = (chunk.encode() for chunk in type(self).export(claims, request.user, base_url))
        response = StreamingHttpResponse(chunks, content_type=self.media_type)
        response["Content-Disposition"] = f'attachment; filename="{self.filename}"'
        return response


def _schema(media_type: str, description: str, schema=OpenApiTypes.OBJECT):
    return extend_schema(
        # Not a list action to drf-spectacular, yet it takes every filter of the claim list.
        filters=True,
        responses={(200, media_type.split(";")[0]): OpenApiResponse(schema, description)},
    )


class StixExportView(ExportView):
    """The filtered claims as a STIX 2.1 bundle (reports, identities, locations, TLP 2.0)."""

    media_type = stix.MEDIA_TYPE
    filename = "claims.stix.json"
    export = staticmethod(stix.stix_bundle)

    @_schema(stix.MEDIA_TYPE, "A STIX 2.1 bundle.")
    def get(self, request, *args, **kwargs) -> StreamingHttpResponse:
        return super().get(request, *args, **kwargs)


class ClaimReviewExportView(ExportView):
    """The filtered claims with a verdict as schema.org ClaimReview (a JSON-LD array)."""

    media_type = claimreview.MEDIA_TYPE
    filename = "claims.claimreview.jsonld"
    export = staticmethod(claimreview.claim_reviews)

    @_schema(
        claimreview.MEDIA_TYPE,
        "ClaimReview objects (JSON-LD).",
        {"type": "array", "items": {"type": "object", "additionalProperties": True}},
    )
    def get(self, request, *args, **kwargs) -> StreamingHttpResponse:
        return super().get(request, *args, **kwargs)


class GeoJsonExportView(ExportView):
    """The filtered claims with coordinates as a GeoJSON FeatureCollection."""

    media_type = geojson.MEDIA_TYPE
    filename = "claims.geojson"
    export = staticmethod(geojson.feature_collection)

    @_schema(geojson.MEDIA_TYPE, "A GeoJSON FeatureCollection ([longitude, latitude]).")
    def get(self, request, *args, **kwargs) -> StreamingHttpResponse:
        return super().get(request, *args, **kwargs)
