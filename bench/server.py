"""Start the real server for a benchmark, watch its processes, and print figures.

The server is `tests.support.live.LiveServer` (`python -m clarion serve`: gunicorn gthread
workers plus the task worker, in its own session) under the production settings, so the
real Argon2id cost, SQLite with `synchronous=FULL` and the manifest static storage are
what gets measured.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from tests.support.live import LiveServer, SourceClient, running

#: The production settings: real Argon2id cost, whitenoise's manifest storage.
SETTINGS = "clarion.settings"
MIB = 1024 * 1024
SAFETY_FORM = "/tip/send/safety/"
LOGIN_FORM = "/tip/login/"
RECEIPT_MARK = b'id="receipt"'

#: The answers a source gives on the demo's "Safety and equipment" channel, by question label.
SAFETY_ANSWERS = {
    "How urgent is the danger?": "Within weeks",
    "Which equipment, site or process?": "Press line 4, loading dock B",
    "Was it reported internally?": "no",
    "What is unsafe?": "The light curtain on press 4 has been bridged with tape since March.",
}


# --- printing ---------------------------------------------------------------------------------


def heading(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


def note(text: str) -> None:
    print(f"   {text}", flush=True)


def figure(label: str, value: str, goal: str = "") -> None:
    """Print one figure: label, value with its unit, and the goal beside it."""
    line = f"   {label:<56} {value:>22}"
    if goal:
        line += f"   goal: {goal}"
    print(line, flush=True)


def mib(n_bytes: float) -> str:
    return f"{n_bytes / MIB:.1f} MiB"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def percentile(values: Sequence[float], pct: float) -> float:
    """Return the `pct` percentile of `values` (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def mean_sd(values: Sequence[float]) -> tuple[float, float]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def where(path: Path) -> str:
    """Name the filesystem that holds `path` (tmpfs or a disk), so figures say what they measured."""
    path = path.resolve()
    best = None
    for part in psutil.disk_partitions(all=True):
        mount = Path(part.mountpoint)
        if (path == mount or mount in path.parents) and (best is None or len(part.mountpoint) > len(best.mountpoint)):
            best = part
    if best is None:
        return str(path)
    kind = "in memory" if best.fstype in {"tmpfs", "ramfs"} else "on disk"
    return f"{path} ({best.fstype} {kind}, {best.device} mounted at {best.mountpoint})"


# --- the server -------------------------------------------------------------------------------


@contextmanager
def bench_root() -> Iterator[Path]:
    """Yield a fresh folder under the system temporary folder, removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="clarion-bench-"))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


#: Benchmarks measure capacity from one client address, far past the flood limits a real site
#: keeps (CLARION_SOURCE_POSTS_*): the limits are still taken on every post, so their cost is
#: measured, but never reached.
UNLIMITED_POSTS = {"CLARION_SOURCE_POSTS_PER_ADDRESS": "100000000", "CLARION_SOURCE_POSTS_PER_SITE": "100000000"}


def new_server(root: Path, *, workers: int | None = None, env: dict[str, str] | None = None) -> LiveServer:
    """Return a production-settings server on `root` (not started; same root = same data)."""
    extra = {**UNLIMITED_POSTS, **(env or {})}
    if workers is not None:
        extra["CLARION_WEB_WORKERS"] = str(workers)
    return LiveServer(root, settings=SETTINGS, env=extra)


@contextmanager
def running_server(*, workers: int | None = None, env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """Yield a prepared (migrated, demo content) and started server in a fresh folder."""
    with bench_root() as root, running(new_server(root, workers=workers, env=env)) as server:
        yield server


def add_reviewers(server: LiveServer, channel: str, count: int) -> int:
    """Create `count` more reviewers with keys, receiving `channel`; return its receivers with keys."""
    code = f"""
import secrets
from django.contrib.auth import get_user_model
from clarion.accounts.keys import create_key_custody
from clarion.accounts.models import KeyCustody
from clarion.intake.models import Channel
channel = Channel.objects.get(slug={channel!r})
for number in range({count}):
    password = secrets.token_urlsafe(18)
    name = f"bench-reviewer-{{number}}-{{secrets.token_hex(3)}}"
    user = get_user_model().objects.create_user(name, password=password, is_staff=True)
    create_key_custody(user, password)
    channel.receivers.add(user)
print(KeyCustody.objects.filter(user__in=channel.receivers.all()).count())
"""
    return int(server.manage("shell", "-c", code).strip().splitlines()[-1])


# --- the server's processes ---------------------------------------------------------------------


def process_tree(root_pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(root_pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def process_role(process: psutil.Process) -> str:
    """Name a server process by what it does."""
    try:
        cmdline = " ".join(process.cmdline())
        parent = process.parent()
        parent_cmdline = " ".join(parent.cmdline()) if parent else ""
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return "gone"
    if "gunicorn" in cmdline:
        return "gunicorn worker" if "gunicorn" in parent_cmdline else "gunicorn master"
    if "db_worker" in cmdline:
        return "task worker"
    if "serve" in cmdline:
        return "serve (supervisor)"
    return process.name()


def tree_cpu_seconds(root_pid: int) -> float:
    """Return the CPU time (user + system) used so far by every process of the server."""
    total = 0.0
    for process in process_tree(root_pid):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _machine_busy_seconds() -> float:
    times = psutil.cpu_times()
    return times.user + times.nice + times.system + getattr(times, "irq", 0.0) + getattr(times, "softirq", 0.0)


def _own_cpu_seconds() -> float:
    times = psutil.Process().cpu_times()
    return times.user + times.system


class CpuWatch:
    """Split the CPU time used during a window between the server, this client and the rest.

    Other processes on the machine (a test suite, a browser) compete for the same cores and
    bend every figure; printing their share says how far to trust a run.
    """

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.cores = cpu_count()
        self.wall = self.machine = self.server = self.client = 0.0

    def __enter__(self) -> CpuWatch:
        self._start = (
            time.perf_counter(),
            _machine_busy_seconds(),
            tree_cpu_seconds(self.server_pid),
            _own_cpu_seconds(),
        )
        return self

    def __exit__(self, *exc: object) -> None:
        end = (time.perf_counter(), _machine_busy_seconds(), tree_cpu_seconds(self.server_pid), _own_cpu_seconds())
        self.wall, self.machine, self.server, self.client = (b - a for a, b in zip(self._start, end, strict=True))

    def share(self, seconds: float) -> str:
        return f"{100 * seconds / (self.wall * self.cores):.0f}%"

    def summary(self) -> str:
        others = max(0.0, self.machine - self.server - self.client)
        return (
            f"CPU over the window, of {self.cores} cores: server {self.share(self.server)}, "
            f"this client {self.share(self.client)}, other processes {self.share(others)}"
        )


@dataclass
class MemoryPeak:
    largest: int = 0  # the largest single process, bytes
    largest_role: str = ""
    total: int = 0  # the sum over the tree, bytes
    processes: int = 0
    samples: int = 0


class TreeSampler:
    """Sample the RSS of every server process every `interval` seconds in a thread; keep peaks."""

    def __init__(self, root_pid: int, interval: float = 0.05) -> None:
        self.root_pid = root_pid
        self.interval = interval
        self.peak = MemoryPeak()
        self._largest_pid = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-rss-sampler", daemon=True)

    def sample(self) -> None:
        total = 0
        processes = process_tree(self.root_pid)
        for process in processes:
            try:
                rss = process.memory_info().rss
            except psutil.NoSuchProcess:
                continue
            total += rss
            if rss > self.peak.largest:
                self.peak.largest = rss
                self._largest_pid = process.pid
        self.peak.total = max(self.peak.total, total)
        self.peak.processes = max(self.peak.processes, len(processes))
        self.peak.samples += 1

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> TreeSampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()
        if self._largest_pid:
            try:
                self.peak.largest_role = f"{process_role(psutil.Process(self._largest_pid))} pid {self._largest_pid}"
            except psutil.NoSuchProcess:
                self.peak.largest_role = f"pid {self._largest_pid}"


# --- a source's browser, light enough for a load generator ---------------------------------------


def answer_fields(html: str, answers: dict[str, str] = SAFETY_ANSWERS) -> list[tuple[str, str]]:
    """Map the answers (by question label) to the form's field names; fail if a question is missing."""
    names = SourceClient.question_fields(None, html)  # type: ignore[arg-type] - uses no state
    missing = [label for label in answers if label not in names]
    if missing:
        raise RuntimeError(f"the channel form has no question {missing!r}; found {sorted(names)!r}")
    return [(names[label], value) for label, value in answers.items()]


_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(html: bytes | str) -> str:
    data = html.encode() if isinstance(html, str) else html
    match = _CSRF.search(data)
    if match is None:
        raise RuntimeError("no CSRF token in the form")
    return match.group(1).decode()


_FORM_TOKEN = re.compile(rb'name="form_token" value="([^"]+)"')


def form_fields(html: bytes | str) -> list[tuple[str, str]]:
    """Return the tokens a form page carries: CSRF, and a channel form's one-time token."""
    data = html.encode() if isinstance(html, str) else html
    fields = [("csrfmiddlewaretoken", csrf_token(data))]
    match = _FORM_TOKEN.search(data)
    if match:
        fields.append(("form_token", match.group(1).decode()))
    return fields


def problems_of(body: bytes | str, limit: int = 400) -> str:
    """Return the readable text of an error page, shortened, to print what went wrong."""
    text = body.decode(errors="replace") if isinstance(body, bytes) else body
    block = re.search(r'<(?:div|ul|section)[^>]*class="[^"]*problems[^"]*"[^>]*>(.*?)</(?:div|ul|section)>', text, re.S)
    text = block.group(1) if block else text
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", text).strip()[:limit]


class Browser:
    """One source's browser over one keep-alive connection: cookies, nothing else."""

    def __init__(self, port: int, *, source_address: str | None = None, timeout: float = 120) -> None:
        self.port = port
        self.source_address = (source_address, 0) if source_address else None
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=self.timeout, source_address=self.source_address
            )
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str | None = None
    ) -> tuple[int, bytes]:
        headers = {"User-Agent": "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Firefox/128.0"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # gunicorn closed an idle keep-alive connection: reconnect once, as a browser does.
                self.close()
                if attempt == 2:
                    raise
                continue
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            if response.will_close:
                self.close()
            location = response.getheader("Location")
            if response.status == 303 and location:
                # A sent form answers "see other": the browser loads that page with a GET.
                return self.request("GET", location)
            return response.status, data
        raise AssertionError("unreachable")


def cpu_count() -> int:
    return len(os.sched_getaffinity(0))
