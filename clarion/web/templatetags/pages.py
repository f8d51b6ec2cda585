"""`{% pagination %}`: the one pagination nav of every list, staff and public (web/pagination.html)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import template

register = template.Library()


@register.simple_tag
def page_url(number: int, query: str = "") -> str:
    """Return the address of page `number` of this list, keeping its other parameters (`query`, encoded)."""
    return f"?{query}&page={number}" if query else f"?page={number}"


def _asked(value: Any) -> Any:  # a Django Page's methods, or another page's attributes
    return value() if callable(value) else value


@register.inclusion_tag("web/pagination.html")
def pagination(
    page: Any,  # a Django Page or any object with the same names
    query: str = "",
    *,
    previous_label: str,
    next_label: str,
    position: str = "",
) -> dict[str, str]:
    """Render links to the previous and next pages of `page` (none when it is the only page)."""
    return {
        "previous_url": page_url(_asked(page.previous_page_number), query) if _asked(page.has_previous) else "",
        "next_url": page_url(_asked(page.next_page_number), query) if _asked(page.has_next) else "",
        "previous_label": previous_label,
        "next_label": next_label,
        "position": position,
    }


def _keyset_url(query: str, name: str, cursor: str) -> str:
    parameter = f"{name}={quote(cursor, safe='')}"
    return f"?{query}&{parameter}" if query else f"?{parameter}"


@register.inclusion_tag("web/pagination.html")
def keyset_pagination(
    page: Any,  # any page with has_previous, has_next and the cursors `before` and `after`
    query: str = "",
    *,
    first_label: str,
    previous_label: str,
    next_label: str,
    position: str = "",
) -> dict[str, str]:
    """Render First, Previous and Next links of a list paged by cursors (`?before=`, `?after=`)."""
    return {
        "first_url": (f"?{query}" if query else "?") if page.has_previous else "",
        "previous_url": _keyset_url(query, "before", page.before) if page.has_previous else "",
        "next_url": _keyset_url(query, "after", page.after) if page.has_next else "",
        "first_label": first_label,
        "previous_label": previous_label,
        "next_label": next_label,
        "position": position,
    }
