"""What readers download is the scrubbed copy: checked with exiftool on the published files.

The photo and the PDF carry what cameras, phones and word processors write (author, GPS,
device, software, XMP, IPTC); they go through the editor's upload page, a second editor
publishes the post, and a reader fetches the files from the public page.
"""

from __future__ import annotations

import io
import re

import pikepdf
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.support.builders import SOURCE_NAME, camera_jpeg, exiftool_tags, pdf_document, save, text
from tests.support.publishing import approve, create_post, submit_for_review
from tests.support.tools import require_tool

IDENTIFYING = re.compile(
    r"(Author|Artist|Creator|By-line|Copyright|OwnerName|SerialNumber|Make|Model|Software|Producer|GPS|Comment)",
    re.IGNORECASE,
)


def authored_pdf() -> bytes:
    pdf = pdf_document(text("Minutes of the depot meeting"))
    pdf.docinfo["/Author"] = SOURCE_NAME
    pdf.docinfo["/Creator"] = "Microsoft Word"
    pdf.docinfo["/Producer"] = "macOS Quartz PDFContext"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [SOURCE_NAME]
    return save(pdf)


def upload(client: Client, post, data: bytes, name: str, **fields: str) -> None:  # noqa: ANN001
    response = client.post(f"/staff/posts/{post.pk}/media/", {"file": SimpleUploadedFile(name, data), **fields})
    assert response.status_code == 302, response.content.decode()[:2000]


def test_published_photo_and_pdf_keep_no_author_gps_device_or_software_tags(
    editor_client, second_editor_client, tmp_path
):
    exiftool = require_tool("exiftool", "checking published media needs it")
    photo = camera_jpeg(exiftool, tmp_path)
    pdf = authored_pdf()
    # The originals do carry the tags (a positive control for the check below)
    assert IDENTIFYING.search(" ".join(exiftool_tags(exiftool, photo, tmp_path, ".jpg")))
    assert SOURCE_NAME in str(exiftool_tags(exiftool, pdf, tmp_path, ".pdf").values())

    # Given a post with the photo and the PDF, published by a second editor
    post = create_post(editor_client)
    upload(editor_client, post, photo, "IMG_2041.jpg", title="The workbench", alt_text="A brake line, cut.")
    upload(editor_client, post, pdf, "minutes-jane.pdf", title="Meeting minutes")
    reader = Client()
    media_urls = [m.get_absolute_url() for m in post.media.all()]
    assert [reader.get(url).status_code for url in media_urls] == [404, 404]  # nothing public before approval
    submit_for_review(editor_client, post)
    assert approve(second_editor_client, post).status_code == 302

    # When a reader downloads the files linked from the public page
    html = reader.get(post.get_absolute_url()).content.decode()
    linked = re.findall(r'(?:src|href)="(/media/[0-9a-f]+\.(?:jpg|pdf))"', html)
    assert sorted(linked) == sorted(media_urls)
    downloads = {url: b"".join(reader.get(url).streaming_content) for url in linked}

    # Then exiftool finds no author, GPS, device or software tag, and no XMP or IPTC at all
    for url, data in downloads.items():
        tags = exiftool_tags(exiftool, data, tmp_path, url[-4:])
        assert not [key for key in tags if IDENTIFYING.search(key)], (url, tags)
        assert not [key for key in tags if key.startswith(("XMP", "IPTC"))], (url, tags)
        assert SOURCE_NAME not in str(tags.values()) and SOURCE_NAME.encode() not in data, url
    published_pdf = next(data for url, data in downloads.items() if url.endswith(".pdf"))
    with pikepdf.open(io.BytesIO(published_pdf)) as published:
        assert not published.docinfo.keys() and "/Metadata" not in published.Root
