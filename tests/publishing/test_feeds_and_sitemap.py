"""RSS, Atom and the sitemap parse as what they claim to be, and list only what is published."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.test import Client

from clarion.publishing import actions

pytestmark = pytest.mark.django_db

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def posts(make_published_post, editor):
    make_published_post(slug="overtime", title="Overtime went unpaid", summary="Two depots.")
    wrong = make_published_post(kind="letter", slug="wrong", title="A letter we withdrew")
    actions.do_retract_post(actor=editor, post=wrong, notice="Sent to the wrong board.", withdraw_text=False)
    make_published_post(slug="draft", title="An unapproved draft", publish=False)
    make_published_post(kind="page", slug="about", title="About us")


@pytest.mark.parametrize(("url", "version"), [("/feed/rss/", "rss20"), ("/feed/atom/", "atom10")])
def test_feeds_are_valid_and_list_published_posts_only(posts, url, version):
    response = Client().get(url)

    ET.fromstring(response.content)  # noqa: S314 - our own output; well-formed XML, or this raises
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == version
    titles = [entry.title for entry in feed.entries]
    assert titles == ["Retracted: A letter we withdrew", "Overtime went unpaid"]
    overtime = feed.entries[1]
    assert overtime.link == "http://testserver/posts/overtime/"
    assert overtime.summary == "Two depots."
    assert feed.entries[0].summary == "Sent to the wrong board."


def test_the_sitemap_lists_published_posts_pages_and_sections_but_no_draft(posts):
    response = Client().get("/sitemap.xml")

    root = ET.fromstring(response.content)  # noqa: S314 - our own output
    locations = {loc.text for loc in root.iter(f"{SITEMAP_NS}loc")}
    assert {
        "http://testserver/posts/overtime/",
        "http://testserver/posts/wrong/",
        "http://testserver/pages/about/",
        "http://testserver/",
        "http://testserver/tip/",
    } <= locations
    assert not any("draft" in location for location in locations)
    assert all(url.find(f"{SITEMAP_NS}lastmod") is not None for url in root if "/posts/" in url[0].text)
