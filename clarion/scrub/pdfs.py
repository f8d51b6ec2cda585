"""Make a publishable copy of a PDF without its metadata, attachments, scripts or history.

Threat: a PDF exported from an office suite names its author, the organisation's software
and the file's creation time, and can carry much more: the whole original Illustrator or
Word file (PieceInfo, embedded files), page thumbnails of earlier drafts, scripts that call
home when opened, and older revisions appended by incremental saves. The copy is written
anew by qpdf (through pikepdf) with only the objects the pages still reach, so deleted
revisions and orphaned objects do not survive, and with a fresh document /ID, because the
original /ID links the published copy to the author's file.

Before any of this the PDF is checked for text left under black boxes (see redactions.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pikepdf
from pikepdf import Name

from clarion.scrub.errors import FailedRedaction, ScrubError, UnsupportedFile
from clarion.scrub.redactions import LOCKED, NOT_A_PDF, CoveredText, find_failed_redactions, is_pdf
from clarion.scrub.scrubbed import Scrubbed

DAMAGED = "This PDF is damaged, so Clarion cannot read it. Export or print it to PDF again, then upload it again."
NO_PAGES = "This PDF has no pages."
NOT_CLEAN = "Clarion could not make a copy of this PDF without its metadata, so it was not published."

_INFO_ORDER = ("Title", "Author", "Subject", "Keywords", "Creator", "Producer", "CreationDate", "ModDate")
# Keys removed wherever they appear, and how the editor is told.
_REMOVED_KEYS = {
    "/Metadata": "PDF XMP metadata",
    "/PieceInfo": "PDF application data (PieceInfo), which can hold the whole original file",
    "/Thumb": "PDF page thumbnails",
    "/AA": "PDF automatic actions",
    "/LastModified": "PDF modification dates",
}
# Actions that run code, open other files or send data when a reader clicks a link.
_ACTIVE_ACTIONS = {
    "/JavaScript": "PDF JavaScript",
    "/Launch": "PDF actions that open other files or programs",
    "/SubmitForm": "PDF form submission actions",
    "/ImportData": "PDF form submission actions",
    "/GoToE": "PDF actions that open embedded files",
}


# Annotation kinds whose /T is the reviewer's user name (on form widgets /T is the field name).
_MARKUP_ANNOTATIONS = frozenset(
    "/Text /FreeText /Line /Square /Circle /Polygon /PolyLine /Highlight /Underline /Squiggly /StrikeOut "
    "/Caret /Ink /Stamp /Sound /Redact".split()
)


def scrub_pdf(data: bytes) -> Scrubbed:
    """Return a rewritten copy of a PDF without metadata, attachments, scripts or old revisions.

    Raise FailedRedaction when text is still present under a black box, ScrubError for
    password-protected, damaged or empty PDFs, UnsupportedFile for files that are not PDFs.
    """
    if not is_pdf(data):
        raise UnsupportedFile(NOT_A_PDF)
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) == 0:
                raise ScrubError(NO_PAGES)
            findings = _failed_redactions(data, pdf)
            if findings:
                raise FailedRedaction(findings)
            removed = _strip(pdf)
            # qpdf keeps the first half of the original /ID (the "permanent identifier"),
            # which matches the author's copy; without an /ID to keep it derives both halves
            # from the new content.
            if "/ID" in pdf.trailer:
                del pdf.trailer["/ID"]
            output = io.BytesIO()
            # A full rewrite, never incremental: earlier revisions are not copied.
            pdf.save(output, fix_metadata_version=False, deterministic_id=True, encryption=False, linearize=False)
    except ScrubError:
        raise
    except pikepdf.PasswordError as exc:
        raise ScrubError(LOCKED) from exc
    except Exception as exc:  # qpdf and pikepdf raise many types on hostile input; all mean "cannot read"
        raise ScrubError(DAMAGED) from exc
    _refuse_unless_clean(output.getvalue())
    return Scrubbed(output.getvalue(), "application/pdf", ".pdf", tuple(removed))


def _failed_redactions(data: bytes, pdf: pikepdf.Pdf) -> list[CoveredText]:
    """Return the covered text in the upload, reading qpdf's repaired copy if pdfminer cannot."""
    try:
        return find_failed_redactions(data)
    except ScrubError:
        # qpdf repairs files pdfminer rejects; check the same pages in qpdf's rewrite rather
        # than refuse a PDF that readers open fine.
        repaired = io.BytesIO()
        pdf.save(repaired, encryption=False, fix_metadata_version=False)
        return find_failed_redactions(repaired.getvalue())


def _strip(pdf: pikepdf.Pdf) -> list[str]:
    """Remove metadata, attachments and active content in place; return what was removed."""
    removed: list[str] = []
    info = pdf.trailer.get("/Info")
    if isinstance(info, pikepdf.Dictionary):
        keys = [str(key)[1:] for key in info.keys()]
        if keys:
            ordered = [key for key in _INFO_ORDER if key in keys] + sorted(set(keys) - set(_INFO_ORDER))
            removed.append(f"PDF document info: {', '.join(ordered)}")
    if "/Info" in pdf.trailer:
        del pdf.trailer["/Info"]
    root = pdf.Root
    if "/OpenAction" in root:
        del root["/OpenAction"]
        removed.append("PDF open action")
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        if "/JavaScript" in names:
            del names["/JavaScript"]
            removed.append("PDF JavaScript")
        removed += [f"PDF embedded file: {name}" for name in _attachment_names(pdf)]
        if "/EmbeddedFiles" in names:
            del names["/EmbeddedFiles"]
        if not names.keys():
            del root["/Names"]
    if "/Collection" in root:  # a PDF portfolio: the cover page of a bundle of attachments
        del root["/Collection"]
    removed += _remove_file_attachment_annotations(pdf)
    form = root.get("/AcroForm")
    if isinstance(form, pikepdf.Dictionary) and "/XFA" in form:
        del form["/XFA"]  # XFA forms carry their own scripts and data
        removed.append("PDF XFA form data and scripts")
    removed += _strip_everywhere(pdf)
    return list(dict.fromkeys(removed))


def _attachment_names(pdf: pikepdf.Pdf) -> list[str]:
    """Return the file names of the document-level attachments."""
    try:
        return [_short(spec.filename or name) for name, spec in pdf.attachments.items()]
    except Exception:  # a broken name tree is removed all the same
        return ["(unreadable name)"]


def _remove_file_attachment_annotations(pdf: pikepdf.Pdf) -> list[str]:
    """Drop FileAttachment annotations (paper-clip icons holding a file); return their names."""
    removed = []
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        kept = [annot for annot in annots if not _is_file_attachment(annot)]
        if len(kept) != len(annots):
            files = [annot.get("/FS") for annot in annots if _is_file_attachment(annot)]
            removed += [f"PDF embedded file: {_filespec_name(spec)}" for spec in files]
            page.obj.Annots = pikepdf.Array(kept)
    return removed


def _is_file_attachment(annot: pikepdf.Object) -> bool:
    """Return whether an annotation is a FileAttachment (a paper-clip icon holding a file)."""
    return isinstance(annot, pikepdf.Dictionary) and annot.get("/Subtype") == Name.FileAttachment


def _strip_everywhere(pdf: pikepdf.Pdf) -> list[str]:
    """Remove per-object metadata, thumbnails, actions and attached files from every object."""
    removed = []
    for dictionary in _all_dictionaries(pdf):
        for key, label in _REMOVED_KEYS.items():
            if key in dictionary:
                del dictionary[key]
                removed.append(label)
        if "/AF" in dictionary:  # PDF 2.0 "associated files": attachments by another name
            del dictionary["/AF"]
        if "/EF" in dictionary:  # a file specification that carries the file itself
            removed.append(f"PDF embedded file: {_filespec_name(dictionary)}")
            del dictionary["/EF"]
        if str(dictionary.get("/Subtype")) in _MARKUP_ANNOTATIONS:
            # Comment tools sign each note with the commenter's account name and times.
            for key, label in (("/T", "PDF comment authors"), ("/M", "PDF modification dates")):
                if key in dictionary:
                    del dictionary[key]
                    removed.append(label)
            if "/CreationDate" in dictionary:
                del dictionary["/CreationDate"]
        # Links and bookmarks hold one action under /A, and actions chain more under /Next.
        for key in ("/A", "/Next"):
            actions = dictionary.get(key)
            listed = list(actions) if isinstance(actions, pikepdf.Array) else [actions]
            active = [_active_action_label(action) for action in listed]
            if any(active):
                removed += [label for label in active if label]
                kept = [action for action, label in zip(listed, active, strict=True) if not label]
                if isinstance(actions, pikepdf.Array) and kept:
                    dictionary[key] = pikepdf.Array(kept)
                else:
                    del dictionary[key]
    return removed


def _active_action_label(action: object) -> str:
    """Return how to name an action that runs code, opens files or sends data, else ""."""
    if not isinstance(action, pikepdf.Dictionary):
        return ""
    if "/JS" in action:  # JavaScript also rides on Rendition actions
        return "PDF JavaScript"
    return _ACTIVE_ACTIONS.get(str(action.get("/S")), "")


def _all_dictionaries(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Object]:
    """Yield every dictionary and stream dictionary in the file, nested ones included."""
    for obj in pdf.objects:
        yield from _dictionaries_in(obj)


def _dictionaries_in(obj: pikepdf.Object) -> Iterator[pikepdf.Object]:
    """Yield `obj` if it is a dictionary or stream, then the direct dictionaries inside it."""
    # Indirect children are yielded by the walk over pdf.objects; direct ones only here.
    if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        yield obj
        children = [obj.get(key) for key in list(obj.keys())]
    elif isinstance(obj, pikepdf.Array):
        children = list(obj)
    else:
        return
    for child in children:
        if isinstance(child, pikepdf.Object) and not child.is_indirect:
            yield from _dictionaries_in(child)


def _filespec_name(spec: object) -> str:
    """Return the file name a file specification shows, or a placeholder."""
    if isinstance(spec, pikepdf.Dictionary):
        for key in ("/UF", "/F", "/Desc"):
            if isinstance(spec.get(key), pikepdf.String):
                return _short(str(spec.get(key)))
    elif isinstance(spec, pikepdf.String):
        return _short(str(spec))
    return "(no name)"


def _short(name: str, limit: int = 80) -> str:
    """Return a file name as one printable line of at most `limit` characters."""
    text = " ".join("".join(c if c.isprintable() else " " for c in name).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _refuse_unless_clean(output: bytes) -> None:
    """Raise ScrubError if the rewritten PDF has document info, XMP or attachments after all.

    This also catches a future pikepdf or qpdf that stamps itself as the Producer.
    """
    try:
        with pikepdf.open(io.BytesIO(output)) as check:
            leftovers = any(
                key in dictionary for dictionary in _all_dictionaries(check) for key in ("/Metadata", "/EF", "/AF")
            )
            if leftovers or "/Info" in check.trailer or len(check.attachments):
                raise ScrubError(NOT_CLEAN)
    except ScrubError:
        raise
    except Exception as exc:
        raise ScrubError(NOT_CLEAN) from exc
