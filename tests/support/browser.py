"""Chromium pages for the browser tests: screen sizes, the page check, and axe-core's accessibility pass.

The fixtures that open them (`browser`, `open_page`, `axe`, `requests_seen`) are in
tests/browser/conftest.py.
"""

from __future__ import annotations

import json
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
UNSTYLED = (
    "[...document.querySelectorAll('link[rel=stylesheet]')].filter(l => !l.sheet?.cssRules.length).map(l => l.href)"
)
AXE_RUN = "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"


class AxeChecker:
    """Run axe-core on the exact HTML a JavaScript-less source was shown.

    axe needs JavaScript, which the source's context does not have; so each captured page is
    served again, byte for byte, at its own address in a second context with JavaScript on.
    Its stylesheets still come from the live server, so colour contrast is judged with the
    real CSS.
    """

    def __init__(self, browser, axe_path: Path, requests: list[str]) -> None:  # noqa: ANN001
        self.context = browser.new_context(java_script_enabled=True, bypass_csp=True, viewport=PHONE)
        self.context.on("request", lambda request: requests.append(request.url))
        self.context.add_init_script(path=axe_path)
        self.page = self.context.new_page()
        self.page.route("**/*", self._serve)
        self.captured: tuple[str, str] = ("", "")
        self.failures: list[str] = []

    def _serve(self, route) -> None:  # noqa: ANN001
        url, html = self.captured
        if route.request.is_navigation_request() and route.request.url == url:
            route.fulfill(status=200, body=html, content_type="text/html; charset=utf-8")
        else:
            route.continue_()

    def check(self, source_page, name: str) -> None:  # noqa: ANN001
        """Record axe-core's WCAG 2.2 A/AA violations on what `source_page` shows now."""
        url = source_page.url
        self.captured = (url, source_page.content())
        self.page.goto(url, wait_until="load")
        unstyled = self.page.evaluate(UNSTYLED)
        assert not unstyled, f"{name}: stylesheets did not load, contrast and sizes would be wrong: {unstyled}"
        results = self.page.evaluate(AXE_RUN, WCAG_TAGS)
        assert results["passes"], f"{name}: axe-core checked nothing; was the page served?"
        for violation in results["violations"]:
            nodes = "\n".join(
                f"    {json.dumps(node['target'])}: {node['html']}\n      {node.get('failureSummary', '')}"
                for node in violation["nodes"]
            )
            self.failures.append(
                f"{name} ({url}): {violation['id']} [{violation['impact']}] {violation['help']}\n{nodes}"
            )

    def close(self) -> None:
        self.context.close()

    def assert_accessible(self) -> None:
        """Fail with every violation found, page by page (WCAG 2.2 A and AA, as far as axe-core can tell)."""
        assert not self.failures, "axe-core found accessibility violations:\n" + "\n".join(self.failures)


def assert_page(page, title: str) -> None:  # noqa: ANN001
    """Check the page's main heading; on failure show what the page said instead."""
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == title, f"expected the page {title!r}, got:\n{page.locator('main').inner_text()}"


def assert_only_to(base: str, requests: list[str]) -> None:
    """Check that every request seen went to the server at `base`: nothing to another origin."""
    strangers = [url for url in requests if not url.startswith(base + "/")]
    assert not strangers, f"requests to other origins: {strangers}"
