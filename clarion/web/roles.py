"""Staff roles, kept as Django groups so that one person may hold several (admin and reviewer).

Groups rather than a role field: the Django admin already edits membership, a person can be
an admin without reading tips or an admin who also reviews, and no custom user model is needed.
The groups are created by a migration of accounts, which also grants them
(clarion.accounts.roles); here is only the question every surface asks: does this person hold
this role?
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

ADMIN = "admin"
REVIEWER = "reviewer"
EDITOR = "editor"


def has_role(user: User | AnonymousUser, role: str) -> bool:
    """Return whether an active, authenticated user holds `role`."""
    if not (user.is_authenticated and user.is_active):
        return False
    return bool(user.groups.filter(name=role).exists())


def is_reviewer(user: User | AnonymousUser) -> bool:
    """Return whether the user may read the tips of the channels they receive."""
    return has_role(user, REVIEWER)


def is_admin(user: User | AnonymousUser) -> bool:
    """Return whether the user manages people, channels and settings."""
    return has_role(user, ADMIN)


def is_editor(user: User | AnonymousUser) -> bool:
    """Return whether the user may prepare public posts."""
    return has_role(user, EDITOR)
