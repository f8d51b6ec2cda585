"""The Django admin pages are Clarion's: its logout, no secrets shown, no keys or devices managed there."""

from __future__ import annotations

import html
import re
from base64 import b32encode

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from clarion.accounts.models import KeyCustody, StaffSession
from tests.support.people import browser_client, csrf, log_in, make_staff

pytestmark = pytest.mark.django_db

KEY_COOKIE = settings.STAFF_KEY_COOKIE_NAME


@pytest.fixture
def admin_browser():
    """An admin who is also a reviewer (holds a key), logged in through the real pages."""
    admin, device, recovery_code = make_staff("ada", "admin", "reviewer")
    client = browser_client()
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
    # (every staff cookie deleted by name but the device cookie, which spares its owner a lockout: L9)
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert response.cookies[KEY_COOKIE].value == ""
    assert response.cookies[settings.SESSION_COOKIE_NAME].value == ""
    assert not StaffSession.objects.filter(session_key=session_key).exists()
    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get("/staff/admin/").status_code == 302


def _crawl(client, starts: list[str], limit: int = 400) -> dict[str, str]:  # noqa: ANN001
    """Fetch every staff page reachable from `starts` by plain links (no queries); return path -> page."""
    seen: dict[str, str] = {}
    queue = list(starts)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        seen[path] = response.content.decode(errors="replace") if response.status_code == 200 else ""
        for link in re.findall(r'href="(/staff/[^"?#]*)"', seen[path]):
            link = html.unescape(link)
            if link not in seen and "logout" not in link:
                queue.append(link)
    return seen


def test_no_page_shows_a_second_factor_secret_recovery_material_or_password_hash(admin_browser):
    # Given a reviewer with an authenticator, recovery tokens, a recovery code and a password
    _admin, _device, _code, client = admin_browser
    rita, rita_device, rita_recovery_code = make_staff("rita", "reviewer")
    static = StaticDevice.objects.create(user=rita, name="backup", confirmed=True)
    token = StaticToken.objects.create(device=static, token="kq7rf2mz").token
    custody = KeyCustody.objects.get(user=rita)
    secrets = {
        "TOTP key (hex)": rita_device.key,
        "TOTP key (base32)": b32encode(rita_device.bin_key).decode().rstrip("="),
        "recovery token": token,
        "recovery code": rita_recovery_code,
        "password hash": rita.password,
        "password hash digest": rita.password.rsplit("$", 1)[1],
        "password salt": rita.password.rsplit("$", 2)[1],
        "wrapped identity": bytes(custody.identity_under_password).hex()[:32],
    }

    # When an admin opens every admin page reachable by links, and the device pages by address
    pages = _crawl(client, ["/staff/admin/", f"/staff/admin/auth/user/{rita.pk}/change/", "/staff/people/"])
    for path in [
        f"/staff/admin/otp_totp/totpdevice/{rita_device.pk}/change/",
        f"/staff/admin/otp_totp/totpdevice/{rita_device.pk}/config/",
        f"/staff/admin/otp_static/staticdevice/{static.pk}/change/",
    ]:
        response = client.get(path)
        pages[path] = response.content.decode(errors="replace")
        # Then second-factor devices have no admin pages at all: enrolment and reset manage them
        assert response.status_code == 404, path

    # Then no page holds any of the secrets, in any form
    assert len(pages) > 20, sorted(pages)
    assert f"/staff/admin/auth/user/{rita.pk}/change/" in pages and pages[f"/staff/admin/auth/user/{rita.pk}/change/"]
    for path, page in pages.items():
        for name, secret in secrets.items():
            assert secret.lower() not in page.lower(), f"{path} shows the {name}"


def test_key_custody_cannot_be_deleted_added_or_changed_in_the_admin(admin_browser):
    _admin, _device, _code, client = admin_browser
    rita, _rita_device, _ = make_staff("rita", "reviewer")
    custody = KeyCustody.objects.get(user=rita)
    before = (custody.public_key, bytes(custody.identity_under_password))
    base = "/staff/admin/accounts/keycustody/"
    assert client.get(f"{base}{custody.pk}/change/").status_code == 200  # the control: admins may look

    # Deleting one, by its page or by the bulk action, is refused
    assert client.get(f"{base}{custody.pk}/delete/").status_code == 403
    assert client.post(f"{base}{custody.pk}/delete/", {"post": "yes", **csrf(client)}).status_code == 403
    client.post(base, {"action": "delete_selected", "_selected_action": [custody.pk], "post": "yes", **csrf(client)})
    # Adding or changing one is refused
    assert client.get(f"{base}add/").status_code == 403
    changed = client.post(f"{base}{custody.pk}/change/", {"public_key": "age1attacker", **csrf(client)})
    assert changed.status_code == 403
    # Nor can the key go with its person: people are disabled, never deleted here
    assert client.post(f"/staff/admin/auth/user/{rita.pk}/delete/", {"post": "yes", **csrf(client)}).status_code == 403
    bulk_delete = {"action": "delete_selected", "_selected_action": [rita.pk], "post": "yes", **csrf(client)}
    client.post("/staff/admin/auth/user/", bulk_delete)

    custody.refresh_from_db()
    assert (custody.public_key, bytes(custody.identity_under_password)) == before
