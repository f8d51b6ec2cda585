"""`python -m clarion backup [--recipient age1…] [--output FILE]`: the whole site in one encrypted file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from clarion.accounts.backups import BackupError, do_back_up


class Command(BaseCommand):
    help = _(
        "Back up the database, keys, encrypted files and media into one file encrypted with age to the "
        "organisation's offline key (or --recipient), with a checksum manifest inside."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--recipient",
            dest="recipients",
            action="append",
            default=[],
            metavar="AGE_RECIPIENT",
            help=_("An age public key (age1…) to encrypt to instead of the offline key; repeat for several."),
        )
        parser.add_argument(
            "--output",
            metavar="FILE",
            help=_("Where to write the backup (default: clarion-backup-<UTC time>.tar.age in this folder)."),
        )

    def handle(self, *args: Any, recipients: list[str], output: str | None, **options: Any) -> None:
        target = Path(output) if output else Path(f"clarion-backup-{timezone.now():%Y%m%dT%H%M%SZ}.tar.age")
        try:
            result = do_back_up(output=target, recipients=recipients, stderr=sys.stderr)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("Backup written: %(file)s (%(members)d files, %(size)d bytes)")
            % {"file": result.file, "members": result.members, "size": result.size}
        )
        self.stdout.write(_("SHA-256: %(sha256)s") % {"sha256": result.sha256})
        self.stdout.write(
            _("Keep it away from this server; it opens only with the private key: age -d -i KEYFILE FILE | tar x")
        )
