"""The EU Directive's deadlines (Art. 9(1)(b) and (f)): acknowledge in 7 days, feed back within 3 months."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from clarion.casework.deadlines import (
    DeadlinePolicy,
    Step,
    acknowledgement_due,
    add_months,
    feedback_due,
    next_deadline,
)

EU = DeadlinePolicy()
RECEIVED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_acknowledgement_is_due_seven_days_after_receipt():
    assert acknowledgement_due(RECEIVED, EU) == datetime(2026, 3, 9, 9, 30, tzinfo=UTC)


def test_feedback_runs_three_months_from_the_acknowledgement_when_one_was_sent():
    acknowledged = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)

    assert feedback_due(RECEIVED, acknowledged, EU) == datetime(2026, 6, 4, 15, 0, tzinfo=UTC)


def test_feedback_runs_three_months_from_the_end_of_the_seven_days_when_no_acknowledgement_was_sent():
    assert feedback_due(RECEIVED, None, EU) == datetime(2026, 6, 9, 9, 30, tzinfo=UTC)


def test_both_periods_follow_the_channel_policy():
    strict = DeadlinePolicy(acknowledge_within_days=3, feedback_within_months=1)

    assert acknowledgement_due(RECEIVED, strict) == RECEIVED + timedelta(days=3)
    assert feedback_due(RECEIVED, None, strict) == datetime(2026, 4, 5, 9, 30, tzinfo=UTC)


def test_month_ends_are_clamped():
    assert add_months(datetime(2026, 11, 30, tzinfo=UTC), 3) == datetime(2027, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2027, 11, 30, tzinfo=UTC), 3) == datetime(2028, 2, 29, tzinfo=UTC)


def test_next_step_is_acknowledgement_then_feedback_then_nothing():
    now = RECEIVED + timedelta(days=6)
    first = next_deadline(received_at=RECEIVED, acknowledged_at=None, feedback_given_at=None, now=now, policy=EU)
    acknowledged = RECEIVED + timedelta(days=1)
    second = next_deadline(
        received_at=RECEIVED, acknowledged_at=acknowledged, feedback_given_at=None, now=now, policy=EU
    )
    done = next_deadline(received_at=RECEIVED, acknowledged_at=acknowledged, feedback_given_at=now, now=now, policy=EU)

    assert (first.step, first.due_soon, first.overdue) == (Step.ACKNOWLEDGE, True, False)
    assert (second.step, second.due_soon, second.overdue) == (Step.FEEDBACK, False, False)
    assert done is None


def test_a_missed_acknowledgement_is_overdue():
    late = next_deadline(
        received_at=RECEIVED, acknowledged_at=None, feedback_given_at=None, now=RECEIVED + timedelta(days=8), policy=EU
    )

    assert late.overdue and not late.due_soon


@given(
    # hypothesis takes naive bounds and attaches the time zone itself
    received=st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001
        max_value=datetime(2090, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    delay=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
)
def test_feedback_is_never_due_before_three_calendar_months_and_at_most_92_days_after_its_start(received, delay):
    acknowledged = received + delay
    due = feedback_due(received, acknowledged, EU)

    assert timedelta(days=89) <= due - acknowledged <= timedelta(days=92)
