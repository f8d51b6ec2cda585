"""One-time tokens for the submission form: a form sent twice makes one tip and one receipt.

A stressed source reloads the page, clicks "Send" twice, or confirms "resubmit the form": the
same form arrives again, possibly while the first is still uploading. Each form page carries
a fresh random token; the tip commits in the same transaction as a row named after it, so a
second post of that form cannot commit another tip.

The token also carries the receipt from the POST to the page that shows it (POST, then 303,
then GET): the row keeps the receipt sealed under a key derived from the token, which only
the source's browser holds (in the form, then in a cookie). The database names the row by
another derivation of it, so a copy of the database opens nothing (docs/design.md, property 2). Once
shown, the receipt is wiped; the row stays until the token expires.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core import signing

from clarion import vault

#: How long a form page may stay open before it must be loaded again (a source gathering
#: documents may take a day). Rows of sent forms are kept at least as long.
FORM_TOKEN_SECONDS = 24 * 3600
#: How long after sending a receipt may still be shown: the browser follows the redirect at
#: once, even over Tor; a receipt never picked up is wiped after this.
RECEIPT_PICKUP_SECONDS = 15 * 60

_SALT = "clarion.intake.form-token"
_ROW_PURPOSE = "clarion sent-form row"
_SEAL_PURPOSE = "clarion sent-form receipt"


@dataclass(frozen=True, repr=False)
class FormToken:
    """A form's one-time token, as sent in the form and then in the receipt cookie."""

    value: str
    _nonce: str

    def __repr__(self) -> str:
        return "FormToken(<redacted>)"

    @property
    def row_id(self) -> str:
        """Return the name of the row of this form once sent: derived, so it opens nothing."""
        return vault.derive_session_key(self._nonce, _ROW_PURPOSE)

    @property
    def sealing_key(self) -> str:
        """Return the key the receipt is sealed under while it waits to be shown."""
        return vault.derive_session_key(self._nonce, _SEAL_PURPOSE)


def new_form_token() -> str:
    """Return a fresh token for one form page: random, signed with the time it was made."""
    return signing.TimestampSigner(salt=_SALT).sign(secrets.token_urlsafe(32))


def read_form_token(value: str) -> FormToken | None:
    """Return the token in `value` if this site made it less than FORM_TOKEN_SECONDS ago, else None."""
    if not value or len(value) > 200:
        return None
    try:
        nonce = signing.TimestampSigner(salt=_SALT).unsign(value, max_age=FORM_TOKEN_SECONDS)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    return FormToken(value=value, _nonce=nonce)
