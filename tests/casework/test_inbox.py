"""The inbox lists the tips a reviewer may read, from plaintext metadata alone."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

from clarion import vault
from clarion.casework.actions import (
    TriageRecord,
    do_assign_case,
    do_change_case_status,
    do_mark_case_important,
    do_open_case_file,
    do_record_triage,
    do_set_case_labels,
)
from clarion.casework.inbox import PAGE_SIZE, SORTS
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
    do_set_case_labels(actor=reviewer, tip=first.tip, labels=[label])
    do_assign_case(actor=reviewer, tip=first.tip, assignee=reviewer)
    do_mark_case_important(actor=reviewer, tip=first.tip, important=True)
    in_review = Status.objects.get(slug="in-review")

    triage = TriageRecord("Safety", True, "high", "investigate", "clear")
    do_record_triage(actor=reviewer, tip=second.tip, triage=triage)
    do_change_case_status(actor=reviewer, tip=second.tip, status=in_review)
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


def next_link(html: str, rel: str = "next") -> str:
    """Return the address of the page link with this `rel` (HTML-unescaped), or ""."""
    match = re.search(rf'<a href="(\?[^"]*)" rel="{rel}">', html)
    return match.group(1).replace("&amp;", "&") if match else ""


def test_pages_hold_fifty_tips_and_cost_the_same_queries_whatever_the_total_or_depth(
    reviewer, reviewer_client, channel
):
    sent = send_tip(channel)
    make_more_cases(sent.tip, 3)
    reset_queries()
    with CaptureQueriesContext(connection) as few:
        reviewer_client.get("/staff/cases/")
    make_more_cases(sent.tip, 2 * PAGE_SIZE + 10)
    reset_queries()  # the log keeps 9,000 queries at most: a full one would count none
    with CaptureQueriesContext(connection) as many:
        page_one = reviewer_client.get("/staff/cases/").content.decode()
    page_two = reviewer_client.get("/staff/cases/" + next_link(page_one)).content.decode()
    reset_queries()
    with CaptureQueriesContext(connection) as deep:
        page_three = reviewer_client.get("/staff/cases/" + next_link(page_two)).content.decode()

    assert len(references(page_one)) == len(references(page_two)) == PAGE_SIZE
    assert len(references(page_three)) == 14
    assert len(set(references(page_one) + references(page_two) + references(page_three))) == 2 * PAGE_SIZE + 14
    assert "Tips 101–114" in page_three and next_link(page_three) == ""
    assert len(many) == len(few) == len(deep) > 0


@pytest.mark.parametrize("sort", ["received", "-received", "activity", "reference", "status", "assignee", "deadline"])
def test_paging_forward_and_back_visits_every_tip_once_in_every_sort(reviewer, reviewer_client, channel, sort):
    sent = send_tip(channel)
    make_more_cases(sent.tip, PAGE_SIZE + 5)
    # Ties and empty values on a page boundary: half assigned (the same person), half not.
    CaseFile.objects.filter(pk__in=CaseFile.objects.values("pk")[:30]).update(assignee=reviewer, due_at=None)
    everything = list(CaseFile.objects.order_by(*SORTS[sort].order(forward=True)).values_list("reference", flat=True))

    first = reviewer_client.get(f"/staff/cases/?sort={sort}").content.decode()
    second = reviewer_client.get("/staff/cases/" + next_link(first)).content.decode()
    back = reviewer_client.get("/staff/cases/" + next_link(second, "prev")).content.decode()

    assert references(first) + references(second) == everything
    assert f"sort={sort}" in next_link(first)  # the filters and sort stay in the links
    assert references(back) == references(first)
    assert next_link(back, "prev") == ""


@pytest.mark.parametrize("cursor", ["garbage", "a:b:c", "", "%00"])
def test_a_damaged_page_link_shows_the_first_page_with_a_word_about_it(reviewer_client, channel, cursor):
    sent = send_tip(channel)

    response = reviewer_client.get(f"/staff/cases/?after={cursor}")

    assert response.status_code == 200
    assert references(response.content.decode()) == [sent.tip.case.reference]
    assert ("out of date or damaged" in response.content.decode()) == bool(cursor)


def test_a_page_link_of_another_sort_shows_the_first_page(reviewer_client, channel):
    sent = send_tip(channel)
    make_more_cases(sent.tip, PAGE_SIZE + 1)
    by_received = next_link(reviewer_client.get("/staff/cases/").content.decode())
    cursor = by_received.split("after=")[1]

    html = reviewer_client.get(f"/staff/cases/?sort=reference&after={cursor}").content.decode()

    assert "out of date or damaged" in html
    assert len(references(html)) == PAGE_SIZE


def make_more_cases(template, count: int) -> None:  # noqa: ANN001
    """Copy a tip's rows (ciphertext, wraps and case file alike) `count` times: cheaper than submitting."""
    wraps = list(KeyWrap.objects.filter(tip=template))
    for _ in range(count):
        tip = Tip.objects.get(pk=template.pk)
        tip.pk = uuid.uuid4()
        tip.lookup_id = uuid.uuid4().hex
        tip.save(force_insert=True)
        do_open_case_file(tip=tip)
        for wrap in wraps:
            KeyWrap.objects.create(
                tip=tip, holder=wrap.holder, user=wrap.user, recipient=wrap.recipient, wrapped=wrap.wrapped
            )
