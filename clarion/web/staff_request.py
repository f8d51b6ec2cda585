"""The type of a request behind the staff login: its `user` is a person, never anonymous.

Django types `request.user` as "a user or AnonymousUser". Views behind `staff_login_required`
(and the admin, behind its own login) only ever see a logged-in person, so their `request` is
annotated `StaffRequest`, and every action they call can require an `actor: User`.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


class StaffRequest(HttpRequest):
    """A request whose user has logged in (for type checking only: never instantiated)."""

    user: User


def staff_user(request: HttpRequest) -> User:
    """Return the logged-in person making `request`; refuse a request without one.

    For code that Django calls with a plain `HttpRequest` although a login guards it (admin
    pages, the step right after login).
    """
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user
