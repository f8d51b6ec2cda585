"""Decide which posts and files a reader or an editor opens.

Like every `access_*` function, each returns the object or raises Http404, with one answer
for "missing" and "not yours", and checks every condition itself, the role included.

Readers are anonymous by design: the public site touches no session (docs/design.md: a reader gets
no cookie), so the reader's gatekeepers take no actor and decide on what was published alone.
Editors are people: their gatekeepers take the acting editor (`actor`).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from clarion.accounts.roles import Actor, is_editor
from clarion.publishing.models import Media, Post, PublishedMedia

NO_POST = "No such post."
NO_FILE = "No such file."


def access_post_for_reader(*, slug: str, page: bool = False) -> Post:
    """Return a published post (or static page) by slug; Http404 for drafts and unknown slugs alike."""
    kind_filter = Q(kind=Post.Kind.PAGE) if page else ~Q(kind=Post.Kind.PAGE)
    post = (
        Post.objects.public()
        .filter(kind_filter, slug=slug)
        .select_related("published_revision", "category", "byline_editor")
        .first()
    )
    if post is None:
        raise Http404(NO_POST)
    return post


def access_media_for_reader(*, name: str) -> Media:
    """Return a file of a post's published revision by its public name; Http404 otherwise.

    A file only in a draft, in a revision waiting for approval, in a revision no longer
    published or of a retraction that withdrew the text answers as a missing one.
    """
    token, _dot, extension = name.partition(".")
    item = Media.objects.filter(token=token, extension=f".{extension}").select_related("post").first()
    if item is None:
        raise Http404(NO_FILE)
    post = item.post
    if not post.is_public:
        raise Http404(NO_FILE)
    if post.is_retracted and post.retraction_withdraws_text:
        raise Http404(NO_FILE)
    if not PublishedMedia.objects.filter(revision_id=post.published_revision_id, media=item).exists():  # type: ignore[misc]  # None matches no row
        raise Http404(NO_FILE)
    return item


def posts_for_editor(*, actor: Actor) -> QuerySet[Post]:
    """Return every post, which an editor may all see; Http404 for anyone else."""
    if not is_editor(actor):
        raise Http404(NO_POST)
    return Post.objects.all()


def access_post_for_editor(*, actor: Actor, post_id: int) -> Post:
    """Return a post, draft or published, for an editor; Http404 for unknown ids and non-editors alike."""
    if not is_editor(actor):
        raise Http404(NO_POST)
    post = Post.objects.select_related("category", "byline_editor").filter(pk=post_id).first()
    if post is None:
        raise Http404(NO_POST)
    return post


def access_media_for_editor(*, actor: Actor, name: str) -> Media:
    """Return any post's file by its name, published or not, for an editor; Http404 otherwise."""
    if not is_editor(actor):
        raise Http404(NO_FILE)
    token, _dot, extension = name.partition(".")
    item = Media.objects.filter(token=token, extension=f".{extension}").first()
    if item is None:
        raise Http404(NO_FILE)
    return item
