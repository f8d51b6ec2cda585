"""One-time codes as an authenticator app computes them, from the clock the tests move (time-machine).

The server accepts each 30-second code once, and also the code of the step after its own
clock; having taken a code from a later step, it expects codes from that step on
(django-otp's drift sync). So the next code a person can log in with is the one for now, or,
when now's is spent, the one after the last code taken: no test ever waits for the clock.
"""

from __future__ import annotations

import time
from base64 import b32decode

from django_otp.oath import TOTP

STEP_SECONDS = 30


def current_step() -> int:
    """Return the 30-second step of the clock (`time.time()`, which time-machine moves)."""
    return int(time.time()) // STEP_SECONDS


def code_for(key: bytes, step: int | None = None) -> str:
    """Return the code an authenticator app shows for `key` now (or at a given 30-second step)."""
    totp = TOTP(key)
    totp.time = (current_step() if step is None else step) * STEP_SECONDS
    return f"{totp.token():06d}"


def totp_key(shown_secret: str) -> bytes:
    """Turn the secret shown on the enrolment page (base32 in groups of four) into the key bytes."""
    return b32decode(shown_secret.replace(" ", "").upper())


class Authenticator:
    """A person's authenticator app, for a server whose device the test cannot read (a live server).

    It remembers the last step it gave a code for and the drift that step told the server, as
    the server does; the server's clock may be one step on when it checks, which the tolerance
    of one step covers.
    """

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.last_step = -1
        self.drift = 0

    def code(self) -> str:
        """Return the code for now, as at enrolment (which keeps the step, but no drift)."""
        self.last_step = current_step()
        return code_for(self.key, self.last_step)

    def next_code(self) -> str:
        """Return a code the server has not taken yet and will take now."""
        now = current_step()
        self.last_step = max(self.last_step + 1, now + self.drift)
        self.drift = self.last_step - now
        return code_for(self.key, self.last_step)
