"""Check a landing page as the SecureDrop directory's scanner does (securedrop.org, `scanner/scanner.py`).

The directory (github.com/freedomofpress/securedrop.org) scans the landing page of every news
organisation it lists: `parse_page_data` (headers, status, encoding, cookies), `parse_soup_data`
(the onion address not in a link), `parse_assets` with `scanner/assets.py` (nothing loaded from
another registered domain), and `directory/warnings.py` (which failures it warns sources
about). Each check below keeps the scanner's name and its exact test: header values compared
as the scanner compares them (`X-Frame-Options` must be exactly `DENY`, `Expires` exactly `-1`),
Cache-Control directives split on commas, the Server header searched for `nginx`, `apache`
and a version number.

Not reproduced: `http2` (a property of the TLS front end: the test through nginx checks it)
and the pshtt fields of older scans (HSTS, forced HTTPS: the Observatory scorer covers them).
As with tests/support/observatory.py, a page is given as a plain mapping of headers, its
Set-Cookie values, its status, URL and HTML, plus the URLs of any redirects on the way, so the
in-process tests and the test through nginx over TLS share the checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

#: The analytics scripts the scanner looks for anywhere in the page (validate_not_using_analytics).
ANALYTICS = ("ga.js", "analytics.js", "quant.js", "chartbeat.js", "chartbeat_mab.js", "beacon.js", "krxd.net")


@dataclass(frozen=True)
class Page:
    url: str
    status: int
    headers: Mapping[str, str]
    set_cookies: Sequence[str] = ()
    html: str = ""
    #: The URLs redirected through before `url` (requests' `page.history`).
    redirects: Sequence[str] = ()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _equals(page: Page, name: str, expected: str) -> bool:
    """The scanner's validate_security_header: present and exactly equal."""
    return _header(page.headers, name) == expected


def _cache_control(page: Page, directive: str) -> bool:
    value = _header(page.headers, "Cache-Control") or ""
    return directive in [part.lower().strip() for part in value.split(",")]


def _registered_domain(url: str) -> str:
    # The scanner uses tldextract (the public suffix list); the last two labels stand in for it.
    host = (urlsplit(url).hostname or "").lower()
    return ".".join(host.split(".")[-2:])


def _subdomain(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return ".".join(host.split(".")[:-2])


def _encoding(page: Page) -> str | None:
    """The encoding `requests` gives the page: the charset, or ISO-8859-1 for any text/* without one."""
    content_type = _header(page.headers, "Content-Type") or ""
    match = re.search(r"charset=([\w.:-]+)", content_type, re.I)
    if match:
        return match.group(1).strip("'\"")
    return "ISO-8859-1" if content_type.lower().startswith("text/") else None


class _Assets(HTMLParser):
    """The resources a page makes a browser load (scanner/assets.py extract_assets), and its links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.assets: list[tuple[str, str]] = []  # (kind, url)
        self.links: list[str] = []
        self.stylesheets: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name.lower(): value or "" for name, value in attrs}
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "img":
            if "src" in a:
                self.assets.append(("img-src", a["src"]))
            for candidate in a.get("srcset", "").split(","):
                if candidate.strip():
                    self.assets.append(("img-srcset", candidate.strip().split()[0]))
        if tag == "video":
            for attribute in ("src", "poster"):
                if attribute in a:
                    self.assets.append((f"video-{attribute}", a[attribute]))
        if tag in ("source", "audio", "embed", "script", "iframe") and "src" in a:
            self.assets.append((f"{tag}-src", a["src"]))
        if tag == "link" and "stylesheet" in a.get("rel", "").lower().split() and a.get("href"):
            self.assets.append(("style-href", a["href"]))
            self.stylesheets.append(a["href"])
        if "style" in a:
            self.assets += [("style-resource-inline", url) for url in css_urls(a["style"])]
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.assets += [("style-embed", url) for url in css_urls(data)]


def css_urls(css: str) -> list[str]:
    """Return the addresses of a piece of CSS's url(...) values and @import strings."""
    found = re.findall(r"url\(\s*['\"]?([^'\")\s]+)['\"]?\s*\)", css, re.I)
    return found + re.findall(r"@import\s+['\"]([^'\"]+)['\"]", css, re.I)


def third_party_assets(page: Page, fetch: Callable[[str], str] | None = None) -> list[str]:
    """Return the page's assets on another registered domain (parse_assets), stylesheets' contents included.

    `fetch(url)` returns a same-site stylesheet's text, so that its url(...) values are checked too.
    """
    parser = _Assets()
    parser.feed(page.html)
    assets = list(parser.assets)
    if fetch:
        for href in parser.stylesheets:
            absolute = urljoin(page.url, href)
            if _registered_domain(absolute) == _registered_domain(page.url):
                assets += [("style-resource", urljoin(absolute, url)) for url in css_urls(fetch(absolute))]
    site = _registered_domain(page.url)
    foreign = []
    for kind, url in assets:
        absolute = urljoin(page.url, url)
        if urlsplit(absolute).scheme in ("http", "https") and _registered_domain(absolute) != site:
            foreign.append(f"({kind}) {url}")
    return foreign


def checks(page: Page, fetch: Callable[[str], str] | None = None) -> dict[str, bool]:
    """Return every check of the directory's scanner: its name and whether the page passes it."""
    server = _header(page.headers, "Server")
    csp = _header(page.headers, "Content-Security-Policy")
    parser = _Assets()
    parser.feed(page.html)
    encoding = _encoding(page)
    return {
        "http_status_200_ok": page.status == 200,
        "no_cross_domain_redirects": all(
            _registered_domain(url) == _registered_domain(page.url) for url in page.redirects
        ),
        # The scanner stores `subdomain` True when the page is on one; the directory warns then.
        "not_on_subdomain": all(_subdomain(url) in ("", "www") for url in [*page.redirects, page.url]),
        "no_cookies": not page.set_cookies,
        "no_cdn": _header(page.headers, "CF-Cache-Status") is None and _header(page.headers, "CF-RAY") is None,
        "expected_encoding": encoding is not None and encoding.upper() in ("UTF-8", "ISO-8859-1"),
        "no_analytics": not any(script in page.html for script in ANALYTICS),
        "no_server_info": server is None or not ("nginx" in server.lower() or "apache" in server.lower()),
        "no_server_version": server is None or not re.search(r"\d+.\d+", server),
        "csp_origin_only": csp is not None and "default-src 'self'" in csp,
        "mime_sniffing_blocked": _equals(page, "X-Content-Type-Options", "nosniff"),
        "noopen_download": _equals(page, "X-Download-Options", "noopen"),
        "xss_protection": _equals(page, "X-XSS-Protection", "1; mode=block"),
        "clickjacking_protection": _equals(page, "X-Frame-Options", "DENY"),
        "good_cross_domain_policy": _equals(page, "X-Permitted-Cross-Domain-Policies", "master-only"),
        "http_1_0_caching_disabled": _equals(page, "Pragma", "no-cache"),
        "expires_set": _equals(page, "Expires", "-1"),
        "cache_control_set": _header(page.headers, "Cache-Control") is not None,
        "cache_control_revalidate_set": _cache_control(page, "must-revalidate"),
        "cache_control_nocache_set": _cache_control(page, "no-cache"),
        "cache_control_notransform_set": _cache_control(page, "no-transform"),
        "cache_control_nostore_set": _cache_control(page, "no-store"),
        "cache_control_private_set": _cache_control(page, "private"),
        "referrer_policy_set_to_no_referrer": _equals(page, "Referrer-Policy", "no-referrer"),
        "safe_onion_address": not any(".onion" in href for href in parser.links),
        "no_cross_domain_assets": not third_party_assets(page, fetch),
    }


def failures(page: Page, fetch: Callable[[str], str] | None = None, *, waived: Mapping[str, str] = {}) -> list[str]:
    """Return the checks the page fails, except those `waived` (check name -> the reason, for the reader)."""
    return [name for name, passed in checks(page, fetch).items() if not passed and name not in waived]
