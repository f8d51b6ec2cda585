"""Posts and their revisions, corrections, media and comments.

Readers see only a post's *published revision*; editors work on newer revisions, and nothing
they write reaches the public page until a second editor approves it (the two-person rule,
`clarion/publishing/actions/workflow.py`).

What a revision says — its words, byline, category, tags, pinning, the corroboration count and
its media with their captions — is one sealed document (`Revision.sealed`, age ciphertext:
clarion/publishing/sealing.py). Nothing of an unpublished revision is stored readable
(docs/design.md, property 1, drafts included). Publishing a revision fills in its readable columns
and copies its reader-visible details onto the post; those copies are what public pages,
feeds and search read, and only `_publish` writes them.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clarion.intake.models import Tip
from clarion.publishing.models.site import Category, Tag


class PostQuerySet(models.QuerySet):
    def public(self) -> PostQuerySet:
        """Return the posts readers may open: published once (possibly corrected or retracted since)."""
        return self.filter(published_revision__isnull=False)

    def listed(self) -> PostQuerySet:
        """Return the public posts that lists, feeds and search show (no static pages)."""
        return self.public().exclude(kind=Post.Kind.PAGE)


class Post(models.Model):
    class Kind(models.TextChoices):
        REPORT = "report", _("Report")
        LETTER = "letter", _("Open letter")
        UPDATE = "update", _("Update")
        PAGE = "page", _("Page")

    class State(models.TextChoices):
        """Where the latest revision stands. What readers see is `published_revision`, kept
        apart: a published post being corrected is in draft again while readers still see the
        approved text. Corrected and retracted are shown from `corrections` and `retracted_at`."""

        DRAFT = "draft", _("Draft")
        IN_REVIEW = "review", _("In review")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REPORT)
    # The address. Fixed once the post is published: readers and links already use it.
    slug = models.SlugField(max_length=120, unique=True, help_text=_("The last part of the address."))
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    # The reader-visible details of the published revision (copied by `_publish` only).
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts")
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")
    byline_editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    byline_name = models.CharField(max_length=120, blank=True)
    pinned = models.BooleanField(default=False)
    show_corroboration = models.BooleanField(default=False)
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
        default=0, help_text=_("Tips linked when it was last published (staff side).")
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
            return str(_("Retracted"))
        label = str(self.get_state_display())
        if self.is_public and self.state != self.State.PUBLISHED:
            return str(_("Published; new revision: %(state)s")) % {"state": label.lower()}
        if self.is_public and self.corrections.exists():
            return str(_("Published, corrected"))
        return label

    @property
    def latest_revision(self) -> Revision | None:
        return self.revisions.order_by("-number").first()

    @property
    def byline(self) -> str:
        """Return the published byline: a name, or empty for the organisation."""
        if self.byline_editor is not None:
            return self.byline_name or self.byline_editor.get_full_name() or self.byline_editor.get_username()
        return ""


class Revision(models.Model):
    """One saved version of a post: who wrote it, when, who approved it, and what it says, sealed.

    `sealed` holds the whole content (clarion/publishing/content.py) as age ciphertext to the
    publishing key, under one more layer per tip whose words it quotes unredacted (only readers
    of those tips open it). `embargoed` holds the approved content for the background worker
    while the revision waits for its publication time (clarion/publishing/embargo.py). The
    readable columns are empty until the revision is published.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    sealed = models.BinaryField(null=True, blank=True, help_text=_("age ciphertext of the revision's content"))
    embargoed = models.BinaryField(null=True, blank=True, help_text=_("age ciphertext to the embargo key"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Whether the two-person rule was on when it was approved (the audit entry says so too).
    approved_under_rule = models.BooleanField(default=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    purged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    purge_reason = models.CharField(max_length=40, blank=True)
    # Readable only once published (what readers see), empty before.
    title = models.CharField(max_length=200, blank=True)
    summary = models.CharField(max_length=400, blank=True)
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True, editable=False)
    addressed_to = models.CharField(max_length=200, blank=True)
    signatories = models.TextField(blank=True)
    correction = models.TextField(blank=True)

    class Meta:
        ordering = ["post", "number"]
        constraints = [models.UniqueConstraint(fields=["post", "number"], name="one_number_per_revision")]

    def __str__(self) -> str:
        return f"{self.post.slug} r{self.number}"

    @property
    def is_purged(self) -> bool:
        return self.purged_at is not None

    @property
    def signatory_list(self) -> list[str]:
        return [line.strip() for line in self.signatories.splitlines() if line.strip()]


class RevisionQuote(models.Model):
    """A tip whose words a revision holds: destroying the tip purges the unpublished revision.

    `sealed_under` says the revision's content is also sealed to that tip's case key, because
    the quote is not yet redacted or kept with a reason: only the tip's readers open it.
    Staff-only, like TipLink.
    """

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="quotes")
    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="+")
    sealed_under = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["revision", "tip"], name="one_quote_row_per_tip")]

    def __str__(self) -> str:
        return f"revision {self.revision_id} quotes a tip"


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
    """A note between editors on a post (e.g. the changes a reviewer asked for); sealed like drafts."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    sealed = models.BinaryField(help_text=_("age ciphertext to the publishing key"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment on post {self.post_id}"


def new_media_token() -> str:
    return secrets.token_hex(12)


class Media(models.Model):
    """A scrubbed image or PDF uploaded for a post. The uploaded original is never stored or served.

    The scrubbed copy is kept encrypted to a key of its own (`key_wrap` holds that key sealed to
    the publishing key); a readable copy is written only when a revision that uses it is
    published. Its title and alt text belong to each revision that uses it (sealed with it).
    """

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        DOCUMENT = "document", _("Document")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media")
    token = models.CharField(max_length=24, unique=True, default=new_media_token, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    media_type = models.CharField(max_length=40)
    extension = models.CharField(max_length=8)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    key_wrap = models.BinaryField(help_text=_("the file's age key, sealed to the publishing key"))
    # What the scrubber removed (it can name a camera or an author): sealed to the publishing key.
    sealed_report = models.BinaryField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name_plural = _("media")

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        return reverse("publishing:media", args=[self.filename])

    @property
    def filename(self) -> str:
        return f"{self.token}{self.extension}"


class PublishedMedia(models.Model):
    """A file of a published revision, with the title and alt text readers see."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="published_media")
    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    alt_text = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["revision", "media"], name="one_use_per_published_revision")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.media.get_absolute_url()

    # What templates and structured data read, as they read a Media.
    @property
    def kind(self) -> str:
        return self.media.kind

    @property
    def size(self) -> int:
        return self.media.size

    @property
    def width(self) -> int | None:
        return self.media.width

    @property
    def height(self) -> int | None:
        return self.media.height

    @property
    def filename(self) -> str:
        return self.media.filename


class SearchDocument(models.Model):
    """The public text of a published post, indexed for search (FTS5 or PostgreSQL)."""

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="search_document")
    title = models.TextField()
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Search text of post {self.post_id}"
