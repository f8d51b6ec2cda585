"""Recognise an upload by its bytes and scrub it with the matching scrubber."""

from __future__ import annotations

from clarion.scrub.errors import UnsupportedFile
from clarion.scrub.images import DEFAULT_MAX_PIXELS, image_format, scrub_image
from clarion.scrub.pdfs import scrub_pdf
from clarion.scrub.redactions import is_pdf
from clarion.scrub.scrubbed import Scrubbed

NOT_PUBLISHABLE = "Clarion publishes JPEG, PNG, WebP and GIF images and PDFs only; this file is none of these."


def scrub_file(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Scrubbed:
    """Return a scrubbed copy of an image or PDF, recognised by its content, never its name.

    Judging by content means a PDF renamed "photo.jpg" is still scrubbed as a PDF, and a
    file of any other kind is refused with UnsupportedFile.
    """
    if image_format(data) is not None:
        return scrub_image(data, max_pixels=max_pixels)
    if is_pdf(data):
        return scrub_pdf(data)
    raise UnsupportedFile(NOT_PUBLISHABLE)
