"""Test settings whose URLs include a view that always fails (`tests/support/crash_urls.py`).

For the real server started by tests that look at its answer to a server error.
"""

from tests.settings import *  # noqa: F403

ROOT_URLCONF = "tests.support.crash_urls"
