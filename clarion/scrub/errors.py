"""Define the one error hierarchy of the scrubber: every refusal is a ScrubError."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clarion.scrub.redactions import CoveredText


class ScrubError(Exception):
    """Refuse a file, with a message in plain English that tells an editor what to do.

    Messages never quote the file's content: they end up in logs and notices, and the
    content may be exactly what must not leak.
    """


class UnsupportedFile(ScrubError):
    """Refuse a file whose kind Clarion does not publish (judged by its bytes, not its name)."""


class FailedRedaction(ScrubError):
    """Refuse a PDF in which text is still present under a black box drawn over it.

    `findings` lists what leaked, page by page, for the editor's eyes; the message names only
    the pages, because the covered words are the secret.
    """

    def __init__(self, findings: Sequence[CoveredText]) -> None:
        """Keep the findings and build a message that names the pages concerned."""
        self.findings: list[CoveredText] = list(findings)
        super().__init__(_failed_redaction_message(sorted({finding.page for finding in self.findings})))


def _failed_redaction_message(pages: list[int]) -> str:
    """Return the editor-facing message for text left under boxes on `pages`."""
    advice = (
        "it is still in the file and can be copied out. "
        "Flatten the PDF to an image, or remove the text, then upload it again."
    )
    if len(pages) == 1:
        return f"Page {pages[0]} has text under a black box: {advice}"
    listed = ", ".join(str(page) for page in pages[:-1]) + f" and {pages[-1]}"
    return f"Pages {listed} have text under black boxes: {advice}"
