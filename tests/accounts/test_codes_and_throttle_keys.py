"""Properties of one-time codes and of the login throttle's counter keys."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from clarion.accounts.codes import ALPHABET, CODE_LENGTH, code_hash, generate_code, normalise_code
from clarion.web import throttle
from clarion.web.throttle import Limit, Scope, bucket_key

hmac_keys = st.binary(min_size=32, max_size=32)
addresses = st.one_of(st.ip_addresses().map(str), st.text(max_size=60))


def test_generated_codes_carry_130_bits_in_crockford_base32():
    code = generate_code()

    compact = code.replace("-", "")
    assert len(compact) == CODE_LENGTH and set(compact) <= set(ALPHABET)
    assert len(ALPHABET) ** CODE_LENGTH >= 2**130
    assert len({generate_code() for _ in range(1000)}) == 1000


@given(st.text(alphabet=ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH), st.data())
def test_a_code_survives_case_spacing_dashes_and_lookalikes(compact, data):
    code = "-".join(compact[i : i + 5] for i in range(0, CODE_LENGTH, 5))
    typed = ""
    for char in compact:
        variants = [char, char.lower()]
        if char == "0":
            variants += ["O", "o"]
        if char == "1":
            variants += ["I", "i", "L", "l"]
        typed += data.draw(st.sampled_from(variants)) + data.draw(st.sampled_from(["", "", " ", "-", "\n"]))

    assert normalise_code(typed) == compact
    assert code_hash(normalise_code(typed)) == code_hash(normalise_code(code))


@given(st.text(max_size=300))
def test_anything_typed_either_normalises_to_a_full_code_or_is_refused(typed):
    canonical = normalise_code(typed)

    assert canonical is None or (len(canonical) == CODE_LENGTH and set(canonical) <= set(ALPHABET))


def key_of(kind: str, value: str, hmac_key: bytes) -> str:
    scope = Scope.account(value) if kind == "account" else Scope(kind, value)
    return bucket_key(Limit(throttle.STAFF_LOGIN, scope), hmac_key)


@given(st.text(alphabet=string.ascii_letters + string.digits + "._@+-", min_size=1, max_size=150), hmac_keys)
def test_throttle_keys_never_contain_the_user_name_and_ignore_its_case(username, key):
    bucket = key_of("account", username, key)

    assert username.casefold() not in bucket.split(":", 2)[2] or len(username) < 3
    assert bucket == key_of("account", username.upper(), key)


@given(addresses, hmac_keys, hmac_keys)
def test_throttle_keys_never_contain_the_address_and_change_with_the_rotating_key(address, key, other_key):
    bucket = key_of("address", address, key)

    # The digest part is hex: a short hex-like text could occur in it by chance, an address not.
    if len(address) >= 8 or any(char not in string.hexdigits for char in address):
        assert address not in bucket.split(":", 2)[2]
    if key != other_key:
        assert bucket != key_of("address", address, other_key)


@given(st.text(max_size=40), hmac_keys)
def test_an_account_and_an_address_never_share_a_counter(value, key):
    assert key_of("account", value, key) != key_of("address", value, key)


@given(st.integers(min_value=0, max_value=10_000))
def test_the_wait_grows_with_failures_but_never_beyond_the_cap(failures):
    wait = throttle.STAFF_LOGIN.wait_after(failures)

    assert 0 <= wait <= throttle.STAFF_LOGIN.max_wait
    assert (wait == 0) == (failures < throttle.STAFF_LOGIN.free)
    assert throttle.STAFF_LOGIN.wait_after(failures + 1) >= wait
