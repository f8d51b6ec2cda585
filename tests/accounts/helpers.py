"""Staff people and logins for tests, through the real views: no step is skipped or faked."""

from __future__ import annotations

import re
import time

from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from clarion.accounts.keys import enrol_key_custody
from clarion.accounts.roles import grant_role

PASSWORD = "correct horse battery staple"


def staff_browser() -> Client:
    """Return a client that posts forms as browsers do under `Referrer-Policy: no-referrer`."""
    return Client(enforce_csrf_checks=True, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})


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


def code_for(key: bytes, steps_ahead: int = 0) -> str:
    """Return the code an authenticator app shows now (or `steps_ahead` 30-second steps later)."""
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def csrf(client: Client) -> dict[str, str]:
    token = client.cookies.get("clarion-csrf")
    return {"csrfmiddlewaretoken": token.value} if token else {}


def submit_password(client: Client, username: str, password: str = PASSWORD, next_path: str = ""):  # noqa: ANN201
    client.get("/staff/login/")
    return client.post("/staff/login/", {"username": username, "password": password, "next": next_path, **csrf(client)})


def submit_code(client: Client, code: str):  # noqa: ANN201
    return client.post("/staff/login/code/", {"code": code, **csrf(client)})


def log_in(client: Client, user, device: TOTPDevice, *, password: str = PASSWORD, steps_ahead: int = 0):  # noqa: ANN001, ANN201
    """Log in through both real steps; return the response to the code step."""
    response = submit_password(client, user.get_username(), password)
    assert response.status_code == 302, response.content.decode()[:2000]
    device.refresh_from_db()
    return submit_code(client, code_for(device.bin_key, steps_ahead))


def shown_code(response, element_id: str) -> str:  # noqa: ANN001
    """Read a one-time code off a page."""
    match = re.search(rf'<code id="{element_id}">([^<]+)</code>', response.content.decode())
    assert match, f"no #{element_id} on the page"
    return match.group(1)


def logged_in_client(user, *, password: str = PASSWORD, client: Client | None = None) -> Client:  # noqa: ANN001
    """Return a client in which `user` logged in through the real pages (password, then TOTP).

    Gives the user an authenticator if they have none. A device accepts each 30-second code
    once, so a second login of the same person uses the next step's code (as an app would
    show it a little later; the server accepts one step of drift).
    """
    client = client or Client()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or add_authenticator(user)
    current_step = int(time.time()) // 30
    steps_ahead = 1 if device.last_t >= current_step else 0
    response = log_in(client, user, device, password=password, steps_ahead=steps_ahead)
    assert response.status_code == 302, f"{user} could not log in: {response.content.decode()[:2000]}"
    return client
