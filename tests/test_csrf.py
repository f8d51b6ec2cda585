"""Forms work under `Referrer-Policy: no-referrer` (Origin: null) and still refuse cross-site posts.

The tip form does so without a CSRF cookie (clarion/web/csrf.py, `cross_site_post`): the
attacker's own token, fetched from their machine, must not help them.
"""

from __future__ import annotations

import pytest
from django.test import Client

from clarion.intake.models import Tip
from tests.support.tips import answers_for, form_token_of


def post_tip(channel, **headers):  # noqa: ANN001, ANN201
    client = Client(enforce_csrf_checks=True, headers=headers)
    page = client.get(f"/tip/send/{channel.slug}/")
    data = {
        **answers_for(channel),
        "form_token": form_token_of(page),
    }
    return client.post(f"/tip/send/{channel.slug}/", data, follow=True)


def test_browser_post_with_null_origin_from_the_same_site_is_accepted(channel):
    response = post_tip(channel, Origin="null", **{"Sec-Fetch-Site": "same-origin"})

    assert response.status_code == 200
    assert Tip.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "null", "Sec-Fetch-Site": "same-site"},
        {"Origin": "https://attacker.example"},
        # An old browser that sends no Origin: the Referer names the site the post came from.
        {"Referer": "https://attacker.example/page.html"},
    ],
)
def test_post_from_another_site_is_refused_even_with_a_valid_token(channel, headers):
    response = post_tip(channel, **headers)

    assert response.status_code == 400
    assert "This form expired" in response.content.decode()
    assert not Tip.objects.exists()


def test_null_origin_without_the_token_is_refused(channel):
    client = Client(enforce_csrf_checks=True, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})
    client.get("/tip/login/")

    response = client.post("/tip/logout/")

    assert response.status_code == 403


def test_an_expired_staff_form_is_explained_on_a_staff_page(db):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/staff/login/", {"username": "x", "password": "y"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "This form expired" in html
    assert "tip" not in html.split("<main", 1)[1].lower()
