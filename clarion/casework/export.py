"""Export a tip as a zip that the standard `age` tool opens on an offline machine.

Nothing in the zip is plaintext but its README: the tip's answers, messages and files are
the very age ciphertexts Clarion stores, and the tip's two secret keys travel as an age
identity file encrypted to the exporting reviewer (and to the organisation's offline key
when one is registered). Whoever holds one of those private keys decrypts everything with
`age` alone, no Clarion needed.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from typing import BinaryIO

from clarion import vault
from clarion.intake.models import Tip
from clarion.vault import AgeIdentityStr, AgeRecipientStr, BlobStore

COPY_CHUNK = 1 << 20

README = """Clarion export of tip {reference}
================================

Everything here is encrypted with age (https://age-encryption.org), except this file.

keys.age        the tip's two age secret keys, encrypted to: {holders}
answers.age     the source's answers and first message (JSON), to the conversation key
messages/*.age  the conversation, one message per file, in order (text)
files/*.age     the files, in order; files.json.age names them (JSON), to the conversation key
notes/*.age     reviewers' internal notes, to the case key

To read it, with your own age secret key in my-key.txt (it never leaves your machine):

  age -d -i my-key.txt -o tip-keys.txt keys.age
  age -d -i tip-keys.txt answers.age
  age -d -i tip-keys.txt files.json.age
  age -d -i tip-keys.txt -o 0001-report.pdf files/0001.age

tip-keys.txt opens this tip and nothing else. Keep it, and anything you decrypt, on an
offline machine, and delete it when you are done.
"""


def write_export(
    out: BinaryIO,
    *,
    tip: Tip,
    reference: str,
    tip_identities: dict[str, AgeIdentityStr],
    recipients: Sequence[AgeRecipientStr],
    store: BlobStore,
    notes: Sequence[bytes] = (),
) -> None:
    """Write the export zip of `tip` to `out`; blobs are copied in chunks, in constant memory."""
    key_file = "".join(f"# {name} key of tip {reference}\n{identity}\n" for name, identity in tip_identities.items())
    conversation = [AgeRecipientStr(tip.conversation_public_key)]
    files = list(tip.files.order_by("created_at", "pk"))
    names = [
        {
            "file": f"files/{index:04d}.age",
            "name": vault.decrypt(bytes(tip_file.name), [tip_identities["conversation"]]).decode(),
            "size": tip_file.size,
            "sent": tip_file.created_at.isoformat(),
        }
        for index, tip_file in enumerate(files, start=1)
    ]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("README.txt", README.format(reference=reference, holders=", ".join(recipients)))
        archive.writestr("keys.age", vault.encrypt(key_file.encode(), list(recipients)))
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
