"""Receiving uploads: every form that takes files parses its body through a handler here.

Django's default TemporaryFileUploadHandler writes every upload larger than 2.5 MB to a
plaintext temporary file: a forensic copy of a document on the server's disk even after it
is deleted. No view of Clarion uses it:

- `receive_upload_form` with `EncryptingUploadHandler`, for the files of a tip's conversation
  (a source's tip or message, a reviewer's reply): each chunk goes straight into an age
  stream whose ciphertext lands in the blob store, so no plaintext byte reaches the disk and
  memory stays flat whatever the file size (docs/design.md, property 1).
- `InMemoryUploadHandler`, for an editor's media file, kept in memory until it is scrubbed.
- `DiscardingUploadHandler` (`drop_files`), for a post that cannot be accepted.

Limits are the caller's (a channel's, the media size setting), passed in. They are checked
as bytes arrive (file count, per-file and per-submission size). A file over a limit is
discarded chunk by chunk rather than stopping the request, so that every text answer in the
form still arrives and can be shown back to the person with the error.

A file part under a field name the form does not have is never written at all, not even
as an orphan for the sweep to find later (security review M4: stray parts filled the disk).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

from django import forms
from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clarion.vault import AgeRecipientStr, BlobName, BlobStore, EncryptingBlobWriter
from clarion.web.csrf import EXPIRED_FORM, csrf_failed

# Non-file form fields are capped by DATA_UPLOAD_MAX_MEMORY_SIZE; allow that much on top of
# the files before a Content-Length alone proves a submission too large.
FIELDS_ALLOWANCE = 6 * 1024 * 1024
FormT = TypeVar("FormT", bound=forms.Form)
FILES_NOT_KEPT = gettext_lazy("For your safety, browsers never keep chosen files: attach them again before sending.")


@dataclass(frozen=True)
class UploadLimits:
    max_files: int
    max_file_bytes: int
    max_submission_bytes: int
    files_allowed: bool = True


class EncryptedUpload(UploadedFile):  # type: ignore[type-arg]  # holds no file object at all
    """A file that was encrypted into the blob store while it arrived; holds no content."""

    name: str
    size: int

    def __init__(self, *, name: str, size: int, blob: BlobName, content_type: str | None) -> None:
        super().__init__(file=None, name=name, content_type=content_type, size=size)
        self.blob = blob

    def open(self, mode: str | None = None) -> EncryptedUpload:  # type: ignore[override]  # pragma: no cover - never read back
        raise ValueError("An encrypted upload has no plaintext to open.")

    def close(self) -> None:
        """Do nothing: the content is already committed to the blob store."""


@dataclass
class _Refused:
    name: str
    size: int = 0


@dataclass
class UploadReport:
    """What the handler accepted and refused, for the view to act on."""

    accepted: list[EncryptedUpload] = field(default_factory=list)
    too_large: list[_Refused] = field(default_factory=list)
    beyond_count: list[_Refused] = field(default_factory=list)
    over_total: list[_Refused] = field(default_factory=list)
    not_allowed: list[_Refused] = field(default_factory=list)
    unexpected: list[_Refused] = field(default_factory=list)
    total_bytes: int = 0
    # The channel's daily byte budget had no room for this post (the caller's `reserve_files`).
    budget_spent: bool = False

    def errors(self, limits: UploadLimits) -> list[str]:
        """Return one plain message per problem, saying what to do about it."""
        messages = []
        if self.unexpected:
            messages.append(
                _(
                    "The form arrived with a file in a place it has no place for, so nothing was sent "
                    "and no file was kept. Load the form again and attach your files there."
                )
            )
        if self.not_allowed and self.budget_spent:
            messages.append(
                _(
                    "This channel has received as many files today as it can store. Nothing was sent. "
                    "Send your words now without the files, and the files tomorrow from your inbox, "
                    "with your receipt."
                )
            )
        elif self.not_allowed:
            messages.append(
                "This channel does not accept files. Describe the documents in your message instead, "
                "or choose a channel that accepts files."
            )
        for refused in self.too_large:
            messages.append(
                f"“{refused.name}” is {filesizeformat(refused.size)}; one file may be at most "
                f"{filesizeformat(limits.max_file_bytes)}. Split or compress it, or leave it out."
            )
        if self.beyond_count:
            count = len(self.accepted) + len(self.beyond_count) + len(self.too_large) + len(self.over_total)
            messages.append(
                f"You attached {count} files; at most {limits.max_files} can be sent at once. "
                "Send the most important ones now and the others later, from your inbox, with your receipt."
            )
        if self.over_total:
            messages.append(
                f"Your files add up to more than {filesizeformat(limits.max_submission_bytes)}, "
                "the most one submission can carry. Send some of them later, from your inbox, with your receipt."
            )
        return messages

    def discard(self, store: BlobStore) -> None:
        """Delete the blobs of accepted files (the submission as a whole was refused)."""
        for upload in self.accepted:
            store.delete(upload.blob)
        self.accepted.clear()


class EncryptingUploadHandler(FileUploadHandler):
    """Stream each uploaded file through age into the blob store, within limits."""

    chunk_size = 1024 * 1024

    def __init__(
        self,
        request: HttpRequest | None = None,
        *,
        store: BlobStore,
        recipients: Sequence[AgeRecipientStr],
        limits: UploadLimits,
        file_fields: Collection[str] | None = None,
        reserve_files: Callable[[], bool] | None = None,
    ) -> None:
        """Take files for `file_fields` only (the form's file fields; `receive_upload_form` always
        gives them); None takes any name, for tests of the limits alone.

        `reserve_files` is asked once, when the first file that would be kept arrives, whether
        the channel's daily byte budget has room for this post; if not, every file is refused.
        A post without files never asks (and costs the budget nothing).
        """
        super().__init__(request)
        self.store = store
        self.recipients = list(recipients)
        self.limits = limits
        self.file_fields = None if file_fields is None else frozenset(file_fields)
        self.reserve_files = reserve_files
        self._reserved: bool | None = None
        self.report = UploadReport()
        self._writer: EncryptingBlobWriter | None = None
        self._current: _Refused | None = None
        self._current_refusal: list[_Refused] | None = None
        self._declared_too_large = False

    def handle_raw_input(
        self,
        input_data: IO[bytes],
        META: dict[str, Any],  # Django's name
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        # A Content-Length far beyond the limit proves the submission too large before any
        # byte is encrypted; the body is still read (and discarded) so the answers arrive.
        if content_length and content_length > self.limits.max_submission_bytes + FIELDS_ALLOWANCE:
            self._declared_too_large = True

    def new_file(
        self,
        field_name: str,
        file_name: str,
        content_type: str,
        content_length: int | None,
        charset: str | None = None,
        content_type_extra: dict[str, bytes] | None = None,
    ) -> None:
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        self._current = _Refused(name=file_name)
        files_so_far = len(self.report.accepted) + len(self.report.too_large) + len(self.report.over_total)
        if not self.limits.files_allowed:
            self._current_refusal = self.report.not_allowed
        elif self.file_fields is not None and field_name not in self.file_fields:
            self._current_refusal = self.report.unexpected
        elif not self._budget_has_room():
            self._current_refusal = self.report.not_allowed
        elif files_so_far >= self.limits.max_files:
            self._current_refusal = self.report.beyond_count
        elif self._declared_too_large:
            self._current_refusal = self.report.over_total
        else:
            self._current_refusal = None
            self._writer = self.store.open_encrypting_writer(self.recipients)
        raise StopFutureHandlers()

    def _budget_has_room(self) -> bool:
        if self._reserved is None:
            self._reserved = self.reserve_files() if self.reserve_files is not None else True
            self.report.budget_spent = not self._reserved
        return self._reserved

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if self._current is None:  # pragma: no cover - Django calls new_file first
            return None
        self._current.size += len(raw_data)
        if self._writer is not None:
            if self._current.size > self.limits.max_file_bytes:
                self._refuse(self.report.too_large)
            elif self.report.total_bytes + self._current.size > self.limits.max_submission_bytes:
                self._refuse(self.report.over_total)
            else:
                self._writer.write(raw_data)
        self._keep_accepted_fresh()
        return None  # the chunk stops here: no later handler sees plaintext

    def _keep_accepted_fresh(self) -> None:
        """Touch the blobs already committed by this request, so the orphan sweep spares them.

        Until the tip commits, nothing references them: without this, a file committed early
        in an upload that lasts longer than the sweep's grace period (a big second file over
        Tor) could be swept, and the source then shown a receipt for a tip missing that file
        (docs/design.md, property 6). One utime per file per chunk of up to a megabyte costs nothing.
        """
        for upload in self.report.accepted:
            os.utime(self.store.path(upload.blob))

    def _refuse(self, refusal: list[_Refused]) -> None:
        if self._writer is not None:
            self._writer.abort()
        self._writer = None
        self._current_refusal = refusal

    def file_complete(self, file_size: int) -> EncryptedUpload | None:
        current, self._current = self._current, None
        if current is None:  # pragma: no cover - Django calls new_file first
            return None
        if self._writer is None:
            if self._current_refusal is not None:
                self._current_refusal.append(current)
            return None
        blob, size = self._writer.commit()
        self._writer = None
        self.report.total_bytes += size
        upload = EncryptedUpload(name=current.name, size=size, blob=blob, content_type=self.content_type)
        self.report.accepted.append(upload)
        return upload

    def upload_interrupted(self) -> None:
        # The client went away or the body was malformed: nothing of this request may remain.
        if self._writer is not None:
            self._writer.abort()
            self._writer = None
        self.report.discard(self.store)


def parse_upload(request: HttpRequest, handler: EncryptingUploadHandler) -> None:
    """Parse the request body through `handler`; on any failure leave nothing of it behind.

    Django tells handlers of a truncated body, but not of a body that fails mid-way (the
    client went away, a malformed part): remove what was encrypted so far at once rather
    than leaving it to the orphan sweep.
    """
    request.upload_handlers = [handler]
    try:
        request.POST  # noqa: B018 - parsing happens on first access
        request.FILES  # noqa: B018
    except Exception:
        handler.upload_interrupted()
        raise


def receive_upload_form(
    request: HttpRequest,
    make_form: Callable[[Any, Any], FormT],
    *,
    store: BlobStore,
    limits: UploadLimits,
    recipient: AgeRecipientStr,
    reserve_files: Callable[[], bool] | None = None,
    refused: Callable[[HttpRequest], bool] = csrf_failed,
) -> tuple[FormT, list[str], UploadReport]:
    """Parse a posted form whose files are encrypted to `recipient` into `store` as they arrive.

    The one path for every form that takes files (a source's tip or message, a reviewer's
    reply). Return the bound form (validated), problems beyond its field errors, and the
    upload report. On any problem the encrypted files are deleted at once: nothing of a
    refused post stays. `refused` checks the post's origin once its body is parsed (the CSRF
    token by default; clarion/web/csrf.py).
    """
    # Only the form's own file fields are written; a part under any other name never is (M4).
    blank = make_form(None, None)
    file_fields = {name for name, field in blank.fields.items() if isinstance(field, forms.FileField)}
    handler = EncryptingUploadHandler(
        request,
        store=store,
        recipients=[recipient],
        limits=limits,
        file_fields=file_fields,
        reserve_files=reserve_files,
    )
    parse_upload(request, handler)
    form = make_form(request.POST, request.FILES)
    problems = handler.report.errors(limits)
    if refused(request):
        problems.insert(0, str(EXPIRED_FORM))
    if problems or not form.is_valid():
        handler.report.discard(store)
    return form, problems, handler.report


def drop_files(request: HttpRequest) -> None:
    """Parse a post that cannot be accepted: its text is kept for the form, its files dropped unread."""
    request.upload_handlers = [DiscardingUploadHandler(request)]
    request.POST  # noqa: B018 - parsing happens on first access


class DiscardingUploadHandler(FileUploadHandler):
    """Read and drop every file of a request that cannot be accepted (e.g. session ended)."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        return None

    def file_complete(self, file_size: int) -> None:
        return None


class InMemoryUploadHandler(FileUploadHandler):
    """Keep one upload in memory only, from one field, up to `max_bytes`.

    Threats: Django writes uploads over 2.5 MB to a temporary file, so an unscrubbed original
    (a photo with its GPS position, a PDF with its author) would touch the disk: here the bytes
    stay in memory until the caller has made the clean copy. And a request may carry many
    file parts (up to DATA_UPLOAD_MAX_NUMBER_FILES): only the first part named `field` is kept,
    every other part is dropped as it arrives (the security review's L5), so memory is bounded
    by one file of `max_bytes`. A file over the limit is dropped as it arrives, with its size
    kept for the message.
    """

    def __init__(self, request: HttpRequest | None = None, *, max_bytes: int, field: str = "file") -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.field = field
        self.refused_size: int | None = None
        self.extra_parts = 0
        self._buffer: io.BytesIO | None = None
        self._taken = False
        self._dropping = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._buffer = None
        self._dropping = self._taken or self.field_name != self.field
        if self._dropping:
            self.extra_parts += 1
            return
        self._taken = True
        self._buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if self._dropping:
            return None
        if self._buffer is None:
            self.refused_size = start + len(raw_data)
            return None
        if start + len(raw_data) > self.max_bytes:
            self._buffer = None
            self.refused_size = start + len(raw_data)
            return None
        self._buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile | None:
        if self._dropping:
            return None
        if self._buffer is None:
            self.refused_size = max(self.refused_size or 0, file_size)
            return None
        self._buffer.seek(0)
        return InMemoryUploadedFile(
            file=self._buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
