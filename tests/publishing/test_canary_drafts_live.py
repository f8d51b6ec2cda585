"""A source's canary goes from a tip into a draft, is redacted, approved and published, on the real server.

At every step the database (SQLite with its WAL, or a pg_dump), every file of the data folder
and of the server's TMPDIR, and the server's logs are searched (plain, hex, base64): no
readable copy of the canary exists, except — from the moment of publication, not before,
not even while the approved post waits for its time — the part that was published.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import string
import time

import pytest

from tests.support.live import LiveServer, SourceClient, receipt_from
from tests.support.people import PASSWORD
from tests.support.staff import StaffClient, invitation_code
from tests.support.totp import Authenticator, totp_key
from tests.support.traces import everything_kept, form_fields, traces

pytestmark = pytest.mark.live_server_process


def demo_reviewer(server: LiveServer) -> StaffClient:
    """Log in as the demo reviewer (also an editor, and the first holder of the publishing key)."""
    output = server.logs().decode()
    password = re.search(r"Reviewer account: reviewer / (\S+)", output).group(1)
    secret = re.search(r"Authenticator secret \(TOTP, 6 digits, 30 s\): (\S+)", output).group(1)
    client = StaffClient(server)
    client.app = Authenticator(totp_key(secret))
    client.log_in("reviewer", password)
    return client


def log_in_as_editor(client: StaffClient, username: str) -> None:
    """Log in through both real steps, whatever page the login then leads to."""
    status, html = client.post("/staff/login/", {"username": username, "password": PASSWORD})
    assert status == 200 and 'name="code"' in html, html[:3000]
    status, html = client.post("/staff/login/code/", {"code": client.app.next_code()})
    assert status in (200, 404), html[:3000]


def form_value(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def search_everywhere(server: LiveServer, **canaries: str) -> list[str]:
    return traces({label: value.encode() for label, value in canaries.items()}, everything_kept(server))


def test_a_canary_quoted_redacted_approved_and_published_is_readable_only_as_published(clarion_server):
    server = clarion_server
    secret_part = "7731" + "".join(secrets.choice("0123456789") for _ in range(8))  # a staff number
    # Letters only: a run of digits in it would be one more flag (a badge number?) to resolve.
    public_part = "canary-" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))
    answer = f"The inspector with badge {secret_part} signed sheet {public_part} for lifts nobody visited that week."

    # Given a tip whose answer carries both canaries
    source = SourceClient(server)
    fields = form_fields(source, "safety")
    status, html = source.post(
        "/tip/send/safety/",
        {
            fields["How urgent is the danger?"]: "Within weeks",
            fields["Which equipment, site or process?"]: "The lifts of the town hall",
            fields["What is unsafe?"]: answer,
        },
    )
    assert status == 200 and receipt_from(html)
    assert search_everywhere(server, secret=secret_part, public=public_part) == []

    # And a second editor, given the publishing key when the demo reviewer opens the posts
    second = StaffClient(server)
    second.enrol(invitation_code(server, "editor"), "second-editor")
    reviewer = demo_reviewer(server)
    status, _html = reviewer.get("/staff/posts/")
    assert status == 200

    # When the reviewer starts a draft quoting the answer (draft from tip → quote)
    status, inbox = reviewer.get("/staff/cases/")
    tip_id = re.search(r'href="/staff/cases/([0-9a-f-]{36})/"', inbox).group(1)
    status, page = reviewer.get(f"/staff/posts/from-tip/{tip_id}/")
    index = next(
        str(i) for i in range(10) if public_part in page.split(f'id="id_passages_{i}"', 1)[-1].split("</blockquote>")[0]
    )
    status, post_page = reviewer.post(
        f"/staff/posts/from-tip/{tip_id}/",
        {
            "kind": "report",
            "slug": "lift-sheets",
            "title": "Lift sheets signed for visits that never happened",
            "passages": [index],
        },
    )
    assert status == 200 and public_part in post_page and secret_part in post_page
    post_url = re.search(r'action="(/staff/posts/\d+/)submit/"', post_page).group(1)
    assert search_everywhere(server, secret=secret_part, public=public_part) == [], "after the quote"

    # When the staff number is redacted, and the rest of the quote kept with a reason
    digits_key = re.search(r'name="key" value="(digits:[^"]+)"', post_page).group(1)
    status, post_page = reviewer.post(f"{post_url}flags/redact/", {"key": digits_key}, form_page=post_url)
    assert status == 200 and secret_part not in post_page and "[redacted]" in post_page
    words_key = re.search(r'name="key" value="(source-words:[^"]+)"', post_page).group(1)
    status, post_page = reviewer.post(
        f"{post_url}flags/keep/", {"key": words_key, "reason": "Public record since the audit."}, form_page=post_url
    )
    assert status == 200
    status, post_page = reviewer.post(f"{post_url}submit/", {}, form_page=post_url)
    assert status == 200 and "In review" in post_page
    assert search_everywhere(server, secret=secret_part, public=public_part) == [], "after the redaction"

    # When the second editor approves it for the next minute (approve, then publish)
    log_in_as_editor(second, "second-editor")
    status, review = second.get(post_url)
    assert status == 200 and public_part in review
    when = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=70)).strftime("%Y-%m-%dT%H:%M")
    status, review = second.post(
        f"{post_url}approve/",
        {"revision": form_value(review, "revision"), "when": "at", "publish_at": when},
        form_page=post_url,
    )
    assert status == 200 and "Scheduled" in review, review[:3000]
    assert search_everywhere(server, secret=secret_part, public=public_part) == [], "while approved, not yet public"

    # Then once the worker publishes it, only the published part is readable, and it is public
    deadline = time.monotonic() + 180
    while SourceClient(server).get("/posts/lift-sheets/")[0] != 200:
        assert time.monotonic() < deadline, "the scheduled post was not published"
        time.sleep(2)
    assert public_part in SourceClient(server).get("/posts/lift-sheets/")[1]
    assert search_everywhere(server, secret=secret_part) == [], "after publication"
    assert any("database" in found for found in search_everywhere(server, public=public_part))
