"""Run every benchmark in turn and print its figures: `python -m bench` (what `make bench` runs).

Each benchmark starts its own server in a fresh temporary folder, so their figures do not
disturb one another. A whole run takes about ten minutes on two cores (most of it filling the
inbox benchmark with 100,000 tips).
"""

from __future__ import annotations

import argparse
import time

from bench import age_cli, inbox, login_memory, login_timing, nginx, open_tip, public_site, tips, upload
from bench.server import cpu_count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="size of the large upload in MiB (default 1024)")
    parser.add_argument("--tips-seconds", type=float, default=20.0, help="length of each tips run (default 20)")
    parser.add_argument("--inbox-requests", type=int, default=30, help="timed requests per inbox page (default 30)")
    args = parser.parse_args(argv)

    started = time.monotonic()
    print(f"Clarion benchmarks on {cpu_count()} cores (MiB = 2^20 bytes; no figure is asserted)", flush=True)
    result = upload.run(args.size_mb)
    age_cli.run(args.size_mb, result.mib_per_s if result.ok else None)
    tips.run(seconds=args.tips_seconds)
    login_timing.run()
    login_memory.run()
    inbox.run(requests=args.inbox_requests)
    open_tip.run()
    public_site.run()
    nginx.run()
    print(f"\nAll benchmarks took {time.monotonic() - started:.0f} s.", flush=True)


if __name__ == "__main__":
    main()
