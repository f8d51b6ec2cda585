"""The organisation, the people who read tips with the keys they hold, and how they join."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from clarion import vault
from clarion.vault import AgeRecipientStr


class Organisation(models.Model):
    """The organisation that runs this Clarion site (one row)."""

    name = models.CharField(max_length=200)
    mission = models.CharField(max_length=300, blank=True, help_text="One line under the name.")
    offline_public_key: models.CharField[str, AgeRecipientStr] = models.CharField(
        max_length=100,
        blank=True,
        help_text="Optional: an age public key (age1…) whose private half never touches this server. "
        "Every new tip's keys are also wrapped to it, so an export opens on an offline machine.",
    )
    # Chosen at `python -m clarion setup`; the pages are offered in these (issue 12). The first is the default.
    languages = models.CharField(
        max_length=200, default="en", help_text="Language codes the site is offered in, comma-separated (en,fr)."
    )

    class Meta:
        verbose_name = "organisation"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.offline_public_key = self.offline_public_key.strip().lower()
        if self.offline_public_key.startswith("age-secret-key-"):
            # Never keep a private key pasted by mistake: it would sit in the clear.
            self.offline_public_key = ""
            raise ValidationError(
                {"offline_public_key": "This is a private key: paste the public key (age1…) and keep this one offline."}
            )
        if self.offline_public_key and not vault.is_valid_recipient(self.offline_public_key):
            raise ValidationError({"offline_public_key": "This is not an age public key: it starts with age1."})

    @property
    def language_list(self) -> list[str]:
        """Return the language codes the site is offered in, the default first."""
        return [code for code in self.languages.split(",") if code]

    @classmethod
    def current(cls) -> Organisation:
        """Return the organisation, or an unsaved placeholder before set-up."""
        return cls.objects.order_by("pk").first() or cls(name="Clarion")


class KeyCustody(models.Model):
    """A person's age identity, stored only encrypted under a key derived from their password.

    A copy of the database therefore yields no usable private key (docs/design.md, property 2).
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="key_custody")
    public_key: models.CharField[str, AgeRecipientStr] = models.CharField(
        max_length=100, help_text="The age recipient (age1…) tips are wrapped to."
    )
    password_salt = models.BinaryField(max_length=16)
    identity_under_password = models.BinaryField()
    # The same identity under a one-time recovery code shown once at enrolment (empty for
    # identities made before recovery codes existed, or by create_key_custody alone).
    recovery_salt = models.BinaryField(max_length=16, null=True, blank=True)
    identity_under_recovery = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "key custody"
        verbose_name_plural = "key custody"

    def __str__(self) -> str:
        return f"key of {self.user}"


class Invitation(models.Model):
    """A one-time code that lets one person enrol with a role, or re-enrol after a reset.

    Only the code's hash is stored; the code itself is shown once to the admin who made it.
    """

    code_hash = models.CharField(max_length=64, unique=True)
    # Comma-separated role names (see roles.py); empty for a reset, which keeps the roles.
    roles = models.CharField(max_length=50, blank=True)
    email = models.EmailField(blank=True, help_text="Whom it is for (a note for admins; nothing is sent).")
    # Set for a reset by an admin: the person keeps their account and gets a new identity.
    for_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="resets"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "invitation"

    def __str__(self) -> str:
        who = self.for_user or self.email or "someone"
        return f"{'reset' if self.for_user_id else 'invitation'} for {who}"

    @property
    def role_list(self) -> list[str]:
        """Return the roles the person gets on enrolment."""
        return [role for role in self.roles.split(",") if role]

    def is_open(self, at: datetime | None = None) -> bool:
        """Return whether the invitation can still be used."""
        return self.used_at is None and (at or timezone.now()) < self.expires_at


class StaffSession(models.Model):
    """The session keys of a staff member's logins, so that they can all be ended.

    Django's sessions are not tied to users; decoding every session to find someone's would
    not scale and cannot be done with a cache session backend.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    started_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"session of {self.user}"
