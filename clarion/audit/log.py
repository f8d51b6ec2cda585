"""Write the hash-chained audit log, and check that nobody rewrote it.

Threat: a curious or compromised staff account, or someone with the database, edits or deletes
the rows that show what they read or changed. Each row's hash covers the previous row's hash,
so any edit or deletion in the middle of the log breaks the chain at that row. Removing rows
at the very end leaves a shorter but consistent chain: compare the head hash that `audit
verify` prints with one written down or exported earlier to catch that too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from clarion.audit.models import DETAIL_MAX, AuditEntry, HashFormat, Subject, subject_key

GENESIS = "0" * 64
APPEND_ATTEMPTS = 5


def record(*, actor: AbstractBaseUser | None, action: str, subject: Subject = None, detail: str = "") -> AuditEntry:
    """Append one entry: who (a user, or None for the system), what, about which subject. Never content.

    `subject` is a model instance (a tip, post, person, group, channel, organisation), an
    explicit (SubjectType, id) such as (SubjectType.SETTINGS, "publishing"), or None. `detail`
    is workflow metadata (ids, counts, field names), cut to fit its column.
    """
    subject_type, subject_id = subject_key(subject)
    if len(detail) > DETAIL_MAX:
        detail = detail[: DETAIL_MAX - 1] + "…"
    for _attempt in range(APPEND_ATTEMPTS):
        try:
            with transaction.atomic():
                return _append(
                    actor=actor, action=action, subject_type=subject_type, subject_id=subject_id, detail=detail
                )
        except IntegrityError:
            # Another writer took this sequence number first (PostgreSQL lets two transactions
            # read the same last row); the savepoint rolled back, so read the new head again.
            continue
    raise IntegrityError("Could not append to the audit log.")


# Any constant: the key of the PostgreSQL advisory lock that queues appenders.
_APPEND_LOCK = 0x434C41524E  # "CLARN"


def _append(
    *, actor: AbstractBaseUser | None, action: str, subject_type: str, subject_id: str, detail: str
) -> AuditEntry:
    if connection.vendor == "postgresql":
        # Two transactions may read the same last row and both try its successor; retries alone
        # lose against many parallel tips (a 500 that stores nothing). The lock queues appenders
        # until their transaction ends, so each reads the head the previous one wrote. SQLite
        # needs none: its IMMEDIATE transactions write one at a time.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_APPEND_LOCK])
    last = AuditEntry.objects.select_for_update().order_by("-seq").only("seq", "hash").first()
    entry = AuditEntry(
        seq=(last.seq + 1) if last else 1,
        at=timezone.now(),
        actor_id=actor.pk if actor is not None else None,
        actor_name=actor.get_username() if actor is not None else "",
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
        format=HashFormat.SUBJECT,
        prev_hash=last.hash if last else GENESIS,
    )
    entry.hash = entry.compute_hash()
    entry.save(force_insert=True)
    return entry


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


@dataclass(frozen=True)
class Verification:
    count: int
    head: str
    broken: Break | None


def _entries() -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("seq").iterator(chunk_size=2000)


def verify() -> Verification:
    """Walk the chain from the first row; report the first row that does not hold."""
    previous_hash = GENESIS
    expected_seq = 1
    count = 0
    for entry in _entries():
        if entry.seq != expected_seq:
            return Verification(count, previous_hash, Break(expected_seq, f"row {expected_seq} is missing"))
        if entry.prev_hash != previous_hash:
            return Verification(count, previous_hash, Break(entry.seq, "does not follow the row before it"))
        if entry.format not in HashFormat.values:
            return Verification(count, previous_hash, Break(entry.seq, f"has an unknown hash format {entry.format}"))
        if entry.compute_hash() != entry.hash:
            return Verification(count, previous_hash, Break(entry.seq, "was changed after it was written"))
        previous_hash = entry.hash
        expected_seq += 1
        count += 1
    return Verification(count, previous_hash, None)
