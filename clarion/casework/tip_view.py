"""Decrypt what a reviewer sees of one tip: answers, conversation, files, notes, records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User

from clarion.casework.access import TipSecrets
from clarion.casework.models import CaseFile
from clarion.intake.content import decrypt_submission, decrypt_text
from clarion.intake.models import Tip
from clarion.vault import AgeIdentityStr

Identities = Sequence[AgeIdentityStr]


@dataclass(frozen=True)
class FileEntry:
    id: int
    name: str
    size: int


@dataclass(frozen=True)
class MessageEntry:
    author: str
    sent_by: str
    created_at: datetime
    text: str
    files: list[FileEntry]


@dataclass(frozen=True)
class NoteEntry:
    author: str
    created_at: datetime
    text: str


@dataclass(frozen=True)
class TriageEntry:
    category: str
    in_scope: bool
    priority: str
    outcome: str
    reasons: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class ClosureEntry:
    pk: int
    status: str
    findings: str
    actions_taken: str
    proposed_by: str
    proposed_by_id: int | None
    proposed_at: datetime
    approved_by: str
    approved_at: datetime | None
    withdrawn_by: str
    withdrawn_at: datetime | None
    reopened_at: datetime | None
    reopen_reason: str
    reopened_by: str

    @property
    def pending(self) -> bool:
        return self.approved_at is None and self.withdrawn_at is None


@dataclass(frozen=True)
class ReviewerTip:
    answers: list[dict[str, Any]]
    message: str
    files: list[FileEntry]
    conversation: list[MessageEntry]
    notes: list[NoteEntry]
    triages: list[TriageEntry]
    closures: list[ClosureEntry]


def _name(user: User | None) -> str:
    return user.get_username() if user is not None else "(removed account)"


FilesByMessage = dict[int | None, list[FileEntry]]


def _files_by_message(tip: Tip, conversation_key: Identities) -> FilesByMessage:
    files: FilesByMessage = {}
    for tip_file in tip.files.all():
        entry = FileEntry(tip_file.pk, decrypt_text(tip_file.name, conversation_key), tip_file.size)
        files.setdefault(tip_file.message_id, []).append(entry)
    return files


def _conversation(
    tip: Tip, conversation_key: Identities, files: dict[int | None, list[FileEntry]]
) -> list[MessageEntry]:
    return [
        MessageEntry(
            author=msg.author,
            sent_by=_name(msg.sent_by) if msg.author == msg.Author.REVIEWER else "Source",
            created_at=msg.created_at,
            text=decrypt_text(msg.body, conversation_key),
            files=files.get(msg.pk, []),
        )
        for msg in tip.messages.select_related("sent_by")
    ]


def _notes(tip: Tip, case_key: Identities) -> list[NoteEntry]:
    return [
        NoteEntry(_name(note.author), note.created_at, decrypt_text(note.body, case_key))
        for note in tip.notes.select_related("author")
    ]


def _triages(case: CaseFile, case_key: Identities) -> list[TriageEntry]:
    return [
        TriageEntry(
            category=t.category,
            in_scope=t.in_scope,
            priority=t.get_priority_display(),
            outcome=t.get_outcome_display(),
            reasons=decrypt_text(t.reasons, case_key),
            recorded_by=_name(t.recorded_by),
            recorded_at=t.recorded_at,
        )
        for t in case.triages.select_related("recorded_by")
    ]


def _closures(case: CaseFile, case_key: Identities) -> list[ClosureEntry]:
    return [
        ClosureEntry(
            pk=c.pk,
            status=c.status.name if c.status else "",
            findings=decrypt_text(c.findings, case_key),
            actions_taken=decrypt_text(c.actions_taken, case_key),
            proposed_by=_name(c.proposed_by),
            proposed_by_id=c.proposed_by_id,
            proposed_at=c.proposed_at,
            approved_by=_name(c.approved_by) if c.approved_at else "",
            approved_at=c.approved_at,
            withdrawn_by=_name(c.withdrawn_by) if c.withdrawn_at else "",
            withdrawn_at=c.withdrawn_at,
            reopened_at=c.reopened_at,
            reopen_reason=decrypt_text(c.reopen_reason, case_key),
            reopened_by=_name(c.reopened_by) if c.reopened_at else "",
        )
        for c in case.closures.select_related("status", "approved_by", "proposed_by", "withdrawn_by", "reopened_by")
    ]


def decrypt_tip_for_reviewer(tip: Tip, case: CaseFile, secrets: TipSecrets) -> ReviewerTip:
    """Decrypt the tip with its conversation key and the case records with its case key."""
    conversation_key, case_key = [secrets.conversation], [secrets.case]
    submission = decrypt_submission(tip.answers, conversation_key)
    files = _files_by_message(tip, conversation_key)
    return ReviewerTip(
        answers=submission.answers,
        message=submission.message,
        files=files.get(None, []),
        conversation=_conversation(tip, conversation_key, files),
        notes=_notes(tip, case_key),
        triages=_triages(case, case_key),
        closures=_closures(case, case_key),
    )
