"""The reviewers' side of a tip: workflow state in the clear, notes and reasons as ciphertext.

What is stored in the clear is only what the inbox needs to sort and filter (docs/design.md: status,
labels, assignee, flags, times). Everything a reviewer writes in words — notes, triage
reasons, closure findings, a reopening reason — is age ciphertext to the tip's case key,
which the source never holds.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from clarion.accounts.roles import Actor
from clarion.casework.deadlines import DUE_SOON, DeadlinePolicy, next_deadline
from clarion.intake.models import Channel, KeyWrap, Tip

# No 0/O, 1/I/L or U: a reference is read aloud and copied by hand.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference(length: int = 4) -> str:
    """Return a short human id such as T-7Q3K (not a secret: it only names a case)."""
    return "T-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(length))


class Status(models.Model):
    """A step of the casework workflow; admins may rename, add or reorder them."""

    class Kind(models.TextChoices):
        NEW = "new", "New (not yet triaged)"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(
        max_length=10,
        choices=Kind.choices,
        default=Kind.OPEN,
        help_text="Leaving a 'new' status needs a triage record; entering a 'closed' one a closure record.",
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "statuses"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def initial(cls) -> Status:
        """Return the status a new tip starts in.

        Never fails, even if an admin removed every 'new' status: a tip is opened inside the
        source's submission, which must not be lost to a settings mistake.
        """
        status = cls.objects.filter(kind=cls.Kind.NEW).order_by("position", "pk").first()
        if status is None:
            status, _ = cls.objects.get_or_create(slug="new", defaults={"name": "New", "kind": cls.Kind.NEW})
        return status


class Label(models.Model):
    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# The inbox never decrypts: it needs none of a tip's ciphertext or keys (and rows stay narrow).
INBOX_NEVER_READS = ("answers", "lookup_id", "conversation_public_key", "case_public_key", "source_public_key")


class CaseFileQuerySet(models.QuerySet):
    def for_reviewer(self, user: User) -> CaseFileQuerySet:
        """Return the case files of tips the reviewer may read (see access.py for one tip)."""
        readable = KeyWrap.objects.filter(tip=OuterRef("tip"), holder=KeyWrap.Holder.REVIEWER, user=user)
        conflicted = ConflictOfInterest.objects.filter(tip=OuterRef("tip"), user=user)
        return self.filter(Exists(readable)).exclude(Exists(conflicted))

    def with_seen_by(self, user: User) -> CaseFileQuerySet:
        """Annotate `seen`: whether the reviewer opened the tip since its last activity."""
        seen = ReadMarker.objects.filter(tip=OuterRef("tip"), user=user, read_at__gte=OuterRef("tip__last_activity_at"))
        return self.annotate(seen=Exists(seen))

    def filtered(
        self,
        *,
        user: Actor,
        now: datetime,
        channel: Channel | None = None,
        status: Status | None = None,
        label: Label | None = None,
        assignee: str = "",
        unread: bool = False,
        deadline: str = "",
    ) -> CaseFileQuerySet:
        """Return the case files that match the inbox's filters (InboxFilterForm's cleaned data).

        `user` is the reviewer whose inbox this is (assignee "me"); `assignee` is "me", "none"
        or a person's id; `deadline` "overdue" or "soon" (due within DUE_SOON of `now`).
        `unread` needs `with_seen_by` first.
        """
        cases = self
        if channel:
            cases = cases.filter(tip__channel=channel)
        if status:
            cases = cases.filter(status=status)
        if label:
            cases = cases.filter(labels=label)
        if assignee == "me":
            cases = cases.filter(assignee=user)
        elif assignee == "none":
            cases = cases.filter(assignee__isnull=True)
        elif assignee:
            cases = cases.filter(assignee_id=assignee)
        if unread:
            cases = cases.filter(seen=False)
        if deadline == "overdue":
            cases = cases.filter(due_at__lt=now)
        elif deadline == "soon":
            cases = cases.filter(due_at__gte=now, due_at__lte=now + DUE_SOON)
        return cases

    def for_inbox(self) -> CaseFileQuerySet:
        """Fetch what an inbox row shows, in a fixed number of queries per page."""
        return (
            self.select_related("tip__channel", "status", "assignee")
            .defer(*(f"tip__{field}" for field in INBOX_NEVER_READS))
            .prefetch_related("labels")
        )


class CaseFile(models.Model):
    """The workflow state of one tip. Intake's Tip stays as the source left it."""

    tip = models.OneToOneField(Tip, on_delete=models.CASCADE, primary_key=True, related_name="case")
    reference = models.CharField(max_length=12, unique=True)
    status = models.ForeignKey(Status, on_delete=models.PROTECT, related_name="cases")
    labels = models.ManyToManyField(Label, blank=True, related_name="cases")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_cases"
    )
    important = models.BooleanField(default=False)
    # A copy of the tip's times, so that the inbox sorts and filters on one indexed table.
    received_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # EU Directive Art. 9: the first reply acknowledges receipt; a reply marked as feedback
    # gives it. The next step owed and its date are kept here so the inbox sorts on them.
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    feedback_given_at = models.DateTimeField(null=True, blank=True)
    due_step = models.CharField(max_length=20, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    reminded_step = models.CharField(max_length=20, blank=True, help_text="The deadline last reminded of.")
    # Retention: a closed tip is destroyed at destroy_after, unless someone postpones it.
    destroy_after = models.DateTimeField(null=True, blank=True)
    destruction_warned = models.BooleanField(default=False)

    objects = CaseFileQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["status", "-received_at"]),
            models.Index(fields=["assignee", "-received_at"]),
            models.Index(fields=["-received_at"]),
            models.Index(fields=["due_at"]),
            models.Index(fields=["destroy_after"]),
        ]

    def __str__(self) -> str:
        return self.reference

    def refresh_deadline(self) -> None:
        """Set the next step owed to the source and its date, from the channel's policy."""
        channel = self.tip.channel
        policy = DeadlinePolicy(
            acknowledge_within_days=channel.acknowledge_within_days,
            feedback_within_months=channel.feedback_within_months,
        )
        deadline = next_deadline(
            received_at=self.received_at,
            acknowledged_at=self.acknowledged_at,
            feedback_given_at=self.feedback_given_at,
            now=self.received_at,
            policy=policy,
        )
        self.due_step = deadline.step.value if deadline else ""
        self.due_at = deadline.due if deadline else None


class Triage(models.Model):
    """ISO 37002 triage: recorded before a tip may leave 'new'."""

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    class Outcome(models.TextChoices):
        INVESTIGATE = "investigate", "Investigate"
        REFER = "refer", "Refer to another body"
        NO_ACTION = "no_action", "No further action"
        NEED_INFO = "need_info", "Ask the source for more"

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="triages")
    category = models.CharField(max_length=100)
    in_scope = models.BooleanField()
    priority = models.CharField(max_length=10, choices=Priority.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reasons = models.BinaryField(help_text="age ciphertext to the case key")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"triage of {self.case}"


class ClosureQuerySet(models.QuerySet):
    def pending(self) -> ClosureQuerySet:
        """Return the proposals that wait for a second reader's approval."""
        return self.filter(approved_at__isnull=True, withdrawn_at__isnull=True)

    def approved(self) -> ClosureQuerySet:
        return self.filter(approved_at__isnull=False)


class Closure(models.Model):
    """ISO 37002 closure, in two steps: a reader proposes it, a different reader approves it.

    Only the approval moves the tip into the closed status the proposal names and starts the
    retention clock, so no single reader closes a tip for destruction (docs/design.md, property 10).
    A proposal is immutable: to change it, withdraw it and propose again.
    """

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="closures")
    status = models.ForeignKey(
        Status,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The closed status to enter."),
    )
    findings = models.BinaryField(help_text="age ciphertext to the case key")
    actions_taken = models.BinaryField(help_text="age ciphertext to the case key")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    proposed_at = models.DateTimeField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopen_reason = models.BinaryField(null=True, blank=True, help_text="age ciphertext to the case key")
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ClosureQuerySet.as_manager()

    class Meta:
        ordering = ["proposed_at", "pk"]
        constraints = [
            # Two readers proposing at once: one proposal waits, the other is refused.
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(approved_at__isnull=True, withdrawn_at__isnull=True),
                name="one_pending_closure_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"closure of {self.case}"

    @property
    def is_pending(self) -> bool:
        return self.approved_at is None and self.withdrawn_at is None


class Note(models.Model):
    """An internal note: ciphertext to the case key, which the source never holds."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    body = models.BinaryField(help_text="age ciphertext to the case key")

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"note on {self.tip}"


class ReadMarker(models.Model):
    """When a reviewer last opened a tip: a tip is unread for them if active since."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="read_markers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tip"], name="one_read_marker_per_reviewer")]

    def __str__(self) -> str:
        return f"read marker of {self.tip}"


class ConflictOfInterest(models.Model):
    """A reviewer's declaration that they must stay off a tip (the gatekeeper then denies it)."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="conflicts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    declared_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tip"], name="one_conflict_per_reviewer")]

    def __str__(self) -> str:
        return f"conflict declared on {self.tip}"
