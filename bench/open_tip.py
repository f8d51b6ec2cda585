"""Time a reviewer opening a tip with ten 10 MiB files, and downloading one, through the real server.

`python -m bench.open_tip` sends a tip with ten files of 10 MiB of random bytes through the
"Safety and equipment" form as a browser does, logs a reviewer in through the real pages
(password, then TOTP code) and GETs the tip page several times: the page decrypts the
answers, the conversation and the files' names, never their contents, so its time should
not depend on the files' sizes. For reference it then downloads one file through the
streaming view (decrypted on the fly) several times and prints the throughput.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time

from bench.inbox import log_in, setup_reviewer
from bench.server import (
    MIB,
    RECEIPT_MARK,
    SAFETY_FORM,
    Browser,
    answer_fields,
    figure,
    form_fields,
    heading,
    mib,
    ms,
    note,
    percentile,
    problems_of,
    running_server,
)
from tests.support.live import LiveServer, multipart_body

FILES = 10
FILE_BYTES = 10 * MIB
TIP_LINK = re.compile(rb'href="(/staff/cases/[0-9a-f-]{36}/)"')
FILE_LINK = re.compile(rb'href="(/staff/cases/[0-9a-f-]{36}/files/\d+/)"')


def send_tip_with_files(server: LiveServer, files: int, size: int) -> float:
    """Send one tip with `files` random files of `size` bytes; return the POST's seconds."""
    browser = Browser(server.port, timeout=600)
    status, html = browser.request("GET", SAFETY_FORM)
    if status != 200:
        raise RuntimeError(f"the form answered HTTP {status}")
    fields = [*form_fields(html), *answer_fields(html.decode())]
    uploads = [("attachments", f"evidence-{n}.bin", os.urandom(size)) for n in range(files)]
    body, content_type = multipart_body(fields, uploads)
    started = time.perf_counter()
    status, page = browser.request("POST", SAFETY_FORM, body, content_type)
    seconds = time.perf_counter() - started
    browser.close()
    if status != 200 or RECEIPT_MARK not in page:
        raise RuntimeError(f"the tip was not accepted: HTTP {status}: {problems_of(page)}")
    return seconds


def timed_get(browser: Browser, path: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    status, body = browser.request("GET", path)
    seconds = time.perf_counter() - started
    if status != 200:
        raise RuntimeError(f"{path} answered HTTP {status}: {problems_of(body)}")
    return seconds, body


def run(opens: int = 9, downloads: int = 5, server: LiveServer | None = None) -> None:
    if server is None:
        with running_server() as started:
            return run(opens, downloads, started)
    heading(f"Opening a tip with {FILES} files of {mib(FILE_BYTES)} through the real server")
    reviewer = setup_reviewer(server)
    post_s = send_tip_with_files(server, FILES, FILE_BYTES)
    figure(f"sending the tip ({FILES} x {mib(FILE_BYTES)}, for reference)", f"{post_s:.2f} s")
    browser = log_in(server, reviewer)
    browser.timeout = 600
    _, inbox = timed_get(browser, "/staff/cases/")
    tip_path = TIP_LINK.search(inbox).group(1).decode()
    times = []
    for _ in range(opens + 1):  # the first warms the worker up; not counted
        seconds, page = timed_get(browser, tip_path)
        times.append(seconds)
    files = sorted(set(FILE_LINK.findall(page)))
    if len(files) != FILES:
        note(f"  the tip page lists {len(files)} files, not {FILES}")
    figure(
        f"open the tip page ({opens} times): median / p95",
        f"{ms(statistics.median(times[1:]))} / {ms(percentile(times[1:], 95))}",
    )
    note(f"  page size {len(page) / 1024:.0f} KiB; first (cold) request {ms(times[0])}")
    rates = []
    for _ in range(downloads):
        seconds, data = timed_get(browser, files[0].decode())
        if len(data) != FILE_BYTES:
            raise RuntimeError(f"the download has {len(data)} bytes, not {FILE_BYTES}")
        rates.append(len(data) / MIB / seconds)
    figure(
        f"download one {mib(FILE_BYTES)} file ({downloads} times): median",
        f"{statistics.median(rates):.0f} MiB/s",
    )
    note(f"  {ms(FILE_BYTES / MIB / statistics.median(rates))} per file; decrypted as it streams")
    browser.close()
    return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.open_tip", description=__doc__.splitlines()[0])
    parser.add_argument("--opens", type=int, default=9, help="timed openings of the tip page")
    parser.add_argument("--downloads", type=int, default=5, help="timed downloads of one file")
    args = parser.parse_args(argv)
    run(args.opens, args.downloads)


if __name__ == "__main__":
    main()
