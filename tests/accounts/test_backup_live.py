"""A backup taken while the real server runs and a tip is arriving restores into an empty site that works.

Issue 11, section 4: tips with files, replies, posts and audit entries; back up while the server
runs and a submission is in flight; destroy the data folder (and the database); restore into an
empty one; start the server again: every receipt opens its tip, the reviewer logs in and reads
every file, the audit chain verifies, the public site shows the same posts. On SQLite, and on
PostgreSQL when DATABASE_URL is set (each server then has a database of its own, the restored
one new and empty).
"""

from __future__ import annotations

import re
import secrets
import shutil
import threading
from pathlib import Path

import pytest

from clarion import vault
from tests.support.live import LiveServer, SourceClient, receipt_from
from tests.support.staff import StaffClient
from tests.support.totp import Authenticator, totp_key
from tests.support.traces import form_fields

pytestmark = pytest.mark.live_server_process

TIP_LINK = re.compile(r'href="(/staff/cases/[0-9a-f-]{36}/)"')
POST_LINK = re.compile(r'href="(/posts/[a-z0-9-]+/)"')


def demo_reviewer(server: LiveServer, demo_output: str, app: Authenticator | None = None) -> StaffClient:
    """Log in as the demo reviewer, with the password and authenticator secret the demo printed.

    Pass the authenticator of an earlier login: the restored server remembers the codes it took.
    """
    password = re.search(r"Reviewer account: reviewer / (\S+)", demo_output).group(1)
    secret = re.search(r"Authenticator secret \(TOTP, 6 digits, 30 s\): (\S+)", demo_output).group(1)
    client = StaffClient(server)
    client.app = app or Authenticator(totp_key(secret))
    client.log_in("reviewer", password)
    return client


def send_tip(server: LiveServer, text: str, filename: str, content: str) -> str:
    """Send a tip with one file through the real form, as a source's browser; return the receipt."""
    source = SourceClient(server)
    fields = form_fields(source, "safety")
    status, html = source.post(
        "/tip/send/safety/",
        {
            fields["How urgent is the danger?"]: "Within weeks",
            fields["Which equipment, site or process?"]: "Boiler room",
            fields["What is unsafe?"]: text,
        },
        files=[("attachments", filename, content.encode())],
    )
    assert status == 200, html[:3000]
    return receipt_from(html)


def every_file_read(reviewer: StaffClient) -> dict[str, str]:
    """Open every tip of the reviewer's inbox and download each of its files: file link -> content."""
    status, inbox = reviewer.get("/staff/cases/")
    assert status == 200
    files: dict[str, str] = {}
    for tip in sorted(set(TIP_LINK.findall(inbox))):
        status, page = reviewer.get(tip)
        assert status == 200, page[:3000]
        for link in sorted(set(re.findall(rf'href="({re.escape(tip)}files/\d+/)"', page))):
            status, content = reviewer.get(link)
            assert status == 200, content[:3000]
            files[link] = content
    return files


def public_posts(server: LiveServer) -> dict[str, str]:
    """Return every post linked from the public home page with its page's title."""
    client = SourceClient(server)
    status, home = client.get("/")
    assert status == 200
    posts = {}
    for link in sorted(set(POST_LINK.findall(home))):
        status, page = client.get(link)
        assert status == 200
        posts[link] = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1).strip()
    return posts


def test_a_backup_of_a_running_server_with_a_tip_in_flight_restores_into_an_empty_site(tmp_path: Path) -> None:
    key = vault.generate_keypair()
    keyfile = tmp_path / "offline-key.txt"
    keyfile.write_text(f"# public key: {key.recipient}\n{key.identity}\n")
    backup = tmp_path / "site.tar.age"
    tips: dict[str, tuple[str, str, str]] = {}  # receipt -> (text, file name, file content)

    first = LiveServer(tmp_path / "first")
    try:
        demo = first.prepare()
        first.start()
        # Given tips with files, sent through the real form, and a reply to one of them
        for _ in range(3):
            marker = secrets.token_hex(6)
            text = f"The valve {marker} is bypassed."
            tips[send_tip(first, text, f"log-{marker}.txt", f"gauge log {marker}\n" * 200)] = (
                text,
                f"log-{marker}.txt",
                f"gauge log {marker}\n" * 200,
            )
        reviewer = demo_reviewer(first, demo)
        status, inbox = reviewer.get("/staff/cases/")
        first_tip = sorted(set(TIP_LINK.findall(inbox)))[0]
        reply = f"Thank you, which shift? {secrets.token_hex(4)}"
        status, page = reviewer.post(f"{first_tip}reply/", {"message": reply}, form_page=first_tip)
        assert status == 200 and reply in page, page[:3000]
        files_before = every_file_read(reviewer)
        assert len(files_before) >= 3
        posts_before = public_posts(first)
        assert posts_before, "the demo content has published posts"
        audit_rows = first.query("SELECT count(*) FROM audit_auditentry")[0][0]

        # When a source is sending a tip with a larger file while the operator backs up
        in_flight: dict[str, str] = {}
        marker = secrets.token_hex(6)
        in_flight_content = f"in flight {marker}\n" * 200_000  # about 4 MB

        def send_in_flight() -> None:
            in_flight["receipt"] = send_tip(first, f"Sent during the backup {marker}.", "flight.txt", in_flight_content)

        sender = threading.Thread(target=send_in_flight)
        sender.start()
        first.manage("backup", "--recipient", key.recipient, "--output", str(backup))
        sender.join(timeout=120)
        assert "receipt" in in_flight, "the tip sent during the backup was refused"
    finally:
        # And the server is stopped, its data folder destroyed and its database dropped
        first.close()
        shutil.rmtree(first.data_dir, ignore_errors=True)

    # When the backup is restored into an empty folder (and a new, empty database)
    second = LiveServer(tmp_path / "second")
    try:
        output = second.manage("restore", str(backup), "--identity", str(keyfile))
        assert "every checksum matched" in output
        assert second.manage("audit", "verify").startswith("Audit log intact")
        assert second.query("SELECT count(*) FROM audit_auditentry")[0][0] > audit_rows
        second.start()

        # Then every receipt opens its tip, with its text and the reviewer's reply
        replies_seen = 0
        for receipt, (text, filename, _) in tips.items():
            status, html = SourceClient(second).post("/tip/login/", {"receipt": receipt})
            assert status == 200 and text in html and filename in html, html[:3000]
            replies_seen += reply in html
        assert replies_seen == 1
        # And the reviewer logs in again and reads every file, byte for byte as sent
        reviewer = demo_reviewer(second, demo, reviewer.app)
        files_after = every_file_read(reviewer)
        for link, content in files_before.items():
            assert files_after[link] == content
        assert {content for _, _, content in tips.values()} <= set(files_after.values())
        # And the tip sent during the backup is either whole (its receipt opens it and its file reads)
        # or absent (its receipt opens nothing): never half there
        status, html = SourceClient(second).post("/tip/login/", {"receipt": in_flight["receipt"]})
        if "No tip matches this receipt" in html:
            assert in_flight_content not in files_after.values()
            assert len(files_after) == len(files_before)
        else:
            assert f"Sent during the backup {marker}." in html, html[:3000]
            assert in_flight_content in files_after.values()
        # And the public site shows the same posts
        assert public_posts(second) == posts_before
    finally:
        second.close()
