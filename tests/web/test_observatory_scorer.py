"""The offline MDN HTTP Observatory scorer gives what the published algorithm gives (tests/support/observatory.py).

Synthetic header sets with known outcomes under the service's chart (src/grader/charts.js):
a scorer that was lenient anywhere would let a weak page pass the page-type tests.
"""

from __future__ import annotations

import pytest

from tests.support.observatory import CORS_ORIGIN, Response, grade, scan

GOOD_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
GOOD = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": GOOD_CSP,
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}
URL = "https://example.org/"


def scored(headers: dict[str, str] | None = None, drop: tuple[str, ...] = (), **response: object):
    merged = {name: value for name, value in {**GOOD, **(headers or {})}.items() if name not in drop}
    return scan(Response(url=str(response.pop("url", URL)), status=200, headers=merged, **response))  # type: ignore[arg-type]


def outcome(result, test: str) -> tuple[str, int]:  # noqa: ANN001
    return result.results[test].result, result.results[test].modifier


def test_a_known_good_header_set_scores_130_with_every_bonus_the_chart_gives():
    result = scored()

    assert result.score == 130 and result.grade == "A+"
    assert result.penalties() == []
    assert outcome(result, "content-security-policy") == ("csp-implemented-with-no-unsafe-default-src-none", 10)
    assert outcome(result, "referrer-policy") == ("referrer-policy-private", 5)
    assert outcome(result, "x-frame-options") == ("x-frame-options-implemented-via-csp", 5)
    assert outcome(result, "cross-origin-resource-policy") == ("corp-implemented-with-same-origin", 10)
    assert outcome(result, "cookies") == ("cookies-not-found", 0)


def test_secure_httponly_samesite_cookies_add_five():
    result = scored(set_cookies=["__Host-app-session=x; Path=/; Secure; HttpOnly; SameSite=Strict"])

    assert outcome(result, "cookies") == ("cookies-secure-with-httponly-sessions-and-samesite", 5)
    assert result.score == 135


def test_a_missing_csp_costs_25_and_every_bonus():
    result = scored(drop=("Content-Security-Policy",))

    assert outcome(result, "content-security-policy") == ("csp-not-implemented", -25)
    # X-Frame-Options alone earns nothing; 100 - 25 is below 90, so no bonus counts.
    assert outcome(result, "x-frame-options") == ("x-frame-options-sameorigin-or-deny", 0)
    assert result.score == 75 and result.grade == "B"


def test_bonuses_still_count_when_the_penalties_leave_exactly_90():
    result = scored({"Strict-Transport-Security": "max-age=86400"})

    assert outcome(result, "strict-transport-security") == ("hsts-implemented-max-age-less-than-six-months", -10)
    assert result.score == 120


@pytest.mark.parametrize(
    ("csp", "expected"),
    [
        ("default-src 'self'", ("csp-implemented-with-no-unsafe", 5)),
        ("default-src 'none'; script-src 'self' 'unsafe-inline'", ("csp-implemented-with-unsafe-inline", -20)),
        ("default-src 'none'; script-src 'self' https:", ("csp-implemented-with-unsafe-inline", -20)),
        ("script-src 'self'", ("csp-implemented-with-unsafe-inline", -20)),  # object-src falls back to *
        ("default-src 'none'; script-src 'self' 'unsafe-eval'", ("csp-implemented-with-unsafe-eval", -10)),
        ("default-src 'none'; style-src 'unsafe-inline'", ("csp-implemented-with-unsafe-inline-in-style-src-only", 0)),
        (
            "default-src 'none'; img-src http://cdn.example.net",
            ("csp-implemented-with-insecure-scheme-in-passive-content-only", -10),
        ),
        ("default-src 'none'; script-src 'self'; script-src 'self'", ("csp-header-invalid", -25)),
        (
            "default-src 'none'; script-src 'nonce-abc' 'unsafe-inline'",
            ("csp-implemented-with-no-unsafe-default-src-none", 10),
        ),
    ],
)
def test_csp_results_follow_the_chart(csp, expected):
    assert outcome(scored({"Content-Security-Policy": csp}), "content-security-policy") == expected


def test_a_second_policy_cannot_loosen_the_first():
    # Browsers enforce every policy; the service keeps only what all of them allow.
    loose_second = f"{GOOD_CSP}, default-src 'self'; script-src 'self' 'unsafe-inline'"

    result = scored({"Content-Security-Policy": loose_second})

    assert outcome(result, "content-security-policy") == ("csp-implemented-with-no-unsafe-default-src-none", 10)
    assert result.score == 130


def test_report_only_is_not_a_policy():
    result = scored({"Content-Security-Policy-Report-Only": GOOD_CSP}, drop=("Content-Security-Policy",))

    assert outcome(result, "content-security-policy") == ("csp-not-implemented-but-reporting-enabled", -25)


@pytest.mark.parametrize(
    ("cookie", "expected"),
    [
        ("sessionid=x; Path=/; Secure; SameSite=Lax", ("cookies-session-without-httponly-flag", -30)),
        (
            "sessionid=x; Path=/; HttpOnly; SameSite=Lax",
            ("cookies-session-without-secure-flag-but-protected-by-hsts", -10),
        ),
        ("csrftoken=x; Path=/; Secure", ("cookies-anticsrf-without-samesite-flag", -20)),
        ("theme=dark; Path=/; SameSite=Lax", ("cookies-without-secure-flag-but-protected-by-hsts", -5)),
        ("theme=dark; Secure; SameSite=Sometimes", ("cookies-samesite-flag-invalid", -20)),
        ("theme=dark; Secure; HttpOnly", ("cookies-secure-with-httponly-sessions", 0)),
    ],
)
def test_cookie_results_follow_the_chart(cookie, expected):
    assert outcome(scored(set_cookies=[cookie]), "cookies") == expected


def test_a_session_cookie_without_secure_on_a_site_without_hsts_costs_40():
    result = scored(set_cookies=["sessionid=x; HttpOnly; SameSite=Lax"], drop=("Strict-Transport-Security",))

    assert outcome(result, "cookies") == ("cookies-session-without-secure-flag", -40)
    assert outcome(result, "strict-transport-security") == ("hsts-not-implemented", -20)
    assert result.score == 40


def test_a_cors_preflight_that_reflects_the_origin_with_credentials_costs_50():
    reflecting = {"Access-Control-Allow-Origin": CORS_ORIGIN, "Access-Control-Allow-Credentials": "true"}

    assert outcome(scored(cors_headers=reflecting), "cross-origin-resource-sharing") == (
        "cross-origin-resource-sharing-implemented-with-universal-access",
        -50,
    )
    assert outcome(scored(cors_headers={"Access-Control-Allow-Origin": "*"}), "cross-origin-resource-sharing")[1] == 0


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        (["http://example.org/", "https://example.org/"], ("redirection-to-https", 0)),
        (["http://example.org/"], ("redirection-missing", -20)),
        (["http://example.org/", "https://www.example.org/"], ("redirection-off-host-from-http", -5)),
        (
            ["http://example.org/", "http://www.example.org/", "https://www.example.org/"],
            ("redirection-not-to-https-on-initial-redirection", -10),
        ),
        (["http://example.org/", "http://www.example.org/"], ("redirection-not-to-https", -20)),
    ],
)
def test_redirection_from_plain_http_follows_the_chart(route, expected):
    assert outcome(scored(http_route=route), "redirection") == expected


def test_hsts_needs_https_and_a_parsable_header():
    assert outcome(scored(url="http://example.org/"), "strict-transport-security") == (
        "hsts-not-implemented-no-https",
        -20,
    )
    assert outcome(scored({"Strict-Transport-Security": "includeSubDomains"}), "strict-transport-security")[1] == -20
    assert outcome(scored({"Strict-Transport-Security": "max-age=15552000"}), "strict-transport-security")[1] == 0


@pytest.mark.parametrize(
    ("scripts", "expected"),
    [
        ("", ("sri-not-implemented-but-no-scripts-loaded", 0)),
        (
            '<script src="/static/app.js"></script>',
            ("sri-not-implemented-but-all-scripts-loaded-from-secure-origin", 0),
        ),
        (
            '<script src="/static/app.js" integrity="sha384-x"></script>',
            ("sri-implemented-and-all-scripts-loaded-securely", 5),
        ),
        (
            '<script src="https://cdn.example.net/a.js"></script>',
            ("sri-not-implemented-but-external-scripts-loaded-securely", -5),
        ),
        (
            '<script src="http://cdn.example.net/a.js"></script>',
            ("sri-not-implemented-and-external-scripts-not-loaded-securely", -50),
        ),
    ],
)
def test_subresource_integrity_reads_the_page(scripts, expected):
    html = f"<!doctype html><html><head>{scripts}</head><body></body></html>"

    assert outcome(scored(html=html), "subresource-integrity") == expected


def test_missing_nosniff_frame_protection_and_an_unsafe_referrer_policy_cost_points():
    result = scored(
        {"Referrer-Policy": "unsafe-url", "Content-Security-Policy": "default-src 'none'"},
        drop=("X-Content-Type-Options", "X-Frame-Options"),
    )

    assert outcome(result, "referrer-policy") == ("referrer-policy-unsafe", -5)
    assert outcome(result, "x-content-type-options") == ("x-content-type-options-not-implemented", -5)
    assert outcome(result, "x-frame-options") == ("x-frame-options-not-implemented", -20)
    assert result.score == 70


def test_grades_follow_the_chart():
    assert [grade(s) for s in (135, 100, 95, 90, 89, 80, 75, 65, 60, 50, 45, 40, 30, 25, 24, 0)] == [
        "A+", "A+", "A", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F", "F",
    ]  # fmt: skip
