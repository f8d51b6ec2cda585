"""A tip's content format: what is encrypted comes back the same, and only to its key."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clarion import vault
from clarion.intake.content import Submission, decrypt_submission, decrypt_text, encrypt_submission, encrypt_text

KEY = vault.generate_keypair()
OTHER_KEY = vault.generate_keypair()

# What the form stores per answer: JSON values, any text a source can type (no lone surrogates: browsers
# send UTF-8, which cannot hold them).
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=10,
)
answers = st.lists(st.dictionaries(text, json_value, max_size=5), max_size=6)


@settings(max_examples=60, deadline=None)
@given(answers=answers, message=text)
def test_a_submission_comes_back_exactly_as_sent(answers, message):
    # Property: whatever the source answered and wrote, the readers decrypt the same.
    sealed = encrypt_submission(Submission(answers=answers, message=message), KEY.recipient)

    assert decrypt_submission(sealed, [KEY.identity]) == Submission(answers=answers, message=message)
    assert decrypt_submission(memoryview(sealed), [KEY.identity]).message == message  # as the database returns it


@settings(max_examples=60, deadline=None)
@given(written=text)
def test_a_message_or_file_name_comes_back_exactly_as_written(written):
    assert decrypt_text(encrypt_text(written, KEY.recipient), [KEY.identity]) == written


@settings(max_examples=20, deadline=None)
@given(message=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=12, max_size=200))
def test_nothing_of_the_content_is_readable_at_rest(message):
    sealed = encrypt_submission(Submission(answers=[{"answer": message}], message=message), KEY.recipient)

    assert message.encode() not in sealed
    assert message.encode() not in encrypt_text(message, KEY.recipient)


def test_another_key_opens_nothing():
    submission = encrypt_submission(
        Submission(answers=[{"question": "Where?", "answer": "Depot 4"}], message="Brakes"), KEY.recipient
    )

    with pytest.raises(vault.DecryptionError):
        decrypt_submission(submission, [OTHER_KEY.identity])
    with pytest.raises(vault.DecryptionError):
        decrypt_text(encrypt_text("report.pdf", KEY.recipient), [OTHER_KEY.identity])


def test_a_tampered_ciphertext_opens_nothing():
    sealed = bytearray(encrypt_text("The forklift brakes fail.", KEY.recipient))
    sealed[-1] ^= 1

    with pytest.raises(vault.DecryptionError):
        decrypt_text(bytes(sealed), [KEY.identity])


def test_an_optional_record_left_blank_reads_as_empty_text():
    assert decrypt_text(b"", [KEY.identity]) == ""
    assert decrypt_text(None, [KEY.identity]) == ""


def test_the_submission_is_the_documented_json():
    # The export's README tells the offline reader that answers.age holds this JSON.
    import json

    document = {"answers": [{"answer": "Ja, Größe"}], "message": "Brakes"}
    sealed = encrypt_submission(Submission(**document), KEY.recipient)

    assert json.loads(vault.decrypt(sealed, [KEY.identity])) == {
        "answers": [{"answer": "Ja, Größe"}],
        "message": "Brakes",
    }
