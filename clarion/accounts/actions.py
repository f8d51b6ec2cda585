"""Every change to a staff account goes through one of these: check, change, end sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from clarion import vault
from clarion.accounts import keys
from clarion.accounts.codes import OneTimeCode, code_hash, generate_code, normalise_code
from clarion.accounts.models import Invitation, KeyCustody
from clarion.accounts.roles import Role, grant_role, is_admin
from clarion.accounts.sessions import end_sessions


class AccountError(Exception):
    """A change that cannot be made; the message says why, in words for the person."""


def _audit(*, actor, action: str, detail: str = "") -> None:  # noqa: ANN001
    """Append to the audit log (kept by clarion.casework): who did what; never a secret."""
    from clarion.casework.audit import record  # imported here: casework builds on accounts

    record(actor=actor, action=action, detail=detail)


@dataclass(frozen=True)
class Enrolled:
    user: object
    recovery_code: OneTimeCode


def do_create_invitation(
    *,
    actor,
    roles: list[str],
    email: str = "",
    for_user=None,
    days: int | None = None,  # noqa: ANN001
) -> tuple[Invitation, OneTimeCode]:
    """Create an invitation (or, with `for_user`, a reset) and return it with its code, once."""
    if actor is not None and not is_admin(actor):
        raise PermissionDenied
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise AccountError(f"Unknown role {sorted(unknown)[0]!r}.")
    code = generate_code()
    invitation = Invitation.objects.create(
        code_hash=code_hash(normalise_code(code) or ""),
        roles=",".join(role for role in Role.values if role in roles),
        email=email,
        for_user=for_user,
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=days or settings.STAFF_INVITATION_DAYS),
    )
    if for_user is None:
        _audit(actor=actor, action="account.invite", detail=invitation.roles)
    return invitation, code


def find_open_invitation(canonical_code: str) -> Invitation | None:
    """Return the unused, unexpired invitation with this code, or None."""
    invitation = Invitation.objects.filter(code_hash=code_hash(canonical_code)).select_related("for_user").first()
    if invitation is None or not invitation.is_open():
        return None
    return invitation


@transaction.atomic
def do_enrol(*, invitation_id: int, username: str | None, password: str, totp_key: str) -> Enrolled:
    """Use the invitation once: set up the account, its TOTP device, identity and recovery code."""
    now = timezone.now()
    claimed = Invitation.objects.filter(pk=invitation_id, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if claimed != 1:
        raise AccountError("This invitation was used already or has expired. Ask an admin for a new one.")
    invitation = Invitation.objects.get(pk=invitation_id)
    if invitation.for_user is not None:
        user = invitation.for_user
    else:
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise AccountError("This user name is taken. Choose another.")
        user = get_user_model()(username=username, email=invitation.email)
    user.set_password(password)
    user.is_active = True
    user.save()
    for role in invitation.role_list:
        grant_role(user, role)
    TOTPDevice.objects.filter(user=user).delete()
    TOTPDevice.objects.create(user=user, name="authenticator", key=totp_key, confirmed=True)
    _custody, recovery_code = keys.enrol_key_custody(user, password)
    _audit(actor=user, action="account.reenrol" if invitation.for_user else "account.enrol", detail=invitation.roles)
    return Enrolled(user=user, recovery_code=recovery_code)


@transaction.atomic
def do_change_password(*, user, current_password: str, new_password: str, keep_session: str | None) -> None:  # noqa: ANN001
    """Re-wrap the identity under the new password and end the person's other sessions."""
    if not user.check_password(current_password):
        raise AccountError("Your current password is not right.")
    custody = KeyCustody.objects.select_for_update().get(user=user)
    try:
        keypair = keys.unlock_identity(custody, current_password)
    except vault.DecryptionError:
        raise AccountError("Your key does not open with your current password. Ask an admin.") from None
    keys.rewrap_under_password(custody, keypair, new_password)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    end_sessions(user, keep=keep_session)
    _audit(actor=user, action="account.password_change")


@transaction.atomic
def do_recover(*, user, recovery_code: str, new_password: str) -> OneTimeCode:  # noqa: ANN001
    """Open the identity with the recovery code, wrap it under a new password; return a new code.

    The caller has checked the person's one-time code: a recovery never skips the second factor.
    """
    custody = KeyCustody.objects.select_for_update().get(user=user)
    keypair = keys.unlock_with_recovery_code(custody, recovery_code)  # DecryptionError when wrong
    keys.rewrap_under_password(custody, keypair, new_password)
    new_code = keys.set_recovery_code(custody, keypair)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    end_sessions(user)
    _audit(actor=user, action="account.recover")
    return new_code


@transaction.atomic
def do_reset_account(*, actor, user) -> OneTimeCode:  # noqa: ANN001
    """Lock the account now and return a code with which the person enrols a NEW identity.

    Without their recovery code the old identity cannot be opened, so the tips wrapped to it
    stay unreadable for this person until someone shares them again (the confirmation page
    says so first). Their password and authenticator are removed at once, so the reset ends
    any access an attacker who took over the account might have; the new identity replaces
    the old one when the person enrols with the code.
    """
    if not is_admin(actor):
        raise PermissionDenied
    user.set_unusable_password()
    user.save(update_fields=["password"])
    TOTPDevice.objects.filter(user=user).delete()
    Invitation.objects.filter(for_user=user, used_at__isnull=True).delete()
    end_sessions(user)
    _invitation, code = do_create_invitation(actor=actor, roles=[], for_user=user)
    _audit(actor=actor, action="account.reset", detail=user.get_username())
    return code


@transaction.atomic
def do_set_active(*, actor, user, active: bool) -> None:  # noqa: ANN001
    """Disable (ending every session) or re-enable a staff account."""
    if not is_admin(actor):
        raise PermissionDenied
    if user == actor and not active:
        raise AccountError("You cannot disable yourself.")
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        end_sessions(user)
    _audit(actor=actor, action="account.enable" if active else "account.disable", detail=user.get_username())
