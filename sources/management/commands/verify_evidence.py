"""``manage.py verify_evidence``: re-hash every stored evidence file and report what is wrong."""

import time

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from sources.models import EvidenceFile
from sources.services import IntegrityProblem, verify_stored


class Progress:
    """A progress bar redrawn in place on a terminal; a plain line every ``every`` files
    otherwise (logs of cron jobs and CI must stay readable)."""

    width = 30

    def __init__(self, total: int, stream: OutputWrapper, every: int = 100) -> None:
        self.total, self.stream, self.every = total, stream, every
        self.tty = stream.isatty()
        self.drawn_at = 0.0

    def update(self, done: int, problems: int) -> None:
        label = f"{problems} problem{'' if problems == 1 else 's'}"
        if self.tty:
            # Redraw at most ten times a second: small files are hashed faster than that.
            now = time.monotonic()
            if now - self.drawn_at < 0.1 and done != self.total:
                return
            self.drawn_at = now
            filled = self.width * done // self.total if self.total else self.width
            bar = "#" * filled + "." * (self.width - filled)
            self._write(f"\r[{bar}] {done}/{self.total} ({label})")
        elif done % self.every == 0 or done == self.total:
            self._write(f"{done}/{self.total} files checked, {label}\n")

    def clear(self) -> None:
        """Erase the bar so that a report line is not printed over it."""
        if self.tty:
            self._write("\r\033[K")

    def close(self) -> None:
        if self.tty:
            self._write("\n")

    def _write(self, text: str) -> None:
        self.stream.write(text, style_func=str, ending="")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Re-hash every stored evidence file (archived ones too) through the storage API and "
        "report each file whose bytes are missing or no longer match the SHA-256 recorded on "
        "upload. Exits with status 1 if anything is wrong."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--publication", type=int, metavar="ID", help="Only the files of this publication."
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=200,
            metavar="N",
            help="Rows fetched from the database at a time (default: 200).",
        )

    def handle(
        self, *args, publication: int | None, chunk_size: int, verbosity: int, **options
    ) -> None:
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        # Every row, archived or not: an archived file is still evidence someone cited.
        files = EvidenceFile.objects.select_related("publication").order_by("pk")
        if publication is not None:
            files = files.filter(publication_id=publication)
        total = files.count()
        progress = Progress(total, self.stderr) if verbosity > 0 else None

        problems: list[IntegrityProblem] = []
        checked = 0
        # iterator(): a batch of rows at a time, so memory stays flat on a large archive.
        for evidence in files.iterator(chunk_size=chunk_size):
            problem = verify_stored(evidence)
            checked += 1
            if problem is not None:
                problems.append(problem)
                if progress is not None:
                    progress.clear()
                self.stdout.write(problem.describe(), style_func=self.style.ERROR)
            if progress is not None:
                progress.update(checked, len(problems))
        if progress is not None:
            progress.close()

        missing = sum(problem.kind == "missing" for problem in problems)
        mismatched = len(problems) - missing
        summary = f"{checked} files checked: {mismatched} changed, {missing} missing."
        if problems:
            raise CommandError(summary + " See the lines above; restore the files from backup.")
        if verbosity > 0:
            self.stdout.write(self.style.SUCCESS(summary + " Every file matches its hash."))
