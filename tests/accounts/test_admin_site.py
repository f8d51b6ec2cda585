"""The Django admin pages are Clarion's: its logout, no secrets shown, no keys or devices managed there."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session

from clarion.accounts.models import StaffSession
from tests.accounts.helpers import csrf, log_in, make_staff, staff_browser

pytestmark = pytest.mark.django_db

KEY_COOKIE = settings.STAFF_KEY_COOKIE_NAME


@pytest.fixture
def admin_browser():
    """An admin who is also a reviewer (holds a key), logged in through the real pages."""
    admin, device, recovery_code = make_staff("ada", "admin", "reviewer")
    client = staff_browser()
    assert log_in(client, admin, device).status_code == 302
    return admin, device, recovery_code, client


def test_the_admin_logout_is_clarions_logout(admin_browser):
    # Given an admin on the admin pages, holding their key
    admin, _device, _code, client = admin_browser
    assert client.get("/staff/admin/").status_code == 200
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert StaffSession.objects.filter(session_key=session_key).exists()

    # When they press the admin's own "Log out" button
    response = client.post("/staff/admin/logout/", csrf(client))

    # Then the browser is cleared, the key cookie is deleted and the session is gone everywhere
    assert response.status_code == 200
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert response.cookies[KEY_COOKIE].value == ""
    assert not StaffSession.objects.filter(session_key=session_key).exists()
    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get("/staff/admin/").status_code == 302
