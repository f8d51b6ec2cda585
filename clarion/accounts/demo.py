"""Demo content of accounts: the organisation and its reviewer (an admin), whose credentials are printed once."""

from __future__ import annotations

import base64
import io
import secrets

import segno
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from clarion.accounts.keys import enrol_key_custody
from clarion.accounts.models import Organisation
from clarion.accounts.roles import ADMIN, REVIEWER, grant_role
from clarion.vault import WORDLIST
from clarion.web.demos import AlreadyLoaded, Demo

# The demo's one person: higher apps' demo content names them (channel receiver, post author).
REVIEWER_USERNAME = "reviewer"


def _passphrase(words: int = 6) -> str:
    return "-".join(secrets.choice(WORDLIST) for _ in range(words))


def load(demo: Demo) -> None:
    if Organisation.objects.exists():
        raise AlreadyLoaded(
            "Demo content is already loaded. The reviewer's password, authenticator secret and recovery "
            "code were printed the first time; with the recovery code, /staff/recover/ sets a new password."
        )
    password = _passphrase()
    Organisation.objects.create(
        name="Riverside Workers' Council", mission="Staff of Riverside City, speaking up safely."
    )
    reviewer = get_user_model().objects.create_user(REVIEWER_USERNAME, email="reviewer@example.org", password=password)
    grant_role(reviewer, ADMIN)
    grant_role(reviewer, REVIEWER)
    device = TOTPDevice.objects.create(user=reviewer, name="demo authenticator", confirmed=True)
    _custody, recovery_code = enrol_key_custody(reviewer, password)
    secret = base64.b32encode(device.bin_key).decode()
    qr = io.StringIO()
    segno.make(device.config_url, error="m").terminal(out=qr, compact=True)
    demo.notes += [
        f"  Reviewer account: {REVIEWER_USERNAME} / {password}",
        f"  Authenticator secret (TOTP, 6 digits, 30 s): {secret}",
        f"  Recovery code: {recovery_code}",
        "  (shown once: the password and the recovery code each unlock the reviewer's key)",
        "  Add the secret to an authenticator app, or scan this code:",
        qr.getvalue(),
    ]
