"""After the whole loop, with everyone logged out, a copy of the disk yields no key and no canary.

docs/design.md, properties 1 and 2 through the real server (`python -m clarion serve`): a source
sends a tip with a canary, a reviewer enrolled through the real pages logs in with a password
and a one-time code, reads it and replies with a file, the source reads the reply; then both
log out, and every byte the server keeps (the database — SQLite files with their WAL, or a
pg_dump — every file of the data folder and of its TMPDIR, and its logs) is searched for an
age secret key and for the canary, in plain, hex and base64 at each alignment.
"""

from __future__ import annotations

import base64
import os
import re
import secrets

import pytest
from pyrage import x25519

from tests.support.live import LiveServer, SourceClient, receipt_from
from tests.support.staff import StaffClient, invitation_code, receive_every_channel
from tests.support.traces import encodings_of, everything_kept, form_fields, traces

# An age identity is bech32: upper case as age prints it, lower case is just as valid.
SECRET_KEY_PREFIXES = {"age secret key": b"AGE-SECRET-KEY-", "age secret key (lower case)": b"age-secret-key-"}


@pytest.mark.parametrize("shift", [0, 1, 2])
@pytest.mark.parametrize("case", [str.upper, str.lower], ids=["as age prints it", "lower case"])
def test_the_search_finds_a_real_age_identity_in_plain_and_in_base64_at_any_offset(shift, case) -> None:
    identity = case(str(x25519.Identity.generate())).encode()
    noise = os.urandom(64)

    assert traces(SECRET_KEY_PREFIXES, [("plain", noise + identity + noise)])
    assert traces(SECRET_KEY_PREFIXES, [("base64", noise + base64.b64encode(bytes(shift) + identity) + noise)])
    assert not traces(SECRET_KEY_PREFIXES, [("clean", noise + str(x25519.Identity.generate().to_public()).encode())])


@pytest.mark.live_server_process
def test_after_the_loop_and_every_logout_no_secret_key_and_no_canary_is_at_rest(clarion_server: LiveServer) -> None:
    server = clarion_server
    canary = "canary-" + secrets.token_hex(8)

    # Given a reviewer enrolled with an invitation code, receiving every channel
    reviewer = StaffClient(server)
    reviewer.enrol(invitation_code(server, "reviewer"), "rosa")
    receive_every_channel(server, "rosa")

    # And a source who sent a tip with the canary in an answer, a file name and a file
    source = SourceClient(server)
    fields = form_fields(source, "safety")
    status, html = source.post(
        "/tip/send/safety/",
        {
            fields["How urgent is the danger?"]: "Within weeks",
            fields["Which equipment, site or process?"]: "Boiler room, building C",
            fields["What is unsafe?"]: f"The valve is bypassed ({canary}).",
        },
        files=[("attachments", f"{canary}-log.txt", b"gauge log " + canary.encode() + os.urandom(512))],
    )
    assert status == 200, html
    receipt = receipt_from(html)

    # When the reviewer logs in (password, then one-time code), opens the tip and reads the canary
    inbox = reviewer.log_in("rosa")
    tip_paths = re.findall(r'href="(/staff/cases/[0-9a-f-]{36}/)"', inbox)
    assert len(tip_paths) == 1, inbox
    status, tip_page = reviewer.get(tip_paths[0])
    assert status == 200
    assert f"The valve is bypassed ({canary})." in tip_page
    assert f"{canary}-log.txt" in tip_page

    # And replies with a file
    status, tip_page = reviewer.post(
        tip_paths[0] + "reply/",
        {"message": f"Thank you. Which shift? {canary}"},
        files=[("attachments", f"{canary}-questions.txt", b"questions " + canary.encode())],
        form_page=tip_paths[0],
    )
    assert status == 200, tip_page
    assert f"Thank you. Which shift? {canary}" in tip_page
    assert f"{canary}-questions.txt" in tip_page

    # And the source, logged in with the receipt, reads the reply and its file name
    status, source_inbox = source.post("/tip/login/", {"receipt": receipt})
    assert status == 200
    assert f"Thank you. Which shift? {canary}" in source_inbox
    assert f"{canary}-questions.txt" in source_inbox

    # And both log out
    status, html = source.post("/tip/logout/", {}, form_page="/tip/inbox/")
    assert status == 200 and "You are logged out" in html, html
    html = reviewer.log_out()
    assert canary not in html
    status, html = reviewer.get(tip_paths[0])
    assert canary not in html and 'name="password"' in html, "the tip is still readable after logging out"

    # Then no byte the server keeps holds an age secret key or the canary, in any encoding
    kept = list(everything_kept(server))
    found = traces({**SECRET_KEY_PREFIXES, "canary": canary.encode()}, kept)
    assert not found, "found at rest after every logout:\n" + "\n".join(found)

    # And the search could have found them: it read the real database and blobs, and it
    # finds the canary in what the reviewer was shown
    database = dict(kept)["the database"]
    assert b"Safety and equipment" in database, "the database read is not the server's"
    blobs = [
        where for where, content in kept if where != "the database" and content.startswith(b"age-encryption.org/v1")
    ]
    assert len(blobs) >= 2, f"the source's file and the reviewer's were not among the files read: {blobs}"
    assert traces({"canary": canary.encode()}, [("the tip page", tip_page.encode())])
    assert all(form in encodings_of(b"AGE-SECRET-KEY-") for form in (b"AGE-SECRET-KEY-", b"QUdFLVNFQ1JFVC1LRVkt"))
