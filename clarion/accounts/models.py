"""The organisation, and the people who read tips with the keys they hold."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Organisation(models.Model):
    """The organisation that runs this Clarion site (one row)."""

    name = models.CharField(max_length=200)
    mission = models.CharField(max_length=300, blank=True, help_text="One line under the name.")

    class Meta:
        verbose_name = "organisation"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> Organisation:
        """Return the organisation, or an unsaved placeholder before set-up."""
        return cls.objects.order_by("pk").first() or cls(name="Clarion")


class KeyCustody(models.Model):
    """A person's age identity, stored only encrypted under a key derived from their password.

    A copy of the database therefore yields no usable private key (DESIGN property 2).
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="key_custody")
    public_key = models.CharField(max_length=100, help_text="The age recipient (age1…) tips are wrapped to.")
    password_salt = models.BinaryField(max_length=16)
    identity_under_password = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "key custody"
        verbose_name_plural = "key custody"

    def __str__(self) -> str:
        return f"key of {self.user}"
