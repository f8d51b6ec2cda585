"""Floods of tips, messages and files are bounded, and a source over a limit loses no typed word (M4, ASVS 2.4.1).

Tips and source messages are limited per keyed client address and for the whole site (over an
onion service every source shares one address); files per channel and 24 hours. The limits
are taken before a byte of the body is read, so nothing uploaded over a limit is kept.
These tests use the test client in one process; tests/intake/test_floods_live.py floods the
real server.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from clarion import vault
from clarion.intake.actions import blob_store
from clarion.intake.models import Channel, Message, Tip
from clarion.web.uploads import EncryptingUploadHandler, UploadLimits
from tests.support.people import browser_client
from tests.support.tips import answers_for, receipt_of, submit


def stored_blobs() -> list[str]:
    return list(blob_store().names())


def submit_from(address: str, channel: Channel, text: str = "Typed before the flood limit", files=()):  # noqa: ANN001, ANN201
    client = browser_client()
    client.defaults["REMOTE_ADDR"] = address
    data = answers_for(channel, **{"What happened?": text})
    return submit(client, channel, data, files=list(files))


def test_a_file_under_a_field_name_the_form_lacks_is_refused_and_nothing_is_stored(channel):
    client = browser_client()
    client.get(f"/tip/send/{channel.slug}/")
    data = answers_for(channel, **{"What happened?": "Words next to a stray file"})
    data["zzz"] = SimpleUploadedFile("orphan1.bin", b"stray bytes " * 100)
    data["attachments"] = [SimpleUploadedFile("real.txt", b"a real attachment")]

    response = client.post(f"/tip/send/{channel.slug}/", data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "no place for" in html
    assert "Words next to a stray file" in html
    assert not Tip.objects.exists()
    assert stored_blobs() == []


def test_a_stray_file_part_is_never_opened_for_writing_even_while_it_arrives(channel, settings, tmp_path):
    # The blob store's folder stays empty while a stray part streams: no temporary blob either.
    store = vault.BlobStore(tmp_path / "stray")
    limits = UploadLimits(max_files=10, max_file_bytes=10**9, max_submission_bytes=10**9)
    handler = EncryptingUploadHandler(
        store=store, recipients=[vault.generate_keypair().recipient], limits=limits, file_fields={"attachments"}
    )
    try:
        handler.new_file("zzz", "orphan.bin", "application/octet-stream", None)
    except Exception:  # noqa: S110 - StopFutureHandlers: the part goes to no other handler
        pass
    handler.receive_data_chunk(b"x" * 4096, 0)

    assert [p for p in (tmp_path / "stray").rglob("*") if p.is_file()] == []
    assert handler.file_complete(4096) is None
    assert handler.report.unexpected


def test_one_address_over_its_budget_sees_a_busy_page_that_keeps_its_words_and_stores_no_file(channel, settings):
    settings.CLARION_SOURCE_POSTS_PER_ADDRESS = 2
    for n in range(2):
        assert submit_from("203.0.113.5", channel, f"tip {n}").status_code == 200
    blobs_before = stored_blobs()

    response = submit_from(
        "203.0.113.5", channel, "Words typed while the site was busy", files=[("memo.pdf", b"%PDF " * 2000)]
    )

    assert response.status_code == 429
    html = response.content.decode()
    assert "busy" in html and "minutes" in html
    assert "Words typed while the site was busy" in html
    assert "attach them again" in html
    assert Tip.objects.count() == 2
    assert stored_blobs() == blobs_before
    assert submit_from("198.51.100.9", channel).status_code == 200


def test_the_site_wide_budget_holds_across_addresses(channel, settings):
    settings.CLARION_SOURCE_POSTS_PER_SITE = 3
    statuses = [submit_from(f"203.0.113.{n}", channel).status_code for n in range(1, 6)]

    assert statuses == [200, 200, 200, 429, 429]
    assert Tip.objects.count() == 3


def test_source_messages_share_the_budget_and_keep_the_message_typed(channel, settings):
    settings.CLARION_SOURCE_POSTS_PER_ADDRESS = 3
    client = browser_client()
    client.defaults["REMOTE_ADDR"] = "203.0.113.40"
    receipt = receipt_of(submit(client, channel))
    client.get("/tip/login/")
    token = client.cookies["clarion-csrf"].value
    assert client.post("/tip/login/", {"receipt": receipt, "csrfmiddlewaretoken": token}).status_code == 302

    def send(text: str):  # noqa: ANN202
        return client.post(
            "/tip/inbox/", {"message": text, "csrfmiddlewaretoken": client.cookies["clarion-csrf"].value}
        )

    assert send("first follow-up").status_code == 200
    assert send("second follow-up").status_code == 200
    response = send("A follow-up typed while busy")

    assert response.status_code == 429
    html = response.content.decode()
    assert "A follow-up typed while busy" in html
    assert "busy" in html
    assert Message.objects.count() == 2


def test_a_channels_daily_byte_budget_refuses_files_over_it_but_keeps_the_text(channel):
    channel.daily_byte_budget = 100_000
    channel.save()
    assert submit_from("203.0.113.70", channel, files=[("first.bin", b"a" * 60_000)]).status_code == 200
    blobs_before = stored_blobs()

    response = submit_from(
        "203.0.113.71", channel, "Text sent with a file too many", files=[("second.bin", b"b" * 60_000)]
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "as many files today as it can store" in html
    assert "Text sent with a file too many" in html
    assert stored_blobs() == blobs_before
    assert Tip.objects.count() == 1
    # The same words without the file go through.
    assert submit_from("203.0.113.71", channel, "Text sent without the file").status_code == 200


def test_the_byte_budget_counts_only_what_was_stored(channel):
    channel.daily_byte_budget = 150_000
    channel.save()
    # A refused submission (a missing answer) gives its reservation back.
    client = browser_client()
    data = answers_for(channel, **{"Where?": ""})
    assert submit(client, channel, data, files=[("big.bin", b"c" * 100_000)]).status_code == 400

    assert submit_from("203.0.113.80", channel, files=[("kept.bin", b"d" * 100_000)]).status_code == 200


def test_a_post_without_files_never_touches_the_byte_budget(channel):
    channel.daily_byte_budget = 0
    channel.save()

    assert submit_from("203.0.113.90", channel, "Only words").status_code == 200
    refused = submit_from("203.0.113.91", channel, "Words and a file", files=[("one.bin", b"e" * 10)])
    assert refused.status_code == 400 and "as many files today as it can store" in refused.content.decode()
