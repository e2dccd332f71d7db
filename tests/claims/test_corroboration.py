"""The corroboration rule on plain rows (``claims.corroboration``): no database, no models.

Publications are small integers; a graph is a dict of references and a dict of affiliation
roots, as a caller (the engine, the synthetic generator) would hand them over.
"""

from claims.corroboration import (
    Corroboration,
    corroborate,
    echo_reach,
    group_lines,
    is_echo,
    suggested_status,
)
from claims.models import SuggestedStatus
from sources.models import PublicationReference

CITES = PublicationReference.Kind.CITES
CONFIRMS = PublicationReference.Kind.CONFIRMS
DISPUTES = PublicationReference.Kind.DISPUTES


class Graph:
    """References and speakers' affiliation roots of a few publications."""

    def __init__(self, references: dict[int, list[tuple[int, str]]], roots: dict[int, int]):
        self.edges = references
        self.root = roots

    def references(self, pk: int) -> list[tuple[int, str]]:
        return self.edges.get(pk, [])

    def roots(self, pk: int) -> tuple[int, ...]:
        return (self.root[pk],) if pk in self.root else ()

    def reach(self, pk: int) -> dict[int, tuple[int, str] | None]:
        return echo_reach(pk, self.references, self.roots)

    def lines(self, *cited: int) -> list[tuple[list[int], list[int]]]:
        return [(line.bases, line.echoes) for line in group_lines(cited, self.reach, self.roots)]


def test_confirms_is_an_echo_only_between_speakers_of_one_root():
    assert is_echo(CITES, {1}, {2})
    assert is_echo(CONFIRMS, {1}, {1, 3})
    assert not is_echo(CONFIRMS, {1}, {2})
    assert not is_echo(DISPUTES, {1}, {1})


def test_reach_follows_chains_and_ends_on_cycles():
    """GIVEN 1 cites 2, 2 cites 3, 3 cites 1, and 3 disputes 4 THEN 1 echoes 1, 2 and 3 (each
    with the step that reached it), never 4."""
    graph = Graph({1: [(2, CITES)], 2: [(3, CITES)], 3: [(1, CITES), (4, DISPUTES)]}, {})

    assert graph.reach(1) == {1: None, 2: (1, CITES), 3: (2, CITES)}


def test_an_echo_joins_the_line_it_echoes():
    graph = Graph({2: [(1, CITES)]}, {1: 10, 2: 20})

    assert graph.lines(1, 2) == [([1], [2])]


def test_a_confirmation_from_another_source_is_a_second_line():
    independent = Graph({2: [(1, CONFIRMS)]}, {1: 10, 2: 20})
    same_root = Graph({2: [(1, CONFIRMS)]}, {1: 10, 2: 10})

    assert independent.lines(1, 2) == [([1], []), ([2], [])]
    assert same_root.lines(1, 2) == [([1], [2])]


def test_a_cycle_is_one_line():
    graph = Graph({1: [(2, CITES)], 2: [(1, CITES)]}, {1: 10, 2: 20})

    [line] = group_lines([1, 2], graph.reach, graph.roots)

    assert (line.bases, line.echoes) == ([1, 2], [])
    assert [(g.rule, g.first, g.second) for g in line.grouped] == [("cycle", 1, 2)]


def test_a_shared_uncited_origin_and_a_shared_affiliation_make_one_line():
    """GIVEN 1 and 2 both cite 9 (not cited by the claim), and 3 and 4 whose speakers share
    a root THEN two lines, each saying why."""
    graph = Graph({1: [(9, CITES)], 2: [(9, CITES)]}, {1: 10, 2: 20, 3: 30, 4: 30, 9: 90})

    lines = group_lines([1, 2, 3, 4], graph.reach, graph.roots)

    assert [line.bases for line in lines] == [[1, 2], [3, 4]]
    assert [[(g.rule, g.origin) for g in line.grouped] for line in lines] == [
        [("origin", 9)],
        [("affiliation", None)],
    ]


def test_summary_best_grade_lines_disputes_and_suggestion():
    graph = Graph({2: [(1, CITES)]}, {1: 10, 2: 20, 3: 30})

    echo_only = corroborate({1: "C3", 2: "B2"}, 0, graph.reach, graph.roots)
    two_lines = corroborate({1: "C3", 3: "A4"}, 0, graph.reach, graph.roots)
    disputed = corroborate({}, 2, graph.reach, graph.roots)

    # The echo's grade counts for the best grade, not as a line.
    assert echo_only == Corroboration("B2", 1, 0, SuggestedStatus.SINGLE_SOURCE)
    assert two_lines == Corroboration("A4", 2, 0, SuggestedStatus.CORROBORATED)
    assert disputed == Corroboration("", 0, 2, SuggestedStatus.DISPUTED)
    assert suggested_status(0, 0) == SuggestedStatus.NO_EVIDENCE
    assert suggested_status(3, 1) == SuggestedStatus.DISPUTED
