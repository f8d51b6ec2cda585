"""The files a public site is expected to answer: robots.txt, favicon.ico, security.txt (RFC 9116).

The security contact is set by an admin in the publishing settings; without one the file is
not served, since a security.txt without Contact is invalid.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.test import Client
from PIL import Image

from clarion.audit.models import AuditEntry
from clarion.publishing.models import SiteSettings
from tests.support.people import log_in, make_staff

pytestmark = pytest.mark.django_db

SITE = "https://council.example"


def test_robots_txt_keeps_crawlers_off_staff_and_source_pages_and_names_the_sitemap(settings):
    settings.CLARION_SITE_URL = SITE

    response = Client().get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    disallowed = {line.removeprefix("Disallow: ") for line in lines if line.startswith("Disallow: ")}
    assert {"/staff/", "/tip/login/", "/tip/inbox/", "/tip/send/"} <= disallowed
    # The tip line's landing page stays findable by a source searching for a safe way to tell us
    assert "/tip/" not in disallowed and "/" not in disallowed
    assert f"Sitemap: {SITE}/sitemap.xml" in lines
    assert Client().get("/sitemap.xml").status_code == 200


def test_favicon_ico_answers_an_icon_and_pages_link_the_svg():
    response = Client().get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    with Image.open(io.BytesIO(response.content)) as icon:
        assert icon.format == "ICO"
    svg = Client().get("/static/clarion/favicon.svg")
    assert svg.status_code == 200
    assert b"<svg" in b"".join(svg.streaming_content)


def test_security_txt_is_not_served_until_an_admin_sets_a_contact():
    assert Client().get("/.well-known/security.txt").status_code == 404


@pytest.fixture
def admin_client() -> Client:
    admin, device, _ = make_staff("ada", "admin")
    client = Client()
    log_in(client, admin, device)
    return client


def set_contact(client: Client, contact: str):  # noqa: ANN201 - a response
    row = SiteSettings.current()
    return client.post(
        f"/staff/admin/publishing/sitesettings/{row.pk}/change/",
        {"require_second_editor": "on", "deny_list": "", "security_contact": contact},
    )


@time_machine.travel(dt.datetime(2026, 12, 1, 13, 0, tzinfo=dt.UTC), tick=False)
def test_security_txt_gives_the_contact_an_admin_set_with_expiry_canonical_address_and_languages(
    admin_client, settings
):
    settings.CLARION_SITE_URL = SITE
    # Given an admin who sets the contact in the publishing settings
    assert set_contact(admin_client, "security@council.example").status_code == 302

    # When a researcher fetches security.txt
    response = Client().get("/.well-known/security.txt")

    # Then it has RFC 9116's fields, the required ones exactly once, Expires less than a year ahead
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    fields = dict(line.split(": ", 1) for line in response.content.decode().splitlines())
    assert fields == {
        "Contact": "mailto:security@council.example",
        "Expires": "2027-05-30T13:00:00Z",
        "Canonical": f"{SITE}/.well-known/security.txt",
        "Preferred-Languages": "en",
    }
    # And the change is in the audit log (which field, not its value)
    entry = AuditEntry.objects.filter(action="publishing.settings").last()
    assert entry is not None and "security_contact" in entry.detail


def test_a_security_contact_is_an_email_or_an_https_address(admin_client):
    for refused in ("not a contact", "http://council.example/security", "javascript:alert(1)"):
        response = set_contact(admin_client, refused)
        assert response.status_code == 200, refused
        assert "Give an email address or an address that starts with https://." in response.content.decode()
    assert SiteSettings.current().security_contact == ""

    assert set_contact(admin_client, "https://council.example/security").status_code == 302
    text = Client().get("/.well-known/security.txt").content.decode()
    assert re.search(r"^Contact: https://council\.example/security$", text, re.M)
