"""Places: named locations with coordinates, inside parent places, with their other spellings."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from core.choices import choice_values
from core.history import tracked_history
from core.indexes import trigram_index
from core.models import AliasBase, ClosureTreeMixin, HierarchyMixin, TrackedModel, closure_of

from .querysets import LocationQuerySet


class LocationKind(models.TextChoices):
    COUNTRY = "country", "Country"
    REGION = "region", "Region / oblast"
    DISTRICT = "district", "District / raion"
    SETTLEMENT = "settlement", "City, town or village"
    SITE = "site", "Site or facility"
    AREA = "area", "Area / front sector"
    OTHER = "other", "Other"


class LocationPrecision(models.TextChoices):
    EXACT = "exact", "Exact"
    WITHIN_100M = "100m", "Within about 100 m"
    WITHIN_1KM = "1km", "Within about 1 km"
    SETTLEMENT = "settlement", "Settlement"
    REGION = "region", "Region"


# The closure's related managers (ancestor_rows, descendant_rows) come from a base the
# django-stubs plugin cannot see (``closure_of``).
class Location(HierarchyMixin, ClosureTreeMixin, TrackedModel):  # type: ignore[django-manager-missing]
    """A named place with coordinates as precise as reporting allows, inside a parent place."""

    Kind = LocationKind

    Precision = LocationPrecision

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code.")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    precision = models.CharField(
        max_length=16,
        choices=Precision.choices,
        default=Precision.SETTLEMENT,
        help_text="How precise the coordinates are: reporting often only says “near Pokrovsk”.",
    )
    description = models.TextField(blank=True)

    objects = LocationQuerySet.as_manager()
    history = tracked_history(table_name="claims_historicallocation")

    class Meta:
        # The tables keep the names they had when places lived in the claims app.
        db_table = "claims_location"
        ordering = ["name"]
        indexes = [trigram_index("name", "location_name_trgm")]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="location_unique_in_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="location_unique_at_top"
            ),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="location_not_own_parent"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="location_coordinates_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=choice_values(LocationKind)), name="location_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(precision__in=choice_values(LocationPrecision)),
                name="location_precision_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.parent.name}" if self.parent is not None else self.name

    def clean(self) -> None:
        super().clean()
        if (self.latitude is None) != (self.longitude is None):
            missing = "latitude" if self.latitude is None else "longitude"
            raise ValidationError({missing: "Give both latitude and longitude, or neither."})


class LocationAncestor(
    # The table keeps the name it had when places lived in the claims app. mypy cannot follow
    # a base made by a call (``closure_of`` builds it at import).
    closure_of("places.Location", "location", db_table="claims_locationancestor")  # type: ignore[misc]
):
    """One pair (place, a place it is inside or itself) of the places' closure table.

    "Claims at Ukraine or anywhere inside it" is the index range ``ancestor_id = Ukraine``
    that PostgreSQL estimates from its statistics; with a recursive query it guessed a few
    hundred places where tens of thousands matched, joined them to most claims and sorted
    them. Derived from ``Location.parent`` (``Location.save()`` keeps
    it, bulk paths call ``LocationAncestor.objects.rebuild()``), so it has no history and no
    admin. As ``units.UnitAncestor``.
    """


class LocationAlias(AliasBase):
    """Another spelling of a place ("Zaporizhzhia" for "Zaporizhia")."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="aliases")
    history = tracked_history(table_name="claims_historicallocationalias")

    class Meta(AliasBase.Meta):
        db_table = "claims_locationalias"
        verbose_name_plural = "location aliases"
        indexes = [trigram_index("name", "location_alias_name_trgm")]
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="location_alias_unique"),
        ]
