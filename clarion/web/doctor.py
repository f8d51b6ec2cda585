"""`python -m clarion doctor`: what a production set-up gets wrong, each with how to fix it.

Each installed app may offer a module `doctor` (e.g. `clarion/accounts/doctor.py`) with a
function `checks() -> list[Finding]`, found as `clarion/web/demos.py` finds demo content: this
module (web, below every feature app) imports no app. The checks of plumbing every app shares
(debug, HTTPS, the address, cache, mail, backups, the data folder, migrations, the clock) are
this module's own `checks()`.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shutil
import smtplib
import stat
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.mail import get_connection
from django.utils import timezone
from django.utils.translation import gettext as _

from clarion.config import env_int, env_str
from clarion.web.schema import unapplied_migrations

Status = Literal["ok", "warning", "failure"]

#: How long the public address may take to answer before doctor calls it down.
SITE_TIMEOUT_SECONDS = 5
#: A daily backup is late after this; a week without one is a failure.
BACKUP_LATE_HOURS = 26
BACKUP_FAILED_DAYS = 7
#: Written by `python -m clarion backup` when a backup has finished: {"finished_at", "file", "sha256"}.
BACKUP_MARKER = "last-backup.json"


@dataclass(frozen=True)
class Finding:
    """One check's result: its name, ok/warning/failure, what is the case, and how to fix it."""

    name: str
    status: Status
    message: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def ok(name: str, message: str) -> Finding:
    return Finding(name, "ok", message)


def warning(name: str, message: str, fix: str) -> Finding:
    return Finding(name, "warning", message, fix)


def failure(name: str, message: str, fix: str) -> Finding:
    return Finding(name, "failure", message, fix)


def hooks() -> list[Callable[[], list[Finding]]]:
    """Return the `checks` function of every installed app's `doctor` module, in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.doctor"
        if importlib.util.find_spec(name) is None:
            continue
        found.append(importlib.import_module(name).checks)
    return found


def run_checks() -> list[Finding]:
    """Run every app's checks; a check that crashes is a failure of its own, not the end of the report."""
    findings: list[Finding] = []
    for check in hooks():
        try:
            findings.extend(check())
        except Exception as error:  # noqa: BLE001 - the report must go on; the error is the finding
            findings.append(
                failure(check.__module__, _("The check failed: %(error)s") % {"error": error}, _("Read the error."))
            )
    return findings


def as_json(findings: list[Finding]) -> str:
    return json.dumps([finding.as_dict() for finding in findings], indent=2, ensure_ascii=False)


# --- the checks of shared plumbing ---------------------------------------------------------------


def check_debug() -> Finding:
    if settings.DEBUG:
        return failure(
            "debug",
            _("Debug pages are on: an error shows settings, paths and request data to whoever caused it."),
            _("Set CLARION_DEBUG=false in the service's environment file."),
        )
    return ok("debug", _("Debug pages are off."))


def check_https(site_url: str) -> Finding:
    if not settings.HTTPS:
        return failure(
            "https",
            _("CLARION_HTTPS is off: cookies are not Secure and no HSTS header is sent."),
            _("Serve the site through nginx with TLS (deploy/nginx/clarion.conf), then set CLARION_HTTPS=true."),
        )
    if not site_url.startswith("https://"):
        return failure(
            "https",
            _("The public address %(url)s is not https://: links in emails and feeds lead to plain HTTP.")
            % {"url": site_url or "(unset)"},
            _("Set CLARION_SITE_URL=https://your-address (python -m clarion setup --update writes it)."),
        )
    return ok("https", _("HTTPS is on and the public address is https://."))


def check_site_answers(site_url: str) -> Finding:
    if not site_url:
        return failure(
            "site_url",
            _("CLARION_SITE_URL is not set: doctor cannot check the public address."),
            _("Set CLARION_SITE_URL to the address readers type (python -m clarion setup writes it)."),
        )
    request = urllib.request.Request(site_url + "/", headers={"User-Agent": "clarion-doctor"})  # noqa: S310 - the operator's own address
    try:
        with urllib.request.urlopen(request, timeout=SITE_TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return failure(
            "site_url",
            _("%(url)s does not answer: %(reason)s.") % {"url": site_url, "reason": reason},
            _(
                "Check that nginx and clarion-web run (systemctl status nginx clarion-web), that the name points at "
                "this server and that its certificate is valid (certbot renew --dry-run)."
            ),
        )
    if status >= 400:
        return failure(
            "site_url",
            _("%(url)s answers with HTTP %(status)d.") % {"url": site_url, "status": status},
            _("Read the server's log: journalctl -u clarion-web; and nginx's error log."),
        )
    return ok("site_url", _("%(url)s answers (HTTP %(status)d).") % {"url": site_url, "status": status})


def check_onion() -> Finding:
    onion = settings.CLARION_ONION_ADDRESS
    if not onion:
        return warning(
            "onion",
            _("No onion address (CLARION_ONION_ADDRESS): sources cannot reach the tip line through Tor alone."),
            _("Set up the onion service (deploy/tor/torrc, docs/deploy.md) and set CLARION_ONION_ADDRESS."),
        )
    if onion not in settings.ALLOWED_HOSTS:
        return failure(
            "onion",
            _("%(onion)s is not in CLARION_ALLOWED_HOSTS: every request through Tor is refused (HTTP 400).")
            % {"onion": onion},
            _("Add it: CLARION_ALLOWED_HOSTS=your-host,%(onion)s") % {"onion": onion},
        )
    return ok("onion", _("The onion address %(onion)s is served.") % {"onion": onion})


def check_shared_cache() -> Finding:
    workers = env_int("CLARION_WEB_WORKERS")
    backend = settings.CACHES["default"]["BACKEND"]
    if "locmem" in backend.lower():
        if workers > 1:
            return failure(
                "cache",
                _(
                    "%(workers)d web workers each keep their own page cache: each renders and holds every page "
                    "again, so a spike of readers costs the server that many times the work and memory."
                )
                % {"workers": workers},
                _("Install Redis (apt install redis-server) and set CACHE_URL=redis://127.0.0.1:6379/0."),
            )
        return ok("cache", _("One web worker: its own memory is a cache shared by all."))
    try:
        cache = caches["default"]
        cache.set("clarion-doctor", "1", 10)
        answered = cache.get("clarion-doctor") == "1"
    except Exception as error:  # noqa: BLE001 - any failure of the cache server is the finding
        return failure(
            "cache",
            _("The cache at CACHE_URL does not answer: %(error)s.") % {"error": error},
            _("Start it (systemctl start redis-server) or correct CACHE_URL."),
        )
    if not answered:
        return failure("cache", _("The cache at CACHE_URL keeps nothing."), _("Check Redis's memory settings."))
    return ok("cache", _("The workers share the cache at CACHE_URL."))


def check_mail() -> Finding:
    if "smtp" not in settings.EMAIL_BACKEND:
        return failure(
            "mail",
            _("EMAIL_URL is not set: notifications go to the log, and reviewers learn of no new tip."),
            _("Set EMAIL_URL=smtps://user:password@host:465 (or smtp://…:587?tls=true)."),
        )
    if not (settings.EMAIL_USE_TLS or settings.EMAIL_USE_SSL):
        return warning(
            "mail",
            _("Mail to %(host)s goes without TLS (CLARION_ALLOW_PLAINTEXT=email).") % {"host": settings.EMAIL_HOST},
            _("Use smtps:// or ?tls=true unless the mail server is on this machine."),
        )
    # Connect and log in as a notification would: a wrong password or certificate shows here,
    # not as a tip nobody hears of.
    connection = get_connection(timeout=SITE_TIMEOUT_SECONDS)
    try:
        connection.open()
    except (OSError, smtplib.SMTPException) as error:
        return failure(
            "mail",
            _("The mail server %(host)s cannot be reached over TLS or refuses the login: %(error)s.")
            % {"host": settings.EMAIL_HOST, "error": error},
            _("Check EMAIL_URL's host, port, user and password, and the server's certificate."),
        )
    finally:
        connection.close()
    return ok(
        "mail", _("Notifications go to %(host)s over TLS (connected and logged in).") % {"host": settings.EMAIL_HOST}
    )


def check_backup(now: datetime) -> Finding:
    marker = Path(settings.DATA_DIR) / BACKUP_MARKER
    fix = _("Run python -m clarion backup, daily (docs/deploy.md, Backups), and restore one now and then.")
    try:
        record = json.loads(marker.read_text())
        finished = datetime.fromisoformat(record["finished_at"])
    except FileNotFoundError:
        return failure("backup", _("No backup yet."), fix)
    except (OSError, ValueError, KeyError, TypeError) as error:
        return failure("backup", _("%(path)s cannot be read: %(error)s.") % {"path": marker, "error": error}, fix)
    if finished.tzinfo is None:
        finished = finished.replace(tzinfo=UTC)
    hours = (now - finished).total_seconds() / 3600
    message = _("The last backup (%(file)s) finished %(hours).0f hours ago.") % {
        "file": record.get("file", "?"),
        "hours": hours,
    }
    if hours > BACKUP_FAILED_DAYS * 24:
        return failure("backup", message, fix)
    if hours > BACKUP_LATE_HOURS:
        return warning("backup", message, fix)
    return ok("backup", message)


def check_data_folder() -> Finding:
    folder = Path(settings.DATA_DIR)
    me = os.geteuid()
    fix = _("chown -R clarion: %(path)s && chmod -R go-rwx %(path)s (as root; clarion being the service's user).") % {
        "path": folder
    }
    # The top of the folder and its keys: the database, the secret key, the receipt pepper (blobs
    # below are encrypted and too many to walk on every run).
    paths = [folder, *folder.iterdir()]
    keys = folder / "keys"
    if keys.is_dir():
        paths += list(keys.iterdir())
    for path in paths:
        info = path.lstat()
        if info.st_uid != me:
            return failure(
                "data_folder",
                _("%(path)s belongs to user %(uid)d, not to the user Clarion runs as (%(me)d).")
                % {"path": path, "uid": info.st_uid, "me": me},
                fix,
            )
        if stat.S_IMODE(info.st_mode) & 0o077:
            return failure(
                "data_folder",
                _("%(path)s is open to other users (mode %(mode)s): they could copy keys or the database.")
                % {"path": path, "mode": oct(stat.S_IMODE(info.st_mode))},
                fix,
            )
    return ok("data_folder", _("%(path)s is readable by Clarion's user alone.") % {"path": folder})


def check_migrations() -> Finding:
    missing = unapplied_migrations()
    if missing:
        return failure(
            "migrations",
            _("The database lacks %(count)d migration(s) (%(first)s…): the server refuses to start.")
            % {"count": len(missing), "first": missing[0]},
            _("Back up (python -m clarion backup), then: python -m clarion migrate"),
        )
    return ok("migrations", _("The database is up to date."))


def check_clock() -> Finding:
    # The site's own Date header comes from this very clock (nginx runs here): comparing with it
    # proves nothing. What the system says about its synchronisation is the evidence.
    fix = _("Install and enable a time service: apt install systemd-timesyncd (or chrony).")
    timedatectl = shutil.which("timedatectl")
    answer = ""
    if timedatectl:
        try:
            result = subprocess.run(  # noqa: S603 - a fixed command
                [timedatectl, "show", "-p", "NTPSynchronized", "--value"],
                capture_output=True,
                text=True,
                timeout=5,
            )
            answer = result.stdout.strip() if result.returncode == 0 else ""
        except (OSError, subprocess.TimeoutExpired):
            answer = ""
    if answer == "yes":
        return ok("clock", _("The clock is synchronised (NTP)."))
    if answer == "no":
        return failure(
            "clock",
            _("The clock is not synchronised: staff one-time codes fail once it drifts by 30 seconds."),
            fix,
        )
    return warning("clock", _("Unknown whether the clock is synchronised (timedatectl cannot tell)."), fix)


def checks() -> list[Finding]:
    """Return the findings about plumbing every app shares."""
    site_url = (getattr(settings, "CLARION_SITE_URL", "") or env_str("CLARION_SITE_URL") or "").rstrip("/")
    return [
        check_debug(),
        check_https(site_url),
        check_site_answers(site_url),
        check_onion(),
        check_shared_cache(),
        check_mail(),
        check_backup(timezone.now()),
        check_data_folder(),
        check_migrations(),
        check_clock(),
    ]
