"""Loading and visibility rules for sources and publications."""

from django.db import models

from core.querysets import MarkedQuerySet


class SourceQuerySet(models.QuerySet):
    """Queryset of sources."""

    def with_related(self):
        """What a list of sources shows: affiliation and aliases, in a fixed number of queries."""
        return self.select_related("affiliation").prefetch_related("aliases")

    def affiliated_ids_sql(self, source_id: int) -> models.QuerySet:
        """A source and the people who speak for it (one level), as a subquery of ids."""
        return self.filter(models.Q(pk=source_id) | models.Q(affiliation_id=source_id)).values("pk")


class PublicationQuerySet(MarkedQuerySet):
    """Queryset of publications."""

    def with_related(self):
        """What a list of publications shows: the source and the people in it."""
        return self.select_related("source").prefetch_related("people")
