"""No single reader closes a tip, even with many requests at once, on the real server (property 10).

The server runs as `make run` starts it (several gunicorn workers, SQLite or PostgreSQL): two
readers proposing at the same moment leave one proposal waiting; a proposer hammering
"approve" on their own proposal never closes the tip; an approval and a withdrawal sent
together decide the proposal once.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.live import LiveServer, SourceClient
from tests.support.staff import StaffClient, invitation_code, receive_every_channel
from tests.support.traces import form_fields

TRIAGE = {
    "triage_category": "Health and safety",
    "triage_in_scope": "yes",
    "triage_priority": "high",
    "triage_outcome": "investigate",
    "triage_reasons": "Named equipment.",
}


def at_once(*calls):  # noqa: ANN002, ANN201
    """Run every call on its own thread, all started together; return their results in order."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result() for future in futures]


@pytest.mark.live_server_process
def test_concurrent_proposals_approvals_and_withdrawals_never_let_one_reader_close_a_tip(
    clarion_server: LiveServer,
) -> None:
    server = clarion_server
    # Given three reviewers, enrolled through the real pages, receiving every channel
    readers: dict[str, StaffClient] = {}
    for name in ("rosa", "sam", "tom"):
        readers[name] = StaffClient(server)
        readers[name].enrol(invitation_code(server, "reviewer"), name)
        receive_every_channel(server, name)
    # And a tip sent by a source, triaged by one of them
    source = SourceClient(server)
    fields = form_fields(source, "safety")
    status, html = source.post(
        "/tip/send/safety/",
        {
            fields["How urgent is the danger?"]: "Within weeks",
            fields["Which equipment, site or process?"]: "Boiler room",
            fields["What is unsafe?"]: "The valve is bypassed.",
        },
    )
    assert status == 200, html
    for name, client in readers.items():
        inbox = client.log_in(name)
    (tip,) = re.findall(r'href="(/staff/cases/[0-9a-f-]{36}/)"', inbox)
    in_review = server.query("SELECT id FROM casework_status WHERE slug = 'in-review'")[0][0]
    status, html = readers["rosa"].post(f"{tip}case/", {"status": str(in_review), **TRIAGE}, form_page=tip)
    assert status == 200 and "Propose to close the tip" in html, html[:3000]
    closed = str(server.query("SELECT id FROM casework_status WHERE slug = 'closed'")[0][0])

    # When two readers propose to close it at the same moment, several times each
    def propose(name: str):  # noqa: ANN202
        fields = {"closure_status": closed, "findings": f"Findings of {name}.", "actions_taken": "Fixed."}
        return lambda: readers[name].post(f"{tip}closure/propose/", fields, form_page=tip)

    at_once(*(propose(name) for name in ("rosa", "sam") * 4))

    # Then exactly one proposal waits
    waiting = server.query(
        "SELECT c.id, u.username FROM casework_closure c JOIN auth_user u ON u.id = c.proposed_by_id "
        "WHERE c.approved_at IS NULL AND c.withdrawn_at IS NULL"
    )
    assert len(waiting) == 1, waiting
    closure_id, proposer = waiting[0]
    other, third = [name for name in readers if name != proposer]

    # When the proposer hammers "approve" while another reader approves and a third withdraws
    def post(name: str, verb: str):  # noqa: ANN202
        return lambda: readers[name].post(f"{tip}closure/{closure_id}/{verb}/", {}, form_page=tip)

    results = at_once(*(post(proposer, "approve") for _ in range(6)), post(other, "approve"), post(third, "withdraw"))

    # Then the proposer's approvals were all refused, and the proposal was decided exactly once
    assert all(status == 400 for status, _ in results[:6]), [status for status, _ in results]
    ((approved_by, withdrawn_by),) = server.query(
        f"SELECT approved_by_id, withdrawn_by_id FROM casework_closure WHERE id = {int(closure_id)}"  # noqa: S608
    )
    ids = dict(server.query("SELECT username, id FROM auth_user"))
    assert (approved_by, withdrawn_by) in [(ids[other], None), (None, ids[third])]
    status_now = server.query("SELECT s.slug FROM casework_casefile c JOIN casework_status s ON s.id = c.status_id")
    assert status_now == ([("closed",)] if approved_by else [("in-review",)])
    assert not server.query("SELECT 1 FROM casework_closure WHERE approved_by_id = proposed_by_id")
