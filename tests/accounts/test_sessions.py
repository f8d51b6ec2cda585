"""Staff sessions end on their own (idle, absolute) and when the account is disabled."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from clarion.accounts.models import StaffSession
from tests.support.people import log_in, logged_in_client, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in():
    user, device, _ = make_staff("rita", "reviewer")
    client = Client()
    log_in(client, user, device)
    return user, client


def test_a_session_idle_past_the_limit_is_logged_out(logged_in, time_machine):
    _user, client = logged_in
    time_machine.move_to(timezone.now(), tick=False)

    time_machine.shift(settings.STAFF_IDLE_SECONDS - 10)
    assert client.get("/staff/account/").status_code == 200
    time_machine.shift(settings.STAFF_IDLE_SECONDS + 11)
    response = client.get("/staff/account/")

    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
    assert not StaffSession.objects.exists()


def test_activity_keeps_a_session_open_only_until_the_absolute_limit(logged_in, time_machine):
    _user, client = logged_in
    start = timezone.now().timestamp()
    step = settings.STAFF_IDLE_SECONDS - 60
    moment = start
    while moment + step < start + settings.STAFF_MAX_SECONDS:
        moment += step
        time_machine.move_to(moment, tick=False)
        assert client.get("/staff/account/").status_code == 200

    time_machine.move_to(start + settings.STAFF_MAX_SECONDS + 1, tick=False)

    assert client.get("/staff/account/").status_code == 302


def test_disabling_a_person_ends_all_their_sessions():
    # Given an admin, and a reviewer logged in from two browsers
    admin, admin_device, _ = make_staff("ada", "admin")
    rita, rita_device, _ = make_staff("rita", "reviewer")
    laptop, phone, admin_client = Client(), Client(), Client()
    log_in(laptop, rita, rita_device)
    log_in(phone, rita, rita_device)
    log_in(admin_client, admin, admin_device)
    rita_sessions = list(StaffSession.objects.filter(user=rita).values_list("session_key", flat=True))
    assert len(rita_sessions) == 2

    # When the admin disables her
    response = admin_client.post(f"/staff/people/{rita.pk}/active/", {"active": "0"})

    # Then both sessions are gone from the store, and neither browser gets in
    assert response.status_code == 302
    assert not Session.objects.filter(session_key__in=rita_sessions).exists()
    assert laptop.get("/staff/account/").status_code == 302
    assert phone.get("/staff/account/").status_code == 302
    assert admin_client.get("/staff/account/").status_code == 200


def test_a_disabled_person_cannot_log_in():
    rita, device, _ = make_staff("rita", "reviewer")
    rita.is_active = False
    rita.save()

    response = Client().post("/staff/login/", {"username": "rita", "password": "correct horse battery staple"})

    assert response.status_code == 400


def test_a_reviewer_cannot_disable_anyone():
    rita, device, _ = make_staff("rita", "reviewer")
    sam, _, _ = make_staff("sam", "reviewer")
    client = Client()
    log_in(client, rita, device)

    assert client.post(f"/staff/people/{sam.pk}/active/", {"active": "0"}).status_code == 404
    sam.refresh_from_db()
    assert sam.is_active


def test_the_reviewer_client_fixture_is_logged_in_through_the_real_views(reviewer_client, reviewer):
    session_key = reviewer_client.cookies[settings.SESSION_COOKIE_NAME].value

    assert StaffSession.objects.get(session_key=session_key).user == reviewer
    assert reviewer_client.cookies[settings.STAFF_KEY_COOKIE_NAME].value
    assert reviewer_client.get("/staff/account/").status_code == 200


def test_the_same_person_logs_in_from_two_browsers_with_successive_codes(reviewer):
    first, second = logged_in_client(reviewer), logged_in_client(reviewer)

    assert first.get("/staff/account/").status_code == 200
    assert second.get("/staff/account/").status_code == 200
