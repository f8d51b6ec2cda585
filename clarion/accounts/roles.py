"""Staff roles, kept as Django groups so that one person may hold several (admin and reviewer).

Groups rather than a role field: the Django admin already edits membership, a person can be
an admin without reading tips or an admin who also reviews, and no custom user model is needed.
The groups are created by migration 0003. Asking whether someone holds a role is
clarion.web.roles (every surface asks it); choosing and granting roles is here.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db import models

from clarion.web.roles import ADMIN, EDITOR, REVIEWER, has_role, is_admin, is_editor, is_reviewer

__all__ = ["ADMIN", "EDITOR", "REVIEWER", "Role", "grant_role", "has_role", "is_admin", "is_editor", "is_reviewer"]

#: Whoever acts on a staff page: a staff member, or an anonymous visitor every role check refuses.
Actor = User | AnonymousUser


class Role(models.TextChoices):
    ADMIN = ADMIN, "Admin (people, channels, settings; reads no tips unless also a reviewer)"
    REVIEWER = REVIEWER, "Reviewer (reads and answers the tips of their channels)"
    EDITOR = EDITOR, "Editor (publishing)"


def grant_role(user: User, role: str) -> None:
    """Add `role` to the user; admins also get Django's staff flags for the admin pages."""
    from django.contrib.auth.models import Group

    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    if role == ADMIN and not (user.is_staff and user.is_superuser):
        user.is_staff = True
        user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
