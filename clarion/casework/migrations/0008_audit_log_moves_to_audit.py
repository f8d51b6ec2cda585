"""The audit log moves to its own app, `clarion.audit`, with a subject instead of a tip id.

Every row is copied as it is, in hash format 1: a row that named a tip gets the subject
("tip", its id), and its hash, which covered `tip_id`, still verifies, since format-1 rows are
checked the old way (`clarion.audit.models.AuditEntry.canonical`). Nothing is rehashed, so an
old row edited before or after the move still breaks the chain.

The content type moves along, so the admin's permissions on the log keep their holders and no
stale "casework | audit entry" is left in the permission lists.

Backwards, the rows go back to casework's table, but only while every row is one the old code
can verify: a row written after the move (format 2) or naming a subject other than a tip would
read as tampered there, so the migration refuses rather than break the chain.
"""

import uuid

from django.db import migrations
from django.db.migrations.exceptions import IrreversibleError

BATCH = 2000
LEGACY = 1  # clarion.audit.models.HashFormat.TIP_ID


def copy_to_audit_app(apps, schema_editor):
    old_entries = apps.get_model("casework", "AuditEntry").objects.order_by("seq")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    batch = []
    for row in old_entries.iterator(chunk_size=BATCH):
        batch.append(
            AuditEntry(
                seq=row.seq,
                at=row.at,
                actor_id=row.actor_id,
                actor_name=row.actor_name,
                action=row.action,
                subject_type="tip" if row.tip_id else "",
                subject_id=str(row.tip_id) if row.tip_id else "",
                detail=row.detail,
                format=LEGACY,
                prev_hash=row.prev_hash,
                hash=row.hash,
            )
        )
        if len(batch) == BATCH:
            AuditEntry.objects.bulk_create(batch)
            batch = []
    AuditEntry.objects.bulk_create(batch)


def _tip_id(row) -> uuid.UUID | None:
    """Return the tip id the old table holds for `row`; refuse what it cannot hold as it is."""
    if row.format != LEGACY:
        raise IrreversibleError(
            f"Audit entry {row.seq} was written after the audit log moved (hash format {row.format}): the "
            "older code could not verify it. Export the log before going back, and go back to a copy."
        )
    if (row.subject_type, row.subject_id) == ("", ""):
        return None
    try:
        if row.subject_type != "tip":
            raise ValueError(row.subject_type)
        return uuid.UUID(row.subject_id)
    except ValueError:
        raise IrreversibleError(
            f"Audit entry {row.seq} names a subject the older table cannot hold: it was edited after the move."
        ) from None


def copy_back_to_casework(apps, schema_editor):
    entries = apps.get_model("audit", "AuditEntry").objects
    OldEntry = apps.get_model("casework", "AuditEntry")
    batch = []
    for row in entries.order_by("seq").iterator(chunk_size=BATCH):
        batch.append(
            OldEntry(
                seq=row.seq,
                at=row.at,
                actor_id=row.actor_id,
                actor_name=row.actor_name,
                action=row.action,
                tip_id=_tip_id(row),
                detail=row.detail,
                prev_hash=row.prev_hash,
                hash=row.hash,
            )
        )
        if len(batch) == BATCH:
            OldEntry.objects.bulk_create(batch)
            batch = []
    OldEntry.objects.bulk_create(batch)
    entries.all().delete()  # the historical model has no append-only guard


def _move_content_type(apps, source: str, target: str) -> None:
    content_types = apps.get_model("contenttypes", "ContentType").objects
    if not content_types.filter(app_label=target, model="auditentry").exists():
        content_types.filter(app_label=source, model="auditentry").update(app_label=target)


def content_type_to_audit(apps, schema_editor):
    _move_content_type(apps, "casework", "audit")


def content_type_to_casework(apps, schema_editor):
    _move_content_type(apps, "audit", "casework")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("casework", "0007_case_files_for_every_tip"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(copy_to_audit_app, copy_back_to_casework),
        migrations.RunPython(content_type_to_audit, content_type_to_casework),
        migrations.DeleteModel(name="AuditEntry"),
    ]
