"""Chromium (Debian's, never a downloaded one), axe-core and a real Clarion server for browser tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.support.live import REPO

CHROMIUM = "/usr/bin/chromium"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"

# Quiet flags: no background traffic of Chromium's own, so every request seen is the page's.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def axe_path() -> Path:
    """Return axe-core's script; skip (or fail in CI) with the reason when npm has not installed it."""
    if not AXE.is_file():
        message = f"{AXE} is missing; the accessibility checks need axe-core (run `npm ci`, as `make test` does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE


@pytest.fixture
def browser():  # noqa: ANN201 - playwright's Browser, imported lazily
    """Launch Debian's Chromium headless through Playwright.

    Function-scoped on purpose: Playwright's sync API keeps an asyncio loop running while it
    is open, and Django refuses database work from tests that would run under it.
    """
    require_tool(CHROMIUM, "the browser tests drive Debian's Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
