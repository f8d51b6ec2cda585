"""Status, labels, assignee and flag change through one audited action each, under ISO 37002 rules."""

from __future__ import annotations

import pytest
from django.http import Http404

from clarion.audit.models import AuditEntry
from clarion.casework.access import access_tip_for_reviewer
from clarion.casework.actions import CaseRuleError, do_assign_case, do_declare_conflict
from clarion.casework.models import CaseFile, Closure, ConflictOfInterest, Label, Status, Triage
from clarion.intake.models import KeyWrap
from tests.support.casework import TRIAGE, case_post, close_tip, status
from tests.support.tips import send_tip


def test_the_status_list_is_seeded_in_order(db):
    assert list(Status.objects.values_list("slug", flat=True)) == [
        "new",
        "acknowledged",
        "in-review",
        "corroborated",
        "closed",
    ]


def test_a_new_tip_has_a_short_reference_and_starts_new(sent):
    case = sent.tip.case
    assert case.status.slug == "new"
    assert case.reference.startswith("T-") and len(case.reference) == 6


def test_a_tip_leaves_new_only_with_a_triage_record(reviewer, reviewer_client, sent):
    # Without triage: refused, nothing changes
    refused = case_post(reviewer_client, sent, status=status("acknowledged"))
    assert refused.status_code == 400
    assert "Record the triage" in refused.content.decode()
    assert CaseFile.objects.get(pk=sent.tip.pk).status.slug == "new"

    # With triage: accepted, triage kept with its reasons encrypted
    accepted = case_post(reviewer_client, sent, status=status("acknowledged"), **TRIAGE)
    assert accepted.status_code == 302
    assert CaseFile.objects.get(pk=sent.tip.pk).status.slug == "acknowledged"
    triage = Triage.objects.get()
    assert triage.recorded_by == reviewer and triage.in_scope and triage.priority == "high"
    assert b"Named equipment" not in bytes(triage.reasons)
    assert "Named equipment" in reviewer_client.get(sent.url).content.decode()


def test_a_partial_triage_is_refused(reviewer_client, sent):
    response = case_post(reviewer_client, sent, status=status("acknowledged"), triage_category="Safety")

    assert response.status_code == 400
    assert "Fill in every triage field" in response.content.decode()


def test_reopening_a_closed_tip_needs_a_reason(reviewer, reviewer_client, colleague, colleague_client, sent):
    case_post(reviewer_client, sent, status=status("in-review"), **TRIAGE)
    reviewer_client.post(f"{sent.url}share/", {"reviewer": colleague.pk})
    close_tip(reviewer_client, colleague_client, sent)
    closure = Closure.objects.get()
    assert closure.approved_by == colleague and b"Brakes confirmed" not in bytes(closure.findings)

    # Reopening without a reason is refused; with one it is recorded
    assert case_post(reviewer_client, sent, status=status("in-review")).status_code == 400
    reopened = case_post(reviewer_client, sent, status=status("in-review"), reopen_reason="New evidence arrived.")
    assert reopened.status_code == 302
    closure.refresh_from_db()
    assert closure.reopened_by == reviewer and b"New evidence" not in bytes(closure.reopen_reason)
    assert CaseFile.objects.get(pk=sent.tip.pk).status.slug == "in-review"


def test_labels_assignee_and_flag_are_each_audited_by_their_own_action(reviewer, reviewer_client, sent):
    label = Label.objects.create(name="forklifts")

    response = case_post(reviewer_client, sent, labels=[label.pk], assignee=reviewer.pk, important="on")

    assert response.status_code == 302
    case = CaseFile.objects.get(pk=sent.tip.pk)
    assert list(case.labels.all()) == [label] and case.assignee == reviewer and case.important
    entries = AuditEntry.objects.filter(action__in=["case.labels_set", "case.assigned", "case.marked_important"])
    assert {entry.action: entry.detail for entry in entries} == {
        "case.labels_set": f"labels {label.pk}",
        "case.assigned": f"assignee {reviewer.pk}",
        "case.marked_important": "important yes",
    }
    assert {(entry.actor_id, entry.subject_type, entry.subject_id) for entry in entries} == {
        (reviewer.pk, "tip", str(sent.tip.pk))
    }


def test_a_form_that_changes_nothing_records_nothing(reviewer_client, sent):
    case = CaseFile.objects.get(pk=sent.tip.pk)
    before = AuditEntry.objects.count()

    response = case_post(reviewer_client, sent, status=case.status_id)

    assert response.status_code == 302
    assert AuditEntry.objects.count() == before


def test_a_tip_cannot_be_assigned_to_someone_who_cannot_read_it(reviewer, colleague, reviewer_client, sent):
    do_assign_case(actor=reviewer, tip=sent.tip, assignee=reviewer)  # the control
    with pytest.raises(CaseRuleError):
        do_assign_case(actor=reviewer, tip=sent.tip, assignee=colleague)


def test_a_declared_conflict_keeps_the_reviewer_off_the_tip(reviewer, reviewer_client, sent):
    assert reviewer_client.get(sent.url).status_code == 200

    response = reviewer_client.post(f"{sent.url}conflict/")

    assert response.status_code == 200
    assert ConflictOfInterest.objects.filter(tip=sent.tip, user=reviewer).exists()
    assert not KeyWrap.objects.filter(tip=sent.tip, user=reviewer).exists()
    assert reviewer_client.get(sent.url).status_code == 404
    assert AuditEntry.objects.filter(action="conflict.declared", actor_id=reviewer.pk).exists()


def test_a_conflict_denies_even_if_a_wrap_is_made_again(reviewer, reviewer_client, sent):
    wrap = KeyWrap.objects.get(tip=sent.tip, user=reviewer)
    do_declare_conflict(actor=reviewer, tip=sent.tip)
    wrap.pk = None
    wrap.save()  # e.g. restored from an old backup

    with pytest.raises(Http404):
        access_tip_for_reviewer(actor=reviewer, tip_id=sent.tip.pk)


def test_a_tip_still_arrives_when_an_admin_removed_every_new_status(channel):
    Status.objects.filter(kind=Status.Kind.NEW).delete()

    sent = send_tip(channel)

    assert sent.tip.case.status.kind == Status.Kind.NEW
    assert AuditEntry.objects.about(sent.tip).filter(action="tip.received").exists()
