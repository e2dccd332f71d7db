"""Accept a reviewed draft: create its claims, new units, citations, involvements, places and
quantities in one transaction; any bad row rolls back everything."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from claims.models import Citation, Claim, Quantity, UnitInvolvement
from core.querysets import VisibleQuerySet
from places.models import Location
from sources.models import Publication, Source
from units.models import Unit, UnitAlias

_Visible = TypeVar("_Visible", bound=VisibleQuerySet)


class IngestError(Exception):
    """The reviewed draft cannot be accepted; ``errors`` names each bad row and field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{key}: {' '.join(msgs)}" for key, msgs in errors.items()))


@dataclass
class AcceptResult:
    """What accepting a draft created."""

    claims: list[int] = field(default_factory=list)
    units: list[int] = field(default_factory=list)
    citations: list[int] = field(default_factory=list)
    involvements: int = 0
    quantities: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The ids created, as the API and the command print them."""
        return {
            "claims": self.claims,
            "units": self.units,
            "citations": self.citations,
            "involvements": self.involvements,
            "quantities": self.quantities,
        }


def _current(queryset: _Visible, user: User | AnonymousUser | None) -> _Visible:
    """What ``user`` may see; ``None`` is an operator at the command line (current records)."""
    if user is None:
        return (
            queryset.filter(archived_at__isnull=True)
            if hasattr(queryset.model, "archived_at")
            else queryset
        )
    # core.querysets.VisibleQuerySet.visible_to has no return annotation yet (-> Self).
    return queryset.visible_to(user)  # type: ignore[no-any-return]


def _messages(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {name: [str(m) for m in errs[0].messages] for name, errs in error.error_dict.items()}
    return {"__all__": [str(m) for m in error.messages]}


class _Acceptor:
    """One acceptance: collects every error, then raises them all at once."""

    def __init__(
        self,
        draft: dict[str, Any],
        publication: Publication,
        user: User | AnonymousUser | None,
        reason: str,
    ) -> None:
        self.draft = draft
        self.publication = publication
        self.user = user
        self.reason = reason or f"Ingested from “{publication.title}”"
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.result = AcceptResult()

    def error(self, where: str, message: str) -> None:
        """Record what is wrong with the row at ``where`` ("claims[3].statement")."""
        self.errors[where].append(message)

    def check(
        self, obj: models.Model, where: str, database: bool = False, links: tuple[str, ...] = ()
    ) -> bool:
        """Validate ``obj``'s fields and model rules; record its errors under ``where``.

        Uniqueness and check constraints cost one query each per row, so they are left to the
        database (``save`` turns a refusal into an error naming the row) except where asked:
        units, whose name may clash with one already under the same parent. ``links`` are
        foreign keys set from records loaded (and visibility-checked) here: not re-read.
        """
        try:
            obj.full_clean(
                exclude=list(links), validate_unique=database, validate_constraints=database
            )
        except ValidationError as error:
            for name, messages in _messages(error).items():
                for message in messages:
                    self.error(f"{where}.{name}", message)
            return False
        return True

    def save(self, obj: models.Model, where: str = "draft") -> None:
        """Save ``obj`` stamped with the user and the reason; a database refusal ends the
        acceptance (the transaction rolls back) with an error naming the row."""
        if hasattr(obj, "stamp"):
            obj.stamp(self.user)
        # simple_history reads the reason off whatever instance it records.
        obj._change_reason = self.reason  # type: ignore[attr-defined]
        try:
            # No savepoint per row: a refusal ends the whole acceptance, which rolls back.
            obj.save()
        except IntegrityError as error:
            rule = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
            raise IngestError(
                {where: [f"The database refused this row ({rule or 'a constraint'})."]}
            ) from error

    # -- units

    def units(self) -> dict[str, Unit]:
        """Kept units by draft key: known ones checked, new ones created parents first."""
        rows = {row["key"]: (index, row) for index, row in enumerate(self.draft.get("units", []))}
        kept = {key: row for key, (_i, row) in rows.items() if row.get("keep", True)}
        known_ids = {row["existing"] for row in kept.values() if row.get("existing")}
        known = {
            unit.pk: unit for unit in _current(Unit.objects.filter(pk__in=known_ids), self.user)
        }
        by_key: dict[str, Unit] = {}
        for key, row in kept.items():
            if row.get("existing"):
                if row["existing"] not in known:
                    self.error(f"units[{rows[key][0]}].existing", "No such unit, or archived.")
                else:
                    by_key[key] = known[row["existing"]]
        new = {key: row for key, row in kept.items() if not row.get("existing")}
        if new and self.user is not None and not self.user.has_perm("units.add_unit"):
            self.error(
                "units",
                "Creating units needs the editor role: drop the new units "
                "or ask an editor to accept the draft.",
            )
            return by_key
        names = {row["name"].strip().casefold(): key for key, row in kept.items()}
        failed: set[str] = set()  # reported once, however many children name them

        def parent_key(key: str) -> str | None:
            row = kept[key]
            upper: str | None = row.get("parent_key")
            if upper in kept:
                return upper
            name = (row.get("parent") or "").strip()
            return names.get(name.casefold()) if name else None

        def create(key: str, trail: tuple[str, ...] = ()) -> Unit | None:
            if key in by_key:
                return by_key[key]
            if key in failed:
                return None
            unit = build(key, trail)
            if unit is None:
                failed.add(key)
            return unit

        def build(key: str, trail: tuple[str, ...]) -> Unit | None:
            index, row = rows[key]
            where = f"units[{index}]"
            if key in trail:
                self.error(f"{where}.parent", "The parents of the new units make a cycle.")
                return None
            parent = None
            parent_name = (row.get("parent") or "").strip()
            upper = parent_key(key)
            if upper is not None:
                parent = create(upper, (*trail, key))
                if parent is None:
                    return None
            elif parent_name:
                found = list(_current(Unit.objects.filter(name__iexact=parent_name), self.user)[:2])
                if len(found) != 1:
                    self.error(
                        f"{where}.parent",
                        f"“{parent_name}” is neither a kept unit of the draft nor one known unit.",
                    )
                    return None
                parent = found[0]
            unit = Unit(
                name=row["name"].strip(),
                abbreviation=(row.get("abbreviation") or "").strip(),
                country=row.get("country") or "RU",
                echelon=row.get("echelon") or Unit.Echelon.OTHER,
                branch=row.get("branch") or "",
                parent=parent,
            )
            if not self.check(unit, where, database=True):
                return None
            self.save(unit, where)
            for alias in row.get("aliases") or []:
                if alias.strip() and alias.strip() != unit.name:
                    self.save(UnitAlias(unit=unit, name=alias.strip()[:200]))
            by_key[key] = unit
            self.result.units.append(unit.pk)
            return unit

        for key in new:
            create(key)
        return by_key

    # -- claims

    def claims(self, units: dict[str, Unit]) -> None:
        """Create the kept claims with their citation, places, involvements and numbers."""
        rows = [
            (index, row)
            for index, row in enumerate(self.draft.get("claims", []))
            if row.get("keep", True)
        ]
        source_ids = {s["id"] for _i, row in rows for s in row.get("sources", [])}
        sources = {
            source.pk: source
            for source in _current(Source.objects.filter(pk__in=source_ids), self.user)
        }
        place_ids = {p["id"] for _i, row in rows for p in row.get("locations", [])}
        places = {place.pk: place for place in Location.objects.filter(pk__in=place_ids)}
        footnote_urls = self.draft.get("footnotes") or {}
        groups = list(self.publication.sharing_groups.all())
        named = list(self.publication.shared_with.all())
        for index, row in rows:
            where = f"claims[{index}]"
            occurred = row.get("occurred") or {}
            start = occurred.get("start")
            claim = Claim(
                title=(row.get("title") or row.get("statement", ""))[:200].strip(),
                statement=(row.get("statement") or "").strip(),
                kind=row.get("kind") or Claim.Kind.EVENT,
                occurred_start=_date(start),
                occurred_end=None,
                occurred_precision=occurred.get("precision") or "day",
                ongoing=bool(occurred.get("ongoing")),
                # A claim read from a marked report is at least as restricted as the report.
                marking=self.publication.marking,
            )
            if not self.check(claim, where):
                continue
            missing_sources = [s["id"] for s in row.get("sources", []) if s["id"] not in sources]
            missing_places = [p["id"] for p in row.get("locations", []) if p["id"] not in places]
            missing_units = [u["key"] for u in row.get("units", []) if u["key"] not in units]
            if missing_sources:
                self.error(f"{where}.sources", f"Unknown sources: {missing_sources}.")
            if missing_places:
                self.error(f"{where}.locations", f"Unknown places: {missing_places}.")
            if missing_units:
                self.error(f"{where}.units", f"Units not kept or unknown: {missing_units}.")
            if missing_sources or missing_places or missing_units or self.errors:
                continue
            self.save(claim, where)
            # A new claim links nothing yet: add only what there is (no query for empty lists).
            if groups:
                claim.sharing_groups.add(*groups)
            if named:
                claim.shared_with.add(*named)
            if row.get("locations"):
                claim.locations.add(*[places[p["id"]] for p in row["locations"]])
            self.result.claims.append(claim.pk)
            said_by = [sources[s["id"]] for s in row.get("sources", [])]
            footnotes = [str(n) for n in row.get("footnotes", [])]
            urls = [f"[{n}] {url}" for n in footnotes for url in footnote_urls.get(n, [])]
            note = []
            if said_by:
                note.append("Names: " + "; ".join(source.name for source in said_by) + ".")
            note.extend(urls)
            citation = Citation(
                claim=claim,
                publication=self.publication,
                stance=Citation.Stance.SUPPORTS,
                excerpt=row.get("excerpt") or claim.statement,
                locator_paragraph=row.get("paragraph") or None,
                locator_footnote=", ".join(footnotes)[:20],
                note="\n".join(note),
            )
            if self.check(citation, f"{where}.citation", links=("claim", "publication")):
                self.save(citation, f"{where}.citation")
                self.result.citations.append(citation.pk)
            seen: set[tuple[int, str]] = set()
            for position, mention in enumerate(row.get("units", [])):
                unit = units[mention["key"]]
                role = mention.get("role") or UnitInvolvement.Role.MENTIONED
                if (unit.pk, role) in seen:
                    continue
                seen.add((unit.pk, role))
                involvement = UnitInvolvement(
                    claim=claim,
                    unit=unit,
                    role=role,
                    attributed_by=said_by[0]
                    if role == UnitInvolvement.Role.ATTRIBUTED and said_by
                    else None,
                )
                if self.check(
                    involvement,
                    f"{where}.units[{position}]",
                    links=("claim", "unit", "attributed_by"),
                ):
                    self.save(involvement, f"{where}.units[{position}]")
                    self.result.involvements += 1
            for position, number in enumerate(row.get("quantities", [])):
                low, high = _decimal(number.get("low")), _decimal(number.get("high"))
                if low is None:
                    self.error(f"{where}.quantities[{position}].low", "Give a number.")
                    continue
                quantity = Quantity(
                    claim=claim,
                    measure=(number.get("measure") or "")[:200],
                    low=low,
                    high=high,
                    unit_of_measure=(number.get("unit_of_measure") or "")[:50],
                    approximate=bool(number.get("approximate")),
                )
                if high is not None and high < low:
                    self.error(f"{where}.quantities[{position}].high", "Below the low value.")
                    continue
                if self.check(quantity, f"{where}.quantities[{position}]", links=("claim",)):
                    self.save(quantity, f"{where}.quantities[{position}]")
                    self.result.quantities += 1


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return None


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def accept_draft(
    draft: dict[str, Any],
    *,
    publication: Publication,
    user: User | AnonymousUser | None = None,
    reason: str = "",
) -> AcceptResult:
    """Create what the reviewed ``draft`` keeps, citing ``publication``, all or nothing.

    An unsaved ``publication`` (a new report) is written in the same transaction, so a
    refused draft leaves no report behind. Every record id in the draft is re-checked against
    what ``user`` may see (a client's ids are never trusted); new units need
    ``units.add_unit``. Raises ``IngestError`` naming every bad row, after rolling back
    whatever was written.
    """
    with transaction.atomic():
        if publication.pk is None:
            publication.stamp(user)
            publication.full_clean()
            publication.save()
        acceptor = _Acceptor(draft, publication, user, reason)
        units = acceptor.units()
        if not acceptor.errors:
            acceptor.claims(units)
        if acceptor.errors:
            # Leaving the block by an exception rolls back every row written so far.
            raise IngestError(acceptor.errors)
    return acceptor.result
