"""Files reviewers attach to a reply reach the source: downloaded from the inbox, decrypted, never inline.

The source's session decides access; the address holds only the file's number. Another tip's
file answers exactly as a missing one does.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from clarion.intake.models import Message, TipFile
from tests.support.people import browser_client
from tests.support.tips import send_tip

# An HTML page with script: a browser that sniffed or rendered it inline would run it.
ATTACHED = b"<html><script>alert(document.cookie)</script>\x00\xff binary tail\n" * 50
STRICT = {
    "Content-Type": "application/octet-stream",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def reply_with_file(reviewer_client: Client, sent, name: str, content: bytes) -> TipFile:  # noqa: ANN001
    response = reviewer_client.post(
        f"{sent.url}reply/", {"message": "Here is the form.", "attachments": [SimpleUploadedFile(name, content)]}
    )
    assert response.status_code == 302
    return TipFile.objects.get(tip=sent.tip, message__author=Message.Author.REVIEWER, size=len(content))


def logged_in_source(receipt: str) -> Client:
    client = browser_client()
    client.get("/tip/login/")
    response = client.post(
        "/tip/login/", {"receipt": receipt, "csrfmiddlewaretoken": client.cookies["clarion-csrf"].value}
    )
    assert response.status_code == 302
    return client


def body_of(response) -> bytes:  # noqa: ANN001
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def sent(channel):
    return send_tip(channel, files=[("my-own-photo.jpg", b"\xff\xd8 the source's original with GPS")])


def test_the_source_downloads_the_file_a_reviewer_attached_with_its_exact_bytes(reviewer_client, sent):
    # Given a reviewer's reply with a file whose name tries to be a path
    tip_file = reply_with_file(reviewer_client, sent, "form to fill.html", ATTACHED)
    source = logged_in_source(sent.receipt)

    # When the source opens the inbox, the file is offered by a link holding only its number
    inbox = source.get("/tip/inbox/").content.decode()
    links = re.findall(r'<a href="(/tip/inbox/files/[^"]*)"[^>]*>([^<]*)</a>', inbox)
    assert links == [(f"/tip/inbox/files/{tip_file.pk}/", "form to fill.html")]

    # And following it streams the decrypted bytes as an attachment, never to be shown inline
    response = source.get(links[0][0])
    assert response.status_code == 200
    assert body_of(response) == ATTACHED
    for header, value in STRICT.items():
        assert response[header] == value
    assert response["Content-Disposition"] == 'attachment; filename="form to fill.html"'
    assert response["Content-Length"] == str(len(ATTACHED))
    assert "no-store" in response["Cache-Control"]


def test_the_download_has_the_same_strict_headers_as_the_reviewers(reviewer_client, sent):
    tip_file = reply_with_file(reviewer_client, sent, "../../etc/passwd\r\nX-Evil: 1", ATTACHED)
    source = logged_in_source(sent.receipt)

    for_source = source.get(f"/tip/inbox/files/{tip_file.pk}/")
    for_reviewer = reviewer_client.get(f"{sent.url}files/{tip_file.pk}/")

    assert body_of(for_source) == body_of(for_reviewer) == ATTACHED
    compared = [
        *STRICT,
        "Content-Disposition",
        "Content-Length",
        "Referrer-Policy",
        "X-Frame-Options",
        "Cross-Origin-Opener-Policy",
    ]
    assert {h: for_source.get(h) for h in compared} == {h: for_reviewer.get(h) for h in compared}
    assert "/" not in for_source["Content-Disposition"] and "\n" not in for_source["Content-Disposition"]


def test_a_source_cannot_fetch_another_tips_file_which_answers_as_a_missing_one(reviewer_client, channel, sent):
    # Given two tips, each with a file from a reviewer
    other = send_tip(channel, message="Another source's tip.")
    theirs = reply_with_file(reviewer_client, other, "for-the-other-source.txt", b"not for you")
    reply_with_file(reviewer_client, sent, "for-you.txt", b"for you")
    source = logged_in_source(sent.receipt)

    # When the source of the first asks for the other's file, and for a file that does not exist
    foreign = source.get(f"/tip/inbox/files/{theirs.pk}/")
    missing = source.get(f"/tip/inbox/files/{theirs.pk + 1000}/")

    # Then both get the same 404, and nothing of the file
    assert foreign.status_code == missing.status_code == 404
    assert body_of(foreign) == body_of(missing)
    assert b"not for you" not in body_of(foreign)


def test_a_file_the_source_sent_is_listed_but_not_offered_back(sent):
    # Someone who takes over an open session (a shared or seized device) must not get the
    # originals, with their metadata, back from the server: the source already has them.
    own = TipFile.objects.get(tip=sent.tip)
    source = logged_in_source(sent.receipt)

    inbox = source.get("/tip/inbox/").content.decode()
    response = source.get(f"/tip/inbox/files/{own.pk}/")

    assert "my-own-photo.jpg" in inbox
    assert "/tip/inbox/files/" not in inbox
    assert response.status_code == 404
    assert b"GPS" not in body_of(response)


def test_without_a_session_the_file_is_refused(reviewer_client, sent):
    tip_file = reply_with_file(reviewer_client, sent, "form.txt", b"secret form")
    url = f"/tip/inbox/files/{tip_file.pk}/"
    source = logged_in_source(sent.receipt)
    assert body_of(source.get(url)) == b"secret form"

    never_logged_in = browser_client().get(url, follow=True)
    source.post("/tip/logout/", {"csrfmiddlewaretoken": source.cookies["clarion-csrf"].value})
    logged_out = source.get(url, follow=True)

    for response in (never_logged_in, logged_out):
        assert b"secret form" not in body_of(response)
        assert "Open your inbox" in response.content.decode()
