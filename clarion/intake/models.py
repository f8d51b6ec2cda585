"""Channels sources report through, and the encrypted tips they send.

Only workflow metadata is stored in the clear (ids, channel, times, sizes, counts). Answers,
messages, file names and file contents are age ciphertext before they touch the database or
the blob store (docs/design.md, property 1).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from clarion.vault import AgeRecipientStr, BlobName


def default_max_files() -> int:
    return settings.CLARION_MAX_FILES


def default_max_file_bytes() -> int:
    return settings.CLARION_MAX_FILE_BYTES


def default_max_submission_bytes() -> int:
    return settings.CLARION_MAX_SUBMISSION_BYTES


def default_daily_byte_budget() -> int:
    return settings.CLARION_CHANNEL_DAILY_BYTES


class ChannelQuerySet(models.QuerySet):
    def open(self) -> ChannelQuerySet:
        """Return the channels sources may send tips through."""
        return self.filter(is_open=True)


class Channel(models.Model):
    """A way in for tips about one kind of wrongdoing, with its own questions and readers."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(help_text="Shown to sources: what belongs in this channel.")
    receivers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="channels_received",
        help_text="Reviewers who can read the tips sent through this channel.",
    )
    allow_files = models.BooleanField(default=True)
    max_files = models.PositiveIntegerField(default=default_max_files)
    max_file_bytes = models.PositiveBigIntegerField(default=default_max_file_bytes)
    max_submission_bytes = models.PositiveBigIntegerField(default=default_max_submission_bytes)
    # Bounds the disk a flood of files can fill (M4); counted in clarion.web.throttle.
    daily_byte_budget = models.PositiveBigIntegerField(
        default=default_daily_byte_budget,
        help_text=_(
            "Bytes of files sources may send through this channel in 24 hours, tips and messages "
            "together. Past it, files are refused with a message; text is still accepted."
        ),
    )
    is_open = models.BooleanField(default=True, help_text="Closed channels accept no new tips.")
    # EU Directive 2019/1937 Art. 9(1)(b) and (f); national law or policy may shorten them.
    acknowledge_within_days = models.PositiveSmallIntegerField(
        default=7, help_text="Days to acknowledge receipt of a tip (the Directive's maximum: 7)."
    )
    feedback_within_months = models.PositiveSmallIntegerField(
        default=3, help_text="Months to give the source feedback (the Directive's maximum: 3)."
    )
    retain_closed_days = models.PositiveIntegerField(
        default=90, help_text="Days a closed tip is kept before it is destroyed (a warning goes out 72 hours ahead)."
    )
    position = models.PositiveIntegerField(default=0)

    objects = ChannelQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """One question of a channel's form, in order."""

    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", "Short text"
        LONG_TEXT = "long_text", "Long text"
        SINGLE_CHOICE = "single_choice", "Single choice"
        MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
        DATE = "date", "Date"
        YES_NO = "yes_no", "Yes / no"
        FILE = "file", "File"

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    label = models.CharField(max_length=300)
    help_text = models.CharField(max_length=500, blank=True)
    required = models.BooleanField(default=False)
    choices = models.TextField(blank=True, help_text="For choice questions: one option per line.")

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def field_name(self) -> str:
        return f"q{self.pk}"

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def clean(self) -> None:
        choice_kinds = {self.Kind.SINGLE_CHOICE, self.Kind.MULTIPLE_CHOICE}
        if self.kind in choice_kinds and len(self.choice_list) < 2:
            raise ValidationError({"choices": "A choice question needs at least two options, one per line."})
        if self.kind not in choice_kinds and self.choice_list:
            raise ValidationError({"choices": "Only choice questions have options; clear this box."})


class GuidancePage(models.Model):
    """A page of plain guidance for sources that admins edit (e.g. reporting to authorities)."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text; blank lines separate paragraphs; addresses become links.")

    def __str__(self) -> str:
        return self.title


class Tip(models.Model):
    """A committed submission. Its content is ciphertext; its keys are wrapped per holder."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="tips")
    received_at = models.DateTimeField()
    last_activity_at = models.DateTimeField()
    # HMAC of half the receipt's Argon2id output: the only stored trace of the receipt.
    lookup_id = models.CharField(max_length=64, unique=True)
    # age recipients: content is encrypted to these; the secret halves exist only wrapped.
    conversation_public_key: models.CharField[str, AgeRecipientStr] = models.CharField(max_length=100)
    case_public_key: models.CharField[str, AgeRecipientStr] = models.CharField(max_length=100)
    source_public_key: models.CharField[str, AgeRecipientStr] = models.CharField(max_length=100)
    answers = models.BinaryField(help_text="age ciphertext of the answers, to the conversation key")

    class Meta:
        indexes = [models.Index(fields=["channel", "-received_at"])]

    def __str__(self) -> str:
        return f"tip {str(self.id)[:8]}"


class KeyWrap(models.Model):
    """A tip's secret keys, encrypted to one holder's age recipient. Revoking deletes the row.

    A reviewer's wrap records how it came about (`via`): the channel gave it at submission, so
    taking the person off the channel takes it back; or a reader shared the tip, and only a
    revocation of that share takes it back.
    """

    class Holder(models.TextChoices):
        SOURCE = "source", "Source (receipt)"
        REVIEWER = "reviewer", "Reviewer"
        ORGANISATION = "organisation", "Offline organisation key"

    class Via(models.TextChoices):
        CHANNEL = "channel", "A receiver of the tip's channel"
        SHARE = "share", "Shared by a reader"

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="key_wraps")
    holder = models.CharField(max_length=20, choices=Holder.choices)
    via = models.CharField(max_length=10, choices=Via.choices, blank=True, help_text="Reviewers' wraps only.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    recipient: models.CharField[str, AgeRecipientStr] = models.CharField(max_length=100)
    wrapped = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tip", "recipient"], name="one_wrap_per_recipient"),
        ]
        # "May this reviewer read this tip?" is asked for every inbox row: one index probe.
        indexes = [models.Index(fields=["user", "tip"])]

    def __str__(self) -> str:
        return f"{self.get_holder_display()} key of {self.tip}"


class Message(models.Model):
    """A message in a tip's conversation, either way; the body is ciphertext."""

    class Author(models.TextChoices):
        SOURCE = "source", "Source"
        REVIEWER = "reviewer", "Reviewer"

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="messages")
    author = models.CharField(max_length=20, choices=Author.choices)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField()
    body = models.BinaryField(help_text="age ciphertext to the conversation key")

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_author_display()} message on {self.tip}"


class TipFile(models.Model):
    """A file of a tip: its name is ciphertext, its content an age blob in the store."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="files")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="files")
    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.SET_NULL)
    blob: models.CharField[str, BlobName] = models.CharField(max_length=80, unique=True)
    name = models.BinaryField(help_text="age ciphertext of the file's name")
    size = models.PositiveBigIntegerField(help_text="plaintext size in bytes")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"file {self.blob[:8]} of {self.tip}"


class SentForm(models.Model):
    """A submission form that was sent: one tip per form, however often it is posted.

    Named by a derivation of the form's one-time token; keeps the new tip's receipt sealed
    under another derivation of it until the receipt page shows it once, then wiped
    (see form_tokens.py). No link to the tip is stored.
    """

    id = models.CharField(max_length=64, primary_key=True)
    sent_at = models.DateTimeField()
    sealed_receipt = models.TextField(blank=True, help_text="the receipt, sealed until shown once; then empty")

    def __str__(self) -> str:
        return f"form sent at {self.sent_at:%Y-%m-%d %H:%M}"
