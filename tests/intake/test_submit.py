"""A source sends a tip through a channel's form; bad input is explained and nothing is lost."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clarion.intake.actions import blob_store
from clarion.intake.models import Tip, TipFile
from tests.support.people import browser_client
from tests.support.tips import answers_for, form_token_of, receipt_of, submit


@pytest.fixture
def client():
    return browser_client()


def stored_blobs() -> list[str]:
    return list(blob_store().names())


def test_tip_with_every_question_kind_and_two_files_gets_a_receipt(client, channel):
    data = answers_for(
        channel,
        **{"What happened?": "Brakes failed twice.", "Who knows?": ["Colleagues", "Managers"], "When?": "2026-03-14"},
    )
    data[next(q.field_name for q in channel.questions.all() if q.label == "Still happening?")] = "yes"

    response = submit(client, channel, data, files=[("brakes.jpg", b"\xff\xd8jpeg"), ("log.txt", b"entry 1")])

    assert response.status_code == 200
    receipt = receipt_of(response)
    assert len(receipt.split()) == 7
    tip = Tip.objects.get()
    assert tip.channel == channel
    assert sorted(TipFile.objects.values_list("size", flat=True)) == [6, 7]
    assert sorted(stored_blobs()) == sorted(TipFile.objects.values_list("blob", flat=True))
    assert "no-store" in response["Cache-Control"]


def test_stored_blobs_are_age_ciphertext_not_the_file(client, channel):
    submit(client, channel, files=[("memo.txt", b"THE-SECRET-MEMO-CONTENT" * 100)])

    (name,) = stored_blobs()
    with blob_store().open(name) as blob:
        stored = blob.read()
    assert stored.startswith(b"age-encryption.org/v1\n")
    assert b"THE-SECRET-MEMO" not in stored


def test_missing_required_answer_names_the_question_and_keeps_the_text(client, channel):
    data = answers_for(channel, **{"Where?": "", "What happened?": "Kept words 12345"})

    response = submit(client, channel, data, files=[("photo.jpg", b"jpeg")])

    assert response.status_code == 400
    html = response.content.decode()
    assert "Where?</a>: This field is required." in html
    assert "Kept words 12345" in html
    assert "attach them again" in html
    assert not Tip.objects.exists()
    assert stored_blobs() == []


def test_file_too_large_is_refused_with_its_name_and_size_and_answers_are_kept(client, channel):
    channel.max_file_bytes = 1000
    channel.save()
    data = answers_for(channel, **{"What happened?": "Text typed before the big file"})

    response = submit(client, channel, data, files=[("small.txt", b"ok"), ("huge-scan.pdf", b"x" * 5000)])

    assert response.status_code == 400
    html = response.content.decode()
    assert "“huge-scan.pdf” is 4.9\xa0KB; one file may be at most 1000\xa0bytes" in html
    assert "Text typed before the big file" in html
    assert not Tip.objects.exists()
    assert stored_blobs() == []


def test_too_many_files_says_how_many_and_the_limit(client, channel):
    channel.max_files = 2
    channel.save()

    response = submit(client, channel, files=[(f"f{i}.txt", b"data") for i in range(3)])

    assert response.status_code == 400
    assert "You attached 3 files; at most 2 can be sent at once." in response.content.decode()
    assert stored_blobs() == []


def test_files_adding_up_over_the_submission_limit_are_refused(client, channel):
    channel.max_submission_bytes = 1500
    channel.save()

    response = submit(client, channel, files=[("a.bin", b"a" * 1000), ("b.bin", b"b" * 1000)])

    assert response.status_code == 400
    assert "Your files add up to more than 1.5\xa0KB" in response.content.decode()
    assert not Tip.objects.exists()
    assert stored_blobs() == []


def test_channel_without_files_refuses_attachments(client, channel):
    channel.allow_files = False
    channel.save()
    data = answers_for(channel)
    data["form_token"] = form_token_of(client.get(f"/tip/send/{channel.slug}/"))

    data["attachments"] = SimpleUploadedFile("x.txt", b"x")
    response = client.post(f"/tip/send/{channel.slug}/", data)

    assert response.status_code == 400
    assert "This channel does not accept files." in response.content.decode()
    assert stored_blobs() == []


def test_a_form_outliving_its_browser_session_still_sends(client, channel):
    # The form sets no cookie (the SecureDrop directory's no_cookies check), so nothing of it
    # ends with the browser session: only its signed one-time token dates it.
    page = client.get(f"/tip/send/{channel.slug}/")
    assert not page.cookies
    data = {**answers_for(channel, **{"What happened?": "Words typed over an hour"}), "form_token": form_token_of(page)}
    client.cookies.clear()

    response = client.post(f"/tip/send/{channel.slug}/", data, follow=True)

    assert response.status_code == 200
    assert Tip.objects.count() == 1


def test_a_form_without_its_token_keeps_the_text_and_says_what_to_do(client, channel):
    data = answers_for(channel, **{"What happened?": "Words typed over an hour"})

    response = client.post(f"/tip/send/{channel.slug}/", data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "This form was open for more than a day, or was not loaded from this site" in html
    assert "Words typed over an hour" in html
    assert not Tip.objects.exists()


def test_empty_tip_is_refused_with_an_explanation(client, channel):
    for question in channel.questions.all():
        question.required = False
        question.save()

    response = submit(client, channel, {})

    assert response.status_code == 400
    assert "Your tip is empty." in response.content.decode()


def test_closed_channel_is_not_found(client, channel):
    channel.is_open = False
    channel.save()

    assert client.get(f"/tip/send/{channel.slug}/").status_code == 404


def test_file_question_accepts_a_file_and_links_it_to_the_question(client, channel):
    data = answers_for(channel)
    data["form_token"] = form_token_of(client.get(f"/tip/send/{channel.slug}/"))

    photo_field = next(q.field_name for q in channel.questions.all() if q.label == "A photo")
    data[photo_field] = SimpleUploadedFile("bay3.jpg", b"jpegdata")

    response = client.post(f"/tip/send/{channel.slug}/", data, follow=True)

    assert response.status_code == 200
    assert TipFile.objects.get().question.label == "A photo"


def test_tip_secrets_are_wrapped_to_the_receiver_and_the_source_only(client, channel, reviewer):
    submit(client, channel)

    tip = Tip.objects.get()
    holders = sorted((wrap.holder, wrap.user_id) for wrap in tip.key_wraps.all())
    assert holders == [("reviewer", reviewer.pk), ("source", None)]


def test_a_body_cut_off_in_the_middle_of_a_file_leaves_no_blob_and_no_tip(client, channel, settings):
    # Given a browser that loaded the form, when its connection drops halfway through a file
    token = form_token_of(client.get(f"/tip/send/{channel.slug}/"))
    boundary = "cutoff"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="form_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="whole.txt"\r\n'
        "Content-Type: text/plain\r\n\r\ncomplete file\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="half.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + b"x" * 3_000_000

    response = client.post(
        f"/tip/send/{channel.slug}/", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )

    # Then nothing of it is kept: no tip, no blob, no partial temporary
    assert response.status_code == 400
    assert not Tip.objects.exists()
    assert [path for path in settings.CLARION_BLOB_DIR.rglob("*") if path.is_file()] == []


def test_the_form_shows_a_question_changed_by_an_admin_at_once(client, channel):
    assert "Where?" in client.get(f"/tip/send/{channel.slug}/").content.decode()
    question = channel.questions.get(label="Where?")
    question.label = "Which site or building?"
    question.save()

    html = client.get(f"/tip/send/{channel.slug}/").content.decode()

    assert "Which site or building?" in html
    assert "Where?" not in html
