"""A report's JSON-LD meets Google's Article requirements, so search engines can show it as an article.

Google's Article structured data: headline (at most 110 characters), image, datePublished and
dateModified in ISO 8601 with a time zone, author with a name and a url, publisher with a name
and a logo. Every address is a full URL that the site answers.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from PIL import Image

from clarion.accounts.models import Organisation

pytestmark = pytest.mark.django_db

SITE = "https://council.example"


def article_of(html: str) -> dict:
    blocks = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]
    return next(block for block in blocks if block["@type"] == "NewsArticle")


def fetch(url: str) -> bytes:
    """GET a full URL of this site with the test client."""
    assert url.startswith(SITE + "/"), url
    response = Client().get(urlsplit(url).path)
    return response.content if not response.streaming else b"".join(response.streaming_content)


@pytest.mark.parametrize("byline", ["", "Edna Marsh"])
def test_a_reports_article_data_has_everything_google_asks_for(settings, make_published_post, editor, byline):
    settings.CLARION_SITE_URL = SITE
    Organisation.objects.create(name="Depot Workers' Council")
    # A title of 180 characters (the field holds 200): longer than a headline may be
    post = make_published_post(slug="overtime", title="Overtime " * 20, summary="Two depots.")
    if byline:
        type(post).objects.filter(pk=post.pk).update(byline_editor=editor, byline_name=byline)

    article = article_of(Client().get("/posts/overtime/").content.decode())

    assert 0 < len(article["headline"]) <= 110
    for field in ("datePublished", "dateModified"):
        moment = dt.datetime.fromisoformat(article[field])
        assert moment.tzinfo is not None and moment.microsecond == 0
        assert "." not in article[field]
    assert article["author"]["name"] == (byline or "Depot Workers' Council")
    assert article["author"]["url"] == f"{SITE}/"
    publisher = article["publisher"]
    assert publisher["name"] == "Depot Workers' Council"
    # A post without an image of its own shows the site's logo; both are images the site serves
    (image,) = article["image"]
    assert image == publisher["logo"]["url"]
    with Image.open(io.BytesIO(fetch(publisher["logo"]["url"]))) as logo:
        assert logo.format == "PNG"
        assert logo.size == (publisher["logo"]["width"], publisher["logo"]["height"])
        assert min(logo.size) >= 112  # Google's smallest logo
