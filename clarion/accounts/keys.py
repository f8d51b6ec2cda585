"""Give people age identities and open them again with the secret only they hold."""

from __future__ import annotations

import secrets

from django.conf import settings

from clarion import vault
from clarion.accounts.models import KeyCustody
from clarion.vault import DEFAULT_KDF, KdfParams, KeyPair

# Tests only: a cheap derivation, switched on by tests/settings.py alone.
INSECURE_FAST_KDF = KdfParams(time_cost=1, memory_cost_kib=8, parallelism=1)


def kdf_params() -> KdfParams:
    """Return the Argon2id parameters in force."""
    return INSECURE_FAST_KDF if settings.CLARION_INSECURE_FAST_KDF else DEFAULT_KDF


def create_key_custody(user, password: str) -> KeyCustody:  # noqa: ANN001 - a User
    """Generate the user's age identity and store it encrypted under their password."""
    keypair = vault.generate_keypair()
    salt = secrets.token_bytes(16)
    password_key = vault.derive_identity(password.encode(), salt=salt, params=kdf_params())
    return KeyCustody.objects.create(
        user=user,
        public_key=keypair.recipient,
        password_salt=salt,
        identity_under_password=vault.wrap_secrets({"identity": keypair.identity}, [password_key.recipient]),
    )


def unlock_identity(custody: KeyCustody, password: str) -> KeyPair:
    """Return the person's key pair; raise vault.DecryptionError for a wrong password."""
    password_key = vault.derive_identity(password.encode(), salt=bytes(custody.password_salt), params=kdf_params())
    secrets_ = vault.unwrap_secrets(bytes(custody.identity_under_password), [password_key.identity])
    return vault.keypair_from_identity(secrets_["identity"])
