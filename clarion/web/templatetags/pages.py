"""`{% pagination %}`: the one pagination nav of every list, staff and public (web/pagination.html)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def page_url(number: int, query: str = "") -> str:
    """Return the address of page `number` of this list, keeping its other parameters (`query`, encoded)."""
    return f"?{query}&page={number}" if query else f"?page={number}"


def _asked(value: Any) -> Any:  # noqa: ANN401 - a Django Page's methods, or another page's attributes
    return value() if callable(value) else value


@register.inclusion_tag("web/pagination.html")
def pagination(
    page: Any,  # noqa: ANN401 - a Django Page or any object with the same names
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
