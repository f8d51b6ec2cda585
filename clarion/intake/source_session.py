"""Server-side sessions for sources, keyed by a cookie that also holds the sealing key.

The session row keeps the source's conversation key only sealed under a random key that
exists in the source's cookie alone (docs/design.md, property 2): a copy of the database, sessions
included, opens nothing. The cookie is separate from staff cookies (its own name), lives
only as long as the browser session, and ends server-side after SOURCE_SESSION_SECONDS without
a request and SOURCE_SESSION_MAX_SECONDS after login whatever the activity: a browser left open
on a shared or seized machine does not keep the inbox open for ever (ASVS 7.3.2).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest, HttpResponse

from clarion import vault
from clarion.intake.models import Tip
from clarion.vault import AgeIdentityStr

STARTED_AT = "started_at"
SEEN_AT = "seen_at"

# The one clock of this module: tests move it forward to let a session time out.
now: Callable[[], float] = time.time


@dataclass(frozen=True)
class SourceSession:
    tip: Tip
    conversation_identity: AgeIdentityStr


def _split_cookie(request: HttpRequest) -> tuple[str, str] | None:
    value = request.COOKIES.get(settings.SOURCE_SESSION_COOKIE_NAME, "")
    session_key, sep, sealing_key = value.partition(":")
    if not sep or not session_key or not sealing_key:
        return None
    return session_key, sealing_key


def start_source_session(response: HttpResponse, *, tip: Tip, conversation_identity: AgeIdentityStr) -> None:
    """Open a server-side session for the source and set its cookie on the response."""
    sealing_key = vault.new_session_key()
    store = SessionStore()
    store["tip"] = str(tip.pk)
    store["sealed"] = vault.seal(conversation_identity.encode(), sealing_key)
    store[STARTED_AT] = store[SEEN_AT] = now()
    store.set_expiry(settings.SOURCE_SESSION_SECONDS)
    store.create()
    store.save()
    response.set_cookie(
        settings.SOURCE_SESSION_COOKIE_NAME,
        f"{store.session_key}:{sealing_key}",
        secure=settings.HTTPS,
        httponly=True,
        samesite="Strict",
        path="/",
    )


def _has_ended(store: SessionStore) -> bool:
    """Return whether the session passed its idle or absolute limit (by this module's clock)."""
    started_at, seen_at = store.get(STARTED_AT), store.get(SEEN_AT)
    if started_at is None or seen_at is None:
        return True  # a session from before these limits existed: fail closed
    moment = now()
    return (
        moment - seen_at > settings.SOURCE_SESSION_SECONDS or moment - started_at > settings.SOURCE_SESSION_MAX_SECONDS
    )


def load_source_session(request: HttpRequest) -> SourceSession | None:
    """Return the source's session, renewing its idle timeout, or None if absent or ended."""
    parts = _split_cookie(request)
    if parts is None:
        return None
    session_key, sealing_key = parts
    store = SessionStore(session_key=session_key)
    if "tip" not in store or "sealed" not in store:
        return None
    if _has_ended(store):
        store.delete()
        return None
    try:
        identity = vault.unseal(store["sealed"], sealing_key).decode()
        tip = Tip.objects.select_related("channel").get(pk=uuid.UUID(store["tip"]))
    except (vault.DecryptionError, Tip.DoesNotExist, ValueError):
        return None
    store[SEEN_AT] = now()
    store.set_expiry(settings.SOURCE_SESSION_SECONDS)
    store.save()
    return SourceSession(tip=tip, conversation_identity=AgeIdentityStr(identity))


def has_source_cookie(request: HttpRequest) -> bool:
    return _split_cookie(request) is not None


def end_source_session(request: HttpRequest, response: HttpResponse) -> None:
    """Delete the server-side session and tell the browser to forget everything of this site."""
    parts = _split_cookie(request)
    if parts is not None:
        SessionStore(session_key=parts[0]).delete()
    response.delete_cookie(settings.SOURCE_SESSION_COOKIE_NAME, path="/", samesite="Strict")
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
