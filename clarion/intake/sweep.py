"""Remove encrypted blobs that no committed tip references (DESIGN property 6: no orphan lives forever)."""

from __future__ import annotations

from clarion.intake.actions import blob_store
from clarion.intake.models import TipFile


def sweep_orphan_blobs(*, older_than_seconds: float) -> list[str]:
    """Delete (overwriting) blobs and stalled uploads older than the grace period that no tip references.

    The grace period protects uploads in flight: their blob is committed a moment before the
    tip row that references it.
    """
    store = blob_store()
    referenced = set(TipFile.objects.values_list("blob", flat=True))
    return store.sweep(keep=referenced, older_than_seconds=older_than_seconds)
