"""Shared bases of the analyst pages, and the dashboard."""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db.models import Count, F
from django.views.generic import TemplateView


class AnalystPageMixin(LoginRequiredMixin):
    """Every analyst page: a login is required; anonymous visitors go to the login page."""


class EditorPageMixin(AnalystPageMixin, PermissionRequiredMixin):
    """A page that writes: a login and the model permission (``permission_required``).

    Logged-in users without it get 403; anonymous visitors are sent to the login page.
    """


def page_size(request, default: int = 25, maximum: int = 100) -> int:
    """The ``page_size`` asked for, capped at ``maximum`` so a page never grows unbounded."""
    try:
        value = int(request.GET.get("page_size", default))
    except (TypeError, ValueError):
        return default
    return max(1, min(value, maximum))


def query_without(request, *names: str) -> str:
    """The current query string without ``names`` (for pagination and sorting links)."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


class DashboardView(AnalystPageMixin, TemplateView):
    """``/``: counts by status and topic, the latest claims and publications, recent changes."""

    template_name = "core/dashboard.html"
    latest = 8

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from claims.models import Claim
        from sources.models import Publication

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
