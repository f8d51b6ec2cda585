"""One setting for the site's address: CLARION_SITE_URL, or, unset, the address each request came to.

The newcomer's trial moved the server with CLARION_BIND and found every email link, og:url and
JSON-LD address still at :8000. Every absolute URL the site writes is checked here both ways:
set, each uses the setting; unset, each follows the request's host and port.
"""

from __future__ import annotations

import json
import re
import urllib.request
import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from clarion.accounts.notifications import Event, send_notice
from clarion.publishing.models import SiteSettings
from tests.support.live import LiveServer, running
from tests.support.people import browser_client
from tests.support.smtp import sending_to_smtp_server
from tests.support.tips import receipt_of, submit

OTHER = "http://localhost:8102"
CONFIGURED = "https://council.example"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def reader_at(host: str) -> Client:
    """Return a reader's client whose requests come to `host` (host:port)."""
    return Client(HTTP_HOST=host)


def ld_blocks(html: str) -> list[dict]:
    return [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


def absolute_urls(client: Client, make_published_post) -> list[str]:  # noqa: ANN001
    """Return every absolute URL the site writes for readers and machines, from one published post."""
    make_published_post(slug="overtime", title="Overtime went unpaid", summary="Two depots.")
    SiteSettings.objects.update(security_contact="security@council.example")
    urls: list[str] = []
    html = client.get("/posts/overtime/").content.decode()
    urls += re.findall(r'<meta property="og:(?:url|image)" content="([^"]+)"', html)
    urls += re.findall(r'<link rel="canonical" href="([^"]+)"', html)
    for block in ld_blocks(html):
        block.pop("@context")  # the vocabulary's address, not ours
        urls += re.findall(r'"(https?://[^"]+)"', json.dumps(block))
    for feed_path in ("/feed/rss/", "/feed/atom/"):
        feed = feedparser.parse(client.get(feed_path).content)
        urls += [feed.feed.link, *(link.href for link in feed.feed.links)]
        for entry in feed.entries:
            urls += [entry.link, entry.id]
    root = ET.fromstring(client.get("/sitemap.xml").content)  # noqa: S314 - our own output
    urls += [loc.text or "" for loc in root.iter(f"{SITEMAP_NS}loc")]
    urls += re.findall(r"^Sitemap: (\S+)$", client.get("/robots.txt").content.decode(), re.M)
    urls += re.findall(r"^Canonical: (\S+)$", client.get("/.well-known/security.txt").content.decode(), re.M)
    return urls


@pytest.mark.django_db
def test_unset_every_absolute_url_follows_the_address_the_request_came_to(settings, make_published_post):
    settings.CLARION_SITE_URL = ""

    urls = absolute_urls(reader_at("localhost:8102"), make_published_post)

    assert len(urls) > 15
    assert [url for url in urls if not url.startswith(OTHER + "/")] == []
    assert f"{OTHER}/posts/overtime/" in urls
    assert f"{OTHER}/.well-known/security.txt" in urls


@pytest.mark.django_db
def test_set_every_absolute_url_uses_the_setting_whatever_address_the_request_came_to(settings, make_published_post):
    settings.CLARION_SITE_URL = CONFIGURED

    urls = absolute_urls(reader_at("localhost:8102"), make_published_post)

    assert len(urls) > 15
    assert [url for url in urls if not url.startswith(CONFIGURED + "/")] == []
    assert f"{CONFIGURED}/posts/overtime/" in urls


@pytest.mark.django_db
def test_atom_entry_ids_are_full_urls_that_survive_a_change_of_slug(settings, make_published_post):
    settings.CLARION_SITE_URL = CONFIGURED
    post = make_published_post(slug="overtime", title="Overtime went unpaid")

    feed = feedparser.parse(Client().get("/feed/atom/").content)

    (entry,) = feed.entries
    assert entry.id == f"{CONFIGURED}/#post-{post.pk}"


# --- notification emails ------------------------------------------------------------------------


@pytest.fixture
def smtp(settings):
    with sending_to_smtp_server(settings) as server:
        yield server


def run_worker() -> None:
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)


def source_at(host: str) -> Client:
    client = browser_client()
    client.defaults["HTTP_HOST"] = host
    return client


def links_in(message) -> list[str]:  # noqa: ANN001
    return re.findall(r"https?://\S+", message.get_payload(decode=True).decode())


@pytest.mark.django_db(transaction=True)
def test_unset_a_new_tips_and_a_source_messages_emails_link_to_the_address_the_source_came_to(
    settings, smtp, channel, reviewer, django_capture_on_commit_callbacks
):
    # Given no site address set, and a server reached at another port than 8000
    settings.CLARION_SITE_URL = ""
    reviewer.email = "rita@example.org"
    reviewer.save()
    client = source_at("localhost:8102")

    # When a source sends a tip, then a follow-up message
    with django_capture_on_commit_callbacks(execute=True):
        receipt = receipt_of(submit(client, channel))
    client.get("/tip/login/")
    client.post("/tip/login/", {"receipt": receipt, "csrfmiddlewaretoken": client.cookies["clarion-csrf"].value})
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/tip/inbox/", {"message": "More.", "csrfmiddlewaretoken": client.cookies["clarion-csrf"].value})
    run_worker()

    # Then both emails link to the staff pages at the address the site was reached at
    assert [message["Subject"] for message in smtp.messages] == [
        "[Clarion] A new tip has arrived",
        "[Clarion] A source has sent a new message",
    ]
    assert [links_in(message) for message in smtp.messages] == [[f"{OTHER}/staff/"], [f"{OTHER}/staff/"]]


@pytest.mark.django_db(transaction=True)
def test_set_emails_link_to_the_setting_and_the_sources_address_is_not_kept_in_the_queue(
    settings, smtp, channel, reviewer, django_capture_on_commit_callbacks
):
    settings.CLARION_SITE_URL = CONFIGURED
    reviewer.email = "rita@example.org"
    reviewer.save()

    with django_capture_on_commit_callbacks(execute=True):
        submit(source_at("localhost:8102"), channel)
    # The queued task's row outlives the email: it must not say where the source came from
    # (over the onion service or not) when the link does not need it.
    assert "localhost" not in json.dumps(list(DBTaskResult.objects.values_list("args_kwargs", flat=True)))
    run_worker()

    (message,) = smtp.messages
    assert links_in(message) == [f"{CONFIGURED}/staff/"]


@pytest.mark.django_db(transaction=True)
def test_unset_a_reminder_with_no_request_behind_it_names_the_staff_pages_without_guessing_a_host(
    settings, smtp, reviewer
):
    settings.CLARION_SITE_URL = ""
    reviewer.email = "rita@example.org"
    reviewer.save()

    send_notice.enqueue(user_ids=[reviewer.pk], event=Event.REMINDER.value)
    run_worker()

    (message,) = smtp.messages
    body = message.get_payload(decode=True).decode()
    assert links_in(message) == []
    assert "(/staff/)" in body and "127.0.0.1:8000" not in body


# --- the real server: CLARION_BIND alone moves every link ------------------------------------------


@pytest.mark.live_server_process
def test_the_real_server_on_another_port_without_a_site_address_links_to_that_port(tmp_path):
    # Given the real server bound with CLARION_BIND to a port of its own, and no CLARION_SITE_URL
    with running(LiveServer(tmp_path / "live", env={"CLARION_SITE_URL": ""})) as server:
        assert server.port != 8000
        home = _get(server, "/")
        post_path = re.search(r'href="(/posts/[^"]+/)"', home).group(1)

        # When a reader opens a post and a feed program reads the feed
        post = _get(server, post_path)
        feed = feedparser.parse(_get(server, "/feed/atom/"))

    # Then og:url and the feed point at that port
    (og_url,) = re.findall(r'<meta property="og:url" content="([^"]+)"', post)
    assert og_url == server.base_url + post_path
    assert feed.feed.link == server.base_url + "/"
    assert feed.entries and all(entry.link.startswith(server.base_url + "/") for entry in feed.entries)
    assert all(entry.id.startswith(server.base_url + "/") for entry in feed.entries)


def _get(server: LiveServer, path: str) -> str:
    with urllib.request.urlopen(server.base_url + path, timeout=30) as response:  # noqa: S310 - our own server
        return response.read().decode()
