"""Fixtures for publishing tests: editors logged in for real, and published posts made through the actions.

- `editor`, `second_editor`: users with the EDITOR role and a key (password `tests.support.people.PASSWORD`);
  `editor_client`, `second_editor_client`: test clients in which they logged in through the
  real password and TOTP pages (like `reviewer_client` in tests/conftest.py).
- `reviewer_editor` (+ `reviewer_editor_client`): REVIEWER and EDITOR, a receiver of the
  `channel` fixture's tips, so they can read a tip of it and start a draft from it.
- `make_published_post(...)`, `approve_revision(...)`: factories of posts published by two editors through
  do_create_post / do_submit_post / do_approve_post (no login, no HTTP).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest
from django.core.cache import caches
from django.test import Client

from clarion.accounts.roles import REVIEWER
from clarion.publishing import actions
from clarion.publishing.caching import forget_generation
from clarion.publishing.models import Category, Post, Tag
from tests.support.people import logged_in_client
from tests.support.publishing import PostFactory, keys_for, make_editor


@pytest.fixture(autouse=True)
def _fresh_public_cache():
    """Start every test with no rendered pages kept from another test.

    Rendered public pages are keyed by a generation number that restarts with each test's
    database, so a page cached by an earlier test could otherwise be served again.
    """
    caches["public_pages"].clear()
    forget_generation()
    yield
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
    return logged_in_client(editor)


@pytest.fixture
def second_editor_client(second_editor) -> Client:
    return logged_in_client(second_editor)


@pytest.fixture
def reviewer_editor(db, channel):
    """A reviewer who is also an editor and receives the tips of `channel`."""
    user = make_editor("ruth", REVIEWER)
    channel.receivers.add(user)
    return user


@pytest.fixture
def reviewer_editor_client(reviewer_editor) -> Client:
    return logged_in_client(reviewer_editor)


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
    factory = PostFactory()

    def approve(post, **changes: object):  # noqa: ANN001, ANN202 - a Post
        author, _approver = factory.editors()
        keys = keys_for(author)
        latest = actions.open_revision(post.latest_revision, keys).with_changes(correction="")
        actions.do_save_post(actor=author, post=post, content=latest.with_changes(**changes), keys=keys)
        return factory.approve_latest(post)

    return approve
