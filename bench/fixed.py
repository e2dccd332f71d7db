"""A what-if for the report: the app's claims viewset with one change to its citations prefetch.

``ClaimQuerySet.with_related(user)`` prefetches ``Citation.objects.visible_to(user)``, whose
claim-side conditions JOIN every claim with the TLP rule; the claims of a page are already
visible, so only the publication side matters there. This variant keeps everything else
(visibility, filters, serializers, ``prepare_page``) and prefetches citations with the
publication-side rule alone, to measure what fixing ``claims/querysets.py`` would buy.
"""

from django.db.models import Prefetch

from claims.api.views import ClaimViewSet
from claims.models import Citation
from core.querysets import restrict_marked


class PrefetchFixClaimViewSet(ClaimViewSet):
    """``/bench/fixed/claims/``: the app's list with the cheaper citations prefetch."""

    def get_queryset(self):
        queryset = super().get_queryset()
        citations = restrict_marked(
            Citation.objects.filter(
                archived_at__isnull=True, publication__archived_at__isnull=True
            ),
            self.request.user,
            "publication",
        )
        citations = citations.select_related("publication__source").order_by(
            "publication__published_on", "pk"
        )
        lookups = [
            Prefetch("citations", queryset=citations)
            if getattr(lookup, "prefetch_to", lookup) == "citations"
            else lookup
            for lookup in queryset._prefetch_related_lookups
        ]
        return queryset.prefetch_related(None).prefetch_related(*lookups)
