"""`python -m clarion doctor [--json]`: check a production set-up; exit 1 on any failure."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from clarion.web.doctor import as_json, run_checks


def marks() -> dict[str, str]:
    """Return each status as the report shows it, in the operator's language, padded to one width."""
    words = {"ok": _("ok"), "warning": _("WARNING"), "failure": _("FAILURE")}
    width = max(len(word) for word in words.values())
    return {status: word.ljust(width) for status, word in words.items()}


class Command(BaseCommand):
    help = _("Check a production set-up; say what is wrong and how to fix it. Exits 1 on any failure.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--json", action="store_true", help=_("Print the results as JSON: name, status, message, fix.")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        findings = run_checks()
        shown = marks()
        if options["json"]:
            self.stdout.write(as_json(findings))
        else:
            for finding in findings:
                self.stdout.write(f"{shown[finding.status]}  {finding.name}: {finding.message}")
                if finding.fix and finding.status != "ok":
                    self.stdout.write(" " * (len(shown["ok"]) + 2) + _("Fix: %(fix)s") % {"fix": finding.fix})
        failures = sum(1 for finding in findings if finding.status == "failure")
        if failures:
            if not options["json"]:
                self.stderr.write(_("%(count)d check(s) failed.") % {"count": failures})
            raise SystemExit(1)
