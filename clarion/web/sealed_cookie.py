"""Keep a secret on the server only sealed under a key that lives in one cookie of the person's browser.

docs/design.md, property 2: a session that needs a secret (a staff member's age identity, a password
between two login steps, a source's conversation key) keeps it only sealed (Fernet) under a
random key sent to that person's browser alone. A copy of the database, sessions included,
opens nothing; a stolen cookie without the session neither.

Every such cookie, and every other cookie of a person's session, is set here with the same
attributes: Secure under HTTPS, HttpOnly (no script reads it), SameSite=Strict (no other site's
page sends it) and Path=/ (which a `__Host-` name requires).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from clarion import vault

# A cookie may carry a handle (the key of the session row it unlocks) before its sealing key.
# Neither a sealing key (base64url) nor a session key contains the separator.
_SEPARATOR = ":"


def set_cookie(response: HttpResponse, name: str, value: str, *, max_age: int | None = None) -> None:
    """Set cookie `name` for this site's pages only: Secure under HTTPS, HttpOnly, SameSite=Strict, Path=/."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        secure=settings.HTTPS,
        httponly=True,
        samesite="Strict",
        path="/",  # a __Host- cookie must have Path=/
    )


def delete_cookie(response: HttpResponse, name: str) -> None:
    """Tell the browser to forget cookie `name` (set by `set_cookie`)."""
    response.delete_cookie(name, path="/", samesite="Strict")


def seal(
    response: HttpResponse, name: str, secret: bytes, *, max_age: int | None = None, handle: str | None = None
) -> str:
    """Seal `secret` under a new random key given to the browser alone in cookie `name`; return the sealed text.

    The sealed text is for the server side (a session); the key never reaches the server's
    storage. With `handle`, the cookie carries it before the key (see `handle`).
    """
    sealing_key = vault.new_session_key()
    set_cookie(response, name, sealing_key if handle is None else f"{handle}{_SEPARATOR}{sealing_key}", max_age=max_age)
    return vault.seal(secret, sealing_key)


def _parts(request: HttpRequest, name: str) -> tuple[str | None, str] | None:
    value = request.COOKIES.get(name, "")
    if _SEPARATOR not in value:
        return (None, value) if value else None
    handle, _, sealing_key = value.partition(_SEPARATOR)
    if not handle or not sealing_key:
        return None
    return handle, sealing_key


def handle(request: HttpRequest, name: str) -> str | None:
    """Return the handle cookie `name` carries before its sealing key, or None."""
    parts = _parts(request, name)
    return parts[0] if parts else None


def unseal(request: HttpRequest, name: str, sealed: str | None) -> bytes | None:
    """Open `sealed` with the key in cookie `name`; None when either is missing or they do not match."""
    parts = _parts(request, name)
    if not sealed or parts is None:
        return None
    try:
        return vault.unseal(sealed, parts[1])
    except vault.DecryptionError:
        return None
