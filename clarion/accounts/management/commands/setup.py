"""`python -m clarion setup`: start a real site — migrate, name the organisation, invite the first admin.

No demo content: `make run` stays the demo. The public address is not kept in the database:
Clarion reads it from CLARION_SITE_URL, so setup writes an environment file for the service
(`<data dir>/clarion.env`, mode 0600: systemd's `EnvironmentFile=`, see docs/deploy.md).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clarion.accounts.actions import AccountError, do_create_invitation, do_set_up_organisation
from clarion.accounts.models import Invitation, Organisation
from clarion.accounts.roles import ADMIN, EDITOR, REVIEWER
from clarion.config import VARIABLES, is_this_machine

# What the service needs beyond what setup decides: carried over from the environment setup ran
# in (the same database, mail server and cache), so that the service and setup agree.
CARRIED_OVER = ("DATABASE_URL", "CACHE_URL", "EMAIL_URL", "CLARION_EMAIL_FROM", "CLARION_ONION_ADDRESS", "CLARION_BIND")

T = TypeVar("T")

SECRET_URLS = {"DATABASE_URL", "CACHE_URL", "EMAIL_URL"}


def check_name(value: str) -> str:
    """Return the organisation's name, stripped; raise CommandError when empty or too long."""
    name = " ".join(value.split())
    if not name:
        raise CommandError(_("--name: the organisation's name is empty. Give the name readers will see."))
    if len(name) > Organisation._meta.get_field("name").max_length:  # type: ignore[operator]
        raise CommandError(_("--name: the organisation's name is longer than 200 characters."))
    return name


def check_site_url(value: str) -> str:
    """Return the public address without a trailing slash; raise CommandError unless https:// (or http:// here)."""
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    # Sources' tips and staff passwords cross this address: plain HTTP only on this machine, for a trial.
    local_http = parts.scheme == "http" and is_this_machine(parts.hostname or "") and bool(parts.hostname)
    if not ((parts.scheme == "https" and parts.hostname) or local_http):
        raise CommandError(
            _(
                "--site-url: “%(url)s” is not a public address Clarion can use. Give the address readers type, "
                "starting with https:// (for example https://tips.example.org); http:// is accepted only for "
                "localhost, to try Clarion on this machine."
            )
            % {"url": value}
        )
    if parts.path or parts.query or parts.fragment or parts.username:
        raise CommandError(
            _(
                "--site-url: give the address alone, without a path, query or user (for example https://tips.example.org)."
            )
        )
    return url


def check_languages(value: str) -> list[str]:
    """Return the language codes, the default first; raise CommandError naming an unknown one."""
    known = {code for code, _name in settings.LANGUAGES}
    codes = [code.strip().lower() for code in value.split(",") if code.strip()]
    if not codes:
        raise CommandError(_("--languages: give at least one language code, for example en or en,fr."))
    for code in codes:
        if code not in known:
            raise CommandError(
                _("--languages: “%(code)s” is not a language code Clarion knows. Use codes such as en, fr, de, pt-br.")
                % {"code": code}
            )
    return list(dict.fromkeys(codes))


def env_line(name: str, value: str) -> str:
    """Return one line of the environment file, quoted for both systemd and a POSIX shell."""
    if "'" in value or "\n" in value or "\\" in value:
        raise CommandError(
            _("%(name)s contains a quote, a backslash or a line break, which the environment file cannot hold.")
            % {"name": name}
        )
    return f"{name}='{value}'"


def environment(site_url: str) -> list[str]:
    """Return the environment file's lines: what the service must see for this public address."""
    parts = urlsplit(site_url)
    https = parts.scheme == "https"
    values: dict[str, str] = {
        "CLARION_DATA_DIR": str(settings.DATA_DIR),
        "CLARION_SITE_URL": site_url,
        "CLARION_ALLOWED_HOSTS": parts.hostname or "",
        "CLARION_HTTPS": "true" if https else "false",
        "CLARION_DEBUG": "false",
    }
    if https:
        # Clarion speaks no TLS itself: an https:// address means deploy/nginx in front, which
        # passes each client's address for the per-address limits (CLARION_BEHIND_PROXY).
        values["CLARION_BEHIND_PROXY"] = "true"
    for name in CARRIED_OVER:
        value = os.environ.get(name, "").strip()
        if value and name in VARIABLES:
            values[name] = value
    onion = values.get("CLARION_ONION_ADDRESS")
    if onion:
        # tor hands requests to nginx with the onion address as Host: Django must accept it too.
        values["CLARION_ALLOWED_HOSTS"] += f",{onion}"
    return [env_line(name, value) for name, value in values.items()]


class Command(BaseCommand):
    help = _(
        "Set up a real site: migrate the database, name the organisation, choose its languages, write the "
        "environment file and print an invitation code for the first admin. Loads no demo content."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", help=_("The organisation's name, as readers see it."))
        parser.add_argument("--site-url", help=_("The public address, https://… (http://localhost for a trial)."))
        parser.add_argument("--languages", help=_("Language codes the site is offered in, comma-separated (en,fr)."))
        parser.add_argument("--admin-email", default="", help=_("Whom the first admin's invitation is for (a note)."))
        parser.add_argument(
            "--env-file", help=_("Where to write the service's environment file (default: <data dir>/clarion.env).")
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help=_("Change the name, languages and environment file of a site that is set up already."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interactive = sys.stdin.isatty()
        name = self._answer(options["name"], "--name", _("Organisation name"), check_name, interactive)
        site_url = self._answer(
            options["site_url"], "--site-url", _("Public address (https://…)"), check_site_url, interactive
        )
        languages = self._answer(
            options["languages"], "--languages", _("Languages, comma-separated"), check_languages, interactive, "en"
        )
        env_file = Path(options["env_file"] or settings.DATA_DIR / "clarion.env")
        lines = environment(site_url)

        call_command("migrate", interactive=False, verbosity=0)
        existing = Organisation.objects.order_by("pk").first()
        if existing is not None and not options["update"]:
            raise CommandError(
                _(
                    "Clarion is set up already here, for “%(name)s” (languages: %(languages)s). Nothing was changed. "
                    "To change the name, languages or address: setup --update. To invite someone: "
                    "python -m clarion invite --role admin."
                )
                % {"name": existing.name, "languages": existing.languages}
            )
        if env_file.exists() and not options["update"]:
            raise CommandError(
                _("%(path)s exists already. Nothing was changed. To replace it: setup --update.") % {"path": env_file}
            )
        invitation: tuple[Invitation, str] | None = None
        try:
            # One transaction: a failure leaves no organisation without its first admin's invitation,
            # and no database change without the environment file that goes with it.
            with transaction.atomic():
                do_set_up_organisation(name=name, languages=languages, replace=options["update"])
                if existing is None:
                    invitation = do_create_invitation(
                        actor=None, roles=[ADMIN, REVIEWER, EDITOR], email=options["admin_email"]
                    )
                self._write_env_file(env_file, lines)
        except AccountError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("%(name)s is set up (languages: %(languages)s).") % {"name": name, "languages": ",".join(languages)}
            )
        )
        self.stdout.write(
            _("The service's environment is in %(path)s (systemd: EnvironmentFile=%(path)s):") % {"path": env_file}
        )
        for line in lines:
            variable = line.split("=", 1)[0]
            # URLs with passwords stay in the file, off the screen and the terminal's scrollback.
            self.stdout.write(f"  {variable}=…" if variable in SECRET_URLS else f"  {line}")
        if invitation is not None:
            invited, code = invitation
            self.stdout.write(
                _(
                    "The first admin (also reviewer and editor) enrols at %(url)s/staff/enrol/ with this code, "
                    "valid until %(until)s UTC. It is shown only now:"
                )
                % {"url": site_url, "until": f"{invited.expires_at:%Y-%m-%d %H:%M}"}
            )
            self.stdout.write(code)
        self.stdout.write(_("Next: python -m clarion doctor, then start the service (docs/deploy.md)."))

    def _answer(
        self,
        given: str | None,
        flag: str,
        question: str,
        check: Callable[[str], T],
        interactive: bool,
        default: str = "",
    ) -> T:
        """Return a flag's checked value, or ask in a terminal until the answer passes its check.

        Without a terminal and without the flag, refuse, naming the flag.
        """
        if given is not None:
            return check(given)
        if not interactive:
            if default:
                return check(default)
            raise CommandError(
                _("%(flag)s is missing: give it, or run setup in a terminal to be asked.") % {"flag": flag}
            )
        prompt = f"{question} [{default}]: " if default else f"{question}: "
        while True:
            try:
                return check(input(prompt) or default)
            except CommandError as problem:
                self.stderr.write(str(problem))

    def _write_env_file(self, path: Path, lines: list[str]) -> None:
        """Write the environment file readable by Clarion's user alone: it may hold database and mail passwords."""
        stamp = timezone.now().strftime("%Y-%m-%d %H:%M UTC")
        text = "\n".join(
            [
                f"# Written by `python -m clarion setup` on {stamp}. systemd reads it (EnvironmentFile=);",
                "# in a shell: set -a; . this-file; set +a. Other variables: python -m clarion config.",
                *lines,
                "",
            ]
        )
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(temporary, path)
