"""The closure tables as stored and as they should be, for the tests of units and places."""

from core.models import ClosureBase


def stored_closure(closure: type[ClosureBase]) -> set[tuple[int, int, int]]:
    """(record, record above or itself, depth) rows of the closure table ``closure``."""
    return set(closure.objects.values_list(f"{closure.node_field}_id", "ancestor_id", "depth"))


def walked_closure(closure: type[ClosureBase]) -> set[tuple[int, int, int]]:
    """The rows ``closure`` should hold, walked in Python from its tree's parents."""
    tree = closure._meta.get_field("ancestor").related_model
    parents = dict(tree.objects.values_list("pk", "parent_id"))
    rows = set()
    for record in parents:
        above, depth = record, 0
        while above is not None:
            rows.add((record, above, depth))
            above, depth = parents[above], depth + 1
    return rows
