"""The interchange over HTTP: exports of the filtered claim set and the exchange document.

- ``/api/export/{stix,claimreview,geojson}/``: the filtered claim set in exchange formats
  (``interchange.exports``);
- ``/api/export/data/``, ``/api/export/csv/`` and ``/api/import/``: the lossless exchange
  (``interchange.document``, ``interchange.csv``, ``interchange.importer``).

Every export takes the same filters as ``/api/claims/`` (``ClaimFilterSet``), starts from what
the user may see (``visible_to(user)``) and streams (``StreamingHttpResponse``): rows are read
in chunks and written as they come, so memory stays flat whatever the number of claims.
"""

from collections.abc import Callable, Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import (
    ParseError,
    PermissionDenied,
    UnsupportedMediaType,
    ValidationError,
)
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.filtersets import ClaimFilterSet
from claims.models import Claim
from core.api.parsers import JSONParser
from interchange.csv import claim_csv_lines
from interchange.document import export_fragments
from interchange.exports import claimreview, geojson, stix
from interchange.files import ImportFileError, parse_import_bytes
from interchange.importer import import_document

from .serializers import ImportErrorSerializer, ImportReportSerializer

# What an import may create or change: the whole domain, so only editors may import.
IMPORT_PERMISSIONS = tuple(
    f"{app}.{action}_{model}"
    for app, model in (
        ("claims", "topic"),
        ("places", "location"),
        ("claims", "claim"),
        ("claims", "citation"),
        ("sources", "source"),
        ("sources", "publication"),
        ("units", "unit"),
    )
    for action in ("add", "change")
)


class CanImport(permissions.IsAuthenticated):
    """Editors (and admins): the roles that may add and change every domain record."""

    message = "Only editors may import data."

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.user.has_perms(IMPORT_PERMISSIONS)


ARCHIVED_PARAMETER = OpenApiParameter(
    "archived",
    OpenApiTypes.STR,
    enum=["false", "include", "true"],
    description="Editors: `include` exports archived claims, citations, publications and "
    "evidence files (each with its `archived_at`) beside the current ones, for a complete "
    "copy; `true` the archived claims only, with all their evidence. Default: current only.",
)

# ?archived= values: current records only, current and archived, archived claims only.
_CURRENT, _INCLUDE, _ONLY = {"", "0", "false", "no"}, {"include", "all"}, {"1", "true", "yes"}


class _ClaimExport(GenericAPIView):
    """The claims the user may see, narrowed by ``ClaimFilterSet``; 400 on a bad filter.
    ``?archived=include`` or ``true`` (editors) adds archived records (``archive_states``)."""

    permission_classes = [permissions.IsAuthenticated]
    queryset = Claim.objects.none()
    filterset_class = ClaimFilterSet
    # Declared for the OpenAPI schema (it lists the filters); ``claims`` applies them, with
    # the user's visibility first, since these views have no list to hand to the backend.
    filter_backends = [DjangoFilterBackend]
    pagination_class = None

    @staticmethod
    def archive_states(request: Request) -> tuple[bool | None, bool | None]:
        """``visible_to``'s ``archived`` for the claims, and for everything else exported:
        ``(False, False)`` by default; with ``include``, ``(None, None)``; with ``true``,
        ``(True, None)``: archived claims, with their evidence whatever its archive state."""
        value = request.query_params.get("archived", "").strip().lower()
        if value in _CURRENT:
            return False, False
        if value not in _INCLUDE | _ONLY:
            raise ValidationError({"archived": [f"“{value}” is not one of: false, include, true."]})
        # As the lists: the roles that may archive and restore claims may see archived ones.
        if not request.user.has_perm("claims.delete_claim"):
            raise PermissionDenied("Only editors can export archived records.")
        return (True if value in _ONLY else None), None

    def claims(self, request: Request):
        filterset = ClaimFilterSet(
            request.query_params,
            queryset=Claim.objects.visible_to(request.user, self.archive_states(request)[0]),
            request=request,
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return filterset.qs

    @staticmethod
    def filename(extension: str) -> str:
        return f"claimtrace-{timezone.now():%Y%m%d-%H%M%S}.{extension}"


class DataExportView(_ClaimExport):
    """Everything you may see as one Claimtrace JSON document (version 1), streamed."""

    @extend_schema(
        operation_id="export_data",
        filters=True,
        parameters=[ARCHIVED_PARAMETER],
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="The document: format, version, exported_at, topics, locations, "
                "sources, units, publications, claims. Evidence file bytes are not embedded.",
            )
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        claims = self.claims(request)
        response = StreamingHttpResponse(
            export_fragments(
                user=request.user, claims=claims, archived=self.archive_states(request)[1]
            ),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{self.filename("json")}"'
        return response


class ClaimCsvExportView(_ClaimExport):
    """The filtered claims you may see as CSV, one flat row per claim, streamed."""

    @extend_schema(
        operation_id="export_claims_csv",
        filters=True,
        parameters=[ARCHIVED_PARAMETER],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV.")},
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        claims = self.claims(request)
        response = StreamingHttpResponse(
            claim_csv_lines(claims, user=request.user, archived=self.archive_states(request)[1]),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{self.filename("csv")}"'
        return response


DRY_RUN = OpenApiParameter(
    "dry_run", OpenApiTypes.BOOL, description="Validate and report only; write nothing."
)


class ImportView(APIView):
    """Import a Claimtrace JSON document, or a CSV of claims or units: every record is
    validated, then all are written in one transaction, or none if any has an error."""

    permission_classes = [CanImport]
    parser_classes = [JSONParser, MultiPartParser]

    @staticmethod
    def uploaded_file(request: Request):
        """The multipart ``file``, if any; a body that cannot be read is an ``ImportFileError``
        so that its 400 has the import's documented shape."""
        try:
            return request.FILES.get("file") if hasattr(request.data, "getlist") else None
        except (ParseError, UnsupportedMediaType) as exc:
            raise ImportFileError(
                f"{exc.detail} Send a JSON document as the body, or a file as `file`."
            ) from exc

    @extend_schema(
        operation_id="import_data",
        parameters=[DRY_RUN],
        request={
            "application/json": OpenApiTypes.OBJECT,
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            },
        },
        responses={
            200: ImportReportSerializer,
            201: ImportReportSerializer,
            400: ImportErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        dry_run = request.query_params.get("dry_run", "").lower() in {"1", "true", "yes"}
        try:
            upload = self.uploaded_file(request)
            if upload is not None:
                name = upload.name or "upload"
                data = parse_import_bytes(upload.read(), name)
            elif isinstance(request.data, dict) and not hasattr(request.data, "getlist"):
                name, data = "the request body", request.data
            else:
                raise ImportFileError("Send a JSON document as the body, or a file as `file`.")
        except ImportFileError as exc:
            body = {"detail": str(exc), "dry_run": dry_run, "written": False}
            return Response({**body, "counts": {}, "errors": []}, status=400)
        report = import_document(data, name=name, user=request.user, dry_run=dry_run)
        body = report.as_dict()
        if report.errors:
            body["detail"] = f"{len(report.errors)} error(s); nothing was written."
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        created = any(tally.created for tally in report.counts.values())
        code = status.HTTP_201_CREATED if created and not dry_run else status.HTTP_200_OK
        return Response(body, status=code)


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
