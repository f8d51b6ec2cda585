"""`python -m clarion restore FILE --identity KEYFILE`: bring a backup into an empty data folder."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from clarion.accounts.backups import BackupError, do_restore


class Command(BaseCommand):
    help = _(
        "Restore a backup made by `backup` into an empty data folder (and, on PostgreSQL, an empty "
        "database), after checking every file against its manifest."
    )
    # The checks would open the database before the restore looks at it: none is needed here.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help=_("The backup file."))
        parser.add_argument(
            "--identity",
            required=True,
            metavar="KEYFILE",
            help=_("The age identity file holding the private key the backup was encrypted to."),
        )

    def handle(self, *args: Any, file: str, identity: str, **options: Any) -> None:
        try:
            result = do_restore(backup=Path(file), identity_file=Path(identity), stderr=sys.stderr)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("Restored %(members)d files and the %(database)s database; every checksum matched.")
            % {"members": result.members, "database": result.database}
        )
        if result.pending_migrations:
            self.stdout.write(
                _("This backup predates this version: run `python -m clarion migrate` before starting the server.")
            )
