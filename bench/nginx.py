"""P4b: reader pages through deploy/nginx, against nginx serving a static file, side by side with `wrk`.

`python -m bench.nginx` starts the real production-settings server (demo content) behind
Debian's nginx with the site configuration of deploy/nginx (TLS with a self-signed
certificate, the one-second reader-page cache), and drives over HTTPS with
`wrk -t2 -c32 --latency`:

- the baseline: the same nginx serving a static copy of the home page's HTML (same size, same
  TLS, no Clarion at all);
- the home page `/` and a post `/posts/overtime-unpaid/` through the configuration.

Goal (issue 11, P4b): each page answers at least 0.5 of the baseline's requests per second.
Each page expires from nginx's cache every second and is asked of Clarion once (its own page
cache answers), so the ratio says what that once-a-second trip and the proxying cost. wrk,
nginx and Clarion share the same cores; each run prints its CPU split. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.public_site import WrkResult, parse_wrk
from bench.server import cpu_count, heading, note, running_server
from tests.support.nginx import NGINX, SERVER_NAME, running_nginx

BASELINE = "/static-copy.html"
PAGES = ("/", "/posts/overtime-unpaid/")
RATIO_GOAL = 0.5


def run_wrk(url: str, seconds: float) -> WrkResult:
    done = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{seconds:g}s", "--latency", url], capture_output=True, text=True, check=True
    )
    return parse_wrk(url.split(str(SERVER_NAME), 1)[1].split("/", 1)[1], done.stdout)


def best_of(url: str, seconds: float, warmup: float, repeats: int) -> WrkResult:
    run_wrk(url, warmup)
    return max((run_wrk(url, seconds) for _ in range(repeats)), key=lambda r: r.req_per_s)


def run(seconds: float = 10.0, warmup: float = 3.0, repeats: int = 2) -> bool:
    """Print the figures; return whether every page met the goal."""
    for tool in ("wrk", NGINX):
        if shutil.which(tool) is None:
            print(f"bench.nginx needs {tool}: `apt-get install wrk nginx-light` (.ci/run).", file=sys.stderr)
            raise SystemExit(2)
    heading(f"P4b: reader pages through deploy/nginx vs nginx serving a static file ({cpu_count()} cores)")
    env = {"CLARION_HTTPS": "true", "CLARION_BEHIND_PROXY": "true", "CLARION_ALLOWED_HOSTS": f"{SERVER_NAME},127.0.0.1"}
    with (
        running_server(env=env) as server,
        tempfile.TemporaryDirectory(prefix="clarion-bench-nginx-") as folder,
        running_nginx(Path(folder), upstream_port=server.port) as nginx,
    ):
        status, headers, home = nginx.get("/")
        (nginx.root / "html" / BASELINE.lstrip("/")).write_bytes(home)
        note(f"home page through nginx: HTTP {status}, {len(home)} bytes, X-Cache-Status {headers['X-Cache-Status']}")
        note(f"baseline: the same {len(home)} bytes as a static file, from the same nginx over the same TLS")
        note("wrk -t2 -c32 over HTTPS (keep-alive; one TLS handshake per connection)")
        static = best_of(f"https://{SERVER_NAME}:{nginx.static_port}{BASELINE}", seconds, warmup, repeats)
        results = [static] + [
            best_of(f"https://{SERVER_NAME}:{nginx.https_port}{path}", seconds, warmup, repeats) for path in PAGES
        ]
    base = static.req_per_s or float("nan")
    print(f"\n   {'path':<28}{'req/s':>8}{'ratio':>7}{'p50':>10}{'p99':>10}{'non-2xx':>8}  socket errors", flush=True)
    for result in results:
        print(
            f"   {'/' + result.path:<28}{result.req_per_s:>8.0f}{result.req_per_s / base:>7.2f}"
            f"{result.pct(50):>10}{result.pct(99):>10}{result.non_2xx:>8}  {result.socket_errors}",
            flush=True,
        )
    ratio = min(r.req_per_s / base for r in results[1:])
    met = ratio >= RATIO_GOAL
    print(f"   verdict: P4b ratio >= {RATIO_GOAL} (worst page {ratio:.2f}): {'met' if met else 'not met'}", flush=True)
    return met


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.nginx", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each wrk run (default 10)")
    parser.add_argument("--repeats", type=int, default=2, help="wrk runs per page, the best kept (default 2)")
    parser.add_argument("--warmup", type=float, default=3.0, help="length of each warm-up run (default 3)")
    args = parser.parse_args(argv)
    run(args.seconds, args.warmup, args.repeats)


if __name__ == "__main__":
    main()
