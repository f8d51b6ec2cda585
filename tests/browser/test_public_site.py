"""A reader on a phone with JavaScript off: the home page, a report, then into the tip line.

The demo site's posts are real posts (written and approved through the editorial workflow by
`python -m clarion demo`). axe-core checks every reader page; no request leaves the site and
the browser ends the visit holding no cookie.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.browser import DESKTOP, PHONE, AxeChecker, assert_only_to, assert_page
from tests.support.live import LiveServer
from tests.support.totp import code_for, totp_key

pytestmark = [pytest.mark.browser, pytest.mark.live_server_process]


def test_a_reader_reads_a_report_and_follows_send_us_a_tip_into_the_tip_line(
    open_page,  # noqa: ANN001
    axe: AxeChecker,
    requests_seen: list[str],
    clarion_server: LiveServer,
    tmp_path: Path,
) -> None:
    base = clarion_server.base_url
    page = open_page(PHONE)
    context = page.context
    # Given a reader on the home page
    page.goto(f"{base}/")
    assert_page(page, "Riverside Workers' Council")
    assert page.get_by_text("Staff of Riverside City, speaking up safely.").is_visible()
    pinned = page.locator("section", has=page.get_by_role("heading", name="Open letter"))
    assert "Open letter: staff the night shifts safely" in pinned.inner_text()
    axe.check(page, "home")
    page.screenshot(path=tmp_path / "home.png", full_page=True)

    # When they open the latest report from the list
    page.get_by_role("link", name="Overtime went unpaid at two depots").click()

    # Then they read it, with its date and body, and an invitation to send a tip
    assert_page(page, "Overtime went unpaid at two depots")
    article = page.locator("article.post").inner_text()
    assert "Pay records show a year of unpaid overtime for drivers." in article
    assert "no overtime paid" in article
    assert page.get_by_role("heading", name="Seen something at work that others should know?").is_visible()
    axe.check(page, "report")
    # (on a phone-width screen, without sideways scrolling)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # And the open letter, the archive, a missing page and a search are as accessible
    for path, title in [
        ("/posts/staffing-letter/", "Open letter: staff the night shifts safely"),
        ("/reports/", "Reports"),
        ("/archive/", "Archive"),
        ("/pages/how-we-protect-sources/", "How we protect sources"),
        ("/posts/no-such-report/", "Page not found"),
    ]:
        page.goto(f"{base}{path}")
        assert_page(page, title)
        axe.check(page, path)
    page.get_by_role("search").get_by_label("Search").fill("overtime")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    assert_page(page, "Search")
    assert page.get_by_role("link", name="Overtime went unpaid at two depots").is_visible()
    axe.check(page, "search results")

    # When they follow "Send us a tip safely"
    page.get_by_role("link", name="Send us a tip safely").first.click()

    # Then they are on the tip line's landing page
    assert_page(page, "Send us a tip safely")
    assert page.url == f"{base}/tip/"

    # And reading set no cookie at all
    assert context.cookies() == [], context.cookies()

    assert_only_to(base, requests_seen)
    axe.assert_accessible()


def test_an_editor_writes_a_draft_sees_its_redaction_flags_and_cannot_approve_it_alone(
    open_page,  # noqa: ANN001
    axe: AxeChecker,
    requests_seen: list[str],
    clarion_server: LiveServer,
) -> None:
    base = clarion_server.base_url
    demo = clarion_server.log_path.read_text()  # prepare() wrote the demo command's output there
    password = re.search(r"Reviewer account: reviewer / (\S+)", demo).group(1)
    secret = re.search(r"Authenticator secret \(TOTP, 6 digits, 30 s\): (\S+)", demo).group(1)
    staff = open_page(DESKTOP)
    # Given the demo reviewer, also an editor, logged in with password and code
    staff.goto(f"{base}/staff/posts/")
    assert_page(staff, "Staff login")
    staff.get_by_label(re.compile(r"^User name")).fill("reviewer")
    staff.get_by_label(re.compile(r"^Password")).fill(password)
    staff.get_by_role("button", name="Continue").click()
    staff.get_by_label(re.compile(r"^One-time code")).fill(code_for(totp_key(secret)))
    staff.get_by_role("button", name="Log in").click()
    assert_page(staff, "Posts")
    assert staff.get_by_role("link", name="Overtime went unpaid at two depots").is_visible()
    axe.check(staff, "posts")

    # When they write a draft that names a contact address
    staff.get_by_role("link", name="New post").click()
    assert_page(staff, "New post")
    axe.check(staff, "new post")
    staff.get_by_label(re.compile(r"^Address \(slug\)")).fill("canteen")
    staff.get_by_label(re.compile(r"^Title")).fill("The canteen closes at night")
    staff.get_by_label(re.compile(r"^Text")).fill("Write to j.doe@riverside.example for the rota.")
    staff.get_by_role("button", name="Save").click()

    # Then the post's page shows the flag, and it cannot be sent for review while the flag is open
    assert_page(staff, "The canteen closes at night")
    assert "j.doe@riverside.example" in staff.locator("main").inner_text()
    axe.check(staff, "draft with a redaction flag")
    staff.get_by_role("button", name="Send for review").click()
    assert "1 redaction flag is not resolved" in staff.locator("main").inner_text()

    # When they keep the address with a reason, then send it for review
    staff.get_by_label(re.compile(r"^Reason for keeping it")).fill("The canteen's public address.")
    staff.get_by_role("button", name=re.compile(r"^Keep")).click()
    staff.get_by_role("button", name="Send for review").click()
    axe.check(staff, "in review")

    # But they cannot approve what they wrote themselves
    assert "a second editor must approve it" in staff.locator("main").inner_text()
    assert clarion_server_get(base, "/posts/canteen/") == 404

    assert_only_to(base, requests_seen)
    axe.assert_accessible()


def clarion_server_get(base: str, path: str) -> int:
    """Return the status a reader gets for `path`."""
    try:
        with urllib.request.urlopen(f"{base}{path}") as response:  # noqa: S310 - our own local server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
