"""Periodic casework jobs: deadline reminders, destruction warnings, and destruction itself."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from clarion.accounts.notifications import Event, send_notice
from clarion.accounts.roles import ADMIN
from clarion.casework.actions import do_destroy_tip
from clarion.casework.deadlines import DUE_SOON
from clarion.casework.models import CaseFile
from clarion.intake.models import KeyWrap

WARN_AHEAD = timedelta(hours=72)


def _readers(case: CaseFile) -> list[int]:
    wraps = KeyWrap.objects.filter(tip_id=case.pk, holder=KeyWrap.Holder.REVIEWER)
    return list(wraps.values_list("user_id", flat=True))


def _warned_before_destruction(case: CaseFile) -> list[int]:
    """Return who is warned before a tip is destroyed: its readers, its channel's receivers, every admin.

    Not the readers alone (M8): a reader who had the others taken off a tip would be the only
    one told, and the tip would go with nobody else the wiser. The notice says only that a
    closed tip will be destroyed soon, so it can go to people who cannot read it.
    """
    receivers = case.tip.channel.receivers.values_list("pk", flat=True)
    admins = get_user_model().objects.filter(groups__name=ADMIN).values_list("pk", flat=True)
    return sorted({*_readers(case), *receivers, *admins})


@task()
def send_deadline_reminders() -> int:
    """Remind a tip's reviewers, once per step, when a Directive deadline is within two days or past."""
    cases = CaseFile.objects.filter(due_at__lte=timezone.now() + DUE_SOON).exclude(reminded_step=F("due_step"))
    sent = 0
    for case in cases:
        send_notice.call(user_ids=_readers(case), event=Event.REMINDER.value)
        CaseFile.objects.filter(pk=case.pk).update(reminded_step=case.due_step)
        sent += 1
    return sent


@task()
def apply_retention() -> int:
    """Warn 72 hours before a closed tip is destroyed, then destroy it when its time comes."""
    now = timezone.now()
    to_warn = CaseFile.objects.filter(destroy_after__lte=now + WARN_AHEAD, destruction_warned=False)
    for case in to_warn.filter(Q(destroy_after__gt=now)).select_related("tip__channel"):
        send_notice.call(user_ids=_warned_before_destruction(case), event=Event.EXPIRY_WARNING.value)
        CaseFile.objects.filter(pk=case.pk).update(destruction_warned=True)
    destroyed = 0
    for case in CaseFile.objects.filter(destroy_after__lte=now).select_related("tip"):
        do_destroy_tip(tip=case.tip)
        destroyed += 1
    return destroyed
