"""Loading and visibility rules for sources and publications."""

from django.apps import apps
from django.db import models
from django.db.models import Prefetch

from core.markings import restrict_marked
from core.querysets import MarkedQuerySet, VisibleQuerySet
from core.trees import TreeQuerySet


# django-stubs types as_manager() per queryset class, deriving this one's manager from the first
# base only, so it clashes with TreeQuerySet's in mypy (at run time it is one classmethod).
class SourceQuerySet(VisibleQuerySet, TreeQuerySet):  # type: ignore[override]
    """Queryset of sources; the affiliation tree (body › people) comes from ``TreeQuerySet``."""

    parent_column = "affiliation_id"

    def with_related(self, user=None):
        """What a source shows: affiliation, aliases and the people who speak for it."""
        return self.select_related("affiliation").prefetch_related("aliases", "members")

    def publications_of(self, source_id: int) -> models.QuerySet:
        """Ids of what a source said: publications by it or anyone who speaks for it (at any
        depth), and those in which such a person is quoted or interviewed."""
        Publication = apps.get_model("sources", "Publication")
        PublicationPerson = apps.get_model("sources", "PublicationPerson")
        speakers = self.subtree_ids_sql(source_id)
        return Publication.objects.filter(
            models.Q(source__in=speakers)
            | models.Q(
                pk__in=PublicationPerson.objects.filter(person__in=speakers).values(
                    "publication_id"
                )
            )
        ).values("pk")


class PublicationQuerySet(MarkedQuerySet):
    """Queryset of publications."""

    def with_related(self, user=None):
        """What a publication shows: source, people and both directions of the citation graph.

        Given ``user``, links to publications they may not see are left out.
        """
        Reference = apps.get_model("sources", "PublicationReference")
        made = Reference.objects.select_related("cited__source")
        received = Reference.objects.select_related("citing__source")
        if user is not None:
            visible = self.model.objects.visible_to(user).values("pk")
            made = made.filter(cited__in=visible)
            received = received.filter(citing__in=visible)
        return self.select_related("source").prefetch_related(
            # Who the publication is shared with (two small queries, whatever the page size).
            "sharing_groups",
            "shared_with",
            Prefetch(
                "publicationperson_set",
                queryset=apps.get_model("sources", "PublicationPerson").objects.select_related(
                    "person"
                ),
            ),
            Prefetch("references_made", queryset=made),
            Prefetch("references_received", queryset=received),
        )

    def with_files(self, user):
        """The publication's current files ``user`` may see, as ``current_files``.

        Kept apart from ``with_related`` so lists (whose query count is pinned) do not pay for
        a list of files they do not render; the detail adds this one query.
        """
        EvidenceFile = apps.get_model("sources", "EvidenceFile")
        files = EvidenceFile.objects.visible_to(user).order_by("created_at", "pk")
        return self.prefetch_related(Prefetch("files", queryset=files, to_attr="current_files"))


class EvidenceFileQuerySet(VisibleQuerySet):
    """Queryset of evidence files: a file is seen exactly when its publication is."""

    def visible_to(self, user, archived: bool | None = False):
        """Files ``user`` may see: their own archive state as asked, and a publication that is
        current and whose marking is for ``user`` (a RED publication's files are absent).
        With ``archived=None``, archived files and publications alike."""
        queryset = super().visible_to(user, archived=archived)
        if archived is not None:
            queryset = queryset.filter(publication__archived_at__isnull=True)
        return restrict_marked(queryset, user, "publication")

    def with_related(self, user=None):
        """A file with its publication and source (one JOINed query) for the summaries."""
        return self.select_related("publication__source")
