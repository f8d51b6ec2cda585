"""The migration that records how each key wrap came about marks existing wraps from the audit log."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("intake", "0005_keywrap_reader_index"), ("casework", "0004_retention"), ("accounts", "0004_offline_key")]


def migrate(targets):  # noqa: ANN001, ANN201
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_reviewer_wraps_become_channel_wraps_unless_the_audit_log_shows_a_share():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        # Given wraps made before `via` existed: rita's from the channel, otto's shared with him
        # after an admin reset (he also keeps the channel's wrap to his old key)
        apps = migrate(BEFORE)
        User = apps.get_model("auth", "User")
        rita, otto = User.objects.create(username="rita"), User.objects.create(username="otto")
        apps.get_model("accounts", "KeyCustody").objects.create(
            user=otto, public_key="age1ottonew", password_salt=b"s", identity_under_password=b"x"
        )
        channel = apps.get_model("intake", "Channel").objects.create(name="Safety", slug="safety", description="")
        now = timezone.now()
        tip = apps.get_model("intake", "Tip").objects.create(
            id=uuid.uuid4(), channel=channel, received_at=now, last_activity_at=now, lookup_id="l", answers=b""
        )
        KeyWrap = apps.get_model("intake", "KeyWrap")
        for holder, user, recipient in [
            ("source", None, "age1source"),
            ("organisation", None, "age1offline"),
            ("reviewer", rita, "age1rita"),
            ("reviewer", otto, "age1ottoold"),
            ("reviewer", otto, "age1ottonew"),
        ]:
            KeyWrap.objects.create(tip=tip, holder=holder, user=user, recipient=recipient, wrapped=b"w")
        apps.get_model("casework", "AuditEntry").objects.create(
            seq=1, at=now, action="tip.shared", tip_id=tip.pk, detail=f"with user {otto.pk}", prev_hash="0", hash="1"
        )

        # When the migrations run
        apps = migrate(latest)

        # Then each wrap says how it came about
        via = dict(apps.get_model("intake", "KeyWrap").objects.values_list("recipient", "via"))
        assert via == {
            "age1source": "",
            "age1offline": "",
            "age1rita": "channel",
            "age1ottoold": "channel",
            "age1ottonew": "share",
        }
        # And the migrations run backwards and forwards again
        migrate(BEFORE)
        apps = migrate(latest)
        assert apps.get_model("intake", "KeyWrap").objects.get(recipient="age1ottonew").via == "share"
    finally:
        migrate(latest)
