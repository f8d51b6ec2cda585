"""The audit log is append-only and hash-chained; `audit verify` finds the first broken row."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from clarion.audit.log import record
from clarion.audit.models import DETAIL_MAX, AppendOnlyError, AuditEntry, SubjectType
from tests.support.database_template import migrated_sqlite_file


@pytest.fixture
def log(db, reviewer):
    for n in range(5):
        record(actor=reviewer, action="tip.read", detail=f"entry {n}")
    return list(AuditEntry.objects.order_by("seq"))


def verify_output() -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def test_an_untouched_log_verifies(log):
    output = verify_output()

    assert "intact: 5 rows" in output
    assert log[-1].hash in output


def test_editing_a_row_in_the_database_is_caught_at_that_row(log):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET actor_name = 'someone' WHERE seq = 3")

    with pytest.raises(CommandError, match="row 3: was changed"):
        verify_output()


def test_deleting_a_row_in_the_database_is_caught(log):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = 2")

    with pytest.raises(CommandError, match="row 2 is missing"):
        verify_output()


def test_rewriting_a_row_and_its_hash_is_caught_at_the_next_row(log):
    entry = log[1]
    entry.detail = "forged"
    forged = entry.compute_hash()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET detail = 'forged', hash = %s WHERE seq = 2", [forged])

    with pytest.raises(CommandError, match="row 3: does not follow"):
        verify_output()


def test_the_orm_refuses_to_change_or_delete_entries(log):
    with pytest.raises(AppendOnlyError):
        log[0].save()
    with pytest.raises(AppendOnlyError):
        log[0].delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(seq=1).update(detail="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_python_m_clarion_audit_verify_catches_an_edit_in_a_real_database(tmp_path):
    import os
    import sqlite3
    import subprocess
    import sys

    # The embedded default (SQLite in the data folder), whatever database the suite runs on.
    env = {
        **{key: value for key, value in os.environ.items() if key != "DATABASE_URL"},
        "CLARION_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "clarion.settings",
    }

    def clarion(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "clarion", *args], capture_output=True, text=True, env=env)

    # Given a migrated database with three audit entries
    migrated_sqlite_file(tmp_path / "clarion.sqlite3", lambda: clarion("migrate", "-v0").check_returncode())
    script = "from clarion.audit.log import record\nfor n in range(3): record(actor=None, action='test')"
    assert clarion("shell", "-c", script).returncode == 0
    intact = clarion("audit", "verify")
    assert intact.returncode == 0 and "intact: 3 rows" in intact.stdout

    # When a row is edited with the database's own tool
    with sqlite3.connect(tmp_path / "clarion.sqlite3") as db:
        db.execute("UPDATE audit_auditentry SET action = 'nothing' WHERE seq = 2")

    # Then verify fails and names the row
    broken = clarion("audit", "verify")
    assert broken.returncode != 0
    assert "row 2" in broken.stderr


def test_an_entry_names_its_subject_by_type_and_id(reviewer):
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="night shift")

    about_person = record(actor=reviewer, action="role.granted", subject=reviewer, detail="reviewer")
    about_group = record(actor=reviewer, action="group.created", subject=group)
    about_settings = record(actor=reviewer, action="publishing.settings", subject=(SubjectType.SETTINGS, "publishing"))
    about_nothing = record(actor=None, action="test")

    assert (about_person.subject_type, about_person.subject_id) == ("person", str(reviewer.pk))
    assert (about_group.subject_type, about_group.subject_id) == ("group", str(group.pk))
    assert (about_settings.subject_type, about_settings.subject_id) == ("settings", "publishing")
    assert (about_nothing.subject_type, about_nothing.subject_id) == ("", "")
    assert list(AuditEntry.objects.about(reviewer)) == [about_person]
    assert verify_output().startswith("Audit log intact: 4 rows")


def test_a_subject_the_log_has_no_type_for_is_refused_and_nothing_is_written(reviewer):
    from django.contrib.auth.models import Group, Permission

    with pytest.raises(ValueError, match="No audit subject type 'permission'"):
        record(actor=reviewer, action="test", subject=Permission.objects.first())
    with pytest.raises(ValueError, match="No audit subject type 'planet'"):
        record(actor=reviewer, action="test", subject=("planet", "mars"))
    with pytest.raises(ValueError, match="unsaved"):
        record(actor=reviewer, action="test", subject=Group(name="not saved"))

    assert not AuditEntry.objects.exists()


def test_a_long_detail_is_cut_to_fit_and_still_verifies(reviewer):
    entry = record(actor=reviewer, action="group.changed", detail="+perm " * 100)

    assert len(entry.detail) == DETAIL_MAX and entry.detail.endswith("…")
    assert "intact: 1 rows" in verify_output()
