"""Build submissions the way a browser sends them, through the Django test client."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client


def source_browser() -> Client:
    """Return a client that posts forms as browsers do under `Referrer-Policy: no-referrer`."""
    return Client(enforce_csrf_checks=True, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})


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
    import re

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
    payload["csrfmiddlewaretoken"] = client.cookies["clarion-csrf"].value
    payload["form_token"] = form_token_of(page)
    if files:
        payload["attachments"] = [SimpleUploadedFile(name, content) for name, content in files]
    return client.post(f"/tip/send/{channel.slug}/", payload, follow=True)


def receipt_of(response) -> str:  # noqa: ANN001
    """Read the seven receipt words off the receipt page."""
    import re

    html = response.content.decode()
    block = re.search(r'<ol class="receipt-words" id="receipt">(.*?)</ol>', html, re.S)
    assert block, "no receipt on the page"
    return " ".join(re.findall(r"<li>([a-z-]+)</li>", block.group(1)))
