"""``manage.py refresh_corroboration``: recompute every claim's stored corroboration."""

from django.core.management.base import BaseCommand, CommandError

from claims.models import Claim
from claims.services import refresh_corroboration
from core.history import entry_path


class Command(BaseCommand):
    help = (
        "Recompute the derived fields of claims (best grade, independent lines, disputes, "
        "suggested status) from their evidence. Run it after imports that write with "
        "bulk_create or update(), which bypass the signals keeping the fields current."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            metavar="N",
            help="Claims computed and written per batch, each in its own transaction "
            "(default: 500).",
        )

    def handle(self, *args, batch_size: int, verbosity: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        ids = list(Claim.objects.order_by("pk").values_list("pk", flat=True))
        changed = 0
        with entry_path("command:refresh_corroboration"):
            for start in range(0, len(ids), batch_size):
                batch = ids[start : start + batch_size]
                changed += refresh_corroboration(batch, batch_size=batch_size)
                if verbosity > 0:
                    done = start + len(batch)
                    self.stdout.write(f"{done}/{len(ids)} claims checked, {changed} updated")
        if verbosity > 0:
            self.stdout.write(
                self.style.SUCCESS(f"Corroboration refreshed: {changed} of {len(ids)} changed.")
            )
