"""Editors attach images and PDFs; only the scrubbed copy is kept, and the page says what was removed."""

from __future__ import annotations

import io
import tracemalloc

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from clarion.publishing import actions, media_store
from clarion.publishing.models import Media, Post
from clarion.web.uploads import InMemoryUploadHandler
from tests.support.builders import box, pdf_bytes, text
from tests.support.people import PASSWORD, browser_client, csrf, logged_in_client
from tests.support.publishing import approve, create_post, keys_for, opened, page_of, photo_with_exif, post_data, upload


def test_an_uploaded_photo_is_kept_without_its_metadata_and_the_page_says_what_was_removed(editor_client):
    post = create_post(editor_client)

    response = upload(
        editor_client, post, photo_with_exif(), "IMG_2041.jpg", alt_text="A brake line cut through, on a workbench."
    )

    assert response.status_code == 302 and response["Location"] == f"/staff/posts/{post.pk}/#media"
    media = Media.objects.get(post=post)
    assert media.kind == Media.Kind.IMAGE and (media.width, media.height) == (32, 24)
    assert actions.media_report(media, keys_for(media.uploaded_by)) == [
        "EXIF: camera make and model (Canon, EOS 5D)",
        "EXIF: GPS position",
    ]
    html = page_of(editor_client, post)
    assert "EXIF: GPS position" in html and "EXIF: camera make and model (Canon, EOS 5D)" in html
    assert "IMG_2041" not in html
    # The copy editors preview (before publication) is the scrubbed one, decrypted for them
    preview = editor_client.get(f"/staff/posts/media/{media.filename}")
    assert preview.status_code == 200 and "no-store" in preview["Cache-Control"]
    shown = preview.content
    assert dict(Image.open(io.BytesIO(shown)).getexif()) == {}
    assert b"Canon" not in shown
    # and at rest it is only ciphertext until a revision that carries it is published
    assert not media_store.path_of(media.filename).exists()
    sealed = media_store.sealed_path_of(media.token).read_bytes()
    assert sealed.startswith(b"age-encryption.org/v1") and shown not in sealed


def test_an_image_without_alt_text_is_refused_and_nothing_is_kept(editor_client):
    post = create_post(editor_client)

    response = upload(editor_client, post, photo_with_exif(), "photo.jpg", title="The cut brake line", alt_text="")

    html = response.content.decode()
    assert response.status_code == 400
    assert "Describe what the image shows (alt text)" in html
    assert 'value="The cut brake line"' in html
    assert not Media.objects.exists()
    assert not any(media_store.media_dir().iterdir())


def test_a_file_that_is_neither_image_nor_pdf_gets_a_clear_message_and_the_title_is_kept(editor_client):
    post = create_post(editor_client)

    response = upload(editor_client, post, b"Name,Badge\nJ. Smith,004521\n", "roster.csv", title="The night roster")

    html = response.content.decode()
    assert response.status_code == 400
    assert "Clarion publishes JPEG, PNG, WebP and GIF images and PDFs only" in html
    assert 'value="The night roster"' in html
    assert "choose the file again" in html
    assert not Media.objects.exists()


def test_a_pdf_with_text_left_under_a_black_box_is_refused_naming_the_page(editor_client):
    post = create_post(editor_client)
    leaky = pdf_bytes(text("Jane Insider") + box())

    response = upload(editor_client, post, leaky, "minutes.pdf", title="Minutes of the safety meeting")

    html = response.content.decode()
    assert response.status_code == 400
    assert "Page 1 has text under a black box" in html
    assert "Jane Insider" not in html
    assert 'value="Minutes of the safety meeting"' in html
    assert not Media.objects.exists()


def test_a_clean_pdf_is_kept_as_a_document_without_alt_text(editor_client):
    post = create_post(editor_client)

    upload(editor_client, post, pdf_bytes(text("Minutes of the meeting")), "minutes.pdf", title="Minutes")

    media = Media.objects.get(post=post)
    assert media.kind == Media.Kind.DOCUMENT and media.extension == ".pdf"
    preview = editor_client.get(f"/staff/posts/media/{media.filename}")
    assert preview.status_code == 200 and preview["Content-Disposition"].startswith("attachment")


def test_choosing_no_file_gets_a_message(editor_client):
    post = create_post(editor_client)

    response = editor_client.post(f"/staff/posts/{post.pk}/media/", {"title": "Minutes"})

    assert response.status_code == 400
    assert "Choose an image or a PDF to upload." in response.content.decode()


def test_a_file_over_the_size_limit_is_refused_with_its_size(editor_client, settings):
    settings.CLARION_MAX_MEDIA_BYTES = 1024
    post = create_post(editor_client)

    response = upload(editor_client, post, photo_with_exif() + b"\0" * 4096, "big.jpg", alt_text="Big.")

    html = response.content.decode()
    assert response.status_code == 400
    assert "a file may be at most 1.0\xa0KB" in html
    assert not Media.objects.exists()


def test_removing_a_file_saves_a_revision_without_it(editor_client):
    post = create_post(editor_client)
    upload(editor_client, post, photo_with_exif(), "photo.jpg", alt_text="A brake line.")
    media = Media.objects.get()

    response = editor_client.post(f"/staff/posts/{post.pk}/media/{media.pk}/remove/")

    # The file leaves the latest revision; the earlier one, which carried it, keeps it in the history
    assert response.status_code == 302
    assert post.revisions.count() == 3
    assert opened(post.latest_revision).media == ()
    assert "No images or documents in this revision." in page_of(editor_client, post)
    assert not media_store.path_of(media.filename).exists()
    assert editor_client.post(f"/staff/posts/{post.pk}/media/{media.pk}/remove/").status_code == 400


def test_media_previews_are_for_editors_only(editor_client, reviewer_client):
    post = create_post(editor_client)
    upload(editor_client, post, photo_with_exif(), "photo.jpg", alt_text="A brake line.")
    url = f"/staff/posts/media/{Media.objects.get().filename}"
    assert editor_client.get(url).status_code == 200

    assert reviewer_client.get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_an_upload_without_the_forms_token_is_refused_and_one_with_it_is_kept(editor):
    # Given a browser that sends CSRF tokens as real ones do
    browser = logged_in_client(editor, password=PASSWORD, client=browser_client())
    browser.get("/staff/posts/new/")
    browser.post("/staff/posts/new/", {**post_data(), **csrf(browser)})
    post = Post.objects.get()
    fields = {"title": "The cut brake line", "alt_text": "A brake line."}

    # When a form without the token is posted, then one with it
    forged = browser.post(
        f"/staff/posts/{post.pk}/media/", {**fields, "file": SimpleUploadedFile("a.jpg", photo_with_exif())}
    )
    genuine = browser.post(
        f"/staff/posts/{post.pk}/media/",
        {**fields, **csrf(browser), "file": SimpleUploadedFile("a.jpg", photo_with_exif())},
    )

    # Then only the second is kept
    assert forged.status_code == 403 and "This form expired" in forged.content.decode()
    assert genuine.status_code == 302
    assert Media.objects.count() == 1


def test_a_request_with_several_file_parts_is_refused_and_nothing_is_kept(editor_client):
    # The security review's L5: one request may carry up to 1,000 file parts
    post = create_post(editor_client)
    fields = {
        "file": [SimpleUploadedFile("a.jpg", photo_with_exif()), SimpleUploadedFile("b.jpg", photo_with_exif())],
        "other": SimpleUploadedFile("c.jpg", photo_with_exif()),
        "title": "Two photos",
        "alt_text": "A brake line.",
    }

    response = editor_client.post(f"/staff/posts/{post.pk}/media/", fields)

    assert response.status_code == 400
    assert "Upload one file at a time" in response.content.decode()
    assert 'value="Two photos"' in response.content.decode()
    assert not Media.objects.exists()


def test_the_upload_handler_keeps_one_file_in_memory_whatever_the_number_of_parts():
    chunk = bytes(64 * 1024)
    handler = InMemoryUploadHandler(max_bytes=25 * 1024 * 1024)
    tracemalloc.start()
    try:
        kept = None
        for part in range(40):  # 40 parts of 1 MiB each
            handler.new_file("file" if part < 2 else f"extra{part}", f"{part}.jpg", "image/jpeg", None)
            for index in range(16):
                handler.receive_data_chunk(chunk, index * len(chunk))
            done = handler.file_complete(16 * len(chunk))
            kept = kept or done
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert kept is not None and kept.size == 1024 * 1024
    assert handler.extra_parts == 39
    assert peak < 3 * 1024 * 1024  # one file of 1 MiB (and its growth), not 40


def test_an_image_placed_in_the_text_is_shown_once(editor_client, second_editor_client):
    # Following the page's own snippet must not show the image twice (newcomer trial)
    post = create_post(editor_client, slug="placed")
    upload(editor_client, post, photo_with_exif(), "photo.jpg", alt_text="A cut brake line.")
    media = Media.objects.get()
    edit_post_response = editor_client.post(
        f"/staff/posts/{post.pk}/edit/",
        {**post_data(slug="placed"), "body": f"Look:\n\n![A cut brake line.]({media.get_absolute_url()})"},
    )
    assert edit_post_response.status_code == 302
    assert opened(post.latest_revision).media_ids == [media.pk]  # the file carried over the edit
    editor_client.post(f"/staff/posts/{post.pk}/submit/")
    assert approve(second_editor_client, post).status_code == 302

    html = Client().get("/posts/placed/").content.decode()

    assert html.count(f'src="{media.get_absolute_url()}"') == 1
