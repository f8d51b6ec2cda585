"""Forms editors fill in: a post, its review, its redaction flags, its media, a draft from a tip."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from clarion.publishing.content import RevisionContent
from clarion.publishing.models import Category, Post, Tag
from clarion.publishing.tip_passages import Passage

TEXT_MAX_CHARS = 100_000
NOTE_MAX_CHARS = 10_000
SLUG_TAKEN = "Another post already uses this address: choose another slug."


def slug_taken(slug: str, *, post: Post | None = None) -> bool:
    """Return whether another post than `post` already has `slug`."""
    others = Post.objects.filter(slug=slug)
    if post is not None:
        others = others.exclude(pk=post.pk)
    return others.exists()


def _slug_field() -> forms.SlugField:
    return forms.SlugField(
        label="Address (slug)",
        max_length=120,
        help_text="The last part of the post's address, e.g. “unsafe-forklifts” for /posts/unsafe-forklifts/: "
        "lower-case letters, digits and hyphens. It cannot change once the post is published.",
    )


def _kind_field() -> forms.ChoiceField:
    return forms.ChoiceField(label="Kind", choices=Post.Kind.choices, initial=Post.Kind.REPORT)


class PostForm(forms.Form):
    """A post's words (saved as a new revision) and how it is filed and signed."""

    kind = _kind_field()
    slug = _slug_field()
    title = forms.CharField(label="Title", max_length=200)
    summary = forms.CharField(
        label="Summary",
        max_length=400,
        required=False,
        help_text="One or two sentences shown in lists, feeds and search results.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    body = forms.CharField(
        label="Text",
        max_length=TEXT_MAX_CHARS,
        required=False,
        help_text="Markdown: a blank line between paragraphs, ## for a heading, > for a quote, "
        "[words](address) for a link.",
        widget=forms.Textarea(attrs={"rows": 20}),
    )
    addressed_to = forms.CharField(
        label="Addressed to", max_length=200, required=False, help_text="Open letters: to whom."
    )
    signatories = forms.CharField(
        label="Signatories",
        max_length=NOTE_MAX_CHARS,
        required=False,
        help_text="Open letters: one name per line. Empty: signed by the organisation.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    correction = forms.CharField(
        label="Correction",
        max_length=NOTE_MAX_CHARS,
        required=False,
        help_text="What this revision corrects in the published post. Once approved, readers see it on the "
        "post with its date. Leave empty for changes that correct nothing.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    category = forms.ModelChoiceField(
        label="Category", queryset=Category.objects.all(), required=False, empty_label="No category"
    )
    tags = forms.ModelMultipleChoiceField(
        label="Tags", queryset=Tag.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    byline = forms.ChoiceField(
        label="Signed by",
        choices=[("organisation", "The organisation"), ("me", "Me, by name")],
        initial="organisation",
        widget=forms.RadioSelect,
    )
    byline_name = forms.CharField(
        label="Name shown when signed by you",
        max_length=120,
        required=False,
        help_text="Empty: the full name of your account.",
    )
    pinned = forms.BooleanField(label="Pin to the top of the home page (open letters)", required=False)
    show_corroboration = forms.BooleanField(
        label="Show readers how many tips corroborate this post (the number only)", required=False
    )

    def __init__(
        self,
        *args: Any,
        post: Post | None = None,
        base: RevisionContent | None = None,
        user: User,
        **kwargs: Any,
    ) -> None:
        """`base` is what the latest revision says (opened): the form starts from it, and files carry over."""
        self.post = post
        self.base = base
        self.user = user
        if post is not None and not kwargs.get("initial"):
            kwargs["initial"] = self.initial_for(post, base, user)
        super().__init__(*args, **kwargs)
        if not Tag.objects.exists():
            self.fields["tags"].help_text = "No tags yet: admins add them in the administration pages."
        if post is None or not post.is_public:
            # Nothing has been published, so nothing can be corrected yet.
            del self.fields["correction"]
        else:
            # Readers and links already use the published kind and address.
            for name in ("kind", "slug"):
                self.fields[name].disabled = True
                self.fields[name].help_text = "Fixed: the post is published and links to it already exist."
        signed_by = base.byline_editor_id if base is not None else None
        if signed_by not in (None, user.pk):
            who = get_user_model().objects.filter(pk=signed_by).first()
            name = (base.byline_name or (who.get_full_name() or who.get_username())) if who and base else ""
            byline = cast(forms.ChoiceField, self.fields["byline"])
            byline.choices = [("keep", f"{name} (as now)"), *cast(list, byline.choices)]

    @staticmethod
    def initial_for(post: Post, base: RevisionContent | None, user: User) -> dict[str, Any]:
        """Return the form's values for `post`: what its latest revision says, without a correction.

        A correction belongs to the one revision that makes it: carried into the next revision,
        it would be published a second time.
        """
        base = base or RevisionContent(title="")
        if base.byline_editor_id is None:
            byline = "organisation"
        elif base.byline_editor_id == user.pk:
            byline = "me"
        else:
            byline = "keep"
        return {
            "kind": post.kind,
            "slug": post.slug,
            "title": base.title,
            "summary": base.summary,
            "body": base.body,
            "addressed_to": base.addressed_to,
            "signatories": base.signatories,
            "category": base.category_id,
            "tags": list(base.tag_ids),
            "byline": byline,
            "byline_name": base.byline_name,
            "pinned": base.pinned,
            "show_corroboration": base.show_corroboration,
        }

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug_taken(slug, post=self.post):
            raise forms.ValidationError(SLUG_TAKEN)
        return slug

    def content(self) -> RevisionContent:
        """Return everything the post's next revision says: words, byline, filing, and the files carried over."""
        data = self.cleaned_data
        byline_editor_id = self.byline_editor_id()
        return RevisionContent(
            title=data["title"],
            summary=data["summary"],
            body=data["body"],
            addressed_to=data["addressed_to"],
            signatories=data["signatories"],
            correction=data.get("correction", ""),
            byline_editor_id=byline_editor_id,
            byline_name=data["byline_name"] if byline_editor_id is not None else "",
            category_id=data["category"].pk if data["category"] else None,
            tag_ids=tuple(sorted(tag.pk for tag in data["tags"])),
            pinned=data["pinned"],
            show_corroboration=data["show_corroboration"],
            media=self.base.media if self.base is not None else (),
        )

    def byline_editor_id(self) -> int | None:
        """Return who signs the post: nobody (the organisation), the current editor, or as now."""
        choice = self.cleaned_data["byline"]
        if choice == "me":
            return self.user.pk
        if choice == "keep" and self.base is not None:
            return self.base.byline_editor_id
        return None


class PostFilterForm(forms.Form):
    state = forms.ChoiceField(label="State", choices=[("", "All"), *Post.State.choices], required=False)


class ApproveForm(forms.Form):
    """Approve one revision (the one on the page), to publish now or at a chosen time."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    when = forms.ChoiceField(
        label="Publish",
        choices=[("now", "Now"), ("at", "At the date and time below")],
        initial="now",
        widget=forms.RadioSelect,
    )
    publish_at = forms.DateTimeField(
        label="Date and time (UTC)",
        required=False,
        help_text="For example 2030-05-01 09:00. A time already past publishes at once.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("when") == "at" and not cleaned.get("publish_at") and "publish_at" not in self.errors:
            self.add_error("publish_at", "Give the date and time to publish at, or choose to publish now.")
        return cleaned

    def publish_at_or_none(self) -> dt.datetime | None:
        """Return the time to publish at, or None to publish now (a time already past means now)."""
        if self.cleaned_data["when"] != "at":
            return None
        at = self.cleaned_data["publish_at"]
        return at if at > timezone.now() else None


class SendBackForm(forms.Form):
    comment = forms.CharField(
        label="What should change",
        max_length=NOTE_MAX_CHARS,
        help_text="The post goes back to draft with this comment; only editors see it.",
        error_messages={"required": "Say what should change: the author reads this comment."},
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RetractForm(forms.Form):
    notice = forms.CharField(
        label="Retraction notice",
        max_length=NOTE_MAX_CHARS,
        help_text="Readers see this notice on the post, with today's date. The retraction takes effect at once.",
        error_messages={"required": "Say why the post is retracted: readers see this notice."},
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    withdraw_text = forms.BooleanField(
        label="Also withdraw the text: readers see only the title and the notice", required=False
    )


class FlagForm(forms.Form):
    """Name one redaction flag of the latest revision (by its key)."""

    key = forms.CharField(widget=forms.HiddenInput, max_length=400)


class KeepFlagForm(FlagForm):
    reason = forms.CharField(
        label="Reason for keeping it",
        max_length=NOTE_MAX_CHARS,
        help_text="Why this cannot identify the source. The approving editor reads it.",
        error_messages={"required": "Give a reason for keeping this passage: the approving editor reads it."},
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MediaForm(forms.Form):
    """An image or PDF to scrub and attach; images need alt text, known once the scrubber has looked."""

    file = forms.FileField(
        label="Image or PDF",
        required=False,
        help_text="JPEG, PNG, WebP, GIF or PDF. Metadata (camera, place, author, software) is removed "
        "before anything is kept; the original file and its name are never stored.",
    )
    title = forms.CharField(label="Title", max_length=200, help_text="Shown to readers.")
    alt_text = forms.CharField(
        label="Alt text",
        max_length=300,
        required=False,
        help_text="Required for images: what the picture shows, for readers who cannot see it.",
    )

    def __init__(self, *args: Any, refused_size: int | None = None, extra_parts: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refused_size = refused_size
        self.extra_parts = extra_parts

    def clean_file(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("file")
        if self.extra_parts:
            raise forms.ValidationError(_("Upload one file at a time: this form sent several, and none was kept."))
        if self.refused_size is not None:
            limit = filesizeformat(settings.CLARION_MAX_MEDIA_BYTES)
            raise forms.ValidationError(
                f"This file is {filesizeformat(self.refused_size)}; a file may be at most {limit}. "
                "Make it smaller (fewer pages, a smaller image), then upload it again."
            )
        if not upload:
            raise forms.ValidationError("Choose an image or a PDF to upload.")
        return upload


class DraftFromTipForm(forms.Form):
    """Start a draft from a tip, quoting only the passages the editor ticks (none by default)."""

    kind = _kind_field()
    slug = _slug_field()
    title = forms.CharField(label="Title", max_length=200)
    passages = forms.MultipleChoiceField(
        label="Passages to quote in the draft",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Nothing from the tip enters the draft unless you tick it. The source's own words can "
        "identify them: quote as little as the story needs.",
    )

    def __init__(self, *args: Any, passages: Sequence[Passage], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.passage_list = list(passages)
        cast(forms.ChoiceField, self.fields["passages"]).choices = [
            (str(i), f"{p.label}: {p.text}") for i, p in enumerate(self.passage_list)
        ]

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug_taken(slug):
            raise forms.ValidationError(SLUG_TAKEN)
        return slug

    def chosen_quotes(self) -> list[str]:
        """Return the texts of the ticked passages, in the tip's order."""
        chosen = {int(value) for value in self.cleaned_data["passages"]}
        return [passage.text for i, passage in enumerate(self.passage_list) if i in chosen]
