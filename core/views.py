"""Shared bases of the analyst pages."""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin


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
