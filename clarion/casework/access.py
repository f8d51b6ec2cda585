"""Decide which tips a reviewer reads, and open a tip's keys with the identity they hold.

Least privilege (docs/design.md, property 7): a reviewer reads a tip only while they hold the reviewer
role and a key wrap for them exists — made at submission for the receivers of its channel, or
later by a share — and only while they have not declared a conflict of interest on it.
"Missing" and "not yours" answer the same 404, so ids cannot be probed.

Every `access_*` function here takes the acting person (`actor`), returns the object or
raises Http404, and checks every condition itself, the role included: a caller cannot
forget one (Zulip's `access_stream_common`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from clarion import vault
from clarion.accounts.models import KeyCustody
from clarion.accounts.roles import REVIEWER, Actor, is_reviewer
from clarion.casework.models import CaseFile
from clarion.intake.models import KeyWrap, Tip, TipFile
from clarion.vault import AgeIdentityStr, KeyPair

NOT_FOUND = "No tip with this id is open to you."


def access_tip_for_reviewer(*, actor: Actor, tip_id: uuid.UUID) -> Tip:
    """Return the tip if `actor` may read it; raise Http404 for missing and not-yours alike."""
    if not is_reviewer(actor):
        raise Http404(NOT_FOUND)
    reviewer = cast(User, actor)  # is_reviewer holds only for an authenticated, active user
    tip = Tip.objects.select_related("channel").filter(pk=tip_id).first()
    if tip is None:
        raise Http404(NOT_FOUND)
    if not tip.key_wraps.filter(holder=KeyWrap.Holder.REVIEWER, user=reviewer).exists():
        raise Http404(NOT_FOUND)
    if tip.conflicts.filter(user=reviewer).exists():
        raise Http404(NOT_FOUND)
    return tip


def may_read_tip(*, user: Actor, tip: Tip) -> bool:
    """Return whether the gatekeeper would let `user` read `tip` (for someone other than the actor)."""
    try:
        access_tip_for_reviewer(actor=user, tip_id=tip.pk)
    except Http404:
        return False
    return True


def case_references_for_reviewer(*, actor: Actor, tips: Iterable[Tip]) -> dict[uuid.UUID, str]:
    """Return the case reference of each tip `actor` may read, by tip id, in the given order.

    Tips they may not read are left out: an editor sees which tips a post quotes only for
    those they read themselves.
    """
    readable = [tip.pk for tip in tips if may_read_tip(user=actor, tip=tip)]
    found = dict(CaseFile.objects.filter(tip__in=readable).values_list("tip_id", "reference"))
    return {pk: found.get(pk, "") for pk in readable}


def shared_readers_of_tip(tip: Tip) -> QuerySet:
    """Return the readers of `tip` who hold a wrap from a share (which an admin may revoke)."""
    shared = KeyWrap.objects.filter(tip=tip, holder=KeyWrap.Holder.REVIEWER, via=KeyWrap.Via.SHARE)
    return readers_of_tip(tip).filter(pk__in=shared.values("user"))


def readers_of_tip(tip: Tip) -> QuerySet:
    """Return the active people who can read `tip` now (a wrap, no declared conflict)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, keywrap__tip=tip, keywrap__holder=KeyWrap.Holder.REVIEWER)
        .exclude(pk__in=tip.conflicts.values("user"))
        .distinct()
        .order_by("username")
    )


def share_candidates_for_tip(tip: Tip) -> QuerySet:
    """Return the reviewers with a key who cannot read `tip` yet and declared no conflict on it."""
    return (
        get_user_model()
        .objects.filter(is_active=True, key_custody__isnull=False, groups__name=REVIEWER)
        .exclude(pk__in=readers_of_tip(tip).values("pk"))
        .exclude(pk__in=tip.conflicts.values("user"))
        .order_by("username")
    )


def channel_receiver_candidates() -> QuerySet:
    """Return the people who may receive a channel's tips: reviewers who hold a key."""
    return (
        get_user_model()
        .objects.filter(groups__name=REVIEWER, key_custody__isnull=False)
        .distinct()
        .order_by("username")
    )


def receiver_refusal(user: User) -> str | None:
    """Return why `user` cannot receive a channel's tips, in words for an admin; None if they can."""
    name = user.get_username()
    if not user.groups.filter(name=REVIEWER).exists():
        return _("%(name)s is not a reviewer: only reviewers receive a channel's tips.") % {"name": name}
    if not KeyCustody.objects.filter(user=user).exists():
        return _(
            "%(name)s has no key yet: tips could not be opened by them. They receive a channel once they "
            "have finished enrolment."
        ) % {"name": name}
    return None


def access_tip_file_for_reviewer(*, actor: Actor, tip_id: uuid.UUID, file_id: int) -> TipFile:
    """Return one file of a tip `actor` may read; Http404 otherwise."""
    tip = access_tip_for_reviewer(actor=actor, tip_id=tip_id)
    tip_file = tip.files.filter(pk=file_id).first()
    if tip_file is None:
        raise Http404(NOT_FOUND)
    tip_file.tip = tip
    return tip_file


@dataclass(frozen=True, repr=False)
class TipSecrets:
    """A tip's two secret keys, unwrapped for one request only."""

    conversation: AgeIdentityStr = field(repr=False)
    case: AgeIdentityStr = field(repr=False)

    def __repr__(self) -> str:
        return "TipSecrets(<redacted>)"


def unlock_tip_for_reviewer(*, tip: Tip, user: User, keypair: KeyPair) -> TipSecrets:
    """Unwrap the tip's secrets with the reviewer's identity; raise vault.DecryptionError."""
    # A reviewer whose key was replaced (an admin reset) may hold older wraps to a key they
    # no longer have: pick the wrap made to the identity this session holds.
    wrap = tip.key_wraps.filter(holder=KeyWrap.Holder.REVIEWER, user=user, recipient=keypair.recipient).first()
    if wrap is None:
        raise vault.DecryptionError("No key wrap for this reviewer.")
    secrets_ = vault.unwrap_secrets(bytes(wrap.wrapped), [keypair.identity])
    return TipSecrets(conversation=secrets_["conversation"], case=secrets_["case"])
