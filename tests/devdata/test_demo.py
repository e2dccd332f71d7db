"""The demo data set and its loader (``devdata.demo``, ``manage.py load_demo``)."""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import models

from claims.models import Citation, Claim, ClaimRelation, Quantity, UnitInvolvement
from core.models import TrackedModel
from devdata.demo import REPORTED_MODELS, DemoCounts, demo_uuid, load_demo
from places.models import LocationAlias
from sources.models import (
    Publication,
    PublicationPerson,
    PublicationReference,
    Source,
    SourceAlias,
)
from units.models import Unit, UnitAlias, UnitHonorific

SEED = Path(settings.BASE_DIR).parent / "shared" / "seeds" / "000_e74a3178e4fe56ca.txt"
ISW = "isw-assessment-2025-02-20"


def demo(model: type[models.Model], key: str):
    """The demo record ``key`` of ``model``, found the way the loader finds it."""
    return model.objects.get(uuid=demo_uuid(model, key))


@pytest.fixture
def loaded(db) -> DemoCounts:
    """The demo data set, loaded once into an empty database."""
    return load_demo()


# What the records the loader reports own: written with them, counted with them.
OWNED_MODELS = (
    SourceAlias,
    PublicationPerson,
    UnitAlias,
    UnitHonorific,
    LocationAlias,
    Claim.topics.through,
    Claim.locations.through,
    Quantity,
)


def _snapshot() -> dict[str, object]:
    """Row count of every model the loader writes and of its history, and updated_at of every
    tracked row."""
    state: dict[str, object] = {}
    for model in [model for model, _label in REPORTED_MODELS] + list(OWNED_MODELS):
        label = model._meta.label
        state[label] = model.objects.count()
        if hasattr(model, "history"):
            state[f"{label} history"] = model.history.count()
        if issubclass(model, TrackedModel):
            state[f"{label} updated_at"] = dict(model.objects.values_list("pk", "updated_at"))
    return state


# --- The ORBAT ------------------------------------------------------------------------------


def test_30th_mrb_sits_under_2nd_caa_and_central_md(loaded):
    brigade = demo(Unit, "30th-mrb")

    assert Unit.objects.ancestors_of(brigade) == [demo(Unit, "2nd-caa"), demo(Unit, "central-md")]
    assert [u.name for u in Unit.objects.ancestors_of(brigade)] == [
        "2nd Combined Arms Army",
        "Central Military District",
    ]
    assert brigade.orbat_path() == "30th MRB › 2nd CAA › Central MD"
    assert demo(Unit, "storm-detachment-30th-mrb") in brigade.descendants()


def test_30th_mrb_holds_guards_title_from_july_2024(loaded):
    honorific = demo(Unit, "30th-mrb").honorifics.get()

    assert honorific.title == "Guards"
    assert honorific.awarded_on == dt.date(2024, 7, 1)
    assert honorific.awarded_precision == "month"
    assert honorific.awarded_by == "Vladimir Putin"


def test_claims_about_central_md_include_its_subordinates(loaded):
    """GIVEN claims about the 30th MRB and its Storm detachment, none about the district itself
    WHEN claims involving the Central MD are asked for with and without subordinates
    THEN only the subtree query finds them."""
    central_md = demo(Unit, "central-md")

    found = Claim.objects.involving_unit(central_md.pk, include_subordinates=True)

    assert set(found) == {
        demo(Claim, "claim-ft-storm-shooting"),
        demo(Claim, "claim-30th-mrb-near-pokrovsk"),
        demo(Claim, "claim-putin-guards-30th-mrb"),
    }
    assert not Claim.objects.involving_unit(central_md.pk).exists()


# --- Key claims -----------------------------------------------------------------------------


def test_storm_detachment_is_the_possible_perpetrator_of_the_ft_shooting(loaded):
    claim = demo(Claim, "claim-ft-storm-shooting")
    involvement = claim.involvements.get()

    assert involvement.unit == demo(Unit, "storm-detachment-30th-mrb")
    assert involvement.role == UnitInvolvement.Role.PERPETRATOR
    assert "possible perpetrator" in involvement.note.lower()
    assert claim.status == Claim.Status.UNVERIFIED
    assert claim.quantities.get().low == 6
    assert ClaimRelation.objects.filter(
        from_claim=claim,
        to_claim=demo(Claim, "claim-commanders-complicit"),
        kind=ClaimRelation.Kind.SUPPORTS,
    ).exists()


def test_155th_is_attributed_the_kursk_beheadings_by_forbes(loaded):
    brigade = demo(Unit, "155th-nib")
    forbes = demo(Source, "forbes")
    claim = demo(Claim, "claim-forbes-155th-kursk-beheadings")

    assert brigade.parent == demo(Unit, "pacific-fleet")
    involvement = claim.involvements.get(unit=brigade)
    assert involvement.role == UnitInvolvement.Role.ATTRIBUTED
    assert involvement.attributed_by == forbes
    assert claim.citations.filter(publication__source=forbes).exists()
    assert [place.name for place in claim.locations.all()] == ["Kursk Oblast"]
    assert claim in Claim.objects.cited_from_source(forbes.pk)


def test_43_executions_with_109_victims_is_a_typed_statistic(loaded):
    claim = demo(Claim, "claim-43-executions-109-victims")

    assert claim.kind == Claim.Kind.STATISTIC
    assert {q.measure: q.low for q in claim.quantities.all()} == {"executions": 43, "victims": 109}
    assert claim.occurred_display == "2024"


def test_north_korean_assault_groups_shrank_from_50_to_10_15(loaded):
    quantities = {
        q.measure: q for q in demo(Claim, "claim-dprk-assault-groups-smaller").quantities.all()
    }

    now = quantities["personnel per assault group"]
    assert (now.low, now.high, now.as_of, now.note) == (
        10,
        15,
        dt.date(2025, 2, 20),
        "down from 50",
    )
    assert quantities["personnel per assault group before the change"].low == 50


def test_kn23_claim_rests_on_reuters_and_budanovs_confirmation(loaded):
    """GIVEN Reuters reported the KN-23 modification and Budanov confirmed it to Chosun Ilbo
    THEN the claim cites both, and the Chosun Ilbo interview confirms the Reuters report."""
    claim = demo(Claim, "claim-kn23-modified-more-precise")
    reuters = demo(Publication, "reuters-kn23-2024-12")
    chosun = demo(Publication, "chosun-ilbo-2025-02-17")

    assert {c.publication for c in claim.citations.all()} >= {reuters, chosun}
    assert PublicationReference.objects.filter(
        citing=chosun, cited=reuters, kind=PublicationReference.Kind.CONFIRMS
    ).exists()
    assert reuters.published_display == "December 2024"
    assert chosun.language == "ko"
    margin = claim.quantities.get()
    assert (margin.low, margin.high, margin.unit_of_measure) == (500, 1500, "m")


def test_budanov_speaks_for_gur(loaded):
    budanov = demo(Source, "budanov")

    assert budanov.affiliation == demo(Source, "gur")
    assert budanov.role.startswith("Head")
    assert {alias.name for alias in budanov.affiliation.aliases.all()} >= {"GUR", "HUR"}


def test_more_than_twenty_claims_and_every_key_takeaway_is_traceable(loaded):
    """GIVEN the seven key takeaways of the ISW assessment
    THEN each is quoted word for word by an ISW citation noted as a key takeaway."""
    quoted = set(
        Citation.objects.filter(
            publication=demo(Publication, ISW), note__startswith="Key takeaway"
        ).values_list("excerpt", flat=True)
    )

    assert Claim.objects.count() > 20
    assert len(quoted) == 7
    if SEED.exists():
        takeaways = SEED.read_text(encoding="utf-8").split("Key Takeaways:")[1].splitlines()
        assert {line.removeprefix("- ") for line in takeaways if line.startswith("- ")} == quoted
    # Split takeaways stay traceable: both advances near Pokrovsk quote the same bullet.
    advances = Citation.objects.filter(
        claim__in=[
            demo(Claim, "claim-ukraine-advanced-near-pokrovsk"),
            demo(Claim, "claim-russia-advanced-near-pokrovsk"),
            demo(Claim, "claim-russia-advanced-near-velyka-novosilka"),
        ]
    ).values_list("excerpt", flat=True)
    assert len(set(advances)) == 1


def test_footnotes_1_to_15_of_the_isw_assessment_are_all_recorded(loaded):
    """GIVEN the ISW assessment ends sentences with footnotes [1]-[15]
    THEN every footnote is in the locator of a reference the assessment makes
    AND every footnote is the locator of a citation quoting the assessment."""
    isw = demo(Publication, ISW)
    locators = " ".join(
        PublicationReference.objects.filter(citing=isw).values_list("locator", flat=True)
    )
    footnotes = set(
        Citation.objects.filter(publication=isw).values_list("locator_footnote", flat=True)
    )

    for number in range(1, 16):
        assert f"[{number}]" in locators
        assert str(number) in footnotes
    assert isw.source == demo(Source, "isw")
    assert isw.kind == Publication.Kind.REPORT
    assert isw.marking == "clear"


@pytest.mark.skipif(not SEED.exists(), reason="the reference text is not beside the repository")
def test_isw_excerpts_are_verbatim(loaded):
    """Every citation of the ISW assessment quotes it word for word (typos included)."""
    text = SEED.read_text(encoding="utf-8")
    excerpts = Citation.objects.filter(publication=demo(Publication, ISW)).values_list(
        "excerpt", flat=True
    )

    assert excerpts
    assert [excerpt for excerpt in excerpts if not excerpt or excerpt not in text] == []


# --- Idempotence ----------------------------------------------------------------------------


def test_loading_twice_changes_nothing(loaded, django_assert_num_queries):
    """GIVEN the demo data loaded once
    WHEN it is loaded again
    THEN no row is created, updated or removed, no history is written, updated_at does not
    move, and the no-op run reads each table once instead of once per record."""
    before = _snapshot()

    # The importer's bulk reads: users and groups (names in documents), the rows named
    # (places, sources, units, publications, references, claims, citations, involvements,
    # relations), topics, what they own (place, source and unit aliases, honorifics, people)
    # and their links (topics, places and sharing of claims, sharing of publications), and
    # quantities; the SAVEPOINT and RELEASE of the import's transaction.
    with django_assert_num_queries(26):
        again = load_demo()

    assert not again.changed
    assert {m: t.total for m, t in again.tallies.items()} == {
        m: t.total for m, t in loaded.tallies.items()
    }
    assert _snapshot() == before


def test_loading_again_restores_an_edited_field_and_nothing_else(loaded):
    """GIVEN an analyst regraded the FT in the demo data
    WHEN the demo is loaded again
    THEN the FT's grade returns to the file's and no other row is written."""
    Source.objects.filter(pk=demo(Source, "ft").pk).update(reliability="A")

    again = load_demo()

    assert demo(Source, "ft").reliability == "B"
    assert again[Source].updated == 1
    assert sum(t.created + t.updated for t in again.tallies.values()) == 1


def test_command_prints_a_summary(db):
    out = io.StringIO()

    call_command("load_demo", stdout=out)

    assert re.search(r"^Sources: \d+ \(\d+ created, 0 updated\)$", out.getvalue(), re.M)
    assert "Demo data loaded" in out.getvalue()


# --- Bad files ------------------------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_reference_is_a_clear_command_error(db, tmp_path):
    """GIVEN a claim citing a publication key the file does not define
    WHEN load_demo runs
    THEN it fails naming the record and field, and writes nothing."""
    path = _write(
        tmp_path,
        """
sources:
  - {key: ft, name: Financial Times, kind: news_outlet}
claims:
  - key: claim-x
    title: X
    statement: X happened.
    kind: event
    citations:
      - {publication: ft-investigaton, stance: supports}
""",
    )

    with pytest.raises(CommandError) as error:
        call_command("load_demo", file=path, stdout=io.StringIO())

    assert "claims[claim-x].citations[1].publication" in str(error.value)
    assert "unknown publication key 'ft-investigaton'" in str(error.value)
    assert not Source.objects.exists()
    assert not Claim.objects.exists()


def test_invalid_choice_names_record_and_field(db, tmp_path):
    path = _write(tmp_path, "sources:\n  - {key: ft, name: FT, kind: newspaper}\n")

    with pytest.raises(CommandError, match=r"sources\[ft\]\.kind: .*not a valid choice"):
        call_command("load_demo", file=path, stdout=io.StringIO())


def test_parent_loop_in_the_file_is_refused(db, tmp_path):
    path = _write(
        tmp_path,
        """
units:
  - {key: a, name: A, country: RU, echelon: army, parent: b}
  - {key: b, name: B, country: RU, echelon: brigade, parent: a}
""",
    )

    with pytest.raises(CommandError, match=r"units\[a\]\.parent: .*cycle: a → b → a"):
        call_command("load_demo", file=path, stdout=io.StringIO())


def test_unknown_field_and_missing_file_are_reported(db, tmp_path):
    path = _write(tmp_path, "topics:\n  - {key: t, name: T, colour: red}\n")

    with pytest.raises(CommandError, match=r"topics\[t\]\.colour: Unknown field"):
        call_command("load_demo", file=path, stdout=io.StringIO())
    with pytest.raises(CommandError, match="Cannot read the demo file"):
        call_command("load_demo", file=tmp_path / "missing.yaml", stdout=io.StringIO())


def test_if_empty_leaves_an_existing_database_alone(loaded):
    """GIVEN the demo data was loaded and an analyst edited a demo claim
    WHEN the app starts again (``make run`` calls ``load_demo --if-empty``)
    THEN the analyst's edit is kept and nothing is written."""
    claim = Claim.objects.order_by("pk").first()
    Claim.objects.filter(pk=claim.pk).update(title="Edited by an analyst")
    before = _snapshot()
    out = io.StringIO()

    call_command("load_demo", "--if-empty", stdout=out)

    assert "not reloaded" in out.getvalue()
    assert Claim.objects.get(pk=claim.pk).title == "Edited by an analyst"
    assert _snapshot() == before


def test_if_empty_loads_into_an_empty_database(db):
    call_command("load_demo", "--if-empty", stdout=io.StringIO())
    assert Claim.objects.count() > 20


def test_each_demo_claim_has_one_created_history_row_holding_its_topics_and_places(loaded):
    """A loaded claim's history starts with one "created" row that already lists its topics
    and places (not a "created" row followed by a "changed" row per many-to-many field), with
    the demo data's reason and entry path."""
    claims = Claim.objects.prefetch_related("topics", "locations")
    assert claims.count() > 40
    for claim in claims:
        (row,) = claim.history.all()
        assert row.history_type == "+"
        assert row.history_change_reason.startswith("Loaded from the demo data set")
        assert row.entry_path.startswith("command:") or row.entry_path == "system"
        assert {t.topic_id for t in row.topics.all()} == {t.pk for t in claim.topics.all()}
        assert {p.location_id for p in row.locations.all()} == {p.pk for p in claim.locations.all()}
    assert any(claim.topics.exists() for claim in claims)
