"""Read a linked tip's own words for an editor who is also one of its reviewers.

Only two uses: the passages an editor may choose to quote when starting a draft, and the
"same words as the source" rule of the redaction check. Both go through casework's
gatekeeper and unlock the tip with the identity this session holds; nothing here is stored,
and no public view imports this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.http import Http404

from clarion import vault
from clarion.casework.access import access_tip_for_reviewer, unlock_tip_for_reviewer
from clarion.intake.content import decrypt_submission, decrypt_text
from clarion.intake.models import Message, Tip
from clarion.vault import KeyPair


@dataclass(frozen=True)
class Passage:
    label: str  # the question, or "Message"
    text: str


def source_passages(*, tip: Tip, user: User, keypair: KeyPair) -> list[Passage]:
    """Return what the source wrote (answers, message, follow-ups), decrypted; raise DecryptionError."""
    secrets = unlock_tip_for_reviewer(tip=tip, user=user, keypair=keypair)
    identities = [secrets.conversation]
    submission = decrypt_submission(tip.answers, identities)
    passages = []
    for item in submission.answers:
        answer = item.get("answer")
        if isinstance(answer, list):
            answer = ", ".join(str(part) for part in answer)
        if isinstance(answer, str) and answer.strip() and item.get("kind") not in ("yes_no",):
            passages.append(Passage(item.get("question", ""), answer))
    if submission.message.strip():
        passages.append(Passage("Message", submission.message))
    for message in tip.messages.filter(author=Message.Author.SOURCE):
        passages.append(Passage("Follow-up", decrypt_text(message.body, identities)))
    return passages


@dataclass(frozen=True)
class SourceWords:
    """What the source wrote in each linked tip this person opens, and the tips they cannot open."""

    by_tip: dict[Tip, list[str]]
    unreadable: list[Tip]

    @property
    def texts(self) -> list[str]:
        return [text for texts in self.by_tip.values() for text in texts]

    @property
    def compared(self) -> int:
        return len(self.by_tip)

    @property
    def not_compared(self) -> int:
        return len(self.unreadable)


def source_words_for(*, tips: Iterable[Tip], user: User, keypair: KeyPair | None) -> SourceWords:
    """Return the source texts of every linked tip this person can open, by tip, and the tips they cannot."""
    by_tip: dict[Tip, list[str]] = {}
    unreadable: list[Tip] = []
    for tip in tips:
        if keypair is None:
            unreadable.append(tip)
            continue
        try:
            access_tip_for_reviewer(actor=user, tip_id=tip.pk)
            passages = source_passages(tip=tip, user=user, keypair=keypair)
        except (Http404, vault.DecryptionError):
            unreadable.append(tip)
            continue
        by_tip[tip] = [passage.text for passage in passages]
    return SourceWords(by_tip=by_tip, unreadable=unreadable)
