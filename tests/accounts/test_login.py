"""Staff log in with a password, then a one-time code; only then is their key unlocked."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.sessions.models import Session
from django.core import serializers
from django.http import Http404, HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone
from django_otp.middleware import OTPMiddleware

from clarion import vault
from clarion.accounts.models import KeyCustody
from clarion.accounts.views.login import PENDING
from clarion.web import staff_identity, throttle
from clarion.web.decorators import reviewer_required
from tests.support.people import (
    PASSWORD,
    add_authenticator,
    browser_client,
    csrf,
    log_in,
    make_staff,
    next_code,
    submit_code,
    submit_password,
)
from tests.support.tips import send_tip
from tests.support.totp import code_for

pytestmark = pytest.mark.django_db

KEY_COOKIE = settings.STAFF_KEY_COOKIE_NAME


@pytest.fixture
def rita():
    return make_staff("rita", "reviewer")


def test_password_then_code_logs_in_and_holds_the_identity(rita):
    user, device, _ = rita
    client = browser_client()

    response = log_in(client, user, device)

    assert response.status_code == 302
    assert response["Location"] == settings.LOGIN_REDIRECT_URL
    assert client.get("/staff/account/").status_code == 200
    request = _request_of(client)
    assert staff_identity.held_identity(request).recipient == user.key_custody.public_key


def test_wrong_password_does_not_reach_the_code_step(rita):
    user, _device, _ = rita
    client = Client()

    response = submit_password(client, "rita", "wrong horse battery staple")

    assert response.status_code == 400
    assert "not right" in response.content.decode()
    assert PENDING not in client.session
    assert client.get("/staff/login/code/").content.decode().count("took too long") == 1


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(rita):
    wrong_password = submit_password(Client(), "rita", "wrong horse battery staple")
    unknown_user = submit_password(Client(), "nobody", "wrong horse battery staple")

    assert wrong_password.status_code == unknown_user.status_code == 400
    assert _problems(wrong_password) == _problems(unknown_user)


def test_wrong_code_does_not_log_in(rita):
    user, device, _ = rita
    client = Client()
    submit_password(client, "rita")
    right = code_for(device.bin_key)

    response = submit_code(client, f"{(int(right) + 1) % 1_000_000:06d}")

    assert response.status_code == 400
    assert "not right" in response.content.decode()
    assert client.get("/staff/account/").status_code == 302
    assert KEY_COOKIE not in client.cookies or not client.cookies[KEY_COOKIE].value


def test_a_code_used_once_does_not_log_in_again(rita):
    user, device, _ = rita
    first, second = Client(), Client()
    code = code_for(device.bin_key)
    submit_password(first, "rita")
    assert submit_code(first, code).status_code == 302

    submit_password(second, "rita")
    response = submit_code(second, code)

    assert response.status_code == 400
    assert second.get("/staff/account/").status_code == 302


def test_nothing_behind_the_login_is_reachable_after_the_password_alone(rita):
    # Given a person who typed the right password but no code yet
    client = Client()
    submit_password(client, "rita")

    # Then a page guarded like case data sends them to the login page
    response = client.get("/staff/account/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/"
    assert not client.session.get("_auth_user_id")
    assert client.get("/staff/admin/").status_code == 302


def test_reviewer_required_turns_away_password_only_and_keyless_sessions(rita, rf):
    user, device, _ = rita
    seen = []

    @reviewer_required
    def case_page(request):  # noqa: ANN001, ANN202
        seen.append(request)

        return HttpResponse("case data")

    client = Client()
    log_in(client, user, device)
    request = _request_of(client)
    assert case_page(request).status_code == 200

    # The same session without the key cookie holds no identity: back to the login page.
    request.COOKIES.pop(KEY_COOKIE)
    response = case_page(request)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
    assert len(seen) == 1


def test_the_password_between_the_steps_is_only_in_the_session_sealed(rita):
    client = Client()
    submit_password(client, "rita")

    stored = b"".join(row.session_data.encode() for row in Session.objects.all())
    pending = client.session[PENDING]

    assert PASSWORD.encode() not in stored
    assert PASSWORD not in str(pending)
    sealing_key = client.cookies[settings.STAFF_PENDING_COOKIE_NAME].value
    assert vault.unseal(pending["password"], sealing_key) == PASSWORD.encode()


def test_the_session_id_changes_at_login(rita):
    user, device, _ = rita
    client = Client()
    submit_password(client, "rita")
    before = client.cookies[settings.SESSION_COOKIE_NAME].value

    submit_code(client, code_for(device.bin_key))

    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before
    assert not Session.objects.filter(session_key=before).exists()


def test_login_goes_on_to_the_staff_page_asked_for_but_never_elsewhere(db):
    for n, (asked, landed) in enumerate(
        [
            ("/staff/account/password/", "/staff/account/password/"),
            ("https://evil.example/staff/", settings.LOGIN_REDIRECT_URL),
            ("//evil.example/staff/", settings.LOGIN_REDIRECT_URL),
            ("/tip/", settings.LOGIN_REDIRECT_URL),
        ]
    ):
        user, device, _ = make_staff(f"person{n}", "reviewer")
        client = Client()
        submit_password(client, user.username, next_path=asked)
        response = submit_code(client, code_for(device.bin_key))
        assert response["Location"] == landed


def test_login_with_csrf_enforced_works_as_in_a_browser(rita):
    user, device, _ = rita
    client = browser_client()
    client.get("/staff/login/")

    response = client.post("/staff/login/", {"username": "rita", "password": PASSWORD, **csrf(client)})

    assert response.status_code == 302
    assert client.post("/staff/login/", {"username": "rita", "password": PASSWORD}).status_code == 403


def test_logout_ends_the_session_forgets_the_key_and_clears_the_site(rita):
    user, device, _ = rita
    client = browser_client()
    log_in(client, user, device)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value

    response = client.post("/staff/logout/", csrf(client))

    assert response.status_code == 200
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    for name in (KEY_COOKIE, settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
        assert response.cookies[name].value == "" and response.cookies[name]["max-age"] == 0, name
    # The device cookie stays, so that its owner can log in while their name is under attack (L9).
    assert settings.STAFF_DEVICE_COOKIE_NAME not in response.cookies
    assert client.cookies[settings.STAFF_DEVICE_COOKIE_NAME].value
    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get("/staff/account/").status_code == 302


def test_logout_needs_a_post(rita):
    user, device, _ = rita
    client = Client()
    log_in(client, user, device)

    assert client.get("/staff/logout/").status_code == 405
    assert client.get("/staff/account/").status_code == 200


def test_login_pages_send_the_security_headers():
    response = Client().get("/staff/login/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


# --- slow-down and lockout ---------------------------------------------------------------


def test_repeated_failures_lock_the_account_even_with_the_right_password(rita):
    client = Client()
    for _ in range(throttle.STAFF_LOGIN.free):
        assert submit_password(client, "rita", "wrong horse battery staple").status_code == 400

    response = submit_password(Client(REMOTE_ADDR="10.9.9.9"), "rita")

    assert response.status_code == 429
    assert "Wait" in response.content.decode()


def test_repeated_failures_from_one_address_slow_down_every_account_tried_from_it(rita):
    make_staff("sam", "reviewer")
    for n in range(throttle.STAFF_LOGIN.free):
        submit_password(Client(), f"nobody{n}", "wrong horse battery staple")

    assert submit_password(Client(), "sam").status_code == 429
    assert submit_password(Client(REMOTE_ADDR="10.9.9.9"), "sam").status_code == 302


def test_a_lockout_runs_out_after_minutes(rita, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    for _ in range(throttle.STAFF_LOGIN.free + 3):
        submit_password(Client(), "rita", "wrong horse battery staple")
    assert submit_password(Client(), "rita").status_code == 429

    time_machine.shift(throttle.STAFF_LOGIN.max_wait + 1)

    assert submit_password(Client(), "rita").status_code == 302


def test_wrong_codes_count_as_failures_too(rita):
    user, device, _ = rita
    client = Client()
    submit_password(client, "rita")
    wrong = f"{(int(code_for(device.bin_key)) + 1) % 1_000_000:06d}"
    for _ in range(throttle.STAFF_LOGIN.free):
        submit_code(client, wrong)

    response = submit_code(client, code_for(device.bin_key))

    assert response.status_code == 429


# --- no victim lockout (L9) -----------------------------------------------------------------

ATTACKER = "203.0.113.66"


def attack(username: str, attempts: int = 12) -> None:
    """Send wrong passwords for `username` from the attacker's address until its counter is tripped."""
    for _ in range(attempts):
        submit_password(Client(REMOTE_ADDR=ATTACKER), username, "wrong horse battery staple")


def known_browser(user, device) -> Client:  # noqa: ANN001
    """Return the owner's browser after a complete login (both factors) and a logout."""
    client = browser_client()
    assert log_in(client, user, device).status_code == 302
    client.post("/staff/logout/", csrf(client))
    return client


def test_the_owner_logs_in_from_a_browser_they_used_before_while_their_account_is_under_attack(rita):
    user, device, _ = rita
    browser = known_browser(user, device)

    attack("rita")

    assert submit_password(Client(REMOTE_ADDR="198.51.100.30"), "rita").status_code == 429
    assert log_in(browser, user, device).status_code == 302
    assert browser.get("/staff/account/").status_code == 200


def test_a_known_browser_still_counts_against_its_address(rita):
    user, device, _ = rita
    browser = known_browser(user, device)
    for _ in range(throttle.STAFF_LOGIN.free):
        assert submit_password(browser, "rita", "wrong horse battery staple").status_code == 400

    assert submit_password(browser, "rita").status_code == 429


def test_a_device_cookie_spares_only_its_own_account(rita):
    user, device, _ = rita
    browser = known_browser(user, device)
    make_staff("sam", "reviewer")

    attack("sam")

    assert submit_password(browser, "sam").status_code == 429


def test_a_device_cookie_stops_sparing_after_the_password_changes(rita):
    user, device, _ = rita
    browser = known_browser(user, device)
    user.set_password("a brand new password for rita")
    user.save()

    attack("rita")

    assert submit_password(browser, "rita", "a brand new password for rita").status_code == 429


def test_a_forged_or_foreign_device_cookie_spares_nothing(rita):
    sue = known_browser(*make_staff("sue", "reviewer")[:2])
    attack("rita")
    forged = Client()
    forged.cookies[settings.STAFF_DEVICE_COOKIE_NAME] = f"{rita[0].pk}:" + "0" * 64 + ":1abcde:forged"

    assert submit_password(forged, "rita").status_code == 429
    assert submit_password(sue, "rita").status_code == 429


def _problems(response) -> str:  # noqa: ANN001
    html = response.content.decode()
    return html[html.index('<section class="problems"') : html.index("</section>")]


def _request_of(client: Client):  # noqa: ANN202
    """Build a request carrying the client's session and cookies, as the server would see it."""
    request = RequestFactory().get("/staff/")
    request.COOKIES = {name: morsel.value for name, morsel in client.cookies.items()}
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(
        client.cookies[settings.SESSION_COOKIE_NAME].value
    )

    request.user = get_user(request)
    OTPMiddleware(lambda r: None)(request)
    return request


def test_a_password_set_outside_clarion_logs_nobody_in_and_says_what_to_do(rita):
    user, device, _ = rita
    user.set_password("a password set by hand in a shell")
    user.save()
    client = Client()
    submit_password(client, "rita", "a password set by hand in a shell")

    response = submit_code(client, code_for(device.bin_key))

    assert response.status_code == 400
    assert "recovery code" in response.content.decode()
    assert client.get("/staff/account/").status_code == 302


def test_many_wrong_codes_lock_the_authenticator_for_minutes_only(rita, time_machine):
    user, device, _ = rita
    start = timezone.now().timestamp()
    client = Client()
    for n in range(30):
        # (a login waiting for its code is cancelled after five minutes: the password again each time)
        time_machine.move_to(start + n * throttle.STAFF_LOGIN.max_wait, tick=False)
        submit_password(client, "rita")
        submit_code(client, f"{(int(code_for(device.bin_key)) + 1) % 1_000_000:06d}")

    time_machine.move_to(start + 31 * throttle.STAFF_LOGIN.max_wait, tick=False)
    fresh = Client()
    submit_password(fresh, "rita")

    assert submit_code(fresh, code_for(device.bin_key)).status_code == 302


def test_a_staff_member_without_the_reviewer_role_gets_no_case_page():
    admin, device, _ = make_staff("ada", "admin")
    client = Client()
    log_in(client, admin, device)
    request = _request_of(client)

    with pytest.raises(Http404):
        reviewer_required(lambda request: HttpResponse("case data"))(request)


def test_no_secret_key_or_password_is_in_the_database_after_login(rita):
    user, device, recovery_code = rita
    client = Client()
    log_in(client, user, device)

    dump = serializers.serialize("json", [*Session.objects.all(), *KeyCustody.objects.all()])
    raw = "".join(s.session_data for s in Session.objects.all())
    decoded = str([s.get_decoded() for s in Session.objects.all()])
    assert "clarion.sealed_identity" in decoded  # the identity is there, sealed

    for text in (dump, raw, decoded):
        assert "AGE-SECRET-KEY" not in text
        assert PASSWORD not in text
        assert recovery_code not in text


def test_a_link_to_a_tip_keeps_the_tip_id_out_of_every_url_and_opens_the_tip_after_login(reviewer, channel):
    sent = send_tip(channel)
    device = add_authenticator(reviewer)
    client = browser_client()

    # Given a reviewer, logged out, who follows a link to a tip
    response = client.get(sent.url)

    # Then the login page is asked for with no query: the tip's id is in no address
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/"
    page = client.get(response["Location"])
    assert str(sent.tip.pk) not in page.content.decode()

    # When they log in with both factors, posting nothing but their credentials
    client.post("/staff/login/", {"username": reviewer.username, "password": PASSWORD, **csrf(client)})
    response = submit_code(client, code_for(device.bin_key))

    # Then they land on the tip they asked for
    assert response.status_code == 302
    assert response["Location"] == sent.url
    assert "The forklift brakes fail." in client.get(sent.url).content.decode()


def test_the_remembered_page_is_only_a_staff_page_and_is_used_once(db):
    user, device, _ = make_staff("rita", "reviewer")
    client = browser_client()
    # A staff page asked for, then an admin login link that points elsewhere: the latter wins, and is refused
    client.get("/staff/account/password/")
    client.get("/staff/admin/login/?next=//evil.example/staff/")
    client.get("/staff/login/")
    client.post("/staff/login/", {"username": "rita", "password": PASSWORD, **csrf(client)})
    assert submit_code(client, code_for(device.bin_key))["Location"] == settings.LOGIN_REDIRECT_URL

    # A staff page asked for is where the next login goes, once
    client.post("/staff/logout/", csrf(client))
    client.get("/staff/account/password/")
    client.get("/staff/login/")
    client.post("/staff/login/", {"username": "rita", "password": PASSWORD, **csrf(client)})
    assert submit_code(client, next_code(device))["Location"] == "/staff/account/password/"
    client.post("/staff/logout/", csrf(client))
    sam, sam_device, _ = make_staff("sam", "reviewer")
    client.get("/staff/login/")
    client.post("/staff/login/", {"username": "sam", "password": PASSWORD, **csrf(client)})
    assert submit_code(client, code_for(sam_device.bin_key))["Location"] == settings.LOGIN_REDIRECT_URL
