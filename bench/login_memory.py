"""Measure what 16 parallel staff logins add to the server's memory (security review M4).

`python -m bench.login_memory` starts the real server (production settings: Django's Argon2id
at 100 MiB per password hash, 3 gunicorn workers) and sends 16 staff logins at once, each
from its own loopback address and for its own unknown user name, so that no throttle refuses
any of them: every one runs a password hash (Django hashes even for unknown names). It
samples the resident memory of every server process (gunicorn master and workers, the task
worker, the supervisor) throughout, and prints the rise of their sum above the idle baseline.

The hashes run in at most CLARION_HASHING_SLOTS at once across the workers (flock slots in
the data folder: clarion/web/hashing.py). For comparison the same burst runs with 16 slots,
which is as good as no bound: what the review measured (+1.4 GB).

Goal: 16 parallel logins add less than 300 MB (MB = 10^6 bytes) to the server's total RSS.
"""

from __future__ import annotations

import argparse
import threading
import time
import urllib.parse
from collections import Counter

from bench.server import (
    MIB,
    TreeSampler,
    csrf_token,
    figure,
    heading,
    mib,
    note,
    running_server,
)
from tests.support.live import LiveServer, SourceClient

GOAL_BYTES = 300 * 10**6
LOGIN = "/staff/login/"


def _address(burst: int, n: int) -> str:
    return f"127.44.{burst}.{n + 2}"


def attempt(server: LiveServer, address: str, username: str, start: threading.Barrier | None = None) -> int:
    """Post one wrong staff login from `address`; return the status (400 = the hash ran)."""
    client = SourceClient(server, source_address=address)
    _, html = client.get(LOGIN)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": csrf_token(html), "username": username, "password": "not the password at all"}
    ).encode()
    conn = client.connection(timeout=120)
    conn.connect()
    if start is not None:
        start.wait()
    conn.request(
        "POST",
        LOGIN,
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": client.cookie_header()},
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def burst(server: LiveServer, parallel: int, round_number: int) -> tuple[Counter, float]:
    """Send `parallel` logins released together; return their statuses and the burst's seconds."""
    statuses: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(parallel + 1)

    def one(n: int) -> None:
        status = attempt(server, _address(round_number, n), f"nobody-{round_number}-{n}", start)
        with lock:
            statuses[status] += 1

    threads = [threading.Thread(target=one, args=(n,)) for n in range(parallel)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return statuses, time.perf_counter() - began


def measure(parallel: int, slots: str | None) -> tuple[int, int, Counter, float]:
    """Start a server, warm it up, run one burst; return (baseline, peak total RSS, statuses, seconds)."""
    env = {"CLARION_HASHING_SLOTS": slots} if slots else None
    with running_server(env=env) as server:
        assert server.process is not None
        # Warm-up: enough logins, one after the other, that every worker has hashed once.
        for n in range(6):
            attempt(server, _address(200, n), f"warm-up-{n}")
        time.sleep(1.0)
        with TreeSampler(server.process.pid, interval=0.02) as idle:
            time.sleep(1.0)
        baseline = idle.peak.total
        with TreeSampler(server.process.pid, interval=0.02) as sampler:
            statuses, seconds = burst(server, parallel, 1)
        return baseline, sampler.peak.total, statuses, seconds


def run(parallel: int = 16) -> bool:
    """Print the figures; return whether the goal was met."""
    heading(f"{parallel} parallel staff logins through the real server (production Argon2id, 3 workers)")
    results = {}
    for label, slots in (("bounded (CLARION_HASHING_SLOTS default)", None), ("16 slots (as good as unbounded)", "16")):
        baseline, peak, statuses, seconds = measure(parallel, slots)
        results[label] = peak - baseline
        figure(f"{label}: idle total RSS", mib(baseline))
        figure(
            f"{label}: added at the peak",
            f"{(peak - baseline) / 10**6:.0f} MB ({mib(peak - baseline)})",
            "< 300 MB" if slots is None else "",
        )
        figure(f"{label}: the burst took", f"{seconds:.1f} s")
        checked = statuses.get(400, 0)
        note(f"  {checked} of {parallel} logins checked (400); answers {dict(sorted(statuses.items()))}")
    bounded = next(iter(results.values()))
    note(f"goal {'met' if bounded < GOAL_BYTES else 'MISSED'}: {bounded / MIB:.0f} MiB added with the bound")
    return bounded < GOAL_BYTES


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.login_memory", description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=16, help="parallel logins (default 16)")
    args = parser.parse_args(argv)
    run(args.n)


if __name__ == "__main__":
    main()
