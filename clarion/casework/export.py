"""Export a tip as a zip that the standard `age` tool opens on an offline machine.

Nothing in the zip is plaintext but its README: the tip's answers, messages and files are
the very age ciphertexts Clarion stores, and the tip's two secret keys travel as an age
identity file, keys.age, locked with what the reviewer chose when exporting (ExportLock):
an age public key whose secret half they hold on their offline machine, a passphrase
(age's scrypt recipient), or the organisation's offline key. Whoever holds that opens
everything with `age` alone, no Clarion needed.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, BinaryIO

from clarion import vault
from clarion.intake.content import decrypt_text
from clarion.intake.models import Tip
from clarion.vault import AgeIdentityStr, AgeRecipientStr, BlobStore

COPY_CHUNK = 1 << 20


class LockKind(StrEnum):
    KEY = "key"
    PASSPHRASE = "passphrase"  # noqa: S105 - the name of a kind of lock, not a password
    ORGANISATION = "organisation"


@dataclass(frozen=True, repr=False)
class ExportLock:
    """What opens an export's keys.age: an age public key (the reviewer's or the organisation's) or a passphrase.

    The passphrase lives only in this object for one request: it is never stored, logged
    or written anywhere but into age's scrypt stanza.
    """

    kind: LockKind
    recipient: AgeRecipientStr | None = None
    passphrase: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"ExportLock({self.kind.value}, {self.recipient or '<passphrase>'})"

    def seal(self, data: bytes) -> bytes:
        """Encrypt `data` so that only this lock's key or passphrase opens it."""
        # A lock without its key or passphrase raises ValueError in the vault: never a silent export.
        if self.kind == LockKind.PASSPHRASE:
            return vault.encrypt_with_passphrase(data, self.passphrase or "")
        return vault.encrypt(data, [self.recipient or vault.AgeRecipientStr("")])

    def describe(self) -> str:
        """Say, for the audit log, what the export's keys are locked with (never the passphrase)."""
        if self.kind == LockKind.PASSPHRASE:
            return "keys locked with a passphrase"
        return f"keys locked to the {'organisation' if self.kind == LockKind.ORGANISATION else 'key'} {self.recipient}"


HOW_TO_OPEN_KEYS = {
    LockKind.KEY: """keys.age is encrypted to the age public key given when exporting:
  {recipient}
Open it on the offline machine where that key was made with `age-keygen -o my-key.txt`
(its secret half is in my-key.txt, which never leaves that machine):

  age -d -i my-key.txt -o tip-keys.txt keys.age
""",
    LockKind.ORGANISATION: """keys.age is encrypted to the organisation's offline key:
  {recipient}
Open it on the offline machine that holds the organisation's secret key (here in
org-offline-key.txt):

  age -d -i org-offline-key.txt -o tip-keys.txt keys.age
""",
    LockKind.PASSPHRASE: """keys.age is encrypted with the passphrase typed when exporting (age's passphrase
encryption; Clarion did not keep the passphrase). age asks for it:

  age -d -o tip-keys.txt keys.age
""",
}

README = """Clarion export of tip {reference}
================================

Everything here is encrypted with age (https://age-encryption.org), except this file.
Debian and Ubuntu: `apt install age`; elsewhere see the age website.

keys.age        the tip's two age secret keys (see below)
answers.age     the source's answers and first message (JSON), to the conversation key
messages/*.age  the conversation, one message per file, in order (text)
files/*.age     the files, in order; files.json.age names them (JSON), to the conversation key
notes/*.age     reviewers' internal notes, to the case key

1. Open the tip's keys.

{how_to_open_keys}
2. Open the rest with them:

  age -d -i tip-keys.txt answers.age
  age -d -i tip-keys.txt files.json.age
  age -d -i tip-keys.txt -o 0001-report.pdf files/0001.age
  age -d -i tip-keys.txt messages/0001-source.age

tip-keys.txt opens this tip and nothing else. Keep it, and anything you decrypt, on an
offline machine, and delete it when you are done. Files came from a source or a reviewer:
open them there too, never on a connected machine.
"""


def write_export(
    out: BinaryIO,
    *,
    tip: Tip,
    reference: str,
    tip_identities: dict[str, AgeIdentityStr],
    lock: ExportLock,
    store: BlobStore,
    notes: Sequence[bytes] = (),
) -> None:
    """Write the export zip of `tip` to `out`; blobs are copied in chunks, in constant memory."""
    key_file = "".join(f"# {name} key of tip {reference}\n{identity}\n" for name, identity in tip_identities.items())
    conversation = [AgeRecipientStr(tip.conversation_public_key)]
    files = list(tip.files.order_by("created_at", "pk"))
    names: list[dict[str, Any]] = [
        {
            "file": f"files/{index:04d}.age",
            "name": decrypt_text(tip_file.name, [tip_identities["conversation"]]),
            "size": tip_file.size,
            "sent": tip_file.created_at.isoformat(),
        }
        for index, tip_file in enumerate(files, start=1)
    ]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        how_to_open_keys = HOW_TO_OPEN_KEYS[lock.kind].format(recipient=lock.recipient)
        archive.writestr("README.txt", README.format(reference=reference, how_to_open_keys=how_to_open_keys))
        archive.writestr("keys.age", lock.seal(key_file.encode()))
        archive.writestr("answers.age", bytes(tip.answers))
        archive.writestr("files.json.age", vault.encrypt(json.dumps(names, indent=2).encode(), conversation))
        for index, message in enumerate(tip.messages.all(), start=1):
            archive.writestr(f"messages/{index:04d}-{message.author}.age", bytes(message.body))
        for index, note in enumerate(notes, start=1):
            archive.writestr(f"notes/{index:04d}.age", note)
        for entry, tip_file in zip(names, files, strict=True):
            with store.open(tip_file.blob) as blob, archive.open(entry["file"], "w", force_zip64=True) as member:
                while chunk := blob.read(COPY_CHUNK):
                    member.write(chunk)
