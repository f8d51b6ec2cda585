"""Background jobs of the public site (run by the worker that `python -m clarion serve` starts)."""

from __future__ import annotations

from django_tasks import task

from clarion.publishing.actions import do_publish_due_posts


@task()
def publish_scheduled_posts() -> int:
    """Publish the scheduled posts whose time has come; return how many."""
    return do_publish_due_posts()
