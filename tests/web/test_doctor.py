"""`python -m clarion doctor` names what a production set-up gets wrong and how to fix it, and passes a good one."""

from __future__ import annotations

import http.server
import json
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from clarion import vault
from clarion.accounts.models import Organisation
from clarion.intake.models import Channel
from tests.support.live import REPO, LiveServer, free_port
from tests.support.smtp import Mailbox
from tests.support.tools import require_tool

pytestmark = pytest.mark.django_db


def doctor(*args: str) -> tuple[int, str]:
    """Run the doctor in this process; return its exit code and output."""
    out = StringIO()
    try:
        call_command("doctor", *args, stdout=out, stderr=StringIO())
    except SystemExit as stop:
        return int(stop.code or 0), out.getvalue()
    return 0, out.getvalue()


def findings(output: str) -> dict[str, dict[str, str]]:
    return {finding["name"]: finding for finding in json.loads(output)}


def private_folder(path: Path) -> Path:
    path.mkdir(mode=0o700)
    return path


def write_backup_marker(folder: Path, finished: datetime) -> None:
    marker = folder / "last-backup.json"
    marker.write_text(json.dumps({"finished_at": finished.isoformat(), "file": "clarion.age", "sha256": "00" * 32}))
    marker.chmod(0o600)


@pytest.fixture
def certificate(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """Make a certificate for localhost and 127.0.0.1 that this process (alone) trusts; return it and its key."""
    openssl = require_tool("openssl", "the doctor's checks of the address and mail server need TLS servers")
    cert, key = tmp_path / "site.crt", tmp_path / "site.key"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
        + ["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    return cert, key


@pytest.fixture
def smtp_with_starttls(certificate) -> Iterator[int]:
    """Run a real SMTP server that requires STARTTLS; return its port."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    port = free_port()
    controller = Controller(Mailbox(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True)
    controller.start()
    yield port
    controller.stop()


@pytest.fixture
def https_site(certificate) -> Iterator[str]:
    """Serve https://localhost:<port>/ with the trusted certificate."""
    cert, key = certificate

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://localhost:{server.server_address[1]}"
    server.shutdown()


def test_a_good_production_set_up_passes(settings, tmp_path, monkeypatch, https_site, smtp_with_starttls):
    # Given: debug off, HTTPS, an address that answers, one worker, mail over TLS, an offline key,
    # a backup of an hour ago, a private data folder, room on disk, the schema up to date
    data = private_folder(tmp_path / "data")
    write_backup_marker(data, datetime.now(UTC) - timedelta(hours=1))
    settings.DEBUG = False
    settings.HTTPS = True
    settings.DATA_DIR = data
    settings.CLARION_SITE_URL = https_site
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_with_starttls
    settings.EMAIL_USE_SSL, settings.EMAIL_USE_TLS = False, True
    settings.CLARION_ONION_ADDRESS = "a" * 56 + ".onion"
    settings.ALLOWED_HOSTS = ["tips.example.org", settings.CLARION_ONION_ADDRESS]
    monkeypatch.setenv("CLARION_WEB_WORKERS", "1")
    Organisation.objects.create(name="Riverside", offline_public_key=vault.generate_keypair().recipient)
    Channel.objects.create(name="Safety", slug="safety", description="d", daily_byte_budget=1024**2)

    code, output = doctor("--json")

    results = findings(output)
    assert code == 0, output
    # The clock may be unknown in a container: a warning, never a failure here.
    assert {name for name, finding in results.items() if finding["status"] != "ok"} <= {"clock"}, output
    assert set(results) >= {
        "debug", "https", "site_url", "onion", "cache", "mail", "backup", "data_folder", "migrations", "clock",
        "offline_key", "disk",
    }  # fmt: skip


def test_a_bad_set_up_fails_naming_each_problem_and_its_fix(settings, tmp_path, monkeypatch):
    # Given every mistake at once
    data = private_folder(tmp_path / "data")
    keys = private_folder(data / "keys")
    (keys / "receipt_pepper").write_text("00")
    (keys / "receipt_pepper").chmod(0o644)
    settings.DEBUG = True
    settings.HTTPS = False
    settings.DATA_DIR = data
    settings.CLARION_SITE_URL = f"http://127.0.0.1:{free_port()}"  # nobody listens
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.CLARION_ONION_ADDRESS = "a" * 56 + ".onion"
    settings.ALLOWED_HOSTS = ["tips.example.org"]
    monkeypatch.setenv("CLARION_WEB_WORKERS", "3")
    Organisation.objects.create(name="Riverside")
    Channel.objects.create(name="Flood", slug="flood", description="d", daily_byte_budget=2**62)

    code, output = doctor("--json")

    # Then it exits non-zero, and says for each what is wrong and what to do
    assert code == 1
    results = findings(output)
    expected = {
        "debug": ("Debug pages are on", "CLARION_DEBUG=false"),
        "https": ("CLARION_HTTPS is off", "CLARION_HTTPS=true"),
        "site_url": ("does not answer", "systemctl status nginx clarion-web"),
        "onion": ("is not in CLARION_ALLOWED_HOSTS", "CLARION_ALLOWED_HOSTS=your-host,aaaa"),
        "cache": ("3 web workers each keep their own page cache", "CACHE_URL=redis://"),
        "mail": ("EMAIL_URL is not set", "EMAIL_URL=smtps://"),
        "backup": ("No backup yet", "python -m clarion backup"),
        "data_folder": ("receipt_pepper is open to other users", "chmod -R go-rwx"),
        "offline_key": ("No offline organisation key", "age-keygen"),
        "disk": ("less than one day of the open channels' file budgets", "daily byte budgets"),
    }
    for name, (message, fix) in expected.items():
        assert results[name]["status"] == "failure", results[name]
        assert message in results[name]["message"], results[name]
        assert fix in results[name]["fix"], results[name]


def test_a_mail_server_that_does_not_answer_over_tls_fails(settings, smtp_with_starttls):
    # Given mail settings with TLS, towards a port where no mail server listens
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_USE_SSL, settings.EMAIL_USE_TLS = False, True
    unreachable = findings(doctor("--json")[1])["mail"]
    # And towards a real server, expecting implicit TLS where it speaks STARTTLS
    settings.EMAIL_PORT, settings.EMAIL_USE_SSL, settings.EMAIL_USE_TLS = smtp_with_starttls, True, False
    wrong_tls = findings(doctor("--json")[1])["mail"]

    for finding in (unreachable, wrong_tls):
        assert finding["status"] == "failure", finding
        assert "cannot be reached over TLS or refuses the login" in finding["message"]
        assert "EMAIL_URL" in finding["fix"]


def test_an_old_backup_is_a_warning_then_a_failure(settings, tmp_path):
    data = private_folder(tmp_path / "data")
    settings.DATA_DIR = data

    write_backup_marker(data, datetime.now(UTC) - timedelta(days=2))
    late = findings(doctor("--json")[1])["backup"]
    write_backup_marker(data, datetime.now(UTC) - timedelta(days=8))
    lost = findings(doctor("--json")[1])["backup"]

    assert late["status"] == "warning"
    assert "48 hours ago" in late["message"]
    assert lost["status"] == "failure"


@pytest.mark.live_server_process
def test_the_text_report_says_what_and_how_and_a_database_behind_the_code_fails(tmp_path):
    # Given a real data folder whose database lacks this version's last migration
    server = LiveServer(tmp_path)
    try:
        server.manage("migrate", "--noinput")
        server.manage("migrate", "accounts", "0004", "--noinput")

        result = subprocess.run(
            [sys.executable, "-m", "clarion", "doctor"],
            env={**server.env, "CLARION_DEBUG": "true"},
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.close()

    assert result.returncode == 1
    assert "FAILURE  migrations: The database lacks 1 migration(s) (accounts.0005_organisation_languages" in (
        result.stdout
    )
    assert "Fix: Back up (python -m clarion backup), then: python -m clarion migrate" in result.stdout
    assert "FAILURE  debug: Debug pages are on" in result.stdout
    assert "check(s) failed" in result.stderr


def test_several_workers_need_the_shared_cache_and_pass_with_this_machines_redis(settings, monkeypatch):
    from clarion.web.doctor import check_shared_cache

    monkeypatch.setenv("CLARION_WEB_WORKERS", "3")
    # Given three workers with their own memory each: a failure that names Redis as the fix
    alone = check_shared_cache()
    assert alone.status == "failure" and "CACHE_URL=redis://" in alone.fix, alone

    # When CACHE_URL names the Redis server of this machine (Django's backend, through redis-py)
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/14"}
    }
    shared = check_shared_cache()

    assert shared.status == "ok", shared
