"""Test age envelopes: keys, byte encryption, wrapped secrets, compatibility with `age`."""

from __future__ import annotations

import json
import pprint
import shutil
import subprocess
import traceback
from pathlib import Path

import pyrage
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.vendor.pretty import pretty

from clarion.vault import (
    MIN_PASSPHRASE_CHARS,
    AgeIdentityStr,
    AgeRecipientStr,
    DecryptionError,
    KeyPair,
    decrypt,
    decrypt_with_passphrase,
    encrypt,
    encrypt_with_passphrase,
    generate_keypair,
    is_valid_recipient,
    keypair_from_identity,
    new_tip_keys,
    unwrap_secrets,
    wrap_secrets,
)
from tests.support.age_cli import age_decrypt_with_passphrase

AGE_MAGIC = b"age-encryption.org/v1\n"


def test_keypair_repr_shows_the_public_key_but_not_the_secret_key(keypair: KeyPair) -> None:
    tip_keys = new_tip_keys()
    for shown in (repr(keypair), str(keypair), f"{keypair}", repr(tip_keys)):
        assert "AGE-SECRET-KEY" not in shown.upper()
        assert "redacted" in shown
    assert keypair.recipient in repr(keypair)
    assert keypair.identity[20:40] not in repr(keypair)


def test_pretty_printers_that_list_dataclass_fields_do_not_show_the_secret_key(
    keypair: KeyPair,
) -> None:
    # Hypothesis (in failure reports) and IPython print dataclasses field by field.
    shown = pretty(new_tip_keys()) + pretty(keypair) + pprint.pformat(keypair)
    assert "AGE-SECRET-KEY" not in shown.upper()


def test_generated_keypair_is_canonical_and_consistent(keypair: KeyPair) -> None:
    assert keypair.identity.startswith("AGE-SECRET-KEY-1")
    assert keypair.recipient.startswith("age1")
    assert keypair_from_identity(keypair.identity) == keypair


def test_keypair_from_identity_canonicalises_a_lower_case_key(keypair: KeyPair) -> None:
    lower = AgeIdentityStr(keypair.identity.lower())
    assert keypair_from_identity(lower) == keypair


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "AGE-SECRET-KEY-1",
        "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq",
        "AGE-SECRET-KEY-13UFHWXJJVMKTQQSURN8KPYLTGHP6HG0L80SMNRU5DEEEHV32X5ASXQFN2Q",
        "AGE-SECRET-KEY-13UFHWXJJVMKTQQSURN8KPYLTGHP6HG0L80SMNRU5DEEEHV32X5ASXQFN2R ",
        None,
        42,
    ],
)
def test_malformed_identity_raises_decryption_error_without_echoing_it(bad: object) -> None:
    with pytest.raises(DecryptionError) as caught:
        keypair_from_identity(bad)  # type: ignore[arg-type]
    assert "SECRET-KEY-13UFHW" not in str(caught.value)
    # Raised `from None`: pyrage's exception (and its frames) is not chained.
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None or caught.value.__suppress_context__


def test_is_valid_recipient_accepts_exactly_what_age_keygen_prints(keypair: KeyPair) -> None:
    assert is_valid_recipient(keypair.recipient)
    assert is_valid_recipient("age1xfqznynw3q0qh5xf52npvwl9c0xgcezu83ys3crwjfhlgecz3dns24t4wr")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "age1",
        "AGE1XFQZNYNW3Q0QH5XF52NPVWL9C0XGCEZU83YS3CRWJFHLGECZ3DNS24T4WR",  # not canonical
        " age1xfqznynw3q0qh5xf52npvwl9c0xgcezu83ys3crwjfhlgecz3dns24t4wr",
        "age1xfqznynw3q0qh5xf52npvwl9c0xgcezu83ys3crwjfhlgecz3dns24t4wq",  # bad checksum
        "AGE-SECRET-KEY-13UFHWXJJVMKTQQSURN8KPYLTGHP6HG0L80SMNRU5DEEEHV32X5ASXQFN2R",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE",
        None,
        b"age1xfqznynw3q0qh5xf52npvwl9c0xgcezu83ys3crwjfhlgecz3dns24t4wr",
    ],
)
def test_is_valid_recipient_rejects_anything_else(bad: object) -> None:
    assert not is_valid_recipient(bad)  # type: ignore[arg-type]


def test_new_tip_keys_are_two_distinct_fresh_key_pairs() -> None:
    first, second = new_tip_keys(), new_tip_keys()
    identities = {
        first.conversation.identity,
        first.case.identity,
        second.conversation.identity,
        second.case.identity,
    }
    assert len(identities) == 4


@given(plaintext=st.binary(max_size=200_000))
def test_encrypt_then_decrypt_returns_the_plaintext(keypair: KeyPair, plaintext: bytes) -> None:
    ciphertext = encrypt(plaintext, [keypair.recipient])
    assert ciphertext.startswith(AGE_MAGIC)
    assert decrypt(ciphertext, [keypair.identity]) == plaintext


def test_encryption_is_randomised(keypair: KeyPair) -> None:
    assert encrypt(b"same", [keypair.recipient]) != encrypt(b"same", [keypair.recipient])


def test_every_recipient_can_decrypt(keypair: KeyPair, other_keypair: KeyPair) -> None:
    ciphertext = encrypt(b"for both", [keypair.recipient, other_keypair.recipient])
    assert decrypt(ciphertext, [keypair.identity]) == b"for both"
    assert decrypt(ciphertext, [other_keypair.identity]) == b"for both"


def test_a_repeated_recipient_is_harmless(keypair: KeyPair) -> None:
    ciphertext = encrypt(b"x", [keypair.recipient, keypair.recipient])
    assert decrypt(ciphertext, [keypair.identity]) == b"x"


def test_decrypt_tries_each_identity(keypair: KeyPair, other_keypair: KeyPair) -> None:
    ciphertext = encrypt(b"x", [keypair.recipient])
    assert decrypt(ciphertext, [other_keypair.identity, keypair.identity]) == b"x"


def test_the_wrong_key_raises_decryption_error(keypair: KeyPair, other_keypair: KeyPair) -> None:
    ciphertext = encrypt(b"secret tip", [keypair.recipient])
    with pytest.raises(DecryptionError) as caught:
        decrypt(ciphertext, [other_keypair.identity])
    assert not isinstance(caught.value, pyrage.DecryptError)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    # Nothing of pyrage (or its message) shows in the traceback a log would get.
    rendered = "".join(traceback.format_exception(caught.value))
    assert "pyrage" not in rendered.lower()
    assert other_keypair.identity not in rendered


@given(garbage=st.binary(max_size=500))
def test_garbage_raises_decryption_error(keypair: KeyPair, garbage: bytes) -> None:
    with pytest.raises(DecryptionError):
        decrypt(garbage, [keypair.identity])


@pytest.mark.parametrize(
    "recipients",
    [[], "age1xfqznynw3q0qh5xf52npvwl9c0xgcezu83ys3crwjfhlgecz3dns24t4wr", ["age1nope"]],
)
def test_encrypt_refuses_no_recipient_a_bare_string_or_junk(recipients: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        encrypt(b"x", recipients)  # type: ignore[arg-type]


def test_encrypt_never_echoes_a_secret_key_passed_as_recipient(keypair: KeyPair) -> None:
    with pytest.raises(ValueError) as caught:
        encrypt(b"x", [AgeRecipientStr(keypair.identity)])
    assert keypair.identity not in str(caught.value)


def test_decrypt_refuses_no_identity(keypair: KeyPair) -> None:
    ciphertext = encrypt(b"x", [keypair.recipient])
    with pytest.raises(ValueError):
        decrypt(ciphertext, [])
    with pytest.raises(DecryptionError):
        decrypt(ciphertext, [AgeIdentityStr("AGE-SECRET-KEY-1BROKEN")])


@given(
    names=st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=4, unique=True),
)
def test_wrap_then_unwrap_returns_the_named_secrets(keypair: KeyPair, names: list[str]) -> None:
    secrets = {name: generate_keypair().identity for name in names}
    wrapped = wrap_secrets(secrets, [keypair.recipient])
    assert unwrap_secrets(wrapped, [keypair.identity]) == secrets


def test_wrapped_secrets_open_for_each_person_they_were_wrapped_to(keypair: KeyPair, other_keypair: KeyPair) -> None:
    # Given a tip whose keys are wrapped to two reviewers
    tip = new_tip_keys()
    secrets = {"conversation": tip.conversation.identity, "case": tip.case.identity}
    wrapped = wrap_secrets(secrets, [keypair.recipient, other_keypair.recipient])
    # Then each opens them, and the tip's content with them
    note = encrypt(b"internal note", [tip.case.recipient])
    for reviewer in (keypair, other_keypair):
        opened = unwrap_secrets(wrapped, [reviewer.identity])
        assert decrypt(note, [opened["case"]]) == b"internal note"
    # And the wrap is not readable as plain text
    assert tip.case.identity.encode() not in wrapped


def test_unwrap_with_the_wrong_key_raises_decryption_error(keypair: KeyPair, other_keypair: KeyPair) -> None:
    wrapped = wrap_secrets({"conversation": generate_keypair().identity}, [keypair.recipient])
    with pytest.raises(DecryptionError):
        unwrap_secrets(wrapped, [other_keypair.identity])


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[]",
        b"{}",
        b'{"conversation": 5}',
        b'{"conversation": "AGE-SECRET-KEY-1BROKEN"}',
        b'"AGE-SECRET-KEY-1"',
    ],
)
def test_unwrap_of_a_malformed_document_raises_decryption_error(keypair: KeyPair, payload: bytes) -> None:
    with pytest.raises(DecryptionError):
        unwrap_secrets(encrypt(payload, [keypair.recipient]), [keypair.identity])


@pytest.mark.parametrize(
    "secrets",
    [{}, {"": "AGE-SECRET-KEY-1X"}, {"case": "not a key"}, {"case": "age1notasecret"}],
)
def test_wrap_refuses_what_is_not_named_secret_keys(keypair: KeyPair, secrets: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        wrap_secrets(secrets, [keypair.recipient])


def test_wrapped_document_is_a_json_object_of_canonical_keys(keypair: KeyPair) -> None:
    secret = generate_keypair().identity
    wrapped = wrap_secrets({"case": AgeIdentityStr(secret.lower())}, [keypair.recipient])
    assert json.loads(decrypt(wrapped, [keypair.identity])) == {"case": secret}


AGE_CLI = shutil.which("age")
needs_age = pytest.mark.skipif(AGE_CLI is None, reason="age CLI not installed")


def run_age(*args: str, stdin: bytes | None = None) -> bytes:
    """Run the age CLI and return its output (a fixed binary, our own arguments, no shell)."""
    assert AGE_CLI is not None
    command = [AGE_CLI, *args]
    return subprocess.run(command, input=stdin, capture_output=True, check=True).stdout  # noqa: S603


@needs_age
def test_the_age_cli_decrypts_what_the_vault_encrypts(tmp_path: Path, keypair: KeyPair) -> None:
    # An export must open on an offline machine with the standard tool alone.
    key_file = tmp_path / "key.txt"
    key_file.write_text(keypair.identity + "\n")
    sealed = tmp_path / "tip.age"
    sealed.write_bytes(encrypt(b"readable offline", [keypair.recipient]))
    assert run_age("--decrypt", "--identity", str(key_file), str(sealed)) == b"readable offline"


@needs_age
def test_the_vault_decrypts_what_the_age_cli_encrypts(keypair: KeyPair) -> None:
    sealed = run_age("--encrypt", "--recipient", keypair.recipient, stdin=b"from the command line")
    assert decrypt(sealed, [keypair.identity]) == b"from the command line"


# --- Passphrase encryption (age's scrypt recipient), for exports to someone without a key ----


def test_a_passphrase_opens_what_it_encrypted_and_nothing_else_does() -> None:
    # One example: scrypt costs about a second a run, by design.
    plaintext = bytes(range(256))
    sealed = encrypt_with_passphrase(plaintext, "correct horse battery staple")
    assert decrypt_with_passphrase(sealed, "correct horse battery staple") == plaintext
    with pytest.raises(DecryptionError):
        decrypt_with_passphrase(sealed, "correct horse battery stapler")


def test_a_short_passphrase_is_refused() -> None:
    with pytest.raises(ValueError):
        encrypt_with_passphrase(b"tip keys", "x" * (MIN_PASSPHRASE_CHARS - 1))


@needs_age
def test_the_age_cli_opens_a_passphrase_encryption_by_asking_for_the_passphrase(tmp_path: Path) -> None:
    sealed = tmp_path / "keys.age"
    sealed.write_bytes(encrypt_with_passphrase(b"readable offline", "a long and typed passphrase"))

    status, _ = age_decrypt_with_passphrase(sealed, "a long and typed passphrase", tmp_path / "out.txt")
    assert status == 0
    assert (tmp_path / "out.txt").read_bytes() == b"readable offline"
    status, shown = age_decrypt_with_passphrase(sealed, "a wrong passphrase, typed", tmp_path / "wrong.txt")
    assert status != 0
    assert "incorrect passphrase" in shown.lower() or "failed" in shown.lower()
