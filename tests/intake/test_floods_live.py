"""A flood of tips against the real server (3 workers) is bounded, and stray file parts are never stored (M4).

The review sent 15 tips with a 200 KB attachment in 1.2 s (15 receipts) and a valid tip with
two extra file parts (two orphan blobs). "Accepted" is read from the answers: 200 with a
receipt, 429 for the busy page.
"""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.live import LiveServer, SourceClient, clear_of_key_rotation

pytestmark = pytest.mark.live_server_process

SAFETY_ANSWERS = {
    "How urgent is the danger?": "Within weeks",
    "Which equipment, site or process?": "Press line 4",
    "Was it reported internally?": "no",
    "What is unsafe?": "Flood text that must come back on the busy page",
}


def send_tip(server: LiveServer, address: str, files=()) -> tuple[int, str]:  # noqa: ANN001
    client = SourceClient(server, source_address=address)
    _, html = client.get("/tip/send/safety/")
    names = client.question_fields(html)
    fields = {names[label]: value for label, value in SAFETY_ANSWERS.items()}
    return client.post("/tip/send/safety/", fields, files)


def test_parallel_tips_from_one_address_are_bounded_and_the_refused_keep_their_words(clarion_server):
    server = clarion_server
    attachment = [("attachments", "scan.pdf", b"%PDF-1.4 " + b"x" * 200_000)]
    clear_of_key_rotation(60)  # the address's count restarts when the key rotates

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: send_tip(server, "127.66.1.1", attachment), range(15)))

    statuses = Counter(status for status, _ in answers)
    # Every post is either accepted or told to wait: none fails (on PostgreSQL the audit chain's
    # appenders queue, clarion/audit/log.py).
    assert statuses[200] <= 10 and statuses[200] + statuses[429] == 15, statuses
    busy = [html for status, html in answers if status == 429]
    assert busy and all("Flood text that must come back on the busy page" in html for html in busy)
    assert all(re.search(r"Try again in \d+ minutes?", html) for html in busy)
    (tips,) = server.query("SELECT COUNT(*) FROM intake_tip")[0]
    assert tips == statuses[200]
    assert len(server.blob_names()) == statuses[200]


def test_file_parts_under_names_the_form_lacks_are_refused_and_leave_no_blob(clarion_server):
    server = clarion_server
    before = server.blob_names()

    status, html = send_tip(
        server,
        "127.66.2.1",
        [("zzz", "orphan1.bin", b"stray one " * 1000), ("yyy", "orphan2.bin", b"stray two " * 1000)],
    )

    assert status == 400 and "no place for" in html
    assert server.blob_names() == before
