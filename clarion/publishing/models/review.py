"""The review of drafts: redaction checks and decisions, links to tips, and the publishing key.

Everything here that could hold a draft's words or a source's is sealed (age ciphertext):
check flags quote the draft, decisions quote the flagged passage. The publishing key's secret
exists only wrapped to each editor's own identity, as a tip's keys are wrapped to its reviewers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clarion.intake.models import Tip
from clarion.publishing.models.posts import Post, Revision
from clarion.vault import AgeRecipientStr


class RedactionCheck(models.Model):
    """The redaction check of one revision: its flags (sealed as the revision is), and whether every
    linked tip was compared.

    Comparing a draft with the source's own words needs the tips decrypted, which only a
    reviewer who reads them can do; a revision saved by someone who cannot read every linked
    tip is marked incomplete, and cannot be approved until a reader runs the check again.
    """

    revision = models.OneToOneField(Revision, on_delete=models.CASCADE, related_name="redaction_check")
    sealed_flags = models.BinaryField(help_text=_("age ciphertext of the flags, sealed as the revision"))
    tips_compared = models.PositiveIntegerField(default=0)
    tips_not_compared = models.PositiveIntegerField(default=0)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    checked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Redaction check of revision {self.revision_id}"


class RedactionDecision(models.Model):
    """An editor's decision to keep a flagged passage, with the reason (sealed; staff-only).

    `key_digest` is an HMAC of the flag's key under the publishing secret, so that a decision
    is found and kept unique without the passage itself being readable.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="redaction_decisions")
    key_digest = models.CharField(max_length=64)
    source_words = models.BooleanField(default=False, help_text=_("Keeps words of a linked tip."))
    sealed = models.BinaryField(help_text=_("age ciphertext of the flag's key and the reason"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "key_digest"], name="one_decision_per_flag")]

    def __str__(self) -> str:
        return "Kept passage"


class TipLink(models.Model):
    """A tip that a post draws on. Internal: never shown publicly, in feeds, HTML or URLs."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="tip_links")
    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "tip"], name="one_link_per_tip")]

    def __str__(self) -> str:
        return f"Post {self.post_id} draws on a tip"


class PublishingKey(models.Model):
    """The site's publishing identity (its public half): every draft is sealed to it."""

    public_key: models.CharField[str, AgeRecipientStr] = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("publishing key")

    def __str__(self) -> str:
        return "Publishing key"


class PublishingKeyWrap(models.Model):
    """The publishing secret, encrypted to one editor's identity. Revoking deletes the row."""

    key = models.ForeignKey(PublishingKey, on_delete=models.CASCADE, related_name="wraps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    recipient: models.CharField[str, AgeRecipientStr] = models.CharField(max_length=100)
    wrapped = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "recipient"], name="one_publishing_wrap_per_recipient")]

    def __str__(self) -> str:
        return f"publishing key of {self.user}"
