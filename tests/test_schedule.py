"""Periodic jobs run at start and then at their interval, without cron."""

from __future__ import annotations

from clarion import schedule
from clarion.intake.tasks import sweep_orphan_blobs_task
from clarion.publishing.tasks import publish_scheduled_posts


def test_the_orphan_sweep_is_registered_to_run_at_start_and_hourly():
    job = schedule.JOBS[sweep_orphan_blobs_task.module_path]

    assert job.every == 3600


def test_jobs_are_enqueued_at_start_and_again_only_when_due(monkeypatch):
    monkeypatch.setattr(schedule, "JOBS", {})
    enqueued: list[str] = []
    schedule.register(sweep_orphan_blobs_task, every=60)

    def run(now: float) -> None:
        schedule.enqueue_due(now=now, enqueue=lambda task: enqueued.append(task.name))

    run(1000.0)
    run(1030.0)
    run(1060.0)

    assert enqueued == ["sweep_orphan_blobs_task", "sweep_orphan_blobs_task"]


def test_scheduled_posts_are_published_by_a_job_that_runs_every_minute():
    assert schedule.JOBS[publish_scheduled_posts.module_path].every == 60
