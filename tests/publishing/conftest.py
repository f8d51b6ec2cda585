"""Fixtures for publishing tests: editors logged in for real, and published posts made through the actions.

- `editor`, `second_editor`: users with the EDITOR role and a key (password `PASSWORD`);
  `editor_client`, `second_editor_client`: test clients in which they logged in through the
  real password and TOTP pages (like `reviewer_client` in tests/conftest.py).
- `reviewer_editor` (+ `reviewer_editor_client`): REVIEWER and EDITOR, a receiver of the
  `channel` fixture's tips, so they can read a tip of it and start a draft from it.
- `make_published_post(...)`: a factory of posts published by two editors through
  do_create_post / do_submit_post / do_approve_post (no login, no HTTP).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

import pytest
from django.core.cache import cache, caches
from django.test import Client

PASSWORD = "correct horse battery staple"


def make_editor(username: str, *extra_roles: str):  # noqa: ANN201 - a User
    """Create a staff member with the EDITOR role (and `extra_roles`) whose key opens with PASSWORD."""
    from django.contrib.auth import get_user_model

    from clarion.accounts.keys import create_key_custody
    from clarion.accounts.roles import EDITOR, grant_role

    user = get_user_model().objects.create_user(username, password=PASSWORD)
    for role in (EDITOR, *extra_roles):
        grant_role(user, role)
    create_key_custody(user, PASSWORD)
    return user


def keys_for(user, password: str = PASSWORD):  # noqa: ANN001, ANN201 - EditorKeys
    """Return what an editor's session holds: their identity and the publishing key, opened.

    An editor who does not hold the publishing key yet gets it as they would on the pages: from
    an editor who holds it (every test user's key opens with PASSWORD), or made for them if there
    is none yet.
    """
    from clarion.accounts.keys import unlock_identity
    from clarion.publishing.models import PublishingKeyWrap
    from clarion.publishing.sealing import NoPublishingKey, unlock_publishing_key

    personal = unlock_identity(user.key_custody, password)
    try:
        return unlock_publishing_key(user=user, personal=personal)
    except NoPublishingKey:
        holder = PublishingKeyWrap.objects.exclude(user=user).select_related("user").first()
        assert holder is not None, f"nobody holds the publishing key to give it to {user}"
        unlock_publishing_key(user=holder.user, personal=unlock_identity(holder.user.key_custody, password))
        return unlock_publishing_key(user=user, personal=personal)


def opened(revision, user=None):  # noqa: ANN001, ANN201 - RevisionContent
    """Return what a revision says, opened as `user` (by default whoever wrote it)."""
    from clarion.publishing.actions import open_revision

    return open_revision(revision, keys_for(user or revision.created_by))


def flags_of(revision, user=None) -> list[dict]:  # noqa: ANN001
    """Return the stored redaction flags of a revision, opened as `user` (by default its author)."""
    from clarion.publishing.actions import stored_flags

    return stored_flags(revision.redaction_check, keys_for(user or revision.created_by))


def log_in(user) -> Client:  # noqa: ANN001
    """Return a client in which `user` logged in through the real password and TOTP pages."""
    from tests.accounts.helpers import logged_in_client

    return logged_in_client(user, password=PASSWORD)


@pytest.fixture(autouse=True)
def _fresh_public_cache():
    """Start every test with no rendered pages and no login failures kept from another test.

    Rendered public pages are keyed by a generation number that restarts with each test's
    database, so a page cached by an earlier test could otherwise be served again.
    """
    from clarion.publishing.caching import forget_generation

    cache.clear()
    caches["public_pages"].clear()
    forget_generation()
    yield
    cache.clear()
    caches["public_pages"].clear()
    forget_generation()


@pytest.fixture(autouse=True)
def _own_media_dir(settings, tmp_path):
    """Give every test its own folder of scrubbed media."""
    settings.CLARION_MEDIA_DIR = tmp_path / "media"


@pytest.fixture
def editor(db):
    return make_editor("edna")


@pytest.fixture
def second_editor(db):
    return make_editor("sam")


@pytest.fixture
def editor_client(editor) -> Client:
    return log_in(editor)


@pytest.fixture
def second_editor_client(second_editor) -> Client:
    return log_in(second_editor)


@pytest.fixture
def reviewer_editor(db, channel):
    """A reviewer who is also an editor and receives the tips of `channel`."""
    from clarion.accounts.roles import REVIEWER

    user = make_editor("ruth", REVIEWER)
    channel.receivers.add(user)
    return user


@pytest.fixture
def reviewer_editor_client(reviewer_editor) -> Client:
    return log_in(reviewer_editor)


class PostFactory:
    """Write, keep flags of, submit and approve posts with two editors, through the actions only."""

    def __init__(self) -> None:
        self.numbers = itertools.count(1)

    def editors(self) -> list:
        """Return the two editors of the factory (an author and an approver), made on first use."""
        from django.contrib.auth import get_user_model

        users = []
        for username in ("factory-author", "factory-approver"):
            user = get_user_model().objects.filter(username=username).first() or make_editor(username)
            users.append(user)
        return users

    def approver_for(self, post, author):  # noqa: ANN001, ANN201 - a User
        """Return who approves `post`: for a post linked to tips, one who reads them all.

        Approval needs the redaction check to compare the draft with every linked tip, which
        only a reader of those tips can do (their key opens with PASSWORD, as for every test user).
        """
        from clarion.accounts.roles import is_editor
        from clarion.casework.access import readers_of_tip

        tips = [link.tip for link in post.tip_links.select_related("tip")]
        if not tips:
            return self.editors()[1]
        readers = {user for user in readers_of_tip(tips[0]) if is_editor(user)}
        for tip in tips[1:]:
            readers &= set(readers_of_tip(tip))
        return min((user for user in readers if user != author), key=lambda user: user.pk)

    def approve_latest(self, post, *, publish: bool = True):  # noqa: ANN001, ANN201 - a Post
        """Keep every open flag of the latest revision with a reason, submit it, and approve it.

        The flags are kept by the approver's reader when the author cannot read the tips, else by
        the author: never by the approver (the two-person rule covers kept passages too).
        """
        from clarion.publishing import actions
        from clarion.publishing.models import Post

        revision = post.latest_revision
        author = revision.created_by
        approver = self.approver_for(post, author)
        approver_keys = keys_for(approver)
        result = actions.do_run_redaction_check(revision=revision, actor=approver, keys=approver_keys)
        author_keys = keys_for(author)
        for flag in actions.open_flags(result.flags, actions.decisions_of(post, approver_keys)):
            actions.do_keep_flagged(
                actor=author, post=post, key=flag["key"], reason="Made up for a test.", keys=author_keys
            )
        post.refresh_from_db()
        if post.state != Post.State.IN_REVIEW:
            actions.do_submit_post(actor=author, post=post, keys=author_keys)
        if publish:
            actions.do_approve_post(actor=approver, post=post, revision=revision, keys=approver_keys)
        post.refresh_from_db()
        return post


@pytest.fixture
def make_published_post(db) -> Callable[..., object]:
    """Return a factory of posts written by one editor and approved by another, through the actions.

    `make_published_post(kind="report", slug=None, title=..., summary="", body="",
    category=None, tags=(), publish=True, addressed_to="", signatories="", existing=None)`
    returns the Post, refreshed. With `publish=False` the post is left in review (not public).
    With `existing=post` it publishes that post's latest revision instead of writing one (for a
    post linked to tips, the approver is a reader of those tips). Redaction flags raised by the
    text (an e-mail address, a date with a time...) are kept with a reason, so any text can be
    published. The two editors are created once per test, without logins.
    """
    from clarion.publishing import actions
    from clarion.publishing.models import Category, Post, Tag

    factory = PostFactory()

    def make(
        kind: str = "report",
        slug: str | None = None,
        title: str = "Forklifts without brakes at the depot",
        summary: str = "",
        body: str = "",
        category: Category | None = None,
        tags: Iterable[Tag] = (),
        publish: bool = True,
        addressed_to: str = "",
        signatories: str = "",
        existing: Post | None = None,
    ) -> Post:
        if existing is not None:
            return factory.approve_latest(existing, publish=publish)
        author, _approver = factory.editors()
        content = actions.RevisionContent(
            title=title,
            summary=summary,
            body=body,
            addressed_to=addressed_to,
            signatories=signatories,
            category_id=category.pk if category is not None else None,
            tag_ids=tuple(tag.pk for tag in tags),
        )
        post = actions.do_create_post(
            actor=author,
            kind=kind,
            slug=slug or f"post-{next(factory.numbers)}",
            content=content,
            keys=keys_for(author),
        )
        return factory.approve_latest(post, publish=publish)

    return make


@pytest.fixture
def approve_revision(db) -> Callable[..., object]:
    """Return `approve_revision(post, **changes)`: save a revision with `changes`, approved by a second editor.

    `changes` are fields of the revision's content (title, summary, body, addressed_to,
    signatories, correction, pinned...); the others are copied from the latest revision. A
    correction is never carried over. Returns the Post, refreshed.
    """
    from clarion.publishing import actions

    factory = PostFactory()

    def approve(post, **changes: object):  # noqa: ANN001, ANN202 - a Post
        author, _approver = factory.editors()
        keys = keys_for(author)
        latest = actions.open_revision(post.latest_revision, keys).with_changes(correction="")
        actions.do_save_post(actor=author, post=post, content=latest.with_changes(**changes), keys=keys)
        return factory.approve_latest(post)

    return approve


# --- helpers for the editorial tests: the pages, driven as a browser without JavaScript would ---


def post_data(**overrides: str) -> dict[str, str]:
    """Return the fields of the post form for a plain report; `overrides` replace any of them."""
    data = {
        "kind": "report",
        "slug": "unsafe-forklifts",
        "title": "Forklifts without brakes",
        "summary": "Three forklifts at the depot have been unsafe for months.",
        "body": "Three forklifts at the depot have no working brakes.",
        "addressed_to": "",
        "signatories": "",
        "byline": "organisation",
        "byline_name": "",
    }
    data.update(overrides)
    return data


def create_post(client: Client, **overrides: str):  # noqa: ANN201 - a Post
    """Create a post through the "New post" page; return it."""
    from clarion.publishing.models import Post

    data = post_data(**overrides)
    response = client.post("/staff/posts/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    post = Post.objects.get(slug=data["slug"])
    assert response["Location"] == f"/staff/posts/{post.pk}/"
    return post


def edit_post(client: Client, post, **overrides: str):  # noqa: ANN001, ANN201 - a response
    """Save the post's edit page with its current values and `overrides`; return the response."""
    data = post_data(slug=post.slug, kind=post.kind)
    latest = opened(post.latest_revision)
    data.update(title=latest.title, summary=latest.summary, body=latest.body)
    data.update(overrides)
    return client.post(f"/staff/posts/{post.pk}/edit/", data)


def submit_for_review(client: Client, post) -> None:  # noqa: ANN001
    response = client.post(f"/staff/posts/{post.pk}/submit/")
    assert response.status_code == 302, response.content.decode()[:3000]


def approve(client: Client, post, *, revision: int | None = None, publish_at: str = ""):  # noqa: ANN001, ANN201
    """Press "Approve" on the post's page (for its latest revision unless told); return the response."""
    number = revision or post.latest_revision.number
    data = {"revision": number, "when": "at" if publish_at else "now", "publish_at": publish_at}
    return client.post(f"/staff/posts/{post.pk}/approve/", data)


def page_of(client: Client, post) -> str:  # noqa: ANN001
    response = client.get(f"/staff/posts/{post.pk}/")
    assert response.status_code == 200, response.content.decode()[:3000]
    return response.content.decode()
