"""The two-person rule's own switch, and every other change to the publishing settings, audited.

Threat (the security review's M2): an admin who is also an editor switches the rule off,
approves their own post, and switches it back on, with only Django's admin log to show for it.
Switching the rule off now takes two admins: one proposes, a different one confirms; until
then the rule holds for everyone. Switching it on takes one, at once. Every step, and every
other change to the settings, is in the hash-chained audit log (field names, never values).
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clarion.accounts.roles import is_admin
from clarion.audit.log import record
from clarion.audit.models import SubjectType
from clarion.publishing.actions.common import WorkflowError
from clarion.publishing.models import SiteSettings

PUBLISHING_SETTINGS = (SubjectType.SETTINGS, "publishing")  # the audit subject of every entry here


def _locked_settings() -> SiteSettings:
    SiteSettings.current()
    return SiteSettings.objects.select_for_update().order_by("pk").first()  # type: ignore[return-value]  # current() made it


def _admin_only(actor: User) -> None:
    if not is_admin(actor):
        raise WorkflowError(_("Only admins change the two-person rule."))


@transaction.atomic
def do_propose_rule_off(*, actor: User) -> SiteSettings:
    """Propose switching the two-person rule off; it stays on until a second admin confirms."""
    _admin_only(actor)
    site = _locked_settings()
    if not site.require_second_editor:
        raise WorkflowError(_("The two-person rule is off already."))
    if site.rule_off_proposed_by_id is not None:
        raise WorkflowError(_("Switching the rule off is proposed already: a second admin confirms or withdraws it."))
    site.rule_off_proposed_by = actor
    site.rule_off_proposed_at = timezone.now()
    site.save(update_fields=["rule_off_proposed_by", "rule_off_proposed_at"])
    record(actor=actor, action="publishing.rule_off_proposed", subject=PUBLISHING_SETTINGS)
    return site


@transaction.atomic
def do_confirm_rule_off(*, actor: User) -> SiteSettings:
    """Switch the rule off, as the second admin who agrees to the proposal."""
    _admin_only(actor)
    site = _locked_settings()
    if site.rule_off_proposed_by_id is None or not site.require_second_editor:
        raise WorkflowError(_("Nobody has proposed switching the two-person rule off."))
    if site.rule_off_proposed_by_id == actor.pk:
        raise WorkflowError(_("You proposed switching the rule off: a second admin must confirm it."))
    site.require_second_editor = False
    site.rule_off_proposed_by = None
    site.rule_off_proposed_at = None
    site.save(update_fields=["require_second_editor", "rule_off_proposed_by", "rule_off_proposed_at"])
    record(actor=actor, action="publishing.rule_off", subject=PUBLISHING_SETTINGS)
    return site


@transaction.atomic
def do_keep_rule_on(*, actor: User) -> SiteSettings:
    """Switch the rule on (at once), or withdraw a proposal to switch it off."""
    _admin_only(actor)
    site = _locked_settings()
    if site.require_second_editor and site.rule_off_proposed_by_id is None:
        return site
    action = "publishing.rule_on" if not site.require_second_editor else "publishing.rule_off_withdrawn"
    site.require_second_editor = True
    site.rule_off_proposed_by = None
    site.rule_off_proposed_at = None
    site.save(update_fields=["require_second_editor", "rule_off_proposed_by", "rule_off_proposed_at"])
    record(actor=actor, action=action, subject=PUBLISHING_SETTINGS)
    return site


def record_settings_change(*, actor: User, changed: list[str]) -> None:
    """Put a change of the publishing settings in the audit log: which fields, never their values."""
    if changed:
        detail = "changed " + ", ".join(sorted(changed))
        record(actor=actor, action="publishing.settings", subject=PUBLISHING_SETTINGS, detail=detail)
