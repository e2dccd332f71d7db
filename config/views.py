"""The dashboard: the first page after login, assembled here as it spans every app."""

from typing import Any

from django.db.models import Count, F
from django.views.generic import TemplateView

from claims.models import Claim
from core.views import AnalystPageMixin
from sources.models import Publication


class DashboardView(AnalystPageMixin, TemplateView):
    """``/``: counts by status and topic, the latest claims and publications, recent changes."""

    template_name = "core/dashboard.html"
    latest = 8

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        claims = Claim.objects.visible_to(user)
        status_counts = dict(
            claims.order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        # Counted through the claim–topic table so a topic's count only includes claims the
        # user may see (one GROUP BY query, no DISTINCT over a big join).
        through = Claim.topics.through
        topic_counts = (
            through.objects.filter(claim__in=claims.values("pk"))
            .values("topic__name", "topic__slug")
            .annotate(n=Count("pk"))
            .order_by("-n", "topic__name")
        )
        return super().get_context_data(
            status_counts=[
                (value, label, status_counts.get(value, 0)) for value, label in Claim.Status.choices
            ],
            total=sum(status_counts.values()),
            topic_counts=list(topic_counts),
            latest_claims=claims.order_by("-created_at", "-pk")[: self.latest],
            changed_claims=claims.select_related("updated_by").order_by("-updated_at", "-pk")[
                : self.latest
            ],
            latest_publications=Publication.objects.visible_to(user)
            .select_related("source")
            .order_by(F("published_on").desc(nulls_last=True), "-pk")[: self.latest],
            **kwargs,
        )
