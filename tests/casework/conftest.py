"""Fixtures for casework tests: tips sent through the real form, reviewers logged in for real.

`reviewer_client` comes from tests/conftest.py (password and TOTP through the real views);
`colleague_client` does the same for a second reviewer.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.support.people import logged_in_client, make_reviewer
from tests.support.tips import SentTip, send_tip


@pytest.fixture
def colleague(db):
    """A second reviewer with a key, who receives no channel."""
    return make_reviewer("otto")


@pytest.fixture
def colleague_client(colleague) -> Client:
    return logged_in_client(colleague)


@pytest.fixture
def sent(channel) -> SentTip:
    return send_tip(channel)
