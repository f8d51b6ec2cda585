"""Every change to a staff account goes through one of these: check, change, end sessions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from clarion import vault
from clarion.accounts import keys
from clarion.accounts.codes import OneTimeCode, code_hash, generate_code, normalise_code
from clarion.accounts.models import Invitation, KeyCustody, Organisation
from clarion.accounts.roles import ADMIN, Role, grant_role, is_admin
from clarion.accounts.sessions import end_sessions
from clarion.audit.log import record
from clarion.audit.models import SubjectType


class AccountError(Exception):
    """A change that cannot be made; the message says why, in words for the person."""


def _person(user: User) -> str:
    return f"user {user.pk} ({user.get_username()})"


def _remove_devices(*, actor: User, user: User) -> None:
    """Delete every second-factor device of `user`, recording it in the audit log."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    if removed:
        detail = f"second-factor devices of {_person(user)}: {removed}"
        record(actor=actor, action="device.removed", subject=user, detail=detail)


@dataclass(frozen=True)
class Enrolled:
    user: User
    recovery_code: OneTimeCode


def do_create_invitation(
    *,
    actor: User | None,
    roles: list[str],
    email: str = "",
    for_user: User | None = None,
    days: int | None = None,
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
        record(actor=actor, action="account.invite", detail=invitation.roles)
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
        user = get_user_model()(username=username, email=invitation.email)  # type: ignore[misc]  # given for a new account
    user.set_password(password)
    user.is_active = True
    user.save()
    for role in invitation.role_list:
        grant_role(user, role)
    _remove_devices(actor=user, user=user)
    TOTPDevice.objects.create(user=user, name="authenticator", key=totp_key, confirmed=True)
    record(actor=user, action="device.added", subject=user, detail=f"authenticator (TOTP) of {_person(user)}")
    _custody, recovery_code = keys.enrol_key_custody(user, password)
    action = "account.reenrol" if invitation.for_user else "account.enrol"
    record(actor=user, action=action, subject=user, detail=invitation.roles)
    return Enrolled(user=user, recovery_code=recovery_code)


@transaction.atomic
def do_change_password(*, user: User, current_password: str, new_password: str, keep_session: str | None) -> None:
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
    record(actor=user, action="account.password_change", subject=user)


@transaction.atomic
def do_recover(*, user: User, recovery_code: str, new_password: str) -> OneTimeCode:
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
    record(actor=user, action="account.recover", subject=user)
    return new_code


@transaction.atomic
def do_reset_account(*, actor: User, user: User) -> OneTimeCode:
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
    _remove_devices(actor=actor, user=user)
    Invitation.objects.filter(for_user=user, used_at__isnull=True).delete()
    end_sessions(user)
    _invitation, code = do_create_invitation(actor=actor, roles=[], for_user=user)
    record(actor=actor, action="account.reset", subject=user, detail=user.get_username())
    return code


@transaction.atomic
def do_set_active(*, actor: User, user: User, active: bool) -> None:
    """Disable (ending every session) or re-enable a staff account."""
    if not is_admin(actor):
        raise PermissionDenied
    if user == actor and not active:
        raise AccountError("You cannot disable yourself.")
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        end_sessions(user)
    action = "account.enable" if active else "account.disable"
    record(actor=actor, action=action, subject=user, detail=user.get_username())


@transaction.atomic
def do_set_roles(*, actor: User, user: User, groups: Iterable[Group]) -> None:
    """Give `user` exactly `groups`, recording each role granted or taken in the audit log.

    Django's admin flags (is_staff, is_superuser) come and go with the admin role alone, so
    the admin pages are never open to someone who is not an admin, nor closed to one.
    """
    if not is_admin(actor):
        raise PermissionDenied
    before = set(user.groups.values_list("name", flat=True))
    wanted = {group.name: group for group in groups}
    user.groups.set(wanted.values())
    if (ADMIN in wanted) != (ADMIN in before):
        user.is_staff = user.is_superuser = ADMIN in wanted
        user.save(update_fields=["is_staff", "is_superuser"])
    for name in sorted(set(wanted) - before):
        record(actor=actor, action="role.granted", subject=user, detail=f"{name} to {_person(user)}")
    for name in sorted(before - set(wanted)):
        record(actor=actor, action="role.removed", subject=user, detail=f"{name} from {_person(user)}")


def _permission_names(permissions: Iterable[Permission]) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


@transaction.atomic
def do_save_group(*, actor: User, group: Group, permissions: Iterable[Permission]) -> None:
    """Save a group (renamed or not) with exactly `permissions`, recording the change."""
    if not is_admin(actor):
        raise PermissionDenied
    old = Group.objects.filter(pk=group.pk).first() if group.pk else None
    if old is not None and old.name in Role.values and group.name != old.name:
        raise AccountError(
            _("“%(name)s” is a role: renaming it would take the role from everyone who has it.") % {"name": old.name}
        )
    before = _permission_names(old.permissions.select_related("content_type")) if old else set()
    group.save()
    group.permissions.set(permissions)
    after = _permission_names(group.permissions.select_related("content_type"))
    changes = [f"renamed from {old.name}"] if old is not None and old.name != group.name else []
    changes += [f"+{name}" for name in sorted(after - before)] + [f"-{name}" for name in sorted(before - after)]
    detail = f"{group.name}: {' '.join(changes)}"
    if old is None:
        record(actor=actor, action="group.created", subject=group, detail=detail.strip(": "))
    elif changes:
        record(actor=actor, action="group.changed", subject=group, detail=detail)


@transaction.atomic
def do_delete_group(*, actor: User, group: Group) -> None:
    """Delete a group that is not a role, recording it."""
    if not is_admin(actor):
        raise PermissionDenied
    if group.name in Role.values:
        raise AccountError(_("“%(name)s” is a role and cannot be deleted.") % {"name": group.name})
    name, pk = group.name, group.pk
    group.delete()
    record(actor=actor, action="group.deleted", subject=(SubjectType.GROUP, pk), detail=name)


@transaction.atomic
def do_save_organisation(*, actor: User, organisation: Organisation) -> None:
    """Save the organisation's details; a new, replaced or removed offline key is recorded.

    Every new tip's keys are wrapped to the offline key: whoever replaces it with a key they
    hold reads every tip that arrives afterwards, so nobody may do it unseen (I4).
    """
    if not is_admin(actor):
        raise PermissionDenied
    old = Organisation.objects.filter(pk=organisation.pk).first() if organisation.pk else None
    organisation.save()
    old_key = old.offline_public_key if old is not None else ""
    if organisation.offline_public_key != old_key:
        record(
            actor=actor,
            action="organisation.offline_key",
            subject=organisation,
            detail=f"{old_key or '(none)'} -> {organisation.offline_public_key or '(none)'}",
        )
    changed = [name for name in ("name", "mission") if old is None or getattr(old, name) != getattr(organisation, name)]
    if changed:
        record(actor=actor, action="organisation.changed", subject=organisation, detail=", ".join(changed))


@transaction.atomic
def do_set_up_organisation(*, name: str, languages: list[str], replace: bool = False) -> Organisation:
    """Name the organisation and choose its languages at `python -m clarion setup` (the operator, no actor).

    A second run would otherwise rename a live site without anyone deciding to: an existing
    organisation is changed only with `replace`, and the change is recorded like an admin's.
    """
    organisation = Organisation.objects.order_by("pk").first()
    if organisation is not None and not replace:
        raise AccountError(_("The organisation “%(name)s” is set up already.") % {"name": organisation.name})
    if organisation is None:
        organisation = Organisation(name=name, languages=",".join(languages))
        organisation.save()
        record(
            actor=None, action="organisation.set_up", subject=organisation, detail=f"languages {organisation.languages}"
        )
        return organisation
    changed = [
        field
        for field, value in (("name", name), ("languages", ",".join(languages)))
        if getattr(organisation, field) != value
    ]
    organisation.name = name
    organisation.languages = ",".join(languages)
    organisation.save()
    if changed:
        record(actor=None, action="organisation.changed", subject=organisation, detail=", ".join(changed))
    return organisation
