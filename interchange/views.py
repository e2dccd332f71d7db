"""``/claims/export.csv``: the claims list page's filtered claims as a CSV download."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from django.views import View

from claims.views import FilteredClaimsMixin

from .csv import claim_csv_lines


class ClaimCsvView(FilteredClaimsMixin, View):
    """The claims the list page shows for the same filters (all pages), streamed as CSV."""

    def base_queryset(self):
        # Only what the user may see; the CSV loads its own related rows per chunk.
        from claims.models import Claim

        return Claim.objects.visible_to(self.request.user)

    def get(self, request: HttpRequest) -> HttpResponse:
        filterset = self.get_filterset()
        if not filterset.is_valid():
            # The list page shows these errors next to the filters; a download names them.
            problems = "; ".join(
                f"{name}: {' '.join(messages)}" for name, messages in filterset.errors.items()
            )
            return HttpResponseBadRequest(
                f"Fix the filters first: {problems}", content_type="text/plain; charset=utf-8"
            )
        response = StreamingHttpResponse(
            claim_csv_lines(filterset.qs, user=request.user),
            content_type="text/csv; charset=utf-8",
        )
        filename = f"claims-{timezone.now():%Y%m%d-%H%M%S}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
