"""Background jobs of the intake."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from clarion.intake.sweep import sweep_orphan_blobs, sweep_sent_forms


@task()
def sweep_orphan_blobs_task() -> int:
    """Remove blobs that no committed tip references (left by a crash or a refused upload)."""
    return len(sweep_orphan_blobs(older_than_seconds=settings.CLARION_SWEEP_GRACE_SECONDS))


@task()
def sweep_sent_forms_task() -> int:
    """Wipe receipts never picked up and forget expired sent forms; return how many rows changed."""
    return sum(sweep_sent_forms())
