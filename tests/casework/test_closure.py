"""No single reader can close a tip for destruction (M8, docs/design.md, property 10).

Closing takes two people who can read the tip: one proposes (findings, actions taken), another
approves. Only then does the tip enter its closed status and the retention clock start. Nobody
but an admin takes another reader's access away, and warnings before destruction reach every
receiver of the channel and every admin, not only the readers left.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from clarion.audit.log import verify
from clarion.audit.models import AuditEntry
from clarion.casework.models import CaseFile, Closure
from clarion.casework.tasks import apply_retention
from clarion.intake.models import KeyWrap
from tests.support.casework import TRIAGE, case_post, pending, propose, status
from tests.support.people import logged_in_client, make_staff
from tests.support.smtp import SmtpServer


def case_of(sent) -> CaseFile:  # noqa: ANN001
    return CaseFile.objects.select_related("status").get(pk=sent.tip.pk)


@pytest.fixture
def triaged(reviewer_client, sent):
    assert case_post(reviewer_client, sent, status=status("in-review"), **TRIAGE).status_code == 302
    return sent


def test_closing_takes_a_proposal_and_the_approval_of_a_second_reader(
    reviewer, reviewer_client, colleague, colleague_client, triaged
):
    sent = triaged
    # Given a reader who proposes to close the tip
    response = propose(reviewer_client, sent)
    assert response.status_code == 302
    proposal = pending(sent)
    # Then the tip is not closed yet, and no destruction is scheduled
    assert case_of(sent).status.slug == "in-review" and case_of(sent).destroy_after is None
    assert b"Brakes confirmed" not in bytes(proposal.findings)

    # When the proposer approves it themselves, it is refused
    refused = reviewer_client.post(f"{sent.url}closure/{proposal.pk}/approve/")
    assert refused.status_code == 400
    assert "a second reader" in refused.content.decode()
    # And someone who cannot read the tip gets the same answer as for a tip that does not exist
    assert colleague_client.post(f"{sent.url}closure/{proposal.pk}/approve/").status_code == 404
    assert case_of(sent).status.slug == "in-review"

    # When a second reader, who can read the tip, approves it
    reviewer_client.post(f"{sent.url}share/", {"reviewer": colleague.pk})
    approved = colleague_client.post(f"{sent.url}closure/{proposal.pk}/approve/")

    # Then, only now, the tip is closed and its retention clock starts
    assert approved.status_code == 302
    case = case_of(sent)
    assert case.status.slug == "closed"
    expected = timezone.now() + timedelta(days=sent.tip.channel.retain_closed_days)
    assert abs(case.destroy_after - expected) < timedelta(seconds=30)
    proposal.refresh_from_db()
    assert (proposal.proposed_by, proposal.approved_by) == (reviewer, colleague)
    page = reviewer_client.get(sent.url).content.decode()
    assert "Brakes confirmed faulty." in page and "otto" in page
    assert AuditEntry.objects.get(action="closure.proposed").actor_id == reviewer.pk
    assert AuditEntry.objects.get(action="closure.approved").actor_id == colleague.pk
    assert verify().broken is None


def test_no_reader_closes_a_tip_alone_nor_names_their_own_approver(reviewer, reviewer_client, colleague, triaged):
    sent = triaged
    # The form has no self-asserted "approved by" any more
    assert "closure_approved_by" not in reviewer_client.get(sent.url).content.decode()

    # Choosing a closed status directly, with a second person named, changes nothing
    response = case_post(
        reviewer_client,
        sent,
        status=status("closed"),
        closure_findings="Done.",
        closure_actions="None.",
        closure_approved_by=colleague.pk,
    )

    assert response.status_code == 400
    assert case_of(sent).status.slug == "in-review" and case_of(sent).destroy_after is None
    assert not Closure.objects.exists()


def test_a_withdrawn_proposal_cannot_be_approved(reviewer, reviewer_client, colleague, colleague_client, triaged):
    sent = triaged
    reviewer_client.post(f"{sent.url}share/", {"reviewer": colleague.pk})
    propose(reviewer_client, sent)
    proposal = pending(sent)

    assert reviewer_client.post(f"{sent.url}closure/{proposal.pk}/withdraw/").status_code == 302
    response = colleague_client.post(f"{sent.url}closure/{proposal.pk}/approve/")

    assert response.status_code == 400
    assert case_of(sent).status.slug == "in-review"
    assert AuditEntry.objects.filter(action="closure.withdrawn", actor_id=reviewer.pk).exists()


def test_a_tip_cannot_be_proposed_for_closure_twice_at_once(reviewer_client, colleague, colleague_client, triaged):
    sent = triaged
    reviewer_client.post(f"{sent.url}share/", {"reviewer": colleague.pk})
    assert propose(reviewer_client, sent).status_code == 302

    second = propose(colleague_client, sent, findings="Something else.")

    assert second.status_code == 400
    assert Closure.objects.count() == 1
    assert "Brakes confirmed faulty." in second.content.decode()  # the proposal waiting is shown


def test_only_an_admin_revokes_a_share_and_a_receivers_access_goes_only_with_the_channel(
    reviewer, reviewer_client, colleague, colleague_client, sent
):
    # Given a tip its channel's receiver shared with a colleague, and an admin who also reads it
    ada, _device, _ = make_staff("ada", "admin", "reviewer")
    reviewer_client.post(f"{sent.url}share/", {"reviewer": colleague.pk})
    reviewer_client.post(f"{sent.url}share/", {"reviewer": ada.pk})
    as_ada = logged_in_client(ada)
    assert "Revoke the share" not in reviewer_client.get(sent.url).content.decode()
    assert "Revoke the share" in as_ada.get(sent.url).content.decode()  # the control: an admin is offered it

    # When the receiver, not an admin, tries to revoke the colleague's share: refused
    assert reviewer_client.post(f"{sent.url}share/{colleague.pk}/revoke/").status_code == 403
    assert colleague_client.get(sent.url).status_code == 200
    # When the colleague tries to revoke the receiver: refused too
    assert colleague_client.post(f"{sent.url}share/{reviewer.pk}/revoke/").status_code == 403

    # When the admin revokes the share: done
    assert as_ada.post(f"{sent.url}share/{colleague.pk}/revoke/").status_code == 302
    assert colleague_client.get(sent.url).status_code == 404
    # But not even the admin takes a receiver's access from the tip page: only off the channel
    refused = as_ada.post(f"{sent.url}share/{reviewer.pk}/revoke/")
    assert refused.status_code == 400
    assert "channel" in refused.content.decode()
    assert reviewer_client.get(sent.url).status_code == 200
    assert KeyWrap.objects.filter(tip=sent.tip, user=reviewer).exists()


def test_the_destruction_warning_reaches_every_receiver_and_every_admin(
    settings, reviewer, reviewer_client, colleague, colleague_client, channel, triaged
):
    # Given a receiver, a second receiver who declared a conflict, and an admin who reads no tips
    sent = triaged
    paula, _device, _ = make_staff("paula", "reviewer")
    ada, _device, _ = make_staff("ada", "admin")
    for person, address in [(reviewer, "rita@example.org"), (paula, "paula@example.org"), (ada, "ada@example.org")]:
        person.email = address
        person.save()
    channel.receivers.add(paula)
    reviewer_client.post(f"{sent.url}share/", {"reviewer": colleague.pk})
    propose(reviewer_client, sent)
    assert colleague_client.post(f"{sent.url}closure/{pending(sent).pk}/approve/").status_code == 302
    reviewer_client.post(f"{sent.url}share/", {"reviewer": paula.pk})
    logged_in_client(paula).post(f"{sent.url}conflict/")
    CaseFile.objects.filter(pk=sent.tip.pk).update(destroy_after=timezone.now() + timedelta(hours=71))

    # When the retention job warns ahead of destruction
    with SmtpServer() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        apply_retention.call()
        recipients = {message["To"] for message in smtp.messages}

    # Then every receiver of the channel and every admin is told, not only the readers left
    assert recipients == {"rita@example.org", "paula@example.org", "ada@example.org"}
