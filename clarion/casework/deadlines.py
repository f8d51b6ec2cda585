"""Deadlines of the EU Whistleblowing Directive 2019/1937, Article 9(1)(b) and (f).

- Acknowledge receipt within 7 days of receiving the report.
- Give feedback (the action planned or taken, and its grounds) within a reasonable time not
  exceeding 3 months from the acknowledgement or, if none was sent, from the end of the
  7-day period after the report was made.

Both periods are per channel (stricter national laws or internal policies shorten them).
Pure functions: the time comes in as an argument, from the one injectable clock.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

DUE_SOON = timedelta(days=2)


@dataclass(frozen=True)
class DeadlinePolicy:
    acknowledge_within_days: int = 7
    feedback_within_months: int = 3


class Step(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    FEEDBACK = "feedback"


@dataclass(frozen=True)
class Deadline:
    step: Step
    due: datetime
    overdue: bool
    due_soon: bool


def add_months(moment: datetime, months: int) -> datetime:
    """Return `moment` plus calendar months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def acknowledgement_due(received_at: datetime, policy: DeadlinePolicy) -> datetime:
    """Return when the acknowledgement of receipt is due."""
    return received_at + timedelta(days=policy.acknowledge_within_days)


def feedback_due(received_at: datetime, acknowledged_at: datetime | None, policy: DeadlinePolicy) -> datetime:
    """Return when feedback is due: months after the acknowledgement, or after the window if none."""
    start = acknowledged_at if acknowledged_at is not None else acknowledgement_due(received_at, policy)
    return add_months(start, policy.feedback_within_months)


def next_deadline(
    *,
    received_at: datetime,
    acknowledged_at: datetime | None,
    feedback_given_at: datetime | None,
    now: datetime,
    policy: DeadlinePolicy,
) -> Deadline | None:
    """Return the next step owed to the source and how urgent it is, or None when both are done."""
    if acknowledged_at is None:
        step, due = Step.ACKNOWLEDGE, acknowledgement_due(received_at, policy)
    elif feedback_given_at is None:
        step, due = Step.FEEDBACK, feedback_due(received_at, acknowledged_at, policy)
    else:
        return None
    return Deadline(step=step, due=due, overdue=now > due, due_soon=now <= due <= now + DUE_SOON)
