"""Staff roles, kept as Django groups so that one person may hold several (admin and reviewer).

Groups rather than a role field: the Django admin already edits membership, a person can be
an admin without reading tips or an admin who also reviews, and no custom user model is needed.
The groups are created by migration 0002.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

ADMIN = "admin"
REVIEWER = "reviewer"
EDITOR = "editor"

#: Whoever acts on a staff page: a staff member, or an anonymous visitor every role check refuses.
Actor = AbstractBaseUser | AnonymousUser


class Role(models.TextChoices):
    ADMIN = ADMIN, "Admin (people, channels, settings; reads no tips unless also a reviewer)"
    REVIEWER = REVIEWER, "Reviewer (reads and answers the tips of their channels)"
    EDITOR = EDITOR, "Editor (publishing)"


def has_role(user: AbstractBaseUser | AnonymousUser, role: str) -> bool:
    """Return whether an active, authenticated user holds `role`."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.groups.filter(name=role).exists()


def is_reviewer(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Return whether the user may read the tips of the channels they receive."""
    return has_role(user, REVIEWER)


def is_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Return whether the user manages people, channels and settings."""
    return has_role(user, ADMIN)


def is_editor(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Return whether the user may prepare public posts."""
    return has_role(user, EDITOR)


def grant_role(user, role: str) -> None:  # noqa: ANN001 - a User
    """Add `role` to the user; admins also get Django's staff flags for the admin pages."""
    from django.contrib.auth.models import Group

    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    if role == ADMIN and not (user.is_staff and user.is_superuser):
        user.is_staff = True
        user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
