"""The inbox lists the tips a reviewer may read, from plaintext metadata alone."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clarion import vault
from clarion.casework import views
from clarion.casework.actions import TriageRecord, do_update_case
from clarion.casework.models import CaseFile, Label, Status
from clarion.intake.actions import do_send_source_message
from clarion.intake.models import Channel, KeyWrap, Tip
from tests.support.people import browser_client
from tests.support.tips import send_tip, submit


def references(html: str) -> list[str]:
    return re.findall(r">(T-[0-9A-Z]+)</a>", html)


@pytest.fixture
def other_channel(db, colleague):
    channel = Channel.objects.create(name="Payroll", slug="payroll", description="Pay.")
    channel.receivers.add(colleague)
    return channel


def test_the_inbox_shows_only_tips_the_reviewer_may_read(reviewer_client, colleague_client, channel, other_channel):
    mine = send_tip(channel)
    submit(browser_client(), other_channel, {"message": "about pay"})
    theirs = CaseFile.objects.get(tip__channel=other_channel)

    mine_html = reviewer_client.get("/staff/cases/").content.decode()
    theirs_html = colleague_client.get("/staff/cases/").content.decode()

    assert references(mine_html) == [mine.tip.case.reference]
    assert references(theirs_html) == [theirs.reference]


def test_the_inbox_never_decrypts(reviewer_client, channel, monkeypatch):
    send_tip(channel)

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the inbox decrypted something")

    monkeypatch.setattr(vault, "decrypt", refuse)
    monkeypatch.setattr(vault, "unwrap_secrets", refuse)
    response = reviewer_client.get("/staff/cases/")

    assert response.status_code == 200
    assert "forklift" not in response.content.decode()


def test_unread_marks_tips_until_opened_and_again_after_new_activity(reviewer_client, channel):
    sent = send_tip(channel)
    assert "<strong>Unread</strong>" in reviewer_client.get("/staff/cases/").content.decode()

    reviewer_client.get(sent.url)
    assert "<strong>Unread</strong>" not in reviewer_client.get("/staff/cases/").content.decode()
    assert references(reviewer_client.get("/staff/cases/?unread=on").content.decode()) == []

    do_send_source_message(tip=sent.tip, message="more", uploads=[])
    assert references(reviewer_client.get("/staff/cases/?unread=on").content.decode()) == [sent.tip.case.reference]


def test_filters_by_status_label_assignee_and_channel(reviewer, reviewer_client, channel):
    first, second = send_tip(channel), send_tip(channel)
    label = Label.objects.create(name="urgent")
    do_update_case(actor=reviewer, tip=first.tip, labels=[label], assignee=reviewer, important=True)
    in_review = Status.objects.get(slug="in-review")

    triage = TriageRecord("Safety", True, "high", "investigate", "clear")
    do_update_case(actor=reviewer, tip=second.tip, status=in_review, triage=triage)
    ref1, ref2 = first.tip.case.reference, second.tip.case.reference

    def listed(query: str) -> set[str]:
        return set(references(reviewer_client.get(f"/staff/cases/?{query}").content.decode()))

    assert listed("") == {ref1, ref2}
    assert listed(f"status={in_review.pk}") == {ref2}
    assert listed(f"label={label.pk}") == {ref1}
    assert listed("assignee=me") == {ref1}
    assert listed("assignee=none") == {ref2}
    assert listed(f"channel={channel.pk}") == {ref1, ref2}


def test_sorting_by_received(reviewer_client, channel):
    first, second = send_tip(channel), send_tip(channel)

    newest = references(reviewer_client.get("/staff/cases/?sort=received").content.decode())
    oldest = references(reviewer_client.get("/staff/cases/?sort=-received").content.decode())

    assert newest == [second.tip.case.reference, first.tip.case.reference]
    assert oldest == list(reversed(newest))


def test_pages_hold_fifty_tips_and_cost_the_same_queries_whatever_the_total(reviewer, reviewer_client, channel):
    sent = send_tip(channel)
    make_more_cases(sent.tip, 3)
    with CaptureQueriesContext(connection) as few:
        reviewer_client.get("/staff/cases/")
    make_more_cases(sent.tip, views.PAGE_SIZE + 10)
    with CaptureQueriesContext(connection) as many:
        page_one = reviewer_client.get("/staff/cases/").content.decode()
    page_two = reviewer_client.get("/staff/cases/?page=2").content.decode()

    assert len(references(page_one)) == views.PAGE_SIZE
    assert len(references(page_two)) == 14
    assert len(many) == len(few)


def make_more_cases(template, count: int) -> None:  # noqa: ANN001
    """Copy a tip's rows (ciphertext and wraps alike) `count` times: cheaper than submitting."""
    wraps = list(KeyWrap.objects.filter(tip=template))
    for _ in range(count):
        tip = Tip.objects.get(pk=template.pk)
        tip.pk = uuid.uuid4()
        tip.lookup_id = uuid.uuid4().hex
        tip.save(force_insert=True)
        for wrap in wraps:
            KeyWrap.objects.create(
                tip=tip, holder=wrap.holder, user=wrap.user, recipient=wrap.recipient, wrapped=wrap.wrapped
            )
