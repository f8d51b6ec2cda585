"""A reviewer's casework through the staff pages: triage, status, closure; and what the database holds."""

from __future__ import annotations

from django.db import connection

from clarion.casework.models import CaseFile, Closure, Status

TRIAGE = {
    "triage_category": "Health and safety",
    "triage_in_scope": "yes",
    "triage_priority": "high",
    "triage_outcome": "investigate",
    "triage_reasons": "Named equipment, recent dates.",
}
PROPOSAL = {"closure_status": "", "findings": "Brakes confirmed faulty.", "actions_taken": "Forklift withdrawn."}


def status(slug: str) -> int:
    return Status.objects.get(slug=slug).pk


def case_post(client, sent, **fields):  # noqa: ANN001, ANN003, ANN201
    """Post the case form of a sent tip with its current status and assignee, and `fields`."""
    case = CaseFile.objects.get(pk=sent.tip.pk)
    data = {"status": case.status_id, "assignee": case.assignee_id or ""}
    data.update(fields)
    return client.post(f"{sent.url}case/", data)


def propose(client, sent, **fields):  # noqa: ANN001, ANN003, ANN201
    data = {**PROPOSAL, "closure_status": status("closed"), **fields}
    return client.post(f"{sent.url}closure/propose/", data)


def pending(sent) -> Closure:  # noqa: ANN001
    return Closure.objects.get(case_id=sent.tip.pk, approved_at__isnull=True, withdrawn_at__isnull=True)


def close_tip(proposer_client, approver_client, sent, **fields) -> None:  # noqa: ANN001, ANN003
    """Close a triaged tip the only way there is: one reader proposes, another approves."""
    assert propose(proposer_client, sent, **fields).status_code == 302
    assert approver_client.post(f"{sent.url}closure/{pending(sent).pk}/approve/").status_code == 302


def every_stored_value() -> list[bytes]:
    """Return every value of every table, as bytes."""
    values: list[bytes] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from introspection
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        values.append(bytes(value))
                    elif value is not None:
                        values.append(str(value).encode())
    return values
