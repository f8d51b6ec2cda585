"""Brute-force limits hold on the real server with its default workers (M3, ASVS 6.3.1).

The review found that the counters lived in each gunicorn worker's own memory, were updated
with a get and a set that parallel requests overtook, and shared a 300-entry cache with the
public pages, so that a flood of public URLs wiped them. These tests repeat its
reproductions against `python -m clarion serve` (3 workers): "evaluated" is read from the
answers, 400 for a wrong guess that was checked and 429 for one the throttle refused.
"""

from __future__ import annotations

import http.client
import itertools
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from clarion import vault
from tests.support.live import LiveServer, SourceClient, clear_of_key_rotation, running

pytestmark = pytest.mark.live_server_process

ATTEMPTS = 30
MOST_EVALUATED = 6  # five free failures, and at most one more after the first wait of 5 s
FLOOD_REQUESTS = 2000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """One real server for the module: each test uses its own account or client addresses."""
    with running(LiveServer(tmp_path_factory.mktemp("throttle-live"))) as server:
        yield server


@pytest.fixture(autouse=True)
def _one_key_throughout() -> None:
    """Each test fills counters and checks them within two minutes: none may span a key rotation."""
    clear_of_key_rotation(120)


def wrong_password(server: LiveServer, address: str, username: str = "reviewer") -> int:
    """Post a wrong password for `username` from `address` on a fresh connection; return the status."""
    client = SourceClient(server, source_address=address)
    status, _ = client.post("/staff/login/", {"username": username, "password": "not the password at all"})
    return status


def wrong_receipt(server: LiveServer, address: str) -> int:
    client = SourceClient(server, source_address=address)
    status, _ = client.post("/tip/login/", {"receipt": str(vault.generate_receipt())})
    return status


def distinct_public_urls(count: int) -> list[str]:
    """Return `count` different public addresses: month archives, pages of lists, tags, categories."""
    months = (f"/archive/{year}/{month}/" for year in itertools.count(1900) for month in range(1, 13))
    pages = (f"/reports/?page={n}" for n in itertools.count(2))
    slugs = (f"/{kind}/flood-{n}/" for n in itertools.count() for kind in ("tag", "category"))
    mixed = (url for trio in zip(months, months, months, months, pages, slugs, strict=False) for url in trio)
    return list(itertools.islice(mixed, count))


def flood(server: LiveServer, urls: list[str], threads: int = 8) -> Counter:
    """GET every URL anonymously over keep-alive connections; return the count of each status."""
    statuses: Counter = Counter()
    lock = threading.Lock()

    def run(share: list[str]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        try:
            for url in share:
                conn.request("GET", url)
                response = conn.getresponse()
                response.read()
                if response.will_close:
                    conn.close()
                with lock:
                    statuses[response.status] += 1
        finally:
            conn.close()

    shares = [urls[i::threads] for i in range(threads)]
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, shares))
    return statuses


def test_wrong_passwords_for_one_account_from_many_addresses_are_evaluated_at_most_six_times(server):
    # Given an attacker who sends 30 wrong passwords for one staff account, one at a time,
    # each from another address and on a fresh connection (so each may reach another worker)
    statuses = Counter(wrong_password(server, f"127.61.1.{n}") for n in range(1, ATTEMPTS + 1))

    # Then at most six were checked; the rest were refused with the wait message
    assert statuses[400] <= MOST_EVALUATED, statuses
    assert statuses[400] + statuses[429] == ATTEMPTS, statuses


def test_parallel_receipt_guesses_from_one_address_are_evaluated_at_most_six_times(server):
    with ThreadPoolExecutor(15) as pool:
        statuses = Counter(pool.map(lambda _: wrong_receipt(server, "127.61.2.1"), range(ATTEMPTS)))

    assert statuses[400] <= MOST_EVALUATED, statuses
    assert statuses[400] + statuses[429] == ATTEMPTS, statuses


def test_a_flood_of_distinct_public_pages_resets_no_counter(server):
    # Given both counters full: an account's and an address's
    for n in range(1, 11):
        wrong_password(server, f"127.61.3.{n}", username="flooded-account")
    for _ in range(10):
        wrong_receipt(server, "127.61.4.1")

    # When 2,000 different public pages are asked for
    statuses = flood(server, distinct_public_urls(FLOOD_REQUESTS))
    assert sum(statuses.values()) == FLOOD_REQUESTS
    assert not statuses.keys() - {200, 404}, statuses

    # Then the counters still hold: a quick burst gets at most the one attempt whose wait ran out
    passwords = Counter(wrong_password(server, f"127.61.5.{n}", username="flooded-account") for n in range(1, 10))
    receipts = Counter(wrong_receipt(server, "127.61.4.1") for _ in range(9))
    assert passwords[400] <= 1, passwords
    assert receipts[400] <= 1, receipts
