"""The inbox shows the Directive's next deadline of each tip: acknowledge, then feed back."""

from __future__ import annotations

from datetime import timedelta

from clarion.casework.models import CaseFile
from clarion.intake.models import Tip
from tests.support.tips import send_tip


def reply(client, sent, *, feedback: bool = False):  # noqa: ANN001, ANN201
    data = {"message": "Thank you, we are looking into it."}
    if feedback:
        data["gives_feedback"] = "on"
    return client.post(f"{sent.url}reply/", data)


def deadline_cell(html: str, reference: str) -> str:
    row = html.split(reference, 1)[1].split("</tr>", 1)[0]
    return row.rsplit("<td>", 1)[1]


def test_a_new_tip_must_be_acknowledged_within_seven_days(reviewer_client, sent):
    case = CaseFile.objects.get(tip=sent.tip)

    html = reviewer_client.get("/staff/cases/").content.decode()

    assert case.due_step == "acknowledge"
    assert case.due_at == sent.tip.received_at + timedelta(days=7)
    assert f'Acknowledge by <time datetime="{case.due_at.replace(microsecond=0).isoformat()}"' in deadline_cell(
        html, case.reference
    )


def test_the_first_reply_acknowledges_and_feedback_is_then_due_three_months_later(reviewer_client, sent):
    reply(reviewer_client, sent)

    case = CaseFile.objects.get(tip=sent.tip)
    assert case.acknowledged_at is not None
    assert case.due_step == "feedback"
    assert (case.due_at.year * 12 + case.due_at.month) - (
        case.acknowledged_at.year * 12 + case.acknowledged_at.month
    ) == 3


def test_a_reply_marked_as_feedback_meets_the_last_deadline(reviewer_client, sent):
    reply(reviewer_client, sent)
    reply(reviewer_client, sent, feedback=True)

    case = CaseFile.objects.get(tip=sent.tip)
    assert case.feedback_given_at is not None
    assert case.due_at is None
    assert deadline_cell(reviewer_client.get("/staff/cases/").content.decode(), case.reference).startswith("—")


def test_the_inbox_marks_and_filters_overdue_and_due_soon_tips(reviewer_client, channel, sent):
    late = send_tip(channel, message="An older tip")
    Tip.objects.filter(pk=late.tip.pk).update(received_at=sent.tip.received_at - timedelta(days=10))
    CaseFile.objects.filter(pk=late.tip.pk).update(due_at=sent.tip.received_at - timedelta(days=3))
    soon = send_tip(channel, message="A tip due soon")
    CaseFile.objects.filter(pk=soon.tip.pk).update(due_at=soon.tip.received_at + timedelta(days=1))
    references = {t: CaseFile.objects.get(tip=t.tip).reference for t in (late, soon, sent)}

    everything = reviewer_client.get("/staff/cases/").content.decode()
    overdue = reviewer_client.get("/staff/cases/?deadline=overdue").content.decode()
    due_soon = reviewer_client.get("/staff/cases/?deadline=soon").content.decode()

    assert "(overdue)" in deadline_cell(everything, references[late])
    assert "(due soon)" in deadline_cell(everything, references[soon])
    assert references[late] in overdue and references[soon] not in overdue and references[sent] not in overdue
    assert references[soon] in due_soon and references[late] not in due_soon


def test_a_channel_with_shorter_periods_sets_earlier_deadlines(reviewer_client, channel):
    channel.acknowledge_within_days = 2
    channel.save()

    sent = send_tip(channel)

    case = CaseFile.objects.get(tip=sent.tip)
    assert case.due_at == sent.tip.received_at + timedelta(days=2)
