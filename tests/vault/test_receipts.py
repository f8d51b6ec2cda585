"""Test receipts: the wordlist, generation, forgiving normalisation, key derivation."""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import clarion.vault.kdf
from clarion.vault import (
    DEFAULT_KDF,
    RECEIPT_WORDS,
    WORDLIST,
    InvalidReceipt,
    KdfParams,
    Receipt,
    decrypt,
    derive_key_material,
    derive_receipt_keys,
    encrypt,
    generate_receipt,
    identity_from_seed,
    normalise_receipt,
)

SALT = bytes(range(16))
PEPPER = bytes(range(32, 64))
FIXED_RECEIPT = Receipt("abacus zoom drop-down quiver t-shirt lantern yo-yo")
# Computed with DEFAULT_KDF (t=3, 12 MiB) and pasted here: a receipt must find its tip forever.
FIXED_LOOKUP_ID = "17c9de0eb9817d99044a6ece447b52f50ab86c21c44e69601e472ae9c9dc4aed"
FIXED_RECIPIENT = "age15j73hy7gsmm6y807a9kxymm0akfsq6aek584jkrej4hy68n9rcfsqxewvv"

words = st.sampled_from(WORDLIST)
receipts = st.lists(words, min_size=RECEIPT_WORDS, max_size=RECEIPT_WORDS).map(" ".join)


def test_wordlist_is_the_eff_long_list_unchanged() -> None:
    assert len(WORDLIST) == 7776
    assert len(set(WORDLIST)) == 7776
    assert WORDLIST[0] == "abacus"
    assert WORDLIST[-1] == "zoom"
    shipped = resources.files("clarion.vault").joinpath("eff_large_wordlist.txt").read_bytes()
    # Pinned: a changed list would change what receipts mean.
    assert hashlib.sha256(shipped).hexdigest() == ("6d557f0693958fb5e650b68b5bee585eb82cf4da32965505c789e924743bc522")


def test_wordlist_ships_with_its_attribution() -> None:
    notice = resources.files("clarion.vault").joinpath("WORDLIST-LICENSE.txt").read_text()
    assert "Electronic Frontier Foundation" in notice
    assert "https://www.eff.org/dice" in notice
    assert "CC BY 3.0 US" in notice


def test_no_first_half_of_a_hyphenated_word_is_a_word_itself() -> None:
    # The normaliser relies on this to read "t-shirt" as one word even when people put
    # hyphens between words.
    halves = {word.split("-")[0] for word in WORDLIST if "-" in word}
    assert halves == {"drop", "felt", "t", "yo"}
    assert not halves & set(WORDLIST)


def test_a_receipt_carries_about_90_bits() -> None:
    assert RECEIPT_WORDS * math.log2(len(WORDLIST)) > 90


def test_generate_receipt_draws_seven_words_from_the_list() -> None:
    drawn = [generate_receipt() for _ in range(500)]
    for receipt in drawn:
        parts = receipt.split(" ")
        assert len(parts) == RECEIPT_WORDS
        assert set(parts) <= set(WORDLIST)
        assert normalise_receipt(receipt) == receipt
    assert len(set(drawn)) == len(drawn)
    # Crude uniformity check: 3,500 draws from 7,776 words cover thousands of them.
    assert len({word for receipt in drawn for word in receipt.split(" ")}) > 2000


@st.composite
def messy(draw: st.DrawFn) -> tuple[str, str]:
    """Draw a receipt and a way a person might have copied it in."""
    receipt = draw(receipts)
    gap = st.sampled_from([" ", "  ", "\t", "\n", "\r\n", "-", " - ", ".", ". ", "\u00a0", "–"])
    pieces = [draw(st.sampled_from(["", " ", "\n", "  \t"]))]
    for i, word in enumerate(receipt.split(" ")):
        if i:
            pieces.append(draw(gap))
        case = draw(st.sampled_from([str.lower, str.upper, str.title, str.swapcase]))
        pieces.append(case(word))
    pieces.append(draw(st.sampled_from(["", " ", "\n", ".", " \n\n"])))
    return receipt, "".join(pieces)


@given(case=messy())
def test_any_spacing_case_or_separator_normalises_back(case: tuple[str, str]) -> None:
    receipt, typed = case
    assert normalise_receipt(typed) == receipt


@given(receipt=receipts)
def test_normalise_is_idempotent(receipt: str) -> None:
    assert normalise_receipt(normalise_receipt(receipt)) == receipt


def test_hyphenated_words_survive_hyphens_between_words() -> None:
    typed = "YO-YO-Drop-Down-t-shirt-felt-tip-down-shirt-abacus"
    assert normalise_receipt(typed) == "yo-yo drop-down t-shirt felt-tip down shirt abacus"


def test_full_width_letters_from_phone_keyboards_are_forgiven() -> None:
    assert normalise_receipt("ａｂａｃｕｓ zoom zoom zoom zoom zoom zoom") == ("abacus zoom zoom zoom zoom zoom zoom")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "abacus zoom quiver lantern abacus",
            "A receipt is seven words; you entered five.",
        ),
        (
            "abacus zoom quiver lantern abacus zoom quiver lantern",
            "A receipt is seven words; you entered eight.",
        ),
        ("abacus", "A receipt is seven words; you entered one."),
        (
            "abacus zoom foo lantern abacus zoom quiver",
            "“foo” is not one of the receipt words. Check its spelling.",
        ),
        (
            "abacus zoom quiver lanternabacus zoom quiver yo-yo",
            "“lanternabacus” is not one of the receipt words. Check its spelling.",
        ),
        (
            "abacus zoom drop-dwn lantern abacus zoom quiver",
            "“drop-dwn” is not one of the receipt words. Check its spelling.",
        ),
        ("", "Enter your receipt: the seven words you were given."),
        ("  \n\t ", "Enter your receipt: the seven words you were given."),
    ],
)
def test_a_wrong_receipt_gets_a_specific_plain_message(typed: str, message: str) -> None:
    with pytest.raises(InvalidReceipt) as caught:
        normalise_receipt(typed)
    assert str(caught.value) == message


def test_the_message_echoes_only_the_offending_word() -> None:
    with pytest.raises(InvalidReceipt) as caught:
        normalise_receipt("abacus zoom quiver lantern abacus zoom hunter2")
    assert "hunter2" in str(caught.value)
    assert "abacus" not in str(caught.value)
    assert "lantern" not in str(caught.value)


def test_a_long_run_of_text_is_not_echoed() -> None:
    pasted = "mysecretpasswordthatwaspastedbymistake"
    with pytest.raises(InvalidReceipt) as caught:
        normalise_receipt(f"abacus {pasted} zoom")
    assert pasted not in str(caught.value)
    with pytest.raises(InvalidReceipt) as caught:
        normalise_receipt("abacus " * 2000)
    assert "too long" in str(caught.value)


@given(text=st.text(max_size=300))
def test_arbitrary_input_either_normalises_or_gets_a_message(text: str) -> None:
    try:
        receipt = normalise_receipt(text)
    except InvalidReceipt as error:
        assert str(error)
    else:
        assert len(receipt.split(" ")) == RECEIPT_WORDS
        assert set(receipt.split(" ")) <= set(WORDLIST)


def test_receipt_keys_are_stable_with_the_default_parameters() -> None:
    # The one test with the real cost: receipts handed out today must work after upgrades.
    keys = derive_receipt_keys(FIXED_RECEIPT, salt=SALT, pepper=PEPPER, params=DEFAULT_KDF)
    assert keys.lookup_id == FIXED_LOOKUP_ID
    assert keys.keypair.recipient == FIXED_RECIPIENT


def test_receipt_keys_are_the_same_in_a_fresh_interpreter() -> None:
    # Nothing process-specific (hash seeds, import order) may leak into the derivation.
    script = (
        "from clarion.vault import DEFAULT_KDF, Receipt, derive_receipt_keys\n"
        f"keys = derive_receipt_keys(Receipt({FIXED_RECEIPT!r}), salt={SALT!r}, "
        f"pepper={PEPPER!r}, params=DEFAULT_KDF)\n"
        "print(keys.lookup_id, keys.keypair.recipient)\n"
    )
    repo = Path(clarion.vault.kdf.__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo), "PYTHONHASHSEED": "random"}
    result = subprocess.run(  # noqa: S603 - our own interpreter and script, no shell
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env
    )
    assert result.stdout.split() == [FIXED_LOOKUP_ID, FIXED_RECIPIENT]


def test_receipt_keys_take_exactly_one_argon2id_pass_split_in_two(
    insecure_fast_kdf: KdfParams, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a spy on the one Argon2id entry point
    calls: list[dict[str, Any]] = []
    real = clarion.vault.kdf.hash_secret_raw

    def spy(**kwargs: Any) -> bytes:
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(clarion.vault.kdf, "hash_secret_raw", spy)
    # When a receipt's keys are derived
    keys = derive_receipt_keys(FIXED_RECEIPT, salt=SALT, pepper=PEPPER, params=insecure_fast_kdf)
    # Then Argon2id ran once, for 64 bytes...
    assert len(calls) == 1
    assert calls[0]["hash_len"] == 64
    # ...the first half, keyed under the pepper, is the lookup id...
    monkeypatch.undo()
    material = derive_key_material(FIXED_RECEIPT.encode(), salt=SALT, params=insecure_fast_kdf, length=64)
    assert keys.lookup_id == hmac.new(PEPPER, material[:32], hashlib.sha256).hexdigest()
    # ...and the second half seeds the source's key
    assert keys.keypair == identity_from_seed(material[32:])


def test_the_lookup_id_reveals_nothing_of_the_key(insecure_fast_kdf: KdfParams) -> None:
    keys = derive_receipt_keys(FIXED_RECEIPT, salt=SALT, pepper=PEPPER, params=insecure_fast_kdf)
    other = derive_receipt_keys(FIXED_RECEIPT, salt=SALT, pepper=bytes(32), params=insecure_fast_kdf)
    # A new pepper changes the stored trace, never the source's key.
    assert other.lookup_id != keys.lookup_id
    assert other.keypair == keys.keypair
    assert len(keys.lookup_id) == 64
    assert int(keys.lookup_id, 16) >= 0


def test_any_accepted_spelling_derives_the_same_keys(insecure_fast_kdf: KdfParams) -> None:
    typed = Receipt("  ABACUS\tzoom drop-down. quiver T-Shirt\nlantern   yo-yo ")
    kwargs: dict[str, Any] = {"salt": SALT, "pepper": PEPPER, "params": insecure_fast_kdf}
    assert derive_receipt_keys(typed, **kwargs) == derive_receipt_keys(FIXED_RECEIPT, **kwargs)


def test_only_the_receipt_opens_what_was_sent_to_the_source(
    insecure_fast_kdf: KdfParams,
) -> None:
    kwargs: dict[str, Any] = {"salt": SALT, "pepper": PEPPER, "params": insecure_fast_kdf}
    source = derive_receipt_keys(FIXED_RECEIPT, **kwargs)
    reply = encrypt(b"we are looking into it", [source.keypair.recipient])
    again = derive_receipt_keys(FIXED_RECEIPT, **kwargs)
    assert decrypt(reply, [again.keypair.identity]) == b"we are looking into it"
    guess = derive_receipt_keys(generate_receipt(), **kwargs)
    assert guess.lookup_id != source.lookup_id
    assert guess.keypair != source.keypair


def test_derive_receipt_keys_refuses_invalid_receipts_and_short_peppers(
    insecure_fast_kdf: KdfParams,
) -> None:
    with pytest.raises(InvalidReceipt):
        derive_receipt_keys(Receipt("abacus zoom"), salt=SALT, pepper=PEPPER, params=insecure_fast_kdf)
    with pytest.raises(ValueError):
        derive_receipt_keys(FIXED_RECEIPT, salt=SALT, pepper=b"short", params=insecure_fast_kdf)
    with pytest.raises(ValueError):
        derive_receipt_keys(FIXED_RECEIPT, salt=b"short", pepper=PEPPER, params=insecure_fast_kdf)


def test_receipt_keys_repr_hides_the_secret_key(insecure_fast_kdf: KdfParams) -> None:
    keys = derive_receipt_keys(FIXED_RECEIPT, salt=SALT, pepper=PEPPER, params=insecure_fast_kdf)
    assert "AGE-SECRET-KEY" not in repr(keys).upper()
    assert keys.lookup_id in repr(keys)


# --- Receipts typed the way the receipt page shows them: numbered ---------------------------

numbering = st.sampled_from(["{n}. ", "{n}.", "{n}) ", "{n})", "{n}: ", "{n} ", "{n}.\n", "({n}) ", "{n} - ", "{n}.\t"])
gaps = st.sampled_from([" ", "  ", "\n", "\r\n", "\t", " \n", ", ", "; "])


@st.composite
def numbered(draw: st.DrawFn) -> tuple[str, str]:
    """Draw a receipt and the way a person copies it off the page: "1. word 2. word ..."."""
    receipt = draw(receipts)
    pieces = [draw(st.sampled_from(["", " ", "\n"]))]
    for position, word in enumerate(receipt.split(" "), start=1):
        if position > 1:
            pieces.append(draw(gaps))
        # Some people number every word, some only a few, some none.
        if draw(st.booleans()):
            pieces.append(draw(numbering).format(n=position))
        case = draw(st.sampled_from([str.lower, str.upper, str.title, str.swapcase]))
        pieces.append(case(word))
    pieces.append(draw(st.sampled_from(["", "\n", " ", "."])))
    return receipt, "".join(pieces)


def test_a_receipt_typed_as_shown_with_its_numbers_is_accepted() -> None:
    shown = "1. abacus 2. zoom 3. drop-down 4. quiver 5. t-shirt 6. lantern 7. yo-yo"
    assert normalise_receipt(shown) == FIXED_RECEIPT
    assert normalise_receipt(shown.replace(". ", ") ")) == FIXED_RECEIPT
    on_lines = "1.\nabacus\n2.\nzoom\n3.\ndrop-down\n4.\nquiver\n5.\nt-shirt\n6.\nlantern\n7.\nyo-yo\n"
    assert normalise_receipt(on_lines) == FIXED_RECEIPT


@given(case=numbered())
def test_any_numbering_spacing_or_case_of_a_receipt_normalises_back(case: tuple[str, str]) -> None:
    receipt, typed = case
    assert normalise_receipt(typed) == receipt


@st.composite
def misnumbered(draw: st.DrawFn) -> str:
    """Draw a fully numbered receipt with one thing wrong about its numbers or words."""
    receipt = draw(receipts).split(" ")
    items: list[str] = []
    for position, word in enumerate(receipt, start=1):
        items.extend([f"{position}.", word])
    fault = draw(st.sampled_from(["wrong number", "word dropped", "word added", "number at end", "two numbers"]))
    index = draw(st.integers(min_value=0, max_value=RECEIPT_WORDS - 1))
    if fault == "wrong number":
        wrong = draw(st.integers(min_value=0, max_value=99).filter(lambda n: n != index + 1))
        items[2 * index] = f"{wrong}."
    elif fault == "word dropped":
        del items[2 * index + 1]
    elif fault == "word added":
        items.insert(2 * index + 1, draw(words))
    elif fault == "number at end":
        items.append(f"{RECEIPT_WORDS + 1}.")
    else:
        items.insert(2 * index, f"{index + 1}.")
    return " ".join(items)


@given(typed=misnumbered())
def test_a_number_that_does_not_match_its_word_never_makes_a_receipt(typed: str) -> None:
    with pytest.raises(InvalidReceipt):
        normalise_receipt(typed)


@given(
    pieces=st.lists(
        st.one_of(words, st.integers(min_value=0, max_value=12).map(str), st.sampled_from([" ", ". ", ") ", "\n"])),
        max_size=30,
    )
)
def test_numbers_never_change_which_receipt_a_text_is(pieces: list[str]) -> None:
    # Whatever mix of words and numbers is typed: if it is accepted, it is the receipt its
    # words spell, and every number in it stood right before the word it numbers.
    typed = " ".join(pieces)
    try:
        receipt = normalise_receipt(typed)
    except InvalidReceipt:
        return
    tokens = [token for token in typed.split() if token.strip(".)")]
    spelled = [token for token in tokens if not token.strip(".)").isdigit()]
    assert receipt == normalise_receipt(" ".join(spelled))
    position = 0
    for token, following in zip(tokens, [*tokens[1:], ""], strict=True):
        if token.strip(".)").isdigit():
            assert int(token.strip(".)")) == position + 1
            assert not following.strip(".)").isdigit()
        else:
            position += 1


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "1. abacus 2. zoom 4. quiver 5. t-shirt 6. lantern 7. yo-yo",
            "Word number 4 is the third word you entered: check that no word is missing or added.",
        ),
        (
            "1. abacus 2. zoom 3. drop-down 4. quiver 5. t-shirt 6. lantern 7. yo-yo 8.",
            "“8” is not one of the receipt words. Check its spelling.",
        ),
        (
            "1. abacus 2. zoom 3. drop-down 4. quiver 5. t-shirt 6. lantern yo-yo 7.",
            "Number 7 has no word after it: check word 7 of your receipt.",
        ),
        (
            "1. 2. abacus zoom drop-down quiver t-shirt lantern yo-yo",
            "Number 1 has no word after it: check word 1 of your receipt.",
        ),
        ("1. abacus 2. zoom 3. drop-dwn", "“drop-dwn” is not one of the receipt words. Check its spelling."),
    ],
)
def test_a_misnumbered_receipt_gets_a_specific_plain_message(typed: str, message: str) -> None:
    with pytest.raises(InvalidReceipt) as caught:
        normalise_receipt(typed)
    assert str(caught.value) == message
