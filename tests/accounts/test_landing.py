"""After login, and from the link in every notification email, staff land on the page of their work."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from clarion.accounts.notifications import Event, send_notice
from tests.support.people import browser_client, csrf, log_in, make_staff
from tests.support.smtp import SmtpServer
from tests.support.totp import code_for


def landing_after_login(user, device) -> tuple[str, str]:  # noqa: ANN001
    """Log in through both real steps with no page asked for; return where the browser ends and its heading."""
    client = browser_client()
    response = log_in(client, user, device)
    assert response.status_code == 302, response.content.decode()[:2000]
    final = client.get(response["Location"], follow=True)
    assert final.status_code == 200
    return final.request["PATH_INFO"], heading_of(final)


def heading_of(response) -> str:  # noqa: ANN001
    match = re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S)
    assert match, "no heading on the page"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("roles", "path", "heading"),
    [
        (("reviewer",), "/staff/cases/", "Inbox"),
        (("reviewer", "editor", "admin"), "/staff/cases/", "Inbox"),
        (("editor",), "/staff/posts/", "Posts"),
        (("admin",), "/staff/people/", "People"),
        (("editor", "admin"), "/staff/posts/", "Posts"),
        ((), "/staff/account/", "Your account"),
    ],
)
def test_the_page_after_login_is_the_one_for_the_persons_work(roles, path, heading):
    user, device, _ = make_staff("sam", *roles)

    assert landing_after_login(user, device) == (path, heading)


@pytest.mark.django_db(transaction=True)
def test_the_link_in_a_notification_email_opens_the_reviewers_inbox_after_login(settings):
    # Given a reviewer who got a notice by email (through a real SMTP server)
    user, device, _ = make_staff("rita", "reviewer")
    user.email = "rita@example.org"
    user.save()
    with SmtpServer() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.CLARION_SITE_URL = "https://tips.example.org"
        send_notice.enqueue(user_ids=[user.pk], event=Event.NEW_TIP.value)
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
        (message,) = smtp.messages
    (link,) = re.findall(r"https://tips\.example\.org\S*", message.get_payload(decode=True).decode())
    client = browser_client()

    # When they follow it, they are asked to log in
    login_page = client.get(urlsplit(link).path, follow=True)
    assert heading_of(login_page) == "Staff login"

    # And after the password and the code (posting the login form as the page gives it)
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', login_page.content.decode()))
    fields = {**hidden, "username": "rita", "password": "correct horse battery staple", **csrf(client)}
    assert client.post(login_page.request["PATH_INFO"], fields).status_code == 302
    device.refresh_from_db()
    response = client.post("/staff/login/code/", {"code": code_for(device.bin_key), **csrf(client)})

    # Then they are in their inbox
    assert response.status_code == 302
    inbox = client.get(response["Location"], follow=True)
    assert inbox.status_code == 200
    assert inbox.request["PATH_INFO"] == "/staff/cases/"
    assert heading_of(inbox) == "Inbox"


@pytest.mark.django_db
def test_the_staff_address_asks_a_logged_out_visitor_to_log_in():
    response = Client().get("/staff/", follow=True)

    assert response.status_code == 200
    assert heading_of(response) == "Staff login"
