"""Shared fixtures: demo-like channels, a reviewer with a key, and system-tool requirements."""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(path_or_name: str, why: str) -> str:
    """Return the tool's path; skip (saying which and why) when it is missing, fail in CI."""
    found = shutil.which(path_or_name)
    if found:
        return found
    message = f"{path_or_name} is not installed; {why} (.ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def reviewer(db):
    """A reviewer whose age identity is unlocked by the password 'correct horse battery staple'."""
    from django.contrib.auth import get_user_model

    from clarion.accounts.keys import create_key_custody
    from clarion.accounts.roles import REVIEWER, grant_role

    user = get_user_model().objects.create_user("rita", password="correct horse battery staple")
    grant_role(user, REVIEWER)
    create_key_custody(user, "correct horse battery staple")
    return user


@pytest.fixture
def reviewer_client(reviewer):
    """A test client in which the reviewer logged in through the real pages (password, TOTP).

    Its session holds the reviewer's identity sealed, the sealing key is in its cookies:
    what `clarion.web.staff_identity.held_identity` returns for its requests.
    """
    from tests.accounts.helpers import logged_in_client

    return logged_in_client(reviewer)


@pytest.fixture
def channel(db, reviewer):
    """A channel with one question of every kind, received by the reviewer."""
    from clarion.intake.models import Channel, Question

    channel = Channel.objects.create(name="Safety", slug="safety", description="Unsafe equipment.")
    channel.receivers.add(reviewer)
    K = Question.Kind
    specs = [
        (K.SHORT_TEXT, "Where?", True, ""),
        (K.LONG_TEXT, "What happened?", False, ""),
        (K.SINGLE_CHOICE, "How urgent?", True, "Now\nLater"),
        (K.MULTIPLE_CHOICE, "Who knows?", False, "Colleagues\nManagers"),
        (K.DATE, "When?", False, ""),
        (K.YES_NO, "Still happening?", False, ""),
        (K.FILE, "A photo", False, ""),
    ]
    for position, (kind, label, required, choices) in enumerate(specs):
        Question.objects.create(
            channel=channel, position=position, kind=kind, label=label, required=required, choices=choices
        )
    return channel


@pytest.fixture(autouse=True)
def _own_blob_store(settings, tmp_path):
    """Give every test its own blob store, so blob counts belong to that test alone."""
    settings.CLARION_BLOB_DIR = tmp_path / "blobs"


@pytest.fixture
def clarion_server(tmp_path):
    """Start the real server with the demo content, in its own data folder and database."""
    from tests.support.live import LiveServer, running

    with running(LiveServer(tmp_path / "live")) as server:
        yield server
