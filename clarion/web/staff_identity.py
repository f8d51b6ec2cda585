"""Hold a logged-in staff member's age identity for their session, sealed under their cookie.

docs/design.md, property 2: the identity is stored in the server-side session only sealed (Fernet)
under a random key that lives in a separate cookie of that person's browser alone
(clarion.web.sealed_cookie). A copy of the database, sessions included, opens no key; a stolen
cookie without the session neither.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from clarion import vault
from clarion.vault import AgeIdentityStr, KeyPair
from clarion.web import sealed_cookie

SEALED_IDENTITY = "clarion.sealed_identity"


def hold_identity(request: HttpRequest, response: HttpResponse, keypair: KeyPair) -> None:
    """Seal `keypair` into the session and give its sealing key to the browser alone."""
    request.session[SEALED_IDENTITY] = sealed_cookie.seal(
        response, settings.STAFF_KEY_COOKIE_NAME, keypair.identity.encode()
    )


def held_identity(request: HttpRequest) -> KeyPair | None:
    """Return the session's identity, or None when the session or the cookie lacks its half."""
    identity = sealed_cookie.unseal(request, settings.STAFF_KEY_COOKIE_NAME, request.session.get(SEALED_IDENTITY))
    if identity is None:
        return None
    try:
        return vault.keypair_from_identity(AgeIdentityStr(identity.decode()))
    except vault.DecryptionError:
        return None


def forget_identity(request: HttpRequest, response: HttpResponse) -> None:
    """Drop the sealed identity from the session and the sealing key from the browser."""
    request.session.pop(SEALED_IDENTITY, None)
    sealed_cookie.delete_cookie(response, settings.STAFF_KEY_COOKIE_NAME)
