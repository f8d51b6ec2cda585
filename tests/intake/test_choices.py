"""No answer the source never gave: choice questions record only what the source chose.

Text browsers (lynx) select the first radio button of a group when the page checks none, and
send it. So an optional choice question offers "No answer", checked from the start, and a
required one checks no answer and is refused until the source picks one.
"""

from __future__ import annotations

import re

import pytest

from clarion.intake.models import Question, Tip
from tests.support.people import browser_client
from tests.support.tips import answers_for, receipt_of, submit

REQUIRED_MESSAGE = "Choose one of the answers."


@pytest.fixture
def client():
    return browser_client()


def field_name(channel, label: str) -> str:  # noqa: ANN001
    return channel.questions.get(label=label).field_name


def radios(html: str, name: str) -> list[tuple[str, str, bool, bool]]:
    """Return each radio button of the group `name`: (value, label, checked, hidden)."""
    found = []
    for tag, input_id in re.findall(rf'(<input type="radio" name="{name}"[^>]*? id="([^"]+)"[^>]*>)', html):
        label = re.search(rf'<label for="{input_id}">([^<]*)</label>', html).group(1)
        value = re.search(r'value="([^"]*)"', tag).group(1)
        found.append((value, label, " checked" in tag, " hidden" in tag))
    assert found, f"no radio buttons named {name}"
    return found


def inbox_answers(client, receipt: str) -> dict[str, str]:  # noqa: ANN001
    client.get("/tip/login/")
    client.post("/tip/login/", {"receipt": receipt, "csrfmiddlewaretoken": client.cookies["clarion-csrf"].value})
    html = client.get("/tip/inbox/").content.decode()
    pairs = re.findall(r"<dt>([^<]+)</dt>\s*<dd>(.*?)</dd>", html, re.S)
    return {question: re.sub(r"<[^>]+>", "", answer).strip() for question, answer in pairs}


@pytest.fixture
def optional_choice(channel):
    return Question.objects.create(
        channel=channel, position=10, kind=Question.Kind.SINGLE_CHOICE, label="Which shift?", choices="Day\nNight"
    )


def test_an_optional_choice_offers_no_answer_checked_from_the_start(client, channel, optional_choice):
    html = client.get(f"/tip/send/{channel.slug}/").content.decode()

    assert radios(html, optional_choice.field_name) == [
        ("Day", "Day", False, False),
        ("Night", "Night", False, False),
        ("", "No answer", True, False),
    ]
    # Yes/no questions are choice questions too.
    assert radios(html, field_name(channel, "Still happening?")) == [
        ("yes", "Yes", False, False),
        ("no", "No", False, False),
        ("", "No answer", True, False),
    ]


def test_a_tip_sent_as_the_form_came_records_no_answer_for_the_choices_left_alone(client, channel, optional_choice):
    # Given the form posted as a browser posts it: the checked "No answer" buttons send ""
    data = answers_for(channel)
    data[optional_choice.field_name] = ""
    data[field_name(channel, "Still happening?")] = ""

    response = submit(client, channel, data)

    answers = inbox_answers(client, receipt_of(response))
    assert answers["Which shift?"] == "No answer"
    assert answers["Still happening?"] == "No answer"
    assert answers["How urgent?"] == "Now"


def test_a_chosen_answer_is_recorded(client, channel, optional_choice):
    data = answers_for(channel, **{"Which shift?": "Night", "Still happening?": "no"})

    answers = inbox_answers(client, receipt_of(submit(client, channel, data)))

    assert answers["Which shift?"] == "Night"
    assert answers["Still happening?"] == "No"


def test_a_required_choice_has_no_answer_checked(client, channel):
    html = client.get(f"/tip/send/{channel.slug}/").content.decode()

    shown = radios(html, field_name(channel, "How urgent?"))
    assert not [radio for radio in shown if radio[2]]
    # The one extra button, hidden from graphical browsers, is where lynx's default lands.
    assert shown[0] == ("", "Not chosen yet", False, True)
    assert [radio[:2] for radio in shown[1:]] == [("Now", "Now"), ("Later", "Later")]


@pytest.mark.parametrize("sent", ["", None], ids=["as lynx sends it", "as other browsers send it"])
@pytest.mark.parametrize("label", ["How urgent?", "Still happening?"])
def test_a_required_choice_not_made_is_refused_with_a_message_and_the_text_kept(client, channel, sent, label):
    question = channel.questions.get(label=label)
    question.required = True
    question.save()
    data = answers_for(channel, **{"What happened?": "Words typed with care"})
    data.pop(question.field_name, None)
    if sent is not None:
        data[question.field_name] = sent

    response = submit(client, channel, data)

    assert response.status_code == 400
    html = response.content.decode()
    assert f"{label}</a>: {REQUIRED_MESSAGE}" in html
    assert "Words typed with care" in html
    assert not Tip.objects.exists()
    # And the page sent back still checks no answer the source did not choose
    assert not [radio for radio in radios(html, question.field_name) if radio[2]]
