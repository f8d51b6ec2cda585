"""Measure the public site under load with `wrk`, alone and while sources send tips.

`python -m bench.public_site` starts the real production-settings server (demo content,
published posts) and drives three pages with `wrk -t2 -c32 --latency`: the constant view
`/health/` as a baseline, the home page `/` and a post `/posts/overtime-unpaid/`. The
baseline answers "ok" through the same gunicorn, middleware and loopback network, so the
ratio of a page's requests per second to it isolates what our page rendering and caching
cost from the cost of the server and network stack. Goal: ratio at least 0.8. Each page is
measured twice and the better run kept (see `workers busy`). A stored page is answered
before the session, auth and CSRF middleware that `/health/` passes through, so a ratio above
1 is expected once pages are cached.

Then the post, and after it the home page, is loaded again for about 20 s while 3 waves of
20 sources submit a tip at once (60 tips per page), each source a fresh session that loads
the demo channel's form and posts it, as `bench.tips` does. A reader spike must not make a
source lose a tip. Goal: no submission fails to reach the receipt page. wrk and the server
share the same cores, so absolute figures are low; the ratios and the failures are what to
read, and each window prints its CPU split, flagging load from other processes. Nothing is
asserted.
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from bench.server import (
    RECEIPT_MARK,
    SAFETY_FORM,
    CpuWatch,
    TreeSampler,
    cpu_count,
    figure,
    heading,
    mib,
    ms,
    note,
    percentile,
    problems_of,
    process_role,
    process_tree,
    running_server,
)
from bench.tips import Source
from clarion.config import VARIABLES
from tests.support.live import LiveServer

BASELINE = "/health/"
HOME = "/"
POST = "/posts/overtime-unpaid/"
RATIO_GOAL = 0.8
_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}  # as wrk prints durations


@dataclass
class WrkResult:
    path: str
    req_per_s: float = 0.0
    latency: dict[int, float] = field(default_factory=dict)  # percentile -> seconds
    non_2xx: int = 0
    socket_errors: str = "none"
    requests: int = 0
    server_cpu: float = 0.0  # seconds of server CPU over the run
    busy: str = "?"  # gunicorn workers that did at least a tenth of the work, of all

    def pct(self, p: int) -> str:
        return ms(self.latency[p]) if p in self.latency else "n/a"


def parse_wrk(path: str, output: str) -> WrkResult:
    """Read requests/s, the latency distribution, non-2xx responses and socket errors from wrk."""
    result = WrkResult(path)
    if match := re.search(r"Requests/sec:\s+([\d.]+)", output):
        result.req_per_s = float(match.group(1))
    if match := re.search(r"(\d+) requests in", output):
        result.requests = int(match.group(1))
    for pct, number, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)([a-z]+)", output, re.M):
        result.latency[int(pct)] = float(number) * _UNITS[unit]
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        result.non_2xx = int(match.group(1))
    if match := re.search(r"Socket errors:\s+(.+)", output):
        result.socket_errors = match.group(1).strip()
    return result


def wrk_command(server: LiveServer, path: str, seconds: float) -> list[str]:
    return ["wrk", "-t2", "-c32", f"-d{seconds:g}s", "--latency", server.base_url + path]


def run_wrk(server: LiveServer, path: str, seconds: float) -> WrkResult:
    done = subprocess.run(wrk_command(server, path, seconds), capture_output=True, text=True, check=True)
    return parse_wrk(path, done.stdout)


def worker_cpu(server: LiveServer) -> dict[int, float]:
    """Return the CPU seconds used so far by each gunicorn worker, by pid."""
    assert server.process is not None
    workers = [p for p in process_tree(server.process.pid) if process_role(p) == "gunicorn worker"]
    return {p.pid: sum(p.cpu_times()[:2]) for p in workers}


@contextmanager
def cpu_note(server: LiveServer, label: str) -> Iterator[CpuWatch]:
    """Print the CPU split of the window: server, wrk (a reaped child), this client, the rest."""
    assert server.process is not None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with CpuWatch(server.process.pid) as cpu:
        yield cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_s = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    others = max(0.0, cpu.machine - cpu.server - cpu.client - wrk_s)
    warn = "  <- other load: figures disturbed" if others > 0.1 * cpu.wall * cpu.cores else ""
    note(
        f"{label}: CPU of {cpu.cores} cores: server {cpu.share(cpu.server)}, wrk {cpu.share(wrk_s)}, "
        f"this client {cpu.share(cpu.client)}, other processes {cpu.share(others)}{warn}"
    )


def check_page(server: LiveServer, path: str) -> None:
    """Print what one GET of `path` answers: status, caching header and whether it sets a cookie."""
    with urllib.request.urlopen(server.base_url + path, timeout=30) as response:  # noqa: S310 - our own server
        cookie = "sets a cookie" if response.headers.get("Set-Cookie") else "no cookie"
        note(f"{path}: HTTP {response.status}, Cache-Control {response.headers.get('Cache-Control')!r}, {cookie}")


@dataclass
class Submission:
    seconds: float
    ok: bool
    error: str = ""


def submit_once(server: LiveServer) -> Submission:
    """One source in a fresh session: load the demo channel's form, post it; ok on the receipt page."""
    started = time.perf_counter()
    source = None
    try:
        source = Source(server)  # GETs the form and builds the answers with its CSRF token
        status, data = source.browser.request("POST", SAFETY_FORM, source.body, source.content_type)
        ok = status == 200 and RECEIPT_MARK in data
        return Submission(time.perf_counter() - started, ok, "" if ok else f"HTTP {status} {problems_of(data, 160)}")
    except (OSError, RuntimeError) as error:
        return Submission(time.perf_counter() - started, False, f"{type(error).__name__}: {error}")
    finally:
        if source is not None:
            source.browser.close()


def wave(server: LiveServer, sources: int) -> list[Submission]:
    """Run `sources` submissions at once (threads released together by a barrier); return them."""
    barrier = threading.Barrier(sources)

    def one(_: int) -> Submission:
        barrier.wait()
        return submit_once(server)

    with ThreadPoolExecutor(sources) as pool:
        return list(pool.map(one, range(sources)))


def under_load(
    server: LiveServer, path: str, seconds: float, waves: int, sources: int
) -> tuple[WrkResult, list[Submission]]:
    """Run wrk on `path` for `seconds` while `waves` waves of `sources` submissions go in."""
    submissions: list[Submission] = []
    with cpu_note(server, f"{path} with submissions"):
        wrk = subprocess.Popen(wrk_command(server, path, seconds), stdout=subprocess.PIPE, text=True)
        started = time.monotonic()
        time.sleep(1.0)  # let wrk reach full load first
        spacing = (seconds - 3.0) / waves
        for number in range(waves):
            time.sleep(max(0.0, started + 1.0 + number * spacing - time.monotonic()))
            submissions.extend(wave(server, sources))
        waves_took = time.monotonic() - started
        output, _ = wrk.communicate(timeout=seconds + 60)
    fits = "within" if waves_took <= seconds else "LONGER than"
    note(f"{path}: {len(submissions)} submissions took {waves_took:.1f} s, {fits} wrk's {seconds:g} s window")
    return parse_wrk(path, output), submissions


def run(
    seconds: float = 10.0,
    warmup: float = 3.0,
    load_seconds: float = 20.0,
    waves: int = 3,
    sources: int = 20,
    repeats: int = 2,
) -> bool:
    """Print the figures; return whether both goals were met."""
    if shutil.which("wrk") is None:
        print("bench.public_site needs wrk: `apt-get install wrk` (the .ci/run script installs it).", file=sys.stderr)
        raise SystemExit(2)
    heading(f"Public site under load: wrk -t2 -c32 and the server share the same {cpu_count()} cores")
    with running_server() as server:
        assert server.process is not None
        settings = (
            f"{name}={server.env.get(name) or VARIABLES[name].default}"
            for name in ("CLARION_WEB_WORKERS", "CLARION_WEB_THREADS")
        )
        note(f"server: python -m clarion serve (gunicorn gthread), {', '.join(settings)}")
        for path in (BASELINE, HOME, POST):
            check_page(server, path)
        with TreeSampler(server.process.pid, interval=0.2) as rss:
            results: list[WrkResult] = []
            for path in (BASELINE, HOME, POST):
                run_wrk(server, path, warmup)  # warm-up: templates, connections, the page cache
                # Best of `repeats`: wrk's keep-alive connections sometimes all land on one
                # worker (see "workers busy"), which halves req/s whatever the page costs.
                tries = []
                for attempt in range(1, repeats + 1):
                    before = worker_cpu(server)
                    with cpu_note(server, f"{path} {seconds:g} s, run {attempt} of {repeats}") as cpu:
                        result = run_wrk(server, path, seconds)
                    used = [t - before.get(pid, 0.0) for pid, t in worker_cpu(server).items()]
                    busy = sum(u >= 0.1 * sum(used) for u in used)
                    result.server_cpu, result.busy = cpu.server, f"{busy} of {len(used)}"
                    tries.append(result)
                results.append(max(tries, key=lambda r: r.req_per_s))
            base = results[0].req_per_s or float("nan")
            columns = f"{'path':<24}{'req/s':>7}{'ratio':>7}{'p50':>10}{'p99':>10}{'non-2xx':>8}  CPU/req"
            print(f"\n   {columns}  workers busy  socket errors")
            for r in results:
                per_req = f"{r.server_cpu / r.requests * 1e6:.0f} us" if r.requests else "n/a"
                print(
                    f"   {r.path:<24}{r.req_per_s:>7.0f}{r.req_per_s / base:>7.2f}{r.pct(50):>10}{r.pct(99):>10}"
                    f"{r.non_2xx:>8}  {per_req:>7}  {r.busy:>12}  {r.socket_errors}",
                    flush=True,
                )
            note("CPU/req: the server's CPU per request, steadier than req/s when other load steals cores.")
            note("workers busy: wrk's 32 keep-alive connections stay on the workers that accepted them;")
            note("one busy worker (one GIL) caps req/s near half, whatever the page costs.")
            ratio = min(r.req_per_s / base for r in results[1:])
            costs = [r.server_cpu / r.requests if r.requests else float("nan") for r in results]
            cpu_ratio = min(costs[0] / cost for cost in costs[1:])

            heading(f"The same pages while {waves} waves of {sources} sources submit tips at once")
            failures = 0
            for path in (POST, HOME):
                loaded, subs = under_load(server, path, load_seconds, waves, sources)
                bad = [s for s in subs if not s.ok]
                failures += len(bad)
                times = [s.seconds for s in subs]
                alone = next(r for r in results if r.path == path)
                figure(f"{path}: req/s during tips (alone {alone.req_per_s:.0f})", f"{loaded.req_per_s:.0f} req/s")
                figure(f"{path}: p50 / p99 during tips", f"{loaded.pct(50)} / {loaded.pct(99)}")
                figure(f"{path}: non-2xx, socket errors", f"{loaded.non_2xx}, {loaded.socket_errors}")
                figure(
                    "  submissions (form GET, POST, receipt GET): median / max",
                    f"{ms(percentile(times, 50))} / {ms(max(times))}",
                )
                figure("  submissions that did not end on the receipt page", f"{len(bad)} of {len(subs)}", "0")
                for failure in bad[:3]:
                    note(f"    failure: {failure.error}")
        figure(f"peak RSS of the server's {rss.peak.processes} processes (sum)", mib(rss.peak.total))
        figure(f"  largest single process ({rss.peak.largest_role})", mib(rss.peak.largest))
    met = ratio >= RATIO_GOAL
    worst = f"worst page {ratio:.2f}; by server CPU per request {cpu_ratio:.2f}"
    print(f"   verdict: ratio >= {RATIO_GOAL} ({worst}): {'met' if met else 'not met'}", flush=True)
    print(f"   verdict: no submission failed ({failures} failed): {'met' if not failures else 'not met'}", flush=True)
    return met and not failures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.public_site", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each wrk run (default 10)")
    parser.add_argument("--repeats", type=int, default=2, help="wrk runs per page, the best kept (default 2)")
    parser.add_argument("--warmup", type=float, default=3.0, help="length of each warm-up run (default 3)")
    parser.add_argument("--load-seconds", type=float, default=20.0, help="wrk window during submissions (default 20)")
    parser.add_argument("--waves", type=int, default=3, help="waves of submissions per window (default 3)")
    parser.add_argument("--sources", type=int, default=20, help="sources submitting at once per wave (default 20)")
    args = parser.parse_args(argv)
    run(args.seconds, args.warmup, args.load_seconds, args.waves, args.sources, args.repeats)


if __name__ == "__main__":
    main()
