"""gunicorn hooks for `python -m clarion serve` (its command line holds every other setting).

`on_starting` runs once in the gunicorn master, before any worker is forked: it makes the
in-memory key page that every worker then shares (clarion.web.memory_key).
"""

from __future__ import annotations

from clarion.web import memory_key


def on_starting(server: object) -> None:
    memory_key.install()
