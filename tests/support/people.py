"""Staff people and their logins for in-process tests, through the real views: no step is skipped or faked.

One password for every test person (`PASSWORD`), one client that posts forms as a browser
does (`browser_client`), one login (`log_in`, or `logged_in_client` for a ready client). Codes
come from `tests.support.totp`, on the clock the tests move.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from clarion.accounts.keys import create_key_custody, enrol_key_custody
from clarion.accounts.roles import REVIEWER, grant_role
from tests.support.totp import code_for, current_step, totp_key

PASSWORD = "correct horse battery staple"


def browser_client() -> Client:
    """Return a client that posts forms as browsers do under `Referrer-Policy: no-referrer`."""
    return Client(enforce_csrf_checks=True, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})


def csrf(client: Client) -> dict[str, str]:
    """Return the CSRF field a form page gave `client`, to post with (none before any page)."""
    token = client.cookies.get("clarion-csrf")
    return {"csrfmiddlewaretoken": token.value} if token else {}


def add_authenticator(user) -> TOTPDevice:  # noqa: ANN001
    """Give the user a confirmed TOTP device, as enrolment does."""
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def make_staff(username: str, *roles: str, password: str = PASSWORD):  # noqa: ANN201
    """Create an enrolled staff member: password, authenticator, identity and recovery code."""
    user = get_user_model().objects.create_user(username, password=password)
    for role in roles:
        grant_role(user, role)
    device = add_authenticator(user)
    _custody, recovery_code = enrol_key_custody(user, password)
    return user, device, recovery_code


def make_reviewer(username: str):  # noqa: ANN201
    """Create a reviewer whose age identity opens with `PASSWORD` (no authenticator until a login)."""
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    grant_role(user, REVIEWER)
    create_key_custody(user, PASSWORD)
    return user


def next_code(device: TOTPDevice) -> str:
    """Return the code the server takes next from `device` (see `tests.support.totp`)."""
    device.refresh_from_db()
    return code_for(device.bin_key, max(device.last_t + 1, current_step() + device.drift))


def submit_password(client: Client, username: str, password: str = PASSWORD, next_path: str = ""):  # noqa: ANN201
    client.get("/staff/login/")
    return client.post("/staff/login/", {"username": username, "password": password, "next": next_path, **csrf(client)})


def submit_code(client: Client, code: str):  # noqa: ANN201
    return client.post("/staff/login/code/", {"code": code, **csrf(client)})


def log_in(client: Client, user, device: TOTPDevice | None = None, *, password: str = PASSWORD, code: str = ""):  # noqa: ANN001, ANN201
    """Log in through both real steps (with `code`, or the next one the device takes); return the code step's response.

    A user without an authenticator gets one first.
    """
    device = device or TOTPDevice.objects.filter(user=user, confirmed=True).first() or add_authenticator(user)
    response = submit_password(client, user.get_username(), password)
    assert response.status_code == 302, response.content.decode()[:2000]
    return submit_code(client, code or next_code(device))


def logged_in_client(user, *, password: str = PASSWORD, client: Client | None = None) -> Client:  # noqa: ANN001
    """Return a client in which `user` logged in through the real pages (password, then TOTP)."""
    client = client or Client()
    response = log_in(client, user, password=password)
    assert response.status_code == 302, f"{user} could not log in: {response.content.decode()[:2000]}"
    return client


def shown_code(response, element_id: str) -> str:  # noqa: ANN001
    """Read a code shown once off a page (`<code id="...">`)."""
    match = re.search(rf'<code id="{element_id}">([^<]+)</code>', response.content.decode())
    assert match, f"no #{element_id} on the page"
    return match.group(1)


class StaffBrowser:
    """A staff browser that records every URL it requested and every redirect it was sent to."""

    def __init__(self) -> None:
        self.client = browser_client()
        self.urls: list[str] = []

    def get(self, path: str):  # noqa: ANN201
        self.urls.append(path)
        return self.client.get(path)

    def post(self, path: str, data: dict):  # noqa: ANN201
        if not self.client.cookies.get("clarion-csrf"):
            self.client.get(path)
        self.urls.append(path)
        response = self.client.post(path, {**data, **csrf(self.client)})
        if response.has_header("Location"):
            self.urls.append(response["Location"])
        return response


def enrol(browser: StaffBrowser, code: str, username: str = "nina", password: str = PASSWORD):  # noqa: ANN201
    """Walk through the three enrolment pages; return the last response and the TOTP key."""
    browser.get("/staff/enrol/")
    response = browser.post("/staff/enrol/", {"code": code})
    assert response.status_code == 302, response.content.decode()[:3000]
    response = browser.post(
        "/staff/enrol/account/",
        {"username": username, "new_password": password, "new_password_again": password},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    page = browser.get("/staff/enrol/code/")
    key = totp_key(shown_code(page, "totp-secret"))
    return browser.post("/staff/enrol/code/", {"code": code_for(key)}), key
