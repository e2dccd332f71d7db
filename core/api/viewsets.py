"""The base viewset every resource declares itself on."""

from typing import Any

from django.db import transaction
from rest_framework import viewsets

from .permissions import DomainModelPermissions


class DomainViewSet(viewsets.ModelViewSet):
    """List, retrieve, create, update and delete one domain model.

    Subclasses declare ``queryset``, ``serializer_class`` (optionally ``brief_serializer_class``
    for ``?brief=1``) and ``filterset_class``. This base applies the model's visibility rule
    (``visible_to(user)``) and loading rule (``with_related()``) to every read, runs every write
    in one transaction, and lets subclasses batch-load derived data for a whole page through
    ``prepare_page`` so serializers never query per row.
    """

    permission_classes = [DomainModelPermissions]
    brief_serializer_class = None

    def get_queryset(self):
        queryset = super().get_queryset()
        user = self.request.user
        if hasattr(queryset, "visible_to"):
            # The single way in: what the user may not see is absent from lists and details.
            queryset = queryset.visible_to(user)
        if hasattr(queryset, "with_related"):
            queryset = queryset.with_related(user=user)
        return queryset

    def get_serializer_class(self):
        if self.brief_serializer_class is not None and self.wants_brief():
            return self.brief_serializer_class
        return super().get_serializer_class()

    def wants_brief(self) -> bool:
        """``?brief=1`` (or true/yes) asks for the compact form of a list or detail."""
        value = self.request.query_params.get("brief", "") if self.request else ""
        return value.lower() in {"1", "true", "yes"}

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        # Shared by reference so data prepared after the serializer exists still reaches it.
        context["prepared"] = self._prepared
        return context

    @property
    def _prepared(self) -> dict[str, Any]:
        if not hasattr(self, "_prepared_data"):
            self._prepared_data: dict[str, Any] = {}
        return self._prepared_data

    def prepare_page(self, objects: list) -> dict[str, Any]:
        """Batch-load data the serializer needs for ``objects`` (one query per kind of data)."""
        return {}

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._prepared.update(self.prepare_page(list(page if page is not None else queryset)))
        return page

    def get_object(self):
        obj = super().get_object()
        self._prepared.update(self.prepare_page([obj]))
        return obj

    def _reload(self, serializer) -> None:
        """Re-read the saved record through the loading rules so the response is complete."""
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)
        self._prepared.update(self.prepare_page([serializer.instance]))

    def perform_create(self, serializer) -> None:
        with transaction.atomic():
            serializer.save()
        self._reload(serializer)

    def perform_update(self, serializer) -> None:
        with transaction.atomic():
            serializer.save()
        self._reload(serializer)

    def perform_destroy(self, instance) -> None:
        with transaction.atomic():
            instance.delete()
