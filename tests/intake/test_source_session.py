"""Source session cookies: anything but a live session with its own sealing key opens nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.intake.helpers import receipt_of, source_browser, submit

COOKIE = "clarion-source"
cookie_text = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=';,"\\'), max_size=200
)


@pytest.fixture
def logged_in(db, channel):
    client = source_browser()
    receipt = receipt_of(submit(client, channel))
    client.get("/tip/login/")
    client.post("/tip/login/", {"receipt": receipt, "csrfmiddlewaretoken": client.cookies["clarion-csrf"].value})
    return client


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=cookie_text)
def test_arbitrary_cookie_values_never_open_an_inbox_nor_crash(logged_in, value):
    stranger = Client()
    stranger.cookies[COOKIE] = value

    response = stranger.get("/tip/inbox/")

    assert response.status_code in (200, 302)
    assert "Loading bay 3" not in response.content.decode()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0, max_value=200), replacement=st.sampled_from("AZaz09-_="))
def test_a_session_cookie_with_any_character_changed_opens_nothing(logged_in, position, replacement):
    original = logged_in.cookies[COOKIE].value
    # Every character but the sealing key's last base64 characters, whose low bits are padding.
    index = position % (len(original) - 4)
    if original[index] == replacement:
        return
    stranger = Client()
    stranger.cookies[COOKIE] = original[:index] + replacement + original[index + 1 :]

    response = stranger.get("/tip/inbox/")

    assert "Loading bay 3" not in response.content.decode()


def test_the_untouched_cookie_does_open_the_inbox(logged_in):
    # The positive control for the two properties above: same setup, real cookie.
    assert "Loading bay 3" in logged_in.get("/tip/inbox/").content.decode()
