from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Start every test with no login failures counted (the counters live in the cache)."""
    cache.clear()
    yield
    cache.clear()
