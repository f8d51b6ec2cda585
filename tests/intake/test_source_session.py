"""Source session cookies: anything but a live session with its own sealing key opens nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clarion.intake import source_session
from clarion.intake.models import Tip
from tests.support.people import browser_client
from tests.support.tips import receipt_of, submit

COOKIE = "clarion-source"
cookie_text = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=';,"\\'), max_size=200
)


@pytest.fixture
def logged_in(db, channel):
    client = browser_client()
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


def test_an_idle_session_ends_after_two_hours(logged_in, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    time_machine.shift(django_settings.SOURCE_SESSION_SECONDS - 60)
    assert "Loading bay 3" in logged_in.get("/tip/inbox/").content.decode()

    time_machine.shift(django_settings.SOURCE_SESSION_SECONDS + 60)
    html = logged_in.get("/tip/inbox/").content.decode()

    assert "Your session has ended" in html
    assert "Loading bay 3" not in html


def test_an_active_session_still_ends_eight_hours_after_login(logged_in, time_machine):
    # Given a source who comes back every 90 minutes, never idle long enough to time out
    start = timezone.now()
    for minutes in range(90, 8 * 60, 90):
        time_machine.move_to(start + dt.timedelta(minutes=minutes), tick=False)
        assert "Loading bay 3" in logged_in.get("/tip/inbox/").content.decode(), f"ended after {minutes} minutes"

    # When eight hours have passed since the login
    time_machine.move_to(start + dt.timedelta(hours=8, seconds=1), tick=False)
    html = logged_in.get("/tip/inbox/").content.decode()

    # Then the session has ended, and stays ended however soon the next request comes
    assert "Your session has ended" in html
    assert "Loading bay 3" not in html
    assert "Loading bay 3" not in logged_in.get("/tip/inbox/").content.decode()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gaps=st.lists(st.integers(min_value=0, max_value=3 * 3600), min_size=1, max_size=12))
def test_a_session_lives_only_while_no_gap_reaches_the_idle_limit_and_login_is_under_eight_hours(logged_in, gaps):
    # Given a fresh session, opened at a fixed moment
    moment = 1_800_000_000.0
    with time_machine.travel(moment, tick=False) as traveller:
        response = HttpResponse()
        source_session.start_source_session(response, tip=Tip.objects.get(), conversation_identity="AGE-SECRET-KEY-1X")
        cookie = response.cookies[django_settings.SOURCE_SESSION_COOKIE_NAME].value
        alive, elapsed = True, 0
        for gap in gaps:
            # When the source comes back after each gap
            elapsed += gap
            traveller.move_to(moment + elapsed)
            request = RequestFactory().get("/tip/inbox/")
            request.COOKIES[django_settings.SOURCE_SESSION_COOKIE_NAME] = cookie
            # (a gap of exactly the idle limit ends it: the session row expires at that second)
            alive = alive and gap < django_settings.SOURCE_SESSION_SECONDS
            alive = alive and elapsed <= django_settings.SOURCE_SESSION_MAX_SECONDS

            # Then the session opens exactly while neither limit has been reached, and never again after
            assert (source_session.load_source_session(request) is not None) == alive, (gap, elapsed)
