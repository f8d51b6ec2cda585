"""Every source page carries the protective headers and loads nothing from another origin."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings

from clarion.intake.models import GuidancePage
from tests.support.people import browser_client
from tests.support.tips import submit


def source_pages(channel) -> list[str]:  # noqa: ANN001
    return ["/tip/", f"/tip/send/{channel.slug}/", "/tip/login/"]


@pytest.mark.parametrize("index", range(3))
def test_source_page_headers(channel, index):
    url = source_pages(channel)[index]

    response = Client().get(url)

    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("index", range(3))
def test_source_page_references_no_other_origin(channel, index):
    html = Client().get(source_pages(channel)[index]).content.decode()

    for attribute in re.findall(r'(?:src|href|action)="([^"]+)"', html):
        assert not re.match(r"^(https?:)?//", attribute), attribute


def test_receipt_page_is_never_cached(channel):
    response = submit(browser_client(), channel)

    assert "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"]


ONION = "exampleonionaddressxyzexampleonionaddressxyzexampleonion.onion"


def test_landing_page_shows_the_onion_address_as_text_to_copy_never_as_a_link(channel):
    with override_settings(CLARION_ONION_ADDRESS=ONION):
        html = Client().get("/tip/").content.decode()

    assert f'<code class="onion-address">{ONION}</code>' in html
    # A link would make an ordinary browser ask its DNS resolver for the onion name on a click.
    for href in re.findall(r'<a\b[^>]*\bhref="([^"]*)"', html):
        assert ".onion" not in href, href
    assert ".onion" not in "".join(re.findall(r"<a\b[^>]*>", html))


def test_landing_page_without_an_onion_service_mentions_none(channel):
    html = Client().get("/tip/").content.decode()

    assert ".onion" not in html
    assert "onion-address" not in html


@pytest.mark.parametrize("path", ["/tip/", "/", "/staff/login/"])
def test_pages_over_https_send_onion_location_for_the_same_path(channel, path, settings):
    # As behind deploy/nginx: Clarion trusts X-Forwarded-Proto, which the proxy always sets.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.CLARION_ONION_ADDRESS = ONION

    response = Client().get(path + "?page=1", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 200
    assert response["Onion-Location"] == f"http://{ONION}{path}?page=1"


def test_pages_over_plain_http_send_no_onion_location(channel, settings):
    # Over HTTP anyone on the path could rewrite the header and send Tor Browser to an onion of
    # their own: Tor Browser ignores it there, and Clarion does not send it (nor over the onion).
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.CLARION_ONION_ADDRESS = ONION

    for response in (Client().get("/tip/"), Client().get("/tip/", HTTP_X_FORWARDED_PROTO="http")):
        assert response.status_code == 200
        assert "Onion-Location" not in response


def test_a_page_stored_by_the_page_cache_keeps_onion_location_to_https_requests(channel, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.CLARION_ONION_ADDRESS = ONION

    over_http = Client().get("/")  # rendered and stored by the public page cache
    over_https = Client().get("/", HTTP_X_FORWARDED_PROTO="https")

    assert "Onion-Location" not in over_http
    assert over_https["Onion-Location"] == f"http://{ONION}/"


def test_landing_page_explains_how_to_stay_safe_and_links_the_authorities_page(channel):
    GuidancePage.objects.create(slug="authorities", title="Reporting to the authorities", body="See Art. 10.")

    html = Client().get("/tip/").content.decode()

    assert "Never use a work computer, work phone or work network" in html
    assert "Use Tor Browser" in html
    assert "receipt" in html
    assert 'href="/tip/guide/authorities/"' in html
    assert "See Art. 10." in Client().get("/tip/guide/authorities/").content.decode()
