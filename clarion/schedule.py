"""Periodic background jobs, run without cron: `python -m clarion serve` enqueues them when due.

Apps register their jobs in `AppConfig.ready()`; the serve loop calls `enqueue_due()` every
few seconds. Each job runs once at start (after a crash, the orphan sweep should not wait
an hour) and then every `every` seconds. Jobs must be idempotent: with several hosts each
serve process enqueues its own copy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class PeriodicJob:
    task: Any  # a django_tasks Task
    every: float
    next_run: float = field(default=0.0)


JOBS: dict[str, PeriodicJob] = {}


def register(task: Any, *, every: float) -> None:
    """Run `task` (no arguments) every `every` seconds, first at start."""
    JOBS[task.module_path] = PeriodicJob(task=task, every=every)


def enqueue_due(now: float | None = None, enqueue: Callable[[Any], object] | None = None) -> list[str]:
    """Enqueue every job whose time has come; return their names."""
    now = time.monotonic() if now is None else now
    started = []
    for name, job in JOBS.items():
        if now >= job.next_run:
            (enqueue or (lambda task: task.enqueue()))(job.task)
            job.next_run = now + job.every
            started.append(name)
    return started
