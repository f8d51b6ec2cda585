"""The whole loop in Chromium with JavaScript off: a tip, a reviewer's reply with a file, the source reading it.

The reviewer joins through the real enrolment pages with an invitation code from
`python -m clarion invite`, then logs in with a password and a one-time code computed from
the secret the enrolment page showed, as an authenticator app would. axe-core checks every
reviewer page (the same technique as the source's test: the captured HTML served again in a
JavaScript-enabled context).
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest

from tests.support.browser import DESKTOP, PHONE, AxeChecker, assert_only_to, assert_page
from tests.support.live import LiveServer
from tests.support.people import PASSWORD
from tests.support.staff import invitation_code, receive_every_channel
from tests.support.totp import Authenticator, totp_key

pytestmark = [pytest.mark.browser, pytest.mark.live_server_process]


def test_a_reviewer_reads_a_tip_and_replies_with_a_file_that_the_source_then_sees(
    open_page,  # noqa: ANN001
    axe: AxeChecker,
    requests_seen: list[str],
    clarion_server: LiveServer,
    tmp_path: Path,
) -> None:
    base = clarion_server.base_url
    canary = "canary-" + secrets.token_hex(8)
    staff = open_page(DESKTOP)
    source = open_page(PHONE)
    reply_file = tmp_path / "questions-for-you.txt"
    reply_file.write_text("Which shift? Who else saw the gauge?\n")
    # Given a new reviewer who enrols with the invitation code an admin gave them
    staff.goto(f"{base}/staff/enrol/")
    assert_page(staff, "Join as staff")
    axe.check(staff, "enrolment: invitation code")
    staff.get_by_label("Invitation code").fill(invitation_code(clarion_server, "reviewer"))
    staff.get_by_role("button", name="Continue").click()
    assert_page(staff, "Choose your user name and password")
    axe.check(staff, "enrolment: account")
    staff.get_by_label(re.compile(r"^User name")).fill("rosa")
    staff.get_by_label(re.compile(r"^New password \(")).fill(PASSWORD)
    staff.get_by_label(re.compile(r"^New password again")).fill(PASSWORD)
    staff.get_by_role("button", name="Continue").click()
    assert_page(staff, "Set up your authenticator app")
    axe.check(staff, "enrolment: authenticator")
    app = Authenticator(totp_key(staff.locator("#totp-secret").inner_text()))
    staff.get_by_label(re.compile(r"^One-time code")).fill(app.code())
    staff.get_by_role("button", name="Finish").click()
    assert_page(staff, "You are set up, rosa")
    assert staff.locator("#recovery-code").inner_text().strip()
    axe.check(staff, "enrolment: done, with the recovery code")
    # ... and whom an admin made a receiver of every channel
    receive_every_channel(clarion_server, "rosa")

    # And a source who sends a tip with JavaScript off, the canary in an answer
    source.goto(f"{base}/tip/")
    source.get_by_role("link", name="Safety and equipment").click()
    assert_page(source, "Safety and equipment")
    source.get_by_role("group", name=re.compile(r"^How urgent is the danger\?")).get_by_label("Within weeks").check()
    source.get_by_label("Which equipment, site or process?").fill("Boiler room, building C")
    source.get_by_label("What is unsafe?").fill(f"The pressure valve is bypassed every night ({canary}).")
    source.get_by_role("button", name="Send tip securely").click()
    assert_page(source, "Your tip has been received")
    words = source.locator("#receipt li").all_inner_texts()
    assert len(words) == 7, words

    # When the reviewer follows a link to the inbox, they are asked to log in
    staff.goto(f"{base}/staff/cases/")
    assert_page(staff, "Staff login")
    axe.check(staff, "staff login")
    staff.get_by_label(re.compile(r"^User name")).fill("rosa")
    staff.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
    staff.get_by_role("button", name="Continue").click()

    # And, after the password, with the code their app shows (the enrolment's code is spent)
    assert_page(staff, "One-time code")
    axe.check(staff, "one-time code")
    staff.get_by_label(re.compile(r"^One-time code")).fill(app.next_code())
    staff.get_by_role("button", name="Log in").click()

    # Then they see the tip in their inbox, unread
    assert_page(staff, "Inbox")
    axe.check(staff, "inbox")
    rows = staff.locator("table.cases tbody tr")
    assert rows.count() == 1, staff.locator("main").inner_text()
    assert "Safety and equipment" in rows.inner_text()
    assert "Unread" in rows.inner_text()

    # When they open it, they read the source's answers, canary included
    rows.get_by_role("link").first.click()
    assert re.fullmatch(rf"{re.escape(base)}/staff/cases/[0-9a-f-]{{36}}/", staff.url), staff.url
    sent = staff.locator("section", has=staff.get_by_role("heading", name="What the source sent"))
    assert f"The pressure valve is bypassed every night ({canary})." in sent.inner_text()
    assert "Boiler room, building C" in sent.inner_text()
    assert "Within weeks" in sent.inner_text()
    axe.check(staff, "tip")

    # And reply with a file
    staff.get_by_label(re.compile(r"^Reply to the source")).fill("Thank you. Which shift was it?")
    staff.get_by_label("Files for the source").set_input_files(reply_file)
    staff.get_by_role("button", name="Send to the source").click()

    # Then the conversation shows their reply with the file
    conversation = staff.locator(
        "section", has=staff.get_by_role("heading", name="Conversation with the source")
    ).locator("ol.conversation")
    assert "Thank you. Which shift was it?" in conversation.inner_text()
    assert "questions-for-you.txt" in conversation.inner_text()
    axe.check(staff, "tip after a reply")

    # And when the source logs in with the receipt, they read the reply and see the file's name
    source.get_by_role("link", name="I already sent a tip").click()
    source.get_by_role("textbox", name=re.compile(r"^Your receipt")).fill(" ".join(words))
    source.get_by_role("button", name="Open inbox").click()
    assert_page(source, "Your inbox")
    messages = source.locator("section", has=source.get_by_role("heading", name="Messages"))
    assert "Thank you. Which shift was it?" in messages.inner_text()
    assert "questions-for-you.txt" in messages.inner_text()
    assert canary in source.locator("main").inner_text()
    axe.check(source, "source inbox with a reviewer's file")

    # And when they download the reviewer's file (JavaScript still off), its bytes are the reviewer's
    with source.expect_download() as download_info:
        messages.get_by_role("link", name="questions-for-you.txt").click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == "questions-for-you.txt"
    assert Path(download.path()).read_bytes() == reply_file.read_bytes()
    assert re.fullmatch(rf"{re.escape(base)}/tip/inbox/files/\d+/", download.url), download.url
    assert_page(source, "Your inbox")  # the page stays; the file was not shown in it

    # When the reviewer logs out from the tip page, the tip is no longer shown to that browser
    tip_url = staff.url
    staff.get_by_role("navigation", name="Casework").get_by_role("button", name="Log out").click()
    assert_page(staff, "You are logged out")
    axe.check(staff, "logged out")
    staff.goto(tip_url)
    assert_page(staff, "Staff login")
    assert staff.url.split("#")[0] == f"{base}/staff/login/", "the tip's id must not be in the login page's address"
    assert canary not in staff.content()

    # And nothing in the whole loop (nor in the accessibility pass) went to another origin
    assert_only_to(base, requests_seen)
    assert any(url.endswith(".css") for url in requests_seen), "the stylesheet was never loaded"

    # And every reviewer page is accessible (WCAG 2.2 A and AA, as far as axe-core can tell)
    axe.assert_accessible()
