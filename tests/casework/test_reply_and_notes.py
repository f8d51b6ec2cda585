"""Reviewers reply to the source (who reads it with the receipt) and keep notes the source never sees."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from clarion import vault
from clarion.accounts.keys import unlock_identity
from clarion.audit.models import AuditEntry
from clarion.casework.actions import do_add_note
from clarion.casework.models import Note
from clarion.intake.models import KeyWrap, Message, TipFile
from tests.support.people import browser_client

CANARY = "CANARY-7f3e-reply"
NOTE_CANARY = "CANARY-91aa-note"


def source_inbox(receipt: str) -> str:
    client = browser_client()
    client.get("/tip/login/")
    response = client.post(
        "/tip/login/", {"receipt": receipt, "csrfmiddlewaretoken": client.cookies["clarion-csrf"].value}
    )
    assert response.status_code == 302
    return client.get("/tip/inbox/").content.decode()


def reply(client, sent, message: str, files=()):  # noqa: ANN001, ANN201
    payload = {"message": message}
    if files:
        payload["attachments"] = [SimpleUploadedFile(name, content) for name, content in files]
    return client.post(f"{sent.url}reply/", payload)


def test_the_source_reads_the_reply_and_its_file_after_logging_in_with_the_receipt(reviewer, reviewer_client, sent):
    response = reply(reviewer_client, sent, f"Which shift? {CANARY}", files=[("form.txt", b"fill me in")])

    assert response.status_code == 302
    msg = Message.objects.get(tip=sent.tip, author=Message.Author.REVIEWER)
    assert msg.sent_by == reviewer
    html = source_inbox(sent.receipt)
    assert CANARY in html
    assert "form.txt" in html
    # The reviewer sees it in order after the tip, too.
    assert CANARY in reviewer_client.get(sent.url).content.decode()


def test_a_reply_and_its_file_are_ciphertext_at_rest(reviewer_client, sent, settings):
    reply(reviewer_client, sent, CANARY, files=[("secret-name.txt", CANARY.encode() * 10)])

    msg = Message.objects.get(tip=sent.tip, author=Message.Author.REVIEWER)
    assert CANARY.encode() not in bytes(msg.body)
    tip_file = TipFile.objects.get(message=msg)
    assert b"secret-name" not in bytes(tip_file.name)
    for blob in settings.CLARION_BLOB_DIR.rglob("*"):
        if blob.is_file():
            assert CANARY.encode() not in blob.read_bytes()
    assert AuditEntry.objects.about(sent.tip).filter(action="message.sent").exists()


def test_an_empty_reply_is_refused_with_a_plain_message(reviewer_client, sent):
    response = reply(reviewer_client, sent, "")

    assert response.status_code == 400
    assert "Your reply has not been sent" in response.content.decode()
    assert not Message.objects.filter(tip=sent.tip, author=Message.Author.REVIEWER).exists()


def test_a_colleague_without_a_wrap_cannot_reply_or_note(colleague_client, reviewer_client, sent):
    # The same posts succeed for the reviewer who holds a wrap (the control).
    assert reply(reviewer_client, sent, "ok").status_code == 302
    assert reviewer_client.post(f"{sent.url}notes/", {"note": "ok"}).status_code == 302

    assert reply(colleague_client, sent, "hello").status_code == 404
    assert colleague_client.post(f"{sent.url}notes/", {"note": "hello"}).status_code == 404
    assert Message.objects.filter(tip=sent.tip, author=Message.Author.REVIEWER).count() == 1
    assert Note.objects.filter(tip=sent.tip).count() == 1


def test_notes_are_shown_to_reviewers_never_to_the_source_and_stored_as_ciphertext(reviewer_client, sent):
    response = reviewer_client.post(f"{sent.url}notes/", {"note": f"Check the rota. {NOTE_CANARY}"})

    assert response.status_code == 302
    assert NOTE_CANARY in reviewer_client.get(sent.url).content.decode()
    assert NOTE_CANARY not in source_inbox(sent.receipt)
    note = Note.objects.get(tip=sent.tip)
    assert NOTE_CANARY.encode() not in bytes(note.body)
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM casework_note")
        (raw,) = cursor.fetchone()
    assert NOTE_CANARY.encode() not in bytes(raw)


@pytest.mark.parametrize("key", ["conversation", "case"])
def test_notes_open_only_with_the_case_key(reviewer, sent, key):
    do_add_note(actor=reviewer, tip=sent.tip, text=NOTE_CANARY)
    keypair = unlock_identity(reviewer.key_custody, "correct horse battery staple")
    secrets_ = vault.unwrap_secrets(bytes(KeyWrap.objects.get(tip=sent.tip, user=reviewer).wrapped), [keypair.identity])
    body = bytes(Note.objects.get().body)

    if key == "case":
        assert vault.decrypt(body, [secrets_["case"]]).decode() == NOTE_CANARY
    else:
        # The source holds only the conversation key: it does not open a note.
        with pytest.raises(vault.DecryptionError):
            vault.decrypt(body, [secrets_["conversation"]])
