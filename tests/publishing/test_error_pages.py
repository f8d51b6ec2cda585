"""A reader who hits a missing page or a server error gets a page of the site, and nothing more.

The 404 and 500 pages keep every promise a normal page keeps (docs/design.md, properties 4 and 9): the
strict Content-Security-Policy and the other protective headers, no cookie, nothing loaded from
another origin, no stack trace or debug detail, a way home and to the tip line. The 500 page
renders while the database is down, since that is when it is most often needed.
"""

from __future__ import annotations

import http.client

import pytest
from django.db import OperationalError, connection
from django.test import Client

from clarion.accounts.models import Organisation
from tests.support.crash_urls import CRASH_MESSAGE
from tests.support.headers import header, other_origins, page_header_problems
from tests.support.live import LiveServer, running

pytestmark = pytest.mark.django_db

CRASH_URLS = "tests.support.crash_urls"


def error_page_problems(status: int, headers: dict[str, str], html: str, *, expected_status: int) -> list[str]:
    """Return every way an error page breaks the promises of a normal page."""
    problems = page_header_problems(headers)
    if status != expected_status:
        problems.append(f"status {status}, not {expected_status}")
    if header(headers, "Set-Cookie"):
        problems.append(f"sets a cookie: {header(headers, 'Set-Cookie')!r}")
    if "no-store" not in header(headers, "Cache-Control"):
        problems.append(f"may be stored: Cache-Control {header(headers, 'Cache-Control')!r}")
    problems += [f"refers to another origin: {address}" for address in other_origins(html)]
    for detail in ("Traceback", CRASH_MESSAGE, "RuntimeError", "OperationalError", "DEBUG", "/work/", ".py"):
        if detail in html:
            problems.append(f"shows {detail!r}")
    for link in ('href="/"', 'href="/tip/"', 'rel="stylesheet"'):
        if link not in html:
            problems.append(f"has no {link}")
    return problems


@pytest.fixture
def organisation(db) -> Organisation:
    return Organisation.objects.create(name="Depot Workers' Council")


def test_an_unknown_address_gets_the_sites_not_found_page_with_every_protection(organisation):
    response = Client().get("/no-such-page/")

    html = response.content.decode()
    assert error_page_problems(response.status_code, response.headers, html, expected_status=404) == []
    assert "Depot Workers&#x27; Council" in html
    assert "Page not found" in html


def test_a_missing_post_and_a_missing_tip_channel_get_the_same_not_found_page(organisation):
    for url in ("/posts/nothing-here/", "/tip/send/no-such-channel/"):
        response = Client().get(url)

        assert (
            error_page_problems(response.status_code, response.headers, response.content.decode(), expected_status=404)
            == []
        ), url


def test_a_server_error_gets_the_sites_error_page_without_any_detail(organisation, settings):
    # Given a view that fails as a bug would, reached by an anonymous reader
    settings.ROOT_URLCONF = CRASH_URLS

    response = Client(raise_request_exception=False).get("/test-crash/")

    # Then the reader sees the site's error page, with its headers and no detail of the failure
    html = response.content.decode()
    assert error_page_problems(response.status_code, response.headers, html, expected_status=500) == []
    assert "Something went wrong on our side" in html


@pytest.mark.parametrize("url", ["/", "/tip/", "/posts/overtime/", "/staff/login/"])
def test_the_error_page_renders_while_the_database_is_down(url, settings):
    # Given a database that refuses every query, as one that is down or unreachable does
    def refuse(execute, sql, params, many, context):  # noqa: ANN001, ANN202 - Django's wrapper signature
        raise OperationalError("connection to server at 10.0.0.5 failed: Connection refused")

    # When a reader asks for any page
    with connection.execute_wrapper(refuse):
        response = Client(raise_request_exception=False).get(url)

    # Then they get the error page, without the database's message
    html = response.content.decode()
    assert error_page_problems(response.status_code, response.headers, html, expected_status=500) == []
    assert "10.0.0.5" not in html


def test_the_error_page_still_answers_safely_when_the_site_cannot_render_its_templates(
    organisation, settings, tmp_path
):
    # Given a server whose static files were never collected (the fingerprinted stylesheet that
    # every template links cannot be found), and a view that fails
    settings.ROOT_URLCONF = CRASH_URLS
    settings.STATIC_ROOT = tmp_path / "never-collected"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }

    response = Client(raise_request_exception=False).get("/test-crash/")

    # Then the reader still gets a plain error page with a way home and to the tip line, and no detail
    html = response.content.decode()
    problems = error_page_problems(response.status_code, response.headers, html, expected_status=500)
    assert problems == ['has no rel="stylesheet"']
    assert "Something went wrong on our side" in html


# --- the real server ------------------------------------------------------------------------------


@pytest.fixture
def crashing_server(tmp_path):
    """The real server, with test settings whose URLs include the failing view."""
    with running(LiveServer(tmp_path / "live", settings="tests.support.crash_settings")) as server:
        yield server


def fetch(server: LiveServer, path: str) -> tuple[int, dict[str, str], str]:
    """GET `path` from the real server as a browser without cookies; return status, headers, body."""
    connection_ = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection_.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection_.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection_.close()


@pytest.mark.live_server_process
def test_the_real_server_answers_errors_with_the_sites_pages_and_every_protection(crashing_server):
    # When an anonymous reader meets a missing page, then a server error
    missing = fetch(crashing_server, "/no-such-page/")
    crashed = fetch(crashing_server, "/test-crash/")

    # Then each is the site's page, with its status and every protective header
    assert error_page_problems(*missing, expected_status=404) == []
    assert error_page_problems(*crashed, expected_status=500) == []
    assert "Something went wrong on our side" in crashed[2]
    # And the server kept running and logged the failure for its operator
    assert fetch(crashing_server, "/tip/")[0] == 200
    crashing_server.stop()
    assert CRASH_MESSAGE.encode() in crashing_server.logs()
