"""``/claims/ingest/``: paste a report, review its draft, accept it in one transaction.

The draft travels between the steps in a signed hidden field (``django.core.signing``): the
analyst's edits may only choose among what the signed draft proposed, and accepting re-checks
every id against what the analyst may see (``accept_draft``).
"""

import copy
import re
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.views.generic import TemplateView

from claims.models import Claim, ClaimKind
from core.views import EditorPageMixin
from ingest.api.serializers import AcceptRequestSerializer
from ingest.draft import build_draft
from ingest.forms import IngestForm
from ingest.services import IngestError, accept_draft
from units.models import Unit, UnitEchelon

SALT = "ingest.draft"
MAX_AGE = 24 * 3600  # a draft older than a day is read again rather than trusted
RESULT_KEY = "claims_ingest_result"


def sign(payload: dict[str, Any]) -> str:
    """The draft and the chosen publication, signed (and compressed) for a hidden field."""
    return signing.dumps(payload, salt=SALT, compress=True)


def unsign(token: str) -> dict[str, Any] | None:
    """The payload of a hidden field, or None if it was tampered with or is too old."""
    try:
        payload: dict[str, Any] = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    return payload


class IngestPage(EditorPageMixin, TemplateView):
    """A step of the ingestion, for analysts and editors: whoever may add claims."""

    permission_required = "claims.add_claim"

    def review(
        self, payload: dict[str, Any], errors: dict[str, list[str]] | None = None, status: int = 200
    ) -> HttpResponse:
        """The review page of ``payload``'s draft, with the errors of a refused accept."""
        token = sign(payload)
        draft = copy.deepcopy(payload["draft"])  # annotated for display only
        units = {unit["key"]: unit for unit in draft["units"]}
        for claim in draft["claims"]:
            for mention in claim["units"]:
                mention["new"] = not units[mention["key"]].get("existing")
            claim["footnote_links"] = [
                (number, draft["footnotes"].get(str(number), [])) for number in claim["footnotes"]
            ]
        return self.render_to_response(
            {
                "token": token,
                "draft": draft,
                "new_units": [u for u in draft["units"] if not u.get("existing")],
                "known_units": [u for u in draft["units"] if u.get("existing")],
                "errors": [
                    (_where(draft, key), message)
                    for key, messages in (errors or {}).items()
                    for message in messages
                ],
                "kinds": ClaimKind.choices,
                "echelons": UnitEchelon.choices,
                "payload": payload,
            },
            status=status,
        )


class IngestView(IngestPage):
    """Step one: the text, its date and the publication; posting it shows the draft."""

    template_name = "ingest/ingest.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response({"form": IngestForm(user=request.user)})

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = IngestForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self.render_to_response({"form": form}, status=400)
        data = form.cleaned_data
        draft = build_draft(data["report"], data["date"], user=request.user)
        fields = review_field_count(draft)
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        if limit is not None and fields > limit:
            # Said now, before the analyst reviews a page whose answer Django would refuse.
            form.add_error(
                "text",
                f"This report gives {len(draft['claims'])} proposed claims: reviewing them needs "
                f"{fields} form fields, more than the {limit} a page may send back. Ingest it "
                "in parts, or accept it with the API or the ingest_report command.",
            )
            return self.render_to_response({"form": form}, status=400)
        payload = {
            "draft": draft,
            "publication": data["publication"].pk if data.get("publication") else None,
            "publication_label": str(data["publication"]) if data.get("publication") else "",
            "source": data["source"].pk if data.get("source") else None,
            "source_label": str(data["source"]) if data.get("source") else "",
            "title": data.get("title") or "",
            "url": data.get("url") or "",
            "date": data["date"].isoformat(),
        }
        self.template_name = "ingest/ingest_review.html"
        return self.review(payload)


def review_field_count(draft: dict[str, Any]) -> int:
    """How many fields the review page posts back with every checkbox ticked."""
    count = 2  # CSRF token, signed draft
    for unit in draft["units"]:
        count += 1 if unit.get("existing") else 4  # keep (+ name, echelon, parent)
    for claim in draft["claims"]:
        count += 4 + bool(claim["occurred"])  # keep, title, statement, kind (+ date)
        count += sum(len(claim[name]) for name in ("units", "sources", "locations", "quantities"))
    return count


def apply_review(draft: dict[str, Any], post: QueryDict) -> dict[str, Any]:
    """The signed draft with the analyst's choices: what to keep, edited statements, titles,
    kinds and new units. Ticked values are intersected with what the draft proposed, so a
    forged form can only drop proposals, never add records."""
    draft = copy.deepcopy(draft)
    kinds = {value for value, _label in ClaimKind.choices}
    for claim in draft["claims"]:
        prefix = f"claim-{claim['key']}"
        claim["keep"] = post.get(f"{prefix}-keep") == "on"
        claim["statement"] = post.get(f"{prefix}-statement", claim["statement"]).strip()
        claim["title"] = post.get(f"{prefix}-title", claim["title"]).strip()[:200]
        kind = post.get(f"{prefix}-kind", claim["kind"])
        claim["kind"] = kind if kind in kinds else claim["kind"]
        units = set(post.getlist(f"{prefix}-unit"))
        claim["units"] = [u for u in claim["units"] if u["key"] in units]
        sources = set(post.getlist(f"{prefix}-source"))
        claim["sources"] = [s for s in claim["sources"] if str(s["id"]) in sources]
        places = set(post.getlist(f"{prefix}-location"))
        claim["locations"] = [p for p in claim["locations"] if str(p["id"]) in places]
        numbers = set(post.getlist(f"{prefix}-quantity"))
        claim["quantities"] = [
            q for index, q in enumerate(claim["quantities"]) if str(index) in numbers
        ]
        if post.get(f"{prefix}-occurred") != "on":
            claim["occurred"] = None
    for unit in draft["units"]:
        prefix = f"unit-{unit['key']}"
        unit["keep"] = post.get(f"{prefix}-keep") == "on"
        if unit.get("existing"):
            continue
        unit["name"] = post.get(f"{prefix}-name", unit["name"]).strip()
        unit["echelon"] = post.get(f"{prefix}-echelon", unit["echelon"])
        parent = post.get(f"{prefix}-parent", unit.get("parent") or "").strip()
        if parent != (unit.get("parent") or ""):
            # A parent typed by hand is looked up by name, not by the proposal's key.
            unit["parent"], unit["parent_key"] = parent or None, None
    dropped = {unit["key"] for unit in draft["units"] if not unit["keep"]}
    for claim in draft["claims"]:
        claim["units"] = [u for u in claim["units"] if u["key"] not in dropped]
    return draft


class IngestAcceptView(IngestPage):
    """Step two: apply the review and accept it, all or nothing."""

    template_name = "ingest/ingest_review.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        payload = unsign(request.POST.get("token", ""))
        if payload is None:
            self.template_name = "ingest/ingest.html"
            return self.render_to_response(
                {"form": IngestForm(user=request.user), "expired": True}, status=400
            )
        payload["draft"] = apply_review(payload["draft"], request.POST)
        incoming = AcceptRequestSerializer(
            data={
                "draft": payload["draft"],
                "publication": payload["publication"],
                "source": payload["source"],
                "title": payload["title"],
                "url": payload["url"],
                "date": payload["date"],
            },
            context={"request": request},
        )
        if not incoming.is_valid():
            return self.review(payload, errors=_flatten(incoming.errors), status=400)
        data = incoming.validated_data
        publication = data["publication"]
        try:
            result = accept_draft(data["draft"], publication=publication, user=request.user)
        except IngestError as error:
            return self.review(payload, errors=error.errors, status=400)
        request.session[RESULT_KEY] = {"publication": publication.pk, **result.as_dict()}
        return HttpResponseRedirect(reverse("ingest:done"))


def _where(draft: dict[str, Any], key: str) -> str:
    """ "claims[3].statement" as the analyst sees it: "Claim “Title…”, statement"."""
    match = re.match(r"^(?:draft\.)?(claims|units)\[(\d+)\]\.?(.*)$", key)
    if not match:
        return key.removeprefix("draft.") or "Draft"
    rows = draft[match.group(1)]
    index = int(match.group(2))
    if index >= len(rows):
        return key
    row = rows[index]
    label = f"Claim “{row['title']}”" if match.group(1) == "claims" else f"Unit “{row['name']}”"
    return f"{label}, {match.group(3)}" if match.group(3) else label


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as "claims[3].statement" → messages."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(errors, list) and errors and not isinstance(errors[0], str):
        for index, value in enumerate(errors):
            if value:
                flat.update(_flatten(value, f"{prefix}[{index}]"))
    else:
        flat[prefix or "draft"] = [str(message) for message in errors]
    return flat


class IngestDoneView(IngestPage):
    """The result: the claims just created (only those the user may see)."""

    template_name = "ingest/ingest_done.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        result = self.request.session.get(RESULT_KEY) or {}
        user = self.request.user
        claims = (
            Claim.objects.visible_to(user)
            .filter(pk__in=result.get("claims", []))
            .prefetch_related("involvements__unit", "locations")
            .order_by("pk")
        )
        units = Unit.objects.visible_to(user).filter(pk__in=result.get("units", []))
        return super().get_context_data(
            claims=list(claims), units=list(units), result=result, **kwargs
        )
