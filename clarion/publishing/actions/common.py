"""What every publishing action shares: its error, and opening a sealed revision."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from clarion.intake.models import Tip
from clarion.publishing.content import RevisionContent
from clarion.publishing.models import Post, Revision
from clarion.publishing.sealing import EditorKeys, Locked, unseal

__all__ = ["Locked", "Purged", "WorkflowError", "latest_readable", "open_revision", "sealed_layers"]

LOCKED_LATEST = _(
    "The latest revision quotes a tip you cannot read, word for word: only an editor who reads that tip "
    "can change it until the quote is redacted or kept with a reason."
)


class WorkflowError(Exception):
    """A step the workflow does not allow now; the message says why and what to do."""


class Purged(Exception):
    """The revision's content was purged (by an editor, or with the tip it quoted)."""


def sealed_layers(revision: Revision) -> list[Tip]:
    """Return the tips under whose case keys the revision is sealed (unredacted quotes of them)."""
    return [quote.tip for quote in revision.quotes.filter(sealed_under=True).select_related("tip")]


def open_revision(revision: Revision, keys: EditorKeys) -> RevisionContent:
    """Return what the revision says; raise Locked (quotes a tip the editor cannot read) or Purged."""
    if revision.is_purged or not revision.sealed:
        raise Purged
    return RevisionContent.from_json(unseal(revision.sealed, keys=keys, tips=sealed_layers(revision)))


def latest_readable(post: Post) -> Revision | None:
    """Return the newest revision that was not purged (the one a new revision builds on)."""
    return post.revisions.filter(purged_at__isnull=True).order_by("-number").first()


def base_content(post: Post, keys: EditorKeys) -> tuple[Revision | None, RevisionContent | None]:
    """Return the revision a new one builds on, opened; raise WorkflowError when it is not the editor's to open."""
    base = latest_readable(post)
    if base is None:
        return None, None
    try:
        return base, open_revision(base, keys)
    except Locked:
        raise WorkflowError(str(LOCKED_LATEST)) from None
