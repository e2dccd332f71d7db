"""``manage.py export_data``: everything (or the claims or units as CSV), to stdout or a file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interchange import csv as exchange_csv
from interchange.document import export_fragments


class Command(BaseCommand):
    help = (
        "Export every topic, place, source, publication (with its citation graph and evidence "
        "file metadata), unit and claim (with citations, units, numbers and relations) as a "
        "Claimtrace JSON document, or the claims or units as CSV. The operator's export: "
        "archived and marked records included. Evidence file bytes are not embedded."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", type=Path, metavar="PATH", help="Default: stdout.")
        parser.add_argument("--format", choices=("json", "csv"), default="json")
        parser.add_argument(
            "--model",
            choices=("claims", "units"),
            default="claims",
            help="With --format csv: which rows (default: claims).",
        )

    def handle(self, *args, output: Path | None, format: str, model: str, **options) -> None:
        if format == "json":
            fragments = export_fragments()
        elif model == "units":
            fragments = exchange_csv.unit_csv_lines()
        else:
            fragments = exchange_csv.claim_csv_lines()
        if output is None:
            for fragment in fragments:
                self.stdout.write(fragment, ending="")
            return
        try:
            # newline="": the CSV writer ends rows with \r\n itself, as RFC 4180 asks.
            with Path(output).open("w", encoding="utf-8", newline="") as stream:
                for fragment in fragments:
                    stream.write(fragment)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror or exc}") from exc
        if options["verbosity"] > 0:
            self.stderr.write(f"Exported to {output}.")
