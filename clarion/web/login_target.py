"""Remember which staff page someone asked for before logging in, without putting it in a URL.

Threat (L4, ASVS 14.2.1): `/staff/login/?next=/staff/cases/<tip id>/` puts a tip's id in the
address bar, the browser history and the logs of every proxy on the way. The path is kept in a
short-lived signed cookie instead: nobody can plant another target in it, it is read once at
login, deleted when the login succeeds, and only a page under /staff/ of this site is followed.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

TARGET_SECONDS = 15 * 60
# The salt keeps its first home's name: cookies signed before the move still verify.
SALT = "clarion.accounts.login_target"


def is_staff_target(target: str | None) -> bool:
    """Return whether `target` is a path of this site's staff pages (never another host)."""
    return bool(target and target.startswith("/staff/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None))


def remember_login_target(response: HttpResponse, target: str | None) -> None:
    """Keep `target` for the login that follows; forget any earlier one if it is not a staff page."""
    if target is None or not is_staff_target(target):
        forget_login_target(response)
        return
    response.set_signed_cookie(
        settings.STAFF_TARGET_COOKIE_NAME,
        target,
        salt=SALT,
        max_age=TARGET_SECONDS,
        secure=settings.HTTPS,
        httponly=True,
        # Lax: a link from an email or a chat is a cross-site navigation, and the redirect to the
        # login page must still set it. It is a path, not a credential.
        samesite="Lax",
        path="/",
    )


def login_target(request: HttpRequest) -> str | None:
    """Return the staff page remembered for this login, or None."""
    target = request.get_signed_cookie(
        settings.STAFF_TARGET_COOKIE_NAME, default=None, salt=SALT, max_age=TARGET_SECONDS
    )
    return target if is_staff_target(target) else None


def forget_login_target(response: HttpResponse) -> None:
    response.delete_cookie(settings.STAFF_TARGET_COOKIE_NAME, path="/", samesite="Lax")
