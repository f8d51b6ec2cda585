"""A source comes back with the receipt, reads replies and sends more; sessions hold no key in clear."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from clarion import vault
from clarion.intake.models import Message, Tip, TipFile
from clarion.vault import receipts
from clarion.web.models import ThrottleBucket
from tests.support.people import browser_client
from tests.support.tips import receipt_of, submit

SOURCE_COOKIE = "clarion-source"


@pytest.fixture
def client():
    return browser_client()


@pytest.fixture
def receipt(client, channel):
    return receipt_of(submit(client, channel, files=[("evidence.pdf", b"%PDF-1.7 ...")]))


def log_in(client: Client, text: str, address: str = "127.0.0.1", **fields):
    client.get("/tip/login/")
    data = {"receipt": text, "csrfmiddlewaretoken": client.cookies["clarion-csrf"].value, **fields}
    return client.post("/tip/login/", data, REMOTE_ADDR=address)


def test_receipt_opens_the_inbox_with_the_submission(client, receipt):
    response = log_in(client, receipt)

    assert response.status_code == 302
    inbox = client.get("/tip/inbox/")
    html = inbox.content.decode()
    assert "Loading bay 3" in html
    assert "The forklift brakes fail." in html
    assert "evidence.pdf" in html
    assert "no-store" in inbox["Cache-Control"]


def test_receipt_is_forgiven_spaces_case_and_line_breaks(client, receipt):
    messy = "  " + "\n".join(word.upper() if i % 2 else word for i, word in enumerate(receipt.split())) + "  "

    assert log_in(client, messy).status_code == 302


def test_receipt_typed_as_the_receipt_page_shows_it_opens_the_inbox(client, receipt):
    # The receipt page numbers the words; people copy the numbers too, on one line or several.
    numbered = " ".join(f"{n}. {word}" for n, word in enumerate(receipt.split(), start=1))
    on_lines = "\n".join(f"{n}) {word.capitalize()}" for n, word in enumerate(receipt.split(), start=1))

    assert log_in(client, numbered).status_code == 302
    assert log_in(browser_client(), on_lines).status_code == 302


def test_a_misnumbered_receipt_names_the_number_and_keeps_what_was_typed(client, receipt):
    words = receipt.split()
    typed = " ".join(f"{n}. {word}" for n, word in enumerate([*words[:2], *words[3:]], start=1)).replace("3.", "4.", 1)

    response = log_in(client, typed)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Word number 4 is the third word you entered" in html
    assert words[3] in html  # the typed text is still in the box


def test_wrong_receipt_gets_the_same_answer_as_an_unknown_receipt(client, receipt):
    words = receipt.split()
    wrong = " ".join([*words[:6], "zebra" if words[6] != "zebra" else "zoom"])
    unknown = " ".join(vault.generate_receipt().split())

    first = log_in(client, wrong)
    second = log_in(browser_client(), unknown)

    def visible(response) -> str:
        html = response.content.decode()
        return html.split("<main", 1)[1].split("</main>", 1)[0].split("csrfmiddlewaretoken")[0]

    assert first.status_code == second.status_code == 400
    assert "No tip matches this receipt." in visible(first)
    assert visible(first) == visible(second).replace(unknown, wrong)


def test_both_wrong_and_unknown_receipts_cost_one_argon2id_pass(client, receipt, monkeypatch):
    calls = []
    real = receipts.derive_key_material

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(receipts, "derive_key_material", counting)
    log_in(client, vault.generate_receipt())
    log_in(client, receipt)

    assert len(calls) == 2


def test_malformed_receipt_says_what_is_wrong(client, receipt):
    response = log_in(client, "only three words")

    assert response.status_code == 400
    assert "seven words" in response.content.decode()


def test_repeated_failures_slow_down_even_a_right_receipt_without_storing_the_address(client, receipt):
    for _ in range(5):
        assert log_in(client, vault.generate_receipt(), address="203.0.113.77").status_code == 400

    blocked = log_in(client, receipt, address="203.0.113.77")
    other_client = log_in(browser_client(), receipt, address="198.51.100.5")

    assert blocked.status_code == 429
    assert "Wait 5 seconds" in blocked.content.decode()
    assert other_client.status_code == 302
    counted = repr(list(ThrottleBucket.objects.values_list()))
    assert ThrottleBucket.objects.exists()
    assert "203.0.113.77" not in counted


def test_session_row_keeps_no_key_in_the_clear_and_expires_after_two_idle_hours(client, receipt):
    log_in(client, receipt)

    session = Session.objects.get()
    decoded = repr(session.get_decoded())
    assert "AGE-SECRET-KEY" not in decoded
    assert "sealed" in decoded
    remaining = session.expire_date - timezone.now()
    assert timedelta(hours=1, minutes=59) < remaining <= timedelta(hours=2)


def test_database_session_alone_does_not_open_the_inbox(client, receipt):
    log_in(client, receipt)
    session_key, _ = client.cookies[SOURCE_COOKIE].value.split(":")
    thief = Client()
    thief.cookies[SOURCE_COOKIE] = f"{session_key}:{vault.new_session_key()}"

    response = thief.get("/tip/inbox/")

    assert response.status_code == 200
    assert "Your session has ended" in response.content.decode()
    assert "Loading bay 3" not in response.content.decode()


def test_idle_session_has_ended(client, receipt):
    log_in(client, receipt)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get("/tip/inbox/")

    assert "Your session has ended" in response.content.decode()


def test_logout_deletes_the_server_session_and_clears_the_site(client, receipt):
    log_in(client, receipt)
    client.get("/tip/inbox/")

    response = client.post("/tip/logout/", {"csrfmiddlewaretoken": client.cookies["clarion-csrf"].value})

    assert response.status_code == 200
    assert '"cookies"' in response["Clear-Site-Data"]
    assert not Session.objects.exists()
    assert client.get("/tip/inbox/").status_code in (200, 302)
    assert "Loading bay 3" not in client.get("/tip/inbox/").content.decode()


def test_reply_written_through_the_vault_is_read_with_the_receipt(client, receipt):
    tip = Tip.objects.get()
    Message.objects.create(
        tip=tip,
        author=Message.Author.REVIEWER,
        created_at=timezone.now(),
        body=vault.encrypt(b"Thank you. Which shift was it?", [tip.conversation_public_key]),
    )

    log_in(client, receipt)
    html = client.get("/tip/inbox/").content.decode()

    assert "Thank you. Which shift was it?" in html


def test_source_sends_a_follow_up_with_files(client, receipt):
    log_in(client, receipt)
    client.get("/tip/inbox/")

    response = client.post(
        "/tip/inbox/",
        {
            "message": "It was the night shift.",
            "attachments": [SimpleUploadedFile("rota.csv", b"night,3")],
            "csrfmiddlewaretoken": client.cookies["clarion-csrf"].value,
        },
    )

    assert response.status_code == 200
    assert TipFile.objects.filter(message__isnull=False).count() == 1
    html = client.get("/tip/inbox/").content.decode()
    assert "It was the night shift." in html
    assert "rota.csv" in html


def test_message_typed_after_the_session_ended_survives_logging_in_again(client, receipt):
    log_in(client, receipt)
    Session.objects.all().delete()

    expired = client.post(
        "/tip/inbox/",
        {"message": "Words I must not lose", "csrfmiddlewaretoken": client.cookies["clarion-csrf"].value},
    )
    assert expired.status_code == 403
    assert "Words I must not lose" in expired.content.decode()

    again = log_in(client, receipt, pending_message="Words I must not lose")

    assert again.status_code == 200
    assert "Words I must not lose</textarea>" in again.content.decode()
    assert not Message.objects.exists()
