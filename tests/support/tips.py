"""Tips sent the way a browser sends them, through the Django test client and the real channel form."""

from __future__ import annotations

import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from clarion.intake.models import Tip
from tests.support.live import receipt_from
from tests.support.people import browser_client


def answers_for(channel, **overrides: Any) -> dict[str, Any]:  # noqa: ANN001
    """Return valid form data for the conftest channel, by question label."""
    by_label = {q.label: q.field_name for q in channel.questions.all()}
    data: dict[str, Any] = {
        by_label["Where?"]: "Loading bay 3",
        by_label["How urgent?"]: "Now",
        "message": "The forklift brakes fail.",
    }
    for label, value in overrides.items():
        data[by_label.get(label, label)] = value
    return data


def form_token_of(response) -> str:  # noqa: ANN001
    """Read the one-time token off a channel form page."""
    match = re.search(r'name="form_token" value="([^"]+)"', response.content.decode())
    assert match, "no form token on the page"
    return match.group(1)


def submit(client: Client, channel, data: dict[str, Any] | None = None, files: list[tuple[str, bytes]] = ()):  # noqa: ANN001, ANN201
    """POST the channel form with CSRF enforced, as a browser would after loading it.

    Follows the redirect to the receipt page as a browser does, so a sent tip answers with
    the receipt page and a refused one with the form (status 400).
    """
    page = client.get(f"/tip/send/{channel.slug}/")
    payload = dict(answers_for(channel) if data is None else data)
    payload["form_token"] = form_token_of(page)
    if files:
        payload["attachments"] = [SimpleUploadedFile(name, content) for name, content in files]
    return client.post(f"/tip/send/{channel.slug}/", payload, follow=True)


def receipt_of(response) -> str:  # noqa: ANN001
    """Read the seven receipt words off the receipt page."""
    return receipt_from(response.content.decode())


class SentTip:
    def __init__(self, tip: Tip, receipt: str) -> None:
        self.tip = tip
        self.receipt = receipt

    @property
    def url(self) -> str:
        return f"/staff/cases/{self.tip.pk}/"


def send_tip(channel, *, message: str = "The forklift brakes fail.", files=(("evidence.pdf", b"%PDF-1.7 brakes"),)):  # noqa: ANN001, ANN201
    """Send a tip through the source form; return it with its receipt."""
    before = set(Tip.objects.values_list("pk", flat=True))
    data = answers_for(channel, message=message)
    receipt = receipt_of(submit(browser_client(), channel, data, files=list(files)))
    tip = Tip.objects.exclude(pk__in=before).get()
    return SentTip(tip, receipt)
