"""People join with a one-time invitation code typed into a form, never carried in a URL."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from clarion.accounts.actions import do_create_invitation
from clarion.accounts.codes import code_hash, normalise_code
from clarion.accounts.keys import unlock_identity, unlock_with_recovery_code
from clarion.accounts.models import Invitation
from clarion.accounts.roles import is_admin, is_reviewer
from tests.support.people import PASSWORD, StaffBrowser, enrol, log_in, make_staff, shown_code
from tests.support.totp import code_for, totp_key

pytestmark = pytest.mark.django_db


def invite_code(*roles: str, **kwargs) -> str:  # noqa: ANN003
    _invitation, code = do_create_invitation(actor=None, roles=list(roles or ["reviewer"]), **kwargs)
    return code


def test_an_invited_person_enrols_and_logs_in_with_their_new_key(time_machine):
    time_machine.move_to(timezone.now(), tick=False)  # one 30-second step: the enrolment's code is now's
    code = invite_code()
    browser = StaffBrowser()

    response, key = enrol(browser, code)

    assert response.status_code == 200
    recovery = shown_code(response, "recovery-code")
    nina = get_user_model().objects.get(username="nina")
    assert is_reviewer(nina)
    assert TOTPDevice.objects.get(user=nina).confirmed
    assert unlock_identity(nina.key_custody, PASSWORD).recipient == nina.key_custody.public_key
    assert unlock_with_recovery_code(nina.key_custody, recovery).recipient == nina.key_custody.public_key
    # The code from enrolment cannot be replayed at login; the next one logs in.
    assert log_in(Client(), nina, password=PASSWORD, code=code_for(key)).status_code == 400
    assert log_in(Client(), nina, password=PASSWORD).status_code == 302


def test_the_invitation_code_is_in_no_url_and_not_stored():
    code = invite_code()
    browser = StaffBrowser()

    enrol(browser, code)

    canonical = normalise_code(code)
    for url in browser.urls:
        assert canonical not in url.upper().replace("-", "")
        assert code not in url
    assert not Invitation.objects.filter(code_hash__icontains=canonical).exists()
    assert Invitation.objects.filter(code_hash=code_hash(canonical)).exists()


def test_the_authenticator_qr_code_is_inline_svg_drawn_locally():
    code = invite_code()
    browser = StaffBrowser()
    browser.post("/staff/enrol/", {"code": code})
    browser.post(
        "/staff/enrol/account/", {"username": "nina", "new_password": PASSWORD, "new_password_again": PASSWORD}
    )

    page = browser.get("/staff/enrol/code/").content.decode()

    assert "<svg" in page
    assert "data:" not in page
    assert not re.search(r"<img[^>]+src=\"(https?:)?//", page)


def test_an_invitation_works_only_once():
    code = invite_code()
    enrol(StaffBrowser(), code)

    response = StaffBrowser().post("/staff/enrol/", {"code": code})

    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_an_invitation_that_was_used_meanwhile_creates_no_second_account():
    # Given two browsers that both entered the same code
    code = invite_code()
    first, second = StaffBrowser(), StaffBrowser()
    for browser, name in ((first, "nina"), (second, "nora")):
        browser.post("/staff/enrol/", {"code": code})
        browser.post(
            "/staff/enrol/account/",
            {"username": name, "new_password": PASSWORD, "new_password_again": PASSWORD},
        )
    # When the first finishes, then the second tries
    enrol_finish = first.client.get("/staff/enrol/code/")

    key = totp_key(shown_code(enrol_finish, "totp-secret"))
    assert first.post("/staff/enrol/code/", {"code": code_for(key)}).status_code == 200
    second_page = second.client.get("/staff/enrol/code/")

    # Then the second is sent back to the start, and only one account exists
    assert "Enter your invitation code again" in second_page.content.decode()
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["nina"]


def test_an_expired_invitation_is_refused():
    code = invite_code()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = StaffBrowser().post("/staff/enrol/", {"code": code})

    assert response.status_code == 400


def test_a_wrong_authenticator_code_creates_no_account():
    code = invite_code()
    browser = StaffBrowser()
    browser.post("/staff/enrol/", {"code": code})
    browser.post(
        "/staff/enrol/account/", {"username": "nina", "new_password": PASSWORD, "new_password_again": PASSWORD}
    )

    page = browser.get("/staff/enrol/code/")

    right = code_for(totp_key(shown_code(page, "totp-secret")))
    response = browser.post("/staff/enrol/code/", {"code": f"{(int(right) + 1) % 1_000_000:06d}"})

    assert response.status_code == 400
    assert not get_user_model().objects.filter(username="nina").exists()
    assert Invitation.objects.get().used_at is None


@pytest.mark.parametrize(
    ("password", "complaint"),
    [
        ("short one", "too short"),
        ("123456789012345", "entirely numeric"),
        ("password123456", "too common"),
        ("x" * 129, "at most 128"),
    ],
)
def test_weak_or_overlong_passwords_are_refused_at_enrolment(password, complaint):
    browser = StaffBrowser()
    browser.post("/staff/enrol/", {"code": invite_code()})

    response = browser.post(
        "/staff/enrol/account/", {"username": "nina", "new_password": password, "new_password_again": password}
    )

    assert response.status_code == 400
    assert complaint in response.content.decode()


def test_a_128_character_password_is_accepted():
    browser = StaffBrowser()
    browser.post("/staff/enrol/", {"code": invite_code()})
    password = "a long and unusual sentence " * 4 + "x" * 16
    assert len(password) == 128

    response = browser.post(
        "/staff/enrol/account/", {"username": "nina", "new_password": password, "new_password_again": password}
    )

    assert response.status_code == 302


def test_the_invite_command_prints_a_code_that_enrols_a_reviewer_once():
    out = StringIO()

    call_command("invite", "--role", "admin", "--role", "reviewer", "--email", "nina@example.org", stdout=out)

    code = out.getvalue().strip().splitlines()[-1]
    assert normalise_code(code)
    assert Invitation.objects.get().email == "nina@example.org"
    enrol(StaffBrowser(), code)
    nina = get_user_model().objects.get(username="nina")
    assert is_reviewer(nina) and is_admin(nina)


def test_an_admin_invites_from_the_people_page_and_sees_the_code_once():
    admin, device, _ = make_staff("ada", "admin")
    client = Client()
    log_in(client, admin, device)

    response = client.post("/staff/people/invite/", {"roles": ["editor", "reviewer"], "email": ""})

    code = shown_code(response, "invitation-code")
    invitation = Invitation.objects.get()
    assert (invitation.role_list, invitation.created_by) == (["reviewer", "editor"], admin)
    assert invitation.code_hash == code_hash(normalise_code(code))


def test_an_admin_invites_from_the_django_admin_and_sees_the_code_once():
    admin, device, _ = make_staff("ada", "admin")
    client = Client()
    log_in(client, admin, device)

    response = client.post("/staff/admin/accounts/invitation/add/", {"roles": ["reviewer"], "email": "x@example.org"})

    assert response.status_code == 200, response.content.decode()[:2000]
    code = shown_code(response, "invitation-code")
    assert Invitation.objects.get().code_hash == code_hash(normalise_code(code))


def test_guessing_invitation_codes_is_slowed_down():
    browser = StaffBrowser()
    for _ in range(5):
        browser.post("/staff/enrol/", {"code": "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-A"})

    response = browser.post("/staff/enrol/", {"code": invite_code()})

    assert response.status_code == 429


def test_reviewer_fixture_password_still_unlocks(reviewer):
    assert unlock_identity(reviewer.key_custody, PASSWORD)


def test_the_django_admin_lists_invitations_without_their_codes():
    admin, device, _ = make_staff("ada", "admin")
    client = Client()
    log_in(client, admin, device)
    code = invite_code("editor")
    invitation = Invitation.objects.get()

    listing = client.get("/staff/admin/accounts/invitation/")
    detail = client.get(f"/staff/admin/accounts/invitation/{invitation.pk}/change/")

    assert listing.status_code == detail.status_code == 200
    for page in (listing, detail):
        assert normalise_code(code) not in page.content.decode().replace("-", "")
        assert invitation.code_hash not in page.content.decode()


def test_password_fields_do_not_let_the_browser_cut_a_long_password_silently():
    page = Client().get("/staff/login/").content.decode()

    password_input = next(tag for tag in page.split("<input") if 'type="password"' in tag)
    assert "maxlength" not in password_input
