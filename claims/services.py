"""The corroboration engine: independent lines of evidence, best grade, disputes, suggestion.

This module loads a claim's evidence (a few queries for any number of claims), explains it and
stores its summary; the rule below runs in ``claims.corroboration``, plain functions on plain
rows that the synthetic generator (``devdata.synthetic``) calls on its own arrays too, so the
stored fields of every claim, however written, come from one implementation.

How lines are formed (for the supporting citations of one claim):

1. **Echoes.** A publication that cites, quotes or reports on another one, directly or through
   a chain (also through publications the claim does not cite), is an *echo* of it. Following
   DOMAIN.md, a ``confirms`` link is an echo only when both ends speak for the same source
   (same affiliation root, see 3); Budanov confirming Reuters is independent confirmation.
   ``disputes`` links are never followed. A supporting publication that echoes another
   supporting publication adds no line: it joins the line(s) of what it echoes. This is the
   conservative reading: ISW's assessment cites fifteen reports, and we cannot tell which of
   them it relies on for this claim, so it never counts on its own next to any of them.
2. **Cycles.** Publications that echo each other (A cites B cites C cites A) form one group.
   The graph query uses ``UNION``, so it stops when no new edge is found.
3. **Who speaks.** A publication speaks for its source, except an *interview*, which speaks
   for the people interviewed in it (the Chosun Ilbo interview is GUR's word, not the
   newspaper's). Sources nest (Budanov → GUR → Ministry of Defence of Ukraine); two
   publications whose speakers share the *root* of that affiliation tree are one line.
4. **Shared origin.** Two supporting publications that both echo the same third publication
   (which the claim does not cite) are one line.

The counts are stored on the claim (``best_grade``, ``independent_lines``, ``disputes``,
``suggested_status``) rather than computed per request: lists filter and sort on them at a
million claims, which needs them in indexed columns. ``claims.signals`` keeps them current;
``refresh_corroboration`` recomputes them after bulk writes that bypass signals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection, models, transaction

from core.bulk import copy_create, reserve_ids
from core.markings import PUBLIC_MARKINGS
from sources.models import Publication, PublicationPerson, PublicationReference, Source

from .corroboration import (
    FOLLOWED_KINDS,
    STORED_FIELDS,
    Corroboration,
    Grouped,
    corroborate,
    echo_reach,
    group_lines,
    summary,
)
from .models import Citation, Claim

VERBS = {
    PublicationReference.Kind.CITES: "cites",
    PublicationReference.Kind.REPORTS_ON: "reports on",
    PublicationReference.Kind.QUOTES: "quotes",
    PublicationReference.Kind.CONFIRMS: "confirms",
}


@dataclass(frozen=True)
class LinePublication:
    """One supporting publication in a line of evidence."""

    id: int
    title: str
    source: str
    reliability: str
    grade: str
    echo: bool = False


@dataclass
class EvidenceLine:
    """One independent line of evidence: the publications in it and why they are grouped."""

    publications: list[LinePublication]
    reasons: list[str] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)

    @property
    def grade(self) -> str:
        """The best grade of the line's own evidence ("C2"): an echo repeating it does not
        make it better."""
        own = [p.grade for p in self.publications if not p.echo] or [
            p.grade for p in self.publications
        ]
        return min(own)

    @property
    def grouped_because(self) -> str:
        """Why these publications are one line, in one sentence ("" for a lone publication)."""
        return "; ".join(self.reasons)


@dataclass
class _Node:
    """A publication in the evidence graph."""

    id: int
    title: str
    kind: str
    source_id: int
    marking: str


class _Graph:
    """The evidence of a set of claims, loaded in four queries whatever their number:

    1. the supporting and disputing citations, with publication and source (one JOIN);
    2. the reference graph downstream of the cited publications (one recursive CTE);
    3. the people interviewed in any of those publications;
    4. the affiliation chain of every source involved (``Source.objects.ancestor_chains``).
    """

    def __init__(self, claim_ids: list[int], user=None) -> None:
        # claim -> supporting publication -> the credibility of each citation of it
        self.supports: dict[int, dict[int, list[int]]] = defaultdict(dict)
        self.disputes: dict[int, int] = defaultdict(int)
        self.nodes: dict[int, _Node] = {}
        self.edges: dict[int, list[tuple[int, str]]] = defaultdict(list)
        self.user = user
        self._visible: set[int] | None = None
        self._reach: dict[int, dict[int, tuple[int, str] | None]] = {}
        self.speakers: dict[int, tuple[int, ...]] = {}
        # source -> the ids of its affiliation chain (itself first); (name, reliability) of each
        self.paths: dict[int, list[int]] = {}
        self.sources: dict[int, tuple[str, str]] = {}
        self.roots: dict[int, frozenset[int]] = {}
        if not claim_ids:
            return
        citations = Citation.objects.filter(
            claim_id__in=claim_ids,
            stance__in=[Citation.Stance.SUPPORTS, Citation.Stance.DISPUTES],
        )
        # Archived (soft-deleted) citations and publications are not evidence any more. A user
        # given: only what they may see, so the explanation names nothing hidden from them.
        # Without one (the stored fields, which lists show and filters use): only evidence
        # every logged-in reader may see, so a grade or a count never betrays an AMBER or
        # RED publication to someone outside its sharing.
        citations = (
            citations.visible_to(user)
            if user is not None
            else citations.filter(
                archived_at__isnull=True,
                publication__archived_at__isnull=True,
                publication__marking__in=PUBLIC_MARKINGS,
            )
        )
        # Source names and grades come with the affiliation chains (query 4), not from here.
        # Plain rows, not model instances: a bulk refresh reads thousands of citations.
        rows = citations.order_by("publication__published_on", "pk").values_list(
            "claim_id",
            "stance",
            "credibility",
            "publication_id",
            "publication__title",
            "publication__kind",
            "publication__source_id",
            "publication__marking",
        )
        for claim_id, stance, credibility, pk, title, kind, source_id, marking in rows:
            self._add_node(pk, title, kind, source_id, marking)
            if stance == Citation.Stance.DISPUTES:
                self.disputes[claim_id] += 1
            else:
                self.supports[claim_id].setdefault(pk, []).append(credibility)
        self._load_references({pk for cited in self.supports.values() for pk in cited})
        self.speakers = self._load_speakers()
        source_ids = {s for speakers in self.speakers.values() for s in speakers}
        source_ids |= {node.source_id for node in self.nodes.values()}
        self.paths, self.sources = Source.objects.ancestor_chains(
            sorted(source_ids), ("name", "reliability")
        )
        self.roots = {
            pk: frozenset(self.paths[s][-1] for s in speakers if s in self.paths)
            for pk, speakers in self.speakers.items()
        }

    def _add_node(self, pk: int, title: str, kind: str, source_id: int, marking: str) -> None:
        self.nodes.setdefault(pk, _Node(pk, title, kind, source_id, marking))

    def _load_references(self, start: set[int]) -> None:
        """Every followed reference reachable from ``start``, in one recursive query."""
        if not start:
            return
        reference = connection.ops.quote_name(PublicationReference._meta.db_table)
        publication = connection.ops.quote_name(Publication._meta.db_table)
        starts = ", ".join(["%s"] * len(start))
        kinds = ", ".join(["%s"] * len(FOLLOWED_KINDS))
        # UNION (not UNION ALL) keeps each edge once, so a citation cycle ends the recursion
        # instead of looping; the chain may run through publications no claim cites.
        step = f"SELECT r.citing_id, r.cited_id, r.kind FROM {reference} r"
        node = f"SELECT p.title, p.kind, p.source_id, p.marking, p.archived_at FROM {publication} p"
        if connection.vendor == "postgresql":
            # Each step and each publication looked up by key (LATERAL … OFFSET 0 keeps
            # PostgreSQL from flattening it into a join): the recursion's row estimate is far
            # too high, and as joins the planner hashed the whole reference and publication
            # tables for a few hundred edges.
            recurse = (
                f"SELECT r.citing_id, r.cited_id, r.kind FROM edge CROSS JOIN LATERAL ("
                f"{step} WHERE r.citing_id = edge.cited_id AND r.kind IN ({kinds}) OFFSET 0) r"
            )
            publications = f"edge CROSS JOIN LATERAL ({node} WHERE p.id = edge.cited_id OFFSET 0) p"
        else:  # SQLite (the embedded default) has no LATERAL; its small tables need none.
            recurse = f"{step} JOIN edge ON r.citing_id = edge.cited_id WHERE r.kind IN ({kinds})"
            publications = f"edge JOIN {publication} p ON p.id = edge.cited_id"
        sql = (
            f"WITH RECURSIVE edge(citing_id, cited_id, kind) AS ("
            f" {step} WHERE r.citing_id IN ({starts}) AND r.kind IN ({kinds})"
            f" UNION {recurse}"
            f") SELECT edge.citing_id, edge.cited_id, edge.kind,"
            f" p.title, p.kind, p.source_id, p.marking, p.archived_at FROM {publications}"
        )
        params = [*sorted(start), *FOLLOWED_KINDS, *FOLLOWED_KINDS]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        archived = set()
        for citing, cited, kind, title, pub_kind, source_id, marking, archived_at in rows:
            if archived_at is not None:
                archived.add(cited)
                continue
            self._add_node(cited, title, pub_kind, source_id, marking)
            self.edges[citing].append((cited, kind))
        # An archived publication is gone: no chain runs through it.
        for citing in list(self.edges):
            if citing in archived:
                del self.edges[citing]

    def _load_speakers(self) -> dict[int, tuple[int, ...]]:
        """Whose word each publication carries: its source, or the people an interview is with."""
        interviewed: dict[int, list[int]] = defaultdict(list)
        interviews = [
            pk for pk, node in self.nodes.items() if node.kind == Publication.Kind.INTERVIEW
        ]
        if interviews:
            for publication_id, person_id in PublicationPerson.objects.filter(
                publication_id__in=interviews, role=PublicationPerson.Role.INTERVIEWED
            ).values_list("publication_id", "person_id"):
                interviewed[publication_id].append(person_id)
        return {
            pk: tuple(sorted(interviewed[pk])) or (node.source_id,)
            for pk, node in self.nodes.items()
        }

    # -- reading the graph

    def source_name(self, source_id: int) -> str:
        source = self.sources.get(source_id)
        return source[0] if source else "?"

    def reliability(self, source_id: int) -> str:
        source = self.sources.get(source_id)
        return source[1] if source else "F"

    def grade(self, pk: int, credibilities: list[int]) -> str:
        """The best grade ("B2") of the citations of publication ``pk`` with these
        credibilities (``Citation.grade_with``, on the credibility alone)."""
        reliability = self.reliability(self.nodes[pk].source_id)
        return min(f"{reliability}{credibility}" for credibility in credibilities)

    def grades(self, claim_id: int) -> dict[int, str]:
        """The best grade of each publication supporting ``claim_id``, in date order."""
        return {
            pk: self.grade(pk, credibilities)
            for pk, credibilities in self.supports.get(claim_id, {}).items()
        }

    def may_see(self, pk: int) -> bool:
        """Whether the reader may see publication ``pk`` of the graph (named or not)."""
        if self.user is None:
            return self.nodes[pk].marking in PUBLIC_MARKINGS
        if self._visible is None:
            # One query, on first need, for every publication of the graph: sharing groups
            # and named recipients decide, not the marking alone.
            self._visible = set(
                Publication.objects.visible_to(self.user)
                .filter(pk__in=list(self.nodes))
                .values_list("pk", flat=True)
            )
        return pk in self._visible

    def label(self, pk: int) -> str:
        """How a publication is named in an explanation: by its source, or vaguely if hidden."""
        if not self.may_see(pk):
            return "a publication you may not see"
        return self.source_name(self.nodes[pk].source_id)

    def roots_of(self, pk: int) -> frozenset[int]:
        """The affiliation roots of whoever speaks in publication ``pk``."""
        return self.roots.get(pk, frozenset())

    def references(self, pk: int) -> list[tuple[int, str]]:
        """The followed references publication ``pk`` makes: ``(cited, kind)``."""
        return self.edges.get(pk, [])

    def reach(self, start: int) -> dict[int, tuple[int, str] | None]:
        """Publications ``start`` echoes (through any chain), each with the step that got there.

        Memoised per publication because the same report (an ISW assessment) is cited by many
        claims on a page.
        """
        if start not in self._reach:
            self._reach[start] = echo_reach(start, self.references, self.roots_of)
        return self._reach[start]

    def chain(self, start: int, target: int) -> list[tuple[int, str, int]]:
        """The steps (citing, kind, cited) from ``start`` to ``target``."""
        steps, current = [], target
        parents = self.reach(start)
        while parents[current] is not None:
            previous, kind = parents[current]
            steps.append((previous, kind, current))
            current = previous
        return list(reversed(steps))

    def describe_chain(self, start: int, target: int) -> str:
        """ "Institute for the Study of War cites Financial Times, which cites Centre…"."""
        steps = self.chain(start, target)
        parts = [f"{self.label(steps[0][0])} {VERBS[steps[0][1]]} {self.label(steps[0][2])}"]
        parts += [f"which {VERBS[kind]} {self.label(cited)}" for _, kind, cited in steps[1:]]
        return ", ".join(parts)

    def describe_affiliation(self, first: int, second: int) -> str:
        """Why two speakers are one voice: the same source, or one speaks for the other."""
        if first == second:
            return f"same source: {self.source_name(first)}"
        above_first = self.paths.get(first, [])
        above_second = self.paths.get(second, [])
        common = next((pk for pk in above_first if pk in above_second), None)
        if common == second:
            return f"affiliated: {self.source_name(first)} speaks for {self.source_name(second)}"
        if common == first:
            return f"affiliated: {self.source_name(second)} speaks for {self.source_name(first)}"
        return (
            f"affiliated: {self.source_name(first)} and {self.source_name(second)} "
            f"both speak for {self.source_name(common)}"
        )


def _lines_of(graph: _Graph, supports: dict[int, list[int]]) -> list[EvidenceLine]:
    """One claim's supporting publications in independent lines, each explained."""
    lines: list[EvidenceLine] = []
    for line in group_lines(list(supports), graph.reach, graph.roots_of):
        members, line_echoes = line.bases, line.echoes
        reasons = [reason for grouped in line.grouped for reason in _reasons(graph, grouped)]
        for echo in line_echoes:
            for target in [*members, *line_echoes]:
                if target == echo or target not in graph.reach(echo):
                    continue
                # Name only the direct dependency, not every chain through another member.
                steps = graph.chain(echo, target)
                if not any(cited_pk in supports for _, _, cited_pk in steps[:-1]):
                    reasons.append(graph.describe_chain(echo, target))
        speakers = {s for pk in members for s in graph.speakers[pk]}
        lines.append(
            EvidenceLine(
                publications=[
                    _line_publication(graph, pk, supports[pk], echo=pk in line_echoes)
                    for pk in [*members, *line_echoes]
                ],
                reasons=list(dict.fromkeys(reasons)),
                speakers=sorted(graph.source_name(s) for s in speakers),
            )
        )
    lines.sort(key=lambda line: line.grade)
    return lines


def _reasons(graph: _Graph, grouped: Grouped) -> list[str]:
    """Why two publications are one line, in the words of the claim page."""
    first, second = grouped.first, grouped.second
    if grouped.rule == "cycle":
        return [graph.describe_chain(first, second), graph.describe_chain(second, first)]
    if grouped.rule == "origin":
        origin = grouped.origin
        title = f" “{graph.nodes[origin].title}”" if graph.may_see(origin) else ""
        return [
            f"{graph.label(first)} and {graph.label(second)} both rely on "
            f"{graph.label(origin)}{title}"
        ]
    pair = next(
        (a, b)
        for a in graph.speakers[first]
        for b in graph.speakers[second]
        if graph.paths.get(a) and graph.paths.get(b) and graph.paths[a][-1] == graph.paths[b][-1]
    )
    return [graph.describe_affiliation(*pair)]


def _line_publication(
    graph: _Graph, pk: int, credibilities: list[int], echo: bool
) -> LinePublication:
    node = graph.nodes[pk]
    return LinePublication(
        id=pk,
        title=node.title,
        source=graph.source_name(node.source_id),
        reliability=graph.reliability(node.source_id),
        grade=graph.grade(pk, credibilities),
        echo=echo,
    )


def _claim_ids(claims: Iterable[Claim | int]) -> list[int]:
    return sorted({getattr(claim, "pk", claim) for claim in claims})


@dataclass
class ClaimEvidence:
    """A claim's evidence lines and their summary."""

    lines: list[EvidenceLine]
    corroboration: Corroboration


def analyse(claims: Iterable[Claim | int], user=None) -> dict[int, ClaimEvidence]:
    """Lines and summary of each claim, in four queries whatever the number of claims.

    Given ``user``, only evidence they may see counts and is named (the claim page and the
    API detail); without, the current evidence every logged-in reader may see counts (the
    stored fields).
    """
    ids = _claim_ids(claims)
    graph = _Graph(ids, user=user)
    result = {}
    for claim_id in ids:
        lines = _lines_of(graph, graph.supports.get(claim_id, {}))
        result[claim_id] = ClaimEvidence(lines, summarise(lines, graph.disputes.get(claim_id, 0)))
    return result


def evidence_lines(claims: Iterable[Claim | int], user=None) -> dict[int, list[EvidenceLine]]:
    """The independent lines of evidence of each claim (four queries for any number)."""
    return {pk: evidence.lines for pk, evidence in analyse(claims, user=user).items()}


def summarise(lines: list[EvidenceLine], disputes: int) -> Corroboration:
    """Best grade, line count, disputes and the suggested status of one claim."""
    return summary((p.grade for line in lines for p in line.publications), len(lines), disputes)


def corroboration_for(claims: Iterable[Claim | int], user=None) -> dict[int, Corroboration]:
    """The derived summary of each claim (four queries whatever the number of claims).

    The rule alone, on the loaded rows: no explanation is written, which is what a bulk
    refresh or load of thousands of claims needs.
    """
    ids = _claim_ids(claims)
    graph = _Graph(ids, user=user)
    return {
        pk: corroborate(graph.grades(pk), graph.disputes.get(pk, 0), graph.reach, graph.roots_of)
        for pk in ids
    }


def _batches(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def refresh_corroboration(claim_ids: Iterable[int], batch_size: int = 1000) -> int:
    """Recompute and store the derived fields of ``claim_ids``; returns how many changed.

    Six queries per batch (four to compute, one to read the stored values, one UPDATE of the
    rows that differ). Derived fields are not judgements: no history row, no version bump, and
    ``updated_at`` stays, so reloading unchanged data writes nothing.
    """
    ids = sorted(set(claim_ids))
    changed = 0
    for batch in _batches(ids, batch_size):
        computed = corroboration_for(batch)
        # No savepoint of its own inside a caller's transaction (load_demo, the signals).
        with transaction.atomic(savepoint=False):
            stale = [
                (pk, *fields)
                for pk, *stored in Claim.objects.filter(pk__in=batch).values_list(
                    "pk", *STORED_FIELDS
                )
                if (fields := tuple(computed[pk].as_fields().values())) != tuple(stored)
            ]
            _store_corroboration(stale)
        changed += len(stale)
    return changed


def load_claims(
    claims: Iterable[Claim], citations: Iterable[Citation] = (), batch_size: int = 2000
) -> list[Claim]:
    """Write new claims and their citations in bulk, each claim row written once, with its
    stored corroboration already in it; returns the claims, with their ids.

    For loaders bringing data from elsewhere (a script, a migration from another tool): like
    ``bulk_create`` it sends no signals and writes no history rows (``manage.py import_data``
    is the recorded, validated import). ``citations`` refer to their claim as an object
    (``Citation(claim=claim, ...)``) or by id; claims that already existed and gain citations
    are refreshed too.

    On PostgreSQL the claims' ids are reserved first, the citations written, the corroboration
    computed from them, then the claims written with it, both through COPY (``core.bulk``), and
    the foreign keys checked once every row is in: writing a claim and then updating its
    stored fields cost a second row version of a table with nineteen indexes. Elsewhere:
    ``bulk_create``, then ``refresh_corroboration``.
    """
    claims, citations = list(claims), list(citations)
    with transaction.atomic():
        if connection.vendor != "postgresql":
            Claim.objects.bulk_create(claims)
            Citation.objects.bulk_create(citations)
            refresh_corroboration(_cited_claims(claims, citations))
            return claims
        new = [claim for claim in claims if claim.pk is None]
        for claim, pk in zip(new, reserve_ids(Claim, len(new), "default"), strict=True):
            claim.pk = pk
        copy_create(citations)
        by_id = {claim.pk: claim for claim in claims}
        for batch in _batches(sorted(by_id), batch_size):
            for pk, computed in corroboration_for(batch).items():
                for name, value in computed.as_fields().items():
                    setattr(by_id[pk], name, value)
        copy_create(claims)
        # The foreign keys now, inside this transaction (as loaddata does), not at a commit
        # the caller's transaction may make much later.
        connection.check_constraints()
        # Claims already stored that the new citations add evidence to.
        refresh_corroboration(_cited_claims(claims, citations) - by_id.keys())
    return claims


def _cited_claims(claims: list[Claim], citations: list[Citation]) -> set[int]:
    """Ids of the claims ``claims`` and ``citations`` are about (after they are written)."""
    return {claim.pk for claim in claims} | {citation.claim_id for citation in citations}


def _store_corroboration(rows: list[tuple]) -> None:
    """Write ``(pk, *STORED_FIELDS)`` rows in one UPDATE (``bulk_update`` builds a CASE per
    field and row, which took longer than computing the values)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        Claim.objects.bulk_update(
            [Claim(pk=pk, **dict(zip(STORED_FIELDS, fields, strict=True))) for pk, *fields in rows],
            STORED_FIELDS,
        )
        return
    table = connection.ops.quote_name(Claim._meta.db_table)
    columns = [connection.ops.quote_name(name) for name in STORED_FIELDS]
    fields = [Claim._meta.get_field(name) for name in ("id", *STORED_FIELDS)]
    arrays = ", ".join(f"%s::{field.cast_db_type(connection)}[]" for field in fields)
    assignments = ", ".join(f"{column} = v.{column}" for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM unnest({arrays})"
            f" AS v(id, {', '.join(columns)}) WHERE {table}.id = v.id",
            [list(column) for column in zip(*rows, strict=True)],
        )


def claims_affected_by(
    publication_ids: Iterable[int] = (), source_ids: Iterable[int] = ()
) -> set[int]:
    """Claims whose evidence lines may change when these publications or sources change.

    A change to a publication (its source, kind, people, archive state, references it makes)
    changes the lines of every claim citing it or citing anything that echoes it, directly or
    through a chain; a change to a source (reliability, affiliation) changes what the source
    and everyone who speaks for it said. Two queries: the sources' publications, then the
    upstream citation graph and the claims citing it in one recursive query.
    """
    publications = set(publication_ids)
    sources = sorted(set(source_ids))
    if sources:
        speakers = Source.objects.descendants_of(*sources).values("pk")
        people = PublicationPerson.objects.filter(person__in=speakers).values("publication_id")
        publications |= set(
            Publication.objects.filter(
                models.Q(source__in=speakers) | models.Q(pk__in=people)
            ).values_list("pk", flat=True)
        )
    if not publications:
        return set()
    reference = connection.ops.quote_name(PublicationReference._meta.db_table)
    citation = connection.ops.quote_name(Citation._meta.db_table)
    starts = ", ".join(["%s"] * len(publications))
    kinds = ", ".join(["%s"] * len(FOLLOWED_KINDS))
    # Walk the graph backwards (who cites these?); UNION stops at cycles.
    sql = (
        f"WITH RECURSIVE upstream(id) AS ("
        f" SELECT DISTINCT citing_id FROM {reference} WHERE cited_id IN ({starts})"
        f" AND kind IN ({kinds})"
        f" UNION SELECT r.citing_id FROM {reference} r JOIN upstream ON r.cited_id = upstream.id"
        f" WHERE r.kind IN ({kinds})"
        f") SELECT DISTINCT claim_id FROM {citation}"
        f" WHERE publication_id IN ({starts}) OR publication_id IN (SELECT id FROM upstream)"
    )
    params = [*sorted(publications), *FOLLOWED_KINDS, *FOLLOWED_KINDS, *sorted(publications)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}
