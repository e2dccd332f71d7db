"""Template helpers of the analyst pages: badges, sensitivity, query strings."""

from django import template

from sources.models import Publication

register = template.Library()

# Topics whose evidence is blurred until the viewer clicks through (graphic violence).
SENSITIVE_TOPICS = frozenset({"pow-executions"})
# Publication kinds that are footage or pictures: blurred until the viewer clicks through.
SENSITIVE_KINDS = frozenset({Publication.Kind.VIDEO, Publication.Kind.IMAGE})


@register.filter
def is_sensitive(citation) -> bool:
    """Whether a citation's evidence is shown blurred until the viewer clicks through.

    The one rule for the whole app: the citation's own ``sensitivity`` when set; otherwise,
    until every citation is graded, evidence of a claim about POW executions and evidence
    that is footage or a picture. Reads only what the pages prefetch (the claim's topics,
    the publication), so it never runs a query per citation.
    """
    if getattr(citation, "sensitivity", "none") not in ("", "none"):
        return True
    if citation.publication.kind in SENSITIVE_KINDS:
        return True
    return any(topic.slug in SENSITIVE_TOPICS for topic in citation.claim.topics.all())


@register.filter
def marking_class(marking: str) -> str:
    """CSS class of a TLP marking badge: "amber+strict" → "tlp-amber-strict"."""
    return "tlp-" + (marking or "clear").replace("+", "-")


@register.filter
def grade_class(grade: str) -> str:
    """CSS class of an Admiralty grade badge by its reliability letter ("B2" → "grade-b")."""
    return f"grade-{grade[:1].lower()}" if grade else "grade-none"


@register.filter
def marking_label(marking: str) -> str:
    """The TLP label of a stored marking value ("amber" → "TLP:AMBER")."""
    return f"TLP:{(marking or 'clear').upper()}"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with ``changes`` applied (``None`` or "" removes a key)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    return params.urlencode()


@register.simple_tag(takes_context=True)
def sort_link(context, field: str) -> str:
    """Query string sorting by ``field``, flipping the direction when it is sorted already."""
    params = context["request"].GET.copy()
    current = params.get("ordering", "")
    params["ordering"] = f"-{field}" if current == field else field
    params.pop("page", None)
    return params.urlencode()


@register.simple_tag(takes_context=True)
def sort_state(context, field: str) -> str:
    """``aria-sort`` value of a sortable column header."""
    current = context["request"].GET.get("ordering", "")
    if current == field:
        return "ascending"
    if current == f"-{field}":
        return "descending"
    return "none"
