"""What surrounds posts: the site's publishing settings, categories and tags."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class SiteSettings(models.Model):
    """Publishing settings of this site (one row), edited by admins.

    The two-person rule is switched off only by two admins: one proposes it
    (`rule_off_proposed_by`), a different admin confirms it (clarion/publishing/rule.py).
    Switching it on takes effect at once: it only adds a second pair of eyes.
    """

    require_second_editor = models.BooleanField(
        _("require a second editor"),
        default=True,
        help_text=_(
            "Two-person rule: the editor who wrote a post's last revision cannot approve it; a second editor "
            "must. Unticking it only proposes turning it off: a second admin confirms (here, or at "
            "/staff/publishing/rule/)."
        ),
    )
    rule_off_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    rule_off_proposed_at = models.DateTimeField(null=True, blank=True, editable=False)
    deny_list = models.TextField(
        _("deny-list"),
        blank=True,
        help_text=_(
            "Names and places the redaction check flags in drafts (staff rosters, sites, units), one per line. "
            "Lines starting with # are comments. Staff-only, never published."
        ),
    )
    corrections_policy = models.ForeignKey(
        "Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"kind": "page"},
        help_text=_("A page."),
    )
    sourcing_policy = models.ForeignKey(
        "Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"kind": "page"},
        help_text=_("A page."),
    )
    security_contact = models.CharField(
        _("security contact"),
        max_length=300,
        blank=True,
        help_text=_(
            "Where to report a security problem in this site: an email address or an https:// address. "
            "Published in /.well-known/security.txt (RFC 9116); empty, that file is not served."
        ),
    )
    # Bumped whenever anything public changes; every process drops its cached pages when it
    # sees a new value (clarion/publishing/caching.py), including the background worker's
    # scheduled publications.
    generation = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("publishing settings")
        verbose_name_plural = _("publishing settings")

    def __str__(self) -> str:
        return str(_("Publishing settings"))

    def clean(self) -> None:
        self.security_contact = self.security_contact.strip()
        if self.security_contact and self.security_contact_uri() == "":
            raise ValidationError(
                {"security_contact": _("Give an email address or an address that starts with https://.")}
            )

    def security_contact_uri(self) -> str:
        """Return the security contact as security.txt's Contact takes it (mailto: or https:), or ""."""
        contact = self.security_contact.strip()
        address = contact.removeprefix("mailto:")
        try:
            EmailValidator()(address)
        except ValidationError:
            pass
        else:
            return f"mailto:{address}"
        try:
            URLValidator(schemes=["https"])(contact)
        except ValidationError:
            return ""
        return contact

    @classmethod
    def current(cls) -> SiteSettings:
        """Return the settings row, creating it with the defaults on first use."""
        found = cls.objects.order_by("pk").first()
        return found or cls.objects.create()


class Category(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("publishing:category", args=[self.slug])


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("publishing:tag", args=[self.slug])
