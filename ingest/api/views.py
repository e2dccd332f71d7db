"""``POST /api/ingest/`` (a report's text → its draft) and ``POST /api/ingest/accept/`` (a
reviewed draft → claims, units, citations, all or nothing)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.parsers import JSONParser
from ingest.draft import build_draft
from ingest.services import IngestError, accept_draft

from .serializers import (
    AcceptRequestSerializer,
    AcceptResultSerializer,
    DraftSerializer,
    IngestRequestSerializer,
)


class CanIngest(permissions.BasePermission):
    """Analysts and editors (who may add claims); anonymous requests get 401."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("claims.add_claim"))


class IngestView(APIView):
    """Read a report's text into a draft; nothing is saved."""

    permission_classes = [CanIngest]
    # JSON only: a draft is nested data, and form encoding of it hits Django's field limit.
    parser_classes = [JSONParser]

    @extend_schema(request=IngestRequestSerializer, responses={200: DraftSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = IngestRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        draft = build_draft(
            incoming.validated_data["text"], incoming.validated_data["date"], user=request.user
        )
        return Response(draft)


class IngestAcceptView(APIView):
    """Create what a reviewed draft keeps, in one transaction; 400 names every bad row."""

    permission_classes = [CanIngest]
    parser_classes = [JSONParser]

    @extend_schema(request=AcceptRequestSerializer, responses={201: AcceptResultSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = AcceptRequestSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        publication = data["publication"]
        try:
            result = accept_draft(
                data["draft"],
                publication=publication,
                user=request.user,
                reason=data.get("reason", ""),
            )
        except IngestError as error:
            raise ValidationError(error.errors) from error
        return Response({"publication": publication.pk, **result.as_dict()}, status=201)
