"""Chromium (Debian's, never a downloaded one), its pages, axe-core and a real Clarion server for browser tests.

A test asks for `open_page(viewport)` for each person's browser (JavaScript off, every request
recorded in `requests_seen`) and for `axe` to check what they were shown; both are closed at
the end of the test whatever happens.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.support.browser import CHROMIUM, PHONE, AxeChecker
from tests.support.live import REPO
from tests.support.tools import require_tool

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
def browser():  # noqa: ANN201 - playwright's Browser
    """Launch Debian's Chromium headless through Playwright.

    Function-scoped on purpose: Playwright's sync API keeps an asyncio loop running while it
    is open, and Django refuses database work from tests that would run under it.
    """
    require_tool(CHROMIUM, "the browser tests drive Debian's Chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def requests_seen() -> list[str]:
    """Every URL the test's pages (and the accessibility pass) requested."""
    return []


@pytest.fixture
def open_page(browser, requests_seen: list[str]) -> Iterator[Callable[..., object]]:  # noqa: ANN001
    """Return `open_page(viewport=PHONE)`: a page in a new context with JavaScript off, requests recorded."""
    contexts = []

    def open_page(viewport: dict[str, int] = PHONE):  # noqa: ANN202 - playwright's Page
        context = browser.new_context(java_script_enabled=False, viewport=viewport)
        context.on("request", lambda request: requests_seen.append(request.url))
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def axe(browser, axe_path: Path, requests_seen: list[str]) -> Iterator[AxeChecker]:  # noqa: ANN001
    """axe-core, to run on what each page showed (`axe.check(page, name)`)."""
    checker = AxeChecker(browser, axe_path, requests_seen)
    yield checker
    checker.close()
