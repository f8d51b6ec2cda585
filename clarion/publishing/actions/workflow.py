"""The editorial workflow: draft → in review → scheduled or published → corrected / retracted.

- Approval is of one revision, and of everything a reader sees in it. With the two-person rule
  on (the default; switching it off takes two admins: `rule.py`), the editor who wrote that
  revision cannot approve it; the editor who kept a flagged passage of it with a reason cannot
  either; nobody can approve while a flag is open or while the check could not compare the
  draft with every linked tip. Wagtail lets a member of the approving group approve their own
  submission (its issue #1164): here the rule is checked in `do_approve_post`, whatever the
  caller, role or flag.
- Publishing fills in the revision's readable text and copies its details onto the post: the
  first moment anything of it is readable at rest. A revision approved for later waits sealed
  to the running server's embargo key (`embargo.py`).
- A retraction takes effect at once, by one editor: it only takes away, and a post that
  endangers someone must not wait for a second person.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from clarion import vault
from clarion.audit.log import record
from clarion.publishing import embargo, media_store, search
from clarion.publishing.actions.common import LOCKED_LATEST, Purged, WorkflowError, open_revision
from clarion.publishing.actions.drafts import media_key
from clarion.publishing.actions.review import (
    CheckResult,
    decisions_of,
    do_run_redaction_check,
    open_flags,
    stored_check,
)
from clarion.publishing.caching import drop_public_pages
from clarion.publishing.content import RevisionContent
from clarion.publishing.models import Category, Correction, Media, Post, PublishedMedia, Revision, SiteSettings, Tag
from clarion.publishing.rendering import render_markdown
from clarion.publishing.sealing import EditorKeys, Locked

logger = logging.getLogger(__name__)

TWO_PERSON_RULE = gettext_lazy("You wrote this revision, so a second editor must approve it (the two-person rule).")


def do_submit_post(*, actor: User, post: Post, keys: EditorKeys) -> None:
    """Ask a second editor to review the latest revision; every flag must be resolved first.

    The redaction check runs again first, as the sender sees the linked tips; it is kept even
    when sending is refused, so that the post's page shows what it found.
    """
    with transaction.atomic():
        problem = _submit_problem(actor=actor, post=post, keys=keys)
        if problem is None:
            post.state = Post.State.IN_REVIEW
            post.save(update_fields=["state"])
            latest = cast(Revision, post.latest_revision)  # _submit_problem refuses a post without one
            record(actor=actor, action="post.submit", subject=post, detail=f"revision {latest.number}")
    if problem is not None:
        raise WorkflowError(problem)


def _submit_problem(*, actor: User, post: Post, keys: EditorKeys) -> str | None:
    if post.state != Post.State.DRAFT:
        return _("Only a draft can be sent for review.")
    latest = post.latest_revision
    purged = _("The latest revision was purged: edit the post to write a new one first.")
    if latest is None or latest.is_purged or not hasattr(latest, "redaction_check"):
        return purged
    try:
        result = do_run_redaction_check(revision=latest, actor=actor, keys=keys)
    except Locked:
        return str(LOCKED_LATEST)
    except Purged:  # pragma: no cover - checked above
        return purged
    still_open = open_flags(result.flags, decisions_of(post, keys))
    if still_open:
        return ngettext(
            "%(count)d redaction flag is not resolved: redact it or keep it with a reason before sending the "
            "post for review.",
            "%(count)d redaction flags are not resolved: redact them or keep them with a reason before "
            "sending the post for review.",
            len(still_open),
        ) % {"count": len(still_open)}
    return None


def approval_problems(*, actor: User, post: Post, revision: Revision, keys: EditorKeys) -> list[str]:
    """Return why `actor` may not approve `revision` now (empty when they may), from its stored check: a read."""
    return _approval_problems(
        actor=actor, post=post, revision=revision, keys=keys, check=lambda: stored_check(revision, keys)
    )


def _approval_problems(
    *,
    actor: User,
    post: Post,
    revision: Revision,
    keys: EditorKeys,
    check: Callable[[], CheckResult | None],
) -> list[str]:
    problems = []
    if post.state != Post.State.IN_REVIEW:
        problems.append(_("Only a post in review can be approved: send it for review first."))
    if revision.pk != post.latest_revision.pk:  # type: ignore[union-attr]  # `revision` is one of its revisions
        problems.append(_("A newer revision was saved since you opened this page: review that one."))
    if SiteSettings.current().require_second_editor and revision.created_by_id == actor.pk:
        problems.append(str(TWO_PERSON_RULE))
    try:
        result = check()
    except Locked:
        return [*problems, str(LOCKED_LATEST)]
    except Purged:
        return [*problems, _("This revision was purged: it cannot be approved.")]
    if result is None:
        return [*problems, _("This revision was never checked: edit the post to save it again.")]
    if result.check.tips_not_compared:
        problems.append(
            _(
                "The draft could not be compared with %(count)s linked tip(s): an editor who reads those tips "
                "must run the redaction check before approval."
            )
            % {"count": result.check.tips_not_compared}
        )
    decisions = decisions_of(post, keys)
    still_open = open_flags(result.flags, decisions)
    if still_open:
        problems.append(
            _("%(count)s redaction flag(s) are not resolved: redact them or keep them with a reason.")
            % {"count": len(still_open)}
        )
    flagged = {flag["key"] for flag in result.flags}
    if any(decision.decided_by_id == actor.pk for key, decision in decisions.items() if key in flagged):
        problems.append(
            _(
                "You kept a flagged passage of this revision with a reason, so another editor must approve it: "
                "justifying a passage and approving it are two people's work."
            )
        )
    return problems


def _media_keys(post: Post, content: RevisionContent, keys: EditorKeys) -> dict[str, vault.AgeIdentityStr]:
    media = Media.objects.filter(post=post, pk__in=content.media_ids)
    return {str(item.pk): media_key(item, keys) for item in media}


def do_approve_post(
    *,
    actor: User,
    post: Post,
    revision: Revision,
    keys: EditorKeys,
    publish_at: dt.datetime | None = None,
) -> None:
    """Approve `revision`: publish it now, or schedule it for `publish_at`.

    The redaction check runs again first, as the approver sees the linked tips; it is kept
    even when approval is refused, so that the post's page shows what it found.
    """
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        rule_on = SiteSettings.objects.select_for_update().get(pk=SiteSettings.current().pk).require_second_editor
        problems = _approval_problems(
            actor=actor,
            post=post,
            revision=revision,
            keys=keys,
            check=lambda: do_run_redaction_check(revision=revision, actor=actor, keys=keys),
        )
        if not problems:
            _approve(actor=actor, post=post, revision=revision, keys=keys, publish_at=publish_at, rule_on=rule_on)
    if problems:
        raise WorkflowError(" ".join(problems))


def _approve(
    *,
    actor: User,
    post: Post,
    revision: Revision,
    keys: EditorKeys,
    publish_at: dt.datetime | None,
    rule_on: bool,
) -> None:
    content = open_revision(revision, keys)
    now = timezone.now()
    revision.approved_by = actor
    revision.approved_at = now
    revision.approved_under_rule = rule_on
    revision.save(update_fields=["approved_by", "approved_at", "approved_under_rule"])
    record(
        actor=actor,
        action="post.approve",
        subject=post,
        detail=f"revision {revision.number} two-person rule {'on' if rule_on else 'off'}",
    )
    media_keys = _media_keys(post, content, keys)
    if publish_at is not None and publish_at > now:
        revision.embargoed = _embargo(content, media_keys)
        revision.save(update_fields=["embargoed"])
        post.state = Post.State.SCHEDULED
        post.scheduled_revision = revision
        post.publish_at = publish_at
        post.save(update_fields=["state", "scheduled_revision", "publish_at"])
        return
    _publish(post, revision, content=content, media_keys=media_keys, now=now)


def _embargo(content: RevisionContent, media_keys: dict[str, vault.AgeIdentityStr]) -> bytes:
    payload = {"content": content.to_json().decode(), "media_keys": media_keys}
    return embargo.seal(json.dumps(payload).encode())


def can_publish_on_time(revision: Revision) -> bool:
    """Return whether this server can still open a scheduled revision's embargoed copy (not after a restart)."""
    try:
        embargo.open_sealed(revision.embargoed or b"")
    except vault.DecryptionError:
        return False
    return True


@transaction.atomic
def do_rearm_schedule(*, actor: User, post: Post, keys: EditorKeys) -> None:
    """Seal a scheduled revision again for this server's embargo key (the server restarted since approval).

    The revision stays the one a second editor approved: only its copy for the worker is remade.
    """
    post = Post.objects.select_for_update().get(pk=post.pk)
    revision = post.scheduled_revision
    if post.state != Post.State.SCHEDULED or revision is None:
        raise WorkflowError(_("Only a scheduled post waits for its time."))
    content = open_revision(revision, keys)
    revision.embargoed = _embargo(content, _media_keys(post, content, keys))
    revision.save(update_fields=["embargoed"])
    record(actor=actor, action="post.rearm_schedule", subject=post, detail=f"revision {revision.number}")


def _publish(
    post: Post,
    revision: Revision,
    *,
    content: RevisionContent,
    media_keys: dict[str, vault.AgeIdentityStr],
    now: dt.datetime,
) -> None:  # noqa: E501
    """Make `revision` what readers see: its text readable, its details on the post, its files served."""
    media = {item.pk: item for item in Media.objects.filter(post=post, pk__in=content.media_ids)}
    uses = [use for use in content.media if use.media_id in media]
    revision.title = content.title
    revision.summary = content.summary
    revision.body = content.body
    revision.addressed_to = content.addressed_to
    revision.signatories = content.signatories
    revision.correction = content.correction
    images = {media[use.media_id].filename: media[use.media_id].get_absolute_url() for use in uses}
    revision.body_html = render_markdown(content.body, media=images)
    revision.embargoed = None
    revision.save()
    previous = set(
        PublishedMedia.objects.filter(revision_id=post.published_revision_id).values_list("media", flat=True)  # type: ignore[misc]  # None matches no row
    )
    PublishedMedia.objects.filter(revision=revision).delete()
    for position, use in enumerate(uses):
        item = media[use.media_id]
        data = vault.decrypt(media_store.read_sealed(item.token), [media_keys[str(item.pk)]])
        media_store.save(item.filename, data)
        PublishedMedia.objects.create(
            revision=revision, media=item, title=use.title, alt_text=use.alt_text, position=position
        )
    for item in Media.objects.filter(pk__in=previous - set(media)):
        media_store.delete(item.filename)  # no longer public: its readable copy goes

    was_public = post.is_public
    byline_editor = get_user_model().objects.filter(pk=content.byline_editor_id).first()  # type: ignore[misc]  # None matches no row
    post.byline_editor = byline_editor
    post.byline_name = content.byline_name if byline_editor is not None else ""
    post.category = Category.objects.filter(pk=content.category_id).first()  # type: ignore[misc]  # None matches no row
    post.pinned = content.pinned and not post.is_retracted
    post.show_corroboration = content.show_corroboration
    post.published_revision = revision
    post.scheduled_revision = None
    post.publish_at = None
    post.state = Post.State.PUBLISHED
    post.first_published_at = post.first_published_at or now
    post.public_updated_at = now
    post.corroborating_tips = post.tip_links.count()
    post.save()
    post.tags.set(Tag.objects.filter(pk__in=content.tag_ids))
    if was_public and revision.correction.strip():
        Correction.objects.create(post=post, revision=revision, text=revision.correction.strip(), published_at=now)
    search.index_post(post)
    record(actor=None, action="post.publish", subject=post, detail=f"revision {revision.number}")
    drop_public_pages()


def do_publish_due_posts(*, now: dt.datetime | None = None) -> int:
    """Publish every scheduled post whose time has come; return how many.

    A revision approved before the server restarted cannot be opened any more: it stays
    scheduled, and its page asks an editor to confirm the schedule.
    """
    now = now or timezone.now()
    published = 0
    for post_id in Post.objects.filter(state=Post.State.SCHEDULED, publish_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            post = Post.objects.select_for_update().filter(pk=post_id, state=Post.State.SCHEDULED).first()
            if post is None or post.scheduled_revision is None:
                continue
            revision = post.scheduled_revision
            try:
                payload = json.loads(embargo.open_sealed(revision.embargoed or b""))
            except vault.DecryptionError:
                logger.warning("Scheduled post %s waits for an editor to confirm its schedule.", post.pk)
                continue
            content = RevisionContent.from_json(payload["content"].encode())
            _publish(post, revision, content=content, media_keys=payload["media_keys"], now=now)
            published += 1
    return published


@transaction.atomic
def do_retract_post(*, actor: User, post: Post, notice: str, withdraw_text: bool) -> None:
    """Retract a published post now: it stays reachable, with the notice and its date."""
    if not post.is_public:
        raise WorkflowError(_("Only a published post can be retracted; a draft can simply be left unpublished."))
    if not notice.strip():
        raise WorkflowError(_("Say why the post is retracted: readers see this notice."))
    post.retracted_at = timezone.now()
    post.retraction_notice = notice.strip()
    post.retraction_withdraws_text = withdraw_text
    post.public_updated_at = post.retracted_at
    post.pinned = False
    post.save()
    search.index_post(post)
    record(actor=actor, action="post.retract", subject=post)
    drop_public_pages()
