"""A reviewer opens a tip they hold a key for: answers, messages and files, decrypted."""

from __future__ import annotations

import io
import re
import uuid
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from clarion import vault
from clarion.audit.models import AuditEntry
from clarion.intake.models import KeyWrap, Message, TipFile
from clarion.vault import BlobStore
from tests.support.people import logged_in_client
from tests.support.tips import send_tip


def test_reviewer_reads_the_decrypted_answers_message_and_files(reviewer_client, sent):
    response = reviewer_client.get(sent.url)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Loading bay 3" in html
    assert "The forklift brakes fail." in html
    assert "evidence.pdf" in html
    assert sent.tip.case.reference in html
    assert "no-store" in response["Cache-Control"]


def test_reviewer_without_a_key_wrap_gets_the_same_404_as_for_a_missing_tip(reviewer_client, colleague_client, sent):
    # Given one tip the reviewer reads (their success is the control)
    assert reviewer_client.get(sent.url).status_code == 200

    # When a colleague without a wrap asks for it, and for an id that does not exist
    not_yours = colleague_client.get(sent.url)
    missing = colleague_client.get(f"/staff/cases/{uuid.uuid4()}/")

    # Then both answer 404 with the same page
    assert not_yours.status_code == missing.status_code == 404
    assert not_yours.content == missing.content


def test_someone_not_logged_in_is_sent_to_log_in(sent):
    response = Client().get(sent.url)

    assert response.status_code == 302
    assert sent.tip.case.reference not in response.content.decode()


def test_opening_a_tip_is_audited_without_content(reviewer, reviewer_client, sent):
    reviewer_client.get(sent.url)

    entry = AuditEntry.objects.filter(action="tip.read").get()
    assert entry.actor_id == reviewer.pk and (entry.subject_type, entry.subject_id) == ("tip", str(sent.tip.pk))
    assert "forklift" not in entry.detail


def test_file_downloads_as_a_streamed_attachment_never_inline(reviewer_client, sent):
    tip_file = TipFile.objects.get(tip=sent.tip)

    response = reviewer_client.get(f"{sent.url}files/{tip_file.pk}/")

    assert response.status_code == 200
    assert response.streaming
    assert b"".join(response.streaming_content) == b"%PDF-1.7 brakes"
    assert response["Content-Disposition"] == 'attachment; filename="evidence.pdf"'
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AuditEntry.objects.about(sent.tip).filter(action="file.download").exists()


def test_file_download_is_denied_like_the_tip(reviewer_client, colleague_client, sent, channel):
    tip_file = TipFile.objects.get(tip=sent.tip)
    other = send_tip(channel)
    url = f"{sent.url}files/{tip_file.pk}/"
    assert reviewer_client.get(url).status_code == 200

    assert colleague_client.get(url).status_code == 404
    # A file id that belongs to another tip is not reachable through this one.
    assert reviewer_client.get(f"{other.url}files/{tip_file.pk}/").status_code == 404


def test_a_damaged_file_fails_as_an_error_page_not_a_half_download(reviewer_client, sent, settings):
    tip_file = TipFile.objects.get(tip=sent.tip)
    path = settings.CLARION_BLOB_DIR

    blob_path = BlobStore(path).path(tip_file.blob)
    blob_path.write_bytes(b"not an age file at all")

    response = reviewer_client.get(f"{sent.url}files/{tip_file.pk}/")

    assert response.status_code == 403
    assert not response.streaming
    assert "Content-Disposition" not in response


def test_a_session_whose_identity_does_not_open_the_wrap_gets_a_plain_error(reviewer, sent):
    # Given the reviewer's wrap was made to a key they no longer hold
    stranger = vault.generate_keypair()
    wrap = KeyWrap.objects.get(tip=sent.tip, user=reviewer)
    wrap.wrapped = vault.wrap_secrets(
        {"conversation": stranger.identity, "case": stranger.identity}, [stranger.recipient]
    )
    wrap.save()

    response = logged_in_client(reviewer).get(sent.url)

    assert response.status_code == 403
    assert "does not open this tip" in response.content.decode()


def test_staff_pages_carry_the_protective_headers(reviewer_client, sent):
    for url in ("/staff/cases/", sent.url):
        response = reviewer_client.get(url)

        assert response.status_code == 200
        csp = response["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "unsafe-inline" not in csp
        assert response["Referrer-Policy"] == "no-referrer"
        assert response["X-Frame-Options"] == "DENY"
        assert "no-store" in response["Cache-Control"]
        html = response.content.decode()
        assert not re.search(r'(?:src|href|action)="(?:https?:)?//', html)


def test_a_reply_without_its_csrf_token_is_refused_and_leaves_no_file(reviewer_client, sent, settings):
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = reviewer_client.cookies
    blobs_before = sorted(p.name for p in settings.CLARION_BLOB_DIR.rglob("*") if p.is_file())

    response = strict.post(
        f"{sent.url}reply/", {"message": "hi", "attachments": [SimpleUploadedFile("a.txt", b"x" * 1000)]}
    )

    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not Message.objects.filter(author=Message.Author.REVIEWER).exists()
    assert sorted(p.name for p in settings.CLARION_BLOB_DIR.rglob("*") if p.is_file()) == blobs_before


def test_a_stale_wrap_to_an_old_key_neither_blocks_nor_duplicates_the_tip(reviewer, reviewer_client, sent):
    # Given an extra wrap to a key the reviewer held before an admin reset
    old_key = vault.generate_keypair()
    KeyWrap.objects.create(
        tip=sent.tip,
        holder=KeyWrap.Holder.REVIEWER,
        user=reviewer,
        recipient=old_key.recipient,
        wrapped=vault.wrap_secrets({"conversation": old_key.identity, "case": old_key.identity}, [old_key.recipient]),
    )

    assert reviewer_client.get(sent.url).status_code == 200
    inbox = reviewer_client.get("/staff/cases/").content.decode()
    assert inbox.count(sent.tip.case.reference) == 1


def test_an_export_downloads_as_a_zip_of_ciphertext_and_is_audited(reviewer, reviewer_client, colleague_client, sent):
    keypair = vault.generate_keypair()  # made on the reviewer's offline machine
    export = {"route": "key", "public_key": keypair.recipient}
    response = reviewer_client.post(f"{sent.url}export/", export)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    for name in archive.namelist():
        assert b"forklift" not in archive.read(name)
    keys = vault.decrypt(archive.read("keys.age"), [keypair.identity]).decode()
    conversation = [line for line in keys.splitlines() if line.startswith("AGE-SECRET-KEY-")][0]
    assert b"forklift" in vault.decrypt(archive.read("answers.age"), [conversation])
    assert AuditEntry.objects.about(sent.tip).filter(action="tip.exported", actor_id=reviewer.pk).exists()
    # The same request from a colleague without a wrap is denied
    assert colleague_client.post(f"{sent.url}export/", export).status_code == 404
