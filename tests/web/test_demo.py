"""`python -m clarion demo` loads every app's demo content once and prints working credentials."""

from __future__ import annotations

import base64
import io
import re

from django.contrib.auth import authenticate
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from clarion.accounts.keys import unlock_identity
from clarion.accounts.roles import is_admin, is_reviewer
from clarion.intake.models import Channel, GuidancePage, Question
from clarion.publishing.models import Post


def test_demo_loads_three_channels_and_a_reviewer_whose_printed_password_unlocks_their_key(db):
    out = io.StringIO()

    call_command("demo", stdout=out)

    password = re.search(r"Reviewer account: reviewer / (\S+)", out.getvalue()).group(1)
    secret = re.search(r"Authenticator secret \(TOTP, 6 digits, 30 s\): (\S+)", out.getvalue()).group(1)
    user = authenticate(username="reviewer", password=password)
    assert user is not None
    device = TOTPDevice.objects.get(user=user)
    assert device.verify_token(f"{totp(base64.b32decode(secret)):06d}")
    assert is_reviewer(user) and is_admin(user)
    assert unlock_identity(user.key_custody, password).recipient == user.key_custody.public_key
    channels = Channel.objects.open()
    assert channels.count() == 3
    assert all(channel.receivers.filter(pk=user.pk).exists() for channel in channels)
    kinds = set(Question.objects.values_list("kind", flat=True))
    assert kinds == set(Question.Kind.values)
    assert GuidancePage.objects.filter(slug="authorities").exists()


def test_demo_loads_each_apps_part_in_layer_order_and_prints_the_credentials_last(db):
    out = io.StringIO()

    call_command("demo", stdout=out)

    printed = out.getvalue()
    assert Post.objects.filter(slug="staffing-letter", pinned=True).exists()  # publishing's part ran
    order = ["Public site: /", "Demo content loaded.", "Reviewer account:", "Recovery code:", "Source pages: /tip/"]
    assert [printed.index(line) for line in order] == sorted(printed.index(line) for line in order)


def test_demo_runs_only_once(db):
    call_command("demo", stdout=io.StringIO())
    again = io.StringIO()

    call_command("demo", stdout=again)

    assert "already loaded" in again.getvalue()
    assert "Reviewer account" not in again.getvalue()
    assert Channel.objects.count() == 3
