"""A source with lynx, a text browser: it sends no answer the source did not choose.

lynx selects the first radio button of a group when the page checks none, and sends it: a
tip would carry "Someone could be hurt now" and "Yes" although the source chose neither.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.live import LiveServer, SourceClient
from tests.support.lynx import Choose, Fill, Lynx, options_shown

pytestmark = pytest.mark.live_server_process

URGENCY = "How urgent is the danger?"
URGENCY_OPTIONS = {"Someone could be hurt now", "Within weeks", "Longer term"}
REPORTED = "Was it reported internally?"
TEXT = [Fill("Which equipment, site or process?", "Boiler room C"), Fill("What is unsafe?", "Valve bypassed")]


def flat(page: str) -> str:
    """Join lynx's wrapped lines, so sentences can be looked for whole."""
    return " ".join(page.split())


def tip_count(server: LiveServer) -> int:
    return server.query("SELECT COUNT(*) FROM intake_tip")[0][0]


def test_lynx_sends_only_the_answers_the_source_chose(clarion_server: LiveServer, tmp_path: Path) -> None:
    lynx = Lynx(tmp_path / "lynx")
    form = f"{clarion_server.base_url}/tip/send/safety/"
    tips_before = tip_count(clarion_server)

    # Given the safety form as lynx shows it
    page = lynx.dump(form)

    # Then the optional yes/no question shows "No answer" selected, and no urgency is selected
    assert options_shown(page, REPORTED) == [("Yes", False), ("No", False), ("No answer", True)]
    assert not [option for option, selected in options_shown(page, URGENCY) if selected and option in URGENCY_OPTIONS]

    # When the source types the text answers and sends without choosing anything
    refused = lynx.submit(form, TEXT, "Send tip securely")

    # Then the tip is refused, saying which question needs a choice, and the typed text is kept
    assert "Your tip has not been sent yet" in flat(refused)
    assert f"{URGENCY}: Choose one of the answers." in flat(refused)
    assert "Boiler room C" in refused
    assert tip_count(clarion_server) == tips_before

    # When they choose an urgency and send
    sent = lynx.submit(form, [*TEXT, Choose(URGENCY, "Within weeks")], "Send tip securely")

    # Then the tip is received, and it holds the urgency they chose and no answer to the other question
    assert "Your tip has been received" in flat(sent)
    receipt = " ".join(re.findall(r"^\s*\d\. ([a-z-]+)\s*$", sent, re.M))
    assert tip_count(clarion_server) == tips_before + 1
    source = SourceClient(clarion_server)
    status, inbox = source.post("/tip/login/", {"receipt": receipt})
    assert status == 200 and "Your inbox" in inbox, inbox[:2000]
    answers = dict(re.findall(r"<dt>([^<]+)</dt>\s*<dd>(.*?)</dd>", inbox, re.S))
    assert answers[URGENCY] == "Within weeks"
    assert answers[REPORTED] == "<em>No answer</em>"
