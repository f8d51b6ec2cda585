"""Messages that more than one surface shows, in one place."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

# A reviewer or editor whose key does not open a tip (their wrap is gone or stale).
LOCKED = gettext_lazy(
    "Your key does not open this tip. Log out and in again; if this persists, ask a colleague "
    "who can read it to share it with you again."
)
