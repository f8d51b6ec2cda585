"""Open and re-make backups as an operator (or an attacker holding the public recipient) would."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

from clarion import vault
from tests.support.tools import require_tool


def require_database_tools() -> None:
    """On PostgreSQL, backups are made and restored with pg_dump and pg_restore (postgresql-client)."""
    if os.environ.get("DATABASE_URL"):
        for tool in ("pg_dump", "pg_restore"):
            require_tool(tool, "backups of a PostgreSQL site are made and restored with it")


def decrypted_members(path: Path, identity: vault.AgeIdentityStr) -> dict[str, bytes]:
    """Open a backup as an operator would on the offline machine (age, then tar): name -> bytes."""
    plaintext = b"".join(vault.iter_decrypted(io.BytesIO(path.read_bytes()), [identity]))
    with tarfile.open(fileobj=io.BytesIO(plaintext)) as tar:
        return {info.name: tar.extractfile(info).read() for info in tar}


def reencrypt(members: dict[str, bytes], recipient: vault.AgeRecipientStr) -> bytes:
    """Make a backup as anyone holding the (public) recipient could: these members, in this order."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    vault.encrypt_stream(io.BytesIO(buffer.getvalue()), out, [recipient])
    return out.getvalue()
