"""Editors write, schedule, correct, retract and redact posts through the staff pages."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from clarion.audit.models import AuditEntry
from clarion.publishing import actions
from clarion.publishing.models import Correction, EditorialComment, Post
from clarion.publishing.tasks import publish_scheduled_posts
from tests.support.publishing import (
    approve,
    create_post,
    edit_post,
    flags_of,
    opened,
    page_of,
    post_data,
    submit_for_review,
)
from tests.support.tips import send_tip

EMAIL = "j.smith@depot-example.org"


def in_a_day() -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=1)).replace(second=0, microsecond=0)


def published(editor_client: Client, second_editor_client: Client, **overrides: str) -> Post:
    post = create_post(editor_client, **overrides)
    submit_for_review(editor_client, post)
    assert approve(second_editor_client, post).status_code == 302
    post.refresh_from_db()
    return post


# --- writing ------------------------------------------------------------------------------------


def test_an_editor_creates_a_draft_and_every_save_keeps_a_revision_with_who_and_when(editor, editor_client):
    # Given a new post saved from the "New post" page
    form = editor_client.get("/staff/posts/new/")
    post = create_post(editor_client, title="Forklifts without brakes")

    # When the editor saves it again with another title
    response = edit_post(editor_client, post, title="Three forklifts without brakes")

    # Then both revisions are kept, each with who wrote it and when
    assert form.status_code == 200 and 'for="id_title"' in form.content.decode()
    assert response.status_code == 302 and response["Location"] == f"/staff/posts/{post.pk}/"
    first, second = post.revisions.order_by("number")
    assert (first.number, opened(first).title, first.created_by) == (1, "Forklifts without brakes", editor)
    assert (second.number, opened(second).title, second.created_by) == (2, "Three forklifts without brakes", editor)
    assert first.created_at <= second.created_at
    post.refresh_from_db()
    assert post.state == Post.State.DRAFT and not post.is_public
    html = page_of(editor_client, post)
    assert "<h1>Three forklifts without brakes</h1>" in html
    assert f'href="/staff/posts/{post.pk}/revisions/1/"' in html
    assert "Send for review" in html
    old = editor_client.get(f"/staff/posts/{post.pk}/revisions/1/").content.decode()
    assert '<h2 id="preview-title-1">Forklifts without brakes</h2>' in old
    assert Client().get(f"/posts/{post.slug}/").status_code == 404


def test_an_address_already_in_use_gets_a_clear_message_and_keeps_what_was_typed(editor_client):
    create_post(editor_client, slug="forklifts")

    response = editor_client.post(
        "/staff/posts/new/", post_data(slug="forklifts", title="Another story", body="Typed with care.")
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Another post already uses this address: choose another slug." in html
    assert 'role="alert"' in html and 'href="#id_slug"' in html
    assert 'value="Another story"' in html and "Typed with care." in html
    assert Post.objects.count() == 1


def test_the_list_shows_each_post_with_its_latest_title_and_state_and_filters_by_state(editor_client):
    draft = create_post(editor_client, slug="draft-one", title="A draft about rotas")
    in_review = create_post(editor_client, slug="review-one", title="A report in review")
    submit_for_review(editor_client, in_review)
    edit_post(editor_client, draft, title="A draft about night rotas")

    everything = editor_client.get("/staff/posts/").content.decode()
    only_review = editor_client.get("/staff/posts/?state=review").content.decode()

    assert "A draft about night rotas" in everything and "A report in review" in everything
    assert "In review" in everything and ">2, by edna," in everything
    assert 'href="/staff/posts/new/"' in everything
    assert "A report in review" in only_review and "A draft about night rotas" not in only_review


def test_the_staff_home_page_links_editors_to_the_posts(editor_client, reviewer_client):
    assert 'href="/staff/posts/"' in editor_client.get("/staff/account/").content.decode()
    assert 'href="/staff/posts/"' not in reviewer_client.get("/staff/account/").content.decode()


def test_sending_back_needs_a_comment_and_returns_the_post_to_its_author_as_a_draft(
    editor_client, second_editor_client
):
    post = create_post(editor_client)
    submit_for_review(editor_client, post)

    empty = second_editor_client.post(f"/staff/posts/{post.pk}/send-back/", {"comment": " "})
    sent_back = second_editor_client.post(
        f"/staff/posts/{post.pk}/send-back/", {"comment": "Name the depot less precisely."}
    )

    assert empty.status_code == 400
    assert "Say what should change: the author reads this comment." in empty.content.decode()
    assert sent_back.status_code == 302
    post.refresh_from_db()
    assert post.state == Post.State.DRAFT
    comment = EditorialComment.objects.get(post=post)
    assert b"Name the depot" not in bytes(comment.sealed)  # sealed, like drafts
    assert "Name the depot less precisely." in page_of(editor_client, post)


# --- scheduling ---------------------------------------------------------------------------------


def test_approving_with_a_future_time_schedules_the_post_until_it_is_due(editor_client, second_editor_client):
    # Given a post in review approved for tomorrow
    post = create_post(editor_client)
    submit_for_review(editor_client, post)
    when = in_a_day()
    response = approve(second_editor_client, post, publish_at=when.strftime("%Y-%m-%dT%H:%M"))

    # Then it is scheduled, and not public
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.state == Post.State.SCHEDULED and post.publish_at == when
    assert not post.is_public and Client().get(f"/posts/{post.slug}/").status_code == 404
    assert when.strftime("%Y-%m-%d %H:%M") in editor_client.get("/staff/posts/").content.decode()
    assert actions.do_publish_due_posts(now=when - dt.timedelta(minutes=1)) == 0

    # When its time comes
    assert actions.do_publish_due_posts(now=when + dt.timedelta(seconds=30)) == 1

    # Then readers see it
    post.refresh_from_db()
    assert post.state == Post.State.PUBLISHED and post.first_published_at == when + dt.timedelta(seconds=30)
    assert Client().get(f"/posts/{post.slug}/").status_code == 200


def test_the_scheduled_task_publishes_the_posts_whose_time_has_come(editor_client, second_editor_client, time_machine):
    post = create_post(editor_client)
    submit_for_review(editor_client, post)
    when = in_a_day()
    approve(second_editor_client, post, publish_at=when.strftime("%Y-%m-%dT%H:%M"))
    assert publish_scheduled_posts.call() == 0

    time_machine.move_to(when + dt.timedelta(minutes=1), tick=False)
    published_now = publish_scheduled_posts.call()

    assert published_now == 1
    post.refresh_from_db()
    assert post.is_public and post.state == Post.State.PUBLISHED


def test_a_time_already_past_publishes_at_once(editor_client, second_editor_client):
    post = create_post(editor_client)
    submit_for_review(editor_client, post)

    approve(second_editor_client, post, publish_at="2020-01-01T09:00")

    post.refresh_from_db()
    assert post.state == Post.State.PUBLISHED and post.first_published_at.year == timezone.now().year


def test_choosing_a_time_without_giving_one_is_refused_with_a_message(editor_client, second_editor_client):
    post = create_post(editor_client)
    submit_for_review(editor_client, post)

    response = second_editor_client.post(
        f"/staff/posts/{post.pk}/approve/", {"revision": 1, "when": "at", "publish_at": ""}
    )

    assert response.status_code == 400
    assert "Give the date and time to publish at, or choose to publish now." in response.content.decode()
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW


def test_editing_a_scheduled_post_sends_it_back_to_draft(editor_client, second_editor_client):
    post = create_post(editor_client)
    submit_for_review(editor_client, post)
    approve(second_editor_client, post, publish_at=in_a_day().strftime("%Y-%m-%dT%H:%M"))

    edit_post(editor_client, post, body="A late change nobody approved.")

    post.refresh_from_db()
    assert post.state == Post.State.DRAFT
    assert post.publish_at is None and post.scheduled_revision is None
    assert actions.do_publish_due_posts(now=timezone.now() + dt.timedelta(days=2)) == 0
    assert not post.is_public


# --- corrections and retractions ----------------------------------------------------------------


def test_a_correction_is_published_with_its_date_once_a_second_editor_approves_it(editor_client, second_editor_client):
    # Given a published post (a correction is offered only once there is something to correct)
    assert 'id="id_correction"' not in editor_client.get("/staff/posts/new/").content.decode()
    post = published(editor_client, second_editor_client, body="Four forklifts have no brakes.")
    assert 'id="id_correction"' in editor_client.get(f"/staff/posts/{post.pk}/edit/").content.decode()

    # When its author saves a correction and a second editor approves it
    edit_post(
        editor_client, post, body="Three forklifts have no brakes.", correction="We first said four; it was three."
    )
    assert not Correction.objects.exists()
    submit_for_review(editor_client, post)
    before = timezone.now()
    approve(second_editor_client, post)

    # Then the correction is public with its date, and the next edit starts without it
    correction = Correction.objects.get(post=post)
    assert correction.text == "We first said four; it was three."
    assert correction.published_at >= before
    assert "We first said four; it was three." in page_of(editor_client, post)
    edit_form = editor_client.get(f"/staff/posts/{post.pk}/edit/").content.decode()
    assert "We first said four; it was three." not in edit_form


def test_a_retraction_takes_effect_at_once_and_keeps_its_notice(editor_client, second_editor_client):
    post = published(editor_client, second_editor_client)

    refused = editor_client.post(f"/staff/posts/{post.pk}/retract/", {"notice": "", "withdraw_text": "on"})
    response = editor_client.post(
        f"/staff/posts/{post.pk}/retract/",
        {"notice": "A detail in this report could identify a colleague.", "withdraw_text": "on"},
    )

    assert refused.status_code == 400
    assert "Say why the post is retracted: readers see this notice." in refused.content.decode()
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.retracted_at is not None and post.retraction_withdraws_text
    assert post.retraction_notice == "A detail in this report could identify a colleague."
    html = page_of(editor_client, post)
    assert "Retracted" in html and "A detail in this report could identify a colleague." in html
    assert AuditEntry.objects.about(post).filter(action="post.retract").exists()


# --- redaction ----------------------------------------------------------------------------------


def flagged_draft(editor_client: Client) -> tuple[Post, str]:
    post = create_post(editor_client, body=f"The rota came from {EMAIL} last week.")
    (flag,) = flags_of(post.latest_revision)
    return post, flag["key"]


def test_an_email_address_in_a_draft_is_flagged_and_blocks_review_and_approval(editor_client, second_editor_client):
    post, _key = flagged_draft(editor_client)

    html = page_of(second_editor_client, post)
    refused = editor_client.post(f"/staff/posts/{post.pk}/submit/")
    response = approve(second_editor_client, post)

    assert "An e-mail address" in html and EMAIL in html
    assert refused.status_code == 400
    assert "1 redaction flag is not resolved" in refused.content.decode()
    assert response.status_code == 400
    post.refresh_from_db()
    assert not post.is_public and post.state == Post.State.DRAFT


def test_redact_replaces_the_flagged_text_in_a_new_revision(editor, editor_client):
    post, key = flagged_draft(editor_client)

    response = editor_client.post(f"/staff/posts/{post.pk}/flags/redact/", {"key": key})

    assert response.status_code == 302
    latest = post.latest_revision
    assert latest.number == 2 and latest.created_by == editor
    assert opened(latest).body == "The rota came from [redacted] last week."
    assert flags_of(latest) == []
    assert "No open flags on this revision." in page_of(editor_client, post)


def test_keeping_a_flag_needs_a_reason_and_then_the_post_can_be_approved(editor_client, second_editor_client):
    post, key = flagged_draft(editor_client)

    refused = editor_client.post(f"/staff/posts/{post.pk}/flags/keep/", {"key": key, "reason": "  "})
    kept = editor_client.post(
        f"/staff/posts/{post.pk}/flags/keep/", {"key": key, "reason": "The depot's public address for press."}
    )

    assert refused.status_code == 400
    assert "Give a reason for keeping this passage" in refused.content.decode()
    assert kept.status_code == 302
    submit_for_review(editor_client, post)
    html = page_of(second_editor_client, post)
    assert "The depot&#x27;s public address for press." in html and "(edna," in html
    assert approve(second_editor_client, post).status_code == 302
    post.refresh_from_db()
    assert post.is_public


# --- every page ---------------------------------------------------------------------------------


def test_every_editor_page_is_never_cached_and_answers_404_to_a_reviewer(editor_client, reviewer_client, channel):
    # Given a post with a revision, and a tip the reviewer reads (so a 404 is about the role)
    post = create_post(editor_client)
    sent = send_tip(channel)
    assert reviewer_client.get(f"/staff/cases/{sent.tip.pk}/").status_code == 200
    pages = [
        "/staff/posts/",
        "/staff/posts/new/",
        f"/staff/posts/{post.pk}/",
        f"/staff/posts/{post.pk}/edit/",
        f"/staff/posts/{post.pk}/revisions/1/",
    ]
    posts = ["submit", "approve", "send-back", "retract", "flags/redact", "flags/keep", "media"]

    for url in pages:
        # Then an editor's page is kept out of every cache
        response = editor_client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"] and "no-cache" in response["Cache-Control"], url
        # And a reviewer who is no editor gets 404
        assert reviewer_client.get(url).status_code == 404, url
    assert reviewer_client.get(f"/staff/posts/from-tip/{sent.tip.pk}/").status_code == 404
    for action in posts:
        assert reviewer_client.post(f"/staff/posts/{post.pk}/{action}/").status_code == 404, action
    assert post.revisions.count() == 1 and Post.objects.get().state == Post.State.DRAFT


def test_someone_not_logged_in_is_sent_to_log_in(editor_client):
    post = create_post(editor_client)

    response = Client().get(f"/staff/posts/{post.pk}/")

    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    assert "Forklifts" not in response.content.decode()
