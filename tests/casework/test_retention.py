"""Closed tips are destroyed after the channel's retention period, with a warning 72 hours ahead."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from clarion.audit.models import AuditEntry
from clarion.casework.models import CaseFile
from clarion.casework.tasks import apply_retention, send_deadline_reminders
from clarion.intake.models import KeyWrap, Message, Tip, TipFile
from tests.support.casework import TRIAGE, case_post, close_tip, status
from tests.support.smtp import sending_to_smtp_server


@pytest.fixture
def smtp(settings):
    with sending_to_smtp_server(settings) as server:
        yield server


@pytest.fixture
def closed(reviewer, reviewer_client, colleague, colleague_client, sent):
    reviewer.email = "rita@example.org"
    reviewer.save()
    case_post(reviewer_client, sent, status=status("in-review"), **TRIAGE)
    reviewer_client.post(f"{sent.url}share/", {"reviewer": colleague.pk})
    close_tip(reviewer_client, colleague_client, sent, findings="Confirmed.", actions_taken="Fixed.")
    return sent


def move_destruction(sent, delta: timedelta) -> None:  # noqa: ANN001
    CaseFile.objects.filter(pk=sent.tip.pk).update(destroy_after=timezone.now() + delta)


def test_closing_schedules_destruction_after_the_channel_retention_period(closed):
    case = CaseFile.objects.get(pk=closed.tip.pk)

    expected = case.updated_at + timedelta(days=closed.tip.channel.retain_closed_days)
    assert abs(case.destroy_after - expected) < timedelta(seconds=5)


def test_a_warning_goes_out_72_hours_ahead_once(smtp, closed):
    move_destruction(closed, timedelta(hours=71))

    apply_retention.call()
    apply_retention.call()

    (warning,) = smtp.messages
    assert warning["Subject"] == "[Clarion] A closed tip will be destroyed soon"
    assert Tip.objects.filter(pk=closed.tip.pk).exists()


def test_postponing_keeps_the_tip_longer_and_is_audited(reviewer_client, closed):
    move_destruction(closed, timedelta(hours=10))

    reviewer_client.post(f"{closed.url}postpone/")
    apply_retention.call()

    case = CaseFile.objects.get(pk=closed.tip.pk)
    assert case.destroy_after > timezone.now() + timedelta(days=29)
    assert AuditEntry.objects.about(closed.tip).filter(action="retention.postponed").exists()


def test_destruction_overwrites_the_blobs_and_leaves_only_an_audit_entry(smtp, closed, settings):
    tip_id = closed.tip.pk
    blobs = [settings.CLARION_BLOB_DIR / name for name in TipFile.objects.values_list("blob", flat=True)]
    assert blobs and all(path.exists() for path in blobs)
    move_destruction(closed, timedelta(seconds=-1))

    apply_retention.call()

    assert not Tip.objects.filter(pk=tip_id).exists()
    assert not KeyWrap.objects.filter(tip_id=tip_id).exists()
    assert not Message.objects.filter(tip_id=tip_id).exists()
    assert not any(path.exists() for path in blobs)
    assert AuditEntry.objects.about(("tip", tip_id)).filter(action="tip.destroyed").exists()


def test_reopening_cancels_the_destruction(reviewer_client, closed):
    case_post(reviewer_client, closed, status=status("in-review"), reopen_reason="New evidence.")

    assert CaseFile.objects.get(pk=closed.tip.pk).destroy_after is None


def test_reviewers_are_reminded_once_of_a_deadline_due_soon(smtp, reviewer, sent):
    reviewer.email = "rita@example.org"
    reviewer.save()
    CaseFile.objects.filter(pk=sent.tip.pk).update(due_at=timezone.now() + timedelta(days=1))

    send_deadline_reminders.call()
    send_deadline_reminders.call()

    (reminder,) = smtp.messages
    assert reminder["Subject"] == "[Clarion] A tip is due for an answer"
