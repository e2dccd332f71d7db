"""The one way into every read path: ``visible_to(user)`` (archived records, markings)."""

from django.db import models

from .markings import marking_q
from .roles import is_reader


class VisibleQuerySet(models.QuerySet):
    """``visible_to(user)``: the single way in for every read path.

    Archived (soft-deleted) records are left out unless ``archived=True`` asks for exactly
    those, or ``archived=None`` for current and archived alike (an editor's full export);
    marked records are left out when the marking is not for ``user`` (``marking_q``).
    """

    marked = False

    def visible_to(self, user, archived: bool | None = False):
        """Only the records ``user`` may see (archived ones instead, with ``archived=True``;
        both, with ``archived=None``)."""
        if not is_reader(user):
            return self.none()
        queryset = self
        if hasattr(self.model, "archived_at") and archived is not None:
            queryset = queryset.filter(archived_at__isnull=not archived)
        if self.marked:
            condition = marking_q(user, self.model)
            if condition is not None:
                queryset = queryset.filter(condition)
        return queryset


class MarkedQuerySet(VisibleQuerySet):
    """Queryset of a model with a marking and sharing lists (``core.models.MarkedModel``)."""

    marked = True
