"""Background jobs of the web plumbing."""

from __future__ import annotations

from django_tasks import task

from clarion.web import throttle


@task()
def delete_expired_counts_task() -> int:
    """Delete throttle counts whose time is over (docs/design.md, property 3: expired counts are deleted)."""
    return throttle.delete_expired()
