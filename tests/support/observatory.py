"""Score a response as the MDN HTTP Observatory (scanner v2, algorithm version 4) does, offline.

The Observatory is an online service and the test machines have no network, so its published
algorithm is re-implemented here, rule for rule, from its source (github.com/mdn/mdn-http-observatory):

- src/scanner/index.js: the score starts at 100 and adds every test's modifier; the bonuses
  (positive modifiers) only count when 100 plus the penalties alone is at least 90
  (`MINIMUM_SCORE_FOR_EXTRA_CREDIT`); a score below 0 is 0.
- src/grader/charts.js: `SCORE_TABLE` (each result's modifier, copied into `MODIFIERS` below)
  and `GRADE_CHART` (the score rounded down to a multiple of 5, capped at 100: 100 is A+).
- src/analyzer/tests/*.js: the ten tests (content-security-policy, cookies,
  cross-origin-resource-sharing, redirection, referrer-policy, strict-transport-security,
  subresource-integrity, x-content-type-options, x-frame-options, cross-origin-resource-policy)
  and src/analyzer/cspParser.js (how several CSP policies combine).

What the service fetches itself is given to `scan` instead, so that in-process tests, the
live-server tests and the test through nginx over TLS share one scorer: the response's URL,
status, headers (name -> value, repeated headers joined with ", " as Node does), its Set-Cookie
values, its HTML, the headers of the CORS preflight it answers (OPTIONS with an `Origin`), and
the redirect route of the plain-HTTP request. Where this module is stricter than the service
it says so: it scores a non-2xx page (the service refuses to), counts a cookie that is being
deleted like any other (a cookie jar may drop it), and does not consult the HSTS preload list
unless told the host is on it (`preloaded`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

#: Every result's score modifier (src/grader/charts.js, SCORE_TABLE).
MODIFIERS: dict[str, int] = {
    # content-security-policy
    "csp-implemented-with-no-unsafe-default-src-none": 10,
    "csp-implemented-with-no-unsafe": 5,
    "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
    "csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
    "csp-implemented-with-unsafe-eval": -10,
    "csp-implemented-with-unsafe-inline": -20,
    "csp-implemented-with-insecure-scheme": -20,
    "csp-header-invalid": -25,
    "csp-not-implemented": -25,
    "csp-not-implemented-but-reporting-enabled": -25,
    "csp-implemented-but-duplicate-directives": 0,
    # cookies
    "cookies-secure-with-httponly-sessions-and-samesite": 5,
    "cookies-secure-with-httponly-sessions": 0,
    "cookies-not-found": 0,
    "cookies-without-secure-flag-but-protected-by-hsts": -5,
    "cookies-session-without-secure-flag-but-protected-by-hsts": -10,
    "cookies-without-secure-flag": -20,
    "cookies-samesite-flag-invalid": -20,
    "cookies-anticsrf-without-samesite-flag": -20,
    "cookies-session-without-httponly-flag": -30,
    "cookies-session-without-secure-flag": -40,
    # cross-origin-resource-sharing
    "cross-origin-resource-sharing-not-implemented": 0,
    "cross-origin-resource-sharing-implemented-with-public-access": 0,
    "cross-origin-resource-sharing-implemented-with-restricted-access": 0,
    "cross-origin-resource-sharing-implemented-with-universal-access": -50,
    # redirection
    "redirection-all-redirects-preloaded": 0,
    "redirection-to-https": 0,
    "redirection-not-needed-no-http": 0,
    "redirection-off-host-from-http": -5,
    "redirection-not-to-https-on-initial-redirection": -10,
    "redirection-not-to-https": -20,
    "redirection-missing": -20,
    "redirection-invalid-cert": -20,
    # referrer-policy
    "referrer-policy-private": 5,
    "referrer-policy-not-implemented": 0,
    "referrer-policy-unsafe": -5,
    "referrer-policy-header-invalid": -5,
    # strict-transport-security
    "hsts-preloaded": 5,
    "hsts-implemented-max-age-at-least-six-months": 0,
    "hsts-implemented-max-age-less-than-six-months": -10,
    "hsts-not-implemented": -20,
    "hsts-header-invalid": -20,
    "hsts-not-implemented-no-https": -20,
    "hsts-invalid-cert": -20,
    # subresource-integrity
    "sri-implemented-and-all-scripts-loaded-securely": 5,
    "sri-implemented-and-external-scripts-loaded-securely": 5,
    "sri-not-implemented-response-not-html": 0,
    "sri-not-implemented-but-no-scripts-loaded": 0,
    "sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
    "sri-not-implemented-but-external-scripts-loaded-securely": -5,
    "sri-implemented-but-external-scripts-not-loaded-securely": -20,
    "sri-not-implemented-and-external-scripts-not-loaded-securely": -50,
    # x-content-type-options
    "x-content-type-options-nosniff": 0,
    "x-content-type-options-not-implemented": -5,
    "x-content-type-options-header-invalid": -5,
    # x-frame-options
    "x-frame-options-implemented-via-csp": 5,
    "x-frame-options-sameorigin-or-deny": 0,
    "x-frame-options-allow-from-origin": 0,
    "x-frame-options-not-implemented": -20,
    "x-frame-options-header-invalid": -20,
    # cross-origin-resource-policy
    "corp-header-invalid": -5,
    "corp-implemented-with-cross-origin": 0,
    "corp-implemented-with-same-origin": 10,
    "corp-implemented-with-same-site": 10,
    "corp-not-implemented": 0,
    # a page that claims to be HTML and is not
    "html-not-parseable": -20,
}

MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90
#: The Origin the service's CORS preflight sends (src/config.js, retriever.corsOrigin).
CORS_ORIGIN = "https://http-observatory.security.mozilla.org"
HTML_TYPES = {"text/html", "application/xhtml+xml"}
GRADES = [
    (100, "A+"),
    (90, "A"),
    (85, "A-"),
    (80, "B+"),
    (70, "B"),
    (65, "B-"),
    (60, "C+"),
    (50, "C"),
    (45, "C-"),
    (40, "D+"),
    (30, "D"),
    (25, "D-"),
    (0, "F"),
]
SIX_MONTHS = 15_552_000  # the service's "white lie" for 15768000 (strict-transport-security.js)


@dataclass(frozen=True)
class Response:
    """What the Observatory retrieves of one page; every field but the first three is optional."""

    url: str
    status: int
    headers: Mapping[str, str]
    set_cookies: Sequence[str] = ()
    html: str = ""
    #: Headers of the answer to `OPTIONS url` with `Origin: CORS_ORIGIN` (None: not asked).
    cors_headers: Mapping[str, str] | None = None
    #: The plain-HTTP request's route: every URL from http://host/ to where it ended (None: no HTTP port).
    http_route: Sequence[str] | None = None
    #: Whether the host is on the browsers' HSTS preload list (never true for a test host).
    preloaded: bool = False


@dataclass(frozen=True)
class Result:
    test: str
    result: str
    modifier: int


@dataclass
class Scan:
    score: int
    grade: str
    results: dict[str, Result] = field(default_factory=dict)

    def penalties(self) -> list[Result]:
        """Return the results that cost points."""
        return [result for result in self.results.values() if result.modifier < 0]

    def explain(self) -> str:
        lines = [f"score {self.score} ({self.grade})"]
        lines += [f"  {r.test}: {r.result} ({r.modifier:+d})" for r in self.results.values()]
        return "\n".join(lines)


def values(headers: Mapping[str, str], name: str) -> list[str]:
    """Return the values of a header whatever the case of its name (the service's getHttpHeaders)."""
    return [value for key, value in headers.items() if key.lower() == name.lower()]


def first(headers: Mapping[str, str], name: str) -> str | None:
    found = values(headers, name)
    return found[0] if found else None


# --- HTML: the meta http-equiv policies and the scripts ------------------------------------------


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.http_equiv: dict[str, list[str]] = {}
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name.lower(): value for name, value in attrs}
        if tag == "meta" and attributes.get("http-equiv") and attributes.get("content") is not None:
            name = (attributes["http-equiv"] or "").lower()
            self.http_equiv.setdefault(name, []).append(attributes["content"] or "")
        elif tag == "script":
            self.scripts.append(attributes)


def _page(response: Response) -> _Page:
    page = _Page()
    mime = (first(response.headers, "Content-Type") or "").split(";")[0].strip().lower()
    if mime in HTML_TYPES and response.html:
        page.feed(response.html)
    return page


# --- content-security-policy (csp.js, cspParser.js) -------------------------------------------------

DANGEROUSLY_BROAD = {"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"}
UNSAFE_INLINE = {"'unsafe-inline'", "data:"}
NONCES_HASHES = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")
DUPLICATES_ALLOWED = {"report-uri", "report-to"}
META_FORBIDDEN = {"frame-ancestors", "report-uri", "sandbox"}
DUPLICATE_WARNINGS = "_duplicate_key_warnings"


class InvalidPolicy(ValueError):
    pass


def _path_part_match(a: str, b: str) -> bool:
    if not a:
        return True
    if a == "/" and not b:
        return True
    exact = not a.endswith("/")
    parts_a, parts_b = a.split("/"), b.split("/")
    if len(parts_a) > len(parts_b) or (exact and len(parts_a) != len(parts_b)):
        return False
    if not exact:
        parts_a.pop()
    return all(x == y for x, y in zip(parts_a, parts_b, strict=False))


def parse_csp(policies: Sequence[str]) -> dict[str, set[str]]:
    """Combine CSP policies as the service does: a source counts only if every policy naming the directive allows it."""
    cleaned = [re.sub(r"[\r\n]", "", policy).strip() for policy in policies]
    if not cleaned:
        return {}
    for policy in cleaned:
        if len(policy) < len("img-src") - 1:
            raise InvalidPolicy(policy)
    csp: dict[str, list[list]] = {}  # directive -> [source, policy index, keep]
    duplicates: set[str] = set()
    for index, policy in enumerate(cleaned):
        seen: set[str] = set()
        for entry in policy.split(";"):
            words = entry.strip().split()
            if not words:
                continue
            directive = words[0].lower()
            if directive in seen:
                if directive not in DUPLICATES_ALLOWED:
                    raise InvalidPolicy(f"duplicate {directive}")
                duplicates.add(directive)
            seen.add(directive)
            keep = index == 0
            sources = [[word.strip().lower(), index, keep] for word in words[1:]]
            if not sources and directive.endswith("-src"):
                sources = [["'none'", index, keep]]
            combined = sources if index == 0 else [*csp.get(directive, []), *sources]
            combined.sort(key=lambda item: item[0])
            for position in range(1, len(combined)):
                source, previous = combined[position], combined[position - 1]
                if source[1] == previous[1] and source[0].startswith(previous[0]):
                    source[2] = False
                if source[1] != previous[1] and _path_part_match(previous[0], source[0]):
                    source[2] = True
            csp[directive] = [item for item in combined if item[2]]
            if index == 0 and len(cleaned) > 1:
                for item in csp[directive]:
                    item[2] = False
    final = {directive: ({item[0] for item in items} or {"'none'"}) for directive, items in csp.items()}
    if duplicates:
        final[DUPLICATE_WARNINGS] = duplicates
    return final


def _split_policies(raw: Sequence[str]) -> list[str]:
    return [part.strip() for value in raw for part in value.split(",")]


def content_security_policy(response: Response, page: _Page) -> tuple[str, dict[str, set[str]]]:
    """Return the CSP result and the combined policy (for x-frame-options)."""
    header_policies = _split_policies(values(response.headers, "Content-Security-Policy"))
    meta_policies = _split_policies(page.http_equiv.get("content-security-policy", []))
    try:
        csp = parse_csp([*header_policies, *meta_policies])
    except InvalidPolicy:
        return "csp-header-invalid", {}
    try:
        header_only = parse_csp(header_policies)
    except InvalidPolicy:
        header_only = {}
    try:
        meta = {k: v for k, v in parse_csp(meta_policies).items() if k not in META_FORBIDDEN}
    except InvalidPolicy:
        meta = {}
    if not header_only and not meta:
        if first(response.headers, "Content-Security-Policy-Report-Only"):
            return "csp-not-implemented-but-reporting-enabled", {}
        return "csp-not-implemented", {}

    https = urlsplit(response.url).scheme == "https"
    everything = {"*"}
    object_src = set(csp.get("object-src") or csp.get("default-src") or everything)
    script_src = set(csp.get("script-src") or csp.get("default-src") or everything)
    style_src = set(csp.get("style-src") or csp.get("default-src") or everything)
    for sources in (script_src, style_src):
        if any(s.startswith(NONCES_HASHES) for s in sources):
            sources.discard("'unsafe-inline'")
    result = None
    if any(s.startswith(NONCES_HASHES) for s in script_src) and "'strict-dynamic'" in script_src:
        for source in list(script_src):
            if any(source.startswith(b) for b in DANGEROUSLY_BROAD) or source in ("'self'", "'unsafe-inline'"):
                script_src.discard(source)
    elif "'strict-dynamic'" in script_src:
        result = "csp-header-invalid"

    passive = ("img-src", "media-src")
    active = [s for d, sources in csp.items() if d not in passive and d != "script-src" for s in sources]
    active += list(script_src)
    passive_sources = [s for d in passive for s in (csp.get(d) or csp.get("default-src") or set())]

    def worse(candidate: str) -> None:
        nonlocal result
        if result is None:
            result = candidate

    if script_src & (DANGEROUSLY_BROAD | UNSAFE_INLINE) or object_src & DANGEROUSLY_BROAD:
        worse("csp-implemented-with-unsafe-inline")
    if https and any(s.startswith(("http:", "ftp:")) for s in active):
        worse("csp-implemented-with-insecure-scheme")
    if "'unsafe-eval'" in script_src | style_src:
        worse("csp-implemented-with-unsafe-eval")
    if https and any(s.startswith(("http:", "ftp:")) for s in passive_sources):
        worse("csp-implemented-with-insecure-scheme-in-passive-content-only")
    if style_src & (DANGEROUSLY_BROAD | UNSAFE_INLINE):
        worse("csp-implemented-with-unsafe-inline-in-style-src-only")
    if csp.get("default-src") == {"'none'"}:
        worse("csp-implemented-with-no-unsafe-default-src-none")
    else:
        worse("csp-implemented-with-no-unsafe")
    passed = {
        "csp-implemented-with-no-unsafe",
        "csp-implemented-with-no-unsafe-default-src-none",
        "csp-implemented-with-unsafe-inline-in-style-src-only",
        "csp-implemented-with-insecure-scheme-in-passive-content-only",
    }
    if result in passed and DUPLICATE_WARNINGS in csp:
        result = "csp-implemented-but-duplicate-directives"
    # x-frame-options.js reads the combined policy (header and meta) for frame-ancestors.
    assert result is not None
    return result, {k: v for k, v in csp.items() if k != DUPLICATE_WARNINGS}


# --- cookies (cookies.js) ----------------------------------------------------------------------------

COOKIE_ORDER = [
    "cookies-without-secure-flag-but-protected-by-hsts",
    "cookies-without-secure-flag",
    "cookies-session-without-secure-flag-but-protected-by-hsts",
    "cookies-samesite-flag-invalid",
    "cookies-anticsrf-without-samesite-flag",
    "cookies-session-without-httponly-flag",
    "cookies-session-without-secure-flag",
]


def _only_if_worse(new: str, old: str | None, order: Sequence[str]) -> str:
    if old is None or order.index(new) > order.index(old):
        return new
    return old


@dataclass
class Cookie:
    name: str
    secure: bool
    httponly: bool
    samesite: str | None


def parse_cookie(raw: str) -> Cookie:
    parts = [part.strip() for part in raw.split(";")]
    name = parts[0].split("=", 1)[0].strip()
    attributes: dict[str, str] = {}
    for part in parts[1:]:
        key, _, value = part.partition("=")
        attributes[key.strip().lower()] = value.strip()
    samesite = attributes.get("samesite")
    return Cookie(name, "secure" in attributes, "httponly" in attributes, samesite.lower() if samesite else None)


def _samesite_invalid(raw: str) -> bool:
    for part in raw.strip().split(";"):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "samesite":
            if not value or value.strip().lower() not in ("lax", "strict", "none"):
                return True
    return False


def cookies(response: Response, hsts_passes: bool) -> str:
    result: str | None = None
    for raw in response.set_cookies:
        if _samesite_invalid(raw):
            result = _only_if_worse("cookies-samesite-flag-invalid", result, COOKIE_ORDER)
    jar = [parse_cookie(raw) for raw in response.set_cookies]
    jar = [cookie for cookie in jar if cookie.name and cookie.name != "heroku-session-affinity"]
    if not jar:
        return "cookies-not-found"
    missing_samesite = False
    for cookie in jar:
        session = any(word in cookie.name.lower() for word in ("login", "sess"))
        anticsrf = "csrf" in cookie.name.lower()
        if not cookie.secure and cookie.samesite == "none":
            result = _only_if_worse("cookies-samesite-flag-invalid", result, COOKIE_ORDER)
        if not cookie.secure:
            name = "cookies-without-secure-flag-but-protected-by-hsts" if hsts_passes else "cookies-without-secure-flag"
            result = _only_if_worse(name, result, COOKIE_ORDER)
        if anticsrf and not cookie.samesite:
            result = _only_if_worse("cookies-anticsrf-without-samesite-flag", result, COOKIE_ORDER)
        if session and not cookie.secure:
            name = (
                "cookies-session-without-secure-flag-but-protected-by-hsts"
                if hsts_passes
                else "cookies-session-without-secure-flag"
            )
            result = _only_if_worse(name, result, COOKIE_ORDER)
        if session and not cookie.httponly:
            result = _only_if_worse("cookies-session-without-httponly-flag", result, COOKIE_ORDER)
        missing_samesite = missing_samesite or not cookie.samesite
    if result is None:
        return (
            "cookies-secure-with-httponly-sessions"
            if missing_samesite
            else "cookies-secure-with-httponly-sessions-and-samesite"
        )
    return result


# --- the other tests ------------------------------------------------------------------------------------


def cross_origin_resource_sharing(response: Response) -> str:
    if response.cors_headers is None:
        return "cross-origin-resource-sharing-not-implemented"
    allow_origin = first(response.cors_headers, "Access-Control-Allow-Origin")
    if not allow_origin:
        return "cross-origin-resource-sharing-not-implemented"
    credentials = first(response.cors_headers, "Access-Control-Allow-Credentials") or ""
    if allow_origin[:256].strip().lower() == "*":
        return "cross-origin-resource-sharing-implemented-with-public-access"
    if allow_origin == CORS_ORIGIN and credentials.strip().lower() == "true":
        return "cross-origin-resource-sharing-implemented-with-universal-access"
    return "cross-origin-resource-sharing-implemented-with-restricted-access"


def redirection(response: Response) -> str:
    route = response.http_route
    if route is None:
        return "redirection-not-needed-no-http"
    if response.preloaded:
        return "redirection-all-redirects-preloaded"
    if len(route) == 1:
        return "redirection-missing"
    parts = [urlsplit(url) for url in route]
    if parts[-1].scheme != "https":
        return "redirection-not-to-https"
    if parts[1].scheme == "http":
        return "redirection-not-to-https-on-initial-redirection"
    if parts[0].scheme == "http" and parts[1].scheme == "https" and parts[0].hostname != parts[1].hostname:
        return "redirection-off-host-from-http"
    return "redirection-to-https"


REFERRER_GOOD = ["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"]
REFERRER_BAD = ["origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade"]


def referrer_policy(response: Response, page: _Page) -> str:
    declared = values(response.headers, "Referrer-Policy") + page.http_equiv.get("referrer-policy", [])
    if not declared:
        return "referrer-policy-not-implemented"
    known = [
        p.strip().lower() for p in ", ".join(declared).split(",") if p.strip().lower() in REFERRER_GOOD + REFERRER_BAD
    ]
    policy = known[-1] if known else ""
    if policy in REFERRER_GOOD:
        return "referrer-policy-private"
    if policy in REFERRER_BAD:
        return "referrer-policy-unsafe"
    return "referrer-policy-header-invalid"


def strict_transport_security(response: Response) -> str:
    if urlsplit(response.url).scheme != "https":
        return "hsts-not-implemented-no-https"
    if response.preloaded:
        return "hsts-preloaded"
    declared = values(response.headers, "Strict-Transport-Security")
    if not declared:
        return "hsts-not-implemented"
    header = declared[0][:1024]
    if "," in header:
        return "hsts-header-invalid"
    max_age = None
    for parameter in (p.strip().lower() for p in header.split(";")):
        if parameter.startswith("max-age="):
            digits = re.match(r"\s*([+-]?\d+)", parameter[8:128])
            max_age = int(digits.group(1)) if digits else None
    if max_age is None:
        return "hsts-header-invalid"
    return (
        "hsts-implemented-max-age-less-than-six-months"
        if max_age < SIX_MONTHS
        else "hsts-implemented-max-age-at-least-six-months"
    )


SRI_ORDER = [
    "sri-implemented-and-all-scripts-loaded-securely",
    "sri-implemented-and-external-scripts-loaded-securely",
    "sri-implemented-but-external-scripts-not-loaded-securely",
    "sri-not-implemented-but-external-scripts-loaded-securely",
    "sri-not-implemented-and-external-scripts-not-loaded-securely",
    "sri-not-implemented-response-not-html",
]


def _registered_domain(host: str) -> str:
    # The service uses the public suffix list (tldts); the last two labels stand in for it.
    return ".".join(host.lower().split(".")[-2:])


def subresource_integrity(response: Response, page: _Page) -> str:
    mime = (first(response.headers, "Content-Type") or "").split(";")[0].strip().lower()
    if mime and mime not in HTML_TYPES:
        return "sri-not-implemented-response-not-html"
    if not page.scripts:
        return "sri-not-implemented-but-no-scripts-loaded"
    result: str | None = None
    foreign = False
    https = urlsplit(response.url).scheme == "https"
    site = _registered_domain(urlsplit(response.url).hostname or "")
    for script in page.scripts:
        src = script.get("src")
        if not src:
            continue
        integrity = script.get("integrity")
        relative_protocol = bool(re.match(r"^//[^/]", src))
        full = bool(re.match(r"^https?://", src))
        relative_origin = not relative_protocol and not full
        same_domain = relative_protocol or relative_origin or _registered_domain(urlsplit(src).hostname or "") == site
        secure_origin = relative_origin or (same_domain and not relative_protocol)
        foreign = foreign or not secure_origin
        scheme = urlsplit(src).scheme + ":" if full else None
        secure_scheme = scheme == "https:" or (relative_origin and https)
        if not secure_origin:
            if integrity and not secure_scheme:
                result = _only_if_worse("sri-implemented-but-external-scripts-not-loaded-securely", result, SRI_ORDER)
            elif not integrity and secure_scheme:
                result = _only_if_worse("sri-not-implemented-but-external-scripts-loaded-securely", result, SRI_ORDER)
            elif not integrity and not secure_scheme:
                result = _only_if_worse(
                    "sri-not-implemented-and-external-scripts-not-loaded-securely", result, SRI_ORDER
                )
        elif integrity and secure_scheme and result is None:
            result = "sri-implemented-and-all-scripts-loaded-securely"
    if result is None:
        result = (
            "sri-implemented-and-external-scripts-loaded-securely"
            if foreign
            else "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"
        )
    return result


def x_content_type_options(response: Response) -> str:
    header = first(response.headers, "X-Content-Type-Options")
    if not header:
        return "x-content-type-options-not-implemented"
    if header[:256].strip().lower() == "nosniff":
        return "x-content-type-options-nosniff"
    return "x-content-type-options-header-invalid"


def x_frame_options(response: Response, csp: dict[str, set[str]]) -> str:
    header = first(response.headers, "X-Frame-Options")
    if header:
        value = header[:1024].strip().lower()
        if value in ("deny", "sameorigin"):
            result = "x-frame-options-sameorigin-or-deny"
        elif value.startswith("allow-from"):
            result = "x-frame-options-allow-from-origin"
        else:
            result = "x-frame-options-header-invalid"
    else:
        result = "x-frame-options-not-implemented"
    if csp.get("frame-ancestors"):
        result = "x-frame-options-implemented-via-csp"
    return result


def cross_origin_resource_policy(response: Response, page: _Page) -> str:
    header = first(response.headers, "Cross-Origin-Resource-Policy")
    meta = page.http_equiv.get("cross-origin-resource-policy")
    value = header if header else (meta[-1] if meta else None)
    if not value:
        return "corp-not-implemented"
    return {
        "same-site": "corp-implemented-with-same-site",
        "same-origin": "corp-implemented-with-same-origin",
        "cross-origin": "corp-implemented-with-cross-origin",
    }.get(value[:256].strip().lower(), "corp-header-invalid")


# --- the scan ------------------------------------------------------------------------------------------


def grade(score: int) -> str:
    rounded = min(score - score % 5, 100)
    return next(letter for threshold, letter in GRADES if rounded >= threshold)


def scan(response: Response) -> Scan:
    """Run the ten tests on `response` and total them as the service does."""
    page = _page(response)
    csp_result, csp = content_security_policy(response, page)
    hsts = strict_transport_security(response)
    hsts_passes = hsts in ("hsts-implemented-max-age-at-least-six-months", "hsts-preloaded")
    outcomes = {
        "content-security-policy": csp_result,
        "cookies": cookies(response, hsts_passes),
        "cross-origin-resource-sharing": cross_origin_resource_sharing(response),
        "redirection": redirection(response),
        "referrer-policy": referrer_policy(response, page),
        "strict-transport-security": hsts,
        "subresource-integrity": subresource_integrity(response, page),
        "x-content-type-options": x_content_type_options(response),
        "x-frame-options": x_frame_options(response, csp),
        "cross-origin-resource-policy": cross_origin_resource_policy(response, page),
    }
    results = {test: Result(test, outcome, MODIFIERS[outcome]) for test, outcome in outcomes.items()}
    with_bonus = 100 + sum(r.modifier for r in results.values())
    without_bonus = 100 + sum(r.modifier for r in results.values() if r.modifier < 0)
    score = max(with_bonus if without_bonus >= MINIMUM_SCORE_FOR_EXTRA_CREDIT else without_bonus, 0)
    return Scan(score, grade(score), results)
