"""The audit log moved from casework to its own app: old chains still verify, untouched."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from clarion.audit.log import GENESIS, record, verify

BEFORE = [("casework", "0006_closure_two_readers"), ("audit", None)]


def migrate(targets):  # noqa: ANN001, ANN201
    MigrationExecutor(connection).migrate(targets)
    applied = [target for target in targets if target[1] is not None]
    return MigrationExecutor(connection).loader.project_state(applied).apps


def legacy_hash(prev_hash: str, **row: object) -> str:
    """Hash a row exactly as the code before the move did (casework's AuditEntry.compute_hash)."""
    fields = {
        "seq": row["seq"],
        "at": row["at"].isoformat(),
        "actor_id": row["actor_id"],
        "actor_name": row["actor_name"],
        "action": row["action"],
        "tip_id": str(row["tip_id"]) if row["tip_id"] else None,
        "detail": row["detail"],
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical).hexdigest()


def write_old_chain(apps) -> list[dict]:
    """Write three rows the way the old code did: one names a tip, two name none."""
    Entry = apps.get_model("casework", "AuditEntry")
    start = timezone.now().replace(microsecond=123456)
    rows = [
        {"actor_id": None, "actor_name": "", "action": "tip.received", "tip_id": uuid.uuid4(), "detail": "channel 1"},
        {"actor_id": 7, "actor_name": "ada", "action": "account.disable", "tip_id": None, "detail": "rita"},
        {"actor_id": 8, "actor_name": "rita", "action": "post.save", "tip_id": None, "detail": "post 3 revision 2"},
    ]
    previous = GENESIS
    for seq, row in enumerate(rows, start=1):
        row.update(seq=seq, at=start + timedelta(seconds=seq))
        row["hash"] = legacy_hash(previous, **row)
        Entry.objects.create(prev_hash=previous, **row)
        previous = row["hash"]
    return rows


@pytest.mark.django_db(transaction=True)
def test_an_old_chain_verifies_after_the_move_and_goes_back_unchanged():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        # Given a chain written by the code before the move, and a group allowed to view it
        apps = migrate(BEFORE)
        rows = write_old_chain(apps)
        ContentType = apps.get_model("contenttypes", "ContentType")
        ContentType.objects.filter(model="auditentry").delete()
        old_type = ContentType.objects.create(app_label="casework", model="auditentry")
        permission = apps.get_model("auth", "Permission").objects.create(
            content_type=old_type, codename="view_auditentry", name="Can view audit entry"
        )
        apps.get_model("auth", "Group").objects.create(name="auditors").permissions.add(permission)

        # When the migrations run
        apps = migrate(latest)

        # Then every row is kept with its hash, the tip it named became its subject, and it verifies
        moved = list(apps.get_model("audit", "AuditEntry").objects.order_by("seq").values())
        assert [(m["seq"], m["hash"], m["format"]) for m in moved] == [(r["seq"], r["hash"], 1) for r in rows]
        assert (moved[0]["subject_type"], moved[0]["subject_id"]) == ("tip", str(rows[0]["tip_id"]))
        assert (moved[1]["subject_type"], moved[1]["subject_id"]) == ("", "")
        result = verify()
        assert result.broken is None and result.count == 3 and result.head == rows[-1]["hash"]
        # And the permission moved with the model, still held by the group
        allowed = apps.get_model("auth", "Permission").objects.get(pk=permission.pk, group__name="auditors")
        assert allowed.content_type.app_label == "audit"

        # And the migrations run backwards to the very rows the old code wrote
        apps = migrate(BEFORE)
        back = list(apps.get_model("casework", "AuditEntry").objects.order_by("seq").values())
        assert [{key: row[key] for key in rows[0]} for row in back] == rows
        assert [row["prev_hash"] for row in back] == [GENESIS, rows[0]["hash"], rows[1]["hash"]]
        assert apps.get_model("auth", "Permission").objects.get(pk=permission.pk).content_type.app_label == "casework"
    finally:
        migrate(latest)
    # And forwards again
    assert verify().count == 3


@pytest.mark.django_db(transaction=True)
def test_a_new_entry_continues_an_old_chain_and_an_edited_old_row_still_breaks_it():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        rows = write_old_chain(migrate(BEFORE))
        migrate(latest)

        # A new entry, in the new format, follows the old head
        entry = record(actor=None, action="test.after_the_move", subject=("settings", "publishing"))
        assert entry.format == 2 and entry.prev_hash == rows[-1]["hash"]
        assert verify().broken is None and verify().count == 4

        # Going back now would leave a row the old code cannot verify: refused, nothing changed
        with pytest.raises(IrreversibleError, match="Audit entry 4"):
            migrate(BEFORE)
        assert verify().count == 4

        # Editing an old row, or giving it a subject it never had, breaks the chain at that row
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditentry SET subject_type = 'post', subject_id = '3' WHERE seq = 3")
        assert verify().broken.seq == 3
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditentry SET subject_type = '', subject_id = '' WHERE seq = 3")
            cursor.execute("UPDATE audit_auditentry SET detail = 'rita and bob' WHERE seq = 2")
        broken = verify().broken
        assert broken.seq == 2 and "changed" in broken.reason
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry")
        migrate(latest)
