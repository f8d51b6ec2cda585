"""Reader pages are sent compressed; no page holding a secret ever is (BREACH).

BREACH reads a secret out of a compressed response into which an attacker can reflect text of
their choosing, by watching its length. Reader pages hold no secret; source and staff pages
hold CSRF tokens, receipts and tip content, and the source's form reflects what was typed.
"""

from __future__ import annotations

import gzip

import pytest
from django.test import Client

from tests.support.people import browser_client
from tests.support.tips import answers_for, form_token_of

pytestmark = pytest.mark.django_db

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.fixture
def published(make_published_post):
    make_published_post(slug="overtime", title="Overtime went unpaid", body="Pay slips. " * 200)


@pytest.mark.parametrize(
    "path", ["/", "/posts/overtime/", "/reports/", "/feed/atom/", "/sitemap.xml", "/search/?q=pay"]
)
def test_reader_pages_are_compressed_for_a_browser_that_asks_whether_rendered_or_cached(published, path):
    plain = Client().get(path)
    first = Client(headers=GZIP).get(path)
    cached = Client(headers=GZIP).get(path)

    for response in (first, cached):
        assert response["Content-Encoding"] == "gzip", path
        assert "Accept-Encoding" in response["Vary"]
        assert gzip.decompress(response.content) == plain.content
        assert len(response.content) < len(plain.content)
    assert not plain.has_header("Content-Encoding")


def test_source_and_staff_pages_holding_a_token_are_never_compressed(channel):
    client = browser_client()
    client.defaults["HTTP_ACCEPT_ENCODING"] = "gzip"
    form_page = client.get(f"/tip/send/{channel.slug}/")
    # A refused form reflects what the source typed next to the form's token: the BREACH set-up
    data = {**answers_for(channel, **{"Where?": "REFLECTED-CANARY", "How urgent?": ""})}
    data["form_token"] = form_token_of(form_page)
    if "clarion-csrf" in client.cookies:
        data["csrfmiddlewaretoken"] = client.cookies["clarion-csrf"].value
    refused = client.post(f"/tip/send/{channel.slug}/", data)

    pages = {
        "/tip/": client.get("/tip/"),
        "form": form_page,
        "refused form": refused,
        "/tip/login/": client.get("/tip/login/"),
        "/staff/login/": Client(headers=GZIP).get("/staff/login/"),
    }

    assert refused.status_code == 400
    assert b"REFLECTED-CANARY" in refused.content and b'name="form_token"' in refused.content
    assert {name: response.get("Content-Encoding") for name, response in pages.items()} == dict.fromkeys(pages)
