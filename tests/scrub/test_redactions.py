"""Test that text left under black boxes is found, and that honest layouts are not flagged."""

from __future__ import annotations

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name

from clarion.scrub import CoveredText, FailedRedaction, ScrubError, UnsupportedFile, find_failed_redactions, scrub_pdf
from tests.support.builders import SOURCE_NAME, box, pdf_bytes, pdf_document, save, text

PUBLIC = text("The plant failed its inspection", y=600)


def test_text_under_black_boxes_is_found_with_its_page_and_words() -> None:
    # Given two pages, each with a name "redacted" by a black box drawn over it
    first = PUBLIC + text(SOURCE_NAME) + box()
    second = PUBLIC + text("Line manager Bob Smith", y=500) + box(x=146, y=495, width=62, height=20)

    findings = find_failed_redactions(pdf_bytes(first, second))

    assert findings == [CoveredText(page=1, text=SOURCE_NAME), CoveredText(page=2, text="Bob Smith")]


def test_text_drawn_over_a_black_box_is_not_a_failed_redaction() -> None:
    # White text on a black banner: the box comes first, the text is meant to be read.
    banner = box(colour=b"0 g") + text("BREAKING", colour=b"1 g")

    assert find_failed_redactions(pdf_bytes(PUBLIC + banner)) == []


def test_properly_redacted_page_passes() -> None:
    # The words were removed from the content; only the box remains where they were.
    assert find_failed_redactions(pdf_bytes(PUBLIC + box())) == []


@pytest.mark.parametrize(
    "colour",
    [
        pytest.param(b"1 g", id="white-gray"),
        pytest.param(b"1 1 1 rg", id="white-rgb"),
        pytest.param(b"0 0 0 0 k", id="white-cmyk"),
        pytest.param(b"0.5 g", id="mid-gray"),
        pytest.param(b"0.9 0.1 0.1 rg", id="red"),
    ],
)
def test_light_or_coloured_boxes_over_text_are_not_flagged(colour: bytes) -> None:
    assert find_failed_redactions(pdf_bytes(text(SOURCE_NAME) + box(colour=colour))) == []


@pytest.mark.parametrize(
    "colour",
    [
        pytest.param(b"0 g", id="gray"),
        pytest.param(b"0.1 0.1 0.1 rg", id="near-black-rgb"),
        pytest.param(b"0 0 0 1 k", id="cmyk-black"),
        pytest.param(b"1 1 1 0 k", id="cmyk-rich-black"),
        pytest.param(b"/DeviceRGB cs 0 0 0 sc", id="colour-space-operator"),
        pytest.param(b"", id="default-colour-is-black"),
    ],
)
def test_every_way_of_painting_black_is_recognised(colour: bytes) -> None:
    findings = find_failed_redactions(pdf_bytes(text(SOURCE_NAME) + box(colour=colour)))

    assert findings == [CoveredText(1, SOURCE_NAME)]


def test_only_the_covered_words_of_a_line_are_reported() -> None:
    # Words set apart by kerning rather than space characters, as word processors write them
    line = b"BT /F1 12 Tf 72 700 Td [(Reported)-250(by)-250(Jane)-250(Insider)] TJ ET\n"
    over_name = box(x=135, y=695, width=80, height=20)

    findings = find_failed_redactions(pdf_bytes(line + over_name))

    assert findings == [CoveredText(1, "Jane Insider")]


def test_text_inside_a_form_xobject_is_checked_too() -> None:
    pdf = pdf_document(b"q /Fm1 Do Q\n" + box())
    form = pdf.make_stream(
        text(SOURCE_NAME),
        Type=Name.XObject,
        Subtype=Name.Form,
        BBox=Array([0, 0, 612, 792]),
        Resources=Dictionary(Font=pdf.pages[0].obj.Resources.Font),
    )
    pdf.pages[0].obj.Resources.XObject = Dictionary(Fm1=form)

    assert find_failed_redactions(save(pdf)) == [CoveredText(1, SOURCE_NAME)]


def test_pdf_that_forbids_copying_text_is_still_checked() -> None:
    locked_copying = save(
        pdf_document(text(SOURCE_NAME) + box()),
        encryption=pikepdf.Encryption(user="", owner="owner", allow=pikepdf.Permissions(extract=False)),
    )

    assert find_failed_redactions(locked_copying) == [CoveredText(1, SOURCE_NAME)]


def test_scrub_pdf_refuses_a_failed_redaction_naming_pages_but_not_words() -> None:
    leaky = pdf_bytes(PUBLIC, PUBLIC + text(SOURCE_NAME) + box())

    with pytest.raises(FailedRedaction) as refused:
        scrub_pdf(leaky)

    assert str(refused.value).startswith("Page 2 has text under a black box")
    assert "Flatten the PDF to an image" in str(refused.value)
    assert SOURCE_NAME not in str(refused.value)  # messages reach logs; the words are the secret
    assert refused.value.findings == [CoveredText(2, SOURCE_NAME)]
    assert isinstance(refused.value, ScrubError)


def test_refusal_lists_every_page_with_covered_text() -> None:
    leaky = text(SOURCE_NAME) + box()

    with pytest.raises(FailedRedaction, match=r"^Pages 1, 2 and 4 have text under black boxes"):
        scrub_pdf(pdf_bytes(leaky, leaky, PUBLIC, leaky))


def test_files_that_are_not_pdfs_are_refused() -> None:
    with pytest.raises(UnsupportedFile):
        find_failed_redactions(b"\xff\xd8\xff\xe0 a jpeg")


def test_unreadable_pdf_is_refused_with_a_plain_message() -> None:
    with pytest.raises(ScrubError, match="cannot read"):
        find_failed_redactions(b"%PDF-1.7\n1 0 obj << /Type /Catalog")


def test_password_protected_pdf_is_refused_with_a_plain_message() -> None:
    locked = save(pdf_document(PUBLIC), encryption=pikepdf.Encryption(user="secret", owner="secret"))

    with pytest.raises(ScrubError, match="protected by a password"):
        find_failed_redactions(locked)
