"""Military formations, their place in the order of battle, names and honours."""

from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse

from core.choices import DatePrecision, choice_values
from core.dates import format_date, period_start
from core.history import tracked_history
from core.indexes import trigram_index
from core.models import (
    AliasBase,
    ArchivableModel,
    ClosureTreeMixin,
    HierarchyMixin,
    TrackedModel,
    closure_of,
)

from .querysets import UnitQuerySet

country_code = RegexValidator(r"^[A-Z]{2}$", "Use the two-letter ISO 3166-1 code, e.g. RU or KP.")


class UnitEchelon(models.TextChoices):
    # Ordered from the top of an ORBAT down; ``rank`` below follows this order.
    ARMED_FORCES = "armed_forces", "Armed forces"
    SERVICE = "service", "Service / branch command"
    MILITARY_DISTRICT = "military_district", "Military district"
    FLEET = "fleet", "Fleet"
    GROUP_OF_FORCES = "group_of_forces", "Group of forces"
    ARMY = "army", "Army"
    CORPS = "corps", "Corps"
    DIVISION = "division", "Division"
    BRIGADE = "brigade", "Brigade"
    REGIMENT = "regiment", "Regiment"
    BATTALION = "battalion", "Battalion"
    DETACHMENT = "detachment", "Detachment"
    COMPANY = "company", "Company"
    PLATOON = "platoon", "Platoon"
    SQUAD = "squad", "Squad / assault group"
    FORCE = "force", "Expeditionary force / contingent"
    OTHER = "other", "Other"


class UnitBranch(models.TextChoices):
    COMBINED_ARMS = "combined_arms", "Combined arms"
    MOTORIZED_RIFLE = "motorized_rifle", "Motorized rifle"
    TANK = "tank", "Tank"
    NAVAL_INFANTRY = "naval_infantry", "Naval infantry"
    AIRBORNE = "airborne", "Airborne (VDV)"
    AIR_ASSAULT = "air_assault", "Air assault"
    ARTILLERY = "artillery", "Artillery"
    MISSILE = "missile", "Missile"
    NAVY = "navy", "Navy"
    AIR_FORCE = "air_force", "Air force"
    SPECIAL_FORCES = "special_forces", "Special forces"
    PENAL = "penal", "Penal / Storm"
    INFANTRY = "infantry", "Infantry"
    DRONE = "drone", "Unmanned systems"
    OTHER = "other", "Other"


# The closure's related managers (ancestor_rows, descendant_rows) come from a base the
# django-stubs plugin cannot see (``closure_of``).
class Unit(HierarchyMixin, ClosureTreeMixin, ArchivableModel, TrackedModel):  # type: ignore[django-manager-missing]
    """A military formation with its parent in the order of battle (ORBAT)."""

    Echelon = UnitEchelon

    Branch = UnitBranch

    name = models.CharField(max_length=200)
    abbreviation = models.CharField(
        max_length=50, blank=True, help_text="How reporting shortens it, e.g. “30th MRB”, “CAA”."
    )
    country = models.CharField(max_length=2, validators=[country_code])
    echelon = models.CharField(max_length=32, choices=Echelon.choices)
    branch = models.CharField(max_length=32, choices=Branch.choices, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The formation this unit is subordinate to.",
    )
    description = models.TextField(blank=True)

    objects = UnitQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        ordering = ["name"]
        # Trigram indexes for the ``search`` filter (UnitFilterSet.search_fields); the subtree
        # queries use the foreign key's own index on parent_id.
        indexes = [
            trigram_index("name", "unit_name_trgm"),
            trigram_index("abbreviation", "unit_abbreviation_trgm"),
        ]
        constraints = [
            # Names repeat across armies ("1st Battalion"), so a name is unique per parent, and
            # per country among top-level formations.
            models.UniqueConstraint(
                fields=["country", "parent", "name"], name="unit_name_unique_under_parent"
            ),
            models.UniqueConstraint(
                fields=["country", "name"],
                condition=models.Q(parent__isnull=True),
                name="unit_name_unique_at_top",
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="unit_not_own_parent"
            ),
            models.CheckConstraint(
                condition=models.Q(echelon__in=choice_values(UnitEchelon)),
                name="unit_echelon_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(branch__in=[*choice_values(UnitBranch), ""]),
                name="unit_branch_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("units:detail", args=[self.pk])

    @property
    def short_name(self) -> str:
        """The abbreviation where reporting uses one, else the full name."""
        return self.abbreviation or self.name

    def ancestors(self) -> list["Unit"]:
        """The chain of formations above this one, nearest first (one query)."""
        return Unit.objects.ancestors_of(self)

    def descendants(self):
        """Every unit below this one, at any depth (one query when evaluated, on the
        closure table)."""
        return Unit.objects.descendants_of(self, include_self=False)

    def orbat_path(self) -> str:
        """ "30th MRB › 2nd CAA › Central MD": the unit and its chain of command."""
        return Unit.objects.orbat_paths([self.pk]).get(self.pk, self.short_name)


class UnitAncestor(
    # mypy cannot follow a base made by a call (``closure_of`` builds it at import).
    closure_of(  # type: ignore[misc]
        "units.Unit",
        "unit",
        indexes=(
            # A page's unit chains (``orbat_path_rows``), nearest first: an index-only scan
            # per unit. Read through the unique index, every row came from the table too
            # (bench/README.md). Not the unique index with the depth INCLUDEd: SQLite has
            # no such index.
            models.Index(fields=["unit", "depth", "ancestor"], name="unit_ancestor_chain_idx"),
        ),
    )
):
    """One pair (unit, a unit above it or itself) of the ORBAT's closure table.

    "Every unit below X" is one index range (``ancestor_id = X``) that PostgreSQL estimates
    from its statistics, instead of a recursive query it can only guess the size of: the
    claims filter ``unit=X&include_subordinates=true`` stays one planned statement at a
    million claims and 20,000 units. Derived from ``Unit.parent`` (``Unit.save()`` keeps it,
    bulk paths call ``UnitAncestor.objects.rebuild()``), so it has no history and no admin.
    """


class UnitAlias(AliasBase):
    """Another name of a unit ("30th MRB", "Storm-Z detachment")."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="aliases")
    history = tracked_history()

    class Meta(AliasBase.Meta):
        verbose_name_plural = "unit aliases"
        indexes = [trigram_index("name", "unit_alias_name_trgm")]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="unit_alias_unique"),
        ]


class UnitHonorific(models.Model):
    """An honorific title given to a unit ("Guards", July 2024) and when."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="honorifics")
    title = models.CharField(max_length=200)
    awarded_on = models.DateField(null=True, blank=True)
    awarded_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    awarded_by = models.CharField(max_length=200, blank=True, help_text="E.g. Vladimir Putin.")
    note = models.TextField(blank=True)
    history = tracked_history()

    class Meta:
        ordering = ["awarded_on"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "title"], name="unit_honorific_unique"),
            models.CheckConstraint(
                condition=models.Q(awarded_precision__in=choice_values(DatePrecision)),
                name="unit_honorific_precision_valid",
            ),
        ]

    def __str__(self) -> str:
        when = format_date(self.awarded_on, self.awarded_precision)
        return f"“{self.title}”" + (f" ({when})" if when else "")

    def save(self, *args, **kwargs) -> None:
        if self.awarded_on:
            self.awarded_on = period_start(self.awarded_on, self.awarded_precision)
        super().save(*args, **kwargs)
