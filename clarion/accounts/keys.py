"""Give people age identities and open them again with the secret only they hold."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import User

from clarion import vault
from clarion.accounts.codes import OneTimeCode, generate_code, normalise_code
from clarion.accounts.models import KeyCustody
from clarion.vault import DEFAULT_KDF, KdfParams, KeyPair
from clarion.web.hashing import hashing_slot

# Tests only: a cheap derivation, switched on by tests/settings.py alone.
INSECURE_FAST_KDF = KdfParams(time_cost=1, memory_cost_kib=8, parallelism=1)


def kdf_params() -> KdfParams:
    """Return the Argon2id parameters in force."""
    return INSECURE_FAST_KDF if settings.CLARION_INSECURE_FAST_KDF else DEFAULT_KDF


def _wrap(keypair: KeyPair, secret: str) -> tuple[bytes, bytes]:
    """Return (salt, the identity wrapped to a key derived from `secret`)."""
    salt = secrets.token_bytes(16)
    with hashing_slot():
        secret_key = vault.derive_identity(secret.encode(), salt=salt, params=kdf_params())
    return salt, vault.wrap_secrets({"identity": keypair.identity}, [secret_key.recipient])


def _unwrap(wrapped: bytes, salt: bytes, secret: str) -> KeyPair:
    with hashing_slot():  # Argon2id: at most a few at once on this host (M4)
        secret_key = vault.derive_identity(secret.encode(), salt=salt, params=kdf_params())
    return vault.keypair_from_identity(vault.unwrap_secrets(wrapped, [secret_key.identity])["identity"])


def create_key_custody(user: User, password: str) -> KeyCustody:
    """Generate the user's age identity and store it encrypted under their password."""
    keypair = vault.generate_keypair()
    salt, wrapped = _wrap(keypair, password)
    return KeyCustody.objects.create(
        user=user, public_key=keypair.recipient, password_salt=salt, identity_under_password=wrapped
    )


def enrol_key_custody(user: User, password: str) -> tuple[KeyCustody, OneTimeCode]:
    """Generate the user's identity under their password and a new recovery code; return both.

    Any previous custody is replaced: its identity, and the tips wrapped to it, are gone for
    this person (an admin reset says so before anyone confirms it).
    """
    KeyCustody.objects.filter(user=user).delete()
    custody = create_key_custody(user, password)
    keypair = unlock_identity(custody, password)
    return custody, set_recovery_code(custody, keypair)


def set_recovery_code(custody: KeyCustody, keypair: KeyPair) -> OneTimeCode:
    """Wrap the identity under a new recovery code (replacing the old); return the code once."""
    code = generate_code()
    custody.recovery_salt, custody.identity_under_recovery = _wrap(keypair, normalise_code(code) or "")
    custody.save(update_fields=["recovery_salt", "identity_under_recovery"])
    return code


def rewrap_under_password(custody: KeyCustody, keypair: KeyPair, password: str) -> None:
    """Store the identity under a new password (fresh salt), replacing the old wrap."""
    custody.password_salt, custody.identity_under_password = _wrap(keypair, password)
    custody.save(update_fields=["password_salt", "identity_under_password"])


def unlock_with_recovery_code(custody: KeyCustody, typed_code: str) -> KeyPair:
    """Return the key pair; raise vault.DecryptionError for a wrong or missing recovery code."""
    canonical = normalise_code(typed_code)
    if canonical is None or not custody.identity_under_recovery or not custody.recovery_salt:
        raise vault.DecryptionError("No identity opens with this recovery code.")
    return _unwrap(bytes(custody.identity_under_recovery), bytes(custody.recovery_salt), canonical)


def unlock_identity(custody: KeyCustody, password: str) -> KeyPair:
    """Return the person's key pair; raise vault.DecryptionError for a wrong password."""
    return _unwrap(bytes(custody.identity_under_password), bytes(custody.password_salt), password)
