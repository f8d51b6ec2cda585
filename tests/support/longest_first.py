"""Run the modules that took longest last time first, so that parallel workers finish together.

pytest-xdist's worksteal scheduler hands each worker half of the tests and lets an idle worker
take tests from the other's queue, but never a test already running: a 20-second test that
starts last leaves the other worker idle for 20 seconds. Modules are ordered by their total
duration in the previous run (kept in pytest's cache); the tests of a module stay together
and in their order, so module-scoped fixtures are still set up once. Without a previous run,
the order is pytest's own.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

CACHE_KEY = "clarion/module-durations"


def module_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def database_rank(item: pytest.Item) -> int:
    """Return pytest-django's rank of a test: 0 in a rolled-back transaction, 1 transactional, 2 no database.

    pytest-django runs them in that order (as Django does): a transactional test empties the
    tables, seeded rows included, so no rolled-back test may come after one.
    """
    marker = item.get_closest_marker("django_db")
    fixtures = set(getattr(item, "fixturenames", ()))
    transactional = bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    if transactional or {"transactional_db", "live_server"} & fixtures:
        return 1
    return 0 if marker or "db" in fixtures else 2


def order(items: list[pytest.Item], durations: dict[str, float]) -> list[pytest.Item]:
    """Return `items` in pytest-django's ranks and, within a rank, modules longest first (stable)."""
    return sorted(items, key=lambda item: (database_rank(item), -durations.get(module_of(item.nodeid), 0.0)))


class Recorder:
    """Sum the durations of each module's test phases and keep them for the next run."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.durations: dict[str, float] = defaultdict(float)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.durations[module_of(report.nodeid)] += report.duration

    def pytest_sessionfinish(self) -> None:
        if self.config.cache is not None and self.durations:
            kept = dict(self.config.cache.get(CACHE_KEY, {}))
            kept.update(self.durations)
            self.config.cache.set(CACHE_KEY, kept)


def configure(config: pytest.Config) -> None:
    """Record durations in the process that sees every report (the xdist controller, or the only one)."""
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(Recorder(config), "clarion-longest-first")


def reorder(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.cache is not None:
        items[:] = order(items, config.cache.get(CACHE_KEY, {}))
