"""Share fixtures for the vault tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from clarion.vault import BlobStore, KdfParams, KeyPair, generate_keypair


@pytest.fixture(scope="session")
def insecure_fast_kdf() -> KdfParams:
    """Return Argon2id parameters far too weak for real use, to keep tests fast."""
    return KdfParams(time_cost=1, memory_cost_kib=8, parallelism=1)


@pytest.fixture(scope="session")
def keypair() -> KeyPair:
    """Return one key pair shared by the session (generation is cheap; reuse keeps it simple)."""
    return generate_keypair()


@pytest.fixture(scope="session")
def other_keypair() -> KeyPair:
    """Return a second, unrelated key pair: the "wrong key"."""
    return generate_keypair()


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    """Return an empty blob store in a fresh folder."""
    return BlobStore(tmp_path / "blobs")
