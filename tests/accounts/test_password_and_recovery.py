"""Password change re-wraps the key; recovery keeps it; an admin reset gives a new one, and says so."""

from __future__ import annotations

from base64 import b32decode

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from clarion import vault
from clarion.accounts.keys import unlock_identity
from clarion.accounts.models import KeyCustody, StaffSession
from clarion.audit.log import verify
from clarion.audit.models import AuditEntry
from tests.support.people import PASSWORD, browser_client, csrf, log_in, make_staff, next_code, shown_code
from tests.support.totp import code_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "seven tidy otters paddle home"


@pytest.fixture
def rita():
    return make_staff("rita", "reviewer")


def change_password(client: Client, current: str = PASSWORD, new: str = NEW_PASSWORD):  # noqa: ANN201
    client.get("/staff/account/password/")
    return client.post(
        "/staff/account/password/",
        {"current_password": current, "new_password": new, "new_password_again": new, **csrf(client)},
    )


def test_a_password_change_rewraps_the_same_key_and_the_old_password_no_longer_opens_it(rita):
    user, device, _ = rita
    client = browser_client()
    log_in(client, user, device)
    public_key = user.key_custody.public_key

    response = change_password(client)

    assert response.status_code == 200
    custody = KeyCustody.objects.get(user=user)
    assert custody.public_key == public_key
    assert unlock_identity(custody, NEW_PASSWORD).recipient == public_key
    with pytest.raises(vault.DecryptionError):
        unlock_identity(custody, PASSWORD)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(rita):
    user, device, _ = rita
    here, elsewhere = Client(), Client()
    log_in(here, user, device)
    log_in(elsewhere, user, device)
    other_key = elsewhere.cookies[settings.SESSION_COOKIE_NAME].value

    change_password(here)

    assert here.get("/staff/account/").status_code == 200
    assert elsewhere.get("/staff/account/").status_code == 302
    assert not Session.objects.filter(session_key=other_key).exists()
    this_key = here.cookies[settings.SESSION_COOKIE_NAME].value
    assert list(StaffSession.objects.values_list("session_key", flat=True)) == [this_key]


def test_a_wrong_current_password_changes_nothing(rita):
    user, device, _ = rita
    client = Client()
    log_in(client, user, device)
    before = bytes(user.key_custody.identity_under_password)

    response = change_password(client, current="wrong horse battery staple")

    assert response.status_code == 400
    assert bytes(KeyCustody.objects.get(user=user).identity_under_password) == before
    assert unlock_identity(KeyCustody.objects.get(user=user), PASSWORD)


def test_the_recovery_code_with_a_one_time_code_sets_a_new_password_and_keeps_the_key(rita):
    user, device, recovery_code = rita
    public_key = user.key_custody.public_key
    logged_in = Client()
    log_in(logged_in, user, device)

    response = Client().post(
        "/staff/recover/",
        {
            "username": "rita",
            "recovery_code": recovery_code.lower().replace("-", " "),
            "code": next_code(device),
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )

    assert response.status_code == 200, response.content.decode()[:3000]
    new_recovery_code = shown_code(response, "recovery-code")
    assert new_recovery_code != recovery_code
    custody = KeyCustody.objects.get(user=user)
    assert unlock_identity(custody, NEW_PASSWORD).recipient == public_key
    assert logged_in.get("/staff/account/").status_code == 302


def test_recovery_never_skips_the_one_time_code(rita):
    user, device, recovery_code = rita
    right = code_for(device.bin_key)

    response = Client().post(
        "/staff/recover/",
        {
            "username": "rita",
            "recovery_code": recovery_code,
            "code": f"{(int(right) + 1) % 1_000_000:06d}",
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )

    assert response.status_code == 400
    assert unlock_identity(KeyCustody.objects.get(user=user), PASSWORD)


def test_a_used_recovery_code_does_not_work_twice(rita):
    user, device, recovery_code = rita
    form = {
        "username": "rita",
        "recovery_code": recovery_code,
        "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD,
    }
    assert Client().post("/staff/recover/", {**form, "code": code_for(device.bin_key)}).status_code == 200

    again = Client().post("/staff/recover/", {**form, "code": next_code(device)})

    assert again.status_code == 400


def test_an_admin_reset_warns_before_confirming_then_gives_a_new_key(rita):
    # Given an admin and a reviewer who lost password and recovery code
    user, device, _ = rita
    admin, admin_device, _ = make_staff("ada", "admin")
    admin_client, rita_client = Client(), Client()
    log_in(admin_client, admin, admin_device)
    log_in(rita_client, user, device)
    old_public_key = user.key_custody.public_key

    # When the admin opens the reset page, it warns, and nothing has changed yet
    warning = admin_client.get(f"/staff/people/{user.pk}/reset/").content.decode()
    assert "will lose access to the tips" in warning
    assert "new key" in warning
    assert TOTPDevice.objects.filter(user=user).exists()
    assert rita_client.get("/staff/account/").status_code == 200

    # When the admin confirms: her sessions end, and she gets a reset code
    confirmed = admin_client.post(f"/staff/people/{user.pk}/reset/")
    reset_code = shown_code(confirmed, "invitation-code")
    assert rita_client.get("/staff/account/").status_code == 302
    assert Client().post("/staff/login/", {"username": "rita", "password": PASSWORD}).status_code == 400

    # Then she re-enrols under the same name, with a new authenticator and a NEW key
    browser = Client()
    assert browser.post("/staff/enrol/", {"code": reset_code}).status_code == 302
    page = browser.get("/staff/enrol/account/").content.decode()
    assert "new key" in page
    assert (
        browser.post(
            "/staff/enrol/account/", {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
        ).status_code
        == 302
    )
    key = b32decode(shown_code(browser.get("/staff/enrol/code/"), "totp-secret").replace(" ", ""))
    assert browser.post("/staff/enrol/code/", {"code": code_for(key)}).status_code == 200
    custody = KeyCustody.objects.get(user=user)
    assert custody.public_key != old_public_key
    assert unlock_identity(custody, NEW_PASSWORD).recipient == custody.public_key


def test_a_reviewer_cannot_reset_anyone(rita):
    user, device, _ = rita
    sam, _, _ = make_staff("sam", "reviewer")
    client = Client()
    log_in(client, user, device)

    assert client.get(f"/staff/people/{sam.pk}/reset/").status_code == 404
    assert client.post(f"/staff/people/{sam.pk}/reset/").status_code == 404
    assert TOTPDevice.objects.filter(user=sam).exists()


def test_resets_disablements_and_password_changes_are_in_the_audit_log_without_secrets(rita):

    user, device, recovery_code = rita
    admin, admin_device, _ = make_staff("ada", "admin")
    as_admin, as_rita = Client(), Client()
    log_in(as_rita, user, device)
    log_in(as_admin, admin, admin_device)

    change_password(as_rita)
    as_admin.post(f"/staff/people/{user.pk}/active/", {"active": "0"})
    as_admin.post(f"/staff/people/{user.pk}/reset/")

    entries = list(AuditEntry.objects.order_by("seq").values_list("actor_name", "action", "detail"))
    assert entries == [
        ("rita", "account.password_change", ""),
        ("ada", "account.disable", "rita"),
        ("ada", "device.removed", f"second-factor devices of user {user.pk} (rita): 1"),
        ("ada", "account.reset", "rita"),
    ]
    assert verify().broken is None
    everything = str(list(AuditEntry.objects.values()))
    assert PASSWORD not in everything and NEW_PASSWORD not in everything and recovery_code not in everything
