"""Context every page may use."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def staff_nav(request: HttpRequest) -> dict[str, dict[str, str]]:
    """Name the URLs of the account page and the logout of the staff frame (web/base_staff.html)."""
    return {"staff_nav": settings.CLARION_STAFF_NAV}
