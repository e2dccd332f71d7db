"""Page-number pagination with a total count and a client-chosen, capped page size."""

import json
from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

# An estimate this many times above EXACT_COUNT_LIMIT is taken without counting: the limited
# count would only confirm that the count is over the limit unless the estimate is off more
# than tenfold (correlated filters can do that; the response then shows an estimate, flagged
# as such, where an exact count of under the limit was possible, and pages still work).
ESTIMATE_TRUSTED_ABOVE = 10


def estimated_count(queryset: QuerySet) -> int:
    """PostgreSQL's estimate of how many rows ``queryset`` has (planning only, no scan)."""
    plan = queryset.order_by().values("pk").explain(format="json")
    if not plan:
        # Django sends no query that cannot match (``.none()``, ``pk__in=[]``): nothing to plan.
        return 0
    plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class CappedCountPaginator(Paginator):
    """A paginator whose count stays cheap at a million rows.

    Counting every visible claim (or every match of a common word) reads all of them, which
    costs far more than the page itself. So the count is exact up to ``EXACT_COUNT_LIMIT``
    rows (a ``LIMIT``-ed subquery stops there) and above it PostgreSQL's estimate, never less
    than the limit + 1; ``count_is_estimate`` says which. A queryset of a table of millions
    (``estimate_count_first = True``) is estimated first, and an estimate more than
    ``ESTIMATE_TRUSTED_ABOVE`` times the limit is taken without the limited count. A queryset
    may offer ``page_slice(start, stop)``, a faster way to the same rows as slicing it
    (``ClaimQuerySet.by_relevance``).
    """

    count_is_estimate = False

    @cached_property
    def count(self) -> int:
        limit = settings.EXACT_COUNT_LIMIT
        queryset = self.object_list
        if (
            not limit
            or not isinstance(queryset, QuerySet)
            or queryset.query.is_sliced
            or connections[queryset.db].vendor != "postgresql"
        ):
            return super().count
        estimate = None
        if getattr(queryset, "estimate_count_first", False):
            # A table of millions (claims): the estimate first (planning only). Far above the
            # limit, counting up to it would only confirm it, and a rare word's limited count
            # still reads 20,000 claims to find 1,000 matches. Near it, count.
            estimate = estimated_count(queryset)
            if estimate > ESTIMATE_TRUSTED_ABOVE * limit:
                self.count_is_estimate = True
                return estimate
        # Only the ids, unordered: annotations (a search rank) and sorting are not counted.
        counted = queryset.order_by().values("pk")[: limit + 1].count()
        if counted <= limit:
            return counted
        self.count_is_estimate = True
        return max(limit + 1, estimated_count(queryset) if estimate is None else estimate)

    def validate_number(self, number) -> int:
        self.count  # noqa: B018 - counting first tells whether the count is an estimate
        if not self.count_is_estimate:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        # The estimate may be low: a page past it is read, not assumed empty.
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if not self.count_is_estimate and top + self.orphans >= self.count:
            top = self.count
        page_slice = getattr(self.object_list, "page_slice", None)
        rows = page_slice(bottom, top) if page_slice else self.object_list[bottom:top]
        return self._get_page(rows, number, self)

    def _get_page(self, *args, **kwargs) -> Page:
        return CappedCountPage(*args, **kwargs)


class CappedCountPage(Page):
    """A page that knows a next one exists when it is full and the count is only estimated."""

    def has_next(self) -> bool:
        if self.paginator.count_is_estimate:
            return len(self.object_list) == self.paginator.per_page
        return super().has_next()


class StandardPagination(PageNumberPagination):
    """``?page=N&page_size=M``; ``count`` is the total; page_size is capped at 200.

    Above ``EXACT_COUNT_LIMIT`` matches, ``count`` is PostgreSQL's estimate and the response
    says so with ``"count_is_estimate": true`` (absent when the count is exact).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = CappedCountPaginator

    def get_paginated_response(self, data) -> Response:
        response = super().get_paginated_response(data)
        if self.page.paginator.count_is_estimate:
            response.data["count_is_estimate"] = True
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count_is_estimate"] = {
            "type": "boolean",
            "description": "Present (true) when count is PostgreSQL's estimate: more than "
            "EXACT_COUNT_LIMIT records match.",
        }
        return paginated
