"""A secret kept on the server opens only with the key in its own cookie (docs/design.md, property 2)."""

from __future__ import annotations

from django.http import HttpResponse
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from clarion.web import sealed_cookie

NAME = "test-sealed"


def _returning(response: HttpResponse, name: str = NAME):  # noqa: ANN202 - a request
    """Return a request from a browser that kept the cookies `response` set."""
    request = RequestFactory().get("/")
    request.COOKIES[name] = response.cookies[name].value
    return request


@given(secret=st.binary(max_size=200))
def test_the_sealed_secret_opens_with_its_cookie_and_the_key_stays_out_of_it(secret):
    response = HttpResponse()

    sealed = sealed_cookie.seal(response, NAME, secret)

    assert sealed_cookie.unseal(_returning(response), NAME, sealed) == secret
    assert response.cookies[NAME].value not in sealed


def test_another_browsers_cookie_or_none_opens_nothing():
    first, second = HttpResponse(), HttpResponse()
    sealed = sealed_cookie.seal(first, NAME, b"AGE-SECRET-KEY-1X")
    sealed_cookie.seal(second, NAME, b"AGE-SECRET-KEY-1X")

    assert sealed_cookie.unseal(_returning(second), NAME, sealed) is None
    assert sealed_cookie.unseal(RequestFactory().get("/"), NAME, sealed) is None
    assert sealed_cookie.unseal(_returning(first), NAME, None) is None


def test_a_cookie_may_carry_a_handle_before_its_key():
    response = HttpResponse()

    sealed = sealed_cookie.seal(response, NAME, b"secret", handle="sessionkey123")

    request = _returning(response)
    assert sealed_cookie.handle(request, NAME) == "sessionkey123"
    assert sealed_cookie.unseal(request, NAME, sealed) == b"secret"


def test_every_cookie_is_httponly_strict_and_site_wide_and_its_deletion_matches(settings):
    settings.HTTPS = True
    response = HttpResponse()

    sealed_cookie.seal(response, NAME, b"secret", max_age=300)
    cookie = response.cookies[NAME]

    assert (cookie["secure"], cookie["httponly"], cookie["samesite"], cookie["path"]) == (True, True, "Strict", "/")
    assert cookie["max-age"] == 300
    sealed_cookie.delete_cookie(response, NAME)
    deleted = response.cookies[NAME]
    assert (deleted.value, deleted["max-age"], deleted["samesite"], deleted["path"]) == ("", 0, "Strict", "/")
