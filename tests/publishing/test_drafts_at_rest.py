"""Nothing readable at rest, drafts included (docs/design.md, property 1; the security review's M6).

Unpublished revisions, redaction-check results and passages quoted from a tip are ciphertext
in the database; only a published revision's text is stored in the clear, from the moment it
is published. An editor who cannot read a tip cannot read the revisions that quote it until the
quote is redacted; destroying the tip destroys those revisions; an editor can purge a revision
that held redacted text.
"""

from __future__ import annotations

import re

import pytest

from clarion.audit.models import AuditEntry
from clarion.casework.actions import do_destroy_tip
from clarion.publishing.models import Post
from tests.support.casework import every_stored_value
from tests.support.publishing import approve, create_post, edit_post, page_of, submit_for_review
from tests.support.tips import send_tip

CANARY = "CANARY-Q11-7731"
MESSAGE = f"The contractor {CANARY} signed the lift sheets without ever visiting the building."
NUMBER = "4471902"


@pytest.fixture
def sent(channel, reviewer_editor):
    return send_tip(channel, message=MESSAGE, files=())


def stored_with(needle: str) -> list[bytes]:
    return [value for value in every_stored_value() if needle.encode() in value]


def start_draft_quoting_the_message(client, sent) -> Post:  # noqa: ANN001
    url = f"/staff/posts/from-tip/{sent.tip.pk}/"
    html = client.get(url).content.decode()
    index = next(
        str(i) for i in range(10) if CANARY in html.split(f'id="id_passages_{i}"', 1)[-1].split("</blockquote>", 1)[0]
    )
    data = {"kind": "report", "slug": "lift-sheets", "title": "Lift sheets signed without a visit", "passages": [index]}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Post.objects.get()


def flag_keys(html: str) -> list[str]:
    return re.findall(r'name="key" value="([^"]+)"', html)


def redact_everything(client, post) -> None:  # noqa: ANN001
    """Press "Redact" on every open flag of the latest revision, one after the other."""
    for _ in range(10):
        keys = flag_keys(page_of(client, post))
        if not keys:
            return
        assert client.post(f"/staff/posts/{post.pk}/flags/redact/", {"key": keys[0]}).status_code == 302
    raise AssertionError("flags kept coming back")


def test_a_draft_quoting_a_tip_and_its_redaction_check_are_ciphertext_in_the_database(reviewer_editor_client, sent):
    # Given a draft that quotes the source's message, and a revision that adds a staff number
    post = start_draft_quoting_the_message(reviewer_editor_client, sent)
    body = post.latest_revision  # noqa: F841 - the revision exists
    edit_post(reviewer_editor_client, post, title="Lift sheets", body=f"> {MESSAGE}\n\nBadge {NUMBER}.")

    # Then the editor reads both back (the control) ...
    html = page_of(reviewer_editor_client, post)
    assert CANARY in html and NUMBER in html

    # ... but no table holds the quote, the number or the flags in the clear
    assert stored_with(CANARY) == []
    assert stored_with(NUMBER) == []
    assert stored_with("contractor") == []


def test_an_editor_who_cannot_read_the_tip_cannot_read_the_revisions_quoting_it(
    reviewer_editor_client, second_editor_client, sent
):
    # Given a draft quoting the tip
    post = start_draft_quoting_the_message(reviewer_editor_client, sent)

    # When an editor who does not read the tip opens the post and its first revision
    page = page_of(second_editor_client, post)
    revision = second_editor_client.get(f"/staff/posts/{post.pk}/revisions/1/")

    # Then neither shows the quote, and both say why
    assert CANARY not in page and "contractor" not in page
    assert "quotes a tip you cannot read" in page
    assert CANARY not in revision.content.decode()
    assert revision.status_code == 403

    # When a reader of the tip redacts the quote
    redact_everything(reviewer_editor_client, post)

    # Then the other editor reads the redacted revision, but still not the one that quoted the tip
    page = page_of(second_editor_client, post)
    assert "[redacted]" in page and CANARY not in page
    assert CANARY not in second_editor_client.get(f"/staff/posts/{post.pk}/revisions/1/").content.decode()


def test_destroying_a_tip_destroys_the_unpublished_revisions_that_quote_it(reviewer_editor_client, sent):
    # Given a draft quoting the tip, then a redacted revision
    post = start_draft_quoting_the_message(reviewer_editor_client, sent)
    redact_everything(reviewer_editor_client, post)
    quoting = post.revisions.get(number=1)
    assert quoting.sealed  # the control: the quote exists, as ciphertext

    # When the tip is destroyed (retention)
    do_destroy_tip(tip=sent.tip)

    # Then the revision that quoted it is purged, the redacted one remains
    quoting.refresh_from_db()
    assert not quoting.sealed and quoting.purged_at is not None
    html = page_of(reviewer_editor_client, post)
    assert "[redacted]" in html
    assert (
        "Revision 1 was purged" in reviewer_editor_client.get(f"/staff/posts/{post.pk}/revisions/1/").content.decode()
    )


def test_an_editor_can_purge_a_revision_that_held_redacted_text_and_the_purge_is_audited(
    editor, editor_client, second_editor_client
):
    # Given a published post whose first revision carried a staff number, later redacted
    post = create_post(editor_client, body=f"Badge {NUMBER} signed the sheets.")
    redact_everything(editor_client, post)
    submit_for_review(editor_client, post)
    assert approve(second_editor_client, post).status_code == 302

    # When the editor purges revision 1
    response = editor_client.post(f"/staff/posts/{post.pk}/revisions/1/purge/")

    # Then nothing of it is left, the history says so, and the audit log records who did it
    assert response.status_code == 302
    first = post.revisions.get(number=1)
    assert not first.sealed and first.purged_at is not None
    assert stored_with(NUMBER) == []
    assert "purged" in editor_client.get(f"/staff/posts/{post.pk}/revisions/1/").content.decode()
    entry = AuditEntry.objects.get(action="post.purge_revision")
    assert entry.actor_id == editor.pk and NUMBER not in entry.detail


def test_the_published_revision_and_the_latest_cannot_be_purged(editor_client, second_editor_client):
    post = create_post(editor_client)
    submit_for_review(editor_client, post)
    approve(second_editor_client, post)

    response = editor_client.post(f"/staff/posts/{post.pk}/revisions/1/purge/")

    assert response.status_code == 400
    assert post.revisions.get(number=1).sealed
