"""Measure small text tips per second through the real server, with three reviewers receiving.

`python -m bench.tips` loads the demo, adds two reviewers with keys to the "Safety and
equipment" channel (three receivers: every tip wraps its keys three times, plus once for
the source), then runs concurrent sources for a fixed time or number of tips. Each source
is a thread with its own cookies and keep-alive connection that loads the form and posts a
few short answers and a message of about 1.5 KB, exactly as a browser without JavaScript
does. The bodies are built once per source, so the load generator stays light on the same
two cores as the server; its own CPU share is printed.

Every tip costs one Argon2id pass (the receipt), whose cost is printed beside the figure.
It runs once per gunicorn worker count (CLARION_WEB_WORKERS) asked for, on the same data.

Goal: at least 30 tips per second.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import threading
import time
from dataclasses import dataclass, field

from bench.server import (
    RECEIPT_MARK,
    SAFETY_FORM,
    Browser,
    CpuWatch,
    add_reviewers,
    answer_fields,
    bench_root,
    cpu_count,
    figure,
    form_fields,
    heading,
    ms,
    new_server,
    note,
    percentile,
    problems_of,
    where,
)
from clarion.vault import DEFAULT_KDF, derive_key_material, generate_receipt
from tests.support.live import LiveServer, multipart_body

TIPS_GOAL = 30
RECEIVERS = 3
MESSAGE = (
    "Since the new shift pattern started, the maintenance checks on the presses in hall B are "
    "signed off without anyone looking at the machines. The light curtain on press 4 has been "
    "bridged with tape since March so that the line runs faster, and two people have already "
    "had near misses with their hands. The supervisor knows: he told us that the audit is only "
    "in the autumn and that the tape comes off the day before. The near misses were not entered "
    "in the accident book; when a colleague asked, she was moved to the night shift the next "
    "week. The same happened on press 2 last year, and there the guard was only restored after "
    "an inspector came by chance. The logbooks for the presses are kept in the foreman's office "
    "and the entries for April and May are all in the same handwriting, on the same day. "
    "Several of us would speak to an inspector, but not if our names are given to management. "
) * 2


@dataclass
class Sample:
    get_s: float
    post_s: float
    ok: bool
    status: int
    error: str = ""


@dataclass
class LoadResult:
    workers: int
    clients: int
    wall: float
    samples: list[Sample] = field(default_factory=list)
    cpu: CpuWatch | None = None

    @property
    def succeeded(self) -> list[Sample]:
        return [s for s in self.samples if s.ok]

    @property
    def tips_per_s(self) -> float:
        return len(self.succeeded) / self.wall if self.wall else 0.0


def argon2_ms(runs: int = 5) -> float:
    """Return the median time of one Argon2id pass at the production cost, as a receipt takes."""
    salt = b"\x00" * 16
    times = []
    for _ in range(runs):
        secret = generate_receipt().encode()
        started = time.perf_counter()
        derive_key_material(secret, salt=salt, params=DEFAULT_KDF, length=64)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


class Source:
    """One source in the load: loads the channel form and sends a tip, again and again."""

    def __init__(self, server: LiveServer) -> None:
        self.browser = Browser(server.port)
        status, html = self.browser.request("GET", SAFETY_FORM)
        if status != 200:
            raise RuntimeError(f"the channel form answered HTTP {status}: {problems_of(html)}")
        self.answers = [*answer_fields(html.decode()), ("message", MESSAGE)]
        self.body, self.content_type = self.form_body(html)

    def form_body(self, html: bytes) -> tuple[bytes, str]:
        """Fill the form page just loaded: each page carries its own one-time token, as in a browser tab."""
        return multipart_body([*form_fields(html), *self.answers], [])

    def send_one(self) -> Sample:
        started = time.perf_counter()
        status, html = self.browser.request("GET", SAFETY_FORM)
        loaded = time.perf_counter()
        if status != 200:
            return Sample(loaded - started, 0.0, False, status, "form did not load")
        self.body, self.content_type = self.form_body(html)
        status, data = self.browser.request("POST", SAFETY_FORM, self.body, self.content_type)
        done = time.perf_counter()
        ok = status == 200 and RECEIPT_MARK in data
        return Sample(loaded - started, done - loaded, ok, status, "" if ok else problems_of(data, 200))


def run_load(server: LiveServer, *, workers: int, clients: int, seconds: float, max_tips: int) -> LoadResult:
    """Run `clients` sources until `seconds` pass or `max_tips` are started; return the samples."""
    assert server.process is not None
    sources = [Source(server) for _ in range(clients)]
    # Warm up every gunicorn thread's templates and database connection; not counted.
    warm = [threading.Thread(target=source.send_one) for source in sources]
    for thread in warm:
        thread.start()
    for thread in warm:
        thread.join()

    tickets = itertools.count()
    result = LoadResult(workers=workers, clients=clients, wall=0.0)
    lock = threading.Lock()
    deadline = 0.0

    def drive(source: Source) -> None:
        mine = []
        while time.perf_counter() < deadline and next(tickets) < max_tips:
            try:
                mine.append(source.send_one())
            except OSError as error:
                mine.append(Sample(0.0, 0.0, False, 0, f"{type(error).__name__}: {error}"))
                source.browser.close()
        with lock:
            result.samples.extend(mine)

    threads = [threading.Thread(target=drive, args=(source,)) for source in sources]
    with CpuWatch(server.process.pid) as cpu:
        started = time.perf_counter()
        deadline = started + seconds
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        result.wall = time.perf_counter() - started
    result.cpu = cpu
    for source in sources:
        source.browser.close()
    return result


def report(result: LoadResult) -> None:
    ok = result.succeeded
    failures = [s for s in result.samples if not s.ok]
    label = f"CLARION_WEB_WORKERS={result.workers}"
    figure(f"{label}: tips per second ({result.clients} sources)", f"{result.tips_per_s:.1f} tips/s", f">= {TIPS_GOAL}")
    posts = [s.post_s for s in ok]
    gets = [s.get_s for s in ok]
    figure(
        f"{label}: tip POST (and receipt GET) latency p50 / p99",
        f"{ms(percentile(posts, 50))} / {ms(percentile(posts, 99))}",
    )
    figure(f"{label}: form GET latency p50 / p99", f"{ms(percentile(gets, 50))} / {ms(percentile(gets, 99))}")
    figure(f"{label}: failures", f"{len(failures)} of {len(result.samples)}", "0")
    for failure in failures[:3]:
        note(f"  failure: HTTP {failure.status} {failure.error}")
    if result.cpu and ok:
        per_tip = result.cpu.server / len(ok)
        figure(
            f"{label}: server CPU per tip (form GET, POST, receipt GET)",
            ms(per_tip),
            f"<= {ms(cpu_count() / TIPS_GOAL)} for {TIPS_GOAL} tips/s on {cpu_count()} cores",
        )
        note(f"  {len(ok)} tips in {result.wall:.1f} s; {result.cpu.summary()}")


def run(
    worker_counts: tuple[int, ...] = (2, 3), clients: int = 8, seconds: float = 20.0, max_tips: int = 600
) -> list[LoadResult]:
    heading(f"Small tips through the real server ({RECEIVERS} reviewers receive each, {cpu_count()} cores)")
    kdf = DEFAULT_KDF
    hash_ms = argon2_ms()
    figure(
        f"Argon2id per tip: t={kdf.time_cost}, m={kdf.memory_cost_kib} KiB, p={kdf.parallelism}",
        f"{hash_ms:.1f} ms/hash",
    )
    note(f"  one pass per tip: at most {1000 / hash_ms * cpu_count():.0f} tips/s on {cpu_count()} cores from it alone")
    results = []
    with bench_root() as root:
        first = new_server(root)
        first.prepare()
        receivers = add_reviewers(first, "safety", RECEIVERS - 1)
        note(f"data folder: {where(first.data_dir)}; receivers with keys on the channel: {receivers}")
        for workers in worker_counts:
            server = new_server(root, workers=workers)
            try:
                server.start()
                result = run_load(server, workers=workers, clients=clients, seconds=seconds, max_tips=max_tips)
            finally:
                server.close()
            report(result)
            results.append(result)
    if len(results) > 1:
        best = max(results, key=lambda r: r.tips_per_s)
        figure("best worker count", f"CLARION_WEB_WORKERS={best.workers}")
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.tips", description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 3], help="gunicorn worker counts to try")
    parser.add_argument("--clients", type=int, default=8, help="concurrent sources (threads)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each run")
    parser.add_argument("--max-tips", type=int, default=600, help="stop each run after this many tips")
    args = parser.parse_args(argv)
    run(tuple(args.workers), args.clients, args.seconds, args.max_tips)


if __name__ == "__main__":
    main()
