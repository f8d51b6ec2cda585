"""A source's whole visit in Chromium with JavaScript off, with axe-core run on every page they see."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.browser import PHONE, AxeChecker, assert_only_to, assert_page
from tests.support.live import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.live_server_process]


def test_source_sends_a_tip_with_two_files_and_reads_it_back_with_the_receipt(
    open_page,  # noqa: ANN001
    axe: AxeChecker,
    requests_seen: list[str],
    clarion_server: LiveServer,
    tmp_path: Path,
) -> None:
    base = clarion_server.base_url
    page = open_page(PHONE)
    first_file = tmp_path / "pressure-gauge-log.txt"
    first_file.write_text("Gauge 4 read 12 bar on Monday; limit is 8.\n")
    second_file = tmp_path / "maintenance-notes.csv"
    second_file.write_text("date,item,status\n2026-01-12,valve 3,skipped\n")
    screenshots = tmp_path / "screenshots"

    # Given a source on the tip line's landing page, with JavaScript off
    page.goto(f"{base}/tip/")
    assert_page(page, "Send us a tip safely")
    axe.check(page, "landing")
    page.screenshot(path=screenshots / "landing.png", full_page=True)

    # When they choose the channel by its link
    page.get_by_role("link", name="Safety and equipment").click()
    assert_page(page, "Safety and equipment")
    axe.check(page, "channel form")

    # And send it with a required answer missing
    page.get_by_label("Which equipment, site or process?").fill("Boiler room, building C")
    page.get_by_label("What is unsafe?").fill("The pressure valve is bypassed\nevery night shift.")
    page.get_by_role("button", name="Send tip securely").click()

    # Then the form comes back saying what is missing, with their text kept
    problems = page.get_by_role("alert")
    assert "has not been sent yet" in problems.inner_text()
    assert problems.get_by_role("listitem").all_inner_texts() == [
        "How urgent is the danger?: Choose one of the answers."
    ]
    urgency = page.get_by_role("group", name=re.compile(r"^How urgent is the danger\?"))
    assert "Choose one of the answers." in urgency.inner_text()
    # And nothing was chosen for them: no urgency, and "No answer" to the optional question
    assert not [box for box in urgency.get_by_role("radio").all() if box.is_checked()]
    reported = page.get_by_role("group", name="Was it reported internally?")
    assert reported.get_by_label("No answer").is_checked()
    assert page.get_by_label("Which equipment, site or process?").input_value() == "Boiler room, building C"
    assert page.get_by_label("What is unsafe?").input_value() == "The pressure valve is bypassed\nevery night shift."
    axe.check(page, "channel form with errors")

    # When they answer it, attach two files at once and send again
    urgency.get_by_label("Within weeks").check()
    page.get_by_role("group", name="Was it reported internally?").get_by_label("Yes").check()
    page.get_by_label("Files", exact=True).set_input_files([first_file, second_file])
    page.get_by_role("button", name="Send tip securely").click()

    # Then they are given a receipt of seven words
    assert_page(page, "Your tip has been received")
    words = page.locator("#receipt li").all_inner_texts()
    assert len(words) == 7 and all(re.fullmatch(r"[a-z-]+", word) for word in words), words
    axe.check(page, "receipt")
    page.screenshot(path=screenshots / "receipt.png", full_page=True)
    assert page.url == f"{base}/tip/receipt/"  # reached by a redirect: no form to send again
    tips = clarion_server.query("SELECT COUNT(*) FROM intake_tip")

    # When they reload the receipt page
    page.reload()

    # Then it says the receipt was shown once, shows no receipt and sends no second tip
    assert_page(page, "Your receipt was shown already")
    assert not page.locator("#receipt").count()
    assert clarion_server.query("SELECT COUNT(*) FROM intake_tip") == tips
    axe.check(page, "receipt page reloaded")

    # When they come back through "I already sent a tip" and enter a wrong receipt
    page.get_by_role("link", name="I already sent a tip").click()
    assert_page(page, "Open your inbox")
    axe.check(page, "login")
    receipt_field = page.get_by_role("textbox", name=re.compile(r"^Your receipt"))
    receipt_field.fill(" ".join(words[1:] + words[:1]))
    page.get_by_role("button", name="Open inbox").click()

    # Then they are told that no tip matches
    assert "No tip matches this receipt." in page.get_by_role("alert").inner_text()
    axe.check(page, "login with a wrong receipt")

    # When they type the right receipt with odd capitals and spaces
    receipt_field.fill(sloppy(words))
    page.get_by_role("button", name="Open inbox").click()

    # Then their inbox shows what they sent, with both files
    assert_inbox_shows_the_tip(page)
    axe.check(page, "inbox")

    # When they log out
    page.get_by_role("button", name="Log out").click()
    assert_page(page, "You are logged out")
    axe.check(page, "logged out")

    # Then the inbox is no longer reachable: it asks for the receipt
    page.goto(f"{base}/tip/inbox/")
    assert_page(page, "Open your inbox")
    assert "Boiler room" not in page.content()

    # When they log in with the receipt again, then they see their tip again
    page.get_by_role("textbox", name=re.compile(r"^Your receipt")).fill(sloppy(words))
    page.get_by_role("button", name="Open inbox").click()
    assert_inbox_shows_the_tip(page)

    # And nothing in the whole visit (nor in the accessibility pass) went to another origin
    assert_only_to(base, requests_seen)
    assert any(url.endswith(".css") for url in requests_seen), "the stylesheet was never loaded"

    # And every page is accessible (WCAG 2.2 A and AA, as far as axe-core can tell)
    axe.assert_accessible()


def sloppy(words: list[str]) -> str:
    """Return the receipt as a hurried person types it: odd capitals, extra spaces."""
    mixed = [word.upper() if index % 2 else word.capitalize() for index, word in enumerate(words)]
    return "  " + "   ".join(mixed) + " "


def assert_inbox_shows_the_tip(page) -> None:  # noqa: ANN001
    assert_page(page, "Your inbox")
    sent = page.locator("section", has=page.get_by_role("heading", name=re.compile(r"^What you sent on")))
    text = sent.inner_text()
    assert "Channel: Safety and equipment" in text
    assert "Boiler room, building C" in text
    assert "Within weeks" in text
    assert "pressure-gauge-log.txt" in text
    assert "maintenance-notes.csv" in text
