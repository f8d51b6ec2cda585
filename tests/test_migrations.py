"""Every migration of Clarion's apps runs backwards and forwards again on this database."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

APPS = ["publishing", "casework", "intake", "accounts", "audit", "web"]


@pytest.mark.django_db(transaction=True)
def test_clarion_migrations_reverse_to_zero_and_apply_again():
    applied = {(m.app, m.name) for m in MigrationRecorder.Migration.objects.filter(app__in=APPS)}

    for app in APPS:
        call_command("migrate", app, "zero", verbosity=0)
    assert not MigrationRecorder.Migration.objects.filter(app__in=APPS).exists()
    assert "publishing_post" not in connection.introspection.table_names()

    call_command("migrate", verbosity=0)
    assert {(m.app, m.name) for m in MigrationRecorder.Migration.objects.filter(app__in=APPS)} == applied
