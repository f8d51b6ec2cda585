"""The format of a tip's content, in one place: how what people write is encrypted at rest.

- The submission (the source's answers and first message) is one JSON document,
  `{"answers": [...], "message": "..."}`, encrypted to the tip's conversation key.
- Every message of the conversation, either way, and every file's name are UTF-8 text,
  each encrypted on its own to the conversation key.
- Casework's records (notes, triage reasons, closures) are UTF-8 text too, encrypted to the
  case key, which the source never holds.

Whoever reads a tip (the source, a reviewer, an editor quoting it, an export) decodes it here,
so the format cannot drift between readers. Decryption authenticates the whole ciphertext
and raises `vault.DecryptionError` on any failure.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from clarion import vault
from clarion.vault import AgeIdentityStr, AgeRecipientStr


@dataclass(frozen=True)
class Submission:
    """What the source sent with the form: their answers to the channel's questions, and a message."""

    answers: list[dict[str, Any]]
    message: str


def encrypt_submission(submission: Submission, recipient: str) -> bytes:
    """Encrypt the source's answers and message, as one JSON document, to `recipient`."""
    document = {"answers": submission.answers, "message": submission.message}
    return vault.encrypt(json.dumps(document, ensure_ascii=False).encode(), [AgeRecipientStr(recipient)])


def decrypt_submission(ciphertext: bytes | memoryview, identities: Sequence[AgeIdentityStr]) -> Submission:
    """Decrypt what `encrypt_submission` made."""
    document = json.loads(vault.decrypt(bytes(ciphertext), identities))
    return Submission(answers=document["answers"], message=document["message"])


def encrypt_text(text: str, recipient: str) -> bytes:
    """Encrypt a message, a file's name or a case record to `recipient`."""
    return vault.encrypt(text.encode(), [AgeRecipientStr(recipient)])


def decrypt_text(ciphertext: bytes | memoryview | None, identities: Sequence[AgeIdentityStr]) -> str:
    """Decrypt what `encrypt_text` made; an empty field (an optional record left blank) reads as ""."""
    if not ciphertext:
        return ""
    return vault.decrypt(bytes(ciphertext), identities).decode()
