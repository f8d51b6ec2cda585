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


def test_onion_address_is_offered_as_a_header_and_a_link(channel):
    with override_settings(CLARION_ONION_ADDRESS="exampleonionaddressxyz.onion"):
        response = Client().get("/tip/")

    assert response["Onion-Location"] == "http://exampleonionaddressxyz.onion/tip/"
    assert 'href="http://exampleonionaddressxyz.onion/tip/"' in response.content.decode()


def test_landing_page_explains_how_to_stay_safe_and_links_the_authorities_page(channel):
    GuidancePage.objects.create(slug="authorities", title="Reporting to the authorities", body="See Art. 10.")

    html = Client().get("/tip/").content.decode()

    assert "Never use a work computer, work phone or work network" in html
    assert "Use Tor Browser" in html
    assert "receipt" in html
    assert 'href="/tip/guide/authorities/"' in html
    assert "See Art. 10." in Client().get("/tip/guide/authorities/").content.decode()
