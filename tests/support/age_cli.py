"""Run Debian's `age` as a person at a terminal does, including typing a passphrase.

`age -d` reads a passphrase from the terminal, never from a pipe, so it runs here under a
pseudo-terminal that answers its prompt: the same path a person on an offline machine takes.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from pathlib import Path

from tests.support.tools import require_tool

TIMEOUT = 60


def age_binary() -> str:
    return require_tool("age", "exports are checked with the standard age tool")


def age_decrypt(encrypted: Path, identity_file: Path) -> bytes:
    """Decrypt with `age -d -i identity_file`; return the plaintext."""
    result = subprocess.run(
        [age_binary(), "-d", "-i", str(identity_file), str(encrypted)], capture_output=True, check=True, timeout=TIMEOUT
    )
    return result.stdout


def age_decrypt_with_passphrase(encrypted: Path, passphrase: str, out: Path) -> tuple[int, str]:
    """Run `age -d -o out encrypted`, typing `passphrase` at its prompt; return its exit status and what it showed."""
    age = age_binary()
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child becomes age
        os.execv(age, [age, "-d", "-o", str(out), str(encrypted)])  # noqa: S606 - Debian's age, our arguments
    shown = b""
    typed = False
    status: int | None = None
    deadline = time.monotonic() + TIMEOUT
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                done, waited = os.waitpid(pid, os.WNOHANG)
                if done:
                    status = waited
                    break
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the terminal closed: age has finished
                break
            if not chunk:
                break
            shown += chunk
            if not typed and b"passphrase" in shown.lower():
                os.write(fd, passphrase.encode() + b"\n")
                typed = True
    finally:
        os.close(fd)
    if status is None:
        _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def age_keygen(path: Path) -> str:
    """Make a key pair with `age-keygen -o path`, as on an offline machine; return its public key."""
    keygen = require_tool("age-keygen", "export keys are made with the standard age-keygen")
    subprocess.run([keygen, "-o", str(path)], capture_output=True, check=True, timeout=TIMEOUT)
    for line in path.read_text().splitlines():
        if line.startswith("# public key: "):
            return line.removeprefix("# public key: ").strip()
    raise AssertionError(f"age-keygen wrote no public key to {path}")
