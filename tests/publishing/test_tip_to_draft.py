"""An editor who reviews a tip starts a draft from it, quoting only the passages they choose."""

from __future__ import annotations

import pytest

from clarion.accounts.roles import EDITOR, grant_role
from clarion.audit.models import AuditEntry
from clarion.casework.models import CaseFile
from clarion.publishing.models import Post, TipLink
from tests.support.people import logged_in_client
from tests.support.publishing import approve, edit_post, flags_of, make_editor, opened, page_of, submit_for_review
from tests.support.tips import send_tip

MESSAGE = "The brake line on forklift seven was cut during the night shift and nobody reported it."
WHERE = "Loading bay 3"  # the answer to "Where?" that tests.intake.helpers.answers_for sends


@pytest.fixture
def sent(channel, reviewer_editor):
    """A tip on `channel`, sent after the reviewer-editor joined it (so they hold a key to it)."""
    return send_tip(channel, message=MESSAGE, files=())


def from_tip_url(sent) -> str:  # noqa: ANN001
    return f"/staff/posts/from-tip/{sent.tip.pk}/"


def start_draft(client, sent, *, passages: list[str], slug: str = "brake-lines"):  # noqa: ANN001, ANN201
    data = {"kind": "report", "slug": slug, "title": "Brake lines cut at the depot", "passages": passages}
    return client.post(from_tip_url(sent), data)


def passage_index(client, sent, text: str) -> str:  # noqa: ANN001
    """Return the checkbox value of the passage showing `text` on the page."""
    html = client.get(from_tip_url(sent)).content.decode()
    for index in range(10):
        checkbox = f'id="id_passages_{index}"'
        if checkbox not in html:
            break
        block = html.split(checkbox, 1)[1].split("</blockquote>", 1)[0]
        if text in block:
            return str(index)
    raise AssertionError(f"no passage shows {text!r}")


def test_a_reviewer_editor_sees_the_tips_passages_with_none_ticked(reviewer_editor, reviewer_editor_client, sent):
    response = reviewer_editor_client.get(from_tip_url(sent))

    html = response.content.decode()
    assert response.status_code == 200
    assert MESSAGE in html and WHERE in html
    assert 'type="checkbox" name="passages"' in html and "checked" not in html
    assert '<label for="id_passages_0">' in html
    assert "no-store" in response["Cache-Control"]
    assert AuditEntry.objects.about(sent.tip).filter(action="tip.read", actor_id=reviewer_editor.pk).exists()


def test_a_draft_started_with_nothing_ticked_holds_nothing_of_the_tip(reviewer_editor, reviewer_editor_client, sent):
    response = start_draft(reviewer_editor_client, sent, passages=[])

    post = Post.objects.get(slug="brake-lines")
    assert response.status_code == 302 and response["Location"] == f"/staff/posts/{post.pk}/"
    revision = post.latest_revision
    content = opened(revision)
    assert content.title == "Brake lines cut at the depot" and revision.created_by == reviewer_editor
    assert content.body == "" and content.summary == ""
    assert not revision.quotes.exists()
    # The link is kept for staff, and audited without content
    link = TipLink.objects.get(post=post)
    assert link.tip == sent.tip and link.linked_by == reviewer_editor
    entry = AuditEntry.objects.get(action="post.link_tip")
    assert (
        (entry.subject_type, entry.subject_id) == ("tip", str(sent.tip.pk))
        and entry.actor_id == reviewer_editor.pk
        and "forklift" not in entry.detail
    )


def test_only_the_ticked_passage_enters_the_draft(reviewer_editor_client, sent):
    index = passage_index(reviewer_editor_client, sent, MESSAGE)

    start_draft(reviewer_editor_client, sent, passages=[index])

    revision = Post.objects.get(slug="brake-lines").latest_revision
    body = opened(revision).body
    assert body == f"> {MESSAGE}"
    assert WHERE not in body
    # It is recorded as quoting the tip, and sealed under the tip's key until the quote is resolved
    assert list(revision.quotes.values_list("tip_id", "sealed_under")) == [(sent.tip.pk, True)]


def test_the_quoted_passage_is_flagged_as_the_sources_own_words(reviewer_editor_client, sent):
    start_draft(reviewer_editor_client, sent, passages=[passage_index(reviewer_editor_client, sent, MESSAGE)])

    post = Post.objects.get(slug="brake-lines")
    check = post.latest_revision.redaction_check
    assert check.tips_compared == 1 and check.tips_not_compared == 0
    flags = flags_of(post.latest_revision)
    assert [flag["kind"] for flag in flags if flag["text"] == MESSAGE.rstrip(".")] == ["source-words"]
    assert "Words that also appear verbatim in the source" in page_of(reviewer_editor_client, post)


def test_an_editor_who_does_not_review_the_tip_gets_404(reviewer_editor_client, editor_client, channel, sent):
    # Given the reviewer-editor of the channel can open the page (the control)
    assert reviewer_editor_client.get(from_tip_url(sent)).status_code == 200
    # And a second reviewer-editor who does not receive this channel
    outsider_client = logged_in_client(make_editor("olga", "reviewer"))

    # Then an editor who is no reviewer, and a reviewer-editor without a key to this tip, get 404
    for client in (editor_client, outsider_client):
        assert client.get(from_tip_url(sent)).status_code == 404
        assert start_draft(client, sent, passages=["0"]).status_code == 404
    assert not Post.objects.exists() and not TipLink.objects.exists()


def test_the_tip_page_offers_a_draft_only_to_a_reviewer_who_is_an_editor(reviewer_editor_client, reviewer_client, sent):
    link = f'href="/staff/posts/from-tip/{sent.tip.pk}/"'

    assert link in reviewer_editor_client.get(f"/staff/cases/{sent.tip.pk}/").content.decode()
    assert link not in reviewer_client.get(f"/staff/cases/{sent.tip.pk}/").content.decode()


def test_a_revision_nobody_compared_with_the_tip_cannot_be_approved_until_a_reader_checks_it(
    reviewer_editor_client, editor_client, second_editor_client, reviewer, reviewer_client, sent
):
    # Given a draft from the tip, its source-words flag kept with a reason
    start_draft(reviewer_editor_client, sent, passages=[passage_index(reviewer_editor_client, sent, MESSAGE)])
    post = Post.objects.get(slug="brake-lines")
    (flag,) = flags_of(post.latest_revision)
    reviewer_editor_client.post(
        f"/staff/posts/{post.pk}/flags/keep/", {"key": flag["key"], "reason": "Paraphrased before publication."}
    )
    # And a new revision saved by an editor who cannot read the tip (so nobody compared it)
    edit_post(editor_client, post, title="Brake lines cut at the depot", body=f"> {MESSAGE}\n\nMore words.")
    submit_for_review(editor_client, post)

    # When a second editor who cannot read the tip opens the post and tries to approve it
    html = page_of(second_editor_client, post)
    response = approve(second_editor_client, post)

    # Then they see how many tips are linked but not which, and the approval is refused
    reference = CaseFile.objects.get(tip=sent.tip).reference
    assert "Linked to 1 tip." in html and reference not in html and str(sent.tip.pk) not in html
    assert "could not be compared with 1 linked tip(s)" in html
    assert response.status_code == 400
    assert "could not be compared with 1 linked tip(s)" in response.content.decode()
    post.refresh_from_db()
    assert not post.is_public

    # When a reader of the tip becomes an editor (given the publishing key by an editor who holds it)
    # and opens the post, opening it changes nothing; once they run the check, it is complete
    grant_role(reviewer, EDITOR)
    page_of(reviewer_editor_client, post)
    assert reference in page_of(reviewer_client, post)
    assert post.latest_revision.redaction_check.tips_not_compared == 1
    assert reviewer_client.post(f"/staff/posts/{post.pk}/check/").status_code == 302
    assert post.latest_revision.redaction_check.tips_not_compared == 0
    # Then the second editor, who still cannot read the tip, may approve: this very revision was compared
    assert "could not be compared" not in page_of(second_editor_client, post)
    assert approve(second_editor_client, post).status_code == 302
    post.refresh_from_db()
    assert post.is_public and post.corroborating_tips == 1
