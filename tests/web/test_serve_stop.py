"""`python -m clarion serve` stops within 5 seconds on Ctrl-C or SIGTERM, and never acknowledges a tip it did not keep.

The newcomer trial waited 30–40 s for a gunicorn worker that held a slow upload. An operator
(or systemd) waits a few seconds at most before killing: what is acknowledged must be stored.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.support.live import REPO, LiveServer, SourceClient, receipt_from, slow_upload

STOP_LIMIT_SECONDS = 5.0


def group_processes(group: int) -> list[int]:
    """Return the live (not zombie) processes of a process group."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, _parent, process_group = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:3]
        except OSError:
            continue
        if int(process_group) == group and state != "Z":
            found.append(int(entry.name))
    return found


def stop_and_time(server: LiveServer, signum: int) -> float:
    """Send `signum` to the server's whole process group, as a terminal or systemd does; return when all exited."""
    assert server.process is not None
    group = server.process.pid
    assert len(group_processes(group)) >= 3, "serve, gunicorn and the worker should be running"
    started = time.monotonic()
    os.killpg(group, signum)
    while group_processes(group) and time.monotonic() - started < 60:
        server.process.poll()  # reap serve itself
        time.sleep(0.02)
    return time.monotonic() - started


def safety_answers(client: SourceClient, what: str) -> dict[str, str]:
    _, html = client.get("/tip/send/safety/")
    fields = client.question_fields(html)
    return {
        fields["How urgent is the danger?"]: "Within weeks",
        fields["Which equipment, site or process?"]: "Press 4",
        fields["What is unsafe?"]: what,
    }


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_every_process_exits_within_5_seconds_even_with_slow_uploads_in_flight(clarion_server, signum):
    # Given sources whose uploads are half sent (a slow Tor circuit holds a worker thread each)
    client = SourceClient(clarion_server)
    answers = safety_answers(client, "a slow upload")
    uploads = [
        slow_upload(clarion_server, SourceClient(clarion_server), "/tip/send/safety/", answers, f"big-{n}.bin", 8 << 20)
        for n in range(3)
    ]
    try:
        # When the server is told to stop
        seconds = stop_and_time(clarion_server, signum)

        # Then every process of it has exited within 5 s, and no upload was acknowledged
        assert seconds < STOP_LIMIT_SECONDS, f"{signal.Signals(signum).name}: processes left after {seconds:.1f} s"
        for upload in uploads:
            try:
                response = upload.getresponse()
            except (ConnectionError, OSError, http.client.HTTPException):
                continue  # no answer at all: nothing acknowledged
            assert response.status != 200
    finally:
        for upload in uploads:
            upload.close()
    print(f"\n{signal.Signals(signum).name} with 3 uploads in flight: every process gone after {seconds:.2f} s")


def test_tips_sent_as_the_server_stops_are_either_kept_with_their_receipt_or_never_acknowledged(clarion_server):
    # Given tips being sent from several sources at the moment the server is told to stop
    tips_before = {tip for (tip,) in clarion_server.query("SELECT id FROM intake_tip")}
    outcomes: list[tuple[str, int, str]] = []
    clients = [SourceClient(clarion_server) for _ in range(4)]
    prepared = [(client, safety_answers(client, f"in flight {n}")) for n, client in enumerate(clients)]

    def send(client: SourceClient, answers: dict[str, str]) -> None:
        what = next(iter(value for value in answers.values() if value.startswith("in flight")))
        try:
            status, html = client.post(
                "/tip/send/safety/", answers, files=[("attachments", "evidence.bin", os.urandom(2 << 20))]
            )
        except (ConnectionError, OSError) as error:
            outcomes.append((what, 0, str(error)))
            return
        outcomes.append((what, status, html))

    threads = [threading.Thread(target=send, args=pair) for pair in prepared]
    for thread in threads:
        thread.start()
    time.sleep(0.3)

    # When SIGTERM arrives while they are in flight
    seconds = stop_and_time(clarion_server, signal.SIGTERM)
    for thread in threads:
        thread.join(timeout=60)
    assert seconds < STOP_LIMIT_SECONDS

    # Then, once the server is back, a source whose answer was cut reloads the receipt page
    # (the browser holds the receipt cookie when the tip was sent): every receipt opens its tip
    clarion_server.start()
    receipts: dict[str, str] = {}
    for (what, status, html), client in zip(sorted(outcomes), sorted_clients(outcomes, prepared), strict=True):
        if status != 200:
            status, html = client.get("/tip/receipt/")
        if status == 200 and 'id="receipt"' in html:
            receipts[what] = receipt_from(html)
    for what, receipt in receipts.items():
        status, inbox = SourceClient(clarion_server).post("/tip/login/", {"receipt": receipt})
        assert status == 200
        assert what in inbox
    # And no tip was stored half, nor stored without its source being able to get its receipt
    every_tip = clarion_server.query(
        "SELECT t.id, COUNT(f.id) FROM intake_tip t LEFT JOIN intake_tipfile f ON f.tip_id = t.id GROUP BY t.id"
    )
    new_tips = [(tip, files) for tip, files in every_tip if tip not in tips_before]
    assert all(files == 1 for _tip, files in new_tips)
    assert len(new_tips) == len(receipts)
    answered = sum(1 for _what, status, _html in outcomes if status == 200)
    print(f"\nstop {seconds:.2f} s; {answered} of 4 answered at once, {len(receipts)} receipts, {len(new_tips)} tips")


def sorted_clients(
    outcomes: list[tuple[str, int, str]], prepared: list[tuple[SourceClient, dict[str, str]]]
) -> list[SourceClient]:
    """Return the clients in the order of their sorted outcomes (each outcome names its tip's text)."""
    by_text = {next(v for v in answers.values() if v.startswith("in flight")): client for client, answers in prepared}
    return [by_text[what] for what, _status, _html in sorted(outcomes)]


@pytest.mark.live_server_process
def test_serve_refuses_to_start_on_a_database_with_unapplied_migrations(tmp_path):
    # Given a data folder whose database lacks this version's last migration
    server = LiveServer(tmp_path)
    try:
        server.manage("migrate", "--noinput")
        server.manage("migrate", "accounts", "0004", "--noinput")

        # When the server is started
        result = subprocess.run(
            [sys.executable, "-m", "clarion", "serve"],
            env=server.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )

        # Then it refuses, names the gap and the command that closes it, and listens on nothing
        assert result.returncode != 0
        assert "accounts.0005_organisation_languages" in result.stderr
        assert "python -m clarion migrate" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        server.close()
