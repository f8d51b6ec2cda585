"""No duplicate tips: a form sent twice, or a reloaded receipt page, makes one tip and one receipt.

The receipt page is reached by a redirect after the POST (POST, 303, GET) and shows the
receipt once. Until then the receipt is kept only sealed under the form's one-time token,
which the source's browser alone holds; never in an address.
"""

from __future__ import annotations

import http.client
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from clarion import vault
from clarion.intake import form_tokens
from clarion.intake.actions import FormAlreadySent, blob_store, do_submit_tip
from clarion.intake.models import KeyWrap, SentForm, Tip
from clarion.intake.sweep import sweep_sent_forms
from tests.support.live import LiveServer, SourceClient, multipart_body, open_post, receipt_from
from tests.support.people import browser_client
from tests.support.tips import answers_for, form_token_of, receipt_of

RECEIPT_COOKIE = "clarion-receipt"


@pytest.fixture
def client():
    return browser_client()


def filled_form(client, channel, **overrides) -> dict:  # noqa: ANN001
    """Load the channel form as a browser does and return what its "Send" button posts."""
    page = client.get(f"/tip/send/{channel.slug}/")
    return {
        **answers_for(channel, **overrides),
        "form_token": form_token_of(page),
    }


def post(client, channel, data: dict, files=()):  # noqa: ANN001, ANN201
    payload = dict(data)
    if files:
        payload["attachments"] = [SimpleUploadedFile(name, content) for name, content in files]
    return client.post(f"/tip/send/{channel.slug}/", payload)


def test_the_receipt_page_is_reached_by_a_redirect_after_the_post_and_the_address_holds_no_secret(client, channel):
    # When the source sends the form
    response = post(client, channel, filled_form(client, channel))

    # Then the answer is a redirect (303, so the browser follows with a GET), with no receipt in it
    assert response.status_code == 303
    assert response["Location"] == "/tip/receipt/"
    assert not re.search(r'class="receipt-words"', response.content.decode())
    # And the receipt page shows the receipt, once
    page = client.get(response["Location"])
    assert page.status_code == 200
    receipt = receipt_of(page)
    assert len(receipt.split()) == 7
    assert "no-store" in page["Cache-Control"]


def test_reloading_the_receipt_page_shows_no_receipt_and_makes_no_tip(client, channel):
    sent = post(client, channel, filled_form(client, channel))
    first = client.get(sent["Location"])
    receipt = receipt_of(first)

    reload = client.get(sent["Location"])

    html = reload.content.decode()
    assert reload.status_code == 200
    assert "Your receipt was shown already" in html
    assert 'class="receipt-words"' not in html
    for word in receipt.split():
        assert f">{word}<" not in html
    assert Tip.objects.count() == 1


def test_the_same_form_sent_again_makes_no_second_tip_nor_a_second_receipt(client, channel):
    # Given a form sent once, with a file, whose receipt was shown
    data = filled_form(client, channel)
    first = post(client, channel, data, files=[("log.txt", b"entry 1")])
    receipt_of(client.get(first["Location"]))
    blobs = sorted(blob_store().names())

    # When the browser sends the same form again ("Confirm form resubmission", Back and Send)
    again = post(client, channel, data, files=[("log.txt", b"entry 1")])

    # Then it is sent to the receipt page, which shows no new receipt
    assert again.status_code == 303
    page = client.get(again["Location"])
    assert "Your receipt was shown already" in page.content.decode()
    # And there is still one tip, and no second copy of its file
    assert Tip.objects.count() == 1
    assert sorted(blob_store().names()) == blobs


def test_a_form_sent_twice_before_its_receipt_was_shown_shows_that_one_receipt(client, channel):
    # A double click: the browser drops the first answer and follows the second.
    data = filled_form(client, channel)
    post(client, channel, data)

    second = post(client, channel, data)

    receipt = receipt_of(client.get(second["Location"]))
    assert Tip.objects.count() == 1
    client.get("/tip/login/")
    login = client.post(
        "/tip/login/", {"receipt": receipt, "csrfmiddlewaretoken": client.cookies["clarion-csrf"].value}
    )
    assert login.status_code == 302


def test_a_second_commit_of_the_same_form_commits_nothing(channel):
    # Two posts that both passed the "sent already?" check meet at the commit: one wins.
    token = form_tokens.read_form_token(form_tokens.new_form_token())
    sent = {"channel": channel, "answers": [], "message": "Sent twice.", "uploads": [], "form": token}
    do_submit_tip(keys=vault.new_tip_keys(), **sent)

    with pytest.raises(FormAlreadySent):
        do_submit_tip(keys=vault.new_tip_keys(), **sent)

    assert Tip.objects.count() == 1
    assert KeyWrap.objects.values("tip").distinct().count() == 1
    assert SentForm.objects.count() == 1


def test_a_form_without_its_token_or_with_a_forged_one_is_refused_with_the_text_kept(client, channel):
    for token in ["", "made-up-token", form_tokens.new_form_token() + "x"]:
        data = {**filled_form(client, channel, **{"What happened?": "Words typed with care"}), "form_token": token}

        response = post(client, channel, data, files=[("photo.jpg", b"jpeg")])

        assert response.status_code == 400
        html = response.content.decode()
        assert "nothing was sent" in html
        assert "Words typed with care" in html
        # And the form comes back with a fresh token, so sending again works
        assert post(client, channel, {**data, "form_token": form_token_of(response)}).status_code == 303
    assert Tip.objects.count() == 3
    assert len(list(blob_store().names())) == 0


def test_a_form_open_longer_than_a_day_is_refused_with_the_text_kept(client, channel, monkeypatch):
    data = filled_form(client, channel, **{"What happened?": "Words typed with care"})
    monkeypatch.setattr(form_tokens, "FORM_TOKEN_SECONDS", -1)

    response = post(client, channel, data)

    assert response.status_code == 400
    assert "open for more than a day" in response.content.decode()
    assert not Tip.objects.exists()


def test_until_it_is_shown_the_receipt_is_kept_only_sealed_and_the_token_nowhere(client, channel):
    data = filled_form(client, channel)
    sent = post(client, channel, data)
    token = sent.cookies[RECEIPT_COOKIE].value
    nonce = token.split(":")[0]

    (row,) = SentForm.objects.all()
    stored = repr(list(SentForm.objects.values_list()))
    assert nonce not in stored and token not in stored
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM intake_sentform")
        raw = repr(cursor.fetchall())
    receipt = receipt_of(client.get(sent["Location"]))
    assert receipt not in raw
    for word in receipt.split():
        # A short word ("zit") turns up in any base64 text by chance; a long one would not.
        if len(word) >= 6:
            assert word not in raw
    # And once shown, not even the sealed copy is kept
    row.refresh_from_db()
    assert row.sealed_receipt == ""


def test_a_receipt_never_picked_up_is_wiped_and_old_sent_forms_are_forgotten(client, channel):
    sent = post(client, channel, filled_form(client, channel))
    later = timezone.now() + timedelta(seconds=form_tokens.RECEIPT_PICKUP_SECONDS + 1)

    assert sweep_sent_forms(now=later) == (1, 0)
    assert "Your receipt was shown already" in client.get(sent["Location"]).content.decode()
    # The row outlives every token that could post that form again, then goes
    assert SentForm.objects.count() == 1
    assert sweep_sent_forms(now=timezone.now() + timedelta(seconds=form_tokens.FORM_TOKEN_SECONDS + 1)) == (0, 1)
    assert not SentForm.objects.exists()


def test_the_receipt_page_without_a_sent_form_goes_to_the_tip_line(client, channel):
    response = client.get("/tip/receipt/")

    assert response.status_code == 302
    assert response["Location"] == "/tip/"


@pytest.mark.live_server_process
def test_two_identical_posts_at_once_from_one_browser_make_one_tip_and_one_receipt(clarion_server):
    # Given a source's browser with the safety form loaded and filled in, with a file
    server = clarion_server
    source = SourceClient(server)
    _, html = source.get("/tip/send/safety/")
    names = source.question_fields(html)
    answers = {"How urgent is the danger?": "Within weeks", "Which equipment, site or process?": "Press 4"}
    pairs = [*source.form_tokens(html), *((names[label], value) for label, value in answers.items())]
    pairs.append((names["What is unsafe?"], "The guard is removed."))
    body, content_type = multipart_body(pairs, [("attachments", "evidence.bin", os.urandom(8 * 1024 * 1024))])
    tips_before, blobs_before = tip_count(server), blob_count(server)
    # Both posts are held back by their last bytes until both bodies are in, then finish
    # together: both reach the commit at the same moment, the race a double click makes.
    last = 64
    uploaded = threading.Barrier(2)

    def send() -> tuple[int, str, str]:
        conn = open_post(source, "/tip/send/safety/", content_type, len(body))
        conn.send(body[:-last])
        uploaded.wait()
        time.sleep(1)  # the server has read and encrypted everything but the closing boundary
        conn.send(body[-last:])
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status, response.getheader("Location"), response.getheader("Set-Cookie") or ""

    # When the same form is posted twice at the same moment (a double click)
    with ThreadPoolExecutor(2) as pool:
        answered = list(pool.map(lambda _: send(), range(2)))

    # Then both answers send the browser to the receipt page, and one tip with one file exists
    assert [(status, location) for status, location, _ in answered] == [(303, "/tip/receipt/")] * 2
    assert tip_count(server) == tips_before + 1
    assert blob_count(server) == blobs_before + 1
    # And the page the browser follows shows one receipt, once, which opens the tip
    cookie = "; ".join([source.cookie_header(), answered[1][2].split(";", 1)[0]])
    shown = get_with_cookie(server, "/tip/receipt/", cookie)
    receipt = receipt_from(shown)
    assert "Your receipt was shown already" in get_with_cookie(server, "/tip/receipt/", cookie)
    status, inbox = SourceClient(server).post("/tip/login/", {"receipt": receipt})
    assert status == 200 and "The guard is removed." in inbox


def tip_count(server: LiveServer) -> int:
    return server.query("SELECT COUNT(*) FROM intake_tip")[0][0]


def blob_count(server: LiveServer) -> int:
    return sum(1 for path in (server.data_dir / "blobs").rglob("*") if path.is_file())


def get_with_cookie(server: LiveServer, path: str, cookie: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("GET", path, headers={"Cookie": cookie})
    html = conn.getresponse().read().decode()
    conn.close()
    return html
