"""The shared throttle: atomic, bounded in time, and holding no address (M3, L9, docs/design.md, property 3)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from time_machine import TimeMachineFixture

from clarion import schedule
from clarion.web import memory_key, throttle
from clarion.web.models import ThrottleBucket
from clarion.web.tasks import delete_expired_counts_task
from clarion.web.throttle import Backoff, Budget, Limit, Scope

pytestmark = pytest.mark.django_db

BACKOFF = Backoff(name="test-backoff", free=5, first_wait=5, max_wait=600, forget_after=1800)
ADDRESS = Scope("address", "192.0.2.41")


class Clock:
    """The project's one clock, stopped at `start` and moved by hand."""

    def __init__(self, time_machine: TimeMachineFixture, start: float = 1_800_000_000.0) -> None:
        self.time_machine = time_machine
        time_machine.move_to(start, tick=False)

    @property
    def moment(self) -> float:
        return time.time()

    @moment.setter
    def moment(self, moment: float) -> None:
        self.time_machine.move_to(moment, tick=False)

    def advance(self, seconds: float) -> None:
        self.time_machine.shift(seconds)


def test_five_failures_pass_then_the_sixth_waits_and_a_refusal_counts_nothing(time_machine):
    clock = Clock(time_machine)
    results = [throttle.take([Limit(BACKOFF, ADDRESS)]).allowed for _ in range(8)]

    assert results == [True] * 5 + [False] * 3
    assert ThrottleBucket.objects.get().attempts == 5
    clock.advance(5)
    assert throttle.take([Limit(BACKOFF, ADDRESS)]).allowed


def test_a_refusal_by_one_limit_counts_against_none(time_machine):
    Clock(time_machine)
    account = Scope.account("rita")
    for _ in range(5):
        throttle.take([Limit(BACKOFF, account)])

    refused = throttle.take([Limit(BACKOFF, account), Limit(BACKOFF, ADDRESS)])

    assert not refused.allowed and refused.refused_by == ("test-backoff",)
    assert ThrottleBucket.objects.get(key=throttle.bucket_key(Limit(BACKOFF, ADDRESS))).attempts == 0


def test_a_refunded_success_leaves_the_counts_as_they_were(time_machine):
    clock = Clock(time_machine)
    for _ in range(5):
        throttle.take([Limit(BACKOFF, ADDRESS)])
    clock.advance(5)

    right = throttle.take([Limit(BACKOFF, ADDRESS)])
    right.refund()

    # The next step (the one-time code) is not made to wait by the right password before it.
    assert throttle.take([Limit(BACKOFF, ADDRESS)]).allowed


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gaps=st.lists(st.floats(min_value=0, max_value=1500, allow_nan=False), min_size=1, max_size=40))
# Found by Hypothesis: the sum `last + wait` and the clock's reading of that instant differed in
# their last bit, and the boundary cost one more second.
@example(gaps=[0.0, 1.7237206527557305, 1.15622561853462, 1.75390625, 0.0, 5.3984375, 10.48921977401369])
@example(
    gaps=[
        0.0,
        1.7237206527557305,
        1.15622561853462,
        1.75390625,
        0.0,
        5.3984375,
        10.48921977401369,
        20.693653163360977,
        40.0,
        80.6203357987747,
        160.875,
        320.45703125,
    ]
)  # noqa: E501
def test_no_lock_lasts_longer_than_the_longest_wait_after_the_last_checked_attempt(time_machine, gaps):
    ThrottleBucket.objects.all().delete()
    clock = Clock(time_machine)
    last_checked = None
    for gap in gaps:
        clock.advance(gap)
        if throttle.take([Limit(BACKOFF, ADDRESS)]).allowed:
            last_checked = clock.moment

    clock.moment = (last_checked or clock.moment) + BACKOFF.max_wait
    assert throttle.take([Limit(BACKOFF, ADDRESS)]).allowed


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=200))
def test_the_wait_grows_with_failures_but_never_beyond_the_cap(failures):
    wait = BACKOFF.wait_after(failures)

    assert 0 <= wait <= BACKOFF.max_wait
    assert (wait == 0) == (failures < BACKOFF.free)
    assert BACKOFF.wait_after(failures + 1) >= wait


def test_a_budget_refuses_what_does_not_fit_and_opens_again_after_its_window(time_machine):
    clock = Clock(time_machine)
    budget = Budget(name="test-bytes", limit=1000, window=3600)
    scope = Scope("channel", "7", personal=False)

    first = throttle.take([Limit(budget, scope)], amount=700)
    second = throttle.take([Limit(budget, scope)], amount=400)
    first.refund(300)  # 400 of the 700 were stored
    third = throttle.take([Limit(budget, scope)], amount=600)
    clock.advance(3600)
    fourth = throttle.take([Limit(budget, scope)], amount=1000)

    assert (first.allowed, second.allowed, third.allowed, fourth.allowed) == (True, False, True, True)
    assert 0 < second.wait_seconds <= 3600


def test_expired_counts_are_deleted(time_machine):
    clock = Clock(time_machine)
    throttle.take([Limit(BACKOFF, ADDRESS)])
    throttle.take([Limit(BACKOFF, Scope.account("rita"))])
    clock.advance(BACKOFF.forget_after - 1)
    assert throttle.delete_expired() == 0

    clock.advance(2)

    assert throttle.delete_expired() == 2
    assert not ThrottleBucket.objects.exists()


def test_the_periodic_job_that_deletes_expired_counts_is_registered():
    assert schedule.JOBS[delete_expired_counts_task.module_path].every <= 600


def test_no_address_user_name_or_key_is_stored_anywhere(time_machine):
    Clock(time_machine)
    throttle.take([Limit(BACKOFF, Scope("address", "198.51.100.231")), Limit(BACKOFF, Scope.account("Rosalind"))])

    stored = repr(list(ThrottleBucket.objects.values_list()))
    key = memory_key.derived_key("throttle")
    assert "198.51.100.231" not in stored and "rosalind" not in stored.casefold()
    assert key.hex() not in stored
    for path in Path(settings.DATA_DIR).rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert key not in content and key.hex().encode() not in content, path


def test_counts_are_unreachable_once_the_key_has_moved_on(time_machine):
    daily = Budget("test-daily", limit=5, window=24 * 3600)
    clock = Clock(time_machine)
    for _ in range(5):
        throttle.take([Limit(daily, ADDRESS)])
    assert not throttle.take([Limit(daily, ADDRESS)]).allowed

    clock.advance(memory_key.ROTATE_SECONDS)

    # The day's budget is not over, but its count can no longer be found.
    assert throttle.take([Limit(daily, ADDRESS)]).allowed


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite's in-memory test database cannot take parallel writers; "
    "tests/web/test_throttle_live.py races real processes on SQLite",
)
def test_parallel_takes_let_exactly_the_free_attempts_through():
    results: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def attempt() -> None:
        start.wait()
        try:
            allowed = throttle.take([Limit(BACKOFF, ADDRESS)]).allowed
        finally:
            connection.close()
        with lock:
            results.append(allowed)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False] * 15 + [True] * 5
