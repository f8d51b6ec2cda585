"""What a source sends or reveals leaves no trace on the running system's disk (docs/design.md, properties 1 and 3).

These tests drive the real server (`python -m clarion serve`, gunicorn plus the worker) as a
browser without JavaScript would, then read every byte it kept: the database (SQLite files
with their WAL, or a pg_dump), every file of the data folder and of the server's TMPDIR, and
its logs. Encodings are searched too, since a leak rarely stays in plain text: a field
stored base64-encoded or a bytea dumped as hex would hide a canary from a plain search.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import socket
import urllib.error
import urllib.parse
import urllib.request

import pytest

from clarion import vault
from tests.support.live import LiveServer, SourceClient, receipt_from
from tests.support.traces import everything_kept, files_in, form_fields, traces

CLIENT_ADDRESS = "127.83.41.97"  # any 127.x.y.z is a loopback address on Linux
FORWARDED_FOR = "198.51.100.77"  # TEST-NET-2: what a proxy in front would claim the client is
BIG_FILE_BYTES = 7 * 1024 * 1024  # past 2.5 MB, Django's default handler would spill it to a temporary file


@pytest.fixture
def server(clarion_server: LiveServer) -> LiveServer:
    return clarion_server


def decrypted_file_digests(server: LiveServer, receipt: str) -> list[str]:
    """Return the SHA-256 of each stored file of the receipt's tip, decrypted as the source could.

    Only digests leave the server's process (its output goes to the log that is searched).
    """
    script = f"""
import hashlib
from clarion import vault
from clarion.intake.access import access_tip_for_source
from clarion.intake.actions import blob_store
access = access_tip_for_source(receipt=vault.normalise_receipt({receipt!r}))
for tip_file in access.tip.files.order_by("created_at", "pk"):
    digest = hashlib.sha256()
    with blob_store().open(tip_file.blob) as blob:
        for chunk in vault.iter_decrypted(blob, [access.conversation_identity]):
            digest.update(chunk)
    print(digest.hexdigest())
"""
    return re.findall(r"^[0-9a-f]{64}$", server.manage("shell", "--verbosity", "0", "-c", script), re.M)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --- the search itself: it must find what is there ------------------------------------------


@pytest.mark.parametrize("shift", [0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode], ids=["base64", "urlsafe"])
def test_a_canary_inside_a_base64_encoded_document_is_found_at_any_offset(shift, encode):
    canary = b"canary-?>" + secrets.token_hex(8).encode()  # "?>" brings out the '+' and '/' of base64
    hidden = os.urandom(100) + encode(os.urandom(shift) + canary + os.urandom(7)) + os.urandom(100)

    assert traces({"canary": canary}, [("a file", hidden)])


@pytest.mark.parametrize("form", ["plain", "hex", "HEX"])
def test_a_canary_in_plain_or_hex_is_found(form):
    canary = b"canary-" + secrets.token_hex(8).encode()
    written = {"plain": canary, "hex": canary.hex().encode(), "HEX": canary.hex().upper().encode()}[form]

    assert traces({"canary": canary}, [("a file", os.urandom(50) + written + os.urandom(50))])


def test_a_file_holding_the_canary_base64_encoded_is_flagged_and_a_clean_one_is_not(tmp_path):
    # Given a folder laid out like a data folder, one file of which carries the canary in base64
    canary = b"canary-" + secrets.token_hex(8).encode()
    (tmp_path / "blobs").mkdir()
    (tmp_path / "blobs" / "clean").write_bytes(os.urandom(4096))
    (tmp_path / "blobs" / "leaky").write_bytes(os.urandom(4096) + base64.b64encode(b"x" + canary) + os.urandom(9))

    # When the folder is searched as the live tests search a server's
    found = traces({"canary": canary}, files_in(tmp_path))

    # Then the leaky file, and only it, is reported
    assert len(found) >= 1
    assert all(str(tmp_path / "blobs" / "leaky") in line for line in found)


# --- property 1: no plaintext of a tip at rest ------------------------------------------------


@pytest.mark.live_server_process
def test_a_canary_sent_as_answers_message_file_names_and_file_contents_is_nowhere_at_rest(server):
    canary = "canary-" + secrets.token_hex(8)
    marker = canary.encode()
    # Given a source sending the canary in every part of a tip, one file big enough that
    # Django's default handler would have spilled it to a plaintext temporary file (the canary
    # recurs in it at every offset modulo 3, as in a document that often mentions it)
    big_file = b"".join(marker + os.urandom(4000 + i % 3) for i in range(BIG_FILE_BYTES // 4000))
    photo = b"photo of " + marker + os.urandom(2048)
    source = SourceClient(server)
    fields = form_fields(source, "safety")
    status, html = source.post(
        "/tip/send/safety/",
        {
            fields["How urgent is the danger?"]: "Within weeks",
            fields["Which equipment, site or process?"]: f"press 4, {canary}",
            fields["What is unsafe?"]: f"The guard is off ({canary}).",
            "message": f"Message {canary}",
        },
        files=[
            (fields["A photo or document that shows the problem"], f"{canary}-photo.txt", photo),
            ("attachments", f"{canary}-report.txt", big_file),
        ],
    )
    assert status == 200, html
    receipt = receipt_from(html)

    # And, logged in with the receipt, a follow-up message with another file
    status, html = source.post("/tip/login/", {"receipt": receipt})
    assert status == 200, html
    follow_up = os.urandom(1000) + marker + os.urandom(1000)
    status, html = source.post(
        "/tip/inbox/", {"message": f"Follow-up {canary}"}, files=[("attachments", f"{canary}-more.txt", follow_up)]
    )
    assert status == 200, html

    # Then the tip is stored and readable: the source sees every piece of it again...
    status, inbox = SourceClient(server).post("/tip/login/", {"receipt": receipt})
    assert status == 200
    for expected in (
        f"press 4, {canary}",
        f"The guard is off ({canary}).",
        f"Message {canary}",
        f"{canary}-photo.txt",
        f"{canary}-report.txt",
        f"Follow-up {canary}",
        f"{canary}-more.txt",
    ):
        assert expected in inbox, f"{expected!r} is missing from the inbox"
    # ...and each file's content decrypts to exactly what was sent
    assert decrypted_file_digests(server, receipt) == [sha256(photo), sha256(big_file), sha256(follow_up)]

    # But no encoding of the canary is in the database while the server runs (WAL included)...
    found = traces({"canary": marker}, [("the running database", server.database_bytes())])
    assert not found, "\n".join(found)
    # ...nor, once it has stopped, in the database, the data folder, TMPDIR or the logs
    server.stop()
    found = traces({"canary": marker}, everything_kept(server))
    assert not found, "\n".join(found)


# --- property 3: no identifying trace of a source ---------------------------------------------


@pytest.mark.live_server_process
def test_a_source_address_user_agent_and_referrer_are_written_nowhere(server):
    token = secrets.token_hex(6)
    user_agent = f"Mozilla/5.0 (X11; ua-{token}; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    referrer = f"https://intranet-{token}.example.org/news/whistleblowing"
    source = SourceClient(
        server,
        user_agent=user_agent,
        source_address=CLIENT_ADDRESS,
        headers={"X-Forwarded-For": FORWARDED_FOR, "Referer": referrer},
    )

    # Given a source who reads the landing page and sends a tip with a file
    assert source.get("/tip/")[0] == 200
    fields = form_fields(source, "misconduct")
    # (The form is posted from our own page: a foreign Referer on a tip is refused as a
    # cross-site post, tests/test_csrf.py. It comes back for every later request.)
    source.headers["Referer"] = server.base_url + "/tip/send/misconduct/"
    status, html = source.post(
        "/tip/send/misconduct/",
        {
            fields["What kind of misconduct?"]: "Retaliation against someone who spoke up",
            fields["Is it still going on?"]: "yes",
            fields["What happened?"]: "A colleague was moved after she complained.",
        },
        files=[("attachments", "minutes.txt", b"minutes of the meeting")],
    )
    assert status == 200, html
    receipt = receipt_from(html)
    source.headers["Referer"] = referrer

    # When they send a form without its CSRF token (Django logs the refusal), mistype their
    # receipt a few times, then log in, read their inbox and log out
    no_token = urllib.request.Request(
        server.base_url + "/tip/login/",
        data=urllib.parse.urlencode({"receipt": receipt}).encode(),
        headers=source.request_headers(**{"Content-Type": "application/x-www-form-urlencoded"}),
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        source.opener.open(no_token, timeout=60)
    assert refused.value.code == 403
    for _ in range(3):
        status, html = source.post("/tip/login/", {"receipt": vault.generate_receipt()})
        assert status == 400
        assert "No tip matches this receipt" in html
    status, html = source.post("/tip/login/", {"receipt": receipt})
    assert status == 200
    assert "A colleague was moved after she complained." in html
    assert "A colleague was moved" in source.get("/tip/inbox/")[1]
    status, html = source.post("/tip/logout/", {}, form_page="/tip/inbox/")
    assert status == 200
    # (the requests really came from the distinctive address)
    assert source.local_addresses == {CLIENT_ADDRESS}

    # Then neither the address, the forwarded address, the user agent nor the referrer is kept
    identifying = {
        "client address": CLIENT_ADDRESS.encode(),
        "forwarded address": FORWARDED_FOR.encode(),
        "user agent": f"ua-{token}".encode(),
        "referrer": f"intranet-{token}".encode(),
    }
    packed = {
        "packed client address": socket.inet_aton(CLIENT_ADDRESS),
        "packed forwarded address": socket.inet_aton(FORWARDED_FOR),
    }
    found = traces(identifying, [("the running database", server.database_bytes())])
    assert not found, "\n".join(found)
    server.stop()
    kept = list(everything_kept(server))
    found = traces(identifying, kept)
    # Packed addresses are 4 bytes: searched in plain only, as encodings of them are too short to mean anything.
    found += [f"{label} in {where}" for where, content in kept for label, value in packed.items() if value in content]
    assert not found, "\n".join(found)


# Requests gunicorn refuses before Django sees them: each makes gunicorn log a warning.
MALFORMED_REQUESTS = {
    "control bytes in a header": (
        b"POST /tip/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: multipart/form-data; boundary=\x00\x01\r\nContent-Length: 0\r\n\r\n"
    ),
    "a space in a header name": b"GET /tip/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX Bad: 1\r\n\r\n",
    "an unknown HTTP version": b"GET /tip/ HTTP/7.1\r\nHost: 127.0.0.1\r\n\r\n",
    "a garbled request line": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 hello\r\n\r\n",
    "an overlong request line": b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "an unsupported transfer coding": (
        b"POST /tip/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip\r\n\r\n"
    ),
}


def send_raw(server: LiveServer, request: bytes, source_address: str) -> bytes:
    """Send `request` as bytes from `source_address` and return what the server answered."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30, source_address=(source_address, 0)) as sock:
        assert sock.getsockname()[0] == source_address
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


@pytest.mark.live_server_process
def test_malformed_requests_leave_no_client_address_in_the_log_but_a_useful_line(server):
    # Given clients at a distinctive address sending requests that gunicorn itself refuses
    address = "127.0.0.77"
    for what, request in MALFORMED_REQUESTS.items():
        answer = send_raw(server, request, address)
        # (each was refused as a bad request, before Django)
        assert answer.startswith(b"HTTP/1.1 4") or answer.startswith(b"HTTP/1.1 5"), f"{what}: {answer[:200]!r}"

    # Then, once the server has stopped, its log still says what was refused...
    server.stop()
    log = server.logs()
    assert b"Invalid request from ip=[address]: Invalid HTTP Header: 'CONTENT-TYPE'" in log
    assert b"Request Line is too large" in log
    # ...but holds the address nowhere, in any encoding
    found = traces({"client address": address.encode()}, everything_kept(server))
    found += [
        f"packed client address in {where}"
        for where, content in everything_kept(server)
        if socket.inet_aton(address) in content
    ]
    assert not found, "\n".join(found)
