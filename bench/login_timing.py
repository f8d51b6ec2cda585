"""Time receipt logins: a receipt one word off a real one versus a random valid receipt.

`python -m bench.login_timing` sends a tip to get a real receipt, then posts N logins of each
kind, interleaved, to the real server and prints their mean times. docs/design.md asks that a
wrong receipt and an unknown one take about the same time, so that timing tells an attacker
nothing about how close a guess came. A correct login is timed too, for reference.

Every failed login counts against the client address (a keyed hash in memory); after five,
the server makes the address wait. Loopback answers on all of 127.0.0.0/8, so each address
here sends at most four attempts, and the throttle never answers in place of a derivation.
"""

from __future__ import annotations

import argparse
import http.client
import random
import secrets
import time
import urllib.parse
from collections.abc import Iterator

from bench.server import (
    LOGIN_FORM,
    SAFETY_ANSWERS,
    csrf_token,
    figure,
    heading,
    mean_sd,
    note,
    running_server,
)
from clarion.vault import WORDLIST, generate_receipt
from tests.support.live import LiveServer, SourceClient, receipt_from

ATTEMPTS_PER_ADDRESS = 4  # the throttle lets five failures through; stay below
NO_MATCH = b"No tip matches this receipt"


def one_word_off(receipt: str) -> str:
    """Return `receipt` with one word, at a random position, replaced by another list word."""
    words = receipt.split()
    position = secrets.randbelow(len(words))
    words[position] = secrets.choice([w for w in WORDLIST if w != words[position]])
    return " ".join(words)


def _addresses() -> Iterator[str]:
    for third in range(0, 256):
        for fourth in range(2, 255):
            for _ in range(ATTEMPTS_PER_ADDRESS):
                yield f"127.0.{third}.{fourth}"


class LoginTimer:
    """Post receipts to the login form, each from a loopback address with throttle budget left."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        client = SourceClient(server)
        _, html = client.get(LOGIN_FORM)
        self.token = csrf_token(html)
        self.cookie = client.cookie_header()
        self.addresses = _addresses()

    def attempt(self, receipt: str) -> tuple[float, int, bytes]:
        """Post one receipt; return (seconds from request to full response, status, body)."""
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.token, "receipt": receipt}).encode()
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.server.port, timeout=60, source_address=(next(self.addresses), 0)
        )
        conn.connect()  # not timed: only the server's handling of the login is
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie}
        started = time.perf_counter()
        conn.request("POST", LOGIN_FORM, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        seconds = time.perf_counter() - started
        conn.close()
        return seconds, response.status, data


def real_receipt(server: LiveServer) -> str:
    client = SourceClient(server)
    _, html = client.get("/tip/send/safety/")
    names = client.question_fields(html)
    status, page = client.post("/tip/send/safety/", {names[label]: value for label, value in SAFETY_ANSWERS.items()})
    if status != 200:
        raise RuntimeError(f"could not send the tip whose receipt is needed: HTTP {status}")
    return receipt_from(page)


def run(n: int = 30, server: LiveServer | None = None) -> tuple[float, float]:
    """Print the mean login times; return (wrong mean, unknown mean) in seconds."""
    if server is None:
        with running_server() as started:
            return run(n, started)
    heading(f"Receipt login timing through the real server ({n} of each kind, interleaved)")
    receipt = real_receipt(server)
    timer = LoginTimer(server)
    kinds = {"wrong": lambda: one_word_off(receipt), "unknown": lambda: str(generate_receipt())}
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    anomalies: list[str] = []
    for i in range(n + 4):  # the first four rounds warm both gunicorn workers up; not counted
        order = list(kinds)
        random.shuffle(order)
        for kind in order:
            seconds, status, body = timer.attempt(kinds[kind]())
            if status != 400 or NO_MATCH not in body:
                anomalies.append(f"{kind}: HTTP {status}")
            elif i >= 4:
                times[kind].append(seconds)
    right = []
    for _ in range(5):
        seconds, status, _ = timer.attempt(receipt)
        if status == 302:
            right.append(seconds)
        else:
            anomalies.append(f"right receipt: HTTP {status}")

    wrong_mean, wrong_sd = mean_sd(times["wrong"])
    unknown_mean, unknown_sd = mean_sd(times["unknown"])
    difference = wrong_mean - unknown_mean
    standard_error = (wrong_sd**2 / max(1, len(times["wrong"])) + unknown_sd**2 / max(1, len(times["unknown"]))) ** 0.5
    figure("receipt one word off a real one: mean login time", f"{wrong_mean * 1000:.1f} ms (sd {wrong_sd * 1000:.1f})")
    figure(
        "random valid receipt (unknown): mean login time", f"{unknown_mean * 1000:.1f} ms (sd {unknown_sd * 1000:.1f})"
    )
    figure(
        "difference, wrong - unknown",
        f"{difference * 1000:+.1f} ms",
        f"about the same time (standard error of the difference {standard_error * 1000:.1f} ms)",
    )
    if right:
        figure("right receipt (reference, redirect to inbox): mean", f"{mean_sd(right)[0] * 1000:.1f} ms")
    if anomalies:
        note(f"  unexpected answers ({len(anomalies)}): {', '.join(anomalies[:5])}")
    return wrong_mean, unknown_mean


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.login_timing", description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="logins of each kind (default 30)")
    args = parser.parse_args(argv)
    run(args.n)


if __name__ == "__main__":
    main()
