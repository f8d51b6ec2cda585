"""Sharing wraps a tip's secrets to a colleague's key; revoking deletes that wrap."""

from __future__ import annotations

from clarion.audit.models import AuditEntry
from clarion.casework.actions import do_declare_conflict
from clarion.intake.models import KeyWrap
from tests.support.people import logged_in_client, make_staff
from tests.support.tips import send_tip


def test_a_tip_sent_before_a_reviewer_joined_the_channel_is_readable_only_once_shared(
    reviewer_client, colleague, colleague_client, channel
):
    # Given a tip sent before the colleague joined the channel
    sent = send_tip(channel)
    channel.receivers.add(colleague)
    assert colleague_client.get(sent.url).status_code == 404
    assert "until someone here shares it" in reviewer_client.get(sent.url).content.decode()

    # When a reviewer who can read it shares it
    response = reviewer_client.post(f"{sent.url}share/", {"reviewer": colleague.pk})

    # Then the colleague reads it, without any content having been re-encrypted
    assert response.status_code == 302
    page = colleague_client.get(sent.url)
    assert page.status_code == 200
    assert "The forklift brakes fail." in page.content.decode()
    assert AuditEntry.objects.about(sent.tip).filter(action="tip.shared", detail=f"with user {colleague.pk}")


def test_revoking_deletes_the_wrap_and_the_colleague_gets_404(reviewer_client, colleague, colleague_client, sent):
    # Revoking is for admins (see test_closure.py): here an admin who also reads the tip
    ada, _device, _ = make_staff("ada", "admin", "reviewer")
    reviewer_client.post(f"{sent.url}share/", {"reviewer": ada.pk})
    reviewer_client.post(f"{sent.url}share/", {"reviewer": colleague.pk})
    assert colleague_client.get(sent.url).status_code == 200

    response = logged_in_client(ada).post(f"{sent.url}share/{colleague.pk}/revoke/")

    assert response.status_code == 302
    assert not KeyWrap.objects.filter(tip=sent.tip, user=colleague).exists()
    assert colleague_client.get(sent.url).status_code == 404
    assert AuditEntry.objects.about(sent.tip).filter(action="share.revoked").exists()


def test_a_reviewer_without_access_cannot_share_or_revoke(reviewer, colleague_client, colleague, sent):
    assert colleague_client.post(f"{sent.url}share/", {"reviewer": colleague.pk}).status_code == 404
    assert colleague_client.post(f"{sent.url}share/{reviewer.pk}/revoke/").status_code == 404
    assert KeyWrap.objects.filter(tip=sent.tip, user=reviewer).exists()


def test_a_colleague_who_declared_a_conflict_cannot_be_given_the_tip(reviewer, reviewer_client, colleague, sent):
    reviewer_client.post(f"{sent.url}share/", {"reviewer": colleague.pk})
    do_declare_conflict(actor=colleague, tip=sent.tip)

    response = reviewer_client.post(f"{sent.url}share/", {"reviewer": colleague.pk})

    assert response.status_code == 400
    assert not KeyWrap.objects.filter(tip=sent.tip, user=colleague).exists()


def test_a_reviewer_cannot_revoke_their_own_access(reviewer, reviewer_client, sent):
    response = reviewer_client.post(f"{sent.url}share/{reviewer.pk}/revoke/")

    assert response.status_code == 400
    assert KeyWrap.objects.filter(tip=sent.tip, user=reviewer).exists()
