"""An admin registers an offline organisation key; every new tip's keys are also wrapped to it."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from clarion import vault
from clarion.accounts.models import Organisation
from clarion.intake.models import KeyWrap
from tests.support.tips import send_tip


@pytest.fixture
def offline(db):
    keypair = vault.generate_keypair()
    Organisation.objects.create(name="Union", offline_public_key=keypair.recipient)
    return keypair


def test_a_new_tip_is_wrapped_to_the_offline_key_which_opens_it(offline, channel):
    sent = send_tip(channel)

    wrap = KeyWrap.objects.get(tip=sent.tip, holder=KeyWrap.Holder.ORGANISATION)
    secrets = vault.unwrap_secrets(bytes(wrap.wrapped), [offline.identity])
    answers = vault.decrypt(bytes(sent.tip.answers), [secrets["conversation"]])
    assert b"The forklift brakes fail." in answers


def test_without_an_offline_key_no_such_wrap_exists(channel):
    sent = send_tip(channel)

    assert not KeyWrap.objects.filter(tip=sent.tip, holder=KeyWrap.Holder.ORGANISATION).exists()


def test_an_export_is_also_readable_with_the_offline_key(offline, channel, reviewer_client):
    sent = send_tip(channel)

    response = reviewer_client.post(f"{sent.url}export/", {"route": "organisation"})

    archive = zipfile.ZipFile(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    tip_keys = vault.decrypt(archive.read("keys.age"), [offline.identity]).decode()
    assert "AGE-SECRET-KEY-" in tip_keys


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        ("AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ", "This is a private key"),
        ("ssh-ed25519 AAAA", "This is not an age public key"),
    ],
)
def test_a_private_key_or_junk_is_refused_with_a_plain_message(db, pasted, message):
    organisation = Organisation(name="Union", offline_public_key=pasted)

    with pytest.raises(ValidationError, match=message):
        organisation.full_clean()
    assert "SECRET" not in organisation.offline_public_key
