"""Shared fixtures: demo-like channels, a reviewer with a key, one cache per test, and the real server.

Helpers that tests import live in `tests/support/`; no test imports another test module or a
conftest (tests/test_suite_rules.py checks it).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import caches

from clarion.intake.models import Channel, Question
from tests.support import database_template, longest_first
from tests.support.live import LiveServer, running
from tests.support.people import logged_in_client, make_reviewer

pytest_plugins = ["pytester"]  # tests of the suite's own plugins (tests/test_suite_rules.py)

#: Fixtures that start the real server in a subprocess: a test using one is a `live_server_process` test.
LIVE_SERVER_FIXTURES = {"clarion_server"}


def pytest_configure(config: pytest.Config) -> None:
    longest_first.configure(config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that starts the real server, so `make test-fast` can leave it out; longest modules first."""
    for item in items:
        if LIVE_SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.live_server_process)
    longest_first.reorder(config, items)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Before the test databases are made: SQLite's come from a migrated copy when one is kept."""
    database_template.install()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Start every test with empty caches: no login failures counted, no rendered page kept."""
    for alias in settings.CACHES:
        caches[alias].clear()
    yield
    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture
def reviewer(db):
    """A reviewer whose age identity is unlocked by `tests.support.people.PASSWORD`."""
    return make_reviewer("rita")


@pytest.fixture
def reviewer_client(reviewer):
    """A test client in which the reviewer logged in through the real pages (password, TOTP).

    Its session holds the reviewer's identity sealed, the sealing key is in its cookies:
    what `clarion.web.staff_identity.held_identity` returns for its requests.
    """
    return logged_in_client(reviewer)


@pytest.fixture
def channel(db, reviewer):
    """A channel with one question of every kind, received by the reviewer."""
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
    with running(LiveServer(tmp_path / "live")) as server:
        yield server
