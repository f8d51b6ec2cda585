"""The key behind every keyed hash lives in memory the workers share and only moves forward
(docs/design.md, property 3).
"""

from __future__ import annotations

import multiprocessing
import time

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st
from time_machine import TimeMachineFixture

from clarion.web import gunicorn_config, memory_key
from clarion.web.management.commands.serve import gunicorn_command

FORK = multiprocessing.get_context("fork")


def _in_child(moment: float, queue) -> None:  # noqa: ANN001 - a multiprocessing queue
    with time_machine.travel(moment, tick=False):
        queue.put(memory_key.derived_key("throttle"))


def key_seen_by_a_forked_worker(moment: float) -> bytes:
    """Fork a process, as gunicorn forks a worker, and return the key it sees at `moment`."""
    queue = FORK.Queue()
    child = FORK.Process(target=_in_child, args=(moment, queue))
    child.start()
    key = queue.get(timeout=30)
    child.join(timeout=30)
    return key


@pytest.fixture
def master(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    """Install a fresh key in this process, as the gunicorn master does before forking, at a stopped moment."""
    time_machine.move_to(1_800_000_000.0, tick=False)
    memory_key.install()
    return time_machine


def test_workers_forked_from_the_master_share_one_key(master):
    assert key_seen_by_a_forked_worker(time.time()) == memory_key.derived_key("throttle")
    assert key_seen_by_a_forked_worker(time.time()) == key_seen_by_a_forked_worker(time.time())


def test_a_worker_that_ratchets_the_key_moves_it_for_every_process_and_it_never_comes_back(master):
    before = memory_key.derived_key("throttle")

    moved = key_seen_by_a_forked_worker(time.time() + memory_key.ROTATE_SECONDS)

    assert moved != before
    # The master, its clock not yet past the boundary, already holds the new key, not the old one.
    assert memory_key.derived_key("throttle") == moved
    assert key_seen_by_a_forked_worker(time.time()) == moved


def test_the_key_moves_on_every_few_hours_and_purposes_get_different_keys(master):
    first = memory_key.derived_key("throttle")
    assert memory_key.derived_key("security-log") != first

    master.shift(memory_key.ROTATE_SECONDS)

    assert memory_key.derived_key("throttle") != first


def test_installing_again_replaces_the_key(master):
    first = memory_key.derived_key("throttle")

    memory_key.install()

    assert memory_key.derived_key("throttle") != first


@given(st.binary(min_size=32, max_size=32))
def test_the_ratchet_is_a_one_way_step_that_never_repeats_the_key(key):
    assert memory_key.ratchet(key) != key
    assert len(memory_key.ratchet(key)) == memory_key.KEY_BYTES


def test_serve_starts_gunicorn_with_the_hook_that_makes_the_key_before_forking():
    command = gunicorn_command()
    assert command[command.index("--config") + 1] == "python:clarion.web.gunicorn_config"
    assert gunicorn_config.on_starting.__module__ == "clarion.web.gunicorn_config"
