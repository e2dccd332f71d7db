"""``manage.py import_data PATH [--dry-run]``: validate a JSON document or CSV, then import it."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interchange.files import ImportFileError, read_import_file
from interchange.importer import import_document


class Progress:
    """Records done so far on stderr: redrawn in place on a terminal, a line every 10% else."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.drawn_at = 0.0
        self.step = 0
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        if done < self.done:
            # The import starts again, record by record, to list every error (importer).
            self.stream.write(
                ("\n" if self.tty else "") + "Errors found: checking every record to list them all."
            )
            self.step = 0
        self.done = done
        if self.tty:
            now = time.monotonic()
            if now - self.drawn_at < 0.1 and done != total:
                return
            self.drawn_at = now
            filled = 30 * done // total if total else 30
            self.stream.write(
                f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} records",
                ending="",
            )
            if done == total:
                self.stream.write("")
            self.stream.flush()
        elif total and (done * 10 // total > self.step or done == total):
            self.step = done * 10 // total
            self.stream.write(f"{done}/{total} records checked")


class Command(BaseCommand):
    help = (
        "Import a Claimtrace JSON document (export_data), or a CSV of claims or units. Every "
        "record is validated first; then everything is written in one transaction, or nothing "
        "if any record has an error. Records are matched on their uuid: importing the same "
        "file again changes nothing. --dry-run shows what would change and every error."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, metavar="PATH")
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and report; write nothing."
        )

    def handle(self, *args, path: Path, dry_run: bool, verbosity: int, **options) -> None:
        try:
            data = read_import_file(path)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        report = import_document(
            data,
            name=path.name,
            dry_run=dry_run,
            path="command:import_data",
            progress=Progress(self.stderr) if verbosity > 0 else None,
        )
        if verbosity > 0 or report.errors:
            heading = "Would import (dry run):" if dry_run else "Imported:"
            if report.errors:
                heading = "Nothing imported; this is what a valid file would have done:"
            self.stdout.write(heading)
            for line in report.lines():
                self.stdout.write(f"  {line}")
        if report.errors:
            for error in report.errors:
                self.stderr.write(f"  {error}")
            raise CommandError(
                f"{len(report.errors)} error(s) in {path.name}; nothing was written."
            )
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        elif verbosity > 0:
            self.stdout.write(self.style.SUCCESS(f"{report.changed} record(s) written."))
