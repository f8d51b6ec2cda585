"""Find text that a PDF still contains under the black boxes drawn to redact it.

Threat: "redacting" by drawing a black rectangle over text hides it on screen and on paper,
but the text stays in the page's content; anyone can select, copy or extract it. Published
court filings and government reports have leaked names this way for decades.

A character counts as covered when the centre of its box lies inside a dark filled shape
that the page paints after it (in content-stream order, form XObjects included). Shapes
painted before the text are backgrounds, such as white text on a black banner.

A fill is dark when it is gray ≤ 0.25, RGB with every channel ≤ 0.25, CMYK that prints that
dark, Lab with L* ≤ 25 or a spot colour at ≥ 75 % tint. Fills whose colour cannot be judged
here (patterns, Indexed, DeviceN) count as dark: a false alarm costs the editor a re-upload,
a miss costs a source.

Not detected: white or coloured boxes, text covered by an image, annotations (including
unapplied redaction annotations and black "square" comments), text outside the visible
page, text the same colour as its background, and redactions burned into a scanned image
whose OCR text layer still holds the words.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTContainer, LTCurve, LTItem, LTLine, LTPage
from pdfminer.pdfdocument import PDFDocument, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFGraphicState, PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.utils import PathSegment

from clarion.scrub.errors import ScrubError, UnsupportedFile

DARK = 0.25
NOT_A_PDF = "This file is not a PDF."
LOCKED = "This PDF is protected by a password. Remove the password, then upload it again."
UNREADABLE = (
    "Clarion cannot read the pages of this PDF to check its redactions. "
    "Export or print it to PDF again, then upload it again."
)
_GRAY = ("DeviceGray", "CalGray")
_RGB = ("DeviceRGB", "CalRGB")


@dataclass(frozen=True)
class CoveredText:
    """Text still present under a black box: the page (from 1) and the words that leak."""

    page: int
    text: str


def is_pdf(data: bytes) -> bool:
    """Return whether the bytes start like a PDF (readers accept the header in the first KiB)."""
    return b"%PDF-" in data[:1024]


def find_failed_redactions(data: bytes) -> list[CoveredText]:
    """Return the text, page by page, that lies under dark shapes painted over it.

    Raise ScrubError when the PDF cannot be read, UnsupportedFile when it is not a PDF.
    """
    if not is_pdf(data):
        raise UnsupportedFile(NOT_A_PDF)
    findings: list[CoveredText] = []
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        resources = PDFResourceManager(caching=True)
        device = _PaintOrderAggregator(resources)
        interpreter = PDFPageInterpreter(resources, device)
        # create_pages, not get_pages: a PDF that forbids text extraction is checked too.
        for number, page in enumerate(PDFPage.create_pages(document), start=1):
            interpreter.process_page(page)
            findings += _covered_text(device.get_result(), number)
    except PDFPasswordIncorrect as exc:
        raise ScrubError(LOCKED) from exc
    except Exception as exc:  # pdfminer raises many types on hostile input; all mean "cannot read"
        raise ScrubError(UNREADABLE) from exc
    return findings


class _PaintOrderAggregator(PDFPageAggregator):
    """Collect a page's layout in painting order, noting the colour space of each fill."""

    def __init__(self, resources: PDFResourceManager) -> None:
        """Collect without layout analysis, which would reorder and regroup the objects."""
        super().__init__(resources, pageno=1, laparams=None)

    def paint_path(
        self, gstate: PDFGraphicState, stroke: bool, fill: bool, evenodd: bool, path: Sequence[PathSegment]
    ) -> None:
        """Paint as usual, then tag the new shapes with the fill's colour space name."""
        before = len(self.cur_item._objs)
        super().paint_path(gstate, stroke, fill, evenodd, path)
        for shape in self.cur_item._objs[before:]:
            shape.clarion_colour_space = getattr(gstate.ncs, "name", "")  # type: ignore[attr-defined]


def _covered_text(page: LTPage, number: int) -> list[CoveredText]:
    """Return the runs of characters on one page that a later dark shape covers."""
    items = list(_in_paint_order(page))
    boxes: list[tuple[int, tuple[float, float, float, float]]] = []
    covering: dict[int, int] = {}  # character position -> position of the first box over it
    # Walk backwards so that `boxes` holds exactly the shapes painted after each character.
    for position in range(len(items) - 1, -1, -1):
        item = items[position]
        if isinstance(item, LTCurve) and not isinstance(item, LTLine):
            if item.fill and _is_dark(item.non_stroking_color, getattr(item, "clarion_colour_space", "")):
                boxes.append((position, item.bbox))
        elif isinstance(item, LTChar):
            x, y = (item.x0 + item.x1) / 2, (item.y0 + item.y1) / 2
            for box_position, (x0, y0, x1, y1) in boxes:
                if x0 <= x <= x1 and y0 <= y <= y1:
                    covering[position] = box_position
                    break
    return [CoveredText(number, text) for text in _runs(items, covering)]


def _in_paint_order(container: LTContainer[Any]) -> Iterator[LTItem]:
    """Yield characters and shapes in the order the page paints them, inside figures too."""
    for item in container:
        if isinstance(item, LTContainer) and not isinstance(item, LTChar):
            yield from _in_paint_order(item)
        else:
            yield item


def _runs(items: list[LTItem], covering: dict[int, int]) -> Iterator[str]:
    """Yield the text of each run of consecutive characters covered by the same box."""
    run: list[LTChar] = []
    box = -1
    for position, item in enumerate(items):
        if not isinstance(item, LTChar):
            continue
        if run and covering.get(position) != box:
            yield from _words(run)
            run = []
        if position in covering:
            box = covering[position]
            run.append(item)
    if run:
        yield from _words(run)


def _words(chars: list[LTChar]) -> Iterator[str]:
    """Yield the run's text with spaces where glyphs are set apart, whitespace normalised."""
    parts = [chars[0].get_text()]
    for previous, char in zip(chars, chars[1:], strict=False):
        size = max(previous.size, char.size, 1.0)
        apart = char.x0 - previous.x1 > 0.2 * size or abs(char.y0 - previous.y0) > 0.5 * size
        parts.append((" " if apart else "") + char.get_text())
    text = " ".join("".join(parts).split())
    if text:
        yield text


def _is_dark(colour: object, space: str) -> bool:
    """Return whether a fill colour, as pdfminer reports it, looks black or nearly so."""
    if isinstance(colour, tuple) and len(colour) == 2 and isinstance(colour[1], str):
        colour = colour[0]  # an uncoloured pattern painted in its base colour
    if isinstance(colour, int | float):
        components: tuple[float, ...] = (float(colour),)
    elif isinstance(colour, tuple | list) and all(isinstance(c, int | float) for c in colour):
        components = tuple(float(c) for c in colour)
    else:
        return True  # a pattern or an unreadable colour: cannot judge, so fail closed
    if space == "Separation":
        return components[0] >= 1 - DARK
    if space == "Lab":
        return components[0] <= DARK * 100
    if space not in (*_GRAY, *_RGB, "DeviceCMYK", "ICCBased", ""):
        return True  # Indexed, DeviceN and the like: cannot judge, so fail closed
    if len(components) == 1:
        return components[0] <= DARK
    if len(components) == 3:
        return max(components) <= DARK
    if len(components) == 4:
        c, m, y, k = components
        return max((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)) <= DARK
    return True
