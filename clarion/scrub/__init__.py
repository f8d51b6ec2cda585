"""Make clean copies of images and PDFs for publishing, and say what was removed.

Plain Python without Django: limits come in as arguments, never from settings or the
environment, so this package can be reviewed, fuzzed and benchmarked on its own. Import
from here; the submodules are an implementation detail.

Every refusal is a ScrubError whose message an editor can act on. The originals are never
modified: each function returns new bytes.
"""

from clarion.scrub.errors import FailedRedaction, ScrubError, UnsupportedFile
from clarion.scrub.files import scrub_file
from clarion.scrub.images import scrub_image
from clarion.scrub.pdfs import scrub_pdf
from clarion.scrub.redactions import CoveredText, find_failed_redactions
from clarion.scrub.scrubbed import Scrubbed

__all__ = [
    "CoveredText",
    "FailedRedaction",
    "ScrubError",
    "Scrubbed",
    "UnsupportedFile",
    "find_failed_redactions",
    "scrub_file",
    "scrub_image",
    "scrub_pdf",
]
