"""Test that published PDFs keep their pages and lose metadata, attachments, scripts and history."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pikepdf
import pytest
from pdfminer.high_level import extract_text
from pikepdf import Array, Dictionary, Name, String

from clarion.scrub import Scrubbed, ScrubError, UnsupportedFile, scrub_file, scrub_pdf
from tests.support.builders import SOURCE_NAME, exiftool_tags, fully_decompressed, pdf_bytes, pdf_document, save, text
from tests.support.tools import require_tool

REPORT = text("Public report on plant 7")


@pytest.fixture(scope="module")
def exiftool() -> str:
    """Return exiftool's path, or skip: checking scrubbed media needs an independent reader."""
    return require_tool("exiftool", "checking scrubbed media needs it")


@pytest.fixture
def authored_pdf() -> bytes:
    """Return a PDF as an office suite exports it: document info, XMP and an attached draft."""
    pdf = pdf_document(REPORT)
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        xmp["dc:creator"] = [SOURCE_NAME]
        xmp["xmp:CreatorTool"] = "Microsoft Word"
    pdf.docinfo["/Title"] = "Draft for the union"
    pdf.docinfo["/Author"] = SOURCE_NAME
    pdf.docinfo["/Creator"] = "Microsoft Word"
    pdf.docinfo["/Producer"] = "macOS Quartz PDFContext"
    pdf.attachments["notes.docx"] = pikepdf.AttachedFileSpec(
        pdf, f"notes by {SOURCE_NAME}".encode(), filename="notes.docx"
    )
    return save(pdf)


@pytest.fixture
def scrubbed_authored_pdf(authored_pdf: bytes) -> Scrubbed:
    """Return the scrubbed copy of the authored PDF."""
    return scrub_pdf(authored_pdf)


def test_published_pdf_keeps_no_author_creator_producer_or_xmp(
    scrubbed_authored_pdf: Scrubbed, exiftool: str, tmp_path: Path
) -> None:
    tags = exiftool_tags(exiftool, scrubbed_authored_pdf.data, tmp_path, ".pdf")

    assert not {"PDF:Author", "PDF:Creator", "PDF:Producer", "PDF:Title"} & set(tags), tags
    assert not [key for key in tags if key.startswith("XMP")], tags
    with pikepdf.open(io.BytesIO(scrubbed_authored_pdf.data)) as pdf:
        assert "/Info" not in pdf.trailer
        assert "/Metadata" not in pdf.Root
        assert not pdf.attachments
        assert "/AF" not in pdf.Root


def test_no_trace_of_the_author_or_our_own_tools_is_left_anywhere_in_the_file(scrubbed_authored_pdf: Scrubbed) -> None:
    everything = fully_decompressed(scrubbed_authored_pdf.data)

    assert SOURCE_NAME.encode() not in everything
    assert b"notes.docx" not in everything
    assert b"pikepdf" not in everything.lower() and b"qpdf" not in everything.lower()


def test_published_pdf_still_shows_its_pages(scrubbed_authored_pdf: Scrubbed) -> None:
    assert "Public report on plant 7" in extract_text(io.BytesIO(scrubbed_authored_pdf.data))
    assert (scrubbed_authored_pdf.media_type, scrubbed_authored_pdf.extension) == ("application/pdf", ".pdf")
    assert scrubbed_authored_pdf.width is None and scrubbed_authored_pdf.height is None


def test_editor_is_told_which_info_keys_xmp_and_attachments_were_removed(scrubbed_authored_pdf: Scrubbed) -> None:
    removed = scrubbed_authored_pdf.removed

    assert "PDF document info: Title, Author, Creator, Producer" in removed
    assert "PDF XMP metadata" in removed
    assert "PDF embedded file: notes.docx" in removed


def test_original_document_id_is_not_kept(authored_pdf: bytes, scrubbed_authored_pdf: Scrubbed) -> None:
    # The /ID of the author's file would link the published copy to it.
    with (
        pikepdf.open(io.BytesIO(authored_pdf)) as before,
        pikepdf.open(io.BytesIO(scrubbed_authored_pdf.data)) as after,
    ):
        old_ids = {bytes(part) for part in before.trailer.ID}
        new_ids = {bytes(part) for part in after.trailer.ID}
    assert not old_ids & new_ids
    assert not any(part.hex().encode() in scrubbed_authored_pdf.data.lower() for part in old_ids)


def test_same_upload_gives_the_same_copy(authored_pdf: bytes) -> None:
    # A deterministic /ID: nothing of the scrubbing moment (time, randomness) is written.
    assert scrub_pdf(authored_pdf).data == scrub_pdf(authored_pdf).data


def test_file_attachment_annotations_are_removed_and_named() -> None:
    pdf = pdf_document(REPORT)
    spec = pikepdf.AttachedFileSpec(pdf, b"payroll", filename="payroll.xlsx").obj
    link = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([0, 0, 10, 10]))
    clip = Dictionary(Type=Name.Annot, Subtype=Name.FileAttachment, Rect=Array([20, 20, 30, 30]), FS=spec)
    pdf.pages[0].obj.Annots = Array([pdf.make_indirect(link), pdf.make_indirect(clip)])

    result = scrub_pdf(save(pdf))

    assert "PDF embedded file: payroll.xlsx" in result.removed
    with pikepdf.open(io.BytesIO(result.data)) as clean:
        assert [str(annot.Subtype) for annot in clean.pages[0].Annots] == ["/Link"]
    assert b"payroll" not in fully_decompressed(result.data)


def test_javascript_open_actions_and_automatic_actions_are_removed() -> None:
    pdf = pdf_document(REPORT)
    script = Dictionary(S=Name.JavaScript, JS=String("app.launchURL('https://tracker.example/opened');"))
    pdf.Root.OpenAction = pdf.make_indirect(script)
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("init"), pdf.make_indirect(script)])))
    pdf.pages[0].obj.AA = Dictionary(O=script)
    link = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([0, 0, 10, 10]), A=script)
    # A harmless-looking web link whose chained action runs a script
    website = Dictionary(S=Name.URI, URI=String("https://union.example/"), Next=Array([script]))
    chained = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([20, 0, 30, 10]), A=website)
    pdf.pages[0].obj.Annots = Array([pdf.make_indirect(link), pdf.make_indirect(chained)])

    result = scrub_pdf(save(pdf))

    assert {"PDF JavaScript", "PDF open action", "PDF automatic actions"} <= set(result.removed)
    everything = fully_decompressed(result.data)
    assert b"tracker.example" not in everything
    assert not re.search(rb"/(JavaScript|OpenAction|AA|JS)\b", everything)
    assert b"https://union.example/" in everything  # ordinary links stay


def test_page_thumbnails_and_application_data_are_removed() -> None:
    pdf = pdf_document(REPORT)
    page = pdf.pages[0].obj
    page.Thumb = pdf.make_stream(b"\x00" * 12, Width=2, Height=2, ColorSpace=Name.DeviceRGB, BitsPerComponent=8)
    original = pdf.make_stream(b"the whole original Illustrator file, by Jane Insider")
    page.PieceInfo = Dictionary(Illustrator=Dictionary(Private=original, LastModified=String("D:20240301")))
    page.LastModified = String("D:20240301101112Z")

    result = scrub_pdf(save(pdf))

    assert "PDF page thumbnails" in result.removed
    assert any(item.startswith("PDF application data (PieceInfo)") for item in result.removed)
    everything = fully_decompressed(result.data)
    assert SOURCE_NAME.encode() not in everything
    assert b"/Thumb" not in everything and b"/PieceInfo" not in everything


def test_comment_authors_are_removed_but_form_field_names_stay() -> None:
    pdf = pdf_document(REPORT)
    note = Dictionary(
        Type=Name.Annot,
        Subtype=Name.Text,
        Rect=Array([0, 0, 20, 20]),
        T=String(SOURCE_NAME),
        Contents=String("Check this"),
        M=String("D:20240301101112Z"),
    )
    field = Dictionary(Type=Name.Annot, Subtype=Name.Widget, Rect=Array([40, 0, 90, 20]), FT=Name.Tx, T=String("name"))
    field = pdf.make_indirect(field)
    pdf.pages[0].obj.Annots = Array([pdf.make_indirect(note), field])
    pdf.Root.AcroForm = Dictionary(Fields=Array([field]))

    result = scrub_pdf(save(pdf))

    assert {"PDF comment authors", "PDF modification dates"} <= set(result.removed)
    with pikepdf.open(io.BytesIO(result.data)) as clean:
        note_after, field_after = clean.pages[0].Annots
        assert "/T" not in note_after and "/M" not in note_after
        assert str(note_after.Contents) == "Check this"
        assert str(field_after.T) == "name"


def test_earlier_revisions_of_an_edited_pdf_are_not_published() -> None:
    # Given a PDF whose page said the source's name, then was edited by an incremental save
    first = save(pdf_document(text(f"Reported by {SOURCE_NAME}")), compress_streams=False)
    edited = _incremental_update(first, b"BT /F1 12 Tf 72 700 Td (Reported by a member) Tj ET")
    assert SOURCE_NAME.encode() in edited
    assert "Reported by a member" in extract_text(io.BytesIO(edited))

    result = scrub_pdf(edited)

    assert SOURCE_NAME.encode() not in fully_decompressed(result.data)
    assert "Reported by a member" in extract_text(io.BytesIO(result.data))


def test_pdf_without_metadata_reports_nothing_removed() -> None:
    assert scrub_pdf(pdf_bytes(REPORT)).removed == ()


def test_password_protected_pdf_is_refused_with_a_plain_message() -> None:
    locked = save(pdf_document(REPORT), encryption=pikepdf.Encryption(user="secret", owner="secret"))

    with pytest.raises(ScrubError, match="protected by a password"):
        scrub_pdf(locked)


def test_pdf_encrypted_only_against_editing_is_published_decrypted() -> None:
    restricted = save(pdf_document(REPORT), encryption=pikepdf.Encryption(user="", owner="owner-only"))

    result = scrub_pdf(restricted)

    with pikepdf.open(io.BytesIO(result.data)) as clean:
        assert not clean.is_encrypted


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"%PDF-1.7\nnothing else at all", id="garbage"),
        pytest.param(pdf_bytes(REPORT)[:60], id="truncated"),
    ],
)
def test_damaged_pdf_is_refused_with_a_plain_message(data: bytes) -> None:
    with pytest.raises(ScrubError, match="damaged|cannot read"):
        scrub_pdf(data)


def test_files_that_are_not_pdfs_are_refused() -> None:
    with pytest.raises(UnsupportedFile):
        scrub_pdf(b"\x89PNG\r\n\x1a\n not a pdf")


def test_scrub_file_recognises_a_pdf_by_its_content() -> None:
    assert scrub_file(pdf_bytes(REPORT)).media_type == "application/pdf"


def _incremental_update(data: bytes, new_contents: bytes) -> bytes:
    """Return the PDF with an appended revision that replaces page 1's content stream."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        contents = pdf.pages[0].obj.get("/Contents")
        number = contents.objgen[0]
        size, root = int(pdf.trailer.Size), pdf.Root.objgen[0]
    previous = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    offset = len(data)
    body = b"%d 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (number, len(new_contents), new_contents)
    xref = b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (number, offset)
    trailer = b"trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size,
        root,
        previous,
        offset + len(body),
    )
    return data + body + xref + trailer
