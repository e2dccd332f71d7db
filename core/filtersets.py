"""The base FilterSet shared by the API and the analyst pages."""

import django_filters
from django.db import connection
from django.db.models import Q, QuerySet


class BaseFilterSet(django_filters.FilterSet):
    """Common filters; ``search_fields`` drives a case-insensitive ``search`` over names."""

    search_fields: tuple[str, ...] = ()

    search = django_filters.CharFilter(method="filter_search", label="Search")

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Match every word of ``value`` in any of ``search_fields``.

        Fields through a to-many relation (aliases) are matched in a subquery so the result
        has one row per record without DISTINCT.
        """
        for word in value.split():
            condition = Q()
            for field in self.search_fields:
                lookup = f"{field}__icontains"
                if "__" in field and field.split("__")[0] == "aliases":
                    model = queryset.model
                    alias_model = model._meta.get_field("aliases").related_model
                    fk = model._meta.get_field("aliases").field.name
                    ids = alias_model.objects.filter(name__icontains=word).values(fk)
                    condition |= Q(pk__in=ids)
                else:
                    condition |= Q(**{lookup: word})
            queryset = queryset.filter(condition)
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
