"""Sources (who says something) and publications (one concrete item a source put out)."""

import hashlib
import uuid
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse

from core.choices import DatePrecision, Reliability, Sensitivity, choice_values
from core.dates import format_date, period_start
from core.history import tracked_history
from core.indexes import trigram_index
from core.models import (
    AliasBase,
    ArchivableModel,
    JudgedModel,
    MarkedModel,
    TrackedModel,
    marking_constraint,
)

from .querysets import EvidenceFileQuerySet, PublicationQuerySet, SourceQuerySet

country_code = RegexValidator(r"^[A-Z]{2}$", "Use the two-letter ISO 3166-1 code, e.g. UA or RU.")


class SourceKind(models.TextChoices):
    NEWS_OUTLET = "news_outlet", "News outlet"
    GOVERNMENT = "government", "Government body"
    INTELLIGENCE = "intelligence", "Intelligence service"
    MILITARY = "military", "Military unit or command"
    THINK_TANK = "think_tank", "Think tank"
    NGO = "ngo", "NGO"
    INVESTIGATIVE_GROUP = "investigative_group", "Investigative / OSINT group"
    INTERNATIONAL_ORG = "international_org", "International organisation"
    PERSON = "person", "Person"
    OTHER = "other", "Other"


class Source(JudgedModel, ArchivableModel, TrackedModel):
    """Who says something: an outlet, a government body, a think tank, or a person."""

    Kind = SourceKind

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    country = models.CharField(
        max_length=2,
        blank=True,
        validators=[country_code],
        help_text="ISO 3166-1 alpha-2 code of the country the source is based in.",
    )
    reliability = models.CharField(
        max_length=1,
        choices=Reliability.choices,
        default=Reliability.F,
        help_text="Admiralty scale: how reliable this source has proven.",
    )
    affiliation = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        help_text="The body this source speaks for (Budanov → GUR).",
    )
    role = models.CharField(
        max_length=200,
        blank=True,
        help_text="Position within the affiliation, e.g. “Head”.",
    )
    url = models.URLField(max_length=500, blank=True, verbose_name="website")
    description = models.TextField(blank=True)

    objects = SourceQuerySet.as_manager()
    history = tracked_history()
    judgement_fields = ("reliability",)

    class Meta:
        ordering = ["name"]
        # Trigram indexes for the ``search`` filter (SourceFilterSet.search_fields); every
        # field of the OR needs one or PostgreSQL scans the table.
        indexes = [
            trigram_index("name", "source_name_trgm"),
            trigram_index("description", "source_description_trgm"),
            trigram_index("role", "source_role_trgm"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=choice_values(SourceKind)), name="source_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(reliability__in=choice_values(Reliability)),
                name="source_reliability_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(affiliation=models.F("pk")), name="source_not_own_affiliation"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sources:detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        # The affiliation tree is read like units' ORBAT: one recursive query for the chain.
        if (
            self.affiliation_id
            and self.pk
            and self.pk in Source.objects.ancestor_ids(self.affiliation_id)
        ):
            raise ValidationError(
                {
                    "affiliation": "This affiliation would make a cycle (A speaks for B "
                    "speaks for A). Choose the body this source speaks for."
                }
            )


class SourceAlias(AliasBase):
    """Another name of a source ("FT" for the Financial Times)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="aliases")
    history = tracked_history()

    class Meta(AliasBase.Meta):
        verbose_name_plural = "source aliases"
        indexes = [trigram_index("name", "source_alias_name_trgm")]
        constraints = [
            models.UniqueConstraint(fields=["source", "name"], name="source_alias_unique"),
        ]


def evidence_upload_path(instance: "Publication", filename: str) -> str:
    """Store uploads under a random name: a user's filename is never used as a path."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"evidence/{uuid.uuid4().hex}{suffix}"


class PublicationKind(models.TextChoices):
    ARTICLE = "article", "Article"
    INVESTIGATION = "investigation", "Investigation"
    INTERVIEW = "interview", "Interview"
    STATEMENT = "statement", "Statement"
    REPORT = "report", "Report / assessment"
    VIDEO = "video", "Video"
    IMAGE = "image", "Image"
    SOCIAL_POST = "social_post", "Social media post"
    DOCUMENT = "document", "Official document"
    OTHER = "other", "Other"


class Publication(ArchivableModel, TrackedModel, MarkedModel):
    """One concrete item a source put out: an article, a statement, a report, a video…"""

    Kind = PublicationKind

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="publications")
    # Annotated for mypy, which cannot infer a many-to-many whose through model is named by a
    # string (django-stubs #1802); quoted, as ManyToManyField is not subscriptable at run time.
    people: "models.ManyToManyField[Source, PublicationPerson]" = models.ManyToManyField(
        Source,
        through="PublicationPerson",
        related_name="appearances",
        blank=True,
        help_text="People who authored the item or are quoted in it.",
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    title = models.CharField(max_length=500)
    published_on = models.DateField(null=True, blank=True, db_index=True)
    published_precision = models.CharField(
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    url = models.URLField(max_length=1000, blank=True, verbose_name="URL")
    language = models.CharField(
        max_length=16, default="en", help_text="BCP 47 language tag, e.g. en, uk, ru, ko."
    )
    summary = models.TextField(blank=True)
    cites: "models.ManyToManyField[Publication, PublicationReference]" = models.ManyToManyField(
        "self",
        through="PublicationReference",
        symmetrical=False,
        related_name="cited_by",
        through_fields=("citing", "cited"),
        blank=True,
    )

    objects = PublicationQuerySet.as_manager()
    history = tracked_history(m2m_fields=["sharing_groups", "shared_with"])

    class Meta:
        ordering = ["-published_on", "title"]
        indexes = [
            # The list's default order over current records (archived ones are the rare case).
            models.Index(
                fields=["-published_on", "title"],
                condition=models.Q(archived_at__isnull=True),
                name="publication_current_pub_idx",
            ),
            trigram_index("title", "publication_title_trgm"),
            trigram_index("summary", "publication_summary_trgm"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=choice_values(PublicationKind)),
                name="publication_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(published_precision__in=choice_values(DatePrecision)),
                name="publication_precision_valid",
            ),
            marking_constraint("publication"),
        ]

    def __str__(self) -> str:
        date = self.published_display
        return f"{self.source.name}: {self.title}" + (f" ({date})" if date else "")

    @property
    def published_display(self) -> str:
        """The publication date as precisely as it is known ("February 2025")."""
        return format_date(self.published_on, self.published_precision)

    def save(self, *args, **kwargs) -> None:
        self.normalise_dates()
        super().save(*args, **kwargs)

    def normalise_dates(self) -> None:
        """The publication date as stored: the first day of its period."""
        if self.published_on:
            self.published_on = period_start(self.published_on, self.published_precision)


def compute_sha256(file) -> str:
    """SHA-256 hex digest of a Django File, read in chunks so large videos stay out of memory."""
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


class PublicationPersonRole(models.TextChoices):
    AUTHOR = "author", "Author"
    QUOTED = "quoted", "Quoted"
    INTERVIEWED = "interviewed", "Interviewed"


class PublicationPerson(models.Model):
    """A person who authored a publication or is quoted or interviewed in it."""

    Role = PublicationPersonRole

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE)
    person = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="publication_roles")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.QUOTED)
    history = tracked_history()

    class Meta:
        verbose_name = "person in publication"
        verbose_name_plural = "people in publication"
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "person", "role"], name="publication_person_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=choice_values(PublicationPersonRole)),
                name="publication_person_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display().lower()})"


class PublicationReferenceKind(models.TextChoices):
    CITES = "cites", "Cites"
    CONFIRMS = "confirms", "Confirms"
    REPORTS_ON = "reports_on", "Reports on"
    QUOTES = "quotes", "Quotes"
    DISPUTES = "disputes", "Disputes"


class PublicationReference(TrackedModel):
    """One publication citing, confirming or reporting on another: the provenance graph."""

    Kind = PublicationReferenceKind

    citing = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="references_made"
    )
    cited = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="references_received"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CITES)
    locator = models.CharField(
        max_length=100, blank=True, help_text="Where in the citing item, e.g. footnote [5]."
    )
    note = models.TextField(blank=True)
    history = tracked_history()

    class Meta:
        ordering = ["citing", "locator"]
        constraints = [
            models.UniqueConstraint(
                fields=["citing", "cited", "kind"], name="publication_reference_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(citing=models.F("cited")), name="publication_not_self_cited"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=choice_values(PublicationReferenceKind)),
                name="publication_ref_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.citing.title} {self.get_kind_display().lower()} {self.cited.title}"


class EvidenceFile(ArchivableModel, TrackedModel):
    """A stored file of a publication (image, video, PDF, HTML capture), hashed on upload.

    A file is never replaced in place: a new file is a new row that ``replaces`` the old one,
    each with its own SHA-256, so what an analyst cited stays verifiable.
    """

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to=evidence_upload_path, max_length=300)
    original_name = models.CharField(
        max_length=300, blank=True, editable=False, help_text="The file's name as uploaded."
    )
    sha256 = models.CharField(max_length=64, editable=False, db_index=True, verbose_name="SHA-256")
    size = models.PositiveBigIntegerField(editable=False, default=0, help_text="Bytes.")
    content_type = models.CharField(max_length=100, blank=True, editable=False)
    sensitivity = models.CharField(
        max_length=20,
        choices=Sensitivity.choices,
        default=Sensitivity.NONE,
        help_text="Sensitive files are blurred until the viewer clicks through.",
    )
    description = models.CharField(max_length=300, blank=True)
    replaces = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        help_text="The earlier version of this file, if any.",
    )

    objects = EvidenceFileQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        ordering = ["publication", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "sha256"], name="evidence_file_unique_in_publication"
            ),
            models.CheckConstraint(
                condition=models.Q(sensitivity__in=choice_values(Sensitivity)),
                name="evidence_file_sensitivity_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name or self.file.name} ({self.sha256[:12]}…)"

    def save(self, *args, **kwargs) -> None:
        if self._state.adding:
            if self.file and not getattr(self.file, "_committed", True):
                # Hash before storage renames it: the digest is of the bytes the user gave.
                self.original_name = self.original_name or PurePath(self.file.name).name[:300]
                self.sha256 = compute_sha256(self.file)
                self.size = self.file.size
        elif "file" in self.__dict__ and self.pk:
            stored = type(self).objects.filter(pk=self.pk).values_list("file", "sha256").first()
            if stored and (stored[0] != self.file.name or stored[1] != self.sha256):
                raise ValidationError(
                    {"file": "A stored evidence file never changes; upload a new version."}
                )
        super().save(*args, **kwargs)
