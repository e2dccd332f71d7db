"""Loading, visibility and filtering rules for claims, citations and places."""

import datetime as dt

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db.models import (
    Case,
    Exists,
    Expression,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    Value,
    When,
)

from core.filtersets import is_postgresql
from core.markings import restrict_marked
from core.querysets import MarkedQuerySet, VisibleQuerySet
from units.querysets import subtree_ids

# The claim lists' order (Claim.Meta.ordering), which claim_current_occurred_idx serves:
# newest first, undated claims last.
NEWEST_FIRST = (F("occurred_start").desc(nulls_last=True), "-pk")
# Up to this many involvements, the claims of a unit (and its subtree) are read by id first.
# Walking the list in date order and checking each claim finds a battalion's 100 claims only
# after most of a million; and PostgreSQL will not drive from the involvements by itself, as it
# charges the marking rule's sharing subquery again for every claim it would look up by key.
# Past this many ids, planning and reading them cost as much as the walk (bench/README.md).
FEW_INVOLVEMENTS = 5000
# Up to this many units, a subtree is given to the claim query as a list of ids: checking a
# claim's units against a hashed list is cheaper than probing the closure for each; a longer
# list costs more to plan than it saves.
FEW_UNITS = 1000
# The text search configuration of the stored vector (migration claims 0005_search_indexes).
SEARCH_CONFIG = "english"
# How many matches are ranked by relevance: the most recent ones. Ranking reads each match's
# vector, which for a broad word (100,000 claims of a million) costs more than a whole page's
# time budget; older matches follow the ranked ones, newest first. Finding them walks the
# claims newest first, so every match ranked is more claims read.
RANKED_MATCHES = 200


class StoredSearchVector(Expression):
    """The claim table's ``search_vector`` column (PostgreSQL only, not a model field).

    A generated column (title weight A, statement and notes weight B) with a GIN index; kept
    out of the model so that no query loads it. Compiled against the query's own alias of the
    claim table, so it also works when the queryset becomes a subquery.
    """

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        column = connection.ops.quote_name("search_vector")
        return f"{compiler.quote_name_unless_alias(alias)}.{column}", []


def page_citations(user=None):
    """The citations a page of claims shows, in display order (oldest publication first).

    Given ``user``, only those ``user`` may see. For claims already ``visible_to(user)``
    (every view reads its claims that way): the claims are not checked again.
    """
    Citation = apps.get_model("claims", "Citation")
    citations = Citation.objects.order_by("publication__published_on", "pk")
    if user is None:
        return citations
    # Not Citation.visible_to(user): its claim-side rule JOINs the claims under the marking
    # condition, and PostgreSQL answered with a scan of every claim, where the publication
    # side alone reads only the page's rows.
    return citations.visible_from_claim(user)


def page_relations(user=None):
    """The links from a page of claims to other claims; given ``user``, only links to claims
    ``user`` may see, so a hidden claim's title does not leak."""
    relations = apps.get_model("claims", "ClaimRelation").objects.all()
    if user is None:
        return relations
    # The linked claim's rule on the JOIN the caller makes anyway, row by row, instead of
    # ``to_claim IN (every visible claim)``, which read the whole table.
    return restrict_marked(relations.filter(to_claim__archived_at__isnull=True), user, "to_claim")


class ClaimQuerySet(MarkedQuerySet):
    """Queryset of claims with the loading and filtering rules every view shares."""

    # Claims reach millions: paginated lists ask PostgreSQL's estimate before counting
    # (core.api.pagination.CappedCountPaginator).
    estimate_count_first = True

    def with_related(self, user=None):
        """Everything a claim list or detail renders, in a fixed number of queries.

        Citations come with their publication and source (one JOINed query), involvements
        with their unit; the count of queries does not grow with the number of claims.
        Given ``user``, citations of publications they may not see and links to claims they
        may not see are left out. Call it on claims already ``visible_to(user)`` (every view
        does): the prefetches do not check the page's own claims again.
        """
        citations = page_citations(user).select_related("publication__source")
        relations = page_relations(user).select_related("to_claim")
        return self.select_related("created_by", "updated_by").prefetch_related(
            "topics",
            # Who the claim is shared with (two small queries, whatever the page size), by
            # name so the order is the same on every read.
            Prefetch("sharing_groups", queryset=Group.objects.order_by("name")),
            Prefetch("shared_with", queryset=get_user_model().objects.order_by("username")),
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

    def with_brief_related(self, user=None):
        """What a ``?brief=1`` row renders (``ClaimBriefSerializer``): the claim's own columns.

        Citations, units, places, topics and links are not shown in brief rows, so nothing is
        prefetched; the grade and the count of lines are stored on the claim.
        """
        return self

    def matching(self, text: str):
        """Claims containing every word of ``text``: full text (stemmed, ``websearch`` syntax)
        on the indexed stored vector on PostgreSQL; a substring match per word elsewhere."""
        if not is_postgresql():
            queryset = self
            for word in text.split():
                queryset = queryset.filter(Q(title__icontains=word) | Q(statement__icontains=word))
            return queryset
        return self.alias(search_vector=StoredSearchVector()).filter(
            search_vector=_search_query(text)
        )

    def by_relevance(self, text: str, ranked: int | None = None):
        """Order matches of ``text`` by relevance (``search_rank``), then newest first.

        Only the ``ranked`` newest matches of this queryset (its filters included) get a rank;
        older ones get 0 and follow, newest first. A search with few matches is ranked whole;
        a broad one costs ``ranked`` rank computations instead of one per match. On SQLite:
        newest first.

        The returned queryset also offers ``page_slice``, which the API's paginator uses to
        reach the same page without sorting every match (see ``_relevance_page``).
        """
        if not is_postgresql():
            return self.order_by(*NEWEST_FIRST)
        ranked = ranked or RANKED_MATCHES
        recent = self.order_by(*NEWEST_FIRST).values("pk")[:ranked]
        rank = Case(
            When(pk__in=recent, then=SearchRank(StoredSearchVector(), _search_query(text))),
            default=Value(0.0),
            output_field=FloatField(),
        )
        ordered = self.annotate(search_rank=rank).order_by("-search_rank", *NEWEST_FIRST)
        # Only this exact queryset knows the shortcut: a clone (another filter, another order)
        # falls back to plain slicing, which gives the same rows, more slowly.
        ordered._relevance = (self, text, ranked)
        return ordered

    def page_slice(self, start: int, stop: int) -> list:
        """Rows ``start:stop`` of this queryset, as slicing would give them."""
        relevance = getattr(self, "_relevance", None)
        if relevance is None:
            return list(self[start:stop])
        return _relevance_page(*relevance, start, stop)

    def involving_unit(self, unit_id: int, include_subordinates: bool = False):
        """Claims about a unit, or about it and every unit below it in the ORBAT.

        Lists page through a million claims, newest first, and the plan that is fast depends
        on how many claims match, so the filter takes one of three shapes (one or two small
        queries first, see ``FEW_UNITS`` and ``FEW_INVOLVEMENTS``):

        - a large subtree (a country's armed forces, 30% of the claims): a subquery on the
          ORBAT closure (``units.UnitAncestor``); PostgreSQL walks the claims in list order,
          checks each through the involvement and closure indexes and stops at the page's end;
        - few involvements (a battalion): their claim ids, read first and given as a list;
        - else (a district): the subtree's unit ids, read from the closure and given as a
          list, which PostgreSQL estimates from its statistics and checks by hashing while it
          walks the claims in list order.
        """
        Involvement = apps.get_model("claims", "UnitInvolvement")
        units: list[int] = [unit_id]
        if include_subordinates:
            subtree = subtree_ids(unit_id)
            units = list(subtree.values_list("unit_id", flat=True)[: FEW_UNITS + 1])
            if len(units) > FEW_UNITS:
                below = Involvement.objects.filter(unit__in=subtree)
                # A subquery instead of a JOIN keeps one row per claim without DISTINCT.
                return self.filter(pk__in=below.values("claim_id"))
        involvements = Involvement.objects.filter(unit__in_array=units)
        return self._few_by_id(involvements)

    def at_location(self, location_id: int, include_inside: bool = True):
        """Claims at a place, or at it and every place inside it.

        In the shape that fits the size, as ``involving_unit`` (the same thresholds): a large
        subtree (a country: 38,000 places, 80% of the claims) as a subquery on the closure
        (``LocationAncestor``), which PostgreSQL estimates and checks claim by claim in list
        order; few claims (a village) as their ids, read first; else (an oblast) the
        subtree's place ids as a list.
        """
        Location = apps.get_model("places", "Location")
        links = self.model.locations.through.objects
        places: list[int] = [location_id]
        if include_inside:
            inside = Location.objects.inside(location_id)
            places = list(inside.values_list("location_id", flat=True)[: FEW_UNITS + 1])
            if len(places) > FEW_UNITS:
                # A subquery instead of a JOIN keeps one row per claim without DISTINCT.
                return self.filter(pk__in=links.filter(location__in=inside).values("claim_id"))
        return self._few_by_id(links.filter(location__in_array=places))

    def _few_by_id(self, links):
        """Claims that ``links`` (rows with a ``claim_id``: involvements, place links) name:
        as a list of ids when there are at most ``FEW_INVOLVEMENTS`` (read first, unordered:
        the first few found tell few from many), else as a subquery."""
        few = list(links.order_by().values_list("claim_id", flat=True)[: FEW_INVOLVEMENTS + 1])
        if len(few) <= FEW_INVOLVEMENTS:
            return self.filter(pk__in_array=sorted(set(few)))
        return self.filter(pk__in=links.values("claim_id"))

    def cited_from_source(self, source_id: int, user=None):
        """Claims with a citation of what a source said (or its people, also when quoted).

        Given ``user``, only citations they may see count, so the filter reveals nothing
        about a hidden publication.

        Who speaks for the source (its affiliation subtree) and the publications quoting them
        are read first, as id lists, and the claims checked with ``EXISTS`` on their
        citations: PostgreSQL then estimates the match from the publications' statistics on
        ``source_id`` and picks the plan that fits. For a big source it walks the claims in
        list order and stops at the page's end; for a small one it starts from the
        publications. Matched against a recursive subquery it hashed every citation of the
        big source's claims and sorted them.
        """
        Source = apps.get_model("sources", "Source")
        Citation = apps.get_model("claims", "Citation")
        Publication = apps.get_model("sources", "Publication")
        PublicationPerson = apps.get_model("sources", "PublicationPerson")
        speakers = list(Source.objects.descendants_of(source_id).values_list("pk", flat=True))
        quoted = list(
            PublicationPerson.objects.filter(person__in_array=speakers)
            .values_list("publication_id", flat=True)
            .distinct()
        )
        said = Q(source__in_array=speakers)
        if quoted:
            said |= Q(pk__in_array=quoted)
        citations = Citation.objects.filter(
            claim=OuterRef("pk"), publication__in=Publication.objects.filter(said).values("pk")
        )
        if user is not None:
            citations = citations.visible_to(user)
        return self.filter(Exists(citations))

    def updated_since(self, moment: dt.datetime):
        """Claims changed at ``moment`` or later (what a client syncing its copy polls for).

        Usually a few: their ids are read first, newest change first along the index on
        ``updated_at``, and given as a list. Matched in list order instead, PostgreSQL
        expected 1% of the claims to match where a few dozen did, and walked the whole list
        to find them. Past ``FEW_INVOLVEMENTS``, the plain condition.
        """
        recent = self.model._default_manager.filter(updated_at__gte=moment)
        few = list(
            recent.order_by("-updated_at").values_list("pk", flat=True)[: FEW_INVOLVEMENTS + 1]
        )
        if len(few) <= FEW_INVOLVEMENTS:
            return self.filter(pk__in_array=few)
        return self.filter(updated_at__gte=moment)

    def occurred_after(self, day: dt.date):
        """Claims whose period reaches ``day`` or later (open-ended ones included)."""
        return self.filter(
            Q(occurred_end__gte=day) | Q(occurred_start__isnull=False, occurred_end__isnull=True)
        )

    def occurred_before(self, day: dt.date):
        """Claims whose period starts on or before ``day``."""
        return self.filter(occurred_start__lte=day)


def _relevance_page(base, text: str, ranked: int, start: int, stop: int) -> list:
    """Rows ``start:stop`` of ``base.by_relevance(text, ranked)``, without sorting every match.

    That order is the ``ranked`` newest matches by rank (ties newest first), then every other
    match newest first, which is simply the newest-first order from position ``ranked`` on.
    So: rank the ``ranked`` newest matches (an index scan in date order that stops there), and
    read positions past them straight from the date order. A common word matching 100,000
    claims costs ``ranked`` rank computations, not a read and a sort of every match.
    """
    newest = base.order_by(*NEWEST_FIRST)
    rows: list = []
    if start < ranked:
        rank = SearchRank(StoredSearchVector(), _search_query(text))
        window = list(newest.annotate(search_rank=rank).values_list("pk", "search_rank")[:ranked])
        # Stable sort: equal ranks keep the newest-first order of the window.
        window.sort(key=lambda row: -row[1])
        wanted = window[start:stop]
        page = base.order_by().filter(pk__in=[pk for pk, _ in wanted])
        by_pk = {claim.pk: claim for claim in page}
        for pk, search_rank in wanted:
            claim = by_pk[pk]
            claim.search_rank = search_rank
            rows.append(claim)
    if stop > ranked:
        older = list(newest[max(start, ranked) : stop])
        for claim in older:
            claim.search_rank = 0.0
        rows.extend(older)
    return rows


def _search_query(text: str) -> SearchQuery:
    # websearch syntax: every word must occur; "quoted phrases", OR and -word work too.
    return SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)


class CitationQuerySet(VisibleQuerySet):
    """Queryset of citations (the evidence links)."""

    def visible_to(self, user, archived: bool | None = False):
        """Citations ``user`` may see: their own archive state as asked, and a claim and a
        publication that are both visible (not archived, marking for ``user``). With
        ``archived=None``, archived citations, claims and publications alike."""
        queryset = super().visible_to(user, archived=archived)
        if archived is not None:
            queryset = queryset.filter(
                claim__archived_at__isnull=True, publication__archived_at__isnull=True
            )
        queryset = restrict_marked(queryset, user, "claim")
        return restrict_marked(queryset, user, "publication")

    def visible_from_claim(self, user):
        """Citations of claims already visible to ``user`` that ``user`` may see.

        For prefetching the citations of a page of claims read with ``visible_to(user)``:
        their claim was checked there (not archived, marking for ``user``), so only the
        citation's own archive state and the publication side (not archived, marking for
        ``user``) are checked here. For any other citation query use ``visible_to``.
        """
        # The base rule: nothing for anonymous or inactive users, the citation not archived.
        queryset = super().visible_to(user).filter(publication__archived_at__isnull=True)
        return restrict_marked(queryset, user, "publication")

    def with_related(self, user=None):
        """A citation with its claim, publication and source in one query."""
        return self.select_related("claim", "publication__source")
