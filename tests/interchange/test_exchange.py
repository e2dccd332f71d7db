"""Lossless export and import (``interchange``, ``export_data``, ``import_data``)."""

import copy
import io
import json
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from claims.models import Citation, Claim, ClaimRelation, Quantity, Topic, UnitInvolvement
from core import constraints
from core.choices import Marking
from core.roles import EDITOR
from devdata.demo import demo_uuid, load_demo
from interchange.csv import claim_csv_lines, unit_csv_lines
from interchange.document import SECTIONS, export_document, export_fragments
from interchange.importer import Importer, import_document
from places.models import Location
from sources.models import EvidenceFile, Publication, PublicationReference, Source
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    ClaimRelationFactory,
    PublicationFactory,
    TopicFactory,
    UnitFactory,
)
from units.models import Unit


def demo(model, key: str):
    """The demo record ``key`` of ``model``."""
    return model.objects.get(uuid=demo_uuid(model, key))


def wipe() -> None:
    """Delete every domain row (claims, evidence, sources, units, places, topics)."""
    for model in (Citation, UnitInvolvement, ClaimRelation, Quantity):
        model.objects.all().delete()
    Claim.objects.all().delete()
    PublicationReference.objects.all().delete()
    EvidenceFile.objects.update(replaces=None)
    EvidenceFile.objects.all().delete()
    Publication.objects.all().delete()
    # Hierarchies protect their parents: cut the links first.
    Source.objects.update(affiliation=None)
    Source.objects.all().delete()
    Unit.objects.update(parent=None)
    Unit.objects.all().delete()
    Location.objects.update(parent=None)
    Location.objects.all().delete()
    Topic.objects.all().delete()


def history_rows() -> int:
    """History rows of every domain model together."""
    return sum(
        model.objects.count()
        for model in apps.get_models()
        if model.__name__.startswith("Historical")
        and model._meta.app_label in {"claims", "sources", "units"}
    )


def without_time(document: dict) -> dict:
    return {key: value for key, value in document.items() if key != "exported_at"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """Stored files go to a folder of this test alone."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def full_demo(db, editor, viewer):
    """The demo data plus what it lacks: evidence files (one replacing the other), an
    archived claim, an AMBER claim shared with a group and a RED one with a person."""
    load_demo()
    ft = demo(Publication, "ft-investigation-2025-02-20")
    first = EvidenceFile.objects.create(
        publication=ft, file=SimpleUploadedFile("frame.txt", b"frame one"), description="v1"
    )
    EvidenceFile.objects.create(
        publication=ft,
        file=SimpleUploadedFile("frame2.txt", b"frame two"),
        replaces=first,
        sensitivity="graphic_violence",
    )
    archived = demo(Claim, "claim-30th-mrb-near-pokrovsk")
    archived.archive(editor, reason="test")
    amber = demo(Claim, "claim-commanders-complicit")
    amber.marking = Marking.AMBER
    amber.save()
    amber.sharing_groups.add(Group.objects.get(name=EDITOR))
    red = demo(Claim, "claim-43-executions-109-victims")
    red.marking = Marking.RED
    red.save()
    red.shared_with.add(viewer)


# --- Round trip -------------------------------------------------------------------------------


def test_export_wipe_import_gives_the_same_data_back(full_demo):
    """GIVEN the demo data with files, archived and marked records WHEN it is exported, every
    domain table wiped and the document imported THEN exporting again gives the identical
    document (but for its time stamp), and relations are where they were."""
    before = export_document()
    assert len(before["claims"]) == Claim.objects.count() > 40

    wipe()
    assert Claim.objects.count() == Publication.objects.count() == Unit.objects.count() == 0
    report = import_document(copy.deepcopy(before), name="demo.json")

    assert report.errors == []
    assert report.written
    assert report.counts["claims"].created == len(before["claims"])
    after = export_document()
    assert without_time(after) == without_time(before)
    # Spot checks: the citation graph, the ORBAT, unit involvements, files and markings.
    isw = demo(Publication, "isw-assessment-2025-02-20")
    ft = demo(Publication, "ft-investigation-2025-02-20")
    assert PublicationReference.objects.filter(citing=isw, cited=ft).exists()
    brigade = demo(Unit, "30th-mrb")
    assert Unit.objects.ancestors_of(brigade) == [demo(Unit, "2nd-caa"), demo(Unit, "central-md")]
    assert brigade in demo(Unit, "central-md").descendants()  # the closure, from the import
    shooting = demo(Claim, "claim-ft-storm-shooting")
    involvement = shooting.involvements.get(role=UnitInvolvement.Role.PERPETRATOR)
    assert involvement.unit == demo(Unit, "storm-detachment-30th-mrb")
    newer = EvidenceFile.objects.get(replaces__isnull=False)
    assert newer.replaces.description == "v1"
    assert newer.sha256 == EvidenceFile.objects.get(pk=newer.pk).sha256
    assert demo(Claim, "claim-30th-mrb-near-pokrovsk").archived_at is not None
    assert demo(Claim, "claim-43-executions-109-victims").shared_with.get().username == "viewer"
    # Stored corroboration is current after the import.
    assert shooting.best_grade and shooting.independent_lines >= 1


def test_reimport_changes_nothing_and_adds_no_history(full_demo):
    """GIVEN an exported database WHEN the same document is imported again THEN every record
    is unchanged: no row written, no history row, no updated_at or version moved."""
    document = export_document()
    history = history_rows()
    stamps = dict(Claim.objects.values_list("pk", "updated_at"))
    models = (Claim, Citation, UnitInvolvement, ClaimRelation, Quantity, Publication, Unit)
    rows = [model.objects.count() for model in models]

    report = import_document(document, name="again.json")

    assert report.errors == []
    assert report.changed == 0
    assert report.counts["claims"].unchanged == len(document["claims"])
    assert report.counts["citations"].unchanged == Citation.objects.count()
    assert history_rows() == history
    assert [model.objects.count() for model in models] == rows
    assert dict(Claim.objects.values_list("pk", "updated_at")) == stamps


def test_import_updates_a_changed_record_with_history_and_reason(db):
    """GIVEN a document where one claim's status changed WHEN imported THEN only that claim is
    updated, with a history row from the command naming the file as the reason."""
    CitationFactory()
    ClaimFactory()
    document = export_document()
    record = document["claims"][0]
    record["status"] = "refuted"

    report = import_document(document, name="edited.json", path="command:import_data")

    assert report.counts["claims"].updated == 1
    assert report.changed == 1
    claim = Claim.objects.get(uuid=record["uuid"])
    assert claim.status == "refuted"
    latest = claim.history.latest()
    assert latest.history_change_reason == "Imported from edited.json."
    assert latest.entry_path == "command:import_data"


def test_dry_run_writes_nothing_but_says_what_would_change(document):

    report = import_document(document, name="demo.json", dry_run=True)

    assert report.errors == []
    assert not report.written
    assert report.counts["claims"].created == len(document["claims"]) == 1
    assert report.counts["units"].created == 2
    assert Claim.objects.count() == Unit.objects.count() == Citation.objects.count() == 0


# --- Bad input --------------------------------------------------------------------------------


@pytest.fixture
def document(db) -> dict:
    """A small exported database: two units, a publication, a claim citing it."""
    parent = UnitFactory(name="2nd CAA", echelon="army")
    UnitFactory(name="30th MRB", parent=parent)
    CitationFactory()
    data = export_document()
    wipe()
    return data


def test_one_bad_row_writes_nothing_and_names_row_and_field(document):
    """GIVEN a document with a bad choice, an unknown reference and a unit cycle WHEN
    imported THEN nothing is written and each error names its record and field."""
    document["claims"][0]["kind"] = "rumour"
    document["claims"][0]["citations"][0]["publication"] = "00000000-0000-0000-0000-000000000001"
    first, second = document["units"]
    first["parent"], second["parent"] = second["uuid"], first["uuid"]

    report = import_document(document, name="bad.json")

    assert not report.written
    assert Claim.objects.count() == Unit.objects.count() == Publication.objects.count() == 0
    found = {(e.kind, e.index, e.field) for e in report.errors}
    assert ("claims", 0, "kind") in found
    assert ("claims", 0, "citations[0].publication") in found
    assert any(
        e.kind == "units" and e.field == "parent" and "cycle" in e.message for e in report.errors
    )
    message = next(e for e in report.errors if e.field == "kind").message
    assert "rumour" in message


def test_references_resolved_by_the_import_are_not_looked_up_again(document):
    """GIVEN a document whose claim cites its publication WHEN it is imported THEN the
    citation is written without a query per reference (the import resolved the uuids), and a
    bad value next to them is still reported with Django's message."""
    with CaptureQueriesContext(connection) as queries:
        report = import_document(copy.deepcopy(document), name="ok.json")

    assert report.written and not report.errors
    assert Citation.objects.count() == 1
    # A reference's existence check is Django's ``SELECT 1 AS "a" ... WHERE <table>.id = <pk>``
    # (uniqueness checks, by other columns, remain).
    lookups = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT 1 AS "a"') and re.search(r'\."id" = \d+ LIMIT 1$', q["sql"])
    ]
    assert lookups == []

    wipe()
    document["claims"][0]["citations"][0]["credibility"] = 9
    report = import_document(document, name="bad.json")
    assert [(e.field, e.message) for e in report.errors if "credibility" in e.field] == [
        ("citations[0].credibility", "Value 9 is not a valid choice.")
    ]


def test_a_document_without_errors_is_imported_without_a_savepoint_per_record(document):
    """GIVEN a document that imports cleanly WHEN it is imported THEN it takes at least one
    savepoint per record fewer than the careful pass does (two statements each, and a growing
    sub-transaction list in PostgreSQL); a document with errors is run record by record
    instead (the test above gets every error of three records)."""
    records = sum(len(document[name]) for name in SECTIONS) + sum(
        len(claim["citations"]) for claim in document["claims"]
    )

    def savepoints(run) -> int:
        constraints._OUTCOMES.clear()  # both passes ask for the same check outcomes
        with CaptureQueriesContext(connection) as queries:
            run()
        wipe()
        return sum(q["sql"].startswith("SAVEPOINT") for q in queries.captured_queries)

    def careful() -> None:
        with transaction.atomic():
            importer = Importer(copy.deepcopy(document), reason="Careful.", careful=True)
            assert not importer.run().errors

    def fast() -> None:
        assert import_document(copy.deepcopy(document), name="fast.json").written

    assert records >= 5
    assert savepoints(fast) <= savepoints(careful) - records


def test_a_claim_the_import_creates_has_nothing_of_its_own_read_back(document):
    """GIVEN a new claim with topics and a quantity WHEN imported THEN its topics, quantities
    and sharing are written without reading what it already had (it had nothing), and are
    all there afterwards."""
    topic = TopicFactory(name="Bridges")
    document["claims"][0]["topics"] = [topic.slug]
    document["claims"][0]["quantities"] = [{"measure": "vehicles", "low": 3}]

    with CaptureQueriesContext(connection) as queries:
        report = import_document(document, name="new.json")

    assert report.written, report.errors
    claim = Claim.objects.get()
    assert list(claim.topics.all()) == [topic]
    assert claim.quantities.get().low == 3
    # What it had: its quantities, its topics. Left: ``add`` asking which of the new ones are
    # missing ("topic_id" IN (...)), and the history row's snapshot of the links once set.
    snapshot = 'SELECT "claims_claim_topics"."id", "claims_claim_topics"."claim_id"'
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT")
        and ('FROM "claims_quantity"' in q["sql"] or '"claims_claim_topics"' in q["sql"])
        and '"topic_id" IN (' not in q["sql"]
        and not q["sql"].startswith(snapshot)
    ]
    assert reads == []


def test_unknown_fields_and_wrong_types_are_errors(document):
    document["claims"][0]["colour"] = "red"
    document["claims"][0]["title"] = ["not", "text"]
    document["units"][0]["country"] = "Russia"

    report = import_document(document, name="bad.json")

    found = {(e.kind, e.field): e.message for e in report.errors}
    assert found[("claims", "colour")] == "Unknown field."
    assert "single value" in found[("claims", "title")]
    assert ("units", "country") in found
    assert Claim.objects.count() == 0


def test_wrong_format_or_version_is_refused(db):
    report = import_document({"format": "stix", "version": 9}, name="x.json")
    assert {e.field for e in report.errors} == {"format", "version"}


# --- Markings ---------------------------------------------------------------------------------


def test_outsiders_export_holds_no_marked_record_or_citation_of_one(db, outsider):
    """GIVEN an AMBER claim, a RED publication cited by a CLEAR claim, and a relation from the
    CLEAR claim to the AMBER one WHEN an outsider exports THEN neither marked record appears,
    nor the citation of the RED publication, nor the relation."""
    amber = ClaimFactory(title="Amber claim", marking=Marking.AMBER)
    red_publication = PublicationFactory(title="Red report", marking=Marking.RED)
    clear = ClaimFactory(title="Clear claim")
    CitationFactory(claim=clear, publication=red_publication)
    ClaimRelationFactory(from_claim=clear, to_claim=amber)

    text = "".join(export_fragments(user=outsider))
    document = json.loads(text)

    assert [c["title"] for c in document["claims"]] == ["Clear claim"]
    assert document["claims"][0]["citations"] == []
    assert document["claims"][0]["relations"] == []
    assert "Red report" not in text
    assert str(amber.uuid) not in text and str(red_publication.uuid) not in text
    assert all(p["marking"] in ("clear", "green") for p in document["publications"])


def test_an_import_may_not_hide_a_record_from_its_importer(db, editor, document):
    """GIVEN an editor WHEN they import a RED claim not shared with them THEN it is refused."""
    document["claims"][0]["marking"] = "red"
    report = import_document(document, name="red.json", user=editor)
    assert (report.errors[0].kind, report.errors[0].field) == ("claims", "marking")
    assert Claim.objects.count() == 0


# --- Streaming and query counts ---------------------------------------------------------------


def _export_queries(user) -> int:
    with CaptureQueriesContext(connection) as queries:
        for _fragment in export_fragments(user=user, chunk_size=10):
            pass
    return len(queries)


def test_export_queries_grow_with_chunks_not_rows(db, editor):
    """GIVEN 10 then 30 claims with evidence WHEN exported in chunks of 10 THEN the query
    count grows by a fixed amount per chunk, never per claim."""
    for _ in range(10):
        CitationFactory()
    small = _export_queries(editor)
    for _ in range(20):
        CitationFactory()
    large = _export_queries(editor)
    # Per chunk of claims: the claims, their sharing groups and people, topics, places,
    # quantities, citations, involvements and relations (9); same per chunk of publications
    # (the publications, groups, people, persons, references, files: 6).
    assert large - small <= 2 * (9 + 6)


# --- CSV --------------------------------------------------------------------------------------


def test_claim_csv_round_trips_through_the_importer(db, tmp_path):
    """GIVEN claims exported as CSV WHEN one row is edited and the file imported THEN only
    that claim changes; formulas are defused on export and restored on import."""
    claim = ClaimFactory(title="=HYPERLINK(evil)")
    ClaimFactory(title="Another", statement="Different words.")
    path = tmp_path / "claims.csv"
    path.write_text("".join(claim_csv_lines()), encoding="utf-8")
    assert "'=HYPERLINK(evil)" in path.read_text()
    text = path.read_text().replace("Another", "Another edited")
    path.write_text(text, encoding="utf-8")

    call_command("import_data", str(path), verbosity=0)

    assert Claim.objects.get(pk=claim.pk).title == "=HYPERLINK(evil)"
    assert Claim.objects.filter(title="Another edited").count() == 1
    assert Claim.objects.count() == 2


def test_unit_csv_import_creates_units_and_their_orbat(db, tmp_path):
    parent = UnitFactory(name="2nd CAA", echelon="army")
    UnitFactory(name="30th MRB", parent=parent)
    text = "".join(unit_csv_lines())
    assert "30th MRB" in text and "2nd CAA" in text
    wipe()
    path = tmp_path / "units.csv"
    path.write_text(text, encoding="utf-8")

    call_command("import_data", str(path), verbosity=0)

    assert Unit.objects.get(name="30th MRB").parent.name == "2nd CAA"
    assert list(Unit.objects.get(name="2nd CAA").descendants()) == [
        Unit.objects.get(name="30th MRB")
    ]


# --- Commands ---------------------------------------------------------------------------------


def test_commands_export_and_import_with_a_dry_run(db, tmp_path):
    CitationFactory()
    path = tmp_path / "all.json"
    call_command("export_data", output=str(path), verbosity=0)
    wipe()
    out, err = io.StringIO(), io.StringIO()

    call_command("import_data", str(path), dry_run=True, stdout=out, stderr=err)

    assert "claims: 1 created" in out.getvalue()
    assert "Dry run: nothing was written." in out.getvalue()
    assert "records checked" in err.getvalue()  # the progress
    assert "Errors found" not in err.getvalue()  # one pass: nothing to check again
    assert Claim.objects.count() == 0
    call_command("import_data", str(path), verbosity=0)
    assert Claim.objects.count() == 1


def test_import_command_lists_errors_and_fails(document, tmp_path):
    document["claims"][0]["status"] = "maybe"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    err = io.StringIO()

    with pytest.raises(CommandError, match="1 error"):
        call_command("import_data", str(path), stderr=err, stdout=io.StringIO())

    assert "claims[0]" in err.getvalue() and "status" in err.getvalue()
    assert Claim.objects.count() == 0
    # The progress says why it starts over: the fast pass stopped at the error.
    assert "Errors found: checking every record to list them all." in err.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"{not json", "not valid JSON"), (b"\xff\xfe", "not UTF-8"), (b"[1, 2]", "JSON object")],
)
def test_import_command_refuses_unreadable_files(db, tmp_path, content, message):
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_data", str(path))


def test_export_command_writes_csv_to_stdout(db):
    ClaimFactory(title="Shown in CSV")
    out = io.StringIO()
    call_command("export_data", format="csv", stdout=out)
    assert out.getvalue().startswith("id,uuid,title")
    assert "Shown in CSV" in out.getvalue()


def test_an_import_asks_nothing_it_already_knows(document):
    """GIVEN a document of new records WHEN it is imported THEN no query checks a uuid's
    uniqueness (each record was matched on its uuid) and no created record's history row
    reads back link tables it cannot have yet; everything is still written with history."""
    history = history_rows()
    with CaptureQueriesContext(connection) as queries:
        report = import_document(document, name="new.json")
    assert report.errors == [] and report.counts["claims"].created == 1
    statements = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in statements if '"uuid" = ' in sql and sql.startswith("SELECT 1")]
    link_reads = [sql for sql in statements if sql.startswith('SELECT "claims_claim_topics"."id"')]
    assert link_reads == []
    assert history_rows() > history
    assert Claim.objects.get().history.filter(history_type="+").exists()
