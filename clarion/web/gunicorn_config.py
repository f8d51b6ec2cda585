"""gunicorn hooks and stop settings for `python -m clarion serve` (its command line holds the rest).

`on_starting` runs once in the gunicorn master, before any worker is forked: it makes the
in-memory key page that every worker then shares (clarion.web.memory_key).

Stopping: Ctrl-C in a terminal sends SIGINT to every process of the group at once. gunicorn
treats SIGINT as "quit now" (requests in flight cut) while SIGTERM is graceful, and a worker
that quits still waits, at exit, for its threads (a slow upload over Tor held one for 30 s and
more in the newcomer trial). Both signals are made graceful here, and `graceful_timeout`
bounds the wait: a request still running then is cut before its transaction commits, so the
source never gets a receipt for a tip that was not stored.
"""

from __future__ import annotations

import signal
from typing import Any

from clarion.web import memory_key

# Seconds a stopping server gives requests in flight; `serve` kills what is left after
# STOP_SECONDS (clarion/web/management/commands/serve.py), within the 5 s an operator waits.
graceful_timeout = 2


def on_starting(server: Any) -> None:
    memory_key.install()
    # The arbiter looks its handlers up by name: SIGINT runs the graceful SIGTERM path.
    server.handle_int = server.handle_term


def post_worker_init(worker: Any) -> None:
    # A worker gets the terminal's SIGINT directly too: the same graceful stop as SIGTERM.
    signal.signal(signal.SIGINT, signal.getsignal(signal.SIGTERM))
