"""Nothing an editor writes reaches readers until a second editor approves that very revision."""

from __future__ import annotations

import pytest
from django.test import Client

from clarion.accounts.roles import ADMIN, REVIEWER
from clarion.audit.models import AuditEntry
from clarion.publishing import actions
from clarion.publishing.models import Post, SiteSettings
from tests.support.people import logged_in_client
from tests.support.publishing import approve, create_post, edit_post, keys_for, make_editor, page_of, submit_for_review

TWO_PERSON_RULE = "You wrote this revision, so a second editor must approve it (the two-person rule)."


def public_status(slug: str) -> int:
    return Client().get(f"/posts/{slug}/").status_code


def test_the_author_cannot_approve_their_own_revision_through_the_page(editor_client, second_editor_client):
    # Given a post its author sent for review
    post = create_post(editor_client)
    submit_for_review(editor_client, post)

    # When the author opens it, and tries to approve it anyway
    html = page_of(editor_client, post)
    response = approve(editor_client, post)

    # Then the page says why before and after, and nothing is published
    assert TWO_PERSON_RULE in html
    assert f'action="/staff/posts/{post.pk}/approve/"' not in html
    assert response.status_code == 400
    assert TWO_PERSON_RULE in response.content.decode()
    post.refresh_from_db()
    assert post.published_revision is None and post.state == Post.State.IN_REVIEW
    assert public_status(post.slug) == 404
    # The same page lets the second editor approve (the control).
    assert TWO_PERSON_RULE not in page_of(second_editor_client, post)


def test_the_author_cannot_approve_their_own_revision_through_the_action(editor, editor_client):
    post = create_post(editor_client)
    submit_for_review(editor_client, post)

    with pytest.raises(actions.WorkflowError, match="two-person rule"):
        actions.do_approve_post(actor=editor, post=post, revision=post.latest_revision, keys=keys_for(editor))

    post.refresh_from_db()
    assert post.published_revision is None
    assert post.latest_revision.approved_by is None


def test_a_superuser_who_holds_every_role_still_cannot_approve_their_own_revision(db):
    # Wagtail lets a member of the approving group approve their own submission (its issue
    # #1164); here no group, role or superuser flag lifts the rule.
    boss = make_editor("boss", ADMIN, REVIEWER)
    assert boss.is_superuser and boss.is_staff
    boss_client = logged_in_client(boss)
    post = create_post(boss_client)
    submit_for_review(boss_client, post)

    response = approve(boss_client, post)

    assert response.status_code == 400
    assert TWO_PERSON_RULE in response.content.decode()
    post.refresh_from_db()
    assert post.published_revision is None and post.state == Post.State.IN_REVIEW
    assert public_status(post.slug) == 404


def test_a_second_editor_approves_and_readers_see_the_post(editor_client, second_editor, second_editor_client):
    post = create_post(editor_client, title="Forklifts without brakes at the depot")
    submit_for_review(editor_client, post)

    response = approve(second_editor_client, post)

    assert response.status_code == 302
    post.refresh_from_db()
    revision = post.latest_revision
    assert post.state == Post.State.PUBLISHED
    assert post.published_revision == revision
    assert revision.approved_by == second_editor and revision.approved_at is not None
    public = Client().get(f"/posts/{post.slug}/")
    assert public.status_code == 200
    assert "Forklifts without brakes at the depot" in public.content.decode()
    assert "<td>by sam, <time" in page_of(second_editor_client, post)


def test_with_the_rule_turned_off_by_two_admins_the_author_may_approve(editor_client):
    first, second = make_editor("first-admin", ADMIN), make_editor("second-admin", ADMIN)
    actions.do_propose_rule_off(actor=first)
    actions.do_confirm_rule_off(actor=second)
    assert not SiteSettings.current().require_second_editor
    post = create_post(editor_client)
    submit_for_review(editor_client, post)

    response = approve(editor_client, post)

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.is_public
    assert public_status(post.slug) == 200
    # and the history and the audit log say the rule was off
    assert not post.published_revision.approved_under_rule
    assert "two-person rule off" in AuditEntry.objects.get(action="post.approve").detail


def test_approving_a_revision_that_is_no_longer_the_latest_is_refused(editor_client, second_editor_client):
    # Given a post in review whose page the second editor opened at revision 1
    post = create_post(editor_client, body="The first version.")
    submit_for_review(editor_client, post)
    page_of(second_editor_client, post)

    # When the author saves revision 2 before the second editor presses "Approve" on revision 1
    edit_post(editor_client, post, body="A second version nobody has reviewed.")
    response = approve(second_editor_client, post, revision=1)

    # Then nothing is approved or published
    assert response.status_code == 400
    assert "A newer revision was saved since you opened this page" in response.content.decode()
    post.refresh_from_db()
    assert not post.is_public
    assert not post.revisions.filter(approved_by__isnull=False).exists()


def test_editing_a_published_post_changes_nothing_for_readers_until_approved_again(editor_client, second_editor_client):
    # Given a published post
    post = create_post(editor_client, title="Forklifts without brakes")
    submit_for_review(editor_client, post)
    approve(second_editor_client, post)

    # When its author saves a new title
    response = edit_post(editor_client, post, title="Forklifts without brakes, and nobody told the drivers")

    # Then readers still see the approved revision; the new one waits for review
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.published_revision.number == 1 and post.latest_revision.number == 2
    assert post.status_label == "Published; new revision: draft"
    public = Client().get(f"/posts/{post.slug}/").content.decode()
    assert "nobody told the drivers" not in public and "Forklifts without brakes" in public

    # When the second editor approves revision 2, readers see it
    submit_for_review(editor_client, post)
    assert approve(second_editor_client, post).status_code == 302
    post.refresh_from_db()
    assert post.published_revision.number == 2
    assert "nobody told the drivers" in Client().get(f"/posts/{post.slug}/").content.decode()
