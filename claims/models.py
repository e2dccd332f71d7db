"""Claims (checkable assertions), the evidence behind them, topics and units involved."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.text import slugify

from core.choices import (
    Confidence,
    Credibility,
    DatePrecision,
    Marking,
    Sensitivity,
    choice_values,
)
from core.dates import format_date, period_end, period_start
from core.history import tracked_history
from core.models import (
    ArchivableModel,
    JudgedModel,
    MarkedModel,
    TrackedModel,
    marking_constraint,
)

from .querysets import CitationQuerySet, ClaimQuerySet


class Topic(models.Model):
    """A subject analysts group claims by ("POW executions", "DPRK forces in Russia")."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    history = tracked_history()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:100]
        super().save(*args, **kwargs)


class SuggestedStatus(models.TextChoices):
    """What the evidence suggests about a claim, shown beside the analyst's status."""

    NO_EVIDENCE = "no_evidence", "No supporting evidence"
    SINGLE_SOURCE = "single_source", "Single source"
    CORROBORATED = "corroborated", "Corroborated"
    DISPUTED = "disputed", "Disputed"


class ClaimKind(models.TextChoices):
    EVENT = "event", "Event"
    STATISTIC = "statistic", "Statistic"
    ASSESSMENT = "assessment", "Assessment"
    ATTRIBUTION = "attribution", "Attribution"
    STATEMENT = "statement", "Statement"


class ClaimStatus(models.TextChoices):
    UNVERIFIED = "unverified", "Unverified"
    CORROBORATED = "corroborated", "Corroborated"
    DISPUTED = "disputed", "Disputed"
    REFUTED = "refuted", "Refuted"


class Claim(JudgedModel, ArchivableModel, TrackedModel, MarkedModel):
    """One checkable assertion about the world, in the analyst's words."""

    Kind = ClaimKind

    Status = ClaimStatus

    title = models.CharField(max_length=200, help_text="A short title for lists.")
    statement = models.TextField(help_text="The assertion, precise enough to be checked.")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.EVENT)
    topics = models.ManyToManyField(Topic, related_name="claims", blank=True)
    occurred_start = models.DateField(
        null=True,
        blank=True,
        db_index=True,
        verbose_name="occurred from",
        help_text="When it happened; with month precision enter any day of that month.",
    )
    occurred_end = models.DateField(
        null=True,
        blank=True,
        db_index=True,
        verbose_name="occurred until",
        help_text="Last day of a range; left empty, the single period of the start date.",
    )
    occurred_precision = models.CharField(
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        verbose_name="date precision",
    )
    ongoing = models.BooleanField(
        default=False, help_text="Still true at the time of reporting (“since Fall 2024”)."
    )
    locations = models.ManyToManyField("places.Location", related_name="claims", blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.UNVERIFIED, db_index=True
    )
    confidence = models.CharField(
        max_length=24,
        choices=Confidence.choices,
        blank=True,
        help_text="ICD 203 estimative language; empty until an analyst has judged it.",
    )
    notes = models.TextField(blank=True, help_text="Analyst's working notes.")

    # Derived from the evidence by claims.services (never typed in); stored so that lists can
    # filter and sort on them at a million claims, kept current whenever citations,
    # publications, the citation graph or sources change.
    best_grade = models.CharField(
        max_length=2,
        blank=True,
        editable=False,
        db_index=True,
        help_text="Strongest source reliability + information credibility among supporting "
        "citations, e.g. B2.",
    )
    independent_lines = models.PositiveIntegerField(
        default=0,
        editable=False,
        db_index=True,
        help_text="Independent lines of supporting evidence.",
    )
    disputes = models.PositiveIntegerField(
        default=0, editable=False, help_text="Citations that dispute the claim."
    )
    suggested_status = models.CharField(
        max_length=16,
        choices=SuggestedStatus.choices,
        default=SuggestedStatus.NO_EVIDENCE,
        editable=False,
        help_text="What the evidence suggests; never overwrites the status.",
    )

    objects = ClaimQuerySet.as_manager()
    history = tracked_history(m2m_fields=["topics", "locations", "sharing_groups", "shared_with"])
    judgement_fields = ("status", "confidence")

    class Meta:
        # Newest first, undated claims last (claims.querysets.NEWEST_FIRST).
        ordering = [models.F("occurred_start").desc(nulls_last=True), "-pk"]
        # Lists read current claims (archived_at IS NULL) in the order asked for and stop after
        # a page: partial indexes in exactly those orders let PostgreSQL read only that page.
        # The full-text column ``search_vector`` and its GIN index exist on PostgreSQL only
        # (migration 0005_search_indexes); they are not model fields, so no query loads them.
        indexes = [
            models.Index(fields=["-updated_at"], name="claim_updated_idx"),
            # Newest first with undated claims last (first, they filled the API's first
            # pages), the order of the API and the pages alike.
            models.Index(
                F("occurred_start").desc(nulls_last=True),
                F("id").desc(),
                condition=Q(archived_at__isnull=True),
                name="claim_current_occurred_idx",
            ),
            models.Index(
                fields=["-created_at"],
                condition=Q(archived_at__isnull=True),
                name="claim_current_created_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(occurred_end__isnull=True) | Q(occurred_start__isnull=False),
                name="claim_end_needs_start",
            ),
            models.CheckConstraint(
                condition=Q(occurred_end__isnull=True) | Q(occurred_end__gte=F("occurred_start")),
                name="claim_occurred_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(ongoing=False) | Q(occurred_end__isnull=True),
                name="claim_ongoing_has_no_end",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=choice_values(ClaimKind)), name="claim_kind"
            ),
            models.CheckConstraint(
                condition=Q(status__in=choice_values(ClaimStatus)), name="claim_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(confidence__in=[*choice_values(Confidence), ""]),
                name="claim_confidence_valid",
            ),
            models.CheckConstraint(
                condition=Q(occurred_precision__in=choice_values(DatePrecision)),
                name="claim_precision_valid",
            ),
            marking_constraint("claim"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("claims:detail", args=[self.pk])

    @property
    def occurred_display(self) -> str:
        """When it happened, as precisely as known: "Fall 2024", "since Fall 2024"."""
        if self.occurred_start is None:
            return ""
        start = format_date(self.occurred_start, self.occurred_precision)
        if self.ongoing:
            return f"since {start}"
        if self.occurred_end is None or self.occurred_end == period_end(
            self.occurred_start, self.occurred_precision
        ):
            return start
        return f"{start} – {format_date(self.occurred_end, self.occurred_precision)}"

    @property
    def is_marked_sensitive(self) -> bool:
        """True for AMBER and above: shown with a warning wherever it is displayed."""
        return self.marking not in (Marking.CLEAR, Marking.GREEN)

    def clean(self) -> None:
        super().clean()
        if self.occurred_end and not self.occurred_start:
            raise ValidationError({"occurred_end": "Give a start date before an end date."})
        if self.ongoing and self.occurred_end:
            raise ValidationError({"ongoing": "An ongoing claim has no end date; clear one."})
        if self.occurred_start and self.occurred_end:
            start = period_start(self.occurred_start, self.occurred_precision)
            if period_end(self.occurred_end, self.occurred_precision) < start:
                raise ValidationError({"occurred_end": "The end date is before the start date."})

    def save(self, *args, **kwargs) -> None:
        self.normalise_dates()
        super().save(*args, **kwargs)

    def normalise_dates(self) -> None:
        """Widen the occurrence to whole periods of its precision, as it is stored."""
        # Store whole periods so range filters compare like with like: "October 2024" is
        # 1–31 October, "Fall 2024" is 1 September – 30 November. The importer calls this
        # before comparing a record with the stored row, so an unchanged one is not saved.
        if self.occurred_start:
            precision = self.occurred_precision
            self.occurred_start = period_start(self.occurred_start, precision)
            if self.occurred_end:
                self.occurred_end = period_end(self.occurred_end, precision)
            elif not self.ongoing:
                self.occurred_end = period_end(self.occurred_start, precision)


class Quantity(models.Model):
    """A number stated in a claim, typed: "109 victims", "10 to 15 personnel as of 20 Feb 2025"."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="quantities")
    measure = models.CharField(
        max_length=200, help_text="What is counted or measured, e.g. “victims”."
    )
    low = models.DecimalField(max_digits=20, decimal_places=4)
    high = models.DecimalField(
        max_digits=20,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Upper bound of a range; empty for a single value.",
    )
    unit_of_measure = models.CharField(max_length=50, blank=True, help_text="E.g. persons, m.")
    approximate = models.BooleanField(default=False, help_text="Reported as “about” / “roughly”.")
    as_of = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True, help_text="E.g. “down from 50”.")
    history = tracked_history()

    class Meta:
        verbose_name_plural = "quantities"
        ordering = ["claim", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(high__isnull=True) | Q(high__gte=F("low")),
                name="quantity_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        def number(value) -> str:
            return f"{Decimal(value).normalize():,f}"

        value = number(self.low) if self.high is None else f"{number(self.low)}–{number(self.high)}"
        about = "about " if self.approximate else ""
        return f"{self.measure}: {about}{value} {self.unit_of_measure}".strip()


class CitationStance(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    DISPUTES = "disputes", "Disputes"
    MENTIONS = "mentions", "Mentions"


class Citation(JudgedModel, ArchivableModel, TrackedModel):
    """The evidence link: a publication supporting, disputing or mentioning a claim."""

    Stance = CitationStance

    # PROTECT on both sides: deleting a claim or a publication must never silently take the
    # evidence linking them with it.
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="citations")
    publication = models.ForeignKey(
        "sources.Publication",
        on_delete=models.PROTECT,
        related_name="citations",
        # Served by citation_pub_claim_idx (publication first), which also covers claim ids.
        db_index=False,
    )
    stance = models.CharField(max_length=16, choices=Stance.choices, default=Stance.SUPPORTS)
    excerpt = models.TextField(blank=True, help_text="The exact words quoted, in the original.")
    excerpt_language = models.CharField(max_length=16, blank=True, help_text="BCP 47 tag.")
    translation = models.TextField(blank=True, help_text="English translation of the excerpt.")
    locator_page = models.CharField(max_length=20, blank=True, verbose_name="page")
    locator_paragraph = models.PositiveIntegerField(null=True, blank=True, verbose_name="paragraph")
    locator_timestamp = models.DurationField(
        null=True, blank=True, verbose_name="timestamp", help_text="Position in a video, hh:mm:ss."
    )
    locator_footnote = models.CharField(
        max_length=20, blank=True, verbose_name="footnote", help_text="E.g. 5 for footnote [5]."
    )
    credibility = models.PositiveSmallIntegerField(
        choices=Credibility.choices,
        default=Credibility.CANNOT_BE_JUDGED,
        help_text="Admiralty scale: how credible this information is.",
    )
    sensitivity = models.CharField(
        max_length=20,
        choices=Sensitivity.choices,
        default=Sensitivity.NONE,
        help_text="Sensitive evidence is blurred until the viewer clicks through.",
    )
    note = models.TextField(blank=True)

    objects = CitationQuerySet.as_manager()
    history = tracked_history()
    judgement_fields = ("credibility",)

    class Meta:
        ordering = ["claim", "pk"]
        # "Claims citing this publication" reads claim ids by publication from the index alone.
        indexes = [models.Index(fields=["publication", "claim"], name="citation_pub_claim_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(credibility__gte=1, credibility__lte=6),
                name="citation_credibility_1_to_6",
            ),
            models.CheckConstraint(
                condition=Q(stance__in=choice_values(CitationStance)), name="citation_stance_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.publication} {self.get_stance_display().lower()} “{self.claim}”"

    @property
    def locator_display(self) -> str:
        """Where in the publication: "fn. [5], p. 3, ¶ 2, 00:01:23"."""
        parts = []
        if self.locator_footnote:
            parts.append(f"fn. [{self.locator_footnote}]")
        if self.locator_page:
            parts.append(f"p. {self.locator_page}")
        if self.locator_paragraph:
            parts.append(f"¶ {self.locator_paragraph}")
        if self.locator_timestamp is not None:
            total = int(self.locator_timestamp.total_seconds())
            parts.append(f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}")
        return ", ".join(parts)

    def grade_with(self, reliability: str) -> str:
        """The Admiralty grade ("B2") given the reliability of the publication's source."""
        return f"{reliability}{self.credibility}"


class ClaimRelationKind(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    CONTRADICTS = "contradicts", "Contradicts"
    REFINES = "refines", "Refines"
    DUPLICATES = "duplicates", "Duplicates"


class ClaimRelation(TrackedModel):
    """How one claim bears on another: supports, contradicts, refines or duplicates it."""

    Kind = ClaimRelationKind

    from_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="relations_out")
    to_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="relations_in")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    note = models.TextField(blank=True)
    history = tracked_history()

    class Meta:
        ordering = ["from_claim", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_claim", "to_claim", "kind"], name="claim_relation_unique"
            ),
            models.CheckConstraint(
                condition=~Q(from_claim=F("to_claim")), name="claim_relation_not_self"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=choice_values(ClaimRelationKind)),
                name="claim_relation_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"“{self.from_claim}” {self.get_kind_display().lower()} “{self.to_claim}”"


class UnitInvolvementRole(models.TextChoices):
    PERPETRATOR = "perpetrator", "Perpetrator"
    ATTRIBUTED = "attributed", "Attributed"
    SUBJECT = "subject", "Subject"
    LOCATED = "located", "Located"
    MENTIONED = "mentioned", "Mentioned"


class UnitInvolvement(TrackedModel):
    """A military unit's part in a claim: perpetrator, attributed, subject, located, mentioned."""

    Role = UnitInvolvementRole

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="involvements")
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        related_name="involvements",
        # Served by involvement_unit_claim_idx (unit first), which also covers claim ids.
        db_index=False,
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    attributed_by = models.ForeignKey(
        "sources.Source",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who attributes the act to the unit (Forbes → 155th Naval Infantry Brigade).",
    )
    note = models.TextField(blank=True)
    history = tracked_history()

    class Meta:
        verbose_name = "unit involvement"
        ordering = ["claim", "pk"]
        # "Claims about this unit (and its subordinates)" reads claim ids by unit from the
        # index alone.
        indexes = [models.Index(fields=["unit", "claim"], name="involvement_unit_claim_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "unit", "role"], name="unit_involvement_unique"
            ),
            models.CheckConstraint(
                condition=Q(role__in=choice_values(UnitInvolvementRole)),
                name="unit_involvement_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} ({self.get_role_display().lower()}) in “{self.claim}”"
