"""Writing posts: revisions, media, comments, drafts from tips, and purging what should not be kept.

Every change to what a reader would see — words, byline, category, tags, pinning, the
corroboration count, a file and its caption — is a new revision, checked for what could
identify a source and sealed; a public post keeps showing its approved revision until a
second editor approves the new one (the security review's H1 and M1).
"""

from __future__ import annotations

import json

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clarion import vault
from clarion.audit.log import record
from clarion.audit.models import SubjectType
from clarion.intake.models import Tip
from clarion.publishing import media_store
from clarion.publishing.actions.common import WorkflowError, base_content
from clarion.publishing.actions.review import (
    check_new_revision,
    redaction_pattern,
    stored_flags,
)
from clarion.publishing.content import MediaUse, RevisionContent
from clarion.publishing.models import (
    EditorialComment,
    Media,
    Post,
    RedactionCheck,
    RedactionDecision,
    Revision,
    RevisionQuote,
    TipLink,
)
from clarion.publishing.sealing import EditorKeys, publishing_recipient, seal, unseal
from clarion.vault import AgeRecipientStr


def _save_revision(
    *, post: Post, actor: User, content: RevisionContent, keys: EditorKeys, base: Revision | None
) -> Revision:
    number = (post.revisions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    revision = Revision.objects.create(post=post, number=number, created_by=actor, sealed=b"")
    check_new_revision(revision=revision, content=content, actor=actor, keys=keys, base=base)
    return revision


@transaction.atomic
def do_create_post(*, actor: User, kind: str, slug: str, content: RevisionContent, keys: EditorKeys) -> Post:
    """Start a post as a draft with its first revision."""
    post = Post.objects.create(kind=kind, slug=slug)
    _save_revision(post=post, actor=actor, content=content, keys=keys, base=None)
    record(actor=actor, action="post.create", subject=post)
    return post


@transaction.atomic
def do_save_post(
    *,
    actor: User,
    post: Post,
    content: RevisionContent,
    keys: EditorKeys,
    kind: str | None = None,
    slug: str | None = None,
) -> Revision:
    """Save a new revision (its files come from the one it builds on unless `content` says otherwise).

    A scheduled or published post goes back to draft: its approval was of other words. A
    published post keeps its kind and address: readers and links already use them.
    """
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.is_public and ((kind and kind != post.kind) or (slug and slug != post.slug)):
        raise WorkflowError(_("A published post keeps its kind and address: readers and links already use them."))
    base, _opened = base_content(post, keys)
    if not post.is_public and (kind or slug):
        post.kind = kind or post.kind
        post.slug = slug or post.slug
        post.save(update_fields=["kind", "slug"])
    revision = _save_revision(post=post, actor=actor, content=content, keys=keys, base=base)
    record(actor=actor, action="post.save", subject=post, detail=f"revision {revision.number}")
    if post.state in (Post.State.SCHEDULED, Post.State.PUBLISHED):
        _back_to_draft(post)
    return revision


def _back_to_draft(post: Post) -> None:
    if post.scheduled_revision_id:
        Revision.objects.filter(pk=post.scheduled_revision_id).update(embargoed=None)
    post.state = Post.State.DRAFT
    post.scheduled_revision = None
    post.publish_at = None
    post.save(update_fields=["state", "scheduled_revision", "publish_at"])


@transaction.atomic
def do_redact_flagged(*, actor: User, post: Post, key: str, keys: EditorKeys) -> Revision:
    """Save a new revision with every occurrence of one flagged passage replaced by [redacted], captions included."""
    base, content = base_content(post, keys)
    latest = post.latest_revision
    if (
        base is None
        or content is None
        or latest is None
        or base.pk != latest.pk
        or not hasattr(latest, "redaction_check")
    ):
        raise WorkflowError(_("This flag is not on the latest revision any more."))
    flagged = next((f for f in stored_flags(latest.redaction_check, keys) if f["key"] == key), None)
    if flagged is None:
        raise WorkflowError(_("This flag is not on the latest revision any more."))
    redacted = content.redacted(redaction_pattern(flagged["text"]))
    revision = do_save_post(actor=actor, post=post, content=redacted, keys=keys)
    record(actor=actor, action="post.redact_flag", subject=post, detail=f"revision {revision.number}")
    return revision


@transaction.atomic
def do_request_changes(*, actor: User, post: Post, comment: str) -> None:
    """Send a post in review back to draft, with what should change (the comment is sealed)."""
    if post.state not in (Post.State.IN_REVIEW, Post.State.SCHEDULED):
        raise WorkflowError(_("Only a post in review or scheduled can be sent back."))
    _back_to_draft(post)
    EditorialComment.objects.create(post=post, author=actor, sealed=seal(comment.encode()))
    record(actor=actor, action="post.send_back", subject=post)


def comments_of(post: Post, keys: EditorKeys) -> list[dict]:
    """Return the editors' comments on a post, opened."""
    return [
        {"author": comment.author, "created_at": comment.created_at, "text": unseal(comment.sealed, keys=keys).decode()}
        for comment in post.comments.select_related("author")
    ]


@transaction.atomic
def do_link_tip(*, actor: User, post: Post, tip: Tip) -> TipLink:
    """Link a tip the actor reads to a post (staff-only; checked by the caller's gatekeeper)."""
    link, _created = TipLink.objects.get_or_create(post=post, tip=tip, defaults={"linked_by": actor})
    record(actor=actor, action="post.link_tip", subject=tip, detail=f"post {post.pk}")
    return link


@transaction.atomic
def do_start_draft_from_tip(
    *,
    actor: User,
    tip: Tip,
    kind: str,
    slug: str,
    title: str,
    quotes: list[str],
    keys: EditorKeys,
) -> Post:
    """Start a draft linked to a tip; only the passages the editor chose enter it, as quotes, sealed."""
    body = "\n\n".join("> " + quote.strip().replace("\n", "\n> ") for quote in quotes if quote.strip())
    post = Post.objects.create(kind=kind, slug=slug)
    do_link_tip(actor=actor, post=post, tip=tip)
    _save_revision(post=post, actor=actor, content=RevisionContent(title=title, body=body), keys=keys, base=None)
    record(actor=actor, action="post.create", subject=post, detail="from a tip")
    return post


# --- media ----------------------------------------------------------------------------------------


def media_report(media: Media, keys: EditorKeys) -> list[str]:
    """Return what the scrubber removed from a file (it can name a camera or an author)."""
    return json.loads(unseal(media.sealed_report, keys=keys))


def media_key(media: Media, keys: EditorKeys) -> vault.AgeIdentityStr:
    """Return the file's own age key, opened with the publishing key."""
    return vault.unwrap_secrets(bytes(media.key_wrap), [keys.publishing.identity])["media"]


def open_media(media: Media, keys: EditorKeys) -> bytes:
    """Return the scrubbed file, decrypted for an editor's preview."""
    return vault.decrypt(media_store.read_sealed(media.token), [media_key(media, keys)])


def do_add_media(*, actor: User, post: Post, data: bytes, title: str, alt_text: str, keys: EditorKeys) -> Media:
    """Scrub an uploaded image or PDF, keep only the clean copy (encrypted), and save a revision that carries it.

    Raise scrub.ScrubError or WorkflowError. On a public post the file reaches readers only
    when a second editor approves that revision.
    """
    from clarion import scrub  # Pillow, pikepdf and pdfminer: loaded by the processes that need them

    clean = scrub.scrub_file(data)
    kind = Media.Kind.DOCUMENT if clean.media_type == "application/pdf" else Media.Kind.IMAGE
    if kind == Media.Kind.IMAGE and not alt_text.strip():
        raise WorkflowError(_("Describe what the image shows (alt text): readers who cannot see it rely on it."))
    file_key = vault.generate_keypair()
    media = Media(
        post=post,
        kind=kind,
        media_type=clean.media_type,
        extension=clean.extension,
        size=len(clean.data),
        width=clean.width,
        height=clean.height,
        key_wrap=vault.wrap_secrets({"media": file_key.identity}, [publishing_recipient()]),
        sealed_report=seal(json.dumps(list(clean.removed)).encode()),
        uploaded_by=actor,
    )
    media_store.save_sealed(media.token, vault.encrypt(clean.data, [AgeRecipientStr(file_key.recipient)]))
    try:
        with transaction.atomic():
            _base, content = base_content(post, keys)
            content = content or RevisionContent(title="")
            media.save()
            use = MediaUse(media_id=media.pk, title=title, alt_text=alt_text)
            revision = do_save_post(
                actor=actor, post=post, content=content.with_changes(media=(*content.media, use)), keys=keys
            )
            detail = f"media {media.pk} revision {revision.number}"
            record(actor=actor, action="post.add_media", subject=post, detail=detail)
    except BaseException:
        media_store.delete_sealed(media.token)
        raise
    return media


@transaction.atomic
def do_remove_media(*, actor: User, post: Post, media: Media, keys: EditorKeys) -> Revision:
    """Save a revision without one file; readers of a public post keep it until that revision is approved."""
    _base, content = base_content(post, keys)
    if content is None or media.pk not in content.media_ids:
        raise WorkflowError(_("This file is not in the latest revision."))
    kept = tuple(use for use in content.media if use.media_id != media.pk)
    revision = do_save_post(actor=actor, post=post, content=content.with_changes(media=kept), keys=keys)
    record(actor=actor, action="post.remove_media", subject=post, detail=f"media {media.pk} revision {revision.number}")
    return revision


# --- purging ----------------------------------------------------------------------------------------


def purge_problems(revision: Revision) -> list[str]:
    """Return why a revision may not be purged (empty when it may)."""
    post = revision.post
    problems = []
    if revision.is_purged:
        problems.append(_("This revision was purged already."))
    if revision.pk in (post.published_revision_id, post.scheduled_revision_id):
        problems.append(_("Readers see this revision, or will at its scheduled time: it cannot be purged."))
    if post.latest_revision and revision.pk == post.latest_revision.pk:
        problems.append(_("This is the latest revision, the one editors work on: save a newer one first."))
    return problems


def _purge(revision: Revision, *, actor: User | None, reason: str) -> None:
    revision.sealed = None
    revision.embargoed = None
    for name in ("title", "summary", "body", "body_html", "addressed_to", "signatories", "correction"):
        setattr(revision, name, "")
    revision.purged_at = timezone.now()
    revision.purged_by = actor
    revision.purge_reason = reason
    revision.save()
    RedactionCheck.objects.filter(revision=revision).delete()
    RevisionQuote.objects.filter(revision=revision).delete()
    revision.published_media.all().delete()
    record(
        actor=actor,
        action="post.purge_revision",
        subject=(SubjectType.POST, revision.post_id),
        detail=f"revision {revision.number} {reason}",
    )


@transaction.atomic
def do_purge_revision(*, actor: User, revision: Revision) -> None:
    """Destroy what an old revision said (say, a staff number redacted since); keep that it existed."""
    revision = Revision.objects.select_for_update().select_related("post").get(pk=revision.pk)
    problems = purge_problems(revision)
    if problems:
        raise WorkflowError(" ".join(problems))
    _purge(revision, actor=actor, reason="by an editor")


def purge_quotes_of(tip: Tip) -> None:
    """Destroy every unpublished revision that holds the tip's words, and kept passages of them.

    Called when the tip is destroyed (retention): "destroying a tip destroys the unpublished
    quotes of it". What was published stays: readers already have it.
    """
    quoting = Revision.objects.filter(quotes__tip=tip, purged_at__isnull=True).select_related("post").distinct()
    for revision in quoting:
        post = Post.objects.select_for_update().get(pk=revision.post_id)
        if revision.pk == post.published_revision_id:
            continue
        if revision.pk == post.scheduled_revision_id or post.state == Post.State.IN_REVIEW:
            _back_to_draft(post)
        _purge(revision, actor=None, reason="tip destroyed")
    linked_posts = TipLink.objects.filter(tip=tip).values("post")
    RedactionDecision.objects.filter(post__in=linked_posts, source_words=True).delete()
