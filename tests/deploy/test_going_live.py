"""Going live, end to end: from an empty server folder to a tip that still opens after a restore.

Issue 11's "done when", with the real parts an operator runs (docs/deploy.md): `setup` on an
empty data folder, the server behind Debian's nginx with TLS, tor's check of the onion service,
the first admin enrolled over HTTPS who registers the offline key and opens a channel in the
admin, a source's tip with a file over HTTPS, `backup` to the offline key, `doctor` green; then
the data folder (and, on PostgreSQL, the database) destroyed, `restore` with the offline key into
an empty one, and the source's receipt opens the tip again over HTTPS, with the audit chain
intact. Run on SQLite, and on PostgreSQL when DATABASE_URL is set.
"""

from __future__ import annotations

import http.client
import json
import os
import shlex
import shutil
import ssl
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.support.age_cli import age_keygen
from tests.support.live import REPO, LiveServer, SourceClient, free_port, receipt_from
from tests.support.nginx import NGINX, ONION_ADDRESS, Nginx, over_https, render, self_signed_certificate
from tests.support.smtp import Mailbox
from tests.support.staff import StaffClient
from tests.support.tools import require_tool

pytestmark = pytest.mark.live_server_process

TOR = "/usr/sbin/tor"
TORRC = REPO / "deploy" / "tor" / "torrc"


class AdminForm(HTMLParser):
    """Read what a browser would send back unchanged from a Django admin page's main form."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self.options: dict[str, dict[str, str]] = {}  # a select's options: shown text -> value
        self._in_form = False
        self._select: str | None = None
        self._option: str | None = None
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "form" and attr.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = attr.get("name", "")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            kind = attr.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in attr:
                    self.values.setdefault(name, []).append(attr.get("value") or "on")
            elif kind not in {"submit", "button", "file"}:
                self.values.setdefault(name, []).append(attr.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.values.setdefault(name, []).append("")
        elif tag == "select" and name:
            self._select = name
            self.options[name] = {}
            self.values.setdefault(name, [])
        elif tag == "option" and self._select:
            self._option = attr.get("value", "")
            if "selected" in attr:
                self.values[self._select].append(self._option)

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea][-1] += data
        if self._select and self._option is not None and data.strip():
            self.options[self._select][data.strip()] = self._option

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None


def save_in_admin(admin: StaffClient, path: str, changes: dict[str, str | list[str]]) -> str:
    """Open an admin form, change some fields, save; return the page the admin lands on."""
    status, html = admin.get(path)
    assert status == 200, html[:3000]
    form = AdminForm(html)
    fields: dict[str, str | list[str]] = {name: values for name, values in form.values.items()}
    fields.update(changes)
    fields["_save"] = "Save"
    status, html = admin.post(path, fields)
    assert status == 200 and "successfully" in html, html[:5000]
    return html


def service_environment(env_file: Path) -> dict[str, str]:
    """Read the environment file as systemd (or `set -a; . file`) does."""
    values = {}
    for line in env_file.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, quoted = line.partition("=")
            values[name] = shlex.split(quoted)[0]
    return values


def run(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m clarion <args>` with the service's environment; return the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "clarion", *args], env=server.env, cwd=REPO, capture_output=True, text=True, timeout=300
    )


def onion_get(nginx: Nginx, path: str) -> tuple[int, bytes]:
    """GET `path` through nginx's onion entrance (where tor hands requests), with the onion name as Host."""
    conn = http.client.HTTPConnection("127.0.0.1", nginx.onion_port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": ONION_ADDRESS})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.fixture
def smtp_over_starttls(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """Run a mail server that requires STARTTLS, with a certificate for localhost; return its port and certificate."""
    require_tool("openssl", "going live makes self-signed certificates for nginx and the mail server")
    cert, key = self_signed_certificate(tmp_path / "smtp-tls")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    port = free_port()
    controller = Controller(Mailbox(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True)
    controller.start()
    yield port, cert
    controller.stop()


def test_from_an_empty_server_folder_to_a_live_site_whose_backup_restores(tmp_path, smtp_over_starttls):
    require_tool(NGINX, "going live runs Debian's nginx (package nginx-light)")
    require_tool(TOR, "going live checks the onion service with Debian's tor (package tor)")
    smtp_port, smtp_cert = smtp_over_starttls
    # The organisation's offline key, made on its offline machine: the backup is encrypted to it.
    offline_key = tmp_path / "offline-machine" / "org-offline-key.txt"
    offline_key.parent.mkdir()
    offline_recipient = age_keygen(offline_key)

    # Given an empty server folder, the address nginx will serve, and the server's certificates
    server = LiveServer(tmp_path / "server")
    nginx = Nginx(tmp_path / "nginx", upstream_port=server.port)
    trusted = tmp_path / "trusted-certificates.pem"  # what the machine's CA store would hold
    trusted.write_bytes(nginx.cert.read_bytes() + smtp_cert.read_bytes())
    env_file = tmp_path / "etc" / "clarion.env"
    assert not server.data_dir.exists()
    try:
        # When the operator runs setup, with the mail server and onion address in its environment
        server.env.update(
            {"CLARION_ONION_ADDRESS": ONION_ADDRESS, "EMAIL_URL": f"smtp://localhost:{smtp_port}?tls=true"}
        )
        output = server.manage(
            "setup",
            "--name",
            "Riverside Workers' Council",
            "--site-url",
            nginx.site_url,
            "--languages",
            "en,fr",
            "--admin-email",
            "ada@riverside.example",
            "--env-file",
            str(env_file),
        )
        invitation = output.strip().splitlines()[-2]
        # The default three web workers share the page cache in this machine's Redis (docs/deploy.md)
        with env_file.open("a") as settings:
            settings.write("CACHE_URL='redis://127.0.0.1:6379/13'\n")
        service = service_environment(env_file)
        assert service["CLARION_SITE_URL"] == nginx.site_url
        assert service["CLARION_HTTPS"] == "true" and service["CLARION_DEBUG"] == "false"
        for name in ("CLARION_ONION_ADDRESS", "EMAIL_URL"):
            del server.env[name]  # from now on, only what the environment file says
        server.env.update({**service, "SSL_CERT_FILE": str(trusted)})

        # And tor accepts the onion service pointed at nginx's onion entrance
        onion_dir = tmp_path / "tor" / "onion"
        onion_dir.mkdir(parents=True, mode=0o700)
        torrc = tmp_path / "tor" / "torrc"
        values = {"hidden_service_dir": str(onion_dir), "onion_listen": nginx.values["onion_listen"]}
        torrc.write_text(render(TORRC.read_text(), values))
        verified = subprocess.run(
            [TOR, "--verify-config", "-f", str(torrc), "--DataDirectory", str(tmp_path / "tor" / "data")],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert verified.returncode == 0 and "Configuration was valid" in verified.stdout, verified.stdout

        # And nginx with TLS and the server start
        nginx.start()
        server.start(answers=lambda: nginx.get("/tip/")[0] == 200)
        status, headers, _ = nginx.get("/")
        assert status == 200 and headers["Strict-Transport-Security"].startswith("max-age=")
        assert headers["Onion-Location"] == f"http://{ONION_ADDRESS}/"

        # And the first admin enrols over HTTPS, registers the offline key and opens a channel
        admin = over_https(StaffClient, nginx)
        admin.enrol(invitation, "ada")
        admin.log_in("ada")
        save_in_admin(admin, "/staff/admin/accounts/organisation/1/change/", {"offline_public_key": offline_recipient})
        channel_form = AdminForm(admin.get("/staff/admin/intake/channel/add/")[1])
        save_in_admin(
            admin,
            "/staff/admin/intake/channel/add/",
            {
                "name": "Safety at work",
                "slug": "safety",
                "description": "Dangers to workers' health and safety.",
                "receivers": [channel_form.options["receivers"]["ada"]],
            },
        )

        # And a source sends a tip with a file over HTTPS, and keeps the receipt
        source = over_https(SourceClient, nginx)
        status, landing = source.get("/tip/")
        assert status == 200 and "Safety at work" in landing
        status, html = source.post(
            "/tip/send/safety/",
            {"message": "The fire exits in hall 3 are chained shut at night."},
            files=[("attachments", "night-rota.txt", b"night shift rota, hall 3\n" + os.urandom(256))],
        )
        assert status == 200, html[:3000]
        receipt = receipt_from(html)
        # (the tip reached the reviewer's inbox)
        assert "Safety at work" in admin.get("/staff/cases/")[1]

        # And the site is reachable through the onion entrance, under its onion name
        status, page = onion_get(nginx, "/tip/")
        assert status == 200 and f'<code class="onion-address">{ONION_ADDRESS}</code>'.encode() in page

        # And the operator backs up while the server runs, to the offline key
        backup_file = tmp_path / "backups" / "clarion.tar.age"
        backup_file.parent.mkdir()
        assert "Backup written" in server.manage("backup", "--output", str(backup_file))

        # Then doctor finds nothing wrong: run after the first backup, whose age it checks (before it,
        # "No backup yet" is a failure). The clock and the disk may only warn, as this machine decides.
        doctor = run(server, "doctor", "--json")
        findings = {finding["name"]: finding for finding in json.loads(doctor.stdout)}
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr
        assert not [f for f in findings.values() if f["status"] == "failure"], doctor.stdout
        assert {name for name, f in findings.items() if f["status"] != "ok"} <= {"clock", "disk"}, doctor.stdout
        for name in ("debug", "https", "site_url", "onion", "cache", "mail", "backup", "offline_key", "data_folder"):
            assert findings[name]["status"] == "ok", findings[name]

        # When the server is lost: everything stopped, the data folder (and database) destroyed
        server.stop()
        nginx.stop()
        shutil.rmtree(server.data_dir)
        server.empty_database()

        # And the backup is restored into an empty folder with the offline key, and everything started again
        restored = server.manage("restore", str(backup_file), "--identity", str(offline_key))
        assert "every checksum matched" in restored
        nginx.start()
        server.start(answers=lambda: nginx.get("/tip/")[0] == 200)

        # Then the receipt still opens the tip over HTTPS: the source sees their message and file
        status, inbox = over_https(SourceClient, nginx).post("/tip/login/", {"receipt": receipt})
        assert status == 200, inbox[:3000]
        assert "The fire exits in hall 3 are chained shut at night." in inbox
        assert "night-rota.txt" in inbox
        # And the audit chain, restored, verifies
        assert "Audit log intact" in server.manage("audit", "verify")
    finally:
        nginx.stop()
        server.close()
