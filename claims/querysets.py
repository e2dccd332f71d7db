"""Loading, visibility and filtering rules for claims, citations and places."""

import datetime as dt

from django.apps import apps
from django.db.models import Prefetch, Q

from core.querysets import MarkedQuerySet, TreeQuerySet, VisibleQuerySet, restrict_marked


class LocationQuerySet(TreeQuerySet):
    """Queryset of places; ``descendants_of`` gives a place and everything inside it."""

    def with_related(self, user=None):
        """What a list of places shows: the parent and aliases."""
        return self.select_related("parent").prefetch_related("aliases")


class ClaimQuerySet(MarkedQuerySet):
    """Queryset of claims with the loading and filtering rules every view shares."""

    def with_related(self, user=None):
        """Everything a claim list or detail renders, in a fixed number of queries.

        Citations come with their publication and source (one JOINed query), involvements
        with their unit; the count of queries does not grow with the number of claims.
        Given ``user``, citations of publications they may not see are left out.
        """
        Citation = apps.get_model("claims", "Citation")
        citations = Citation.objects.select_related("publication__source").order_by(
            "publication__published_on", "pk"
        )
        relations = apps.get_model("claims", "ClaimRelation").objects.select_related("to_claim")
        if user is not None:
            citations = citations.visible_to(user)
            relations = relations.filter(to_claim__in=self.model.objects.visible_to(user))
        return self.select_related("created_by", "updated_by").prefetch_related(
            "topics",
            # Who the claim is shared with (two small queries, whatever the page size).
            "sharing_groups",
            "shared_with",
            "locations",
            "quantities",
            Prefetch("citations", queryset=citations),
            Prefetch(
                "involvements",
                queryset=apps.get_model("claims", "UnitInvolvement").objects.select_related(
                    "unit", "attributed_by"
                ),
            ),
            # Only links to claims the user may see: a hidden claim's title must not leak.
            Prefetch("relations_out", queryset=relations),
        )

    def involving_unit(self, unit_id: int, include_subordinates: bool = False):
        """Claims about a unit, or about it and every unit below it in the ORBAT."""
        Unit = apps.get_model("units", "Unit")
        if include_subordinates:
            condition = Q(unit__in=Unit.objects.subtree_ids_sql(unit_id))
        else:
            condition = Q(unit=unit_id)
        # A subquery instead of a JOIN keeps one row per claim without DISTINCT.
        Involvement = apps.get_model("claims", "UnitInvolvement")
        return self.filter(pk__in=Involvement.objects.filter(condition).values("claim_id"))

    def at_location(self, location_id: int, include_inside: bool = True):
        """Claims at a place, or at it and every place inside it."""
        Location = apps.get_model("claims", "Location")
        places = Location.objects.subtree_ids_sql(location_id) if include_inside else [location_id]
        through = self.model.locations.through
        return self.filter(pk__in=through.objects.filter(location__in=places).values("claim_id"))

    def cited_from_source(self, source_id: int, user=None):
        """Claims with a citation of what a source said (or its people, also when quoted).

        Given ``user``, only citations they may see count, so the filter reveals nothing
        about a hidden publication.
        """
        Source = apps.get_model("sources", "Source")
        Citation = apps.get_model("claims", "Citation")
        citations = Citation.objects.filter(
            publication__in=Source.objects.publications_of(source_id)
        )
        if user is not None:
            citations = citations.visible_to(user)
        return self.filter(pk__in=citations.values("claim_id"))

    def occurred_after(self, day: dt.date):
        """Claims whose period reaches ``day`` or later (open-ended ones included)."""
        return self.filter(
            Q(occurred_end__gte=day) | Q(occurred_start__isnull=False, occurred_end__isnull=True)
        )

    def occurred_before(self, day: dt.date):
        """Claims whose period starts on or before ``day``."""
        return self.filter(occurred_start__lte=day)


class CitationQuerySet(VisibleQuerySet):
    """Queryset of citations (the evidence links)."""

    def visible_to(self, user, archived: bool = False):
        """Citations ``user`` may see: their own archive state as asked, and a claim and a
        publication that are both visible (not archived, marking for ``user``)."""
        queryset = super().visible_to(user, archived=archived)
        queryset = queryset.filter(
            claim__archived_at__isnull=True, publication__archived_at__isnull=True
        )
        queryset = restrict_marked(queryset, user, "claim")
        return restrict_marked(queryset, user, "publication")

    def with_related(self, user=None):
        """A citation with its claim, publication and source in one query."""
        return self.select_related("claim", "publication__source")
