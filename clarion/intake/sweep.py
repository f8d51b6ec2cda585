"""Remove what no tip needs any more: orphan blobs (docs/design.md, property 6) and old sent forms."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from clarion.intake.actions import blob_store
from clarion.intake.form_tokens import FORM_TOKEN_SECONDS, RECEIPT_PICKUP_SECONDS
from clarion.intake.models import SentForm, TipFile


def sweep_orphan_blobs(*, older_than_seconds: float) -> list[str]:
    """Delete (overwriting) blobs and stalled uploads older than the grace period that no tip references.

    The grace period protects uploads in flight: their blob is committed a moment before the
    tip row that references it.
    """
    store = blob_store()
    referenced = set(TipFile.objects.values_list("blob", flat=True))
    return store.sweep(keep=referenced, older_than_seconds=older_than_seconds)


def sweep_sent_forms(*, now: datetime | None = None) -> tuple[int, int]:
    """Wipe receipts never picked up, and forget sent forms whose token has expired.

    A form's row must outlive its token, or the same form posted again would make a second
    tip: tokens are made before the form is sent, so a row older than a token's lifetime
    belongs to an expired token. Return how many receipts were wiped and rows deleted.
    """
    now = now or timezone.now()
    unpicked = SentForm.objects.filter(sent_at__lt=now - timedelta(seconds=RECEIPT_PICKUP_SECONDS))
    wiped = unpicked.exclude(sealed_receipt="").update(sealed_receipt="")
    deleted, _ = SentForm.objects.filter(sent_at__lt=now - timedelta(seconds=FORM_TOKEN_SECONDS)).delete()
    return wiped, deleted
