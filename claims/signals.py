"""Keep the stored corroboration of claims current when their evidence changes.

Every write that can change a claim's lines of evidence (a citation, a reference between
publications, a publication's source, kind, people or archive state, a source's reliability
or affiliation) records what changed; once the transaction commits, the claims affected are
worked out and recomputed together (``claims.services``). A multi-row write (an import, an
admin inline formset, ``load_demo``) therefore recomputes once, at the end, not per row.

``bulk_create``, ``bulk_update`` and ``QuerySet.update()`` send no signals: run
``manage.py refresh_corroboration`` after writing that way.
"""

import threading
from collections.abc import Iterable

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save

from sources.models import Publication, PublicationPerson, PublicationReference, Source

from .models import Citation
from .services import claims_affected_by, refresh_corroboration

_pending = threading.local()


def _sets() -> tuple[set[int], set[int], set[int]]:
    """This thread's changed claims, publications and sources waiting for the commit."""
    if not hasattr(_pending, "claims"):
        _pending.claims, _pending.publications, _pending.sources = set(), set(), set()
    return _pending.claims, _pending.publications, _pending.sources


def schedule(
    claims: Iterable[int | None] = (),
    publications: Iterable[int | None] = (),
    sources: Iterable[int | None] = (),
) -> None:
    """Recompute what these changes affect once the current transaction commits."""
    pending_claims, pending_publications, pending_sources = _sets()
    pending_claims.update(pk for pk in claims if pk is not None)
    pending_publications.update(pk for pk in publications if pk is not None)
    pending_sources.update(pk for pk in sources if pk is not None)
    # One callback per change, each flushing whatever is pending: registering only the first
    # would lose later changes if the savepoint holding that first callback rolled back.
    # robust: the write has committed; a failed recomputation is logged, not turned into an
    # error for a change that was saved (``refresh_corroboration`` repairs it).
    transaction.on_commit(flush, robust=True)


def flush() -> int:
    """Recompute the claims affected by the pending changes; returns how many changed."""
    pending_claims, pending_publications, pending_sources = _sets()
    if not (pending_claims or pending_publications or pending_sources):
        return 0
    claims = set(pending_claims)
    publications, sources = set(pending_publications), set(pending_sources)
    pending_claims.clear()
    pending_publications.clear()
    pending_sources.clear()
    claims |= claims_affected_by(publications, sources)
    return refresh_corroboration(claims)


# -- what each model remembers from the database, to tell what a save changed

WATCHED = {
    Citation: ("claim_id",),
    PublicationReference: ("citing_id",),
    PublicationPerson: ("publication_id",),
    # Derived fields read a publication's source, kind (interviews), archive state and
    # marking (stored figures count only evidence every reader may see).
    Publication: ("source_id", "kind", "archived_at", "marking"),
    Source: ("reliability", "affiliation_id"),
}


def _remember(sender, instance, **kwargs) -> None:
    instance._corroboration_loaded = {name: instance.__dict__.get(name) for name in WATCHED[sender]}


def _loaded(instance, name: str):
    return getattr(instance, "_corroboration_loaded", {}).get(name)


def _changed(instance) -> bool:
    loaded = getattr(instance, "_corroboration_loaded", None)
    if loaded is None or instance._state.adding:
        return True
    return any(getattr(instance, name) != value for name, value in loaded.items())


def _forget(sender, instance, **kwargs) -> None:
    """After a save the row in the database is what the instance holds."""
    _remember(sender, instance)


# -- receivers


def citation_changed(sender, instance: Citation, **kwargs) -> None:
    schedule(claims=[instance.claim_id, _loaded(instance, "claim_id")])
    _forget(sender, instance)


def reference_changed(sender, instance: PublicationReference, **kwargs) -> None:
    # Lines change for whoever cites the citing end (or anything that echoes it).
    schedule(publications=[instance.citing_id, _loaded(instance, "citing_id")])
    _forget(sender, instance)


def person_changed(sender, instance: PublicationPerson, **kwargs) -> None:
    schedule(publications=[instance.publication_id, _loaded(instance, "publication_id")])
    _forget(sender, instance)


def publication_changed(sender, instance: Publication, created: bool = False, **kwargs) -> None:
    # A new publication is cited by nothing yet; a title or summary edit changes no line.
    if not created and _changed(instance):
        schedule(publications=[instance.pk])
    _forget(sender, instance)


def source_changed(sender, instance: Source, created: bool = False, **kwargs) -> None:
    if not created and _changed(instance):
        schedule(sources=[instance.pk])
    _forget(sender, instance)


def people_links_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    """``publication.people.add()`` and friends write rows without ``post_save``."""
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    if not reverse:  # instance is the publication
        schedule(publications=[instance.pk])
    elif action == "pre_clear":  # instance is the person: the links are about to go
        schedule(publications=instance.appearances.values_list("pk", flat=True))
    else:
        schedule(publications=pk_set or ())


def reference_links_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    """``publication.cites.add()`` and friends write references without ``post_save``."""
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    if not reverse:  # instance is the citing publication
        schedule(publications=[instance.pk])
    elif action == "pre_clear":  # instance is the cited one: its citers are about to lose it
        schedule(publications=instance.cited_by.values_list("pk", flat=True))
    else:
        schedule(publications=pk_set or ())


def connect() -> None:
    """Wire the receivers (``ClaimsConfig.ready``); ``dispatch_uid`` keeps it idempotent."""
    for model in WATCHED:
        post_init.connect(_remember, sender=model, dispatch_uid=f"corroboration-init-{model}")
    handlers = {
        Citation: citation_changed,
        PublicationReference: reference_changed,
        PublicationPerson: person_changed,
        Publication: publication_changed,
        Source: source_changed,
    }
    for model, handler in handlers.items():
        post_save.connect(handler, sender=model, dispatch_uid=f"corroboration-save-{model}")
    for model in (Citation, PublicationReference, PublicationPerson):
        post_delete.connect(
            handlers[model], sender=model, dispatch_uid=f"corroboration-delete-{model}"
        )
    m2m_changed.connect(
        people_links_changed,
        sender=Publication.people.through,
        dispatch_uid="corroboration-people",
    )
    m2m_changed.connect(
        reference_links_changed,
        sender=Publication.cites.through,
        dispatch_uid="corroboration-references",
    )
