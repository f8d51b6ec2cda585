"""Upload one large file through the real server; print throughput and the server's peak memory.

`python -m bench.upload --size-mb 1024` posts a 1 GiB file to the channel form exactly as a
browser does (form fetched first for its CSRF token and cookie, required questions answered,
multipart body with a Content-Length), and also a 128 MiB file on the same server, so the two
peak memory figures side by side show whether memory stays flat as the file grows. The body
repeats 16 MiB of random bytes, pre-generated, so that the client is not what is measured.

Goal: memory flat and under 150 MiB for the largest server process whatever the size.
"""

from __future__ import annotations

import argparse
import http.client
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

from bench.server import (
    MIB,
    RECEIPT_MARK,
    SAFETY_FORM,
    CpuWatch,
    MemoryPeak,
    TreeSampler,
    answer_fields,
    figure,
    heading,
    mib,
    note,
    problems_of,
    running_server,
    where,
)
from tests.support.live import LiveServer, SourceClient, multipart_file_parts, open_post

PATTERN_BYTES = 16 * MIB
SEND_CHUNK = 1 * MIB
COMPARE_MIB = 128
MEMORY_GOAL_MIB = 150


@dataclass
class UploadResult:
    size: int
    seconds: float
    ok: bool
    status: int
    error: str
    peak: MemoryPeak
    idle: MemoryPeak
    cpu: CpuWatch

    @property
    def mib_per_s(self) -> float:
        return self.size / MIB / self.seconds


def pattern() -> bytes:
    """Return the random block the bodies repeat (incompressible, and cheap to send)."""
    return os.urandom(PATTERN_BYTES)


def _repeat(block: bytes, size: int) -> Iterator[memoryview]:
    view = memoryview(block)
    sent = 0
    while sent < size:
        offset = sent % len(block)
        piece = min(SEND_CHUNK, size - sent, len(block) - offset)
        yield view[offset : offset + piece]
        sent += piece


def _follow(
    conn: http.client.HTTPConnection, response: http.client.HTTPResponse, client: SourceClient
) -> tuple[http.client.HTTPResponse, bytes]:
    """GET the page a 303 points to, with the cookies the response set."""
    cookies = [client.cookie_header(), *(c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or [])]
    conn.request(
        "GET",
        response.getheader("Location"),
        headers={"User-Agent": client.user_agent, "Cookie": "; ".join(filter(None, cookies))},
    )
    followed = conn.getresponse()
    return followed, followed.read()


def upload_once(server: LiveServer, size: int, block: bytes) -> UploadResult:
    """Post a file of `size` bytes to the safety channel and time it until the receipt arrives."""
    assert server.process is not None
    client = SourceClient(server)
    _, html = client.get(SAFETY_FORM)
    fields = [*client.form_tokens(html), *answer_fields(html)]
    opening, closing, content_type = multipart_file_parts(fields, f"bench-{size // MIB}MiB.bin")
    idle = TreeSampler(server.process.pid)
    idle.sample()
    with TreeSampler(server.process.pid) as sampler, CpuWatch(server.process.pid) as cpu:
        started = time.perf_counter()
        conn = open_post(client, SAFETY_FORM, content_type, len(opening) + size + len(closing), timeout=600)
        conn.send(opening)
        for piece in _repeat(block, size):
            conn.send(piece)
        conn.send(closing)
        response = conn.getresponse()
        data = response.read()
        if response.status == 303:
            # The receipt page follows the sent form, as in a browser: time until it arrives.
            response, data = _follow(conn, response, client)
        seconds = time.perf_counter() - started
    conn.close()
    ok = response.status == 200 and RECEIPT_MARK in data
    return UploadResult(
        size=size,
        seconds=seconds,
        ok=ok,
        status=response.status,
        error="" if ok else problems_of(data),
        peak=sampler.peak,
        idle=idle.peak,
        cpu=cpu,
    )


def run(size_mib: int = 1024, compare_mib: int = COMPARE_MIB) -> UploadResult:
    """Print the upload figures; return the result for `size_mib` (the age comparison uses it)."""
    heading(f"Upload through the real server (POST {SAFETY_FORM}, production settings)")
    block = pattern()
    sizes = [s for s in (compare_mib, size_mib) if s and s != size_mib] + [size_mib]
    results: list[UploadResult] = []
    with running_server() as server:
        note(f"data folder: {where(server.data_dir)}")
        for size in sizes:
            result = upload_once(server, size * MIB, block)
            results.append(result)
            label = f"upload {size} MiB: throughput (client to receipt)"
            if result.ok:
                figure(label, f"{result.mib_per_s:.1f} MiB/s", "ratio to age >= 0.5 (see age benchmark)")
            else:
                figure(label, "FAILED", f"HTTP {result.status}: {result.error or 'no receipt page'}")
            note(f"  {result.seconds:.2f} s; {result.cpu.summary()}")
    labels = " | ".join(f"{r.size // MIB} MiB" for r in results)
    figure(
        f"peak RSS, largest server process ({labels})",
        " | ".join(mib(r.peak.largest) for r in results),
        f"flat, < {MEMORY_GOAL_MIB} MiB",
    )
    note("  largest: " + " | ".join(r.peak.largest_role or "?" for r in results))
    figure(
        f"peak RSS, sum of server tree ({labels})",
        " | ".join(mib(r.peak.total) for r in results),
        "flat",
    )
    note(
        "  idle before each upload (largest | sum): "
        + " | ".join(f"{mib(r.idle.largest)} / {mib(r.idle.total)}" for r in results)
        + f"; {results[-1].peak.processes} processes, {results[-1].peak.samples} samples at 50 ms"
    )
    return results[-1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.upload", description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="file size in MiB (default 1024)")
    parser.add_argument(
        "--compare-mb",
        type=int,
        default=COMPARE_MIB,
        help="second, smaller upload in MiB to show flat memory (0: none)",
    )
    args = parser.parse_args(argv)
    run(args.size_mb, args.compare_mb)


if __name__ == "__main__":
    main()
