"""``manage.py generate_synthetic``: fill PostgreSQL with seeded synthetic claims at scale."""

import time

from django.core.management.base import BaseCommand, CommandError

from core.history import entry_path
from devdata.synthetic import DEFAULT_CLAIMS, DEFAULT_SEED, Plan, generate


class Command(BaseCommand):
    help = (
        "Fill an empty PostgreSQL database with synthetic, reproducible data in the proportions "
        "of real use (per claim: 3 citations, 2 unit involvements, 0.3 publications, …), "
        "written with COPY in chunks. For benchmarks; never on a database with real data."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--claims",
            type=int,
            default=DEFAULT_CLAIMS,
            metavar="N",
            help=f"How many claims (default: {DEFAULT_CLAIMS:,}); the rest scales from it.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"Random seed: the same seed gives the same data (default: {DEFAULT_SEED}).",
        )
        parser.add_argument(
            "--chunk",
            type=int,
            default=20_000,
            metavar="N",
            help="Claims generated and committed per transaction (default: 20,000).",
        )

    def handle(self, *args, claims: int, seed: int, chunk: int, verbosity: int, **options):
        if claims < 1:
            raise CommandError("--claims must be at least 1.")
        if chunk < 1:
            raise CommandError("--chunk must be at least 1.")
        started = time.monotonic()
        plan = Plan.for_claims(claims)
        if verbosity > 0:
            summary = ", ".join(f"{value:,} {name}" for name, value in plan.as_dict().items())
            self.stderr.write(f"Generating {summary} (seed {seed})")
        tty = self.stderr.isatty()

        def progress(stage: str, done: int, total: int) -> None:
            if verbosity < 1:
                return
            elapsed = time.monotonic() - started
            width = 30
            filled = width * done // total if total else width
            bar = "#" * filled + "." * (width - filled)
            line = f"[{bar}] {stage}: {done:,}/{total:,} ({elapsed:,.0f} s)"
            if tty:
                # Redrawn in place on a terminal; plain lines in logs.
                end = "\n" if done == total and stage != "claims" else ""
                self.stderr.write(f"\r\033[K{line}", ending=end)
                if stage == "claims" and done == total:
                    self.stderr.write("")
            else:
                self.stderr.write(line)
            self.stderr.flush()

        try:
            with entry_path("command:generate_synthetic"):
                counts = generate(claims=claims, seed=seed, progress=progress, chunk=chunk)
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started
        if verbosity > 0:
            for name, value in counts.items():
                self.stdout.write(f"{name:>24}: {value:,}")
            self.stdout.write(
                self.style.SUCCESS(
                    f"{claims:,} claims in {elapsed:,.1f} s ({claims / elapsed:,.0f} claims/s)."
                )
            )
