"""The tip landing page and the channel forms pass the SecureDrop directory's landing-page checks (issue 11, §2).

The directory (securedrop.org) scans each listed organisation's landing page for what would
expose a source who visits it: cookies, third-party assets, caching, referrers, a clickable
onion address, server versions (tests/support/securedrop_scan.py has its checks). Clarion's
landing page is /tip/ and each channel's form is where a source goes next, so both must pass,
as an HTTPS deployment serves them (tests/support/https.py).
"""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tests.support.https import FORWARDED_HTTPS, https_settings
from tests.support.securedrop_scan import Page, checks, failures

pytestmark = pytest.mark.django_db

HOST = "example.org"
#: Checks Clarion does not pass, and why a source is safer for it.
WAIVED = {
    "xss_protection": (
        "`X-XSS-Protection: 1; mode=block` drives the XSS auditor, which every current browser removed "
        "and which leaked page contents cross-site in those that had it (MDN, OWASP); the CSP forbids "
        "inline script instead"
    ),
}


def fetched(client: Client, path: str) -> Page:
    response = client.get(path, secure=True, headers=FORWARDED_HTTPS, HTTP_HOST=HOST)
    return Page(
        url=f"https://{HOST}{path}",
        status=response.status_code,
        headers=dict(response.headers),
        set_cookies=[morsel.OutputString() for morsel in response.cookies.values()],
        html=response.content.decode(),
    )


def stylesheet(url: str) -> str:
    response = Client().get(url.split(HOST, 1)[1], secure=True, headers=FORWARDED_HTTPS, HTTP_HOST=HOST)
    return b"".join(response.streaming_content if response.streaming else [response.content]).decode()


@pytest.fixture
def https_site(settings):
    settings.ALLOWED_HOSTS = [HOST]
    with override_settings(**https_settings()):
        yield


@pytest.mark.parametrize("path", ["/tip/", "/tip/send/safety/"])
def test_the_landing_page_and_channel_forms_pass_the_directory_checks(https_site, channel, path):
    page = fetched(Client(), path)

    assert page.status == 200
    assert failures(page, stylesheet, waived=WAIVED) == [], page.headers


def test_the_checks_would_catch_a_weak_page(https_site, channel):
    # The same page with a cookie, a CDN's header, a version in Server and an image from elsewhere.
    page = fetched(Client(), "/tip/")
    weak = Page(
        url=page.url,
        status=page.status,
        headers={**page.headers, "Server": "nginx/1.22.1", "CF-RAY": "8a1b", "Cache-Control": "max-age=60"},
        set_cookies=["visitor=1; Path=/"],
        html=page.html.replace("</main>", '<img src="https://pixel.example.net/p.gif"></main>'),
    )

    failed = set(failures(weak, stylesheet, waived=WAIVED))

    assert {
        "no_cookies",
        "no_cdn",
        "no_server_info",
        "no_server_version",
        "no_cross_domain_assets",
        "cache_control_nostore_set",
    } <= failed


def test_the_onion_address_is_not_a_link_on_the_landing_page(https_site, channel):
    with override_settings(CLARION_ONION_ADDRESS="exampleonionaddressxyz.onion"):
        page = fetched(Client(), "/tip/")

    assert "exampleonionaddressxyz.onion" in page.html
    assert checks(page)["safe_onion_address"]
