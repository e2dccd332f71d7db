"""API endpoints of claims, citations, places and topics."""

from rest_framework.response import Response

from claims.filtersets import CitationFilterSet, ClaimFilterSet, TopicFilterSet
from claims.models import Citation, Claim, Topic
from claims.services import analyse
from core.api.viewsets import DomainViewSet

from .listing import render_claims
from .serializers import (
    CitationSerializer,
    ClaimBriefSerializer,
    ClaimSerializer,
    TopicSerializer,
    with_evidence,
)


class ClaimViewSet(DomainViewSet):
    """Claims with their evidence, units, places and numbers. ``?brief=1`` for list rows."""

    queryset = Claim.objects.all()
    serializer_class = ClaimSerializer
    brief_serializer_class = ClaimBriefSerializer
    filterset_class = ClaimFilterSet

    def renders_rows(self) -> bool:
        """Whether this read is rendered by ``render_claims`` from plain rows: full lists and
        details (the answers to writes too, see ``write_answer``)."""
        return self.action in {"list", "retrieve"} and not self.uses_brief_serializer()

    def get_queryset(self):
        if self.renders_rows():
            # ``render_claims`` reads the related rows itself, as plain values: no prefetches
            # (building ``with_related``'s marking-aware querysets only to drop them was a
            # cost on every list and detail).
            return self.visible_queryset().select_related("created_by", "updated_by")
        return super().get_queryset()

    def list(self, request, *args, **kwargs):
        if not self.renders_rows():
            return super().list(request, *args, **kwargs)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(render_claims(page, request.user))

    def retrieve(self, request, *args, **kwargs):
        if not self.renders_rows():
            return super().retrieve(request, *args, **kwargs)
        claim = self.get_object()
        self._etag_instance = claim
        (data,) = render_claims([claim], request.user)
        # The explanation of the lines (four queries), on the detail only: lists show the
        # stored counts and stay cheap.
        evidence = analyse([claim], user=request.user)[claim.pk]
        return Response(with_evidence(data, evidence))

    def _reload(self, serializer) -> None:
        if self.uses_brief_serializer():
            return super()._reload(serializer)
        # The answer is rendered from rows (``write_answer``): the claim's own row is all
        # there is to re-read (its stored corroboration changed in the write). Re-reading it
        # with every prefetch for the serializer cost ten queries more.
        claim = self.visible_queryset().select_related("created_by", "updated_by")
        serializer.instance = claim.get(pk=serializer.instance.pk)
        self._etag_instance = serializer.instance

    def write_answer(self, serializer) -> dict:
        if self.uses_brief_serializer():
            return super().write_answer(serializer)
        # What a list shows of the claim (``evidence_lines`` null, as the serializer has it).
        (data,) = render_claims([serializer.instance], self.request.user)
        return data


class CitationViewSet(DomainViewSet):
    """The evidence links between claims and publications."""

    queryset = Citation.objects.all()
    serializer_class = CitationSerializer
    filterset_class = CitationFilterSet


class TopicViewSet(DomainViewSet):
    """Subjects claims are grouped by."""

    queryset = Topic.objects.all()
    serializer_class = TopicSerializer
    filterset_class = TopicFilterSet
