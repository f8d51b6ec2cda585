"""The public site's content: posts, their revisions, corrections, media, and what links them to tips.

Readers see only a post's *published revision*; editors work on newer revisions, and nothing
they write reaches the public page until a second editor approves it (the two-person rule,
`clarion/publishing/workflow.py`). Every revision is kept with who wrote it and when.

The link between a post and the tips behind it (`TipLink`) is staff-only: no public view,
feed, sitemap or URL reads it; the public page shows at most a count, when the editor chose to.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from clarion.intake.models import Tip


class SiteSettings(models.Model):
    """Publishing settings of this site (one row), edited by admins."""

    require_second_editor = models.BooleanField(
        default=True,
        help_text="Two-person rule: the editor who wrote a post's last revision cannot approve it; "
        "a second editor must. Turn off only where there is a single editor.",
    )
    deny_list = models.TextField(
        blank=True,
        help_text="Names and places the redaction check flags in drafts (staff rosters, sites, "
        "units), one per line. Lines starting with # are comments. Staff-only, never published.",
    )
    corrections_policy = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="A page."
    )
    sourcing_policy = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="A page."
    )
    # Bumped whenever anything public changes; every process drops its cached pages when it
    # sees a new value (clarion/publishing/caching.py), including the background worker's
    # scheduled publications.
    generation = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = "publishing settings"
        verbose_name_plural = "publishing settings"

    def __str__(self) -> str:
        return "Publishing settings"

    @classmethod
    def current(cls) -> SiteSettings:
        """Return the settings row, creating it with the defaults on first use."""
        found = cls.objects.order_by("pk").first()
        return found or cls.objects.create()


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("publishing:category", args=[self.slug])


class Tag(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("publishing:tag", args=[self.slug])


class PostQuerySet(models.QuerySet):
    def public(self) -> PostQuerySet:
        """Return the posts readers may open: published once (possibly corrected or retracted since)."""
        return self.filter(published_revision__isnull=False)

    def listed(self) -> PostQuerySet:
        """Return the public posts that lists, feeds and search show (no static pages)."""
        return self.public().exclude(kind=Post.Kind.PAGE)


class Post(models.Model):
    class Kind(models.TextChoices):
        REPORT = "report", "Report"
        LETTER = "letter", "Open letter"
        UPDATE = "update", "Update"
        PAGE = "page", "Page"

    class State(models.TextChoices):
        """Where the latest revision stands. What readers see is `published_revision`, kept
        apart: a published post being corrected is in draft again while readers still see the
        approved text. Corrected and retracted are shown from `corrections` and `retracted_at`."""

        DRAFT = "draft", "Draft"
        IN_REVIEW = "review", "In review"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REPORT)
    slug = models.SlugField(max_length=120, unique=True, help_text="The last part of the address.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts")
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")
    byline_editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty: signed by the organisation.",
    )
    byline_name = models.CharField(max_length=120, blank=True, help_text="The name shown for a named editor.")
    pinned = models.BooleanField(default=False, help_text="Shown first on the home page (open letters).")
    show_corroboration = models.BooleanField(
        default=False, help_text="Show 'corroborated by N tips' on the public page (the count only)."
    )
    # What readers see. A post edited after publication keeps showing this revision until a
    # second editor approves the new one.
    published_revision = models.ForeignKey(
        "Revision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scheduled_revision = models.ForeignKey(
        "Revision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    publish_at = models.DateTimeField(null=True, blank=True)
    first_published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    public_updated_at = models.DateTimeField(null=True, blank=True)
    corroborating_tips = models.PositiveIntegerField(
        default=0, help_text="Tips linked when it was last published (staff side)."
    )
    retracted_at = models.DateTimeField(null=True, blank=True)
    retraction_notice = models.TextField(blank=True)
    retraction_withdraws_text = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-first_published_at", "-pk"]
        indexes = [models.Index(fields=["kind", "state", "first_published_at"])]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        if self.kind == self.Kind.PAGE:
            return reverse("publishing:page", args=[self.slug])
        return reverse("publishing:post", args=[self.slug])

    @property
    def is_public(self) -> bool:
        return self.published_revision_id is not None

    @property
    def is_retracted(self) -> bool:
        return self.retracted_at is not None

    @property
    def status_label(self) -> str:
        """Return the state as editors read it, with 'corrected' and 'retracted' folded in."""
        if self.is_retracted:
            return "Retracted"
        label = self.get_state_display()
        if self.is_public and self.state != self.State.PUBLISHED:
            label = f"Published; new revision: {label.lower()}"
        elif self.is_public and self.corrections.exists():
            label = "Published, corrected"
        return label

    @property
    def latest_revision(self) -> Revision | None:
        return self.revisions.order_by("-number").first()

    @property
    def byline(self) -> str:
        if self.byline_editor_id is not None:
            return self.byline_name or self.byline_editor.get_full_name() or self.byline_editor.get_username()
        return ""


class Revision(models.Model):
    """One saved version of a post: what it said, who wrote it, when, and who approved it."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=400, blank=True)
    body = models.TextField(blank=True, help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False)
    addressed_to = models.CharField(max_length=200, blank=True, help_text="Open letters: to whom.")
    signatories = models.TextField(blank=True, help_text="Open letters: one name per line; empty = the organisation.")
    correction = models.TextField(
        blank=True, help_text="What this revision corrects, shown on the post with its date once approved."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["post", "number"]
        constraints = [models.UniqueConstraint(fields=["post", "number"], name="one_number_per_revision")]

    def __str__(self) -> str:
        return f"{self.post.slug} r{self.number}"

    @property
    def signatory_list(self) -> list[str]:
        return [line.strip() for line in self.signatories.splitlines() if line.strip()]


class Correction(models.Model):
    """A correction made public on a post, with its date (newsroom practice)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="corrections")
    revision = models.OneToOneField(Revision, on_delete=models.PROTECT, related_name="published_correction")
    text = models.TextField()
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["published_at", "pk"]

    def __str__(self) -> str:
        return f"Correction to {self.post_id} on {self.published_at:%Y-%m-%d}"


class EditorialComment(models.Model):
    """A note between editors on a post (e.g. the changes a reviewer asked for). Staff-only."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment on post {self.post_id}"


class RedactionCheck(models.Model):
    """The redaction check of one revision: its flags, and whether every linked tip was compared.

    Comparing a draft with the source's own words needs the tips decrypted, which only a
    reviewer who reads them can do; a revision saved by someone who cannot read every linked
    tip is marked incomplete, and cannot be approved until a reader runs the check again.
    """

    revision = models.OneToOneField(Revision, on_delete=models.CASCADE, related_name="redaction_check")
    flags = models.JSONField(default=list)  # [{"kind", "text", "start", "end", "key", "label"}]
    tips_compared = models.PositiveIntegerField(default=0)
    tips_not_compared = models.PositiveIntegerField(default=0)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    checked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Redaction check of revision {self.revision_id}"


class RedactionDecision(models.Model):
    """An editor's decision to keep a flagged passage, with the reason (staff-only)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="redaction_decisions")
    key = models.CharField(max_length=400)
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "key"], name="one_decision_per_flag")]

    def __str__(self) -> str:
        return f"Kept {self.key}"


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


def new_media_token() -> str:
    return secrets.token_hex(12)


class Media(models.Model):
    """A scrubbed image or PDF of a post. The uploaded original is never stored or served."""

    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        DOCUMENT = "document", "Document"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media")
    token = models.CharField(max_length=24, unique=True, default=new_media_token, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=200, help_text="Shown to readers; the file's own name is not kept.")
    alt_text = models.CharField(max_length=300, blank=True, help_text="Images: what the picture shows.")
    media_type = models.CharField(max_length=40)
    extension = models.CharField(max_length=8)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    removed = models.JSONField(default=list, help_text="What the scrubber removed, shown to editors.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("publishing:media", args=[self.filename])

    @property
    def filename(self) -> str:
        return f"{self.token}{self.extension}"


class SearchDocument(models.Model):
    """The public text of a published post, indexed for search (FTS5 or PostgreSQL)."""

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="search_document")
    title = models.TextField()
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Search text of post {self.post_id}"
