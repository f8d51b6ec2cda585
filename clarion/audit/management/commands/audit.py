"""`python -m clarion audit verify`: check the audit log's hash chain."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clarion.audit.log import verify


class Command(BaseCommand):
    help = "Work with the audit log."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True)
        commands.add_parser("verify", help="Check that no audit entry was changed or removed.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify()
        if result.broken is not None:
            raise CommandError(
                f"Audit log broken at row {result.broken.seq}: {result.broken.reason}. "
                f"{result.count} rows before it verify."
            )
        self.stdout.write(f"Audit log intact: {result.count} rows; head {result.head}")
