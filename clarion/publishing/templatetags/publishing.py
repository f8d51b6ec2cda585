"""Template helpers of the public site."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from clarion.web.site_address import absolute_url

register = template.Library()

# What Django's json_script escapes, so that no value can close the <script> element.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def ld_json(data: dict[str, Any]) -> SafeString:
    """Return `data` as the body of a JSON-LD script: a data block, never executed."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 - escaped above


@register.simple_tag(takes_context=True)
def canonical_url(context: template.Context) -> str:
    """Return the full URL of this reader page as search engines should file it: its path at the
    site's address, with `?page=N` past the first page and no other query (tracking tags)."""
    request: HttpRequest = context["request"]
    page = request.GET.get("page", "")
    query = f"?page={page}" if page.isdigit() and int(page) > 1 else ""
    return absolute_url(request, request.path) + query
