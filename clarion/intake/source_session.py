"""Server-side sessions for sources, keyed by a cookie that also holds the sealing key.

The session row keeps the source's conversation key only sealed under a random key that
exists in the source's cookie alone (docs/design.md, property 2; clarion.web.sealed_cookie): a
copy of the database, sessions included, opens nothing. The cookie is separate from staff cookies (its own name), lives
only as long as the browser session, and ends server-side after SOURCE_SESSION_SECONDS without
a request and SOURCE_SESSION_MAX_SECONDS after login whatever the activity: a browser left open
on a shared or seized machine does not keep the inbox open for ever (ASVS 7.3.2).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from clarion.intake.models import Tip
from clarion.vault import AgeIdentityStr
from clarion.web import sealed_cookie

STARTED_AT = "started_at"
SEEN_AT = "seen_at"


@dataclass(frozen=True)
class SourceSession:
    tip: Tip
    conversation_identity: AgeIdentityStr


def _session_key(request: HttpRequest) -> str | None:
    """Return the key of the session row the source's cookie carries before its sealing key."""
    return sealed_cookie.handle(request, settings.SOURCE_SESSION_COOKIE_NAME)


def start_source_session(response: HttpResponse, *, tip: Tip, conversation_identity: AgeIdentityStr) -> None:
    """Open a server-side session for the source and set its cookie on the response."""
    store = SessionStore()
    store["tip"] = str(tip.pk)
    store[STARTED_AT] = store[SEEN_AT] = timezone.now().timestamp()
    store.set_expiry(settings.SOURCE_SESSION_SECONDS)
    store.create()
    store["sealed"] = sealed_cookie.seal(
        response, settings.SOURCE_SESSION_COOKIE_NAME, conversation_identity.encode(), handle=store.session_key
    )
    store.save()


def _has_ended(store: SessionStore) -> bool:
    """Return whether the session passed its idle or absolute limit."""
    started_at, seen_at = store.get(STARTED_AT), store.get(SEEN_AT)
    if started_at is None or seen_at is None:
        return True  # a session from before these limits existed: fail closed
    moment = timezone.now().timestamp()
    return (
        moment - seen_at > settings.SOURCE_SESSION_SECONDS or moment - started_at > settings.SOURCE_SESSION_MAX_SECONDS
    )


def load_source_session(request: HttpRequest) -> SourceSession | None:
    """Return the source's session, renewing its idle timeout, or None if absent or ended."""
    session_key = _session_key(request)
    if session_key is None:
        return None
    store = SessionStore(session_key=session_key)
    if "tip" not in store or "sealed" not in store:
        return None
    if _has_ended(store):
        store.delete()
        return None
    identity = sealed_cookie.unseal(request, settings.SOURCE_SESSION_COOKIE_NAME, store["sealed"])
    if identity is None:
        return None
    try:
        conversation_identity = AgeIdentityStr(identity.decode())
        tip = Tip.objects.select_related("channel").get(pk=uuid.UUID(store["tip"]))
    except (Tip.DoesNotExist, ValueError):
        return None
    store[SEEN_AT] = timezone.now().timestamp()
    store.set_expiry(settings.SOURCE_SESSION_SECONDS)
    store.save()
    return SourceSession(tip=tip, conversation_identity=conversation_identity)


def has_source_cookie(request: HttpRequest) -> bool:
    return _session_key(request) is not None


def end_source_session(request: HttpRequest, response: HttpResponse) -> None:
    """Delete the server-side session and tell the browser to forget everything of this site."""
    session_key = _session_key(request)
    if session_key is not None:
        SessionStore(session_key=session_key).delete()
    sealed_cookie.delete_cookie(response, settings.SOURCE_SESSION_COOKIE_NAME)
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
