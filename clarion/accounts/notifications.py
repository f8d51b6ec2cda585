"""Tell staff by email that something happened: never what it says, never any content of a tip.

Email crosses servers nobody here controls, so a notice names only the kind of event and
links to the staff pages, where the person logs in with two factors to see the rest.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import models
from django_tasks import task


class Event(models.TextChoices):
    NEW_TIP = "new_tip", "A new tip has arrived"
    SOURCE_MESSAGE = "source_message", "A source has sent a new message"
    REMINDER = "reminder", "A tip is due for an answer"
    EXPIRY_WARNING = "expiry_warning", "A closed tip will be destroyed soon"


BODY = """{headline} in one of the channels you handle at {organisation}.

Log in to see it: {link}

For the safety of sources, Clarion never puts any part of a tip in an email.
"""


@task()
def send_notice(*, user_ids: list[int], event: str) -> int:
    """Email each active person with an address a content-free notice of `event`; return how many."""
    from clarion.accounts.models import Organisation

    headline = Event(event).label
    people = get_user_model().objects.filter(pk__in=user_ids, is_active=True).exclude(email="")
    body = BODY.format(
        headline=headline, organisation=Organisation.current().name, link=f"{settings.CLARION_SITE_URL}/staff/"
    )
    messages = [EmailMessage(f"[Clarion] {headline}", body, to=[person.email]) for person in people]
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
