from __future__ import annotations

import pytest

from clarion.web import memory_key


@pytest.fixture(autouse=True)
def _own_memory_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give each test a key page of its own: a test that moves the key on cannot move it for the next."""
    monkeypatch.setattr(memory_key, "_page", None)
    monkeypatch.setattr(memory_key, "_lock", None)
