"""API endpoints of sources, publications and their evidence files."""

import base64
import logging

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser

from core.api.parsers import JSONParser
from core.api.viewsets import DomainViewSet
from sources.filtersets import EvidenceFileFilterSet, PublicationFilterSet, SourceFilterSet
from sources.models import EvidenceFile, Publication, Source
from sources.services import display_name, duplicates_of, format_size, max_upload_bytes

from .serializers import (
    EvidenceFileSerializer,
    EvidenceFileUploadSerializer,
    PublicationSerializer,
    PublicationSummarySerializer,
    SourceSerializer,
    SourceSummarySerializer,
)

logger = logging.getLogger(__name__)

# Room for the multipart framing and the other fields of an upload request.
MULTIPART_OVERHEAD = 1024 * 1024


class RequestTooLarge(exceptions.APIException):
    """413: the request body is larger than any accepted upload."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class SourceViewSet(DomainViewSet):
    """Who says something: outlets, bodies, people, with their Admiralty reliability."""

    queryset = Source.objects.all()
    serializer_class = SourceSerializer
    # core.api.viewsets.DomainViewSet leaves brief_serializer_class unannotated (None).
    brief_serializer_class = SourceSummarySerializer
    filterset_class = SourceFilterSet


class PublicationViewSet(DomainViewSet):
    """What a source put out, what it cites or is cited by, and (detail) its stored files."""

    queryset = Publication.objects.all()
    serializer_class = PublicationSerializer
    # See SourceViewSet.brief_serializer_class.
    brief_serializer_class = PublicationSummarySerializer
    filterset_class = PublicationFilterSet

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list" and not self.wants_brief():
            # One more query, on the detail only: lists keep their pinned cost.
            queryset = queryset.with_files(self.request.user)
        return queryset


class EvidenceFileViewSet(DomainViewSet):
    """Stored files of publications (images, videos, PDFs, HTML captures), hashed on upload.

    ``POST`` (multipart: ``publication``, ``file``, ``sensitivity``, ``description``,
    ``replaces``) stores a new file: its type is read from its bytes, its size and type are
    limited, and the same bytes already in the publication are refused (400, naming the
    existing file). The response lists in ``duplicates`` the files of other publications with
    the same SHA-256. The bytes never change: ``PATCH`` edits ``sensitivity`` and
    ``description`` only, and a new file is a new version (``replaces``). ``download`` serves
    the bytes to whoever may see the publication; everyone else gets 404.
    """

    queryset = EvidenceFile.objects.all()
    serializer_class = EvidenceFileSerializer
    filterset_class = EvidenceFileFilterSet
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    # No PUT: there is no whole record to replace, only metadata to edit.
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self):
        if self.action == "create":
            return EvidenceFileUploadSerializer
        return super().get_serializer_class()

    def prepare_page(self, objects: list) -> dict:
        if self.action == "download":
            return {}
        # Other publications' copies of the page's files, in one query.
        return {"duplicates": duplicates_of(objects, self.request.user)}

    def create(self, request, *args, **kwargs):
        # Refuse an oversized body before it is read: otherwise it is spooled to disk whole
        # before the file's own size check can run.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = max_upload_bytes()
        if length > limit + MULTIPART_OVERHEAD:
            raise RequestTooLarge(
                f"The upload is {format_size(length)}; the largest evidence file accepted is "
                f"{format_size(limit)}."
            )
        return super().create(request, *args, **kwargs)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, *args, **kwargs):
        """The stored bytes as an attachment, for users who may see the publication."""
        evidence = self.get_object()  # 404 when hidden, exactly as when missing
        try:
            handle = evidence.file.storage.open(evidence.file.name, "rb")
        except FileNotFoundError:
            logger.error("Evidence file #%s (%s) is missing", evidence.pk, evidence.file.name)
            raise exceptions.NotFound(
                "The stored bytes of this file are missing; an administrator has to restore "
                "them (manage.py verify_evidence lists every missing file)."
            ) from None
        extension = evidence.file.name.rsplit(".", 1)[-1] if "." in evidence.file.name else ""
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=display_name(evidence.original_name, f"evidence-{evidence.pk}.{extension}"),
            content_type=evidence.content_type or "application/octet-stream",
        )
        # Never rendered as something else, never run: a captured page's script must not run
        # in our origin even if a browser were to display the attachment.
        response["X-Content-Type-Options"] = "nosniff"
        if evidence.content_type.startswith("text/") or not evidence.content_type:
            response["Content-Security-Policy"] = "sandbox"
        response["Cache-Control"] = "private, no-cache"
        # RFC 9530: the client can check the bytes against the hash recorded on upload.
        if evidence.sha256:
            digest = base64.b64encode(bytes.fromhex(evidence.sha256)).decode()
            response["Repr-Digest"] = f"sha-256=:{digest}:"
        return response
