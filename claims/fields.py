"""A claim's fields, declared once: what each one is, how it is rendered and where it goes.

``CLAIM_FIELDS`` is the single list of a claim's fields. The API (``ClaimSerializer`` and
its fast path ``claims.api.listing``), the exchange document's claim record
(``interchange.document``) and the CSV columns (``interchange.csv``) are derived from it;
``tests/claims/test_fields.py`` checks that each output carries exactly the fields declared
for it and names the place that does not.

The declaration is in the API's order. The exchange document and the CSV are formats of
their own, with their own order (changing it would change every exported file), so each
has a layout here (``DOCUMENT_ORDER``, ``CSV_ORDER``) naming the declared fields; a field
declared for an output and missing from its layout, or the reverse, stops the import of
this module with a message naming both.
"""

import enum
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


class Render(enum.Enum):
    """How a field's value becomes output; each output applies its own format to it."""

    #: The model attribute as stored (text, number, boolean).
    VALUE = "value"
    #: The attribute as text (a uuid).
    TEXT = "text"
    #: A moment (``created_at``): ISO 8601.
    TIMESTAMP = "timestamp"
    #: A stored text that is empty until known: null in the API (the grade).
    BLANK_AS_NULL = "blank_as_null"
    #: A user, by username (null for records a command wrote).
    USER = "user"
    #: When it happened: ``PERIOD_ATTRIBUTES`` and the model's display of them.
    PERIOD = "period"
    #: Related records: each output renders them with its own code, by the field's name.
    RELATED = "related"
    #: Computed for one claim's detail only; null in lists.
    DETAIL = "detail"


#: The model attributes of a claim's period, as the document and the CSV write them.
PERIOD_ATTRIBUTES = ("occurred_start", "occurred_end", "occurred_precision", "ongoing")


@dataclass(frozen=True)
class ClaimField:
    """One field of a claim, the model attribute it comes from and its keys in each output.

    An empty ``document`` or ``csv`` means the output does not carry the field; ``api=False``
    likewise for the API.
    """

    name: str
    render: Render = Render.VALUE
    #: The model attribute (or relation) the value comes from; the name when empty.
    source: str = ""
    api: bool = True
    #: Keys of the exchange document's claim record.
    document: tuple[str, ...] = ()
    #: CSV columns.
    csv: tuple[str, ...] = ()
    #: Those of ``csv`` that an import reads (the others are derived or for reading).
    csv_import: tuple[str, ...] = ()
    #: Derived from the evidence (claims.services): exported for readers, recomputed on import.
    derived: bool = False

    @property
    def attribute(self) -> str:
        """The model attribute the value is read from."""
        return self.source or self.name


def _own(name: str, render: Render = Render.VALUE, **kwargs) -> ClaimField:
    """A field of the claim's own that every output carries under its name and an import
    reads back."""
    return ClaimField(name, render, document=(name,), csv=(name,), csv_import=(name,), **kwargs)


CLAIM_FIELDS: tuple[ClaimField, ...] = (
    ClaimField("id", csv=("id",)),
    _own("uuid", Render.TEXT),
    _own("title"),
    _own("statement"),
    _own("kind"),
    _own("status"),
    ClaimField(
        "suggested_status",
        document=("suggested_status",),
        csv=("suggested_status",),
        derived=True,
    ),
    ClaimField(
        "grade",
        Render.BLANK_AS_NULL,
        source="best_grade",
        document=("best_grade",),
        csv=("grade",),
        derived=True,
    ),
    ClaimField(
        "independent_lines",
        document=("independent_lines",),
        csv=("independent_lines",),
        derived=True,
    ),
    ClaimField("disputes", document=("disputes",), csv=("disputes",), derived=True),
    ClaimField("evidence_lines", Render.DETAIL),
    _own("confidence"),
    _own("marking"),
    ClaimField(
        "occurred",
        Render.PERIOD,
        source="occurred_display",
        document=PERIOD_ATTRIBUTES,
        csv=(*PERIOD_ATTRIBUTES, "occurred"),
        csv_import=PERIOD_ATTRIBUTES,
    ),
    ClaimField(
        "topics", Render.RELATED, document=("topics",), csv=("topics",), csv_import=("topics",)
    ),
    ClaimField(
        "locations",
        Render.RELATED,
        document=("locations",),
        csv=("places", "place_uuids"),
        csv_import=("place_uuids",),
    ),
    ClaimField("quantities", Render.RELATED, document=("quantities",)),
    ClaimField(
        "units",
        Render.RELATED,
        source="involvements",
        document=("involvements",),
        csv=("units",),
    ),
    # In the CSV: how many citations the reader may see.
    ClaimField("citations", Render.RELATED, document=("citations",), csv=("citations",)),
    ClaimField("related", Render.RELATED, source="relations_out", document=("relations",)),
    _own("notes"),
    ClaimField("created_at", Render.TIMESTAMP, document=("created_at",), csv=("created_at",)),
    ClaimField("created_by", Render.USER, document=("created_by",)),
    ClaimField("updated_at", Render.TIMESTAMP, document=("updated_at",), csv=("updated_at",)),
    ClaimField("updated_by", Render.USER, document=("updated_by",)),
    ClaimField("sharing_groups", Render.RELATED, document=("sharing_groups",)),
    ClaimField("shared_with", Render.RELATED, document=("shared_with",)),
    ClaimField("version", api=False, document=("version",)),
    # Empty for a current claim: the operator's export and an editor's ``archived=include``
    # hold archived claims too.
    ClaimField(
        "archived_at",
        Render.TIMESTAMP,
        api=False,
        document=("archived_at",),
        csv=("archived_at",),
    ),
    ClaimField("archived_by", Render.USER, api=False, document=("archived_by",)),
    # The sources of the publications cited (those the reader may see), for reading.
    ClaimField("sources", Render.RELATED, api=False, csv=("sources",)),
)

#: The exchange document's claim record (format version 1), in its order.
DOCUMENT_ORDER = (
    "uuid",
    "title",
    "statement",
    "kind",
    "occurred",
    "status",
    "confidence",
    "notes",
    "marking",
    "sharing_groups",
    "shared_with",
    "topics",
    "locations",
    "quantities",
    "citations",
    "units",
    "related",
    "grade",
    "independent_lines",
    "disputes",
    "suggested_status",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "version",
    "archived_at",
    "archived_by",
)

#: The CSV's claim columns, in their order.
CSV_ORDER = (
    "id",
    "uuid",
    "title",
    "statement",
    "kind",
    "status",
    "confidence",
    "marking",
    "occurred",
    "topics",
    "locations",
    "units",
    "grade",
    "independent_lines",
    "disputes",
    "suggested_status",
    "citations",
    "sources",
    "notes",
    "created_at",
    "updated_at",
    "archived_at",
)

#: What a ``?brief=1`` row adds to the claim summary (``ClaimBriefSerializer``), in its order.
BRIEF_ORDER = ("confidence", "grade", "independent_lines", "updated_at")

BY_NAME: dict[str, ClaimField] = {field.name: field for field in CLAIM_FIELDS}


def _laid_out(layout: str, order: tuple[str, ...], carried: set[str]) -> tuple[ClaimField, ...]:
    """The fields named by ``order`` (called ``layout`` in messages), which must be exactly
    the ``carried`` ones (those declared for that output)."""
    if len(set(order)) != len(order):
        raise ImproperlyConfigured(f"claims.fields.{layout} names a field twice.")
    unknown = [name for name in order if name not in BY_NAME]
    missing = sorted(carried - set(order))
    extra = sorted(set(order) - carried - set(unknown))
    if unknown or missing or extra:
        raise ImproperlyConfigured(
            f"claims.fields.{layout} must name exactly the fields declared for its output: "
            f"not declared {unknown}, declared for it but not placed {missing}, placed but "
            f"not declared for it {extra}."
        )
    return tuple(BY_NAME[name] for name in order)


if len(BY_NAME) != len(CLAIM_FIELDS):
    raise ImproperlyConfigured("claims.fields.CLAIM_FIELDS declares a name twice.")

#: The API's fields (``ClaimSerializer``, ``claims.api.listing``), in its order.
API_FIELDS: tuple[ClaimField, ...] = tuple(field for field in CLAIM_FIELDS if field.api)
#: The exchange document's claim record, in its order.
DOCUMENT_FIELDS = _laid_out(
    "DOCUMENT_ORDER", DOCUMENT_ORDER, {field.name for field in CLAIM_FIELDS if field.document}
)
#: The CSV's claim fields, in the order of their columns.
CSV_FIELDS = _laid_out("CSV_ORDER", CSV_ORDER, {field.name for field in CLAIM_FIELDS if field.csv})
#: What a brief row adds to the summary: API fields, in the brief's order.
BRIEF_FIELDS = _laid_out(
    "BRIEF_ORDER", BRIEF_ORDER, {field.name for field in API_FIELDS} & set(BRIEF_ORDER)
)

#: The CSV header of claims.
CSV_COLUMNS: tuple[str, ...] = tuple(column for field in CSV_FIELDS for column in field.csv)
#: The columns an import reads, in the header's order.
CSV_IMPORT_COLUMNS: tuple[str, ...] = tuple(
    column for field in CSV_FIELDS for column in field.csv if column in field.csv_import
)
