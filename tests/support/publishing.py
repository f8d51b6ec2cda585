"""Editors and posts for the publishing tests: keys, posts made through the actions, and the staff pages.

- `make_editor(...)`: a staff member with the EDITOR role whose key opens with `PASSWORD`.
- `keys_for`, `opened`, `flags_of`: what an editor's session holds, and revisions opened with it.
- `PostFactory`: posts written by one editor and approved by another, through the actions only
  (the `make_published_post` and `approve_revision` fixtures of tests/publishing/conftest.py).
- `post_data`, `create_post`, `edit_post`, `submit_for_review`, `approve`, `page_of`, `upload`:
  the pages, driven as a browser without JavaScript would.
"""

from __future__ import annotations

import io
import itertools

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from clarion.accounts.keys import create_key_custody, unlock_identity
from clarion.accounts.roles import EDITOR, grant_role, is_editor
from clarion.casework.access import readers_of_tip
from clarion.publishing import actions
from clarion.publishing.models import Post, PublishingKeyWrap
from clarion.publishing.sealing import NoPublishingKey, unlock_publishing_key
from tests.support.people import PASSWORD


def make_editor(username: str, *extra_roles: str):  # noqa: ANN201 - a User
    """Create a staff member with the EDITOR role (and `extra_roles`) whose key opens with PASSWORD."""
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
    return actions.open_revision(revision, keys_for(user or revision.created_by))


def flags_of(revision, user=None) -> list[dict]:  # noqa: ANN001
    """Return the stored redaction flags of a revision, opened as `user` (by default its author)."""
    return actions.stored_flags(revision.redaction_check, keys_for(user or revision.created_by))


class PostFactory:
    """Write, keep flags of, submit and approve posts with two editors, through the actions only."""

    def __init__(self) -> None:
        self.numbers = itertools.count(1)

    def editors(self) -> list:
        """Return the two editors of the factory (an author and an approver), made on first use."""
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


def photo_with_exif() -> bytes:
    """Return a JPEG carrying a camera's make and model and a GPS position."""
    image = Image.new("RGB", (32, 24), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "EOS 5D"  # Model
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPS position
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def upload(client: Client, post, data: bytes, name: str, *, title: str = "The cut brake line", alt_text: str = ""):  # noqa: ANN001, ANN201
    """Attach a file to a post through its media page; return the response."""
    fields = {"file": SimpleUploadedFile(name, data), "title": title, "alt_text": alt_text}
    return client.post(f"/staff/posts/{post.pk}/media/", fields)
