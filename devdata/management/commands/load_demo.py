"""``manage.py load_demo``: load or refresh the demo data set; safe to run again."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.models import Claim
from devdata.demo import DEFAULT_PATH, DemoDataError, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo data set (the ISW assessment of 20 Feb 2025 and everything it cites) "
        "from a YAML file. Idempotent: a second run changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--file",
            type=Path,
            default=DEFAULT_PATH,
            metavar="PATH",
            help=f"The demo YAML file (default: {DEFAULT_PATH.name} in the claims app).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only into a database without claims, so that starting the app again "
            "never overwrites what analysts changed in demo records.",
        )

    def handle(self, *args, file: Path, verbosity: int, if_empty: bool, **options) -> None:
        if if_empty and Claim.objects.exists():
            self.stdout.write(
                "Claims exist already; demo data not reloaded (run load_demo to refresh)."
            )
            return
        try:
            counts = load_demo(file, stdout=self.stdout if verbosity > 0 else None)
        except DemoDataError as exc:
            # Nothing was written: the loader runs in one transaction.
            raise CommandError(f"Demo data not loaded: {exc}") from exc
        if verbosity > 0:
            total = sum(tally.total for tally in counts.tallies.values())
            outcome = "loaded" if counts.changed else "already up to date"
            self.stdout.write(self.style.SUCCESS(f"Demo data {outcome}: {total} records."))
