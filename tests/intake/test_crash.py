"""A crash or a sweep loses nothing acknowledged, and no orphan lives for long (docs/design.md, property 6).

The real server (gunicorn plus the worker) is killed with SIGKILL while uploads are in
flight, then started again on the same data folder, as an operator's service manager would.
The orphan sweep that follows must spare what committed tips reference, and also what an
upload still in progress has already committed.
"""

from __future__ import annotations

import http.client
import os
import secrets
import time
from collections.abc import Callable, Iterator

import pytest
from django.core.files.uploadhandler import StopFutureHandlers

from clarion import vault
from clarion.web.uploads import EncryptingUploadHandler, UploadLimits
from tests.support.live import LiveServer, SourceClient, multipart_body, open_post, receipt_from, slow_upload

STALLED_FILE_BYTES = 20 * 1024 * 1024
WAIT_SECONDS = 30


@pytest.fixture
def server(clarion_server: LiveServer) -> LiveServer:
    return clarion_server


@pytest.fixture
def connections() -> Iterator[list[http.client.HTTPConnection]]:
    """Hold the connections of unfinished uploads; close them whatever happens."""
    held: list[http.client.HTTPConnection] = []
    yield held
    for conn in held:
        conn.close()


def referenced_blobs(server: LiveServer) -> set[str]:
    return {blob for (blob,) in server.query("SELECT blob FROM intake_tipfile")}


def wait_for(condition: Callable[[], bool], seconds: float = WAIT_SECONDS) -> bool:
    """Poll `condition` until it holds or the deadline passes; return whether it held."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def answers(client: SourceClient, slug: str, what: str) -> dict[str, str]:
    """Return valid answers to a demo channel's form, with `what` as the description."""
    _, html = client.get(f"/tip/send/{slug}/")
    fields = client.question_fields(html)
    if slug == "safety":
        return {
            fields["How urgent is the danger?"]: "Within weeks",
            fields["Which equipment, site or process?"]: "Press 4",
            fields["What is unsafe?"]: what,
        }
    return {
        fields["What kind of misconduct?"]: "Abuse of authority",
        fields["Is it still going on?"]: "no",
        fields["What happened?"]: what,
    }


def send_tip(server: LiveServer, slug: str, what: str, files: list[tuple[str, str, bytes]]) -> str:
    """Send a tip through the real form; return the receipt the source was shown."""
    client = SourceClient(server)
    status, html = client.post(f"/tip/send/{slug}/", answers(client, slug, what), files=files)
    assert status == 200, html
    return receipt_from(html)


def upload_stalled_in_second_file(server: LiveServer, fields: dict[str, str]) -> http.client.HTTPConnection:
    """Send one whole file and half of a second: the first is then a committed blob that no tip references."""
    client = SourceClient(server)
    _, html = client.get("/tip/send/safety/")
    pairs = [*client.form_tokens(html), *fields.items()]
    body, content_type = multipart_body(pairs, [("attachments", "first.bin", os.urandom(1024 * 1024))])
    boundary = content_type.split("boundary=")[1]
    closing = f"--{boundary}--\r\n".encode()
    second_head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="second.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    second_bytes = 8 * 1024 * 1024
    body = body[: -len(closing)]
    conn = open_post(
        client, "/tip/send/safety/", content_type, len(body) + len(second_head) + second_bytes + 2 + len(closing)
    )
    conn.send(body + second_head + os.urandom(second_bytes // 2))
    return conn


@pytest.mark.live_server_process
def test_after_a_crash_mid_upload_every_acknowledged_tip_opens_and_every_orphan_is_swept(server, connections):
    token = secrets.token_hex(4)
    # Given tips committed through the real form, each acknowledged with a receipt
    report = os.urandom(3_000_000)
    shown: dict[str, list[str]] = {}
    for slug, what, files in [
        ("safety", f"tip one {token}", [("attachments", "report-one.txt", report), ("attachments", "log.txt", b"x")]),
        ("misconduct", f"tip two {token}", []),
        ("safety", f"tip three {token}", [("attachments", "report-three.txt", report)]),
    ]:
        receipt = send_tip(server, slug, what, files)
        shown[receipt] = [what, *(name for _, name, _ in files)]
    referenced = referenced_blobs(server)
    assert len(referenced) == 3

    # And uploads in the middle: three half sent, one whole file without its closing
    # boundary, one whose first file is complete (committed) while the second is half sent
    unfinished = answers(SourceClient(server), "safety", "never finished")
    for number in range(3):
        client = SourceClient(server)
        connections.append(
            slow_upload(server, client, "/tip/send/safety/", unfinished, f"half-{number}.bin", STALLED_FILE_BYTES)
        )
    whole = slow_upload(server, SourceClient(server), "/tip/send/safety/", unfinished, "whole.bin", STALLED_FILE_BYTES)
    whole.send(os.urandom(STALLED_FILE_BYTES - STALLED_FILE_BYTES // 2))
    connections.append(whole)
    connections.append(upload_stalled_in_second_file(server, unfinished))

    def orphans() -> tuple[set[str], set[str]]:
        files = server.blob_names()
        parts = {name for name in files if name.endswith(".part")}
        return parts, files - parts - referenced

    assert wait_for(lambda: tuple(map(len, orphans())) == (5, 1)), f"uploads not in flight as planned: {orphans()}"

    # When the whole server is killed, and orphans are left behind for the sweep to find
    server.kill()
    parts, unreferenced = orphans()
    assert len(parts) == 5
    assert len(unreferenced) == 1

    # And it starts again on the same data folder. (Only now without a grace period: a sweep
    # at grace 0 while tips are being sent could remove a blob a moment before its tip row
    # commits, which is what the grace period is there to prevent.)
    server.env["CLARION_SWEEP_GRACE_SECONDS"] = "0"
    server.start()

    # Then the sweep leaves exactly the blobs that committed tips reference, and no temporary
    assert wait_for(lambda: server.blob_names() == referenced_blobs(server)), (
        f"blob store after the sweep: {sorted(server.blob_names())}, referenced: {sorted(referenced_blobs(server))}"
    )
    assert referenced_blobs(server) == referenced
    # And there is one tip per receipt shown: no half tip
    assert server.query("SELECT COUNT(*) FROM intake_tip") == [(len(shown),)]
    # And every receipt shown before the crash opens its tip, with its answers and files
    for receipt, expected in shown.items():
        status, inbox = SourceClient(server).post("/tip/login/", {"receipt": receipt})
        assert status == 200
        for text in expected:
            assert text in inbox, f"{text!r} is missing from the inbox"


def test_a_file_committed_early_in_a_long_upload_survives_a_sweep_until_the_upload_ends(tmp_path):
    # Given a submission whose first file is encrypted and committed, while the second is still
    # arriving more than a grace period later (a big file over a slow Tor circuit)
    store = vault.BlobStore(tmp_path / "blobs")
    limits = UploadLimits(max_files=10, max_file_bytes=10**9, max_submission_bytes=10**9)
    handler = EncryptingUploadHandler(store=store, recipients=[vault.generate_keypair().recipient], limits=limits)
    with pytest.raises(StopFutureHandlers):
        handler.new_file("attachments", "first.pdf", "application/pdf", None)
    handler.receive_data_chunk(b"first file", 0)
    first = handler.file_complete(10)
    an_hour_ago = time.time() - 3600
    os.utime(store.path(first.blob), (an_hour_ago, an_hour_ago))
    with pytest.raises(StopFutureHandlers):
        handler.new_file("attachments", "second.mov", "video/quicktime", None)
    handler.receive_data_chunk(b"more of the second file", 0)

    # When the orphan sweep runs before the tip that will reference the first file commits
    store.sweep(keep=set(), older_than_seconds=600)

    # Then the first file is still there for the tip to reference
    assert store.exists(first.blob)
