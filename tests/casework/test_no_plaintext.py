"""Nothing a reviewer writes in words reaches the database or the blob store in plaintext."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from clarion.casework.models import Status
from tests.support.casework import close_tip, every_stored_value

CANARY = "CANARY-b7d1-casework"


def test_replies_notes_triage_and_closure_are_ciphertext_everywhere(
    reviewer, reviewer_client, colleague, colleague_client, sent, settings
):
    # Given a reviewer who replies with a file, notes, triages, closes and reopens, all with the canary
    url = sent.url
    reviewer_client.post(
        f"{url}reply/",
        {"message": CANARY, "attachments": [SimpleUploadedFile(f"{CANARY}.txt", CANARY.encode() * 100)]},
    )
    reviewer_client.post(f"{url}notes/", {"note": CANARY})
    status = {s.slug: s.pk for s in Status.objects.all()}
    triage = {
        "triage_category": "Safety",
        "triage_in_scope": "yes",
        "triage_priority": "high",
        "triage_outcome": "investigate",
        "triage_reasons": CANARY,
    }
    assert reviewer_client.post(f"{url}case/", {"status": status["in-review"], **triage}).status_code == 302
    reviewer_client.post(f"{url}share/", {"reviewer": colleague.pk})
    close_tip(reviewer_client, colleague_client, sent, findings=CANARY, actions_taken=CANARY)
    reopen = {"status": status["in-review"], "reopen_reason": CANARY}
    assert reviewer_client.post(f"{url}case/", reopen).status_code == 302
    # (the control: the reviewer reads it all back)
    assert reviewer_client.get(url).content.decode().count(CANARY) >= 6

    # Then no table and no blob holds it
    assert not [value for value in every_stored_value() if CANARY.encode() in value]
    for blob in settings.CLARION_BLOB_DIR.rglob("*"):
        if blob.is_file():
            assert CANARY.encode() not in blob.read_bytes()
