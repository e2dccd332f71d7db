"""The base viewset every resource declares itself on."""

from dataclasses import asdict
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.history import change_log
from core.models import ArchivableModel

from .permissions import DomainModelPermissions


class PreconditionFailed(exceptions.APIException):
    """412: the record changed since the client read it."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record was changed by someone else since you read it."
    default_code = "stale"


class ArchivedRecordConflict(exceptions.APIException):
    """409: the record is archived; it is changed only after it is restored."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This record is archived. Restore it first, then change it."
    default_code = "archived"


class ChangeSerializer(serializers.Serializer):
    """One field's value before and after."""

    field = serializers.CharField()
    before = serializers.JSONField()
    after = serializers.JSONField()


class ChangeEntrySerializer(serializers.Serializer):
    """One entry of a record's history."""

    history_id = serializers.IntegerField()
    date = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True)
    action = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    reason = serializers.CharField(allow_blank=True)
    entry_path = serializers.CharField()
    changes = ChangeSerializer(many=True)


def _plain(value: Any) -> Any:
    """A history value as JSON: dates and decimals as strings, lists (of names) as lists."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value)


# Query parameters that filter nothing. A list asked with only these is not filtered at all:
# django-filter would deep-copy the FilterSet's filters, build their form fields, copy those
# again and validate each, a visible part of a list request, to change nothing.
NON_FILTER_PARAMS = frozenset({"page", "page_size", "brief", "archived", "format"})

ARCHIVED_PARAM = OpenApiParameter(
    "archived", OpenApiTypes.BOOL, description="Editors: list archived records instead."
)


@extend_schema(parameters=[ARCHIVED_PARAM])
class DomainViewSet(viewsets.ModelViewSet):
    """List, retrieve, create, update and delete one domain model.

    Subclasses declare ``queryset``, ``serializer_class`` (optionally ``brief_serializer_class``
    for ``?brief=1``) and ``filterset_class``. This base:

    - applies the model's visibility rule (``visible_to(user)``: markings, archived records)
      and loading rule (``with_related()``, or ``with_brief_related()`` when the queryset has
      one and ``?brief=1`` asks for the compact form) to every read;
    - runs every write in one transaction; detail responses carry an ``ETag`` (the record's
      version) and writes honour ``If-Match`` (412 when stale), checked on a locked row;
    - archives instead of deleting records that can be archived (``?purge=true`` deletes for
      good, superusers only, and only what nothing depends on), with ``restore`` for editors
      and ``?archived=true`` to list archived records;
    - serves ``history`` for every record;
    - lets subclasses batch-load derived data for a whole page through ``prepare_page``, so
      serializers never query per row.
    """

    permission_classes = [DomainModelPermissions]
    brief_serializer_class: type[serializers.BaseSerializer] | None = None

    # -- reading

    def visible_queryset(self):
        """The records the user may see (the single way in: what they may not see is absent
        from lists and details), current or, with ``?archived=true``, archived."""
        queryset = super().get_queryset()
        if hasattr(queryset, "visible_to"):
            queryset = queryset.visible_to(self.request.user, archived=self.wants_archived())
        return queryset

    def get_queryset(self):
        queryset = self.visible_queryset()
        user = self.request.user
        if self.uses_brief_serializer() and hasattr(queryset, "with_brief_related"):
            # The compact form loads only what it renders (no nested evidence).
            queryset = queryset.with_brief_related(user=user)
        elif hasattr(queryset, "with_related"):
            queryset = queryset.with_related(user=user)
        return queryset

    def filter_queryset(self, queryset):
        if self.detail:
            # A record is reached by its id alone: list filters left in a detail URL
            # (``?search=``, ``?unit=``…) must not hide it, and building them costs time.
            return queryset
        params = set(self.request.query_params)
        filters = set(getattr(self.filterset_class, "base_filters", ()))
        if params <= NON_FILTER_PARAMS and not params & filters:
            return queryset
        return super().filter_queryset(queryset)

    def uses_brief_serializer(self) -> bool:
        """Whether this request is answered with ``brief_serializer_class``."""
        return self.brief_serializer_class is not None and self.wants_brief()

    def wants_archived(self) -> bool:
        """Archived records instead of current ones: ``?archived=true`` or a restore."""
        if getattr(self, "action", None) == "restore":
            return True
        if getattr(self, "action", None) == "create":
            # A new record is never archived; re-reading it among the archived ones was a 500.
            return False
        value = self.request.query_params.get("archived", "") if self.request else ""
        if value.lower() not in {"1", "true", "yes"}:
            return False
        if not self.can_restore():
            raise exceptions.PermissionDenied("Only editors can see archived records.")
        return True

    def can_restore(self) -> bool:
        """Editors (who may delete) may see and restore archived records."""
        opts = self.get_queryset_model()._meta
        return self.request.user.has_perm(f"{opts.app_label}.delete_{opts.model_name}")

    def get_queryset_model(self):
        return self.queryset.model

    def get_serializer_class(self):
        if self.uses_brief_serializer():
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

    # -- versions: ETag and If-Match

    @staticmethod
    def etag(obj) -> str | None:
        """A record's ETag: its version, which every save increments."""
        version = getattr(obj, "version", None)
        return None if version is None else f'"{obj.pk}-{version}"'

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        instance = getattr(self, "_etag_instance", None)
        if instance is not None and response.status_code < 300 and self.etag(instance):
            response["ETag"] = self.etag(instance)
        return response

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        self._etag_instance = instance
        return Response(self.get_serializer(instance).data)

    def check_if_match(self, instance) -> None:
        """Refuse the write (412) when ``If-Match`` names an older version of the record.

        The row is locked first, so two clients sending the same version cannot both win.
        """
        header = self.request.headers.get("If-Match")
        if not header or header.strip() == "*" or not hasattr(instance, "version"):
            return
        current = (
            self.get_queryset_model()
            .objects.select_for_update()
            .only("pk", "version")
            .get(pk=instance.pk)
        )
        offered = {tag.strip().removeprefix("W/") for tag in header.split(",")}
        if self.etag(current) not in offered:
            raise PreconditionFailed(
                {
                    "detail": "This record was changed since you read it (your version "
                    f"{', '.join(sorted(offered))}, now {self.etag(current)}). Reload it, "
                    "review the changes in its history, and apply yours again.",
                    "current_etag": self.etag(current),
                }
            )

    # -- writing

    def create(self, request, *args, **kwargs):
        # DRF's CreateModelMixin.create, answering with ``write_answer``.
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        data = self.write_answer(serializer)
        headers = self.get_success_headers(data)
        return Response(data, status=status.HTTP_201_CREATED, headers=headers)

    def write_answer(self, serializer) -> Any:
        """The body answering a create or an update: the saved record as its serializer
        renders it (after ``_reload``); a resource may render it a cheaper way."""
        return serializer.data

    def _reload(self, serializer) -> None:
        """Re-read the saved record through the loading rules so the response is complete."""
        # The writer can only set markings they may see (validate_marking), so the record
        # is always visible to them here.
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)
        self._etag_instance = serializer.instance
        self._prepared.update(self.prepare_page([serializer.instance]))

    def update(self, request, *args, **kwargs):
        if self.wants_archived():
            # An archived record is evidence of what was withdrawn: it is read, restored or
            # purged, never edited in place. 404 first for an id that is no archived record.
            instance = self.get_object()
            raise ArchivedRecordConflict(
                {
                    "detail": "This record is archived and cannot be changed. Restore it first "
                    f"(POST {request.path.rstrip('/')}/restore/ without ?archived), then "
                    "change it.",
                    "id": instance.pk,
                }
            )
        # DRF's UpdateModelMixin.update, answering with ``write_answer`` (``perform_update``
        # re-reads the record, so no stale prefetched relation is rendered).
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            # The row is locked before it is read: a concurrent write to the same record waits
            # here and then starts from what the other committed, so a PATCH never writes back
            # the old value of a field another client changed meanwhile.
            self.lock_row()
            instance = self.get_object()
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            self.perform_update(serializer)
        return Response(self.write_answer(serializer))

    def lock_row(self) -> None:
        """Lock the row the URL names until the transaction ends (nothing if there is none;
        ``get_object`` then answers 404 as usual)."""
        lookup = self.lookup_url_kwarg or self.lookup_field
        model = self.get_queryset_model()
        try:
            rows = model._default_manager.select_for_update().filter(
                **{self.lookup_field: self.kwargs[lookup]}
            )
            list(rows.values_list("pk"))
        except (TypeError, ValueError, DjangoValidationError):
            # Not an id at all: ``get_object`` answers 404 as for any unknown id.
            return

    def destroy(self, request, *args, **kwargs):
        if self.wants_archived() and not self.wants_purge():
            instance = self.get_object()
            raise ArchivedRecordConflict(
                {
                    "detail": "This record is already archived. Restore it (POST …/restore/) "
                    "or, as a superuser, purge it (?purge=true).",
                    "id": instance.pk,
                }
            )
        return super().destroy(request, *args, **kwargs)

    def perform_create(self, serializer) -> None:
        with transaction.atomic():
            serializer.save()
        self._reload(serializer)

    def perform_update(self, serializer) -> None:
        with transaction.atomic():
            self.check_if_match(serializer.instance)
            serializer.save()
        self._reload(serializer)

    def perform_destroy(self, instance) -> None:
        with transaction.atomic():
            self.check_if_match(instance)
            if self.wants_purge():
                if not self.request.user.is_superuser:
                    raise exceptions.PermissionDenied("Only a superuser can purge a record.")
                instance.delete()
            elif isinstance(instance, ArchivableModel):
                instance.archive(self.request.user, self.request.query_params.get("reason", ""))
            else:
                instance.delete()

    def wants_purge(self) -> bool:
        return self.request.query_params.get("purge", "").lower() in {"1", "true", "yes"}

    @extend_schema(request=None, responses={200: None})
    @action(detail=True, methods=["post"])
    def restore(self, request, *args, **kwargs):
        """Bring an archived record back (editors)."""
        if not issubclass(self.get_queryset_model(), ArchivableModel):
            raise exceptions.MethodNotAllowed("POST", "This kind of record is never archived.")
        if not self.can_restore():
            raise exceptions.PermissionDenied("Only editors can restore archived records.")
        with transaction.atomic():
            instance = self.get_object()
            instance.restore(request.user, request.data.get("reason", "") if request.data else "")
        return Response({"detail": "Restored.", "id": instance.pk})

    @extend_schema(
        responses=inline_serializer(
            "HistoryPage",
            {"count": serializers.IntegerField(), "results": ChangeEntrySerializer(many=True)},
        )
    )
    @action(detail=True, methods=["get"])
    def history(self, request, *args, **kwargs):
        """Who changed the record, when, what (field before/after), why and through what."""
        instance = self.get_object()
        entries = change_log(instance, user=request.user)
        data = [
            {
                **asdict(entry),
                "changes": [
                    {"field": c.field, "before": _plain(c.before), "after": _plain(c.after)}
                    for c in entry.changes
                ],
            }
            for entry in entries
        ]
        return Response(
            {"count": len(data), "results": ChangeEntrySerializer(data, many=True).data}
        )
