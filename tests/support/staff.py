"""Staff on a live server: invitations, enrolment and login through the real pages, as HTTP clients.

Used by the tests that drive the real server (`tests.support.live.LiveServer`) as a reviewer
would: no step is skipped or faked. The one-time codes are computed from the secret the
enrolment page shows, as an authenticator app does.
"""

from __future__ import annotations

import re
import time
from base64 import b32decode

from django_otp.oath import TOTP

from tests.support.live import LiveServer, SourceClient

STAFF_PASSWORD = "quiet harbour lantern orchard"


def invitation_code(server: LiveServer, *roles: str) -> str:
    """Create an invitation with `python -m clarion invite`; return the code it prints (its last line)."""
    args = [arg for role in roles for arg in ("--role", role)]
    output = server.manage("invite", *args)
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    assert lines and "/staff/enrol/" in lines[-2], output
    return lines[-1]


def receive_every_channel(server: LiveServer, username: str) -> None:
    """Make `username` a receiver of every channel (what an admin does in the channel admin)."""
    server.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model\n"
        "from clarion.intake.models import Channel\n"
        f"user = get_user_model().objects.get(username={username!r})\n"
        "for channel in Channel.objects.all():\n"
        "    channel.receivers.add(user)\n",
    )


def totp_key(shown_secret: str) -> bytes:
    """Turn the secret shown on the enrolment page (base32 in groups of four) into the key bytes."""
    return b32decode(shown_secret.replace(" ", "").upper())


def code_for(key: bytes, steps_ahead: int = 0) -> str:
    """Return the code an authenticator app shows now (or `steps_ahead` 30-second steps later)."""
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def shown(html: str, element_id: str) -> str:
    """Read the text of `<code id="...">` off a page."""
    match = re.search(rf'<code id="{element_id}">([^<]+)</code>', html)
    assert match, f"no #{element_id} on the page:\n{html[:3000]}"
    return match.group(1)


class StaffClient(SourceClient):
    """A reviewer's browser without JavaScript: cookies and forms, through the real staff pages."""

    def __init__(self, server: LiveServer) -> None:
        super().__init__(server, user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0")
        self.key: bytes = b""
        self.last_step = 0

    def enrol(self, code: str, username: str, password: str = STAFF_PASSWORD) -> str:
        """Enrol with an invitation code; keep the authenticator key; return the recovery code."""
        status, html = self.post("/staff/enrol/", {"code": code})
        assert status == 200 and "/staff/enrol/account/" in html, html[:3000]
        status, html = self.post(
            "/staff/enrol/account/",
            {"username": username, "new_password": password, "new_password_again": password},
        )
        assert status == 200 and 'id="totp-secret"' in html, html[:3000]
        self.key = totp_key(shown(html, "totp-secret"))
        status, html = self.post("/staff/enrol/code/", {"code": code_for(self.key)})
        assert status == 200, html[:3000]
        # The server spent every step up to its own clock when it answered: at most this one.
        self.last_step = int(time.time()) // 30
        return shown(html, "recovery-code")

    def next_code(self) -> str:
        """Return a code the server has not seen yet: each 30-second code logs in once."""
        now = int(time.time()) // 30
        if self.last_step + 1 - now > 1:  # two logins in one step: the server accepts one step ahead only
            time.sleep(30 - time.time() % 30 + 0.1)
            now = int(time.time()) // 30
        self.last_step = max(now, self.last_step + 1)
        return code_for(self.key, self.last_step - now)

    def log_in(self, username: str, password: str = STAFF_PASSWORD) -> str:
        """Log in with the password, then a one-time code, as from a link to the inbox; return the inbox."""
        # The inbox asked for is remembered in a cookie, not in the login page's address.
        status, html = self.get("/staff/cases/")
        assert status == 200 and 'name="username"' in html, html[:3000]
        fields = {"username": username, "password": password}
        status, html = self.post("/staff/login/", fields)
        assert status == 200 and 'name="code"' in html, html[:3000]
        status, html = self.post("/staff/login/code/", {"code": self.next_code()})
        assert status == 200 and "<h1>Inbox</h1>" in html, html[:3000]
        return html

    def log_out(self) -> str:
        status, html = self.post("/staff/logout/", {}, form_page="/staff/cases/")
        assert status == 200, html[:3000]
        return html
