"""Make, read back and derive keys from a source's receipt: seven words, about 90 bits.

The receipt is the source's only credential and is never stored. One Argon2id pass turns
it into 64 bytes: the first half, keyed-hashed under a pepper from the data folder,
becomes the lookup id (the only stored trace); the second half seeds the source's age
key, so only someone holding the receipt can read the replies (docs/design.md, "Encryption model").
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any

from clarion.vault.envelope import KeyPair
from clarion.vault.errors import InvalidReceipt
from clarion.vault.kdf import KdfParams, derive_key_material, identity_from_seed
from clarion.vault.types import Receipt

__all__ = [
    "MIN_PEPPER_BYTES",
    "RECEIPT_WORDS",
    "WORDLIST",
    "ReceiptKeys",
    "derive_receipt_keys",
    "generate_receipt",
    "normalise_receipt",
]

RECEIPT_WORDS = 7
#: Shortest pepper accepted: a full HMAC-SHA256 key.
MIN_PEPPER_BYTES = 32
_WORDLIST_SIZE = 7776
# Longer input than this is not a mistyped receipt (the longest is under 80 characters);
# refusing it early bounds the work an attacker can make each attempt cost.
_MAX_INPUT_CHARS = 1000
# Echo a bad word back only while it is plausibly a word: a long run of text may be
# something else the person pasted by mistake, such as a password.
_MAX_ECHOED_CHARS = 20


def _load_wordlist() -> tuple[str, ...]:
    """Read the shipped EFF long wordlist and check it is whole."""
    text = resources.files(__package__).joinpath("eff_large_wordlist.txt").read_text("ascii")
    words = tuple(text.split())
    if len(words) != _WORDLIST_SIZE or len(set(words)) != _WORDLIST_SIZE:
        # A damaged list would silently change what receipts mean.
        raise RuntimeError("eff_large_wordlist.txt is damaged")
    return words


#: The EFF long wordlist (CC BY 3.0 US, see WORDLIST-LICENSE.txt): 7,776 words.
WORDLIST: tuple[str, ...] = _load_wordlist()
_WORDS = frozenset(WORDLIST)
# Four words contain a hyphen (drop-down, felt-tip, t-shirt, yo-yo), while people also
# type hyphens between words. None of their first halves is a word on its own, so a
# hyphenated pair is read as one word whenever it is one.
_HYPHENATED_FIRST_HALVES = frozenset(word.split("-")[0] for word in _WORDS if "-" in word)

# Dashes people or word processors produce, all read as a hyphen.
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d", "-"))
# Anything that is not a letter, a digit or a hyphen separates words: spaces, tabs,
# newlines, dots, commas, quotes, underscores, zero-width spaces...
_SEPARATORS = re.compile(r"[^\w-]+|_+")

_NUMBERS = (
    "none",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)


_ORDINALS = (
    "zeroth",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
)


def _number(count: int) -> str:
    """Spell out small numbers, as a person would write them."""
    return _NUMBERS[count] if count < len(_NUMBERS) else str(count)


def generate_receipt() -> Receipt:
    """Draw a new receipt: seven words chosen uniformly with `secrets` (about 90.5 bits)."""
    return Receipt(" ".join(secrets.choice(WORDLIST) for _ in range(RECEIPT_WORDS)))


def _unknown(word: str) -> InvalidReceipt:
    """Build the error for a word that is not on the list, echoing only that word."""
    if len(word) > _MAX_ECHOED_CHARS:
        return InvalidReceipt(
            "That is not a receipt: one of its words is not on the list. "
            "Check the spelling and the spaces between the words."
        )
    return InvalidReceipt(f"“{word}” is not one of the receipt words. Check its spelling.")


def _ordinal(count: int) -> str:
    """Spell out small ordinals ("third"), as a person would write them."""
    if count < len(_ORDINALS):
        return _ORDINALS[count]
    suffix = "th" if 10 <= count % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(count % 10, "th")
    return f"{count}{suffix}"


@dataclass(frozen=True)
class Marker:
    """A number written before a word, as the receipt page shows them: "3." or "3)"."""

    number: int


def _items_of(token: str) -> list[str | Marker]:
    """Split one token into list words and numbers; words may be joined by hyphens."""
    if token in _WORDS:
        return [token]
    parts = [part for part in token.split("-") if part]
    items: list[str | Marker] = []
    i = 0
    while i < len(parts):
        pair = "-".join(parts[i : i + 2])
        if i + 1 < len(parts) and pair in _WORDS:
            items.append(pair)
            i += 2
        elif parts[i] in _WORDS:
            items.append(parts[i])
            i += 1
        elif parts[i].isascii() and parts[i].isdigit() and 1 <= int(parts[i]) <= RECEIPT_WORDS:
            items.append(Marker(int(parts[i])))
            i += 1
        else:
            # "drop-dwn" is a misspelt "drop-down": name the pair, not just "drop".
            near = pair if parts[i] in _HYPHENATED_FIRST_HALVES else parts[i]
            raise _unknown(near)
    return items


def _words_in_order(items: list[str | Marker]) -> list[str]:
    """Drop the numbers of a numbered receipt, checking that each stands before its own word.

    A number is only ever a position: it must be followed by a word, and by the word at that
    position. So numbering never makes a text valid that would not be valid without it, and
    a dropped or doubled word in a numbered receipt is named rather than guessed around.
    """
    words: list[str] = []
    pending: Marker | None = None
    for item in items:
        if isinstance(item, Marker):
            if pending is not None:
                raise _dangling(pending)
            pending = item
            continue
        position = len(words) + 1
        if pending is not None and pending.number != position:
            raise InvalidReceipt(
                f"Word number {pending.number} is the {_ordinal(position)} word you entered: "
                "check that no word is missing or added."
            )
        pending = None
        words.append(item)
    if pending is not None:
        raise _dangling(pending)
    return words


def _dangling(marker: Marker) -> InvalidReceipt:
    return InvalidReceipt(f"Number {marker.number} has no word after it: check word {marker.number} of your receipt.")


def normalise_receipt(text: str) -> Receipt:
    """Return the receipt in `text` in canonical form, forgiving how it was copied.

    Case, spacing, line breaks, tabs, and hyphens, dots or other punctuation between the
    words are all forgiven, and so are the numbers 1 to 7 before the words, as the receipt
    page shows them ("1. word 2. word" or "1) word", on one line or several). Raise
    `InvalidReceipt` with a message for the source that names at most the one offending
    word or number.
    """
    if len(text) > _MAX_INPUT_CHARS:
        raise InvalidReceipt(f"That is too long to be a receipt. A receipt is {_number(RECEIPT_WORDS)} words.")
    # NFKC folds full-width letters and other look-alikes that phone keyboards produce.
    folded = unicodedata.normalize("NFKC", text).translate(_DASHES).lower()
    items: list[str | Marker] = []
    for token in _SEPARATORS.split(folded):
        if token:
            items.extend(_items_of(token))
    words = _words_in_order(items)
    if not words:
        raise InvalidReceipt(f"Enter your receipt: the {_number(RECEIPT_WORDS)} words you were given.")
    if len(words) != RECEIPT_WORDS:
        raise InvalidReceipt(f"A receipt is {_number(RECEIPT_WORDS)} words; you entered {_number(len(words))}.")
    return Receipt(" ".join(words))


@dataclass(frozen=True, repr=False)
class ReceiptKeys:
    """Hold what a receipt yields: its lookup id and the source's key pair."""

    lookup_id: str  # hex HMAC-SHA256 under the pepper: the only stored trace of a receipt
    keypair: KeyPair  # the source's age identity, from the other half of the derivation

    def __repr__(self) -> str:
        """Show the lookup id and public key only."""
        return f"ReceiptKeys(lookup_id={self.lookup_id!r}, keypair={self.keypair!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Print the redacted repr in IPython and Hypothesis, which list dataclass fields."""
        printer.text(repr(self))


def derive_receipt_keys(receipt: Receipt, *, salt: bytes, pepper: bytes, params: KdfParams) -> ReceiptKeys:
    """Derive a receipt's lookup id and age key pair with exactly one Argon2id pass.

    The 64-byte output is split in two. Without the pepper (kept in the data folder, away
    from a database dump) the lookup ids cannot even be attacked offline; with it, each
    guess still costs one Argon2id pass. The receipt is normalised first, so any accepted
    spelling of it derives the same keys.
    """
    if len(pepper) < MIN_PEPPER_BYTES:
        raise ValueError(f"pepper must be at least {MIN_PEPPER_BYTES} bytes")
    canonical = normalise_receipt(receipt)
    material = derive_key_material(canonical.encode("utf-8"), salt=salt, params=params, length=64)
    lookup_id = hmac.new(pepper, material[:32], hashlib.sha256).hexdigest()
    return ReceiptKeys(lookup_id=lookup_id, keypair=identity_from_seed(material[32:]))
