"""Every page type scores at least 130 on the MDN HTTP Observatory over HTTPS, with no penalty (issue 11, §2).

The responses come from Clarion with the settings an HTTPS deployment has (`CLARION_HTTPS=true`,
evaluated by clarion/settings.py itself: tests/support/https.py) and the scheme header nginx
sends in front of it; the scorer is tests/support/observatory.py, the service's published
algorithm. The redirect from plain HTTP is nginx's, not Clarion's (deploy/nginx; SECURE_SSL_REDIRECT
is off), so these scans have no HTTP route and the test over TLS through nginx scores that part.

Feeds and the 404 are scored too, although the service only scans a 2xx HTML page: they are
answered at the same origin and must not be the weak spot.
"""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tests.support.https import FORWARDED_HTTPS, https_settings
from tests.support.observatory import CORS_ORIGIN, Response, scan
from tests.support.people import logged_in_client

pytestmark = pytest.mark.django_db

HOST = "news.example.org"


def observed(client: Client, path: str) -> Response:
    """Fetch `path` as the Observatory does over HTTPS: the page, then a CORS preflight."""
    page = client.get(path, secure=True, headers=FORWARDED_HTTPS, HTTP_HOST=HOST)
    preflight = client.options(
        path,
        secure=True,
        headers={**FORWARDED_HTTPS, "Origin": CORS_ORIGIN, "Access-Control-Request-Method": "GET"},
        HTTP_HOST=HOST,
    )
    return Response(
        url=f"https://{HOST}{path}",
        status=page.status_code,
        headers=dict(page.headers),
        set_cookies=[morsel.OutputString() for morsel in page.cookies.values()],
        html=page.content.decode(errors="replace") if "html" in page.get("Content-Type", "") else "",
        cors_headers=dict(preflight.headers),
    )


@pytest.fixture
def https_site(settings):
    settings.ALLOWED_HOSTS = [HOST]
    with override_settings(**https_settings()):
        yield


def test_every_page_type_scores_at_least_130_with_no_penalty(
    https_site, channel, reviewer, editor, make_published_post
):
    make_published_post(slug="overtime", title="Overtime went unpaid")
    staff = logged_in_client(reviewer, client=Client(headers=FORWARDED_HTTPS, HTTP_HOST=HOST))
    editor_client = logged_in_client(editor, client=Client(headers=FORWARDED_HTTPS, HTTP_HOST=HOST))
    pages = {
        "home": (Client(), "/"),
        "post": (Client(), "/posts/overtime/"),
        "archive": (Client(), "/reports/"),
        "RSS feed": (Client(), "/feed/rss/"),
        "Atom feed": (Client(), "/feed/atom/"),
        "tip landing page": (Client(), "/tip/"),
        "channel form": (Client(), f"/tip/send/{channel.slug}/"),
        "source login": (Client(), "/tip/login/"),
        "staff login": (Client(), "/staff/login/"),
        "reviewer's inbox": (staff, "/staff/cases/"),
        "editor's posts": (editor_client, "/staff/posts/"),
        "missing page": (Client(), "/no-such-page/"),
    }

    problems = []
    for what, (client, path) in pages.items():
        response = observed(client, path)
        result = scan(response)
        if result.score < 130 or result.penalties():
            problems.append(f"{what} ({path}, {response.status}): {result.explain()}")

    assert problems == [], "\n".join(problems)
