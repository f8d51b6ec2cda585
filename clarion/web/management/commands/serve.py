"""Start the web server (gunicorn) and the background worker, and keep both running."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from clarion import schedule
from clarion.config import env_int, env_str
from clarion.web.gunicorn_config import graceful_timeout
from clarion.web.schema import unapplied_migrations

# From the stop signal until every process has exited: gunicorn's graceful timeout, then a
# margin for its own SIGKILL of a stuck worker; whatever is left after that is killed here.
STOP_SECONDS = graceful_timeout + 1.0


def gunicorn_command() -> list[str]:
    """Return the gunicorn command line; no access log, and no address in the error log.

    gunicorn names the client in its warning about every malformed request ("Invalid request
    from ip=..."), which reaches it before Django does: its logger class scrubs addresses
    (clarion/logs.py) and writes no access log even when one is asked for.
    """
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "clarion.wsgi:application",
        "--bind",
        env_str("CLARION_BIND") or "127.0.0.1:8000",
        "--workers",
        str(env_int("CLARION_WEB_WORKERS")),
        "--worker-class",
        "gthread",
        "--threads",
        str(env_int("CLARION_WEB_THREADS")),
        "--timeout",
        "120",
        "--error-logfile",
        "-",
        "--log-level",
        "info",
        "--logger-class",
        "clarion.logs.AddressFreeGunicornLogger",
        # gunicorn's control socket would live in the home folder, outside the data folder.
        "--no-control-socket",
        # Hooks: the master makes the in-memory key every worker shares (clarion/web/memory_key.py).
        "--config",
        "python:clarion.web.gunicorn_config",
    ]


class Command(BaseCommand):
    help = "Serve Clarion: gunicorn on CLARION_BIND plus the background worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help=_(
                "Do not collect static files first: they were collected at installation, and the "
                "install folder is read-only (deploy/systemd/clarion.service)."
            ),
        )

    def handle(self, *args: object, **options: object) -> None:
        missing = unapplied_migrations()
        if missing:
            # Code newer than the schema fails on the first request that touches the gap (a
            # source's tip lost to a 500): refuse here, where the operator is watching.
            raise CommandError(
                _(
                    "The database lacks %(count)d migration(s) of this version (%(first)s…). Clarion does not start "
                    "on an older schema. Back up first (python -m clarion backup), then apply them: "
                    "python -m clarion migrate"
                )
                % {"count": len(missing), "first": missing[0]}
            )
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        # A secret shared by the processes of this run only, in their memory (never on disk): it
        # seals approved posts for their scheduled time (clarion/publishing/embargo.py). A restart
        # makes a new one on purpose.
        os.environ["CLARION_SERVER_SECRET"] = secrets.token_hex(32)
        stopping = False
        stop_signalled = 0.0

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping, stop_signalled
            if not stopping:
                stopping, stop_signalled = True, time.monotonic()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        worker = subprocess.Popen([sys.executable, "-m", "clarion", "db_worker", "--interval", "1"])  # noqa: S603
        web = subprocess.Popen(gunicorn_command())  # noqa: S603
        self.stdout.write(f"Clarion is running on http://{env_str('CLARION_BIND')}/ (Ctrl-C stops it)")
        self.stdout.flush()
        try:
            while not stopping and web.poll() is None and worker.poll() is None:
                # Periodic jobs, first at start: after a crash, the orphan sweep runs at once.
                schedule.enqueue_due()
                time.sleep(0.5)
        finally:
            deadline = (stop_signalled or time.monotonic()) + STOP_SECONDS
            for process in (web, worker):
                if process.poll() is None:
                    process.terminate()
            for process in (web, worker):
                try:
                    process.wait(timeout=max(deadline - time.monotonic(), 0.1))
                except subprocess.TimeoutExpired:
                    # A task or request that outlived the grace period: its transaction has not
                    # committed, so killing it loses nothing that was acknowledged.
                    process.kill()
                    process.wait()
        if not stopping:
            raise SystemExit(f"Clarion stopped: {'web server' if web.poll() is not None else 'worker'} exited.")
