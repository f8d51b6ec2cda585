"""Staff on a live server: invitations, enrolment and login through the real pages, as HTTP clients.

Used by the tests that drive the real server (`tests.support.live.LiveServer`) as a reviewer
would: no step is skipped or faked. The one-time codes are computed from the secret the
enrolment page shows, as an authenticator app does (`tests.support.totp.Authenticator`): the
next login never waits for the server's clock.
"""

from __future__ import annotations

import re

from tests.support.live import LiveServer, SourceClient
from tests.support.people import PASSWORD
from tests.support.totp import Authenticator, totp_key


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


def shown(html: str, element_id: str) -> str:
    """Read the text of `<code id="...">` off a page."""
    match = re.search(rf'<code id="{element_id}">([^<]+)</code>', html)
    assert match, f"no #{element_id} on the page:\n{html[:3000]}"
    return match.group(1)


class StaffClient(SourceClient):
    """A reviewer's browser without JavaScript: cookies and forms, through the real staff pages."""

    def __init__(self, server: LiveServer) -> None:
        super().__init__(server, user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0")
        self.app: Authenticator | None = None

    def enrol(self, code: str, username: str, password: str = PASSWORD) -> str:
        """Enrol with an invitation code; keep the authenticator key; return the recovery code."""
        status, html = self.post("/staff/enrol/", {"code": code})
        assert status == 200 and "/staff/enrol/account/" in html, html[:3000]
        status, html = self.post(
            "/staff/enrol/account/",
            {"username": username, "new_password": password, "new_password_again": password},
        )
        assert status == 200 and 'id="totp-secret"' in html, html[:3000]
        self.app = Authenticator(totp_key(shown(html, "totp-secret")))
        status, html = self.post("/staff/enrol/code/", {"code": self.app.code()})
        assert status == 200, html[:3000]
        return shown(html, "recovery-code")

    def log_in(self, username: str, password: str = PASSWORD) -> str:
        """Log in with the password, then a one-time code, as from a link to the inbox; return the inbox."""
        assert self.app is not None, "enrol first: the authenticator app is set up at enrolment"
        # The inbox asked for is remembered in a cookie, not in the login page's address.
        status, html = self.get("/staff/cases/")
        assert status == 200 and 'name="username"' in html, html[:3000]
        fields = {"username": username, "password": password}
        status, html = self.post("/staff/login/", fields)
        assert status == 200 and 'name="code"' in html, html[:3000]
        status, html = self.post("/staff/login/code/", {"code": self.app.next_code()})
        assert status == 200 and "<h1>Inbox</h1>" in html, html[:3000]
        return html

    def log_out(self) -> str:
        status, html = self.post("/staff/logout/", {}, form_page="/staff/cases/")
        assert status == 200, html[:3000]
        return html
