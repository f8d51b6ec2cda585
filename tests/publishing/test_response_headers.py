"""Every kind of response names its charset when it is text, and tells browsers that no other
origin may load it (ASVS 4.1.1; `Cross-Origin-Resource-Policy: same-origin`, docs/design.md, property 4).

One crawl over each page type a deployment answers: reader pages, feeds, the sitemap, the
health check, static files, published media, source pages, staff pages, downloads, redirects,
refusals and the error pages. Downloads are binary (`application/octet-stream`, zip, images):
they carry no charset, but the same cross-origin policy.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from PIL import Image

from clarion import vault
from clarion.intake.models import TipFile
from clarion.publishing.models import SiteSettings
from tests.support.headers import charset_problems, header
from tests.support.people import browser_client
from tests.support.publishing import approve, create_post, submit_for_review
from tests.support.tips import send_tip

pytestmark = pytest.mark.django_db


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def published_media_url(editor_client: Client, second_editor_client: Client) -> tuple[str, str]:
    """Publish a post with an image through the editors' pages; return the image's public and staff addresses."""
    post = create_post(editor_client)
    response = editor_client.post(
        f"/staff/posts/{post.pk}/media/",
        {"file": SimpleUploadedFile("photo.png", png()), "title": "A photo", "alt_text": "A red square."},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = editor_client.get(f"/staff/posts/{post.pk}/").content.decode()
    staff_url = re.search(r'(?:src|href)="(/staff/posts/media/[0-9a-f]+\.\w+)"', draft)
    submit_for_review(editor_client, post)
    assert approve(second_editor_client, post).status_code == 302
    public_page = Client().get(post.get_absolute_url()).content.decode()
    public_url = re.search(r'(?:src|href)="(/media/[0-9a-f]+\.\w+)"', public_page)
    assert public_url, "the published post links no media"
    return public_url.group(1), staff_url.group(1) if staff_url else ""


@pytest.fixture
def responses(
    channel, reviewer_client, editor_client, second_editor_client, make_published_post
) -> dict[str, HttpResponse]:
    """Return one response of every kind, by what it is."""
    reader = Client()
    make_published_post(slug="overtime", title="Overtime went unpaid")
    SiteSettings.objects.update(security_contact="security@council.example")
    media_url, staff_media_url = published_media_url(editor_client, second_editor_client)
    sent = send_tip(channel)
    tip_file = TipFile.objects.get(tip=sent.tip)
    source = browser_client()
    source.get("/tip/login/")
    source_login = source.post(
        "/tip/login/", {"receipt": sent.receipt, "csrfmiddlewaretoken": source.cookies["clarion-csrf"].value}
    )
    found = {
        # the public site
        "home": reader.get("/"),
        "post": reader.get("/posts/overtime/"),
        "archive": reader.get("/reports/"),
        "search": reader.get("/search/?q=overtime"),
        "RSS feed": reader.get("/feed/rss/"),
        "Atom feed": reader.get("/feed/atom/"),
        "sitemap": reader.get("/sitemap.xml"),
        "health check": reader.get("/health/"),
        "stylesheet": reader.get("/static/clarion/clarion.css"),
        "published image": reader.get(media_url),
        "robots.txt": reader.get("/robots.txt"),
        "favicon.ico": reader.get("/favicon.ico"),
        "security.txt": reader.get("/.well-known/security.txt"),
        "missing page": reader.get("/no-such-page/"),
        "a POST to a reader page (not allowed)": reader.post("/"),
        # the source's pages
        "tip line": Client().get("/tip/"),
        "tip form": Client().get(f"/tip/send/{channel.slug}/"),
        "source login": Client().get("/tip/login/"),
        "source login, redirected to the inbox": source_login,
        "source inbox": source.get("/tip/inbox/"),
        "a form without its CSRF token": browser_client().post("/tip/login/", {"receipt": "x"}),
        # staff pages and downloads
        "staff login": Client().get("/staff/login/"),
        "staff redirect to login": Client().get("/staff/cases/"),
        "reviewer inbox": reviewer_client.get("/staff/cases/"),
        "tip page": reviewer_client.get(sent.url),
        "tip file download": reviewer_client.get(f"{sent.url}files/{tip_file.pk}/"),
        "export download": reviewer_client.post(
            f"{sent.url}export/", {"route": "key", "public_key": vault.generate_keypair().recipient}
        ),
        "editor's posts": editor_client.get("/staff/posts/"),
        "staff missing page": reviewer_client.get("/staff/cases/00000000-0000-0000-0000-000000000000/"),
    }
    if staff_media_url:
        found["draft image for editors"] = editor_client.get(staff_media_url)
    return found


def test_every_response_names_its_charset_and_may_be_loaded_by_this_origin_only(responses):
    problems = []
    for what, response in responses.items():
        headers = response.headers
        if header(headers, "Cross-Origin-Resource-Policy") != "same-origin":
            problems.append(f"{what}: Cross-Origin-Resource-Policy {header(headers, 'Cross-Origin-Resource-Policy')!r}")
        if header(headers, "Access-Control-Allow-Origin"):
            problems.append(f"{what}: Access-Control-Allow-Origin {header(headers, 'Access-Control-Allow-Origin')!r}")
        problems += [f"{what}: {problem}" for problem in charset_problems(headers)]

    assert problems == [], "\n".join(problems)


def test_each_kind_of_response_was_what_the_crawl_meant_to_reach(responses):
    # The crawl above proves something only if each request reached the page it names.
    statuses = {what: response.status_code for what, response in responses.items()}
    expected_not_200 = {
        "missing page": 404,
        "a POST to a reader page (not allowed)": 405,
        "a form without its CSRF token": 403,
        "staff redirect to login": 302,
        "source login, redirected to the inbox": 302,
        "staff missing page": 404,
    }
    assert statuses == {what: expected_not_200.get(what, 200) for what in responses}
    content_types = {what: header(response.headers, "Content-Type") for what, response in responses.items()}
    assert content_types["sitemap"] == "application/xml; charset=utf-8"
    assert content_types["health check"] == "text/plain; charset=utf-8"
    assert content_types["RSS feed"].startswith("application/rss+xml")
    assert content_types["Atom feed"].startswith("application/atom+xml")
    assert content_types["stylesheet"].startswith("text/css")
    assert content_types["published image"] == "image/png"
    assert content_types["tip file download"] == "application/octet-stream"
    assert content_types["export download"] == "application/zip"
