"""Stream a tip's file, decrypted chunk by chunk, as a download that no browser shows inline.

The one way a decrypted file leaves Clarion, for reviewers (a source's files) and for sources
(a reviewer's files) alike. A file is untrusted in both directions: an HTML or SVG file shown
inline would run in the site's origin, and a sniffed type would let it. So it is always an
attachment of type application/octet-stream with `nosniff`, a sandboxing CSP, and a name
that cannot be a path or a header injection.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

from clarion import vault
from clarion.intake.actions import blob_store
from clarion.intake.models import TipFile
from clarion.vault import AgeIdentityStr


def safe_filename(name: str) -> str:
    """Keep a file's name readable but never a path or a control sequence."""
    cleaned = "".join("_" if ch in "/\\" or ord(ch) < 32 or ord(ch) == 127 else ch for ch in name).strip(" .")
    return cleaned or "file"


def decrypted_download(tip_file: TipFile, identity: AgeIdentityStr) -> StreamingHttpResponse:
    """Return a response streaming `tip_file` decrypted with `identity`, in constant memory.

    Raise vault.BlobPathError when the blob is missing from storage, and vault.DecryptionError
    when `identity` does not open it: both before the response starts, so a failure is a
    page, not a download cut short.
    """
    name = vault.decrypt(bytes(tip_file.name), [identity]).decode()
    reader = blob_store().open(tip_file.blob)
    chunks = vault.iter_decrypted(reader, [identity])
    try:
        # The header, and so a wrong key, is checked on the first chunk.
        first = next(chunks, b"")
    except vault.DecryptionError:
        reader.close()
        raise

    def body() -> Iterator[bytes]:
        try:
            yield first
            yield from chunks
        finally:
            chunks.close()
            reader.close()

    response = StreamingHttpResponse(body(), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=safe_filename(name))
    response["Content-Length"] = str(tip_file.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
