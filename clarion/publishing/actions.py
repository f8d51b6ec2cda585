"""Every change to a post, in one place: check, change, record, then drop cached pages.

The editorial workflow: draft → in review → scheduled or published → corrected / retracted.

- Every save makes a new `Revision` (who, when) and runs the redaction check on it.
- Approval is of one revision. With the two-person rule on (the default), the editor who
  wrote that revision cannot approve it; and nobody can approve while a redaction flag is
  open or while the check could not compare the draft with every linked tip. Wagtail lets a
  member of the approving group approve their own submission (its issue #1164): here the rule
  is checked in `do_approve_post`, whatever the caller.
- A retraction takes effect at once, by one editor: it only takes away, and a post that
  endangers someone must not wait for a second person.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from clarion.casework import audit
from clarion.intake.models import Tip
from clarion.publishing import media_store, search
from clarion.publishing.caching import drop_public_pages
from clarion.publishing.models import (
    Category,
    Correction,
    EditorialComment,
    Media,
    Post,
    RedactionCheck,
    RedactionDecision,
    Revision,
    SiteSettings,
    Tag,
    TipLink,
)
from clarion.publishing.redaction import FlagKind, check_text, parse_deny_list
from clarion.publishing.rendering import render_markdown
from clarion.publishing.sources import source_words_for
from clarion.vault import KeyPair

REDACTABLE_FIELDS = ("title", "summary", "addressed_to", "body", "correction")


class WorkflowError(Exception):
    """A step the workflow does not allow now; the message says why and what to do."""


@dataclass(frozen=True)
class RevisionContent:
    title: str
    summary: str = ""
    body: str = ""
    addressed_to: str = ""
    signatories: str = ""
    correction: str = ""


def _content_of(revision: Revision) -> RevisionContent:
    return RevisionContent(
        title=revision.title,
        summary=revision.summary,
        body=revision.body,
        addressed_to=revision.addressed_to,
        signatories=revision.signatories,
        correction=revision.correction,
    )


def checked_text(revision: Revision) -> str:
    """Return the words of a revision that the redaction check reads (signatories sign by name)."""
    parts = [getattr(revision, name) for name in REDACTABLE_FIELDS]
    return "\n\n".join(part for part in parts if part)


def run_redaction_check(*, revision: Revision, actor, keypair: KeyPair | None) -> RedactionCheck:  # noqa: ANN001
    """Check a revision for what could identify a source, and store the flags on it.

    The rules and the deny-list run every time. The comparison with the source's own words
    needs the linked tips, which only their readers can open: when `actor` cannot open them
    all but a reader already compared this very revision with every one, that reader's
    source-word flags are kept rather than overwritten by a less complete check.
    """
    tips = [link.tip for link in revision.post.tip_links.select_related("tip")]
    sources = source_words_for(tips=tips, user=actor, keypair=keypair)
    flags = [
        {"kind": str(f.kind), "text": f.text, "start": f.start, "end": f.end, "key": f.key, "label": f.label}
        for f in check_text(
            checked_text(revision),
            deny_list=parse_deny_list(SiteSettings.current().deny_list),
            source_texts=sources.texts,
        )
    ]
    defaults = {
        "flags": flags,
        "tips_compared": sources.compared,
        "tips_not_compared": sources.not_compared,
        "checked_by": actor,
        "checked_at": timezone.now(),
    }
    earlier = RedactionCheck.objects.filter(revision=revision).first()
    if sources.not_compared and earlier is not None and not earlier.tips_not_compared:
        source_kind = str(FlagKind.SOURCE_WORDS)
        defaults["flags"] = [f for f in flags if f["kind"] != source_kind] + [
            f for f in earlier.flags if f["kind"] == source_kind
        ]
        defaults["flags"].sort(key=lambda f: (f["start"], f["end"], f["kind"]))
        defaults.update(tips_compared=earlier.tips_compared, tips_not_compared=0, checked_by=earlier.checked_by)
    check, _ = RedactionCheck.objects.update_or_create(revision=revision, defaults=defaults)
    return check


def open_flags(post: Post, check: RedactionCheck) -> list[dict]:
    """Return the flags of a check that no editor has decided to keep."""
    kept = set(post.redaction_decisions.values_list("key", flat=True))
    seen: set[str] = set()
    result = []
    for flag in check.flags:
        if flag["key"] not in kept and flag["key"] not in seen:
            seen.add(flag["key"])
            result.append(flag)
    return result


def _save_revision(*, post: Post, actor, content: RevisionContent, keypair: KeyPair | None) -> Revision:  # noqa: ANN001
    latest = post.latest_revision
    revision = Revision.objects.create(
        post=post,
        number=(latest.number + 1) if latest else 1,
        title=content.title,
        summary=content.summary,
        body=content.body,
        body_html=render_markdown(content.body),
        addressed_to=content.addressed_to,
        signatories=content.signatories,
        correction=content.correction,
        created_by=actor,
    )
    run_redaction_check(revision=revision, actor=actor, keypair=keypair)
    return revision


@transaction.atomic
def do_create_post(*, actor, kind: str, slug: str, content: RevisionContent, keypair: KeyPair | None) -> Post:  # noqa: ANN001
    """Start a post as a draft with its first revision."""
    post = Post.objects.create(kind=kind, slug=slug)
    _save_revision(post=post, actor=actor, content=content, keypair=keypair)
    audit.record(actor=actor, action="post.create", detail=f"post {post.pk}")
    return post


@transaction.atomic
def do_save_post(*, actor, post: Post, content: RevisionContent, keypair: KeyPair | None) -> Revision:  # noqa: ANN001
    """Save a new revision. A scheduled post goes back to review: its approval was of other words."""
    post = Post.objects.select_for_update().get(pk=post.pk)
    revision = _save_revision(post=post, actor=actor, content=content, keypair=keypair)
    if post.state in (Post.State.SCHEDULED, Post.State.PUBLISHED):
        post.state = Post.State.DRAFT
        post.scheduled_revision = None
        post.publish_at = None
        post.save(update_fields=["state", "scheduled_revision", "publish_at"])
    return revision


@transaction.atomic
def do_set_post_details(
    *,
    actor,  # noqa: ANN001
    post: Post,
    kind: str,
    slug: str,
    category: Category | None,
    tags: list[Tag],
    byline_editor,  # noqa: ANN001 - a User, or None for the organisation
    byline_name: str,
    pinned: bool,
    show_corroboration: bool,
) -> None:
    """Set how a post is filed and signed (not its words: those are revisions, approved by two)."""
    if post.is_public and (kind != post.kind or slug != post.slug):
        raise WorkflowError("A published post keeps its kind and address: readers and links already use them.")
    post.kind = kind
    post.slug = slug
    post.category = category
    post.byline_editor = byline_editor
    post.byline_name = byline_name if byline_editor is not None else ""
    post.pinned = pinned
    post.show_corroboration = show_corroboration
    post.save(
        update_fields=["kind", "slug", "category", "byline_editor", "byline_name", "pinned", "show_corroboration"]
    )
    post.tags.set(tags)
    audit.record(actor=actor, action="post.details", detail=f"post {post.pk}")
    if post.is_public:
        drop_public_pages()


@transaction.atomic
def do_submit_post(*, actor, post: Post) -> None:  # noqa: ANN001
    """Ask a second editor to review the latest revision."""
    if post.state != Post.State.DRAFT:
        raise WorkflowError("Only a draft can be sent for review.")
    post.state = Post.State.IN_REVIEW
    post.save(update_fields=["state"])
    audit.record(actor=actor, action="post.submit", detail=f"post {post.pk}")


@transaction.atomic
def do_request_changes(*, actor, post: Post, comment: str) -> None:  # noqa: ANN001
    """Send a post in review back to draft, with what should change."""
    if post.state not in (Post.State.IN_REVIEW, Post.State.SCHEDULED):
        raise WorkflowError("Only a post in review or scheduled can be sent back.")
    post.state = Post.State.DRAFT
    post.scheduled_revision = None
    post.publish_at = None
    post.save(update_fields=["state", "scheduled_revision", "publish_at"])
    EditorialComment.objects.create(post=post, author=actor, text=comment)
    audit.record(actor=actor, action="post.send_back", detail=f"post {post.pk}")


def approval_problems(*, actor, post: Post, revision: Revision, keypair: KeyPair | None) -> list[str]:  # noqa: ANN001
    """Return why `actor` may not approve `revision` now (empty when they may)."""
    problems = []
    if post.state != Post.State.IN_REVIEW:
        problems.append("Only a post in review can be approved: send it for review first.")
    if revision.pk != post.latest_revision.pk:
        problems.append("A newer revision was saved since you opened this page: review that one.")
    if SiteSettings.current().require_second_editor and revision.created_by_id == actor.pk:
        problems.append("You wrote this revision, so a second editor must approve it (the two-person rule).")
    check = run_redaction_check(revision=revision, actor=actor, keypair=keypair)
    if check.tips_not_compared:
        problems.append(
            f"The draft could not be compared with {check.tips_not_compared} linked tip(s): an editor who "
            "reads those tips must run the redaction check before approval."
        )
    still_open = open_flags(post, check)
    if still_open:
        problems.append(
            f"{len(still_open)} redaction flag(s) are not resolved: redact them or keep them with a reason."
        )
    return problems


@transaction.atomic
def do_approve_post(
    *,
    actor,  # noqa: ANN001
    post: Post,
    revision: Revision,
    keypair: KeyPair | None,
    publish_at: dt.datetime | None = None,
) -> None:
    """Approve `revision`: publish it now, or schedule it for `publish_at`."""
    post = Post.objects.select_for_update().get(pk=post.pk)
    problems = approval_problems(actor=actor, post=post, revision=revision, keypair=keypair)
    if problems:
        raise WorkflowError(" ".join(problems))
    now = timezone.now()
    revision.approved_by = actor
    revision.approved_at = now
    revision.save(update_fields=["approved_by", "approved_at"])
    audit.record(actor=actor, action="post.approve", detail=f"post {post.pk} revision {revision.number}")
    if publish_at is not None and publish_at > now:
        post.state = Post.State.SCHEDULED
        post.scheduled_revision = revision
        post.publish_at = publish_at
        post.save(update_fields=["state", "scheduled_revision", "publish_at"])
        return
    _publish(post, revision, now=now)


def _publish(post: Post, revision: Revision, *, now: dt.datetime) -> None:
    was_public = post.is_public
    post.published_revision = revision
    post.scheduled_revision = None
    post.publish_at = None
    post.state = Post.State.PUBLISHED
    post.first_published_at = post.first_published_at or now
    post.public_updated_at = now
    post.corroborating_tips = post.tip_links.count()
    post.save()
    if was_public and revision.correction.strip():
        Correction.objects.create(post=post, revision=revision, text=revision.correction.strip(), published_at=now)
    search.index_post(post)
    audit.record(actor=None, action="post.publish", detail=f"post {post.pk} revision {revision.number}")
    drop_public_pages()


def publish_due(*, now: dt.datetime | None = None) -> int:
    """Publish every scheduled post whose time has come; return how many."""
    now = now or timezone.now()
    published = 0
    for post_id in Post.objects.filter(state=Post.State.SCHEDULED, publish_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            post = Post.objects.select_for_update().filter(pk=post_id, state=Post.State.SCHEDULED).first()
            if post is None or post.scheduled_revision is None:
                continue
            _publish(post, post.scheduled_revision, now=now)
            published += 1
    return published


@transaction.atomic
def do_retract_post(*, actor, post: Post, notice: str, withdraw_text: bool) -> None:  # noqa: ANN001
    """Retract a published post now: it stays reachable, with the notice and its date."""
    if not post.is_public:
        raise WorkflowError("Only a published post can be retracted; a draft can simply be left unpublished.")
    if not notice.strip():
        raise WorkflowError("Say why the post is retracted: readers see this notice.")
    post.retracted_at = timezone.now()
    post.retraction_notice = notice.strip()
    post.retraction_withdraws_text = withdraw_text
    post.public_updated_at = post.retracted_at
    post.pinned = False
    post.save()
    search.index_post(post)
    audit.record(actor=actor, action="post.retract", detail=f"post {post.pk}")
    drop_public_pages()


@transaction.atomic
def do_keep_flagged(*, actor, post: Post, key: str, reason: str) -> None:  # noqa: ANN001
    """Record an editor's decision to keep a flagged passage, with the reason."""
    if not reason.strip():
        raise WorkflowError("Give a reason for keeping this passage: the second editor reads it.")
    RedactionDecision.objects.update_or_create(
        post=post, key=key, defaults={"reason": reason.strip(), "decided_by": actor, "decided_at": timezone.now()}
    )


@transaction.atomic
def do_redact_flagged(*, actor, post: Post, key: str, keypair: KeyPair | None) -> Revision:  # noqa: ANN001
    """Save a new revision with every occurrence of one flagged passage replaced by [redacted]."""
    latest = post.latest_revision
    flagged = next((f for f in latest.redaction_check.flags if f["key"] == key), None)
    if flagged is None:
        raise WorkflowError("This flag is not on the latest revision any more.")
    content = _content_of(latest)
    # Every occurrence, in any case and with any spacing: one missed copy is enough to identify.
    pattern = re.compile(r"\s+".join(re.escape(word) for word in flagged["text"].split()), re.IGNORECASE)
    fields = {name: pattern.sub("[redacted]", getattr(content, name)) for name in REDACTABLE_FIELDS}
    return do_save_post(
        actor=actor,
        post=post,
        content=RevisionContent(**{**content.__dict__, **fields}),
        keypair=keypair,
    )


@transaction.atomic
def do_link_tip(*, actor, post: Post, tip: Tip) -> TipLink:  # noqa: ANN001
    """Link a tip the actor reads to a post (staff-only; checked by the caller's gatekeeper)."""
    link, _ = TipLink.objects.get_or_create(post=post, tip=tip, defaults={"linked_by": actor})
    audit.record(actor=actor, action="post.link_tip", tip_id=tip.pk, detail=f"post {post.pk}")
    return link


@transaction.atomic
def do_start_draft_from_tip(
    *,
    actor,  # noqa: ANN001
    tip: Tip,
    kind: str,
    slug: str,
    title: str,
    quotes: list[str],
    keypair: KeyPair,
) -> Post:
    """Start a draft linked to a tip; only the passages the editor chose enter it, as quotes."""
    body = "\n\n".join("> " + quote.strip().replace("\n", "\n> ") for quote in quotes if quote.strip())
    post = Post.objects.create(kind=kind, slug=slug)
    do_link_tip(actor=actor, post=post, tip=tip)
    _save_revision(post=post, actor=actor, content=RevisionContent(title=title, body=body), keypair=keypair)
    audit.record(actor=actor, action="post.create", tip_id=tip.pk, detail=f"post {post.pk} from tip")
    return post


def do_add_media(*, actor, post: Post, data: bytes, title: str, alt_text: str = "") -> Media:  # noqa: ANN001
    """Scrub an uploaded image or PDF and keep only the clean copy; raise scrub.ScrubError."""
    from clarion import scrub  # Pillow, pikepdf and pdfminer: loaded by the processes that need them

    clean = scrub.scrub_file(data)
    kind = Media.Kind.DOCUMENT if clean.media_type == "application/pdf" else Media.Kind.IMAGE
    if kind == Media.Kind.IMAGE and not alt_text.strip():
        raise WorkflowError("Describe what the image shows (alt text): readers who cannot see it rely on it.")
    media = Media(
        post=post,
        kind=kind,
        title=title,
        alt_text=alt_text,
        media_type=clean.media_type,
        extension=clean.extension,
        size=len(clean.data),
        width=clean.width,
        height=clean.height,
        removed=list(clean.removed),
        uploaded_by=actor,
    )
    media_store.save(media.filename, clean.data)
    with transaction.atomic():
        media.save()
        audit.record(actor=actor, action="post.add_media", detail=f"post {post.pk} media {media.pk}")
        if post.is_public:
            drop_public_pages()
    return media


def do_remove_media(*, actor, media: Media) -> None:  # noqa: ANN001
    """Delete a media file of a post, at once and for readers too."""
    post = media.post
    with transaction.atomic():
        media.delete()
        audit.record(actor=actor, action="post.remove_media", detail=f"post {post.pk}")
        if post.is_public:
            drop_public_pages()
    media_store.delete(media.filename)
