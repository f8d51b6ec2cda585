"""Reviewers hear by email that a tip or a message arrived, through a real SMTP server, and nothing more."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.support.people import browser_client
from tests.support.smtp import sending_to_smtp_server
from tests.support.tips import answers_for, receipt_of, submit


@pytest.fixture
def smtp(settings):
    with sending_to_smtp_server(settings) as server:
        settings.CLARION_SITE_URL = "https://tips.example.org"
        yield server


# The real worker closes its database connections when done, as a worker process should; the
# tests therefore commit for real (transaction=True) rather than inside a rolled-back transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def run_worker() -> None:
    """Run the real django-tasks database worker until the queue is empty."""
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)


def body_of(message) -> str:  # noqa: ANN001
    return message.get_payload(decode=True).decode()


def test_a_new_tip_emails_its_reviewers_that_it_arrived_without_any_of_its_content(
    smtp, channel, reviewer, django_capture_on_commit_callbacks
):
    reviewer.email = "rita@example.org"
    reviewer.save()
    data = answers_for(channel, **{"Where?": "Secret loading bay 77"})

    with django_capture_on_commit_callbacks(execute=True):
        submit(browser_client(), channel, data, files=[("secret-plan.pdf", b"%PDF")])
    run_worker()

    (message,) = smtp.messages
    assert message["To"] == "rita@example.org"
    assert message["Subject"] == "[Clarion] A new tip has arrived"
    body = body_of(message)
    assert "https://tips.example.org/staff/" in body
    for secret in ["Secret loading bay 77", "secret-plan.pdf", "forklift", channel.name]:
        assert secret not in body and secret not in message["Subject"]


def test_a_source_message_emails_the_tip_readers(smtp, channel, reviewer, django_capture_on_commit_callbacks):
    reviewer.email = "rita@example.org"
    reviewer.save()
    client = browser_client()
    receipt = receipt_of(submit(client, channel))
    client.get("/tip/login/")
    client.post("/tip/login/", {"receipt": receipt, "csrfmiddlewaretoken": client.cookies["clarion-csrf"].value})
    run_worker()  # delivers the new-tip notice first
    smtp.messages.clear()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/tip/inbox/",
            {"message": "More about the night shift", "csrfmiddlewaretoken": client.cookies["clarion-csrf"].value},
        )
    run_worker()

    (message,) = smtp.messages
    assert message["Subject"] == "[Clarion] A source has sent a new message"
    assert "night shift" not in body_of(message)


def test_people_without_an_address_or_disabled_get_nothing(smtp, channel, reviewer, django_capture_on_commit_callbacks):
    reviewer.email = ""
    reviewer.save()

    with django_capture_on_commit_callbacks(execute=True):
        submit(browser_client(), channel)
    run_worker()

    assert smtp.messages == []
