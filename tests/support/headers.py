"""What every response must carry, whatever its surface, status or kind (docs/design.md, property 4, ASVS 4.1.1).

Shared by the tests that crawl page types, the error-page tests and the live-server tests, so
that each asks the same of a response.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# Content types that are text and so must name their charset (ASVS 4.1.1).
TEXT_TYPES = re.compile(r"^(text/[\w.+-]+|application/([\w.+-]+\+)?(xml|json|javascript))\s*(;|$)", re.I)


def header(headers: Mapping[str, str], name: str) -> str:
    """Return a header's value whatever the case of its name, or ""."""
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return ""


def charset_problems(headers: Mapping[str, str]) -> list[str]:
    """Return what is wrong with a response's Content-Type: a text type without a charset."""
    content_type = header(headers, "Content-Type")
    if not content_type:
        return ["no Content-Type"]
    if TEXT_TYPES.match(content_type) and "charset=utf-8" not in content_type.lower().replace('"', ""):
        return [f"text without charset=utf-8: {content_type!r}"]
    return []


def page_header_problems(headers: Mapping[str, str]) -> list[str]:
    """Return which of the protective headers of an HTML page are missing or weaker than required."""
    problems = []
    csp = header(headers, "Content-Security-Policy")
    for directive in ("default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"):
        if directive not in csp:
            problems.append(f"CSP lacks {directive}: {csp!r}")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"CSP allows inline code: {csp!r}")
    expected = {
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    for name, value in expected.items():
        if header(headers, name) != value:
            problems.append(f"{name} is {header(headers, name)!r}, not {value!r}")
    return problems + charset_problems(headers)


def other_origins(html: str) -> list[str]:
    """Return the addresses in a page's src, href and action attributes that point at another origin."""
    return [
        address
        for address in re.findall(r'(?:src|href|action)="([^"]+)"', html)
        if re.match(r"^(https?:)?//", address, re.I)
    ]
