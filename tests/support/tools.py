"""System tools the tests drive (exiftool, age, lynx, Chromium): found, or the test says why it cannot run."""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(path_or_name: str, why: str) -> str:
    """Return the tool's path; skip (saying which and why) when it is missing, fail in CI."""
    found = shutil.which(path_or_name)
    if found:
        return found
    message = f"{path_or_name} is not installed; {why} (.ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
