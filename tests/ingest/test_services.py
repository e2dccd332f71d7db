"""Report ingestion: segmentation, gazetteer, ORBAT notation, dates, numbers, the draft, the
command and accepting a draft in one transaction."""

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from claims.models import Citation, Claim, Quantity, UnitInvolvement
from devdata.demo import demo_uuid
from ingest.dates import find_dates
from ingest.draft import build_draft
from ingest.gazetteer import build_gazetteer
from ingest.orbat import read_units
from ingest.quantities import find_quantities
from ingest.services import IngestError, accept_draft
from ingest.text import segment
from sources.models import Publication
from tests.factories import LocationFactory, PublicationFactory, SourceFactory, UnitFactory
from units.models import Unit, UnitAlias

SEED = Path(settings.BASE_DIR).parent / "shared" / "seeds" / "000_e74a3178e4fe56ca.txt"
REPORT_DATE = dt.date(2025, 2, 20)

TANK_TEXT = (
    "Russian forces attacked near Vovchansk on March 3. Elements of the 10th Tank Regiment "
    "(3rd Motorized Rifle Division, 20th Combined Arms Army [CAA], Moscow Military District "
    "[MMD]) reportedly advanced 500 to 1,500 meters.[1] The 10th Tank Regiment has been "
    "operating in the area since Winter 2024.[2] Ukrainian officials stated in January that "
    "the 3rd Motorized Rifle Division lost about 40 tanks.[3]\n"
    "Key Takeaways:\n"
    "- Russian forces attacked near Vovchansk on March 3.\n"
    "- The 20th CAA is likely reinforcing the sector.\n"
    "[1] https://example.org/one\n"
    "[2] https://example.org/two ; https://example.org/two-b\n"
    "[3] https://example.org/three\n"
)


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def demo_unit(key: str) -> Unit:
    return Unit.objects.get(uuid=demo_uuid(Unit, key))


def units_by_name(draft: dict) -> dict[str, dict]:
    return {unit["name"]: unit for unit in draft["units"]}


# --- Segmentation ---------------------------------------------------------------------------


def test_reference_text_keeps_all_fifteen_footnotes_on_their_sentences(seed_text):
    segmented = segment(seed_text)

    assert [len(p) for p in segmented.paragraphs] == [9, 5, 7, 12]
    markers = [n for s in segmented.sentences for n in s.footnotes]
    assert markers == list(range(1, 16))
    closing = {n: s for s in segmented.sentences for n in s.footnotes}
    assert closing[12].text.endswith("moving “more cautiously.”[12]")
    assert closing[7].text.startswith("Forbes attributed beheadings")


def test_key_takeaways_are_recognised(seed_text):
    takeaways = segment(seed_text).takeaways

    assert len(takeaways) == 7
    assert takeaways[3].text.startswith("US Special Representative for Russia and Ukraine")
    assert all(t.key_takeaway and t.paragraph == 0 for t in takeaways)


def test_footnote_list_at_the_end_is_read_as_urls():
    segmented = segment(TANK_TEXT)

    assert segmented.footnotes == {
        1: ["https://example.org/one"],
        2: ["https://example.org/two", "https://example.org/two-b"],
        3: ["https://example.org/three"],
    }
    assert len(segmented.paragraphs) == 1  # the URL lines are not body text
    assert len(segmented.takeaways) == 2


def test_abbreviations_do_not_end_a_sentence():
    segmented = segment("Lt. Gen. Kyrylo Budanov spoke on Feb. 17. He said more.")

    assert [s.text for s in segmented.sentences] == [
        "Lt. Gen. Kyrylo Budanov spoke on Feb. 17.",
        "He said more.",
    ]


# --- ORBAT notation ------------------------------------------------------------------------


def test_four_level_orbat_with_abbreviations():
    specs = {}
    for spec in read_units(TANK_TEXT.split("\n")[0]):
        specs.setdefault(spec.name, spec)  # the first mention is the one with the notation

    assert specs["10th Tank Regiment"].parent == "3rd Motorized Rifle Division"
    assert specs["3rd Motorized Rifle Division"].parent == "20th Combined Arms Army"
    assert specs["20th Combined Arms Army"].parent == "Moscow Military District"
    assert specs["Moscow Military District"].parent is None
    assert specs["20th Combined Arms Army"].abbreviation == "20th CAA"
    assert specs["20th Combined Arms Army"].aliases == ["CAA"]
    assert specs["Moscow Military District"].abbreviation == "MMD"
    assert specs["10th Tank Regiment"].echelon == Unit.Echelon.REGIMENT
    assert specs["10th Tank Regiment"].branch == Unit.Branch.TANK


def test_brigade_under_fleet():
    specs = read_units("Putin praised the Russian 155th Naval Infantry Brigade (Pacific Fleet).")
    brigade = next(spec for spec in specs if spec.name == "155th Naval Infantry Brigade")

    assert brigade.parent == "Pacific Fleet"
    assert brigade.country == "RU"
    assert brigade.branch == Unit.Branch.NAVAL_INFANTRY


# --- Dates and numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "precision", "ongoing"),
    [
        ("published on February 20 an article", dt.date(2025, 2, 20), "day", False),
        ("executions in October 2024 in Kursk", dt.date(2024, 10, 1), "month", False),
        ("fighting near Pokrovsk since Fall 2024,", dt.date(2024, 9, 1), "season", True),
        ("43 executions in 2024", dt.date(2024, 1, 1), "year", False),
        # Without a year, the latest such day not after the report: December is last year's.
        ("attacked on December 30", dt.date(2024, 12, 30), "day", False),
    ],
)
def test_dates_resolve_against_the_report_date(text, start, precision, ongoing):
    (mention,) = find_dates(text, REPORT_DATE)

    assert (mention.date, mention.precision, mention.ongoing) == (start, precision, ongoing)


def test_may_the_verb_is_not_a_date():
    assert find_dates("commanders may also be complicit", REPORT_DATE) == []


def test_quantities_with_measures_and_ranges():
    found = find_quantities(
        "Ukrainian officials opened investigations into 43 executions with 109 victims, and a "
        "500 to 1,500 meter margin of error; roughly 4,000 North Korean forces; KN-23 missiles."
    )
    got = [(q.measure, q.low, q.high, q.unit_of_measure, q.approximate) for q in found]

    assert got == [
        ("executions", Decimal(43), None, "", False),
        ("victims", Decimal(109), None, "", False),
        ("margin of error", Decimal(500), Decimal(1500), "m", False),
        ("North Korean forces", Decimal(4000), None, "", True),
    ]


# --- Gazetteer -----------------------------------------------------------------------------


def test_gazetteer_is_case_and_punctuation_tolerant_and_whole_word(db):
    brigade = UnitFactory(name="30th Motorized Rifle Brigade", abbreviation="30th MRB")
    UnitFactory(name="30th Motorized Rifle Brigade Artillery Battalion", echelon="battalion")
    ft = SourceFactory(name="Financial Times")
    ft.aliases.create(name="FT")
    gazetteer = build_gazetteer()

    text = "The 30th motorized rifle brigade's men; 30th MRB, FT and a 1,500 ft drop; MRBs."
    matches = gazetteer.find(text)

    assert [(m.text, [e.ref for e in m.entries]) for m in matches] == [
        ("30th motorized rifle brigade", [brigade.pk]),
        ("30th MRB", [brigade.pk]),
        ("FT", [ft.pk]),
    ]


def test_longest_match_wins(db):
    UnitFactory(name="30th Motorized Rifle Brigade")
    longer = UnitFactory(name="30th Motorized Rifle Brigade Artillery Battalion")

    (match,) = build_gazetteer().find("the 30th Motorized Rifle Brigade Artillery Battalion")

    assert [e.ref for e in match.entries] == [longer.pk]


def test_gazetteer_leaves_out_archived_units(db, editor):
    UnitFactory(name="9th Tank Brigade").archive(editor)

    assert build_gazetteer(editor).find("the 9th Tank Brigade") == []


# --- The draft of the reference text -------------------------------------------------------


def _check_reference_units(draft: dict) -> None:
    units = units_by_name(draft)
    chain = [
        ("Storm penal detachment", "30th Motorized Rifle Brigade"),
        ("30th Motorized Rifle Brigade", "2nd Combined Arms Army"),
        ("2nd Combined Arms Army", "Central Military District"),
        ("Central Military District", None),
        ("155th Naval Infantry Brigade", "Pacific Fleet"),
        ("Pacific Fleet", None),
    ]
    for name, parent in chain:
        assert units[name]["parent"] == parent, name
    assert units["Korean People's Army"]["country"] == "KP"
    assert len(draft["units"]) == len(units)  # each unit once


def test_reference_text_on_empty_database_proposes_every_unit_with_its_hierarchy(db, seed_text):
    draft = build_draft(seed_text, REPORT_DATE)

    _check_reference_units(draft)
    units = units_by_name(draft)
    assert all(unit["existing"] is None for unit in units.values())
    assert "Russian Naval Infantry" in units
    assert units["Russian Airborne Forces (VDV)"]["abbreviation"] == "VDV"
    assert units["30th Motorized Rifle Brigade"]["abbreviation"] == "30th MRB"
    assert units["Storm penal detachment"]["echelon"] == "detachment"
    assert units["Central Military District"]["echelon"] == "military_district"


def test_reference_text_with_demo_data_matches_known_units(demo, seed_text):
    draft = build_draft(seed_text, REPORT_DATE)

    _check_reference_units(draft)
    units = units_by_name(draft)
    for key in (
        "30th-mrb",
        "2nd-caa",
        "central-md",
        "storm-detachment-30th-mrb",
        "155th-nib",
        "pacific-fleet",
        "kpa",
        "ru-naval-infantry",
        "vdv",
    ):
        unit = demo_unit(key)
        assert units[unit.name]["existing"] == unit.pk, key
    assert all(unit["existing"] for unit in draft["units"])  # nothing duplicated


def test_reference_draft_claims_carry_footnotes_units_places_dates_numbers(demo, seed_text):
    draft = build_draft(seed_text, REPORT_DATE)
    claims = draft["claims"]
    by_footnote = {n: claim for claim in claims for n in claim["footnotes"]}

    assert sorted(draft["footnotes"], key=int) == [str(n) for n in range(1, 16)]
    assert sorted(by_footnote) == list(range(1, 16))
    assert len([c for c in claims if c["key_takeaway"]]) == 7
    assert len(claims) == 33 + 7

    pokrovsk = by_footnote[3]
    assert pokrovsk["occurred"] == {
        "text": "since Fall 2024",
        "start": "2024-09-01",
        "end": None,
        "precision": "season",
        "ongoing": True,
    }
    assert [u["name"] for u in pokrovsk["units"]] == ["30th Motorized Rifle Brigade"]
    assert pokrovsk["units"][0]["role"] == "located"
    assert [p["name"] for p in pokrovsk["locations"]] == ["Pokrovsk"]

    statistic = next(c for c in claims if "43 executions" in c["statement"])
    assert statistic["kind"] == "statistic"
    assert [(q["measure"], q["low"]) for q in statistic["quantities"]][:2] == [
        ("executions", "43"),
        ("victims", "109"),
    ]
    nis = by_footnote[13]
    assert [(u["name"], u["ambiguous"]) for u in nis["units"]] == [
        ("Korean People's Army", False),
        ("Russian Naval Infantry (unspecified units)", False),
        ("Russian Airborne Forces (VDV)", False),
    ]
    forbes = by_footnote[7]
    assert forbes["kind"] == "attribution"
    assert [s["name"] for s in forbes["sources"]] == ["Forbes"]
    assert forbes["units"][0]["role"] == "attributed"
    # The first takeaway repeats the first sentence: proposed, but not kept twice.
    first_takeaway = next(c for c in claims if c["key_takeaway"])
    assert first_takeaway["duplicate_of"] == claims[0]["key"]
    assert first_takeaway["keep"] is False


def test_draft_reads_the_database_in_a_fixed_number_of_queries(
    demo, seed_text, django_assert_max_num_queries
):
    # Gazetteer: units, unit aliases, sources, source aliases, places, place aliases;
    # then the known units of the draft with their parents.
    with django_assert_max_num_queries(7):
        build_draft(seed_text, REPORT_DATE)


# --- Texts in the same style ---------------------------------------------------------------


def test_tank_regiment_text_on_empty_database(db):
    draft = build_draft(TANK_TEXT, dt.date(2025, 3, 5))
    units = units_by_name(draft)

    assert [(name, units[name]["parent"]) for name in units] == [
        ("10th Tank Regiment", "3rd Motorized Rifle Division"),
        ("3rd Motorized Rifle Division", "20th Combined Arms Army"),
        ("20th Combined Arms Army", "Moscow Military District"),
        ("Moscow Military District", None),
    ]
    claims = draft["claims"]
    # "The 20th CAA" in a takeaway is the army proposed above, not a unit of its own.
    assert [u["name"] for u in claims[-1]["units"]] == ["20th Combined Arms Army"]
    assert claims[1]["quantities"][0] == {
        "text": "500 to 1,500 meters",
        "measure": "m",
        "low": "500",
        "high": "1500",
        "unit_of_measure": "m",
        "approximate": False,
    }
    assert claims[2]["occurred"]["precision"] == "season"
    assert claims[2]["occurred"]["start"] == "2024-12-01"
    assert claims[3]["occurred"]["start"] == "2025-01-01"
    assert draft["footnotes"]["2"] == ["https://example.org/two", "https://example.org/two-b"]


def test_known_parent_is_matched_and_only_the_new_unit_proposed(db):
    district = UnitFactory(
        name="Moscow Military District", abbreviation="MMD", echelon="military_district"
    )
    army = UnitFactory(
        name="20th Combined Arms Army", abbreviation="20th CAA", echelon="army", parent=district
    )
    draft = build_draft(TANK_TEXT, dt.date(2025, 3, 5))
    units = units_by_name(draft)

    assert units["20th Combined Arms Army"]["existing"] == army.pk
    assert units["Moscow Military District"]["existing"] == district.pk
    assert units["3rd Motorized Rifle Division"]["existing"] is None
    assert units["3rd Motorized Rifle Division"]["parent"] == "20th Combined Arms Army"
    assert units["3rd Motorized Rifle Division"]["parent_key"] == units[army.name]["key"]


def test_short_and_possessive_mentions_find_the_same_unit(db):
    brigade = UnitFactory(name="30th Motorized Rifle Brigade", abbreviation="30th MRB")
    text = (
        "The 30th MRB attacked near Pokrovsk on February 12. The 30th Motorized Rifle "
        "Brigade’s Storm detachment suffered 20 casualties.[1] The 30th motorized-rifle "
        "brigade withdrew."
    )
    draft = build_draft(text, REPORT_DATE)

    for claim in draft["claims"]:
        assert [u["key"] for u in claim["units"]][:1] == [draft["units"][0]["key"]]
    assert draft["units"][0]["existing"] == brigade.pk
    assert len(draft["units"]) == 1


# --- Accepting -----------------------------------------------------------------------------


def test_accept_creates_claims_units_citations_and_quantities_in_one_go(db, editor):
    place = LocationFactory(name="Vovchansk")
    report = PublicationFactory(kind=Publication.Kind.REPORT)
    draft = build_draft(TANK_TEXT, dt.date(2025, 3, 5), user=editor)

    result = accept_draft(draft, publication=report, user=editor)

    regiment = Unit.objects.get(name="10th Tank Regiment")
    assert [u.name for u in regiment.ancestors()] == [
        "3rd Motorized Rifle Division",
        "20th Combined Arms Army",
        "Moscow Military District",
    ]
    # New units get their closure rows too: the district's subtree reaches the regiment.
    assert regiment in Unit.objects.get(name="Moscow Military District").descendants()
    assert UnitAlias.objects.filter(unit__name="20th Combined Arms Army", name="CAA").exists()
    kept = [c for c in draft["claims"] if c["keep"]]
    assert len(result.claims) == len(kept) == 5  # the repeated takeaway is not kept
    claim = Claim.objects.get(pk=result.claims[1])
    citation = claim.citations.get()
    assert citation.publication == report
    assert citation.locator_footnote == "1"
    assert citation.locator_paragraph == 1
    assert "[1] https://example.org/one" in citation.note
    assert claim.quantities.get().unit_of_measure == "m"
    assert set(claim.involvements.values_list("unit__name", flat=True)) == {
        "10th Tank Regiment",
        "3rd Motorized Rifle Division",
        "20th Combined Arms Army",
        "Moscow Military District",
    }
    first = Claim.objects.get(pk=result.claims[0])
    assert list(first.locations.all()) == [place]
    assert first.occurred_start == dt.date(2025, 3, 3)
    assert claim.created_by == editor
    assert claim.history.first().history_change_reason.startswith("Ingested from")


def test_accept_is_all_or_nothing(db, editor):
    """GIVEN a reviewed draft whose last claim has an empty statement
    WHEN it is accepted
    THEN nothing at all is written: no unit, claim, citation or quantity."""
    report = PublicationFactory()
    draft = build_draft(TANK_TEXT, dt.date(2025, 3, 5))
    draft["claims"][3]["statement"] = ""
    counts = [model.objects.count() for model in (Unit, Claim, Citation, Quantity)]

    with pytest.raises(IngestError) as raised:
        accept_draft(draft, publication=report, user=editor)

    assert "claims[3].statement" in raised.value.errors
    assert [model.objects.count() for model in (Unit, Claim, Citation, Quantity)] == counts


def test_a_refused_draft_leaves_no_new_report_behind(db, editor):
    """GIVEN a new, unsaved report publication and a draft with a bad row
    WHEN it is accepted THEN the report is not written either (the command and the pages
    pass a new report this way)."""
    report = Publication(source=SourceFactory(), kind=Publication.Kind.REPORT, title="Update")
    draft = build_draft(TANK_TEXT, dt.date(2025, 3, 5))
    draft["claims"][3]["statement"] = ""

    with pytest.raises(IngestError):
        accept_draft(draft, publication=report, user=editor)

    assert not Publication.objects.filter(title="Update").exists()


def test_a_new_report_is_written_with_its_claims(db, editor):
    report = Publication(source=SourceFactory(), kind=Publication.Kind.REPORT, title="Update")

    result = accept_draft(
        build_draft(TANK_TEXT, dt.date(2025, 3, 5)), publication=report, user=editor
    )

    saved = Publication.objects.get(title="Update")
    assert saved.created_by == editor
    assert set(Citation.objects.filter(publication=saved).values_list("claim", flat=True)) == set(
        result.claims
    )


def test_accept_refuses_ids_the_user_may_not_see(db, editor):
    report = PublicationFactory()
    archived = UnitFactory(name="7th Tank Brigade")
    archived.archive(editor)
    draft = build_draft("The 7th Tank Brigade attacked.", REPORT_DATE)
    draft["units"][0]["existing"] = archived.pk  # a client sending an id it should not know

    with pytest.raises(IngestError) as raised:
        accept_draft(draft, publication=report, user=editor)

    assert "units[0].existing" in raised.value.errors
    assert not Claim.objects.exists()


def test_analyst_may_not_create_units(db, analyst):
    report = PublicationFactory()
    draft = build_draft(TANK_TEXT, dt.date(2025, 3, 5))

    with pytest.raises(IngestError) as raised:
        accept_draft(draft, publication=report, user=analyst)

    assert "units" in raised.value.errors
    # Without the new units, an analyst may accept the claims.
    for unit in draft["units"]:
        unit["keep"] = False
    for claim in draft["claims"]:
        claim["units"] = []
    assert len(accept_draft(draft, publication=report, user=analyst).claims) == 5


def test_claims_inherit_the_report_marking(db, editor):
    report = PublicationFactory(marking="amber")
    draft = build_draft("Russian forces attacked near Vovchansk on March 3.", REPORT_DATE)

    result = accept_draft(draft, publication=report, user=editor)

    assert Claim.objects.get(pk=result.claims[0]).marking == "amber"


def test_attributed_unit_names_who_attributes_it(demo, seed_text, editor):
    report = PublicationFactory()
    draft = build_draft(seed_text, REPORT_DATE, user=editor)
    for claim in draft["claims"]:
        claim["keep"] = claim["footnotes"] == [7]

    result = accept_draft(draft, publication=report, user=editor)

    involvement = UnitInvolvement.objects.get(claim_id=result.claims[0])
    assert involvement.unit == demo_unit("155th-nib")
    assert involvement.role == "attributed"
    assert involvement.attributed_by.name == "Forbes"
    assert (
        not Unit.objects.filter(name="155th Naval Infantry Brigade")
        .exclude(pk=involvement.unit_id)
        .exists()
    )


# --- The command ---------------------------------------------------------------------------


def test_command_dry_run_prints_the_draft_as_json(db, seed_text):
    out = io.StringIO()
    call_command(
        "ingest_report",
        str(SEED),
        "--date",
        "2025-02-20",
        "--dry-run",
        "--format",
        "json",
        stdout=out,
    )
    draft = json.loads(out.getvalue())

    assert {"claims", "units", "sources", "locations", "footnotes"} <= set(draft)
    unit = units_by_name(draft)["30th Motorized Rifle Brigade"]
    assert {"name", "abbreviation", "echelon", "parent", "existing"} <= set(unit)
    assert unit["parent"] == "2nd Combined Arms Army"
    assert len(draft["footnotes"]) == 15
    assert not Claim.objects.exists()


def test_command_reads_stdin_and_accepts_with_a_new_publication(db, monkeypatch):
    isw = SourceFactory(name="Institute for the Study of War")
    isw.aliases.create(name="ISW")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(TANK_TEXT.encode())))
    out = io.StringIO()

    call_command(
        "ingest_report",
        "-",
        "--date",
        "2025-03-05",
        "--source",
        "ISW",
        "--title",
        "Assessment, 5 March 2025",
        "--format",
        "json",
        stdout=out,
    )

    result = json.loads(out.getvalue())
    publication = Publication.objects.get(pk=result["publication"])
    assert publication.source == isw and publication.published_on == dt.date(2025, 3, 5)
    assert Claim.objects.count() == len(result["claims"]) == 5
    assert Claim.history.filter(entry_path="command:ingest_report").count() == 5


def test_command_without_publication_refuses_and_saves_nothing(db):
    with pytest.raises(CommandError, match="--publication"):
        call_command("ingest_report", str(SEED), "--date", "2025-02-20")
    assert not Claim.objects.exists()


def test_short_forms_propose_the_full_name_on_an_empty_database(db):
    """GIVEN no units known WHEN a report names "the 20th CAA" and "the 30th MRB" only by their
    short forms THEN they are proposed under their full names, abbreviations kept."""
    draft = build_draft("Elements of the 20th CAA and the 30th MRB attacked.", REPORT_DATE)

    assert [(u["name"], u["abbreviation"], u["echelon"]) for u in draft["units"]] == [
        ("20th Combined Arms Army", "20th CAA", "army"),
        ("30th Motorized Rifle Brigade", "30th MRB", "brigade"),
    ]
    assert len(draft["claims"][0]["units"]) == 2
