"""Page-number pagination with a total count and a client-chosen, capped page size."""

from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """``?page=N&page_size=M``; ``count`` is the total; page_size is capped at 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
