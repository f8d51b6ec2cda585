"""Write paths of the source side: commit a tip, open a source's tip, add a message."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from clarion import vault
from clarion.accounts.keys import kdf_params
from clarion.accounts.models import KeyCustody, Organisation
from clarion.accounts.notifications import Event, send_notice
from clarion.accounts.roles import REVIEWER
from clarion.intake.content import Submission, decrypt_submission, decrypt_text, encrypt_submission, encrypt_text
from clarion.intake.form_tokens import RECEIPT_PICKUP_SECONDS, FormToken
from clarion.intake.models import Channel, KeyWrap, Message, Question, SentForm, Tip, TipFile
from clarion.intake.signals import tip_submitted
from clarion.vault import AgeIdentityStr, BlobStore, Receipt, ReceiptKeys, TipKeys
from clarion.web.hashing import hashing_slot
from clarion.web.uploads import EncryptedUpload


def blob_store() -> BlobStore:
    """Return the store that holds every encrypted file."""
    return BlobStore(settings.CLARION_BLOB_DIR)


def derive_receipt(receipt: Receipt) -> ReceiptKeys:
    """Run the receipt through the site's single Argon2id pass, in one of the host's hashing slots (M4)."""
    with hashing_slot():
        return vault.derive_receipt_keys(
            receipt,
            salt=settings.CLARION_RECEIPT_SALT,
            pepper=settings.CLARION_RECEIPT_PEPPER,
            params=kdf_params(),
        )


def _notify_readers(event: Event, user_ids: list[int], site_url: str) -> None:
    """Queue a content-free email to the tip's readers once the transaction has committed.

    `site_url` is the address the source's request came to, for the link when CLARION_SITE_URL is unset.
    The queued task's row keeps its arguments: with the setting made, the source's address (which
    tells whether they came over the onion service) is not stored there at all.
    """
    site_url = "" if settings.CLARION_SITE_URL else site_url
    if user_ids:
        transaction.on_commit(lambda: send_notice.enqueue(user_ids=user_ids, event=event.value, site_url=site_url))


def _reader_wraps(tip: Tip, keys: TipKeys) -> list[KeyWrap]:
    """Wrap the tip's secrets to every reviewer receiving its channel who holds a key, and the offline key."""
    secrets_ = {"conversation": keys.conversation.identity, "case": keys.case.identity}
    # Only reviewers: someone made a receiver before the admin checked roles, or whose role was
    # taken away since, gets nothing new.
    receivers = tip.channel.receivers.filter(is_active=True, groups__name=REVIEWER)
    custodies = KeyCustody.objects.filter(user__in=receivers)
    wraps = [
        KeyWrap(
            tip=tip,
            holder=KeyWrap.Holder.REVIEWER,
            via=KeyWrap.Via.CHANNEL,
            user_id=custody.user_id,
            recipient=custody.public_key,
            wrapped=vault.wrap_secrets(secrets_, [custody.public_key]),
        )
        for custody in custodies
    ]
    offline_key = Organisation.current().offline_public_key
    if offline_key:
        wraps.append(
            KeyWrap(
                tip=tip,
                holder=KeyWrap.Holder.ORGANISATION,
                recipient=offline_key,
                wrapped=vault.wrap_secrets(secrets_, [offline_key]),
            )
        )
    return wraps


def _file_rows(
    tip: Tip, uploads: Sequence[tuple[Question | None, EncryptedUpload]], message: Message | None = None
) -> list[TipFile]:
    """Build the rows of files already encrypted in the store; their names are encrypted here."""
    now = timezone.now()
    return [
        TipFile(
            tip=tip,
            message=message,
            question=question,
            blob=upload.blob,
            name=encrypt_text(upload.name, tip.conversation_public_key),
            size=upload.size,
            created_at=now,
        )
        for question, upload in uploads
    ]


class FormAlreadySent(Exception):
    """The form was posted before (a reload or a double click): its tip exists already."""


def do_submit_tip(
    *,
    channel: Channel,
    keys: TipKeys,
    answers: list[dict[str, Any]],
    message: str,
    uploads: Sequence[tuple[Question | None, EncryptedUpload]],
    form: FormToken,
    site_url: str = "",
) -> Receipt:
    """Commit a new tip whose files are already encrypted in the store; return its receipt.

    The receipt is never stored in the clear: until the receipt page shows it once, it is
    kept only sealed under the form's token, which the source's browser alone holds. The
    tip, its key wraps, its file rows and the row of the sent form commit in one
    transaction, after every blob is durable, so a receipt is never shown for a tip that
    could still be lost. Raise FormAlreadySent, committing nothing, when this form was
    posted before (a reload or a double click, possibly at the same moment).
    """
    now = timezone.now()
    answers_ciphertext = encrypt_submission(Submission(answers=answers, message=message), keys.conversation.recipient)
    while True:
        receipt = vault.generate_receipt()
        receipt_keys = derive_receipt(receipt)
        # Everything is encrypted and wrapped before the transaction, so the database's write
        # lock (SQLite has one for the whole file) is held only for the inserts.
        tip = Tip(
            channel=channel,
            received_at=now,
            last_activity_at=now,
            lookup_id=receipt_keys.lookup_id,
            conversation_public_key=keys.conversation.recipient,
            case_public_key=keys.case.recipient,
            source_public_key=receipt_keys.keypair.recipient,
            answers=answers_ciphertext,
        )
        source_wrap = KeyWrap(
            tip=tip,
            holder=KeyWrap.Holder.SOURCE,
            recipient=receipt_keys.keypair.recipient,
            wrapped=vault.wrap_secrets({"conversation": keys.conversation.identity}, [receipt_keys.keypair.recipient]),
        )
        wraps = [source_wrap, *_reader_wraps(tip, keys)]
        files = _file_rows(tip, uploads)
        sealed = vault.seal(json.dumps({"receipt": receipt, "channel": channel.pk}).encode(), form.sealing_key)
        try:
            with transaction.atomic():
                # First: a second post of the same form stops here, before anything else is
                # written (under PostgreSQL it waits for the first to commit or roll back).
                SentForm.objects.create(id=form.row_id, sent_at=now, sealed_receipt=sealed)
                tip.save(force_insert=True)
                KeyWrap.objects.bulk_create(wraps)
                TipFile.objects.bulk_create(files)
                tip_submitted.send(sender=Tip, tip=tip)
                _notify_readers(Event.NEW_TIP, [wrap.user_id for wrap in wraps if wrap.user_id], site_url)
        except IntegrityError:
            if SentForm.objects.filter(id=form.row_id).exists():
                raise FormAlreadySent from None
            # Two receipts meeting in 90 bits is vanishingly rare; draw another rather than fail.
            if Tip.objects.filter(lookup_id=receipt_keys.lookup_id).exists():
                continue
            raise
        return receipt


def form_was_sent(form: FormToken) -> bool:
    """Return whether a tip was committed from this form already."""
    return SentForm.objects.filter(id=form.row_id).exists()


@dataclass(frozen=True, repr=False)
class ReceiptToShow:
    receipt: Receipt
    channel: Channel


def do_take_receipt(*, form: FormToken) -> ReceiptToShow | None:
    """Return the receipt of the tip this form sent, once: it is wiped as it is taken.

    None when it was shown already, was never picked up in time, or the form was not sent.
    Two requests at the same moment (two tabs) cannot both take it: the wipe is one
    conditional update, and only the request that made it shows the receipt.
    """
    row = SentForm.objects.filter(id=form.row_id).exclude(sealed_receipt="").first()
    if row is None:
        return None
    taken = SentForm.objects.filter(id=row.id, sealed_receipt=row.sealed_receipt).update(sealed_receipt="")
    if not taken or (timezone.now() - row.sent_at).total_seconds() > RECEIPT_PICKUP_SECONDS:
        return None
    try:
        content = json.loads(vault.unseal(row.sealed_receipt, form.sealing_key))
    except vault.DecryptionError:
        return None
    channel = Channel.objects.filter(pk=content["channel"]).first()
    if channel is None:
        return None
    return ReceiptToShow(receipt=Receipt(content["receipt"]), channel=channel)


@dataclass(frozen=True)
class SourceAccess:
    """What a source holds after logging in: their tip and its conversation key."""

    tip: Tip
    conversation_identity: AgeIdentityStr


def do_add_message(
    *,
    tip: Tip,
    author: Message.Author,
    message: str,
    uploads: Sequence[EncryptedUpload],
    sent_by: Any = None,  # a User, for a reviewer's message
) -> Message:
    """Add a message and its files (already encrypted in the store) to the tip's conversation.

    The one write path of the conversation, either way: the text and the file names are
    encrypted to the conversation key, and the tip counts as active now.
    """
    now = timezone.now()
    with transaction.atomic():
        msg = Message.objects.create(
            tip=tip,
            author=author,
            sent_by=sent_by,
            created_at=now,
            body=encrypt_text(message, tip.conversation_public_key),
        )
        TipFile.objects.bulk_create(_file_rows(tip, [(None, upload) for upload in uploads], message=msg))
        Tip.objects.filter(pk=tip.pk).update(last_activity_at=now)
    return msg


def do_send_source_message(
    *, tip: Tip, message: str, uploads: Sequence[EncryptedUpload], site_url: str = ""
) -> Message:
    """Add a source's follow-up message and files to their tip, and tell its readers (links at `site_url`)."""
    with transaction.atomic():
        msg = do_add_message(tip=tip, author=Message.Author.SOURCE, message=message, uploads=uploads)
        readers = tip.key_wraps.filter(holder=KeyWrap.Holder.REVIEWER).values_list("user_id", flat=True)
        _notify_readers(Event.SOURCE_MESSAGE, list(readers), site_url)
    return msg


@dataclass(frozen=True)
class SourceViewFile:
    """A file as the source sees it listed; only reviewers' files can be downloaded."""

    id: int
    name: str
    size: int
    downloadable: bool


@dataclass(frozen=True)
class ConversationEntry:
    author: str
    created_at: Any
    text: str
    files: list[SourceViewFile]


@dataclass(frozen=True)
class DecryptedTip:
    answers: list[dict[str, Any]]
    message: str
    files: list[SourceViewFile]
    conversation: list[ConversationEntry]


def decrypt_tip_for_source(access: SourceAccess) -> DecryptedTip:
    """Decrypt what the source may read: their submission and the conversation both ways."""
    identity = [access.conversation_identity]
    tip = access.tip
    submission = decrypt_submission(tip.answers, identity)
    messages = list(tip.messages.all())
    from_reviewer = {msg.pk for msg in messages if msg.author == Message.Author.REVIEWER}
    files_by_message: dict[int | None, list[SourceViewFile]] = {}
    for tip_file in tip.files.all():
        files_by_message.setdefault(tip_file.message_id, []).append(
            SourceViewFile(
                id=tip_file.pk,
                name=decrypt_text(tip_file.name, identity),
                size=tip_file.size,
                downloadable=tip_file.message_id in from_reviewer,
            )
        )
    conversation = [
        ConversationEntry(
            author=msg.author,
            created_at=msg.created_at,
            text=decrypt_text(msg.body, identity),
            files=files_by_message.get(msg.pk, []),
        )
        for msg in messages
    ]
    return DecryptedTip(
        answers=submission.answers,
        message=submission.message,
        files=files_by_message.get(None, []),
        conversation=conversation,
    )
