"""The corroboration rule, once, on plain rows: no queries and no model instances.

``claims.services`` loads a claim's evidence from the database and explains it;
``devdata.synthetic`` computes the stored fields of a million generated claims from the arrays
it builds them from. Both call these functions, so the rule cannot drift between the two. The
rule itself (echoes, cycles, who speaks, shared origin) is described in ``claims.services``.

Publications are plain ids; what the rule needs to know about them comes as functions:

- ``references(pk)``: the references publication ``pk`` makes, as ``(cited id, kind)`` pairs;
- ``roots(pk)``: the affiliation roots of whoever speaks in ``pk`` (source ids);
- ``reach(pk)``: the publications ``pk`` echoes, itself included (``echo_reach``'s keys).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sources.models import PublicationReference

from .models import SuggestedStatus

References = Callable[[int], Iterable[tuple[int, str]]]
Roots = Callable[[int], Collection[int]]
Reach = Callable[[int], Collection[int]]

# Reference kinds that make the citing publication an echo of the cited one. ``confirms`` is
# decided case by case (same speaker or not); ``disputes`` is never followed.
ECHO_KINDS = frozenset(
    {
        PublicationReference.Kind.CITES,
        PublicationReference.Kind.REPORTS_ON,
        PublicationReference.Kind.QUOTES,
    }
)
FOLLOWED_KINDS = (*sorted(ECHO_KINDS), PublicationReference.Kind.CONFIRMS)

STORED_FIELDS = ("best_grade", "independent_lines", "disputes", "suggested_status")


@dataclass(frozen=True)
class Corroboration:
    """The stored summary of a claim's evidence."""

    best_grade: str = ""
    independent_lines: int = 0
    disputes: int = 0
    suggested_status: str = SuggestedStatus.NO_EVIDENCE

    def as_fields(self) -> dict[str, object]:
        """The summary as the claim's stored fields, in ``STORED_FIELDS`` order."""
        return {name: getattr(self, name) for name in STORED_FIELDS}


@dataclass(frozen=True)
class Grouped:
    """Why two supporting publications were put in one line.

    ``cycle``: they echo each other; ``origin``: both echo ``origin``, which the claim does
    not cite; ``affiliation``: their speakers share an affiliation root.
    """

    rule: Literal["cycle", "origin", "affiliation"]
    first: int
    second: int
    origin: int | None = None


@dataclass
class Line:
    """One independent line: its own publications (``bases``), the supporting publications
    that only echo them (``echoes``, which may echo several lines) and why they are grouped."""

    bases: list[int]
    echoes: list[int] = field(default_factory=list)
    grouped: list[Grouped] = field(default_factory=list)


def is_echo(kind: str, citing_roots: Collection[int], cited_roots: Collection[int]) -> bool:
    """Whether a reference of ``kind`` makes the citing publication an echo of the cited one.

    "A statement that confirms a report is a second line only if its source is different":
    a ``confirms`` reference is an echo only when both speakers share an affiliation root.
    """
    if kind in ECHO_KINDS:
        return True
    return kind == PublicationReference.Kind.CONFIRMS and any(
        root in cited_roots for root in citing_roots
    )


def echo_reach(
    start: int, references: References, roots: Roots
) -> dict[int, tuple[int, str] | None]:
    """Publications ``start`` echoes through any chain, itself first, each with the step
    ``(citing, kind)`` that reached it (``None`` for ``start``).

    Breadth-first with a visited set, so citation cycles end.
    """
    parents: dict[int, tuple[int, str] | None] = {start: None}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for cited, kind in references(current):
            if cited not in parents and is_echo(kind, roots(current), roots(cited)):
                parents[cited] = (current, kind)
                queue.append(cited)
    return parents


class _UnionFind:
    """Disjoint sets of publication ids."""

    def __init__(self, items: Iterable[int]) -> None:
        self.parent = {item: item for item in items}

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, first: int, second: int) -> bool:
        first, second = self.find(first), self.find(second)
        if first == second:
            return False
        self.parent[max(first, second)] = min(first, second)
        return True


def group_lines(cited: Sequence[int], reach: Reach, roots: Roots) -> list[Line]:
    """Group one claim's supporting publications (in publication date order) into lines."""
    if len(cited) < 2:
        # Nothing to group (most claims): no need to follow any reference.
        return [Line([pk]) for pk in cited]
    reaches = {pk: reach(pk) for pk in cited}
    sets = _UnionFind(cited)
    grouped: dict[int, list[Grouped]] = defaultdict(list)  # by publication, moved to lines

    # 1. Publications that echo each other (a cycle) are one group. (Most echo nothing but
    # themselves: no pair to try.)
    for index, first in enumerate(cited):
        if len(reaches[first]) < 2:
            continue
        for second in cited[index + 1 :]:
            mutual = second in reaches[first] and first in reaches[second]
            if mutual and sets.union(first, second):
                grouped[first].append(Grouped("cycle", first, second))

    # 2. A group that echoes another supporting publication adds no line of its own.
    group = {pk: sets.find(pk) for pk in cited}
    echoes = {
        pk
        for pk in cited
        if any(other in group and group[other] != group[pk] for other in reaches[pk])
    }
    bases = [pk for pk in cited if pk not in echoes]

    # 3. Bases sharing an origin they both echo, or a speaker's affiliation root, are one line.
    for index, first in enumerate(bases):
        for second in bases[index + 1 :]:
            if sets.find(first) == sets.find(second):
                continue
            # A third publication both echo (each must echo more than itself to have one).
            origin = None
            if len(reaches[first]) > 1 and len(reaches[second]) > 1:
                origin = next(
                    (
                        pk
                        for pk in reaches[first]
                        if pk not in (first, second) and pk in reaches[second]
                    ),
                    None,
                )
            if origin is not None:
                sets.union(first, second)
                grouped[first].append(Grouped("origin", first, second, origin))
            elif any(root in roots(second) for root in roots(first)):
                sets.union(first, second)
                grouped[first].append(Grouped("affiliation", first, second))

    # 4. Lines are the groups of bases; each echo joins every line it echoes.
    by_root: dict[int, list[int]] = defaultdict(list)
    for pk in bases:
        by_root[sets.find(pk)].append(pk)
    lines = []
    for members in by_root.values():
        line_echoes = [
            echo for echo in cited if echo in echoes and any(pk in reaches[echo] for pk in members)
        ]
        why = [reason for pk in [*members, *line_echoes] for reason in grouped.get(pk, ())]
        lines.append(Line(members, line_echoes, why))
    return lines


def best_grade(grades: Iterable[str]) -> str:
    """The strongest grade ("B2" beats "C1"), or "" when there is none."""
    return min(grades, default="")


def suggested_status(lines: int, disputes: int) -> str:
    """What the evidence suggests, from the number of lines and of disputing citations."""
    if disputes:
        # Evidence against a claim is what an analyst must look at first, with or without
        # evidence for it.
        return SuggestedStatus.DISPUTED
    if not lines:
        return SuggestedStatus.NO_EVIDENCE
    return SuggestedStatus.SINGLE_SOURCE if lines == 1 else SuggestedStatus.CORROBORATED


def summary(grades: Iterable[str], lines: int, disputes: int) -> Corroboration:
    """The stored fields, from the grades of every supporting citation (echoes included,
    issue #5's definition of the best grade) and the counts."""
    return Corroboration(best_grade(grades), lines, disputes, suggested_status(lines, disputes))


def corroborate(
    grades: Mapping[int, str], disputes: int, reach: Reach, roots: Roots
) -> Corroboration:
    """The stored fields of one claim.

    ``grades``: the best grade ("B2": source reliability and information credibility) of each
    supporting publication, in publication date order; ``disputes``: how many citations
    dispute the claim.
    """
    lines = group_lines(list(grades), reach, roots)
    return summary(grades.values(), len(lines), disputes)
