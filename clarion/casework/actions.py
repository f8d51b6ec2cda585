"""Write paths of the reviewer side. Each checks, changes, audits, in one transaction.

Callers have already passed the gatekeeper (`access.access_tip_for_reviewer`); these
functions enforce the workflow rules that hold whoever calls them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, BinaryIO

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clarion import vault
from clarion.accounts.models import KeyCustody
from clarion.accounts.roles import is_admin
from clarion.audit.log import record
from clarion.audit.models import SubjectType
from clarion.casework.access import TipSecrets, may_read_tip, receiver_refusal
from clarion.casework.models import (
    CaseFile,
    Closure,
    ConflictOfInterest,
    Label,
    Note,
    ReadMarker,
    Status,
    Triage,
    new_reference,
)
from clarion.intake.actions import blob_store, do_add_message
from clarion.intake.models import Channel, KeyWrap, Message, Tip, TipFile
from clarion.web.uploads import EncryptedUpload

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from clarion.casework.export import ExportLock

REFERENCE_ATTEMPTS = 8


class CaseRuleError(Exception):
    """A change the workflow does not allow; `field` names the form field to blame."""

    def __init__(self, field: str | None, message: StrOrPromise) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _seal_to_case(tip: Tip, text: str) -> bytes:
    return vault.encrypt(text.encode(), [tip.case_public_key])


def do_open_case_file(*, tip: Tip) -> CaseFile:
    """Give a new tip its case file (status 'new', a fresh reference) and audit its arrival."""
    status = Status.initial()
    for attempt in range(REFERENCE_ATTEMPTS * 3):
        # Four characters name 810,000 cases; grow the reference if they run short.
        reference = new_reference(4 + attempt // REFERENCE_ATTEMPTS)
        try:
            with transaction.atomic():
                case = CaseFile(
                    tip=tip,
                    reference=reference,
                    status=status,
                    received_at=tip.received_at,
                    updated_at=tip.received_at,
                )
                case.refresh_deadline()
                case.save(force_insert=True)
            break
        except IntegrityError:
            if CaseFile.objects.filter(pk=tip.pk).exists():
                return CaseFile.objects.get(pk=tip.pk)
            continue
    else:  # pragma: no cover - 24 collisions in a row
        raise IntegrityError("Could not draw a free case reference.")
    record(actor=None, action="tip.received", subject=tip, detail=f"channel {tip.channel_id}")
    return case


def case_file_of(tip: Tip) -> CaseFile:
    """Return the tip's case file, opened with the tip (`signal_handlers`); a read, never a write."""
    return get_object_or_404(CaseFile.objects.select_related("status", "assignee"), pk=tip.pk)


def do_record_tip_read(*, actor: User, tip: Tip) -> None:
    """Audit that `actor` opened the tip, and mark it read for them."""
    now = timezone.now()
    with transaction.atomic():
        ReadMarker.objects.update_or_create(tip=tip, user=actor, defaults={"read_at": now})
        record(actor=actor, action="tip.read", subject=tip)


def do_record_file_download(*, actor: User, tip_file: TipFile) -> None:
    """Audit that `actor` downloaded one file (its id, never its name)."""
    subject = (SubjectType.TIP, tip_file.tip_id)
    record(actor=actor, action="file.download", subject=subject, detail=f"file {tip_file.pk}")


def do_send_reviewer_message(
    *,
    actor: User,
    tip: Tip,
    message: str,
    uploads: Sequence[EncryptedUpload],
    gives_feedback: bool = False,
) -> Message:
    """Reply to the source: the text and file names encrypted to the conversation key.

    The first reply acknowledges receipt; a reply marked as feedback meets the Directive's
    second deadline. Both move the case's next deadline.
    """
    now = timezone.now()
    with transaction.atomic():
        msg = do_add_message(tip=tip, author=Message.Author.REVIEWER, sent_by=actor, message=message, uploads=uploads)
        ReadMarker.objects.update_or_create(tip=tip, user=actor, defaults={"read_at": now})
        case = _locked_case(tip)
        case.acknowledged_at = case.acknowledged_at or now
        if gives_feedback:
            case.feedback_given_at = case.feedback_given_at or now
        case.refresh_deadline()
        case.save(update_fields=["acknowledged_at", "feedback_given_at", "due_step", "due_at"])
        detail = f"{len(uploads)} files" + (", feedback" if gives_feedback else "")
        record(actor=actor, action="message.sent", subject=tip, detail=detail)
    return msg


def do_add_note(*, actor: User, tip: Tip, text: str) -> Note:
    """Keep an internal note, encrypted to the case key: the source never holds that key."""
    with transaction.atomic():
        note = Note.objects.create(tip=tip, author=actor, created_at=timezone.now(), body=_seal_to_case(tip, text))
        record(actor=actor, action="note.added", subject=tip)
    return note


@dataclass(frozen=True)
class TriageRecord:
    category: str
    in_scope: bool
    priority: str
    outcome: str
    reasons: str


@dataclass(frozen=True)
class ClosureRecord:
    status: Status  # the closed status to enter once approved
    findings: str
    actions_taken: str


def _locked_case(tip: Tip) -> CaseFile:
    """Lock the tip's case row and return it as the last writer left it.

    Only the case row is selected: on PostgreSQL, a row locked through a join (status,
    assignee) that another transaction has just updated is re-checked against the joined rows
    read before the wait, and can vanish from the result (DoesNotExist under parallel
    approvals). Its status and assignee are read after the lock, so they are current.
    """
    return CaseFile.objects.select_for_update().get(pk=tip.pk)


def _touch(case: CaseFile, *fields: str) -> None:
    case.updated_at = timezone.now()
    case.save(update_fields=[*fields, "updated_at"])


def do_change_case_status(*, actor: User, tip: Tip, status: Status, reopen_reason: str = "") -> CaseFile:
    """Move the tip to another status that is not a closed one, under ISO 37002's rules.

    A tip leaves a 'new' status only once its triage is recorded (`do_record_triage`); it enters
    a closed status only through a closure a second reader approved (`do_approve_closure`),
    never here; it leaves a closed status only with a reason, kept with the closure it undoes.
    Raise CaseRuleError, changing nothing, when a rule is not met.
    """
    with transaction.atomic():
        case = _locked_case(tip)
        old_status = case.status
        if status == old_status:
            return case
        if old_status.kind == Status.Kind.NEW and status.kind != Status.Kind.NEW and not case.triages.exists():
            raise CaseRuleError(
                "triage_category",
                _("Record the triage before moving this tip out of “%(status)s”.") % {"status": old_status.name},
            )
        if status.kind == Status.Kind.CLOSED and old_status.kind != Status.Kind.CLOSED:
            raise CaseRuleError("status", CLOSE_IN_TWO_STEPS)
        detail = f"status {old_status.slug} -> {status.slug}"
        if old_status.kind == Status.Kind.CLOSED and status.kind != Status.Kind.CLOSED:
            _reopen(actor=actor, case=case, reason=reopen_reason)
            detail = f"reopened; {detail}"
        case.status = status
        _touch(case, "status", "destroy_after", "destruction_warned")
        record(actor=actor, action="case.status_changed", subject=tip, detail=detail)
    return case


def _reopen(*, actor: User, case: CaseFile, reason: str) -> None:
    """Record why a closed tip reopens, on the closure it undoes, and stop its retention clock."""
    if not reason.strip():
        raise CaseRuleError("reopen_reason", _("Give the reason for reopening this closed tip."))
    last_closure = case.closures.approved().order_by("-approved_at", "-pk").first()
    if last_closure is not None:
        last_closure.reopened_at = timezone.now()
        last_closure.reopened_by = actor
        last_closure.reopen_reason = _seal_to_case(case.tip, reason)
        last_closure.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
    case.destroy_after = None
    case.destruction_warned = False


def do_record_triage(*, actor: User, tip: Tip, triage: TriageRecord) -> Triage:
    """Record the tip's triage (ISO 37002), its reasons encrypted to the case key."""
    with transaction.atomic():
        case = _locked_case(tip)
        triage_row = Triage.objects.create(
            case=case,
            category=triage.category,
            in_scope=triage.in_scope,
            priority=triage.priority,
            outcome=triage.outcome,
            reasons=_seal_to_case(tip, triage.reasons),
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        _touch(case)
        record(actor=actor, action="case.triaged", subject=tip, detail=f"triage {triage_row.pk}")
    return triage_row


def do_set_case_labels(*, actor: User, tip: Tip, labels: Iterable[Label]) -> CaseFile:
    """Make `labels` exactly the tip's labels."""
    new_labels = set(labels)
    with transaction.atomic():
        case = _locked_case(tip)
        if new_labels == set(case.labels.all()):
            return case
        case.labels.set(new_labels)
        _touch(case)
        detail = "labels " + ",".join(sorted(str(label.pk) for label in new_labels))
        record(actor=actor, action="case.labels_set", subject=tip, detail=detail)
    return case


def do_assign_case(*, actor: User, tip: Tip, assignee: User | None) -> CaseFile:
    """Assign the tip to someone who can read it, or to nobody; raise CaseRuleError otherwise."""
    with transaction.atomic():
        case = _locked_case(tip)
        if assignee == case.assignee:
            return case
        if assignee is not None and not may_read_tip(user=assignee, tip=tip):
            raise CaseRuleError("assignee", _("Assign the tip to someone who can read it (share it with them first)."))
        case.assignee = assignee
        _touch(case, "assignee")
        record(actor=actor, action="case.assigned", subject=tip, detail=f"assignee {assignee.pk if assignee else '-'}")
    return case


def do_mark_case_important(*, actor: User, tip: Tip, important: bool) -> CaseFile:
    """Flag the tip as important in the inbox, or take the flag off."""
    with transaction.atomic():
        case = _locked_case(tip)
        if important == case.important:
            return case
        case.important = important
        _touch(case, "important")
        record(
            actor=actor,
            action="case.marked_important",
            subject=tip,
            detail=f"important {'yes' if important else 'no'}",
        )
    return case


CLOSE_IN_TWO_STEPS = gettext_lazy(
    "A tip is closed in two steps: propose the closure below, then a second reader who can read the tip approves it."
)


ALREADY_PROPOSED = gettext_lazy("A closure is proposed already: approve or withdraw it first.")


def do_propose_closure(*, actor: User, tip: Tip, closure: ClosureRecord) -> Closure:
    """Propose to close the tip: findings and actions taken, sealed; nothing closes until approved.

    Raise CaseRuleError when the status is not a closed one, the tip is closed already, its
    triage is missing, or another proposal waits (approve or withdraw that one first).
    """
    now = timezone.now()
    if closure.status.kind != Status.Kind.CLOSED:
        raise CaseRuleError("closure_status", _("Choose the closed status the tip will enter."))
    with transaction.atomic():
        case = _locked_case(tip)
        if case.status.kind == Status.Kind.CLOSED:
            raise CaseRuleError(None, _("This tip is closed already."))
        if case.status.kind == Status.Kind.NEW and not case.triages.exists():
            raise CaseRuleError(None, _("Record the triage before proposing to close this tip."))
        if case.closures.pending().exists():
            raise CaseRuleError(None, ALREADY_PROPOSED)
        try:
            # The database holds one waiting proposal per tip, also against two readers at once.
            with transaction.atomic():
                proposal = Closure.objects.create(
                    case=case,
                    status=closure.status,
                    findings=_seal_to_case(tip, closure.findings),
                    actions_taken=_seal_to_case(tip, closure.actions_taken),
                    proposed_by=actor,
                    proposed_at=now,
                )
        except IntegrityError:
            raise CaseRuleError(None, ALREADY_PROPOSED) from None
        record(actor=actor, action="closure.proposed", subject=tip, detail=f"closure {proposal.pk}")
    return proposal


DECIDED_ALREADY = gettext_lazy("This closure proposal was withdrawn or decided already; nothing was changed.")


def _pending_closure(case: CaseFile, closure_id: int) -> Closure:
    proposal = case.closures.pending().select_related("status", "proposed_by").filter(pk=closure_id).first()
    if proposal is None:
        raise CaseRuleError(None, DECIDED_ALREADY)
    return proposal


def _decide(proposal: Closure, **decision: Any) -> None:
    """Record a decision only if the proposal still waits: a compare-and-set in one UPDATE.

    SQLite ignores SELECT ... FOR UPDATE, so an approval and a withdrawal sent at once could
    both read the proposal as waiting; only one of them changes the row.
    """
    if not Closure.objects.pending().filter(pk=proposal.pk).update(**decision):
        raise CaseRuleError(None, DECIDED_ALREADY)


def do_approve_closure(*, actor: User, tip: Tip, closure_id: int) -> CaseFile:
    """Approve another reader's proposal: the tip enters its closed status; the retention clock starts.

    The approver must be a different person from the proposer and able to read the tip now
    (whoever calls this): two people who both read the tip agree before it can be destroyed.
    """
    now = timezone.now()
    if not may_read_tip(user=actor, tip=tip):
        raise CaseRuleError(None, _("Only someone who can read this tip can approve its closure."))
    with transaction.atomic():
        # The case row is locked first: two approvals, or an approval and a withdrawal, at once
        # are decided one after the other.
        case = _locked_case(tip)
        proposal = _pending_closure(case, closure_id)
        if proposal.proposed_by_id == actor.pk:
            raise CaseRuleError(None, _("You proposed this closure: a second reader must approve it."))
        if case.status.kind == Status.Kind.CLOSED:  # pragma: no cover - proposals wait only on open tips
            raise CaseRuleError(None, _("This tip is closed already."))
        _decide(proposal, approved_by=actor, approved_at=now)
        old_status = case.status
        case.status = proposal.status  # type: ignore[assignment]  # a closure proposal names its status
        case.destroy_after = now + timedelta(days=tip.channel.retain_closed_days)
        case.destruction_warned = False
        case.updated_at = now
        case.save(update_fields=["status", "destroy_after", "destruction_warned", "updated_at"])
        detail = (
            f"closure {proposal.pk} proposed by user {proposal.proposed_by_id}; "
            f"status {old_status.slug} -> {proposal.status.slug}"  # type: ignore[union-attr]
        )
        record(actor=actor, action="closure.approved", subject=tip, detail=detail)
    return case


def do_withdraw_closure(*, actor: User, tip: Tip, closure_id: int) -> None:
    """Withdraw (the proposer) or decline (any other reader) a proposal waiting for approval.

    Anyone who reads the tip may do it: it keeps the tip open, the safe direction.
    """
    with transaction.atomic():
        case = _locked_case(tip)
        proposal = _pending_closure(case, closure_id)
        _decide(proposal, withdrawn_by=actor, withdrawn_at=timezone.now())
        record(actor=actor, action="closure.withdrawn", subject=tip, detail=f"closure {proposal.pk}")


def do_export_tip(*, actor: User, tip: Tip, secrets: TipSecrets, lock: ExportLock, out: BinaryIO) -> None:
    """Write the tip's export zip to `out` (ciphertext and a README only) and audit it, with what locks it."""
    from clarion.casework.export import write_export

    write_export(
        out,
        tip=tip,
        reference=case_file_of(tip).reference,
        tip_identities={"conversation": secrets.conversation, "case": secrets.case},
        lock=lock,
        store=blob_store(),
        notes=[bytes(body) for body in tip.notes.values_list("body", flat=True)],
    )
    record(actor=actor, action="tip.exported", subject=tip, detail=lock.describe())


def do_declare_conflict(*, actor: User, tip: Tip) -> None:
    """Keep `actor` off the tip: record the conflict, drop their key wrap and assignment."""
    with transaction.atomic():
        ConflictOfInterest.objects.get_or_create(tip=tip, user=actor, defaults={"declared_at": timezone.now()})
        tip.key_wraps.filter(holder=KeyWrap.Holder.REVIEWER, user=actor).delete()
        CaseFile.objects.filter(pk=tip.pk, assignee=actor).update(assignee=None)
        record(actor=actor, action="conflict.declared", subject=tip)


def do_share_tip(*, actor: User, tip: Tip, secrets: TipSecrets, reviewer: User) -> KeyWrap:
    """Wrap the tip's secrets to another reviewer's key. No content is re-encrypted."""
    custody = KeyCustody.objects.filter(user=reviewer, user__is_active=True).first()
    if custody is None:
        raise CaseRuleError("reviewer", "This person has no key yet: they must finish enrolment first.")
    if tip.conflicts.filter(user=reviewer).exists():
        raise CaseRuleError("reviewer", "This person declared a conflict of interest on this tip.")
    if tip.key_wraps.filter(holder=KeyWrap.Holder.REVIEWER, user=reviewer).exists():
        raise CaseRuleError("reviewer", "This person can already read this tip.")
    wrapped = vault.wrap_secrets({"conversation": secrets.conversation, "case": secrets.case}, [custody.public_key])
    with transaction.atomic():
        wrap = KeyWrap.objects.create(
            tip=tip,
            holder=KeyWrap.Holder.REVIEWER,
            via=KeyWrap.Via.SHARE,
            user=reviewer,
            recipient=custody.public_key,
            wrapped=wrapped,
        )
        record(actor=actor, action="tip.shared", subject=tip, detail=f"with user {reviewer.pk}")
    return wrap


class NotAllowed(CaseRuleError):
    """A change the person asking may not make, whatever they type (answered with 403)."""


def do_revoke_share(*, actor: User, tip: Tip, reviewer: User) -> None:
    """Take back a tip shared with a reviewer: delete the wraps a share gave them.

    Admins only (M8): a reader who could take every other reader off a tip could close it and
    have it destroyed with nobody left to notice. What a channel gave is taken back only by
    taking the person off the channel (`do_set_channel_receivers`); a reader leaves a tip
    themselves by declaring a conflict of interest.
    """
    if reviewer == actor:
        raise CaseRuleError("reviewer", _("You cannot revoke your own access; declare a conflict of interest instead."))
    if not is_admin(actor):
        raise NotAllowed("reviewer", _("Only an admin can take another reader's access away."))
    with transaction.atomic():
        wraps = tip.key_wraps.filter(holder=KeyWrap.Holder.REVIEWER, user=reviewer)
        deleted, _counts = wraps.filter(via=KeyWrap.Via.SHARE).delete()
        if not deleted:
            if wraps.exists():
                raise CaseRuleError(
                    "reviewer",
                    _(
                        "%(name)s reads this tip as a receiver of its channel, %(channel)s: an admin takes "
                        "them off the channel in the administration pages, which takes back its tips."
                    )
                    % {"name": reviewer.get_username(), "channel": tip.channel.name},
                )
            raise CaseRuleError("reviewer", _("This person cannot read this tip."))
        if not wraps.exists():
            CaseFile.objects.filter(pk=tip.pk, assignee=reviewer).update(assignee=None)
        record(actor=actor, action="share.revoked", subject=tip, detail=f"from user {reviewer.pk}")


@dataclass(frozen=True)
class TakenBack:
    """What taking one person off a channel took from them: the references of the tips lost."""

    user: User
    references: list[str]


def tips_given_by_channel(*, channel: Channel, user: User) -> list[str]:
    """Return the references of the tips `user` reads only because they receive `channel`.

    These are what taking them off the channel takes back; a tip also shared with them (a
    wrap of its own, to the key they hold) stays.
    """
    given = KeyWrap.objects.filter(
        holder=KeyWrap.Holder.REVIEWER, via=KeyWrap.Via.CHANNEL, user=user, tip__channel=channel
    )
    shared = KeyWrap.objects.filter(holder=KeyWrap.Holder.REVIEWER, via=KeyWrap.Via.SHARE, user=user)
    tips = given.exclude(tip__in=shared.values("tip")).values("tip")
    return list(CaseFile.objects.filter(pk__in=tips).order_by("received_at").values_list("reference", flat=True))


def _take_back_channel_tips(*, actor: User, channel: Channel, user: User) -> list[str]:
    """Delete the wraps `channel` gave `user`; unassign them where they can read no more; audit each tip."""
    wraps = KeyWrap.objects.filter(
        holder=KeyWrap.Holder.REVIEWER, via=KeyWrap.Via.CHANNEL, user=user, tip__channel=channel
    )
    tip_ids = list(wraps.values_list("tip_id", flat=True).distinct())
    wraps.delete()
    still_read = KeyWrap.objects.filter(holder=KeyWrap.Holder.REVIEWER, user=user, tip_id__in=tip_ids).values("tip")
    lost = CaseFile.objects.filter(pk__in=tip_ids).exclude(pk__in=still_read)
    lost.filter(assignee=user).update(assignee=None)
    references = dict(lost.values_list("pk", "reference"))
    for tip_id in tip_ids:
        if tip_id in references:
            detail = f"user {user.pk} ({user.get_username()}) taken off channel {channel.pk} ({channel.slug})"
            record(actor=actor, action="access.revoked", subject=(SubjectType.TIP, tip_id), detail=detail)
    return sorted(references.values())


def do_set_channel_receivers(*, actor: User, channel: Channel, receivers: Iterable[Any]) -> list[TakenBack]:
    """Make `receivers` exactly the people who receive the channel's tips; return what was taken back.

    Least privilege (docs/design.md, property 7): taking someone off a channel takes back what the
    channel gave them — every wrap of its tips made for them at submission — but not what was
    shared with them, which only an admin's revocation takes back. Adding them again later
    gives back nothing: the server never holds a tip's secrets to wrap them again; a reader
    shares each tip instead. Only reviewers who hold a key may receive a channel.
    """
    if not is_admin(actor):
        raise PermissionDenied
    wanted = {user.pk: user for user in receivers}
    for user in wanted.values():
        refusal = receiver_refusal(user)
        if refusal:
            raise CaseRuleError("receivers", refusal)
    taken_back: list[TakenBack] = []
    with transaction.atomic():
        current = {user.pk: user for user in channel.receivers.all()}
        for pk in sorted(set(wanted) - set(current)):
            channel.receivers.add(wanted[pk])
            who = f"user {pk} ({wanted[pk].get_username()})"
            record(actor=actor, action="channel.receiver_added", subject=channel, detail=who)
        for pk in sorted(set(current) - set(wanted)):
            user = current[pk]
            channel.receivers.remove(user)
            references = _take_back_channel_tips(actor=actor, channel=channel, user=user)
            detail = f"user {pk} ({user.get_username()}); tips taken back: {len(references)}"
            record(actor=actor, action="channel.receiver_removed", subject=channel, detail=detail)
            taken_back.append(TakenBack(user=user, references=references))
    return taken_back


POSTPONE_DAYS = 30


def do_postpone_destruction(*, actor: User, tip: Tip) -> CaseFile:
    """Keep a closed tip POSTPONE_DAYS longer than planned (or than now, if that is later)."""
    with transaction.atomic():
        case = CaseFile.objects.select_for_update().get(pk=tip.pk)
        if case.destroy_after is None:
            raise CaseRuleError(None, "Only a closed tip has a destruction date to postpone.")
        case.destroy_after = max(case.destroy_after, timezone.now()) + timedelta(days=POSTPONE_DAYS)
        case.destruction_warned = False
        case.save(update_fields=["destroy_after", "destruction_warned"])
        record(actor=actor, action="retention.postponed", subject=tip, detail=f"{POSTPONE_DAYS} days")
    return case


def do_destroy_tip(*, tip: Tip) -> None:
    """Destroy a tip for good: overwrite its blobs, delete its rows and key wraps; keep an audit entry.

    Blobs go first: if the process dies half-way, the rows still name the blobs left, and the
    next run finishes the job. The audit log keeps only that the tip existed and was destroyed.
    """
    store = blob_store()
    for blob in tip.files.values_list("blob", flat=True):
        store.delete(blob)
    with transaction.atomic():
        tip_id = tip.pk
        Tip.objects.filter(pk=tip_id).delete()
        record(actor=None, action="tip.destroyed", subject=(SubjectType.TIP, tip_id), detail="retention period over")
