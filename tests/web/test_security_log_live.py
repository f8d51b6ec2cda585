"""Security events reach the real server's log, without an address, a user agent or a plain user name (L8).

ASVS 16.2.5 and 16.3.1-16.3.3: failed logins, one-time codes, recoveries, invitation codes,
throttled attempts and refused authorisations are recorded; docs/design.md, property 3: no client
address or user agent is written anywhere, and user names only as keyed tags.
"""

from __future__ import annotations

import re
import uuid

import pytest

from tests.support.live import LiveServer, SourceClient
from tests.support.people import PASSWORD
from tests.support.staff import StaffClient, invitation_code

pytestmark = pytest.mark.live_server_process

ADDRESS = "127.88.7.6"
USER_AGENT = "Mozilla/5.0 (SecurityLogProbe-4417) Gecko/20100101"
WATCHED = "watched-account-7731"
WRONG_PASSWORD = "WrongPasswordCanary-5521"
WRONG_INVITATION = "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FF"


def events(server: LiveServer) -> list[str]:
    return re.findall(r"clarion\.security (event=[^\n]*)", server.logs().decode(errors="replace"))


def test_security_events_are_logged_without_address_user_agent_or_user_name(clarion_server):
    server = clarion_server
    source = SourceClient(server, source_address=ADDRESS, user_agent=USER_AGENT)

    # Given failed passwords (until the throttle refuses), a wrong invitation code and a failed recovery
    for _ in range(7):
        source.post("/staff/login/", {"username": WATCHED, "password": WRONG_PASSWORD})
    source.post("/staff/enrol/", {"code": WRONG_INVITATION})
    SourceClient(server, source_address="127.88.7.7", user_agent=USER_AGENT).post(
        "/staff/recover/",
        {
            "username": "someone-else-2290",
            "recovery_code": WRONG_INVITATION,
            "code": "123456",
            "new_password": "a new password nobody chose",
            "new_password_again": "a new password nobody chose",
        },
    )
    # and a reviewer who mistypes their one-time code, then asks for a tip that is not theirs
    reviewer = StaffClient(server)
    reviewer.enrol(invitation_code(server, "reviewer"), "rosalind-reviews")
    reviewer.post("/staff/login/", {"username": "rosalind-reviews", "password": PASSWORD})
    reviewer.post("/staff/login/code/", {"code": "000000"})
    reviewer.log_in("rosalind-reviews")
    status, _ = reviewer.get(f"/staff/cases/{uuid.uuid4()}/")
    assert status == 404

    # Then each is one line of the server's log
    logged = events(server)
    kinds = [line.split()[0] for line in logged]
    for kind in (
        "event=login.password_failed",
        "event=throttle.refused",
        "event=invitation.failed",
        "event=recovery.failed",
        "event=login.code_failed",
        "event=access.refused",
    ):
        assert kind in kinds, logged
    watched = [line for line in logged if line.startswith("event=login.password_failed")]
    assert len({re.search(r"user=([0-9a-f]{16})", line).group(1) for line in watched}) == 1
    # And nothing in the log names who or where
    log = server.logs().decode(errors="replace")
    for secret in (
        ADDRESS,
        "127.88.7.7",
        USER_AGENT,
        "SecurityLogProbe",
        WATCHED,
        "rosalind-reviews",
        "someone-else-2290",
    ):
        assert secret not in log, secret
    for typed in (WRONG_PASSWORD, WRONG_INVITATION):
        assert typed not in log, typed
