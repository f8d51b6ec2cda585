"""Looking for a secret in everything the real server keeps, in plain text, hex and base64.

Used by the tests that send a canary through the real server (tests/intake/test_no_traces.py
checks these finders themselves, so the searches cannot pass by finding nothing).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from pathlib import Path

from tests.support.live import LiveServer, SourceClient


def encodings_of(secret: bytes) -> list[bytes]:
    """Return the byte strings that betray `secret`: itself, hex, and base64 at each alignment.

    A base64 encoder sees `secret` at one of three offsets modulo 3 within whatever it encodes;
    for each, keep only the characters that depend on `secret`'s bits alone (the first and
    last characters also carry bits of the neighbouring bytes, which are unknown).
    """
    forms = [secret, secret.hex().encode(), secret.hex().upper().encode()]
    urlsafe = bytes.maketrans(b"+/", b"-_")
    for shift in range(3):
        encoded = base64.b64encode(bytes(shift) + secret)
        first = -(-8 * shift // 6)  # the first character made only of `secret`'s bits
        end = 8 * (shift + len(secret)) // 6  # one past the last such character
        stable = encoded[first:end]
        forms += [stable, stable.translate(urlsafe)]
    return list(dict.fromkeys(forms))


def traces(secrets_: dict[str, bytes], places: Iterable[tuple[str, bytes]]) -> list[str]:
    """Return "<what> in <where>" for every place holding any encoding of any secret."""
    needles = {label: encodings_of(secret) for label, secret in secrets_.items()}
    found = []
    for where, content in places:
        for label, forms in needles.items():
            for form in forms:
                if form in content:
                    found.append(f"{label} ({form[:40]!r}) in {where}")
    return found


def files_in(*folders: Path) -> Iterator[tuple[str, bytes]]:
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                yield str(path), path.read_bytes()


def everything_kept(server: LiveServer) -> Iterator[tuple[str, bytes]]:
    """Yield every byte the server keeps: database, data folder, TMPDIR, logs."""
    yield "the database", server.database_bytes()
    yield from files_in(server.data_dir, server.tmp_dir)
    yield "the server's logs", server.logs()


def form_fields(client: SourceClient, slug: str) -> dict[str, str]:
    """Return the field name of each question of a channel's form, by label."""
    status, html = client.get(f"/tip/send/{slug}/")
    assert status == 200
    return client.question_fields(html)
