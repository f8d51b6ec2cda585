"""The migration that opens a case file for every tip without one: pages that show a tip only read it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("casework", "0006_closure_two_readers"), ("intake", "0008_channel_daily_byte_budget")]


def migrate(targets):  # noqa: ANN001, ANN201
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_every_tip_without_a_case_file_gets_one_starting_new():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        # Given a tip that never had a case file, and one that has its own
        apps = migrate(BEFORE)
        channel = apps.get_model("intake", "Channel").objects.create(name="Safety", slug="safety", description="")
        received = timezone.now() - timedelta(days=2)
        Tip = apps.get_model("intake", "Tip")
        orphan, kept = (
            Tip.objects.create(
                id=uuid.uuid4(), channel=channel, received_at=received, last_activity_at=received, lookup_id=lookup
            )
            for lookup in ("orphan", "kept")
        )
        # (a transactional test before this one may have emptied the seeded statuses)
        in_review, _ = apps.get_model("casework", "Status").objects.get_or_create(
            slug="in-review", defaults={"name": "In review", "kind": "open"}
        )
        apps.get_model("casework", "CaseFile").objects.create(
            tip=kept, reference="T-KEEP", status=in_review, received_at=received, updated_at=received
        )

        # When the migrations run
        apps = migrate(latest)

        # Then the tip without one has a case file in the 'new' status, its acknowledgement due
        CaseFile = apps.get_model("casework", "CaseFile")
        case = CaseFile.objects.select_related("status").get(pk=orphan.pk)
        assert case.status.kind == "new" and case.reference.startswith("T-") and len(case.reference) == 6
        assert case.received_at == received and case.due_step == "acknowledge"
        assert case.due_at == received + timedelta(days=channel.acknowledge_within_days)
        # And the other keeps its own
        assert CaseFile.objects.get(pk=kept.pk).reference == "T-KEEP"
        # And the migration runs backwards (changing nothing) and forwards again
        migrate(BEFORE)
        apps = migrate(latest)
        assert apps.get_model("casework", "CaseFile").objects.count() == 2
    finally:
        migrate(latest)
