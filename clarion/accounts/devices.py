"""Remember the browsers a staff member has logged in from, so an attack on their name cannot lock them out.

Security review L9: anyone who knows a user name can keep that account's login counter tripped.
After a login with both factors, the browser gets a device cookie: the account's id and an
HMAC over the account and its current password hash, signed with a timestamp under Django's
secret key. From that browser, attempts for that account skip the per-account counter (never
the per-address one: `take_login_attempt`, counted by clarion.web.throttle).

The cookie is no credential: it opens nothing, and the password and one-time code are still
asked for. It stops working after DEVICE_DAYS, when the password changes (recovery, reset,
change), or when the account is disabled. Logging out keeps it (the logout view deletes every
other cookie by name), since the owner is most likely to need it on the next login.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare, salted_hmac

from clarion.web import sealed_cookie, throttle

DEVICE_DAYS = 30
_SALT = "clarion.accounts.devices"


def _proof(user: User) -> str:
    return salted_hmac(_SALT, f"{user.pk}:{user.password}", algorithm="sha256").hexdigest()


def remember_device(response: HttpResponse, user: User) -> None:
    """Give this browser a device cookie for `user`, who just logged in with both factors."""
    value = signing.TimestampSigner(salt=_SALT).sign(f"{user.pk}:{_proof(user)}")
    sealed_cookie.set_cookie(response, settings.STAFF_DEVICE_COOKIE_NAME, value, max_age=DEVICE_DAYS * 24 * 3600)


def is_known_device(request: HttpRequest, username: str) -> bool:
    """Return whether this browser logged in as `username` (both factors) in the last DEVICE_DAYS."""
    raw = request.COOKIES.get(settings.STAFF_DEVICE_COOKIE_NAME)
    if not raw or not username:
        return False
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(raw, max_age=DEVICE_DAYS * 24 * 3600)
    except signing.BadSignature:
        return False
    user_id, _, proof = value.partition(":")
    if not user_id.isdigit():
        return False
    user = get_user_model().objects.filter(pk=int(user_id), is_active=True).first()
    return bool(
        user is not None
        and user.get_username().casefold() == username.casefold()
        and constant_time_compare(proof, _proof(user))
    )


def take_login_attempt(request: HttpRequest, username: str) -> throttle.Ticket:
    """Take one attempt at a password, one-time code or recovery for `username`, before it is checked.

    From a browser that logged in as `username`, the account's counter is skipped (L9).
    """
    return throttle.take_login_attempt(request, username, known_device=is_known_device(request, username))
