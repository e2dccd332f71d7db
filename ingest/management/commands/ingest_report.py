"""``manage.py ingest_report PATH --date YYYY-MM-DD``: read a report into a draft of claims,
units and footnotes; print it (``--dry-run``) or accept it as is, in one transaction."""

import datetime as dt
import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.history import entry_path
from ingest.draft import build_draft
from ingest.services import IngestError, accept_draft
from sources.models import Publication, Source

MAX_BYTES = 5 * 1024 * 1024  # the same cap as a request body: a report is a few pages


class Command(BaseCommand):
    help = (
        "Turn a report text (a file, or - for stdin) into a draft of claims, units, sources, "
        "places and footnotes. --dry-run prints it; otherwise the whole draft is accepted in "
        "one transaction, citing --publication ID or a new report publication of --source."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The report as UTF-8 text; - reads stdin.")
        parser.add_argument(
            "--date",
            required=True,
            type=dt.date.fromisoformat,
            help="The report's date (YYYY-MM-DD): dates without a year resolve against it.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Print the draft; save nothing.")
        parser.add_argument("--format", choices=["json", "text"], default="text")
        parser.add_argument("--publication", type=int, help="Id of the report's publication.")
        parser.add_argument("--source", help="Name, alias or id of the source of a new report.")
        parser.add_argument("--title", help="Title of the new report publication.")
        parser.add_argument("--url", default="", help="URL of the new report publication.")

    def handle(self, *args: Any, **options: Any) -> None:
        text = self.read(options["path"])
        draft = build_draft(text, options["date"])
        if options["dry_run"]:
            self.print_draft(draft, options["format"])
            return
        with entry_path("command:ingest_report"):
            publication = self.publication(options)
            try:
                result = accept_draft(draft, publication=publication)
            except IngestError as error:
                raise CommandError(f"Nothing was saved: {error}") from error
        if options["format"] == "json":
            self.stdout.write(json.dumps({"publication": publication.pk, **result.as_dict()}))
        else:
            self.stdout.write(
                f"Accepted: {len(result.claims)} claims, {len(result.units)} new units, "
                f"{len(result.citations)} citations of publication #{publication.pk}."
            )

    @staticmethod
    def read(path: str) -> str:
        try:
            if path == "-":
                data = sys.stdin.buffer.read(MAX_BYTES + 1)
            else:
                with open(path, "rb") as handle:
                    data = handle.read(MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from error
        if len(data) > MAX_BYTES:
            raise CommandError(f"{path} is larger than {MAX_BYTES // 1024 // 1024} MB.")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise CommandError(f"{path} is not UTF-8 text.") from error

    @staticmethod
    def publication(options: dict[str, Any]) -> Publication:
        """The report's publication: the one named, or a new one of the source named."""
        if options["publication"]:
            try:
                return Publication.objects.get(pk=options["publication"], archived_at=None)
            except Publication.DoesNotExist as error:
                raise CommandError(f"No publication #{options['publication']}.") from error
        if not options["source"] or not options["title"]:
            raise CommandError(
                "Say which publication the claims cite: --publication ID, or --source and "
                "--title to create it (or --dry-run to only print the draft)."
            )
        name = options["source"]
        sources = Source.objects.filter(archived_at=None)
        found = list(
            sources.filter(pk=int(name)) if name.isdigit() else sources.filter(name__iexact=name)
        ) or list(sources.filter(aliases__name__iexact=name).distinct())
        if len(found) != 1:
            raise CommandError(f"No single source named {name!r}.")
        publication = Publication(
            source=found[0],
            kind=Publication.Kind.REPORT,
            title=options["title"],
            published_on=options["date"],
            url=options["url"],
        )
        # Saved by accept_draft with the claims that cite it, so a refused draft leaves none.
        publication._change_reason = "Created by ingest_report"
        return publication

    def print_draft(self, draft: dict[str, Any], form: str) -> None:
        if form == "json":
            self.stdout.write(json.dumps(draft, indent=2, ensure_ascii=False))
            return
        units = {unit["key"]: unit for unit in draft["units"]}
        self.stdout.write(f"{len(draft['claims'])} claims, {len(units)} units")
        for unit in units.values():
            state = f"#{unit['existing']}" if unit["existing"] else "NEW"
            parent = f" → {unit['parent']}" if unit["parent"] else ""
            self.stdout.write(f"  [{state}] {unit['name']} ({unit['echelon']}){parent}")
        for claim in draft["claims"]:
            marks = "".join(f"[{n}]" for n in claim["footnotes"])
            keep = "" if claim["keep"] else " (duplicate, dropped)"
            self.stdout.write(f"- {claim['key']} {claim['kind']}{keep}: {claim['title']} {marks}")
