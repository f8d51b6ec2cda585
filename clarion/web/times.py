"""Times written for machines: HTML's <time datetime>, schema.org and Open Graph."""

from __future__ import annotations

import datetime as dt


def machine_time(value: dt.datetime | dt.date | None) -> str:
    """Return `value` in UTC to the second, ISO 8601 (`2026-12-01T13:06:00+00:00`); "" for None.

    Django's `date:'c'` writes microseconds, which HTML's datetime attribute does not allow past
    three digits, and which say nothing to a reader.
    """
    if value is None:
        return ""
    if not isinstance(value, dt.datetime):
        return value.isoformat()
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat()
