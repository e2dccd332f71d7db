"""Shared bases of the analyst pages."""

import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db import InterfaceError, OperationalError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader


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


# ---------------------------------------------------------------------------------------------
# Sections a higher app adds to a lower app's record page
# ---------------------------------------------------------------------------------------------

# The context a section adds to the page: (request, record, the page's context so far).
SectionContext = Callable[[HttpRequest, Model, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Section:
    """A part of a record's page that another app renders (the claims about a unit)."""

    template: str
    context: SectionContext


_sections: dict[type[Model], list[Section]] = defaultdict(list)


def add_section(model: type[Model], template: str, context: SectionContext) -> None:
    """Show ``template`` on ``model``'s page, with what ``context`` returns added to the page.

    Called from the higher app's ``ready()``: the claims app adds the claims at a place to the
    place's page, so ``places`` shows them without importing ``claims``.
    """
    _sections[model].append(Section(template, context))


class RecordSectionsMixin:
    """A record's page that renders the sections other apps added for its model, in the
    order they were added, as ``sections`` (template names) after the page's own context."""

    request: HttpRequest
    object: Any  # the record of the page (DetailView sets it)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        templates = []
        for section in _sections.get(type(self.object), ()):
            context.update(section.context(self.request, self.object, context))
            templates.append(section.template)
        context["sections"] = templates
        return context


# ---------------------------------------------------------------------------------------------
# Server errors
# ---------------------------------------------------------------------------------------------

# Seconds a client should wait before trying again while the database is unreachable.
DATABASE_RETRY_AFTER = 5


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a database that cannot be reached (restarting, failing over) is a 503
    with ``Retry-After`` — JSON on the API — and anything else a plain 500.

    Rendered without the base template: it reads the session and the user, from the
    database that may be the cause."""
    error = sys.exc_info()[1]
    unavailable = isinstance(error, OperationalError | InterfaceError)
    if request.path.startswith("/api/"):
        if unavailable:
            body = {
                "detail": "The database is unavailable for a moment. Try again in a few seconds.",
                "code": "database_unavailable",
            }
        else:
            body = {"detail": "A server error occurred.", "code": "server_error"}
        response: HttpResponse = JsonResponse(body, status=503 if unavailable else 500)
    else:
        template = "503.html" if unavailable else "500.html"
        response = HttpResponse(
            loader.render_to_string(template), status=503 if unavailable else 500
        )
    if unavailable:
        response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response
