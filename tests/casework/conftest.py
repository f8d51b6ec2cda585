"""Fixtures for casework tests: tips sent through the real form, reviewers logged in for real.

`reviewer_client` comes from tests/conftest.py (password and TOTP through the real views);
`log_in_reviewer` does the same for any other reviewer.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from clarion.accounts.keys import create_key_custody
from clarion.accounts.roles import REVIEWER, grant_role
from clarion.intake.models import Tip
from tests.intake.helpers import receipt_of, source_browser, submit

PASSWORD = "correct horse battery staple"


def log_in_reviewer(user, password: str = PASSWORD) -> Client:  # noqa: ANN001
    """Return a client in which `user` logged in through the real password and TOTP pages."""
    from tests.accounts.helpers import add_authenticator, log_in

    client = Client()
    response = log_in(client, user, add_authenticator(user), password=password)
    assert response.status_code == 302, "the reviewer could not log in"
    return client


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def colleague(db):
    """A second reviewer with a key, who receives no channel."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("otto", password=PASSWORD)
    create_key_custody(user, PASSWORD)
    grant_role(user, REVIEWER)
    return user


@pytest.fixture
def colleague_client(colleague) -> Client:
    return log_in_reviewer(colleague)


class SentTip:
    def __init__(self, tip: Tip, receipt: str) -> None:
        self.tip = tip
        self.receipt = receipt

    @property
    def url(self) -> str:
        return f"/staff/cases/{self.tip.pk}/"


def send_tip(channel, *, message: str = "The forklift brakes fail.", files=(("evidence.pdf", b"%PDF-1.7 brakes"),)):  # noqa: ANN001, ANN201
    """Send a tip through the source form; return it with its receipt."""
    from tests.intake.helpers import answers_for

    before = set(Tip.objects.values_list("pk", flat=True))
    data = answers_for(channel, message=message)
    receipt = receipt_of(submit(source_browser(), channel, data, files=list(files)))
    tip = Tip.objects.exclude(pk__in=before).get()
    return SentTip(tip, receipt)


@pytest.fixture
def sent(channel) -> SentTip:
    return send_tip(channel)
