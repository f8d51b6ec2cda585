"""Tell staff by email that something happened: never what it says, never any content of a tip.

Email crosses servers nobody here controls, so a notice names only the kind of event and
links to the staff pages, where the person logs in with two factors to see the rest.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task


class Event(models.TextChoices):
    NEW_TIP = "new_tip", gettext_lazy("A new tip has arrived")
    SOURCE_MESSAGE = "source_message", gettext_lazy("A source has sent a new message")
    REMINDER = "reminder", gettext_lazy("A tip is due for an answer")
    EXPIRY_WARNING = "expiry_warning", gettext_lazy("A closed tip will be destroyed soon")


BODY = _(
    """{headline} in one of the channels you handle at {organisation}.

Log in to see it: {link}

For the safety of sources, Clarion never puts any part of a tip in an email.
"""
)
# A periodic reminder has no request whose address it could follow: without CLARION_SITE_URL
# it names the staff pages' path rather than guess at a host.
BODY_WITHOUT_ADDRESS = _(
    """{headline} in one of the channels you handle at {organisation}.

Log in to the staff pages ({path}) to see it.

For the safety of sources, Clarion never puts any part of a tip in an email.
"""
)


@task()
def send_notice(*, user_ids: list[int], event: str, site_url: str = "") -> int:
    """Email each active person with an address a content-free notice of `event`; return how many.

    The link goes to CLARION_SITE_URL when it is set, else to `site_url`: the address of the request
    that caused the notice (the task runs in the worker, which has no request of its own).
    """
    from clarion.accounts.models import Organisation

    headline = Event(event).label
    people = get_user_model().objects.filter(pk__in=user_ids, is_active=True).exclude(email="")
    address = settings.CLARION_SITE_URL or site_url.rstrip("/")
    organisation = Organisation.current().name
    path = reverse("accounts:landing")
    if address:
        body = BODY.format(headline=headline, organisation=organisation, link=f"{address}{path}")
    else:
        body = BODY_WITHOUT_ADDRESS.format(headline=headline, organisation=organisation, path=path)
    messages = [EmailMessage(f"[Clarion] {headline}", body, to=[person.email]) for person in people]
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
