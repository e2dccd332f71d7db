"""The base FilterSet shared by the API and the analyst pages."""

import datetime as dt

import django_filters
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django_filters.fields import IsoDateTimeField

# UTC offsets in use run from -12:00 to +14:00. ISO 8601 parsers accept up to 23:59, but
# PostgreSQL refuses a moment whose offset it cannot represent: that would be a server error.
MAX_UTC_OFFSET = dt.timedelta(hours=14)


class MomentField(IsoDateTimeField):
    """An ISO 8601 date and time, in UTC once read; an offset no place uses is a form error."""

    def to_python(self, value: object) -> dt.datetime | None:
        moment = super().to_python(value)
        if moment is None:
            return None
        offset = moment.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise ValidationError(
                "The UTC offset must be between -14:00 and +14:00, e.g. "
                "2025-02-20T08:00:00+02:00 or 2025-02-20T06:00:00Z.",
                code="invalid",
            )
        return moment.astimezone(dt.UTC) if offset is not None else moment


class MomentFilter(django_filters.IsoDateTimeFilter):
    """A date-and-time filter that takes ISO 8601 and compares in UTC (``MomentField``)."""

    field_class = MomentField


class BaseFilterSet(django_filters.FilterSet):
    """Common filters; ``search_fields`` drives a case-insensitive ``search`` over names."""

    search_fields: tuple[str, ...] = ()

    search = django_filters.CharFilter(method="filter_search", label="Search")

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Match every word of ``value`` in any of ``search_fields``.

        Per word, the matching ids are one ``UNION`` of a subquery per table (the record's own
        fields OR-ed together, aliases, a related record's name), so each part is answered by
        that table's trigram index (``core.indexes.trigram_index``) and the result has one row
        per record without DISTINCT. A plain OR with an ``IN (aliases)`` subquery could not use
        the indexes of the record's own fields.
        """
        model = queryset.model
        own = [field for field in self.search_fields if "__" not in field]
        related = [field for field in self.search_fields if "__" in field]
        for word in value.split():
            parts = []
            if own:
                condition = Q()
                for field in own:
                    condition |= Q(**{f"{field}__icontains": word})
                parts.append(model._default_manager.filter(condition).values("pk").order_by())
            for field in related:
                relation, rest = field.split("__", 1)
                remote = model._meta.get_field(relation)
                if remote.one_to_many:
                    # Aliases: the alias table's own index, then its foreign key.
                    ids = remote.related_model._default_manager.filter(
                        **{f"{rest}__icontains": word}
                    ).values(remote.field.name)
                else:
                    ids = model._default_manager.filter(**{f"{field}__icontains": word})
                    ids = ids.values("pk")
                # No ORDER BY inside the union: it only feeds an IN.
                parts.append(ids.order_by())
            if parts:
                ids = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
                queryset = queryset.filter(pk__in=ids)
        return queryset


def visible(model):
    """Choices of a filter on a marked model: only records the requesting user may see, so a
    hidden record's id is refused like an unknown one."""

    def queryset(request):
        if request is None:
            return model.objects.none()
        return model.objects.visible_to(request.user)

    return queryset


def is_postgresql() -> bool:
    """Whether PostgreSQL-only features (full-text search) are available."""
    return connection.vendor == "postgresql"
