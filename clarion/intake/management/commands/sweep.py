from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from clarion.intake.sweep import sweep_orphan_blobs


class Command(BaseCommand):
    help = "Remove encrypted blobs that no committed tip references."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--grace",
            type=float,
            default=None,
            help="Only remove what is older than this many seconds (default: CLARION_SWEEP_GRACE_SECONDS).",
        )

    def handle(self, *args: object, grace: float | None, **options: object) -> None:
        removed = sweep_orphan_blobs(
            older_than_seconds=settings.CLARION_SWEEP_GRACE_SECONDS if grace is None else grace
        )
        self.stdout.write(f"Removed {len(removed)} orphaned blob(s).")
