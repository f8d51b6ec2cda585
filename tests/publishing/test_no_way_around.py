"""The two-person rule has no way around it: media, every field a reader sees, the rule's own switch, flags.

Each test is an insider trying it: one editor alone (the security review's `editor2`, editor
role only), or an admin who is also editor and superuser. Readers must see nothing new until a
second editor approved the very revision that carries the change.
"""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from clarion.accounts.roles import ADMIN, REVIEWER
from clarion.audit.models import AuditEntry
from clarion.publishing.models import Category, Post, SiteSettings, Tag
from tests.support.builders import pdf_bytes, text
from tests.support.people import PASSWORD, logged_in_client
from tests.support.publishing import (
    approve,
    create_post,
    edit_post,
    make_editor,
    page_of,
    photo_with_exif,
    submit_for_review,
    upload,
)

TWO_PERSON_RULE = "You wrote this revision, so a second editor must approve it (the two-person rule)."


def reader_sees(path: str) -> str:
    response = Client().get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def json_ld(html: str) -> list[dict]:
    return [
        json.loads(block) for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    ]


@pytest.fixture
def lone_editor(db):
    """An editor-only account: the review's editor2."""
    return make_editor("editor2")


@pytest.fixture
def lone_editor_client(lone_editor) -> Client:
    return logged_in_client(lone_editor)


@pytest.fixture
def published(editor_client, second_editor_client, lone_editor):
    """A post written by one editor, approved by a second, now public (the lone editor holds the publishing key)."""
    post = create_post(editor_client, slug="lift-inspections", title="Lift inspections were signed off")
    submit_for_review(editor_client, post)
    assert approve(second_editor_client, post).status_code == 302
    post.refresh_from_db()
    assert post.is_public
    return post


def test_an_editor_alone_cannot_put_an_image_or_a_pdf_on_a_published_post(
    published, lone_editor_client, second_editor_client
):
    # When one editor adds an image and a PDF to the published post
    image = upload(
        lone_editor_client,
        published,
        photo_with_exif(),
        "x.jpg",
        title="MEDIA-TITLE-CANARY",
        alt_text="MEDIA-ALT-CANARY",
    )
    document = upload(lone_editor_client, published, pdf_bytes(text("Minutes")), "m.pdf", title="PDF-TITLE-CANARY")
    assert image.status_code == 302 and document.status_code == 302
    published.refresh_from_db()
    files = [item.filename for item in published.media.all()]
    assert len(files) == 2

    # Then readers see none of it: not on the page, in Open Graph, JSON-LD or the feeds, and the files are not served
    page = reader_sees(f"/posts/{published.slug}/")
    for canary in ("MEDIA-TITLE-CANARY", "MEDIA-ALT-CANARY", "PDF-TITLE-CANARY", "og:image", *files):
        assert canary not in page
    # (the article's only image is the site's logo, which Google's Article asks for in its absence)
    assert [block["image"] for block in json_ld(page) if "image" in block] == [
        ["http://testserver/static/clarion/logo.png"]
    ]
    assert "MEDIA-TITLE-CANARY" not in reader_sees("/feed/atom/")
    for name in files:
        assert Client().get(f"/media/{name}").status_code == 404
    # The staff page says the change waits for a second editor
    assert published.state == Post.State.DRAFT and published.published_revision.number == 1

    # When a second editor approves the revision that carries them, readers see them
    submit_for_review(lone_editor_client, published)
    assert approve(second_editor_client, published).status_code == 302
    page = reader_sees(f"/posts/{published.slug}/")
    assert "MEDIA-ALT-CANARY" in page and "PDF-TITLE-CANARY" in page and "og:image" in page
    for name in files:
        assert Client().get(f"/media/{name}").status_code == 200


def test_removing_an_image_from_a_published_post_waits_for_a_second_editor(
    lone_editor_client, editor_client, second_editor_client
):
    # Given a published post with an image, approved by two editors
    post = create_post(editor_client, slug="brakes")
    upload(editor_client, post, photo_with_exif(), "x.jpg", title="The cut brake line", alt_text="A cut brake line.")
    submit_for_review(editor_client, post)
    assert approve(second_editor_client, post).status_code == 302
    name = post.media.get().filename
    assert "A cut brake line." in reader_sees("/posts/brakes/")

    # When one editor removes it
    item = post.media.get()
    assert lone_editor_client.post(f"/staff/posts/{post.pk}/media/{item.pk}/remove/").status_code == 302

    # Then readers still see the approved revision, image included, until a second editor approves
    assert "A cut brake line." in reader_sees("/posts/brakes/")
    assert Client().get(f"/media/{name}").status_code == 200
    submit_for_review(lone_editor_client, post)
    assert approve(second_editor_client, post).status_code == 302
    assert "A cut brake line." not in reader_sees("/posts/brakes/")
    assert Client().get(f"/media/{name}").status_code == 404


def test_an_editor_alone_cannot_change_any_field_a_reader_sees(published, lone_editor_client):
    # Given what readers see of the post now
    category = Category.objects.create(name="CATEGORY-CANARY", slug="category-canary")
    tag = Tag.objects.create(name="TAG-CANARY", slug="tag-canary")
    before = reader_sees(f"/posts/{published.slug}/")

    # When one editor changes the byline (free text), the category, the tags, pinning and the corroboration count
    response = edit_post(
        lone_editor_client,
        published,
        byline="me",
        byline_name="BYLINE-SET-BY-ONE-EDITOR (Jane Doe, night shift, depot 3)",
        category=str(category.pk),
        tags=[str(tag.pk)],
        pinned="on",
        show_corroboration="on",
        body="UNAPPROVED-BODY-CANARY",
    )

    # Then it is saved as a revision that waits for review, and readers see nothing new anywhere
    assert response.status_code == 302
    page = reader_sees(f"/posts/{published.slug}/")
    for canary in ("BYLINE-SET-BY-ONE-EDITOR", "CATEGORY-CANARY", "TAG-CANARY", "UNAPPROVED-BODY-CANARY"):
        assert canary not in page
        assert canary not in reader_sees("/feed/atom/")
        assert canary not in reader_sees("/feed/rss/")
        assert canary not in reader_sees("/")
    assert page == before
    assert Client().get("/category/category-canary/").content.decode().count(published.slug) == 0
    assert Client().get("/tag/tag-canary/").content.decode().count(published.slug) == 0
    published.refresh_from_db()
    assert published.byline == "" and published.category is None and not published.pinned
    assert published.latest_revision.number == 2 and published.published_revision.number == 1


def test_the_address_of_a_published_post_cannot_change(published, lone_editor_client):
    response = edit_post(lone_editor_client, published, slug="another-address", title="Still the same post")

    # The slug field is fixed on a public post: a forged value is ignored, never applied
    published.refresh_from_db()
    assert response.status_code == 302
    assert published.slug == "lift-inspections"
    assert Client().get("/posts/another-address/").status_code == 404


def test_media_titles_and_alt_text_go_through_the_redaction_check(editor_client):
    post = create_post(editor_client, slug="with-image")

    upload(
        editor_client,
        post,
        photo_with_exif(),
        "x.jpg",
        title="Photo sent by jane.doe@example.org",
        alt_text="Badge 4471902 on the workbench",
    )

    html = page_of(editor_client, post)
    assert "An e-mail address" in html and "jane.doe@example.org</mark>" in html
    assert "4471902</mark>" in html


def change_site_settings(client: Client, **fields: str):  # noqa: ANN201
    """Post the publishing settings' admin page with `fields` (unchecked boxes left out)."""
    site = SiteSettings.current()
    data = {"deny_list": site.deny_list, "corrections_policy": "", "sourcing_policy": "", **fields}
    return client.post(f"/staff/admin/publishing/sitesettings/{site.pk}/change/", data)


def test_toggle_approve_toggle_by_one_admin_editor_is_refused_and_readers_see_nothing(db):
    # Given an admin who is also an editor, reviewer and superuser, with a post in review
    boss = make_editor("boss", ADMIN, REVIEWER)
    boss_client = logged_in_client(boss)
    post = create_post(boss_client, slug="self-approved", title="SELF-APPROVED-CANARY")
    submit_for_review(boss_client, post)

    # When they switch the rule off in the admin, approve their own post, and switch it back on
    change_site_settings(boss_client)  # require_second_editor left unticked
    refused = approve(boss_client, post)
    change_site_settings(boss_client, require_second_editor="on")

    # Then the rule never went off, the approval was refused, and readers see nothing
    assert SiteSettings.current().require_second_editor
    assert refused.status_code == 400 and TWO_PERSON_RULE in refused.content.decode()
    post.refresh_from_db()
    assert not post.is_public
    assert Client().get("/posts/self-approved/").status_code == 404
    assert "SELF-APPROVED-CANARY" not in reader_sees("/")
    # and the attempt is in the hash-chained audit log, not only in Django's admin log
    assert AuditEntry.objects.filter(action__startswith="publishing.rule", actor_id=boss.pk).exists()


def test_turning_the_rule_off_takes_effect_only_when_a_second_admin_confirms(db, editor_client):
    first, _ = make_editor("first-admin", ADMIN), None
    second = make_editor("second-admin", ADMIN)
    first_client, second_client = logged_in_client(first), logged_in_client(second)

    # When one admin proposes switching the rule off
    assert first_client.post("/staff/publishing/rule/", {"action": "propose-off"}).status_code == 302
    # Then it is still on, and the proposer cannot confirm it themselves
    assert SiteSettings.current().require_second_editor
    assert first_client.post("/staff/publishing/rule/", {"action": "confirm-off"}).status_code == 400
    assert SiteSettings.current().require_second_editor
    # and nobody can approve their own post in the meantime
    post = create_post(editor_client)
    submit_for_review(editor_client, post)
    assert approve(editor_client, post).status_code == 400

    # When a second admin confirms it, it is off, and both steps are in the audit log
    assert second_client.post("/staff/publishing/rule/", {"action": "confirm-off"}).status_code == 302
    assert not SiteSettings.current().require_second_editor
    actions = list(AuditEntry.objects.filter(action__startswith="publishing.rule").values_list("action", "actor_id"))
    assert ("publishing.rule_off_proposed", first.pk) in actions
    assert ("publishing.rule_off", second.pk) in actions


def test_every_change_to_publishing_settings_is_in_the_audit_log(db):
    admin = make_editor("settings-admin", ADMIN)
    client = logged_in_client(admin)

    response = change_site_settings(client, require_second_editor="on", deny_list="Jane Whistleblower")

    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="publishing.settings").latest("seq")
    assert entry.actor_id == admin.pk
    assert "deny_list" in entry.detail and "Jane" not in entry.detail


def test_a_revision_with_unresolved_flags_cannot_be_sent_for_review(editor_client):
    post = create_post(editor_client, body="Call the depot manager on +44 20 7946 0958 after 6pm.")

    response = editor_client.post(f"/staff/posts/{post.pk}/submit/")

    assert response.status_code == 400
    assert "redaction flag" in response.content.decode()
    post.refresh_from_db()
    assert post.state == Post.State.DRAFT


def test_the_editor_who_keeps_a_flagged_passage_cannot_approve_that_revision(
    editor_client, second_editor, second_editor_client
):
    # Given a post by one editor whose flag the second editor keeps, with a reason
    post = create_post(editor_client, body="Call the depot manager on +44 20 7946 0958 after 6pm.")
    html = page_of(second_editor_client, post)
    key = re.search(r'name="key" value="([^"]+)"', html).group(1)
    kept = second_editor_client.post(
        f"/staff/posts/{post.pk}/flags/keep/", {"key": key, "reason": "Public switchboard."}
    )
    assert kept.status_code == 302
    submit_for_review(editor_client, post)

    # When the same second editor tries to approve
    response = approve(second_editor_client, post)

    # Then it is refused: justifying a passage and approving it are two people's work
    assert response.status_code == 400
    assert "kept a flagged passage" in response.content.decode()
    post.refresh_from_db()
    assert not post.is_public
    # A third editor may approve it (once an editor who holds the publishing key has given it to them)
    third = logged_in_client(make_editor("third"), password=PASSWORD)
    page_of(editor_client, post)
    assert approve(third, post).status_code == 302


def test_an_admin_editor_superuser_alone_cannot_publish_through_any_page(db):
    boss = make_editor("boss2", ADMIN, REVIEWER)
    assert boss.is_superuser
    client = logged_in_client(boss)
    post = create_post(client, slug="boss-post")
    submit_for_review(client, post)

    # Neither the editorial page nor the Django admin's change pages publish it
    assert approve(client, post).status_code == 400
    client.post(f"/staff/admin/publishing/post/{post.pk}/change/", {"state": "published"})
    post.refresh_from_db()
    assert not post.is_public
    assert Client().get("/posts/boss-post/").status_code == 404
    assert get_user_model().objects.filter(username="boss2").exists()
